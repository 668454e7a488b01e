"""The outside programs: git, tmux, and running a process."""
