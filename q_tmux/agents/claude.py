"""Claude Code (``claude``).

- Hooks: ``UserPromptSubmit``, ``PreToolUse``, ``PostToolUse``, ``PermissionRequest``,
  ``Notification`` (``permission_prompt``, ``idle_prompt``), ``Stop`` and
  ``StopFailure`` (an API error ended the turn). Esc (denying a tool) and Ctrl-C
  fire none: the screen tells those. ``SessionStart`` is not used: it fires while
  the screen is still blank, and booting is over only once the prompt is drawn.
  Each payload carries ``session_id``, the conversation to resume.
- Wiring: an extra settings file (``--settings``) kept outside the worktree, whose
  hooks merge with the user's own; no file of the user's is touched.
- Screen: the prompt ``❯`` sits in a box between two rules, with footer lines
  below (``? for shortcuts``, notices); a spinner line with ``esc to interrupt``
  sits above the box for the whole turn; the approval question is ``Do you want
  to proceed?`` (or ``... make this edit``) over numbered choices. Right after a
  turn ends the screen may still say ``running stop hook``: that is not new work.
- Resume: ``--resume ID``, else ``--continue`` (the last conversation in this folder).
- Fork: ``--resume ID --fork-session`` continues a copy under a new id. Claude looks a
  conversation up only in the folder of the directory it runs in
  (``projects/<directory with every other character than letters and digits as ->``),
  so the conversation's file is first copied there.
"""  # noqa: RUF002 - the glyphs the agent draws

from __future__ import annotations

from q_tmux.agents.base import ASKING, TURN_OVER, WORKING, AgentSpec, Approval, ScreenModel

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from q_tmux.agents.launch import Agent
    from q_tmux.agents.wiring import Wiring

EVENTS = {
    "UserPromptSubmit": WORKING,
    "PreToolUse": WORKING,
    "PostToolUse": WORKING,
    "PermissionRequest": ASKING,
    "Notification": TURN_OVER,  # refined by the payload: see status_for
    "Stop": TURN_OVER,
    "StopFailure": TURN_OVER,  # the turn ended on an API error (no Stop then)
}
#: Notification types (``notification_type`` in the payload) and what they mean.
NOTIFICATIONS = {"permission_prompt": ASKING, "idle_prompt": TURN_OVER}
_TOOL_EVENTS = ("PreToolUse", "PostToolUse", "PermissionRequest")

SCREEN = ScreenModel(
    prompt=r"^\s*[│|]?\s*[\u276f>](\s.*)?$",
    prompt_reach=6,
    busy=r"(esc|ctrl\+c) to interrupt",
    not_busy=r"running stop hook|stop hook",
    busy_always_visible=True,
    approval=r"do you want to .*\?|would you like to .*\?",
    approval_choice=r"^\W*(\u276f\s*)?1\.\s*yes\b",
    approval_reach=12,
)


def status_for(event: str, payload: dict[str, object]) -> tuple[str, str | None] | None:
    """What ``event`` means; a notification says what it is about in its payload."""
    if event == "Notification":
        return NOTIFICATIONS.get(str(payload.get("notification_type", "")))
    return EVENTS.get(event)


def resume_by_id(resume_command: list[str], conversation: str) -> list[str]:
    return [*(w for w in resume_command if w != "--continue"), "--resume", conversation]


def settings_path(session_id: str) -> Path:
    from q_tmux.agents.wiring import agent_files_dir

    return agent_files_dir(session_id) / "claude-settings.json"


def wire(agent: Agent, work_dir: Path, session_id: str, owned: set[str]) -> Wiring:
    """Give Claude an extra settings file, outside the worktree, holding q-tmux's hooks."""
    import shlex

    from q_tmux.agents.wiring import hook_command, with_options
    from q_tmux.store import jsonfile

    path = settings_path(session_id)
    hooks = {
        event: [
            {
                **({"matcher": "*"} if event in _TOOL_EVENTS else {}),
                "hooks": [
                    {"type": "command", "command": shlex.join(hook_command("claude", event))}
                ],
            }
        ]
        for event in EVENTS
    }
    jsonfile.write_atomic(path, {"hooks": hooks})
    return with_options(agent, ["--settings", str(path)])


# re waits for the functions that use it: the hook imports this module, never them.
_RULE = r"^\s*[─━]{10,}"
_TOOL_CALL = r"^\s*●\s*([\w. -]+?)\((.*)$"


def _tool_call(lines: list[str], rule: int) -> tuple[str, str | None] | None:
    """``● Bash(echo hi)`` just above the dialog's rule, its wrapped lines joined again.

    Claude wraps the call at the pane's width (a line that long was cut inside a word)
    or between words (the space is dropped at the cut), so the width tells how to join.
    """
    import re

    width = max((len(line) for line in lines), default=0)
    for start in range(rule - 1, max(rule - 12, 0) - 1, -1):
        call = re.search(_TOOL_CALL, lines[start])
        if call:
            break
    else:
        return None
    text, previous = call.group(2), lines[start]
    for line in lines[start + 1 : rule]:
        if not line.strip() or line.strip().startswith("⎿"):
            break
        text += ("" if len(previous) >= width - 1 else " ") + line.strip()
        previous = line
    return (text[:-1], call.group(1)) if text.endswith(")") else None


def request(lines: list[str], at: int) -> tuple[str, str | None] | None:
    """What the dialog ending at ``lines[at]`` asks: the tool and its command or file.

    Above the dialog's rule Claude draws ``● Bash(echo hi)`` over ``⎿  Waiting…``;
    inside it, a title (``Bash command``, ``Edit file``) and the command or file.
    """
    import re

    above = range(at - 1, max(at - 60, 0) - 1, -1)
    rule = next((i for i in above if re.search(_RULE, lines[i])), None)
    if rule is None:
        return None
    call = _tool_call(lines, rule)
    if call is not None:
        return call
    inside = [line.strip() for line in lines[rule + 1 : at] if line.strip()]
    return (inside[1], inside[0]) if len(inside) > 1 else None


def fork_args(conversation: str) -> list[str]:
    """Continue a copy of ``conversation`` (its history, under a new id)."""
    return ["--resume", conversation, "--fork-session"]


def project_folder_name(directory: str) -> str:
    """The folder Claude keeps a directory's conversations in (under its ``projects/``)."""
    import re

    return re.sub(r"[^a-zA-Z0-9]", "-", directory)


def fork_files(conversation_file: str, work_dir: Path) -> bool:
    """Copy the conversation's file (and its folder of extras) where Claude looks from ``work_dir``.

    The file's folder's parent is Claude's ``projects/`` folder, wherever its
    configuration lives; False when the file is gone.
    """
    import shutil
    from pathlib import Path

    source = Path(conversation_file)
    if not source.is_file():
        return False
    target = source.parent.parent / project_folder_name(str(work_dir))
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target / source.name)
    extras = source.with_suffix("")
    if extras.is_dir():
        shutil.copytree(extras, target / extras.name, dirs_exist_ok=True)
    return True


APPROVAL = Approval(approve=("1",), deny=("Escape",), always=("2",), request=request)

CLAUDE = AgentSpec(
    "claude",
    "claude",
    description="Claude Code",
    resume_args=("--continue",),
    events=EVENTS,
    status_for=status_for,
    reports_turn_start=True,
    screen=SCREEN,
    resume_by_id=resume_by_id,
    wire=wire,
    approval=APPROVAL,
    context_event="UserPromptSubmit",  # plain stdout, exit 0: added to the model's context
    fork_args=fork_args,
    fork_files=fork_files,
)
