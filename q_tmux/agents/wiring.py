"""What hooking an agent up produced, and the helpers every agent's wiring shares.

Imported only when a session starts or resumes, never by a hook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from q_tmux.agents.launch import Agent

HOOK_TIMEOUT_MS = 5000


@dataclass
class Wiring:
    """What hooking an agent up changed: its commands, and files q-tmux wrote."""

    command: list[str]
    resume_command: list[str]
    #: Paths inside the working directory, relative to it, to hide from git.
    worktree_files: list[str] = field(default_factory=list)
    hooked: bool = False
    notes: list[str] = field(default_factory=list)
    #: Environment the agent needs for its hooks (kept outside the user's files).
    env: dict[str, str] = field(default_factory=dict)


def hook_command(agent: str, event: str) -> list[str]:
    """The hook's command line for ``event`` of ``agent`` (never importing from the worktree)."""
    from q_tmux.adapters import python_command

    return python_command.stdlib_module("q_tmux.tracking.hook", agent, event, collect_cycles=False)


def insert_after_program(command: list[str], extra: list[str]) -> list[str]:
    """``command`` with ``extra`` right after the program.

    Options go there (and not at the end) so that a trailing first message
    stays the last argument.
    """
    return [command[0], *extra, *command[1:]]


def with_options(agent: Agent, options: list[str]) -> Wiring:
    """Hooks given as options on the command line, to the first run and to resume alike."""
    return Wiring(
        insert_after_program(agent.command, options),
        insert_after_program(agent.resume_command, options),
        hooked=True,
    )


def agent_files_dir(session_id: str) -> Path:
    """Where q-tmux keeps a session's agent files that must stay out of the worktree."""
    from q_tmux.store import paths

    return paths.state_dir() / "agents" / session_id


def wire(agent: Agent, work_dir: Path, session_id: str, owned: set[str]) -> Wiring:
    """Hook ``agent`` up for a session in ``work_dir``, the way its module says.

    ``owned`` are the files in ``work_dir`` this session wrote before (on
    resume); any other file there belongs to the user and is never overwritten.
    """
    from q_tmux.agents import catalog

    spec = catalog.get(agent.preset)
    if spec is None or spec.wire is None:
        return Wiring(agent.command, agent.resume_command)  # followed from the screen alone
    return spec.wire(agent, work_dir, session_id, owned)


def resume_base(
    preset: str,
    resume_command: list[str],
    conversation: str | None,
    conversation_file: str | None = None,
) -> list[str]:
    """The command that resumes this session's own conversation, before wiring.

    ``conversation`` (and the file the agent keeps it in) are what the agent's
    hooks reported. Without an id, or when that file is gone, it is
    ``resume_command``: the last conversation in this folder.
    """
    import os

    from q_tmux.agents import catalog

    spec = catalog.get(preset)
    if spec is None or spec.resume_by_id is None or not conversation or not resume_command:
        return resume_command
    if conversation_file and not os.path.exists(conversation_file):
        return resume_command  # the agent no longer has it: take the folder's last one
    return spec.resume_by_id(resume_command, conversation) or resume_command
