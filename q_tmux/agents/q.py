"""Amazon Q Developer CLI (``q chat``) and Kiro CLI (``kiro-cli chat``): same hooks, same screen.

- Hooks: ``userPromptSubmit``, ``preToolUse``, ``postToolUse`` and ``stop`` in an agent
  config. There is no hook for the approval question and Ctrl-C fires no ``stop``: the
  screen tells those.
- Wiring: q-tmux writes a copy of the agent the session would have used (the
  ``--agent`` in the command, else the built-in default) with its hooks added into
  the worktree's local agent directory, and launches with ``--agent`` naming it:
  local agents win over global ones. The user's global configs and tracked files
  are never changed; when the repository tracks an agent file of that name, the
  copy gets a ``q-tmux-`` prefix. The copy's path is hidden through info/exclude.
- Screen: the bare prompt is ``[agent] NN% ↯ !> `` (all parts optional) on the last
  line; replies also begin with ``> ``, so only a *bare* prompt means idle. The
  approval question is followed by a blank line and the bare prompt.
- Resume: ``--resume`` resumes this folder's conversation (Q keys conversations by
  the working directory; one worktree per session gives one conversation each).
"""

from __future__ import annotations

from q_tmux.agents.base import TURN_OVER, WORKING, AgentSpec, Approval, ScreenModel

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from q_tmux.agents.launch import Agent
    from q_tmux.agents.wiring import Wiring

EVENTS = {
    "userPromptSubmit": WORKING,
    "preToolUse": WORKING,
    "postToolUse": WORKING,
    "stop": TURN_OVER,
}

SCREEN = ScreenModel(
    prompt=r"^(\[[^\]\s]+\] )?(\d+% )?(↯ )?!?>\s*$",
    approval=r"^Allow this action\?",
    busy=r"Thinking\.\.\.\s*$",
    busy_reach=1,
    only_prompt_below=True,
)

#: Q CLI's built-in default agent (crates/chat-cli/src/cli/agent/mod.rs, Agent::default),
#: reproduced so the session keeps the tools and permissions it would have had.
BUILT_IN_DEFAULT: dict[str, Any] = {
    "description": "Default agent",
    "tools": ["*"],
    "allowedTools": ["fs_read"],
    "resources": [
        "file://AmazonQ.md",
        "file://AGENTS.md",
        "file://README.md",
        "file://.amazonq/rules/**/*.md",
    ],
    "useLegacyMcpJson": True,
}


def _dirs(preset: str) -> tuple[str, Path, str]:
    """(local dir relative to the cwd, global dir, built-in default agent name)."""
    from pathlib import Path

    home = Path.home()
    if preset == "kiro-cli":
        return ".kiro/agents", home / ".kiro/agents", "kiro_default"
    return ".amazonq/cli-agents", home / ".aws/amazonq/cli-agents", "q_cli_default"


#: Local agent-config folders q-tmux may write into (for undo on failure).
CONFIG_DIRS = (".amazonq/cli-agents", ".kiro/agents")


def _agent_option(command: list[str]) -> str | None:
    for index, word in enumerate(command):
        if word == "--agent" and index + 1 < len(command):
            return command[index + 1]
        if word.startswith("--agent="):
            return word.split("=", 1)[1]
    return None


def _with_agent(command: list[str], name: str) -> list[str]:
    """``command`` with ``--agent NAME`` (replacing any given), right after ``chat``."""
    result: list[str] = []
    skip = False
    for word in command:
        if skip:
            skip = False
            continue
        if word == "--agent":
            skip = True
            continue
        if word.startswith("--agent="):
            continue
        result.append(word)
    at = result.index("chat") + 1 if "chat" in result else 1
    return [*result[:at], "--agent", name, *result[at:]]


def _load_json(path: Path) -> dict[str, Any] | None:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def wire(agent: Agent, work_dir: Path, session_id: str, owned: set[str]) -> Wiring:
    """Write the hooked copy of the session's agent config; see the module docstring."""
    import shlex

    from q_tmux.agents.wiring import HOOK_TIMEOUT_MS, Wiring, hook_command
    from q_tmux.store import jsonfile

    local_dir, global_dir, default_name = _dirs(agent.preset)
    base_name = _agent_option(agent.command) or default_name
    local_rel = f"{local_dir}/{base_name}.json"
    users_local = (work_dir / local_rel).exists() and local_rel not in owned
    base: dict[str, Any] | None = None
    if users_local:  # the repository's (or the user's) own local agent: the base, untouched
        base = _load_json(work_dir / local_rel)
    if base is None:
        base = _load_json(global_dir / f"{base_name}.json")
    if base is None and base_name == default_name:
        base = dict(BUILT_IN_DEFAULT)
    if base is None:
        return Wiring(
            agent.command,
            agent.resume_command,
            notes=[
                f"Agent '{base_name}' was not found, so its hooks are not wired; "
                "q-tmux will follow it from the screen."
            ],
        )
    name = f"q-tmux-{base_name}" if users_local else base_name
    config = dict(base)
    config["name"] = name
    hooks: dict[str, list[dict[str, Any]]] = {
        trigger: list(entries) for trigger, entries in dict(base.get("hooks") or {}).items()
    }
    for event in EVENTS:
        hooks.setdefault(event, []).append(
            {
                "command": shlex.join(hook_command(agent.preset, event)),
                "timeout_ms": HOOK_TIMEOUT_MS,
            }
        )
    config["hooks"] = hooks
    relative = f"{local_dir}/{name}.json"
    jsonfile.write_atomic(work_dir / relative, config)
    return Wiring(
        _with_agent(agent.command, name),
        _with_agent(agent.resume_command, name),
        worktree_files=[relative],
        hooked=True,
    )


# re waits for the functions that use it: the hook imports this module, never them.
_USING_TOOL = r"Using tool: (\S+)"


def request(lines: list[str], at: int) -> tuple[str, str | None] | None:
    """What the question at ``lines[at]`` asks: the tool's lines since ``Using tool: NAME``.

    Q draws ``🛠️  Using tool: execute_bash``, `` ⋮ ``, `` ● I will run the following
    shell command:``, the command, `` ⋮``, `` ↳ Purpose: …``, then the question. The
    command or file is kept; the dots, the headers (ending in ``:``) and the purpose go.
    """
    import re

    for start in range(at - 1, max(at - 60, 0) - 1, -1):
        found = re.search(_USING_TOOL, lines[start])
        if found:
            break
    else:
        return None
    shown = []
    for line in lines[start + 1 : at]:
        raw = line.strip()
        text = raw.removeprefix("●").strip()
        header = raw.startswith("●") and text.endswith(":")
        if text.strip("⋮ ") and not header and not text.startswith("↳"):
            shown.append(text)
    return "\n".join(shown) or found.group(1), found.group(1)


APPROVAL = Approval(
    approve=("y", "Enter"), deny=("n", "Enter"), always=("t", "Enter"), request=request
)

Q = AgentSpec(
    "q",
    "q",
    description="Amazon Q Developer CLI",
    args=("chat",),
    resume_args=("--resume",),
    events=EVENTS,
    reports_turn_start=True,
    screen=SCREEN,
    wire=wire,
    approval=APPROVAL,
    context_event="userPromptSubmit",  # its stdout is added to the model's context
)
KIRO = AgentSpec(
    "kiro-cli",
    "kiro-cli",
    description="Kiro CLI",
    args=("chat",),
    resume_args=("--resume",),
    events=EVENTS,
    reports_turn_start=True,
    screen=SCREEN,
    wire=wire,
    approval=APPROVAL,
    context_event="userPromptSubmit",  # its stdout is added to the model's context
)
