from __future__ import annotations

import os
from pathlib import Path

import pytest

from q_tmux.agents import PRESETS, resolve_agent
from q_tmux.errors import AgentNotFoundError, UsageError


def test_q_preset_passes_the_first_message_as_an_argument() -> None:
    agent = resolve_agent("q", "Implement auth; $(rm -rf /)")
    assert agent.command == ["q", "chat", "Implement auth; $(rm -rf /)"]
    assert agent.resume_command == ["q", "chat", "--resume"]


def test_default_is_the_first_agent_found_on_path() -> None:
    agent = resolve_agent(None, None)
    assert agent.preset == "q"  # the stand-in q is on PATH in tests
    assert agent.notes == []


def test_configured_default_wins_over_detection() -> None:
    assert resolve_agent(None, None, configured="shell").preset == "shell"


def test_without_any_agent_the_shell_is_used_and_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("SHELL", "/bin/sh")
    if any(Path(d, PRESETS[n].executable).exists() for d in ("/usr/bin", "/bin") for n in PRESETS):
        pytest.skip("a real agent is installed in /usr/bin")
    agent = resolve_agent(None, "hello")
    assert agent.command == ["/bin/sh"]
    assert "No agent found on PATH" in agent.notes[0]
    assert "takes no first message" in agent.notes[1]


def test_missing_agent_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(AgentNotFoundError, match="'claude' is not installed or not on PATH"):
        resolve_agent("claude", None)


def test_command_with_prompt_placeholder_gets_one_argument() -> None:
    agent = resolve_agent("sh -c 'exec cat' {prompt}", "a b; c")
    assert agent.command == ["sh", "-c", "exec cat", "a b; c"]
    assert agent.resume_command == ["sh", "-c", "exec cat"]


def test_command_without_placeholder_says_the_message_was_not_passed() -> None:
    agent = resolve_agent("cat", "hello")
    assert agent.command == ["cat"]
    assert "{prompt}" in agent.notes[0]


@pytest.mark.parametrize("spec", ["", "'unclosed", "   "])
def test_unparsable_commands(spec: str) -> None:
    with pytest.raises(UsageError):
        resolve_agent(spec, None)


def test_typed_preset_keeps_the_message_for_typing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "aider").write_text("#!/bin/sh\n")
    (tmp_path / "aider").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    agent = resolve_agent("aider", "fix it")
    assert agent.command == ["aider"]
    assert agent.typed_prompt == "fix it"
