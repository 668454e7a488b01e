"""Wiring each agent's hooks to ``q_tmux.hook``, without touching the user's files.

- Q CLI and Kiro CLI read hooks from agent configs. q-tmux writes a copy of
  the agent the session would have used (the ``--agent`` in the command, else
  the built-in default) with its hooks added, into the worktree's local agent
  directory, and launches with ``--agent`` naming it: local agents win over
  global ones. The user's global configs and tracked files are never changed;
  when the repository tracks an agent file of that name, the copy gets a
  ``q-tmux-`` prefix instead. The copy's path is hidden through info/exclude.
- Claude Code gets an extra settings file (``--settings``) kept outside the
  worktree, whose hooks merge with the user's own.
- Codex gets ``-c notify=[...]`` and aider ``--notifications-command``: both
  report only the end of a turn; the watcher reads the rest from the screen.
- Everything else is tracked from the screen and the process alone.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from q_tmux import jsonfile, paths
from q_tmux.agents import Agent

Q_EVENTS = ("userPromptSubmit", "preToolUse", "postToolUse", "stop")
CLAUDE_EVENTS = ("UserPromptSubmit", "PreToolUse", "PostToolUse", "PermissionRequest", "Stop")
HOOK_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class AgentDirs:
    """Where a Q-family agent keeps its configs and what its built-in default is called."""

    local: str  # relative to the working directory
    global_: Path
    default_name: str


def _q_dirs(preset: str) -> AgentDirs:
    home = Path.home()
    if preset == "kiro-cli":
        return AgentDirs(".kiro/agents", home / ".kiro/agents", "kiro_default")
    return AgentDirs(".amazonq/cli-agents", home / ".aws/amazonq/cli-agents", "q_cli_default")


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


@dataclass
class Wiring:
    """What hooking an agent up changed: its commands, and files q-tmux wrote."""

    command: list[str]
    resume_command: list[str]
    #: Paths inside the working directory, relative to it, to hide from git.
    worktree_files: list[str] = field(default_factory=list)
    hooked: bool = False
    notes: list[str] = field(default_factory=list)


def hook_command(agent: str, event: str) -> list[str]:
    return [sys.executable, "-m", "q_tmux.hook", agent, event]


def wire(agent: Agent, work_dir: Path, session_id: str, owned: set[str]) -> Wiring:
    """Hook ``agent`` up for a session in ``work_dir``.

    ``owned`` are the files in ``work_dir`` this session wrote before (on
    resume); any other file there belongs to the user and is never overwritten.
    """
    if agent.preset in ("q", "kiro-cli"):
        return _wire_q(agent, work_dir, owned)
    if agent.preset == "claude":
        return _wire_claude(agent, session_id)
    if agent.preset == "codex":
        notify = "notify=" + json.dumps(hook_command("codex", "notify"))
        return Wiring(
            _insert_after_program(agent.command, ["-c", notify]),
            _insert_after_program(agent.resume_command, ["-c", notify]),
            hooked=True,
        )
    if agent.preset == "aider":
        flags = [
            "--notifications",
            "--notifications-command",
            shlex.join(hook_command("aider", "notify")),
        ]
        return Wiring(
            _insert_after_program(agent.command, flags),
            _insert_after_program(agent.resume_command, flags),
            hooked=True,
        )
    return Wiring(agent.command, agent.resume_command)


def _insert_after_program(command: list[str], extra: list[str]) -> list[str]:
    # Options go right after the program (and its subcommand for Q-style CLIs)
    # so that a trailing first message stays the last argument.
    return [command[0], *extra, *command[1:]]


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
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _wire_q(agent: Agent, work_dir: Path, owned: set[str]) -> Wiring:
    dirs = _q_dirs(agent.preset)
    base_name = _agent_option(agent.command) or dirs.default_name
    local_rel = f"{dirs.local}/{base_name}.json"
    users_local = (work_dir / local_rel).exists() and local_rel not in owned
    base: dict[str, Any] | None = None
    if users_local:  # the repository's (or the user's) own local agent: the base, untouched
        base = _load_json(work_dir / local_rel)
    if base is None:
        base = _load_json(dirs.global_ / f"{base_name}.json")
    if base is None and base_name == dirs.default_name:
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
    for event in Q_EVENTS:
        hooks.setdefault(event, []).append(
            {
                "command": shlex.join(hook_command(agent.preset, event)),
                "timeout_ms": HOOK_TIMEOUT_MS,
            }
        )
    config["hooks"] = hooks
    relative = f"{dirs.local}/{name}.json"
    jsonfile.write_atomic(work_dir / relative, config)
    return Wiring(
        _with_agent(agent.command, name),
        _with_agent(agent.resume_command, name),
        worktree_files=[relative],
        hooked=True,
    )


def claude_settings_path(session_id: str) -> Path:
    return paths.state_dir() / "agents" / session_id / "claude-settings.json"


def _wire_claude(agent: Agent, session_id: str) -> Wiring:
    path = claude_settings_path(session_id)
    hooks = {
        event: [
            {
                **(
                    {"matcher": "*"}
                    if event in ("PreToolUse", "PostToolUse", "PermissionRequest")
                    else {}
                ),
                "hooks": [
                    {"type": "command", "command": shlex.join(hook_command("claude", event))}
                ],
            }
        ]
        for event in CLAUDE_EVENTS
    }
    jsonfile.write_atomic(path, {"hooks": hooks})
    flags = ["--settings", str(path)]
    return Wiring(
        _insert_after_program(agent.command, flags),
        _insert_after_program(agent.resume_command, flags),
        hooked=True,
    )
