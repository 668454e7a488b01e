"""The ``shell`` agent: the user's own shell, no hooks, no screen model.

It is busy while the pane's foreground process is something other than the
shell itself (tmux's ``#{pane_current_command}``), and waits otherwise.
"""

from __future__ import annotations

from q_tmux.agents.base import NONE, AgentSpec

SHELL = AgentSpec("shell", "sh", description="your shell", prompt_style=NONE)


def program_name(command: str) -> str:
    """``-bash`` (a login shell) and ``/bin/bash`` both name ``bash``."""
    return command.rsplit("/", 1)[-1].lstrip("-")


def is_busy(shell: str, foreground: str) -> bool:
    """Whether ``foreground`` (what tmux says runs in the pane) is a command, not the shell."""
    return bool(foreground) and program_name(foreground) != program_name(shell)
