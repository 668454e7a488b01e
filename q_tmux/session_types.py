"""The kinds of session ``new --type`` knows (their meaning lives in :mod:`q_tmux.config`)."""

SESSION_TYPES = ("exploration", "feature", "hotfix", "refactor", "experiment", "agent", "delegate")
