"""OpenAI Codex CLI (``codex``).

- Hooks: ``notify`` (``-c notify=[...]``): the program gets a JSON payload as its
  last argument at the end of each turn (``type: agent-turn-complete``), with the
  conversation's ``thread-id``. Each turn also ends a title side thread, whose
  notify (another ``thread-id``, a "Generate a concise, single-line task title"
  message) comes first, often mid-answer: it is ignored. Nothing reports the start
  of a turn (nor an interrupted or failed one): the screen does.
- Screen: the composer line starts with ``›`` (placeholder or typed text), with
  footers below, and stays drawn during a turn. ``Working (Ns • esc to interrupt)``
  sits above it only until output starts: while the answer streams, the streaming
  itself is the sign of work. A turn ends with a ``Worked for Ns`` line just above
  the composer, redrawn once after the notify (not new work). Approval: ``Would you
  like to run the following command?`` … ``Press enter to confirm or esc to cancel``.
- Resume: ``codex resume ID``, else ``codex resume --last``.
"""  # noqa: RUF002 - the glyphs the agent draws

from __future__ import annotations

from q_tmux.agents.base import TURN_OVER, AgentSpec, Approval, ScreenModel, unwrap

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from q_tmux.agents.launch import Agent
    from q_tmux.agents.wiring import Wiring

EVENTS = {"notify": TURN_OVER}

SCREEN = ScreenModel(
    prompt=r"^\s*[\u203a▌](\s.*)?$",
    prompt_reach=5,
    busy=r"esc to interrupt",
    turn_over=r"^\s*(worked for \d|■)|interrupted",
    approval=(
        r"would you like to (run|make|allow)|press enter to confirm or esc to cancel"
        r"|allow command\?"
    ),
    approval_reach=20,
)


#: Codex asks the model for a title in a side thread on every turn; its notify comes
#: first (often while the answer still streams), with the side thread's id.
_TITLE_REQUEST = "generate a concise, single-line task title"


def side_thread(payload: dict[str, object]) -> bool:
    messages = payload.get("input-messages")
    first = messages[0] if isinstance(messages, list) and messages else None
    return isinstance(first, str) and first.lower().startswith(_TITLE_REQUEST)


def status_for(event: str, payload: dict[str, object]) -> tuple[str, str | None] | None:
    """A turn's end, unless it is the end of the title side thread."""
    return None if side_thread(payload) else EVENTS.get(event)


def conversation_id(payload: dict[str, object]) -> str | None:
    if side_thread(payload):
        return None
    for key in ("thread-id", "thread_id", "session_id", "conversation_id"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def resume_by_id(resume_command: list[str], conversation: str) -> list[str]:
    return [*(w for w in resume_command if w != "--last"), conversation]


def wire(agent: Agent, work_dir: Path, session_id: str, owned: set[str]) -> Wiring:
    """``-c notify=[...]`` on the command line: no file is written anywhere."""
    import json

    from q_tmux.agents.wiring import hook_command, with_options

    return with_options(agent, ["-c", "notify=" + json.dumps(hook_command("codex", "notify"))])


# -- approvals: the keys its menu offers, and what it asks ------------------------------


def request(lines: list[str], at: int) -> tuple[str, str | None] | None:
    """What the question at ``lines[at]`` asks: the ``$ command`` (wrapped lines joined),
    else what it lists before its menu.

    Codex names no tool: ``Would you like to run the following command?``, then
    ``Environment:``, ``Reason:``, ``$ echo hi`` and the numbered menu.
    """
    shown: list[str] = []
    command: list[str] | None = None
    for line in lines[at + 1 :]:
        text = line.strip()
        if text.startswith(("\u203a 1.", "1.", "Press enter")):
            break
        if command is not None:
            if not text:
                break
            command.append(text)
        elif text.startswith("$ "):
            command = [text[2:]]
        elif text and not text.startswith(("Environment:", "Reason:")):
            shown.append(text)
    if command is not None:
        return unwrap(command), None
    return ("\n".join(shown[:5]), None) if shown else None


APPROVAL = Approval(approve=("y",), deny=("Escape",), always=("p",), request=request)

CODEX = AgentSpec(
    "codex",
    "codex",
    description="OpenAI Codex CLI",
    resume_args=("resume", "--last"),
    events=EVENTS,
    status_for=status_for,
    screen=SCREEN,
    resume_by_id=resume_by_id,
    conversation_id=conversation_id,
    wire=wire,
    approval=APPROVAL,
)
