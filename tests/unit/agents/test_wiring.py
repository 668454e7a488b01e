"""Unit tests for each agent's ``wire``: the options, files and hook commands it produces.

Through :func:`q_tmux.agents.wiring.wire`, the one entry sessions use. Each hook
command must run the standard-library hook module with this interpreter, so it
works whatever the agent's own PATH and Python are.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from q_tmux.adapters import python_command
from q_tmux.agents import claude, gemini, q
from q_tmux.agents.launch import Agent
from q_tmux.agents.wiring import Wiring, wire


def hook(agent: str, event: str) -> list[str]:
    return python_command.stdlib_module("q_tmux.tracking.hook", agent, event, collect_cycles=False)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """q-tmux's state folder, private as it is made for real (Gemini checks that)."""
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    monkeypatch.delenv(gemini.DEFAULTS_VARIABLE, raising=False)
    monkeypatch.setattr(gemini, "writable_by_others", lambda _directory: None)  # /tmp is
    return home / "q-tmux"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def wired(preset: str, command: list[str], resume: list[str], work: Path) -> Wiring:
    return wire(Agent(preset, command, resume), work, "s1", set())


def test_claude_gets_a_settings_file_outside_the_worktree(state: Path, work: Path) -> None:
    result = wired("claude", ["claude", "fix it"], ["claude", "--continue"], work)

    settings = state / "agents" / "s1" / "claude-settings.json"
    assert result.command == ["claude", "--settings", str(settings), "fix it"]
    assert result.resume_command == ["claude", "--settings", str(settings), "--continue"]
    assert result.hooked
    assert result.worktree_files == []
    assert result.env == {}
    hooks = json.loads(settings.read_text())["hooks"]
    assert set(hooks) == set(claude.EVENTS)
    for event, (entry,) in hooks.items():
        assert shlex.split(entry["hooks"][0]["command"]) == hook("claude", event)
        # Tool events fire per tool: the matcher must take every tool.
        assert entry.get("matcher") == ("*" if "Tool" in event or "Permission" in event else None)
    assert list(work.iterdir()) == []


def test_codex_gets_its_trusted_hooks_as_one_config_option(state: Path, work: Path) -> None:
    result = wired("codex", ["codex", "fix it"], ["codex", "resume", "--last"], work)

    flag, hooks = result.command[1:3]
    assert flag == "-c"
    assert hooks.startswith("hooks=")
    assert result.command == ["codex", "-c", hooks, "fix it"]  # the first message stays last
    assert result.resume_command == ["codex", "-c", hooks, "resume", "--last"]
    for event in ("UserPromptSubmit", "PermissionRequest", "PostToolUse", "Stop", "Interrupt"):
        assert f'"command"={json.dumps(shlex.join(hook("codex", event)))}' in hooks
    assert result.hooked
    assert result.worktree_files == []
    assert not state.exists()
    assert list(work.iterdir()) == []


def test_aider_gets_its_notifications_command(state: Path, work: Path) -> None:
    result = wired("aider", ["aider"], ["aider", "--restore-chat-history"], work)

    options = ["--notifications", "--notifications-command", shlex.join(hook("aider", "notify"))]
    # What other sessions change reaches it through a file it reads, kept in the state folder.
    others = state / "agents" / "s1" / "other-sessions.md"
    options += ["--read", str(others)]
    assert result.command == ["aider", *options]
    assert result.resume_command == ["aider", *options, "--restore-chat-history"]
    assert result.hooked
    assert others.read_text() == ""
    assert list(work.iterdir()) == []


def test_gemini_gets_a_defaults_layer_through_its_environment(
    state: Path, work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = tmp_path / "system-defaults.json"
    users.write_text(json.dumps({"theme": "dark", "hooks": {"Other": [{"hooks": []}]}}))
    monkeypatch.setenv(gemini.DEFAULTS_VARIABLE, str(users))

    result = wired("gemini", ["gemini", "-i", "fix it"], ["gemini", "--resume"], work)

    path = Path(result.env[gemini.DEFAULTS_VARIABLE])
    assert path == state / "agents" / "s1" / "gemini-system-defaults.json"
    assert result.command == ["gemini", "-i", "fix it"]  # unchanged: the variable carries it
    layer = json.loads(path.read_text())
    assert layer["theme"] == "dark"  # the layer it replaces is kept under it
    assert layer["hooks"]["Other"] == [{"hooks": []}]
    for event in gemini.EVENTS:
        (entry,) = layer["hooks"][event]
        assert shlex.split(entry["hooks"][0]["command"]) == hook("gemini", event)
    assert list(work.iterdir()) == []


def test_q_gets_a_hooked_copy_of_its_default_agent_in_the_worktree(state: Path, work: Path) -> None:
    result = wired("q", ["q", "chat", "fix it"], ["q", "chat", "--resume"], work)

    relative = ".amazonq/cli-agents/q_cli_default.json"
    assert result.worktree_files == [relative]
    assert result.command == ["q", "chat", "--agent", "q_cli_default", "fix it"]
    assert result.resume_command == ["q", "chat", "--agent", "q_cli_default", "--resume"]
    config = json.loads((work / relative).read_text())
    assert config["tools"] == q.BUILT_IN_DEFAULT["tools"]
    for event in q.EVENTS:
        (entry,) = config["hooks"][event]
        assert shlex.split(entry["command"]) == hook("q", event)


def test_q_never_overwrites_the_users_own_local_agent(state: Path, work: Path) -> None:
    users = work / ".amazonq/cli-agents/reviewer.json"
    users.parent.mkdir(parents=True)
    users.write_text(json.dumps({"name": "reviewer", "hooks": {"stop": [{"command": "mine"}]}}))
    before = users.read_text()

    result = wired("q", ["q", "chat", "--agent", "reviewer"], ["q", "chat", "--resume"], work)

    assert users.read_text() == before
    assert result.worktree_files == [".amazonq/cli-agents/q-tmux-reviewer.json"]
    assert result.command == ["q", "chat", "--agent", "q-tmux-reviewer"]
    copy = json.loads((work / result.worktree_files[0]).read_text())
    assert copy["name"] == "q-tmux-reviewer"
    assert copy["hooks"]["stop"][0] == {"command": "mine"}  # the user's hook runs too
    assert shlex.split(copy["hooks"]["stop"][1]["command"]) == hook("q", "stop")


def test_q_rewires_its_own_file_on_resume(state: Path, work: Path) -> None:
    first = wired("q", ["q", "chat"], ["q", "chat", "--resume"], work)
    again = wire(
        Agent("q", ["q", "chat"], ["q", "chat", "--resume"]), work, "s1", set(first.worktree_files)
    )
    assert again.worktree_files == first.worktree_files  # no q-tmux- prefix: the file is ours


def test_an_unknown_q_agent_is_followed_from_the_screen(state: Path, work: Path) -> None:
    result = wired("q", ["q", "chat", "--agent", "nope"], ["q", "chat", "--resume"], work)
    assert not result.hooked
    assert result.worktree_files == []
    assert result.command == ["q", "chat", "--agent", "nope"]
    assert "Agent 'nope' was not found" in result.notes[0]


@pytest.mark.parametrize("preset", ["shell", "my-own-command"])
def test_agents_without_hooks_run_unchanged(state: Path, work: Path, preset: str) -> None:
    result = wired(preset, ["/bin/sh"], ["/bin/sh"], work)
    assert result == Wiring(["/bin/sh"], ["/bin/sh"])
    assert not state.exists()
    assert list(work.iterdir()) == []
