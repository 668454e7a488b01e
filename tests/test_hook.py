"""The agents' hook: status changes, silence on stdout, never a failure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from q_tmux.store.session_file import AgentInfo, SessionRecord, WorktreeInfo, write_session_file


def make_session(work_dir: Path, socket: str = "/nonexistent/socket") -> Path:
    record = SessionRecord(
        id="hook123",
        name="hooked",
        agent=AgentInfo(preset="q", command=["q", "chat"], resume_command=["q", "chat"]),
        worktree_info=WorktreeInfo(path=str(work_dir)),
    )
    record.tmux.socket = socket
    path = work_dir / ".amazonq" / "session.json"
    write_session_file(path, record)
    return path


def run_hook(
    cwd: Path, *args: str, stdin: str = "{}", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "q_tmux.tracking.hook", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def status(path: Path) -> tuple[str, str | None, str]:
    data = json.loads(path.read_text())
    return data["status"], data["waiting_reason"], data["status_source"]


@pytest.mark.parametrize(
    ("agent", "event", "expected"),
    [
        ("q", "userPromptSubmit", ("processing", None, "hook")),
        ("q", "preToolUse", ("processing", None, "hook")),
        ("q", "postToolUse", ("processing", None, "hook")),
        ("q", "stop", ("waiting", "input", "hook")),
        ("kiro-cli", "stop", ("waiting", "input", "hook")),
        ("claude", "PermissionRequest", ("waiting", "approval", "hook")),
        ("claude", "Stop", ("waiting", "input", "hook")),
        ("claude", "StopFailure", ("waiting", "input", "hook")),
        ("claude", "UserPromptSubmit", ("processing", None, "hook")),
        ("gemini", "BeforeAgent", ("processing", None, "hook")),
        ("gemini", "AfterAgent", ("waiting", "input", "hook")),
        ("codex", "UserPromptSubmit", ("processing", None, "hook")),
        ("codex", "PermissionRequest", ("waiting", "approval", "hook")),
        ("codex", "PostToolUse", ("processing", None, "hook")),
        ("codex", "Stop", ("waiting", "input", "hook")),
        ("codex", "Interrupt", ("waiting", "input", "hook")),
        ("aider", "notify", ("waiting", "input", "hook")),
    ],
)
def test_events_set_the_status_and_print_nothing(
    tmp_path: Path, agent: str, event: str, expected: tuple[str, str | None, str]
) -> None:
    path = make_session(tmp_path)
    done = run_hook(tmp_path, agent, event, stdin='{"hook_event_name": "x", "prompt": "hello"}')
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert status(path) == expected


@pytest.mark.parametrize(
    ("agent", "payload", "expected"),
    [
        ("claude", {"notification_type": "permission_prompt"}, ("waiting", "approval", "hook")),
        ("claude", {"notification_type": "idle_prompt"}, ("waiting", "input", "hook")),
        ("gemini", {"notification_type": "ToolPermission"}, ("waiting", "approval", "hook")),
    ],
)
def test_notifications_say_what_they_are_about_in_their_payload(
    tmp_path: Path, agent: str, payload: dict[str, str], expected: tuple[str, str | None, str]
) -> None:
    path = make_session(tmp_path)
    run_hook(tmp_path, agent, "Notification", stdin=json.dumps(payload))
    assert status(path) == expected


@pytest.mark.parametrize("agent", ["claude", "gemini"])
def test_session_start_never_claims_waiting_on_a_blank_booting_screen(
    tmp_path: Path, agent: str
) -> None:
    """It fires before the prompt is drawn (requests R1): the screen ends the boot."""
    path = make_session(tmp_path)
    run_hook(tmp_path, agent, "SessionStart", stdin='{"source": "resume", "session_id": "c1"}')
    assert status(path)[0] == "starting"
    assert agent_table(path)["conversation_id"] == "c1"  # the id is recorded all the same


def test_an_unknown_notification_changes_nothing(tmp_path: Path) -> None:
    path = make_session(tmp_path)
    before = path.read_text()
    run_hook(tmp_path, "claude", "Notification", stdin='{"notification_type": "auth_success"}')
    assert path.read_text() == before


def agent_table(path: Path) -> dict[str, object]:
    table = json.loads(path.read_text())["agent"]
    assert isinstance(table, dict)
    return table


def test_claude_conversation_id_is_recorded(tmp_path: Path) -> None:
    path = make_session(tmp_path)
    payload = {"session_id": "conv-1", "transcript_path": "/h/.claude/projects/x/conv-1.jsonl"}
    run_hook(tmp_path, "claude", "UserPromptSubmit", stdin=json.dumps(payload))
    assert agent_table(path)["conversation_id"] == "conv-1"
    assert agent_table(path)["conversation_file"] == "/h/.claude/projects/x/conv-1.jsonl"
    assert status(path)[0] == "processing"  # recorded as well as, not instead of, the status


def test_codex_conversation_id_comes_from_its_hooks_session_id(tmp_path: Path) -> None:
    """Codex 0.169's hooks carry the thread id for ``codex resume ID`` as ``session_id``."""
    path = make_session(tmp_path)
    payload = {
        "session_id": "01a2-thread",
        "turn_id": "01a2-turn",
        "transcript_path": "/h/.codex/sessions/2026/11/22/rollout-x-01a2-thread.jsonl",
        "hook_event_name": "Stop",
        "last_assistant_message": "done",
    }
    done = run_hook(tmp_path, "codex", "Stop", stdin=json.dumps(payload))
    assert (done.returncode, done.stdout) == (0, "")
    assert agent_table(path)["conversation_id"] == "01a2-thread"
    assert status(path) == ("waiting", "input", "hook")


@pytest.mark.parametrize("stdin", ["not json", "[1]", '{"session_id": 7}', "{"])
def test_a_payload_without_a_usable_id_records_none(tmp_path: Path, stdin: str) -> None:
    path = make_session(tmp_path)
    done = run_hook(tmp_path, "claude", "Stop", stdin=stdin)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert agent_table(path).get("conversation_id") is None
    assert status(path)[0] == "waiting"


def test_the_session_file_is_found_through_the_environment(tmp_path: Path) -> None:
    path = make_session(tmp_path / "work")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run_hook(elsewhere, "q", "stop", env={"Q_TMUX_SESSION_FILE": str(path)})
    assert status(path)[0] == "waiting"


def test_unknown_events_change_nothing(tmp_path: Path) -> None:
    path = make_session(tmp_path)
    before = path.read_text()
    done = run_hook(tmp_path, "q", "agentSpawn")
    assert done.returncode == 0
    assert path.read_text() == before


@pytest.mark.parametrize(
    "content", ["", '{"version": 1, "id": "x", "st', "[1, 2]", '{"version": 7, "id": "x"}', None]
)
def test_bad_or_missing_files_never_fail_the_agent(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / ".amazonq" / "session.json"
    if content is not None:
        path.parent.mkdir()
        path.write_text(content)
    done = run_hook(tmp_path, "q", "preToolUse")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    if content is not None:
        assert path.read_text() == content


def test_no_arguments_is_harmless(tmp_path: Path) -> None:
    done = run_hook(tmp_path)
    assert (done.returncode, done.stdout) == (0, "")


@pytest.mark.parametrize("event", ["Stop", "UserPromptSubmit"])  # the second reads awareness
def test_the_hook_imports_nothing_heavy(tmp_path: Path, event: str) -> None:
    from q_tmux.agents.wiring import hook_command

    make_session(tmp_path)
    python, *rest = hook_command("claude", event)  # as the agent runs it (no site)
    done = subprocess.run(
        [python, "-X", "importtime", *rest],
        cwd=tmp_path,
        input="{}",
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "q_tmux.tracking.status_line" in imported  # the status changed: the whole path ran
    assert ("q_tmux.tracking.awareness" in imported) is (event == "UserPromptSubmit")
    assert "q_tmux.agents.claude" in imported  # the agent's data part, and only that
    assert not {"q_tmux.agents.codex", "q_tmux.agents.gemini", "q_tmux.agents.q"} & imported
    heavy = {
        "q_tmux.agents.launch",
        "q_tmux.agents.wiring",
        "libtmux",
        "plumbum",
        "pydantic",
        "httpx",
        "click",
        "subprocess",
        "pathlib",
        "dataclasses",
        "typing",
        "tempfile",
        # json imports re and compiles its patterns: store.jsontext reads and writes instead.
        "json",
        "contextlib",
        # Screens' patterns are compiled when first read; the status line parses its markup.
        "re",
        "unicodedata",
    }
    assert not heavy & imported


@pytest.mark.parametrize("update", ["status", "field"])
def test_a_status_update_never_brings_back_a_removed_worktree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, update: str
) -> None:
    from q_tmux.tracking import state

    work = tmp_path / "work"
    path = make_session(work)
    read = state.load

    def read_then_lose_the_worktree(target: Path) -> object:
        data = read(target)
        shutil.rmtree(work)  # a merge removes the worktree between our read and our write
        return data

    monkeypatch.setattr(state, "load", read_then_lose_the_worktree)
    if update == "status":
        assert state.set_status(path, "waiting", "input", "screen") is None
    else:
        assert not state.set_field(path, "merge_conflicts", ["x"])
    assert not work.exists()


def test_a_payload_may_come_as_the_last_argument() -> None:
    """For notify-style commands, which get the JSON as an argument and nothing on stdin."""
    from q_tmux.tracking.hook import payload_of

    assert payload_of("", ['{"session_id": "c1"}']) == {"session_id": "c1"}
    assert payload_of('{"session_id": "c2"}', ['{"session_id": "c1"}']) == {"session_id": "c2"}
    assert payload_of("", ["not json"]) == {}


@pytest.mark.parametrize(
    ("agent", "event", "renewed"), [("aider", "notify", True), ("claude", "Stop", False)]
)
def test_a_turn_end_is_news_where_no_hook_reports_a_turn_start(
    tmp_path: Path, agent: str, event: str, renewed: bool
) -> None:
    """aider's notify after a turn whose start the screen missed: still "waiting", but a
    new turn ended now, so the watcher drops the work it saw before (live: 4 flips)."""
    path = make_session(tmp_path)
    run_hook(tmp_path, agent, event)
    first = json.loads(path.read_text())["status_changed_at"]
    run_hook(tmp_path, agent, event)
    again = json.loads(path.read_text())
    assert status(path) == ("waiting", "input", "hook")
    assert (again["status_changed_at"] != first) is renewed


def test_an_event_that_changes_nothing_only_makes_sure_a_watcher_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tool hooks fire again and again with the status unchanged: the status line already
    shows it, so such a hook reads no other session and asks tmux for the watcher alone."""
    from q_tmux.tracking import hook, status_line, watchlock

    path = make_session(tmp_path, socket="/tmp/q-tmux-test-no-server")
    monkeypatch.setenv("Q_TMUX_SESSION_FILE", str(path))
    looked: list[str] = []
    watched: list[tuple[str, str | None]] = []

    def snapshot(socket: str) -> status_line.Snapshot:
        looked.append(socket)
        return status_line.Snapshot({}, {}, alive=False)

    def ensure_running(socket: str, name: str | None = None) -> None:
        watched.append((socket, name))

    monkeypatch.setattr(status_line, "snapshot", snapshot)
    monkeypatch.setattr(watchlock, "ensure_running", ensure_running)
    hook.handle("q", "preToolUse")  # starting -> processing: news for the status line
    assert (looked, watched) == (["/tmp/q-tmux-test-no-server"], [])
    looked.clear()
    hook.handle("q", "postToolUse")  # still processing
    assert looked == []
    assert watched == [("/tmp/q-tmux-test-no-server", None)]
    assert status(path) == ("processing", None, "hook")


def test_the_prompt_hook_reads_the_session_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The awareness lines come from the record the status change just read and wrote."""
    from q_tmux.tracking import hook, state

    path = make_session(tmp_path, socket="")
    monkeypatch.setenv("Q_TMUX_SESSION_FILE", str(path))
    read = state.load
    reads: list[str] = []

    def counted(target: str) -> dict[str, object] | None:
        reads.append(str(target))
        return read(target)

    monkeypatch.setattr(state, "load", counted)
    assert hook.handle("q", "userPromptSubmit") == ""  # no tmux server: no other session
    assert reads == [str(path)]
    assert status(path) == ("processing", None, "hook")
