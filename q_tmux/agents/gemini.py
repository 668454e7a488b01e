"""Gemini CLI (``gemini``).

- Hooks: ``BeforeAgent`` (a turn starts), ``AfterAgent`` (it ended, also on Ctrl-C
  and API errors) and ``Notification`` with ``notification_type: ToolPermission``
  (it asks). Payloads carry ``session_id``. ``SessionStart`` is not used: it fires
  about a second before the screen is drawn, and booting ends with the prompt.
- Wiring: a system-defaults settings file kept outside the worktree, named by
  ``GEMINI_CLI_SYSTEM_DEFAULTS_PATH``: the lowest-precedence settings layer, so
  every setting of the user's wins and their hooks run alongside. A defaults file
  that was already in force (the variable's, else the system's) is copied into it.
- Screen: a blank screen for 15-40 s while it boots (never ``waiting``); an input
  box with ``Type your message`` (or the typed text after ``>``) and footer lines;
  ``esc to cancel`` while busy (``Executing Hook: … AfterAgent (esc to cancel)``
  right after a turn is not work); ``Allow execution of [Shell]?`` over numbered
  choices when it asks; after one Ctrl-C, ``Press Ctrl+C again to exit.`` for a
  while (not work). Never wire BeforeModel/AfterModel: AfterModel fires per chunk.
- First message: ``-i`` (``--prompt-interactive``), so that a message starting with
  a subcommand's name (``mcp``, ``hooks``, ``skills`` …) is never taken for one.
- Resume: ``--resume ID``, else ``--resume`` (the latest in this folder).
"""

from __future__ import annotations

from q_tmux.agents.base import (
    ASKING,
    TURN_OVER,
    WORKING,
    AgentSpec,
    Approval,
    ScreenModel,
    unwrap,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from q_tmux.agents.launch import Agent
    from q_tmux.agents.wiring import Wiring

EVENTS = {
    "BeforeAgent": WORKING,
    "AfterAgent": TURN_OVER,
    "Notification": ASKING,  # refined by the payload: see status_for
}
DEFAULTS_VARIABLE = "GEMINI_CLI_SYSTEM_DEFAULTS_PATH"
SYSTEM_DEFAULTS = "/etc/gemini-cli/system-defaults.json"

SCREEN = ScreenModel(
    prompt=r"type your message|^\s*[│|]?\s*>\s",
    prompt_reach=6,
    busy=r"esc to cancel",
    # Hooks that run as a turn ends or asks: Gemini waits for them with its spinner.
    not_busy=r"\b(AfterAgent|SessionStart|Notification)\b",
    busy_always_visible=True,
    approval=r"allow execution( of .*)?\?|yes, allow once",
    approval_reach=20,
)


def status_for(event: str, payload: dict[str, object]) -> tuple[str, str | None] | None:
    if event == "Notification":
        return ASKING if payload.get("notification_type") == "ToolPermission" else None
    return EVENTS.get(event)


def resume_by_id(resume_command: list[str], conversation: str) -> list[str]:
    return [*resume_command, conversation] if resume_command[-1:] == ["--resume"] else []


def settings_path(session_id: str) -> Path:
    from q_tmux.agents.wiring import agent_files_dir

    return agent_files_dir(session_id) / "gemini-system-defaults.json"


def writable_by_others(directory: Path) -> Path | None:
    """The first existing parent of ``directory`` that group or others may write to.

    Gemini refuses a system settings file below such a directory (even /tmp with its
    sticky bit), with a warning on screen.
    """
    import stat

    for parent in (directory, *directory.parents):
        try:
            mode = parent.stat().st_mode
        except OSError:
            continue  # not made yet: made by q-tmux, private
        if mode & (stat.S_IWGRP | stat.S_IWOTH):
            return parent
    return None


def wire(agent: Agent, work_dir: Path, session_id: str, owned: set[str]) -> Wiring:
    """Write q-tmux's hooks into a defaults layer of Gemini's own, outside the worktree."""
    import json
    import os
    import shlex
    from pathlib import Path

    from q_tmux.agents.wiring import Wiring, hook_command
    from q_tmux.store import jsonfile

    path = settings_path(session_id)
    insecure = writable_by_others(path.parent)
    if insecure is not None:
        return Wiring(
            agent.command,
            agent.resume_command,
            notes=[
                f"Gemini CLI ignores settings files below {insecure}, which others can write "
                "to, so its hooks are not wired; q-tmux will follow it from the screen."
            ],
        )
    previous = os.environ.get(DEFAULTS_VARIABLE) or SYSTEM_DEFAULTS
    settings: dict[str, object] = {}
    if Path(previous).resolve() != path.resolve():
        try:
            loaded = json.loads(Path(previous).read_text(encoding="utf-8"))
            settings = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            settings = {}
    hooks = dict(settings.get("hooks") or {})  # type: ignore[call-overload]
    for event in EVENTS:
        entry = {
            "hooks": [
                {
                    "type": "command",
                    "name": f"q-tmux-{event}",
                    "command": shlex.join(hook_command("gemini", event)),
                }
            ]
        }
        hooks[event] = [*(hooks.get(event) or []), entry]
    settings["hooks"] = hooks
    jsonfile.write_atomic(path, settings)
    return Wiring(
        agent.command, agent.resume_command, hooked=True, env={DEFAULTS_VARIABLE: str(path)}
    )


# re waits for the functions that use it: the hook imports this module, never them.
_TOOL_LINE = r"^\?\s+(\S+)\s+(.*)$"
_BORDER = "│|"


def request(lines: list[str], at: int) -> tuple[str, str | None] | None:
    """What the box around ``lines[at]`` asks: the tool named on its ``? Shell  echo hi``
    title line, and the command from the inner box below it (the title cuts it with …)."""
    import re

    for start in range(at - 1, max(at - 40, 0) - 1, -1):
        found = re.search(_TOOL_LINE, lines[start].strip().strip(_BORDER).strip())
        if found:
            break
    else:
        return None
    inner = []
    for line in lines[start + 1 : at]:
        text = line.strip().strip(_BORDER).strip()
        if text[:1] in _BORDER:  # a line of the inner box: its text
            inner.append(text.strip(_BORDER).strip())
    return unwrap(inner) or found.group(2).strip(), found.group(1)


#: Its menu: ``1. Allow once``, ``2. Allow for this session``, ``3. No … (esc)``.
APPROVAL = Approval(approve=("1",), deny=("Escape",), always=("2",), request=request)

GEMINI = AgentSpec(
    "gemini",
    "gemini",
    description="Gemini CLI",
    resume_args=("--resume",),
    prompt_flag=("-i",),
    events=EVENTS,
    status_for=status_for,
    reports_turn_start=True,
    screen=SCREEN,
    resume_by_id=resume_by_id,
    wire=wire,
    approval=APPROVAL,
    # Its stdout must be JSON; BeforeAgent's additionalContext goes with the prompt.
    context_event="BeforeAgent",
    context_json=True,
)
