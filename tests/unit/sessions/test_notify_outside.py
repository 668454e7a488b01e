"""The sender of notifications outside tmux: webhook, desktop, failure streaks, the request."""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from q_tmux.adapters import tmuxcmd
from q_tmux.sessions import notify_outside
from q_tmux.store.session_file import AgentInfo, SessionRecord, WorktreeInfo, write_session_file
from q_tmux.tracking import outside
from tests.webhook_server import Endpoint, endpoint

Q_APPROVAL_SCREEN = """\
> please list the files

🛠️  Using tool: execute_bash
 ⋮
 ● I will run the following shell command:
ls -la

Allow this action? Use 't' to trust (always allow) this tool for the session. [y/n/t]:

> """


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "config" / "q-tmux").mkdir(parents=True)
    return tmp_path


@pytest.fixture
def session(folders: Path) -> Path:
    work = folders / "work"
    record = SessionRecord(
        id="abc123",
        name="fix-login",
        agent=AgentInfo(preset="q", command=["q", "chat"], resume_command=["q", "chat"]),
        worktree_info=WorktreeInfo(
            path=str(work), repo_root="/src/app", branch="fix-login", base_branch="main"
        ),
    )
    record.tmux.socket = str(folders / "no-such-socket")
    path = work / ".amazonq" / "session.json"
    write_session_file(path, record)
    return path


@pytest.fixture
def hook() -> Iterator[Endpoint]:
    with endpoint() as point:
        yield point


def configure(text: str) -> None:
    Path(outside.config_file()).write_text(text)


def log_lines() -> list[str]:
    path = Path(os.environ["XDG_STATE_HOME"]) / "q-tmux" / "notify.log"
    return path.read_text().splitlines() if path.exists() else []


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_webhook_gets_the_sessions_json(session: Path, hook: Endpoint) -> None:
    configure(f"[notify]\nwebhook = '{hook.url}'\n")
    assert notify_outside.main([str(session), "approval"]) == 0
    assert len(hook.received) == 1
    sent = hook.received[0]
    assert sent.pop("at").endswith("Z")
    assert sent.pop("text") == "q-tmux: fix-login waits for approval"
    assert sent == {
        "session": "fix-login",
        "reason": "approval",
        "repository": "/src/app",
        "branch": "fix-login",
        "request": None,  # its tmux server is gone: nothing on screen to read
    }
    cache = json.loads(Path(outside.cache_file()).read_text())
    assert cache["webhook"] == hook.url  # the hot path decides alone from now on
    assert log_lines() == []


def test_the_sender_applies_on_and_the_quiet_period_when_the_cache_was_stale(
    session: Path, hook: Endpoint
) -> None:
    configure(f"[notify]\nwebhook = '{hook.url}'\nquiet_seconds = 600\n")
    notify_outside.main([str(session), "input"])  # `on` defaults to approval only
    notify_outside.main([str(session), "approval"])
    notify_outside.main([str(session), "approval"])  # within the quiet period
    assert [sent["reason"] for sent in hook.received] == ["approval"]


def test_a_refusing_endpoint_is_logged_once_per_streak(session: Path, hook: Endpoint) -> None:
    refused = f"http://127.0.0.1:{closed_port()}/hook"
    configure(f"[notify]\nwebhook = '{refused}'\n")
    before = session.read_bytes()
    for _ in range(3):
        assert notify_outside.main([str(session), "approval"]) == 0
    assert session.read_bytes() == before  # the session's state is the sender's to read only
    assert len(log_lines()) == 1
    assert f"webhook {refused.removesuffix('hook')}…: ConnectError" in log_lines()[0]
    configure(f"[notify]\nwebhook = '{hook.url}'\n")  # fixed: the streak ends ...
    notify_outside.main([str(session), "approval"])
    assert "webhook: works again" in log_lines()[-1]
    hook.status = 500  # ... and a new one is logged again, once
    notify_outside.main([str(session), "approval"])
    notify_outside.main([str(session), "approval"])
    assert log_lines()[2:] == [log_lines()[2]]
    assert log_lines()[2].endswith(f"webhook {hook.url.removesuffix('hook')}…: answered 500")
    assert len(hook.received) == 3


def test_a_hanging_endpoint_is_given_up_on_after_the_timeout(
    session: Path, hook: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notify_outside, "TIMEOUT", 0.3)
    hook.hang.set()
    configure(f"[notify]\nwebhook = '{hook.url}'\n")
    assert notify_outside.main([str(session), "approval"]) == 0
    assert log_lines()[0].endswith(
        f"webhook {hook.url.removesuffix('hook')}…: no answer within 0.3 s"
    )


def test_a_malformed_webhook_url_is_said_once_and_sends_nothing(
    session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure("[notify]\nwebhook = 'ntfy.sh/mine'\n")
    monkeypatch.setattr(notify_outside, "post_webhook", lambda *_: pytest.fail("sent"))
    for _ in range(2):
        assert notify_outside.main([str(session), "approval"]) == 0
    assert len(log_lines()) == 1
    assert (
        "key 'notify.webhook': 'ntfy.sh/mine' is not an http:// or https:// URL" in (log_lines()[0])
    )


def fake_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Path:
    """``name`` alone on PATH; it records its arguments in the returned file, a JSON list a line."""
    bin_dir, record = tmp_path / "bin", tmp_path / f"{name}.jsonl"
    bin_dir.mkdir()
    fake = bin_dir / name
    fake.write_text(
        "#!/bin/sh\n"
        f"exec {sys.executable} -c 'import json, sys; "
        f'open("{record}", "a").write(json.dumps(sys.argv[1:]) + "\\n")\' "$@"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    tmuxcmd._found.clear()
    return record


@pytest.fixture
def fake_notify_send(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield fake_program(tmp_path, monkeypatch, "notify-send")
    tmuxcmd._found.clear()


def test_on_macos_osascript_gets_the_texts_as_arguments_not_as_script(
    session: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = fake_program(tmp_path, monkeypatch, "osascript")
    try:
        configure("[notify]\ndesktop = true\non = ['input']\n")
        assert notify_outside.main([str(session), "input"]) == 0
    finally:
        tmuxcmd._found.clear()
    argv = json.loads(record.read_text())
    assert argv[0] == "-e"
    assert "item 1 of argv" in argv[1]
    assert argv[2:] == ["q-tmux: fix-login waits for input", "/src/app fix-login"]


def test_a_desktop_notification_names_the_session_and_reason(
    session: Path, fake_notify_send: Path
) -> None:
    configure("[notify]\ndesktop = true\non = ['input']\n")
    assert notify_outside.main([str(session), "input"]) == 0
    argv = json.loads(fake_notify_send.read_text())
    assert argv == ["--app-name=q-tmux", "q-tmux: fix-login waits for input", "/src/app fix-login"]


def test_a_missing_notify_send_is_said_once(
    session: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    tmuxcmd._found.clear()
    configure("[notify]\ndesktop = true\n")
    try:
        for _ in range(3):
            assert notify_outside.main([str(session), "approval"]) == 0
    finally:
        tmuxcmd._found.clear()
    assert len(log_lines()) == 1
    assert log_lines()[0].endswith("desktop: neither notify-send nor osascript is on PATH")


def test_the_request_is_the_paragraph_that_ends_with_the_question() -> None:
    assert notify_outside.pending_request("q", Q_APPROVAL_SCREEN) == (
        "Allow this action? Use 't' to trust (always allow) this tool for the session. [y/n/t]:"
    )
    screen = Q_APPROVAL_SCREEN.replace("ls -la\n\nAllow", "ls -la\nAllow")
    assert notify_outside.pending_request("q", screen) == (
        "🛠️  Using tool: execute_bash\n⋮\n● I will run the following shell command:\nls -la\n"
        "Allow this action? Use 't' to trust (always allow) this tool for the session. [y/n/t]:"
    )
    assert notify_outside.pending_request("q", "> ") is None
    assert notify_outside.pending_request("no-such-agent", Q_APPROVAL_SCREEN) is None


@pytest.mark.parametrize("argv", [[], ["x"], ["x", "bored"], ["x", "input", "--later"]])
def test_bad_arguments_send_nothing(argv: list[str]) -> None:
    assert notify_outside.main(argv) == 2


def test_doctor_names_a_missing_notifier_and_a_failing_streak(
    session: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert notify_outside.findings(False, None) == []
    assert notify_outside.findings(False, "http://x/") == [
        (False, "notifications by webhook http://x")
    ]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    tmuxcmd._found.clear()
    refused = f"http://127.0.0.1:{closed_port()}/hook"
    configure(f"[notify]\ndesktop = true\nwebhook = '{refused}'\n")
    try:
        notify_outside.main([str(session), "approval"])
        found = notify_outside.findings(True, refused)
    finally:
        tmuxcmd._found.clear()
    assert found[0] == (
        True,
        "desktop notifications are on, but neither notify-send nor osascript is on PATH.",
    )
    assert found[1][0]
    failing = f"notifications failing: webhook {refused.removesuffix('hook')}…: ConnectError"
    assert found[1][1].startswith(failing)
    assert found[1][1].endswith("(see notify.log).")


def test_old_quiet_period_stamps_are_removed(session: Path, hook: Endpoint) -> None:
    configure(f"[notify]\nwebhook = '{hook.url}'\n")
    old, fresh = Path(outside.stamp_file("gone", "input")), Path(outside.stamp_file("s", "input"))
    assert outside.claim("gone", "input", 0, now=1000)  # long ago
    assert outside.claim("s", "input", 0)
    notify_outside.main([str(session), "approval"])
    assert not old.exists()
    assert fresh.exists()
    assert Path(outside.stamp_file("abc123", "approval")).exists()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T0/B0/secret", "https://hooks.slack.com/…"),
        ("https://api.telegram.org/bot123:abc/sendMessage", "https://api.telegram.org/…"),
        ("https://user:pw@ntfy.example.com:8443/", "https://ntfy.example.com:8443"),
        ("http://127.0.0.1:8080/?token=x", "http://127.0.0.1:8080/…"),
    ],
)
def test_logs_and_doctor_never_show_what_may_be_a_token(url: str, shown: str) -> None:
    assert notify_outside.shown_url(url) == shown
