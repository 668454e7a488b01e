from __future__ import annotations

import json
import os
import shlex
import tomllib
from pathlib import Path

import pytest

from q_tmux.agents.launch import PRESETS, resolve_agent
from q_tmux.agents.wiring import hook_command
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


def _on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    (tmp_path / name).write_text("#!/bin/sh\n")
    (tmp_path / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")


def test_gemini_takes_its_first_message_interactively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _on_path(tmp_path, monkeypatch, "gemini")
    agent = resolve_agent("gemini", "mcp servers: list them")
    assert agent.command == ["gemini", "-i", "mcp servers: list them"]  # not `gemini mcp`
    assert agent.resume_command == ["gemini", "--resume"]


def test_every_event_mapped_is_wired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No event is mapped that is never wired, nor wired and never mapped (issue 10)."""
    from q_tmux.agents import claude, codex, gemini
    from q_tmux.agents.launch import Agent

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv(gemini.DEFAULTS_VARIABLE, str(tmp_path / "none.json"))
    monkeypatch.setattr(gemini, "writable_by_others", lambda _directory: None)  # /tmp is

    wiring = claude.wire(
        Agent("claude", ["claude"], ["claude", "--continue"]), tmp_path, "s1", set()
    )
    settings = json.loads(Path(wiring.command[2]).read_text())
    assert set(settings["hooks"]) == set(claude.EVENTS)
    wiring = gemini.wire(Agent("gemini", ["gemini"], ["gemini", "--resume"]), tmp_path, "s1", set())
    defaults = json.loads(Path(wiring.env[gemini.DEFAULTS_VARIABLE]).read_text())
    assert set(defaults["hooks"]) == set(gemini.EVENTS)
    wiring = codex.wire(
        Agent("codex", ["codex"], ["codex", "resume", "--last"]), tmp_path, "s1", set()
    )
    hooks = tomllib.loads(wiring.command[2])["hooks"]
    assert set(hooks) - {"state"} == set(codex.EVENTS)


@pytest.mark.parametrize(
    ("event", "command", "expected"),
    [  # what Codex 0.169 itself wrote to config.toml on "Trust all and continue"
        (
            "Stop",
            "/tmp/agents10-lab/hooklog.sh Stop",
            "f9921840346a1fd49fe6d4cafc78d88c0de9b7fc6cd1434154a732c51d488e67",
        ),
        (
            "UserPromptSubmit",
            "/tmp/agents10-lab/hooklog.sh UserPromptSubmit",
            "4ddf2ed118a851684d948bea9ac3384dc42be70faec30f17328c581522ac5118",
        ),
    ],
)
def test_codex_trust_hash_is_the_one_codex_computes(
    event: str, command: str, expected: str
) -> None:
    from q_tmux.agents import codex

    handler = {"type": "command", "command": command, "timeout": 600}  # Codex's default
    assert codex.trusted_hash(event, handler) == "sha256:" + expected


def test_codex_hooks_go_on_the_command_line_each_trusted_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    """Codex runs only trusted hooks and asks about new ones at start: q-tmux's own come
    with their trust, keyed by where Codex says ``-c`` hooks come from."""
    from q_tmux.agents import codex
    from q_tmux.agents.launch import Agent

    agent = Agent("codex", ["codex", "fix it; $(x)"], ["codex", "resume", "--last"])
    wiring = codex.wire(agent, tmp_path, "s1", set())
    assert wiring.command[:2] == ["codex", "-c"]
    assert wiring.command[3:] == ["fix it; $(x)"]
    assert wiring.resume_command[3:] == ["resume", "--last"]
    assert (wiring.hooked, wiring.worktree_files, list(tmp_path.iterdir())) == (True, [], [])
    hooks = tomllib.loads(wiring.command[2])["hooks"]
    state = hooks.pop("state")
    for event, groups in hooks.items():
        (handler,) = groups[0]["hooks"]
        assert shlex.split(handler["command"]) == hook_command("codex", event)
        assert handler["timeout"] == (3 if event == "Interrupt" else 5)  # Codex clamps to 3
        key = f"/<session-flags>/config.toml:{codex.event_key(event)}:0:0"
        assert state[key] == {"trusted_hash": codex.trusted_hash(event, handler)}
    assert len(state) == len(hooks)


def test_gemini_hooks_go_in_a_defaults_layer_outside_the_worktree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user's own defaults (and their hooks) are carried over; no worktree file is made."""
    from q_tmux.agents import gemini
    from q_tmux.agents.launch import Agent

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(gemini, "writable_by_others", lambda _directory: None)  # /tmp is
    users = tmp_path / "system-defaults.json"
    mine = {"type": "command", "command": "notify-me"}
    users.write_text(
        json.dumps({"ui": {"theme": "x"}, "hooks": {"AfterAgent": [{"hooks": [mine]}]}})
    )
    monkeypatch.setenv(gemini.DEFAULTS_VARIABLE, str(users))
    work = tmp_path / "work"
    work.mkdir()
    wiring = gemini.wire(
        Agent("gemini", ["gemini", "-i", "hi"], ["gemini", "--resume"]), work, "s1", set()
    )
    assert (wiring.command, wiring.hooked, wiring.worktree_files) == (
        ["gemini", "-i", "hi"],
        True,
        [],
    )
    written = Path(wiring.env[gemini.DEFAULTS_VARIABLE])
    assert not written.is_relative_to(work)
    assert list(work.iterdir()) == []
    defaults = json.loads(written.read_text())
    assert defaults["ui"] == {"theme": "x"}
    after = defaults["hooks"]["AfterAgent"]
    assert after[0]["hooks"] == [mine]
    assert shlex.split(after[1]["hooks"][0]["command"]) == hook_command("gemini", "AfterAgent")
    assert json.loads(users.read_text())["hooks"]["AfterAgent"] == [{"hooks": [mine]}]  # untouched


@pytest.mark.parametrize(
    ("preset", "resume", "expected"),
    [
        ("claude", ["claude", "--continue"], ["claude", "--resume", "conv-A"]),
        ("codex", ["codex", "resume", "--last"], ["codex", "resume", "conv-A"]),
        ("gemini", ["gemini", "--resume"], ["gemini", "--resume", "conv-A"]),
        ("aider", ["aider", "--restore-chat-history"], ["aider", "--restore-chat-history"]),
        ("q", ["q", "chat", "--resume"], ["q", "chat", "--resume"]),  # Q keys by folder
        ("command", ["my-repl"], ["my-repl"]),
    ],
)
def test_resume_by_the_recorded_conversation(
    preset: str, resume: list[str], expected: list[str]
) -> None:
    from q_tmux.agents.wiring import resume_base

    assert resume_base(preset, resume, "conv-A") == expected
    assert resume_base(preset, resume, None) == resume  # nothing recorded: the folder's last


def test_resume_falls_back_to_the_folders_last_when_the_agent_lost_it(tmp_path: Path) -> None:
    from q_tmux.agents.wiring import resume_base

    kept = tmp_path / "conv-A.jsonl"
    kept.write_text("{}\n")
    assert resume_base("claude", ["claude", "--continue"], "conv-A", str(kept))[-1] == "conv-A"
    gone = str(tmp_path / "gone.jsonl")
    assert resume_base("claude", ["claude", "--continue"], "conv-A", gone) == [
        "claude",
        "--continue",
    ]


def test_two_conversations_in_one_worktree_resume_picks_the_sessions_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session A's hooks recorded its conversation; a later one in the same folder does not
    make ``resume`` pick that one (``--continue`` would)."""
    import subprocess
    import sys

    from q_tmux.sessions.agent_window import wire_agent as _wire
    from q_tmux.store.session_file import AgentInfo, SessionRecord, WorktreeInfo, write_session_file

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    work = tmp_path / "work"
    record = SessionRecord(
        id="sessA",
        name="a",
        agent=AgentInfo(
            preset="claude",
            command=["claude"],
            resume_command=["claude", "--continue"],
            base_command=["claude"],
            base_resume_command=["claude", "--continue"],
        ),
        worktree_info=WorktreeInfo(path=str(work)),
    )
    path = work / ".amazonq" / "session.json"
    write_session_file(path, record)
    transcripts = tmp_path / "projects"
    transcripts.mkdir()
    for conversation, file in (("conv-A", path), ("conv-B", tmp_path / "elsewhere.json")):
        (transcripts / f"{conversation}.jsonl").write_text("{}\n")
        payload = {"session_id": conversation, "transcript_path": str(transcripts / conversation)}
        payload["transcript_path"] += ".jsonl"
        subprocess.run(
            [sys.executable, "-m", "q_tmux.tracking.hook", "claude", "Stop"],
            input=json.dumps(payload),
            text=True,
            check=True,
            env={**os.environ, "Q_TMUX_SESSION_FILE": str(file)},
        )
    from q_tmux.store.session_file import read_session_file

    resumed = read_session_file(path)
    _wire(resumed, work, None)
    assert resumed.agent.resume_command[-2:] == ["--resume", "conv-A"]
    assert resumed.agent.resume_command[1] == "--settings"  # still hooked
    assert resumed.agent.base_resume_command == ["claude", "--continue"]  # the fallback kept


def test_doctor_names_each_agent_with_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from q_tmux.cli.doctor import _check_agents, agent_version

    (tmp_path / "claude").write_text("#!/bin/sh\necho '2.1.197 (Claude Code)'\n")
    (tmp_path / "codex").write_text("#!/bin/sh\nexec sleep 30\n")  # never answers
    for name in ("claude", "codex"):
        (tmp_path / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin{os.pathsep}/bin")
    assert agent_version(str(tmp_path / "claude"), ("--version",)) == "2.1.197 (Claude Code)"
    assert "version unknown" in agent_version(str(tmp_path / "codex"), ("--version",), 0.5)
    monkeypatch.setattr("q_tmux.cli.doctor.agent_version", lambda p, a: f"v-{Path(p).name}")
    [(_, line)] = _check_agents()
    assert f"claude v-claude ({tmp_path / 'claude'})" in line
    assert f"codex v-codex ({tmp_path / 'codex'})" in line


def test_gemini_hooks_are_not_wired_where_gemini_would_refuse_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gemini skips a settings file below a directory others can write to (/tmp, say)."""
    from q_tmux.agents import gemini
    from q_tmux.agents.launch import Agent

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("XDG_STATE_HOME", str(shared / "state"))
    wiring = gemini.wire(Agent("gemini", ["gemini"], ["gemini", "--resume"]), tmp_path, "s1", set())
    assert (wiring.hooked, wiring.env) == (False, {})
    assert str(shared) in wiring.notes[0]
    assert not (shared / "state").exists()
