"""q-tmux: parallel AI coding sessions, each in its own git worktree and tmux window."""

__version__ = "0.1.0"
