"""The kinds of session ``new --type`` knows (their meaning lives in :mod:`q_tmux.store.config`)."""

SESSION_TYPES = ("exploration", "feature", "hotfix", "refactor", "experiment", "agent", "delegate")
