"""aider.

- Hooks: none as such; ``--notifications-command`` runs when it waits for the
  user (the end of a turn). The start of a turn and approvals come from the screen.
  What other sessions change that this one changes too reaches it through a
  ``--read`` file kept by the watcher outside the worktree (no prompt hook).
- Screen: the prompt ``> `` (``diff> ``, ``architect> `` … whenever the edit format
  is not the model's default) on the last line, with the user's typed text after it
  and sometimes a redrawn rule below; ``Waiting for MODEL`` with a spinner until the
  first token, then only the growing answer (no busy marker). Submitted input stays
  on screen as ``diff> TEXT`` with the answer below it: once the prompt is back
  after a turn ended, that is the sign of a new turn. The approval question
  is ``Run shell command? (Y)es/(N)o …`` (also ``Add command output to the chat?``,
  adding files …).
- First message: typed at the prompt once it appeared (aider has no argument for it).
- Resume: ``--restore-chat-history`` (this folder's chat history).
"""

from __future__ import annotations

from q_tmux.agents.base import TURN_OVER, TYPED, AgentSpec, Approval, ScreenModel, unwrap

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from q_tmux.agents.launch import Agent
    from q_tmux.agents.wiring import Wiring

EVENTS = {"notify": TURN_OVER}

SCREEN = ScreenModel(
    prompt=r"^([\w-]+)?> ?",
    prompt_reach=1,
    prompt_below=r"^[─━-]{10,}$",
    busy=r"waiting for \S+\s*$",
    busy_reach=1,
    approval=r"\(y\)es/\(n\)o",
    approval_reach=0,
    echoes_input=True,
)


def wire(agent: Agent, work_dir: Path, session_id: str, owned: set[str]) -> Wiring:
    """``--notifications-command`` on the command line, and ``--read`` naming the file the
    watcher keeps the other sessions' overlapping changes in (outside the worktree)."""
    import shlex

    from q_tmux.agents.wiring import hook_command, with_options

    command = shlex.join(hook_command("aider", "notify"))
    options = ["--notifications", "--notifications-command", command]
    return with_options(agent, [*options, "--read", instructions_file(session_id)])


def instructions_file(session_id: str) -> str:
    """The file aider reads before each message (it rereads ``--read`` files each turn): empty
    until another session changes this one's files. Made now: aider skips a missing one."""
    import os

    from q_tmux.tracking import awareness

    path = awareness.instructions_path(session_id)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8"):
            pass
    return path


# -- approvals: its (Y)es/(N)o questions, and what they ask ------------------------------


def request(lines: list[str], at: int) -> tuple[str, str | None] | None:
    """What the question at ``lines[at]`` asks: the commands printed just above
    ``Run shell command?`` (wrapped lines joined), else the question itself
    (``Add … to the chat?``)."""
    question = lines[at].split("(Y)es", 1)[0].strip()
    if not question.lower().startswith("run shell command"):
        return question, None
    commands: list[str] = []
    for line in reversed(lines[:at]):
        if not line.strip():
            break
        commands.insert(0, line.strip())
    return (unwrap(commands), "shell") if commands else (question, "shell")


APPROVAL = Approval(
    approve=("y", "Enter"),
    deny=("n", "Enter"),
    no_always="aider's questions have no answer that always allows",
    request=request,
)

AIDER = AgentSpec(
    "aider",
    "aider",
    description="aider",
    resume_args=("--restore-chat-history",),
    prompt_style=TYPED,
    events=EVENTS,
    screen=SCREEN,
    wire=wire,
    approval=APPROVAL,
)
