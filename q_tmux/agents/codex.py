"""OpenAI Codex CLI (``codex``).

- Hooks (Codex 0.169 has Claude-style lifecycle hooks): ``UserPromptSubmit`` (a turn
  starts), ``PermissionRequest`` (as the approval question is drawn), ``PostToolUse``
  (a tool ran: the turn goes on), ``Stop`` (a turn ends) and ``Interrupt`` (Esc at an
  approval, Ctrl-C or Esc mid-answer). Each gets JSON on stdin with ``session_id``,
  the thread for ``codex resume ID``, and ``transcript_path``. The title side thread
  Codex runs on every turn fires none of them.
- Wiring: ``-c hooks={...}`` on the command line, nothing written anywhere. Codex runs
  a hook only once it is trusted, and asks about new hooks in a dialog at start; the
  trust of q-tmux's own hooks is given with them (``hooks.state``, keyed by the hook's
  place, holding a hash of the hook), so the user's other hooks are still reviewed.
- Screen: the composer line starts with ``›`` (placeholder or typed text), with
  footers below, and stays drawn during a turn. ``Working (Ns • esc to interrupt)``
  sits above it only until output starts: while the answer streams, nothing marks
  it (the hooks say when it starts and ends). A turn ends with a ``Worked for Ns``
  line just above the composer. While a hook runs (q-tmux's ``Stop`` among them) the
  marker reads ``Working (… esc to interrupt) · Running hook``: not new work.
  Approval: ``Would you like to run the following command?`` … ``Press enter to
  confirm or esc to cancel``.
- Resume: ``codex resume ID``, else ``codex resume --last``.
"""  # noqa: RUF002 - the glyphs the agent draws

from __future__ import annotations

from q_tmux.agents.base import ASKING, TURN_OVER, WORKING, AgentSpec, Approval, ScreenModel, unwrap

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from q_tmux.agents.launch import Agent
    from q_tmux.agents.wiring import Wiring

EVENTS = {
    "UserPromptSubmit": WORKING,
    "PermissionRequest": ASKING,
    "PostToolUse": WORKING,
    "Stop": TURN_OVER,
    "Interrupt": TURN_OVER,
}

SCREEN = ScreenModel(
    prompt=r"^\s*[\u203a▌](\s.*)?$",
    prompt_reach=5,
    busy=r"esc to interrupt",
    not_busy=r"running hook",
    turn_over=r"^\s*(worked for \d|■)|interrupted",
    approval=(
        r"would you like to (run|make|allow)|press enter to confirm or esc to cancel"
        r"|allow command\?"
    ),
    approval_reach=20,
)

HOOK_TIMEOUT = 5  # seconds
#: Codex clamps an ``Interrupt`` hook's timeout to 3 s, and the trust hash covers the value.
TIMEOUTS = {"Interrupt": 3}
#: Where Codex says hooks given with ``-c`` come from, in the key of their trust state.
FLAGS_SOURCE = "/<session-flags>/config.toml"


def resume_by_id(resume_command: list[str], conversation: str) -> list[str]:
    return [*(w for w in resume_command if w != "--last"), conversation]


def event_key(event: str) -> str:
    """Codex's name of an event in trust keys: ``UserPromptSubmit`` -> ``user_prompt_submit``."""
    return "".join("_" + c.lower() if c.isupper() else c for c in event).lstrip("_")


def trusted_hash(event: str, handler: dict[str, object]) -> str:
    """The hash Codex keeps for a trusted hook: sha256 of its normalized identity.

    The identity is the event's key and the hook's group (no matcher), its one
    handler with every default filled in, as JSON with sorted keys and no spaces.
    """
    import hashlib
    import json

    identity = {"event_name": event_key(event), "hooks": [{"async": False, **handler}]}
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def hooks_option(commands: dict[str, str]) -> str:
    """``hooks={...}``: one command hook per event, each trusted, as one TOML inline table."""
    import json

    hooks: dict[str, object] = {}
    state: dict[str, object] = {}
    for event, command in commands.items():
        handler = {
            "type": "command",
            "command": command,
            "timeout": TIMEOUTS.get(event, HOOK_TIMEOUT),
        }
        hooks[event] = [{"hooks": [handler]}]
        key = f"{FLAGS_SOURCE}:{event_key(event)}:0:0"
        state[key] = {"trusted_hash": trusted_hash(event, handler)}

    def toml(value: object) -> str:  # JSON strings and numbers are TOML's too
        if isinstance(value, dict):
            return "{" + ",".join(f"{json.dumps(k)}={toml(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ",".join(toml(v) for v in value) + "]"
        return json.dumps(value)

    return "hooks=" + toml({**hooks, "state": state})


def wire(agent: Agent, work_dir: Path, session_id: str, owned: set[str]) -> Wiring:
    """``-c hooks={...}`` on the command line: no file is written anywhere."""
    import shlex

    from q_tmux.agents.wiring import hook_command, with_options

    commands = {event: shlex.join(hook_command("codex", event)) for event in EVENTS}
    return with_options(agent, ["-c", hooks_option(commands)])


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
    reports_turn_start=True,
    screen=SCREEN,
    resume_by_id=resume_by_id,
    wire=wire,
    approval=APPROVAL,
    # hookSpecificOutput.additionalContext: its user-prompt-submit output schema (0.169).
    context_event="UserPromptSubmit",
    context_json=True,
)
