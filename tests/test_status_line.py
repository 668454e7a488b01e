"""The status line: what it shows, and that nothing from a name or file is ever interpreted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.store.registry import RegistryEntry, add
from q_tmux.store.session_file import (
    AgentInfo,
    SessionRecord,
    Status,
    StatusSource,
    WaitingReason,
    WorktreeInfo,
    write_session_file,
)
from q_tmux.tracking import status_line
from tests.conftest import rendered_status_right, wait_for


@pytest.fixture
def socket(server: Server) -> str:
    server.new_session("main", window_command="sleep 300")
    return str(server.cmd("display-message", "-p", "-t", "main:", "#{socket_path}").stdout[0])


def add_session(
    server: Server,
    socket: str,
    tmp_path: Path,
    name: str,
    status: Status,
    reason: WaitingReason | None = None,
    *,
    window: bool = True,
) -> Path:
    work_dir = tmp_path / f"s-{len(list(tmp_path.iterdir()))}"
    session_id = work_dir.name
    record = SessionRecord(
        id=session_id,
        name=name,
        agent=AgentInfo(preset="q", command=["q"], resume_command=["q"]),
        worktree_info=WorktreeInfo(path=str(work_dir)),
    )
    record.set_status(status, StatusSource.HOOK, reason)
    record.tmux.socket = socket
    if window:
        window_id = server.cmd(
            "new-window", "-d", "-P", "-F", "#{window_id}", "sleep", "300"
        ).stdout[0]
        server.cmd("set-option", "-w", "-t", window_id, "@q-tmux-id", session_id)
        record.tmux.window_id = window_id
    write_session_file(work_dir / ".amazonq" / "session.json", record)
    add(RegistryEntry(id=session_id, name=name, work_dir=str(work_dir)))
    return work_dir


def test_nothing_is_shown_without_sessions(socket: str) -> None:
    assert status_line.publish(socket) == ""


def test_approval_first_then_input_then_busy_count(
    server: Server, socket: str, tmp_path: Path
) -> None:
    add_session(server, socket, tmp_path, "first-input", Status.WAITING, WaitingReason.INPUT)
    add_session(server, socket, tmp_path, "asks", Status.WAITING, WaitingReason.APPROVAL)
    add_session(server, socket, tmp_path, "busy1", Status.PROCESSING)
    add_session(server, socket, tmp_path, "busy2", Status.STARTING)
    add_session(
        server, socket, tmp_path, "closed", Status.WAITING, WaitingReason.INPUT, window=False
    )
    text = status_line.publish(socket)
    assert status_line.plain(text) == "!asks first-input 2 busy"
    assert server.cmd("show-option", "-gqv", "@q-tmux-status").stdout == [text]
    marks = server.cmd("list-windows", "-a", "-F", "#{@q-tmux-id}=#{@q-tmux-mark}").stdout
    assert "s-1=#[fg=red,bold]?#[default]" in marks
    assert "s-0=#[fg=yellow,bold]@#[default]" in marks


def test_a_dead_agent_is_never_shown_busy(server: Server, socket: str, tmp_path: Path) -> None:
    work_dir = add_session(server, socket, tmp_path, "died", Status.PROCESSING)
    data = json.loads((work_dir / ".amazonq/session.json").read_text())
    server.cmd("set-option", "-w", "-t", data["tmux"]["window_id"], "remain-on-exit", "on")
    server.cmd("respawn-pane", "-k", "-t", data["tmux"]["window_id"], "true")
    wait_for(
        lambda: (
            server.cmd(
                "display-message", "-p", "-t", data["tmux"]["window_id"], "#{pane_dead}"
            ).stdout
            == ["1"]
        ),
        what="the pane to die",
    )
    assert status_line.publish(socket) == ""


@pytest.mark.parametrize("name", ["#(touch pwned)", "#{pane_id}", "#[fg=red]", "a##b", "%H:%M %3"])
def test_names_from_files_are_never_interpreted(
    server: Server, socket: str, tmp_path: Path, name: str
) -> None:
    add_session(server, socket, tmp_path, name, Status.WAITING, WaitingReason.INPUT)
    text = status_line.publish(socket)
    assert status_line.plain(text) == name
    # What a real client draws: the name, literally; nothing run, no style applied.
    server.cmd("set-option", "-g", "status-right", "<<#{@q-tmux-status}>>")
    server.cmd("set-option", "-g", "status-left", "")
    server.cmd("set-option", "-g", "status-right-length", "80")
    assert rendered_status_right(server) == name
    assert not (tmp_path / "pwned").exists()
    assert not Path("pwned").exists()


def test_broken_files_do_not_hide_the_others(
    server: Server, socket: str, tmp_path: Path, isolated_env: Path
) -> None:
    add_session(server, socket, tmp_path, "good", Status.WAITING, WaitingReason.INPUT)
    for content in ("{trunc", '{"version": 2, "id": "x"}', '{"foreign": true}'):
        bad = add_session(server, socket, tmp_path, "bad", Status.WAITING, WaitingReason.INPUT)
        (bad / ".amazonq/session.json").write_text(content)
    gone = add_session(server, socket, tmp_path, "gone", Status.WAITING, WaitingReason.INPUT)
    (gone / ".amazonq/session.json").unlink()
    (isolated_env / ".local/state/q-tmux/sessions/junk.json").write_text("[")
    assert status_line.plain(status_line.publish(socket)) == "good"


def test_user_formats_are_used(server: Server, socket: str, tmp_path: Path) -> None:
    add_session(server, socket, tmp_path, "x", Status.WAITING, WaitingReason.INPUT)
    server.cmd("set-option", "-g", "@q-tmux-format-input", "<{name}>")
    assert status_line.publish(socket) == "<x>"


def test_status_line_command_prints_plain_text(server: Server, socket: str, tmp_path: Path) -> None:
    add_session(server, socket, tmp_path, "asks", Status.WAITING, WaitingReason.APPROVAL)
    env = {**os.environ, "TMUX": f"{socket},1,0"}
    done = subprocess.run(
        [sys.executable, "-m", "q_tmux", "status-line"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == "!asks\n"
    done = subprocess.run(
        [sys.executable, "-m", "q_tmux", "status-line", "--tmux"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == "#[fg=red,bold]!asks#[default]\n"


#: The characters tmux itself puts in ``#{window_flags}``.
TMUX_WINDOW_FLAGS = set("*-#!~MZ")


def test_window_markers_cannot_be_taken_for_tmux_window_flags() -> None:
    marks = {
        option: status_line.plain(value)
        for option, value in status_line.DEFAULTS.items()
        if option.startswith("@q-tmux-mark-")
    }
    assert len(marks) == 6  # approval, input, processing, stalled, exited, queued
    for option, mark in marks.items():
        assert mark, option
        assert not set(mark) & TMUX_WINDOW_FLAGS, f"{option} shows {mark!r}, a tmux window flag"
    assert len(set(marks.values())) == len(marks)  # each status has its own marker


def _pane(session_id: str, window_id: str, dead: bool = False) -> status_line.Pane:
    return status_line.Pane(session_id, window_id, "%1", dead, "0", "")


@pytest.mark.parametrize(
    ("status", "dead", "option"),
    [
        ("queued", False, "@q-tmux-mark-queued"),
        ("exited", False, "@q-tmux-mark-exited"),
        ("queued", True, "@q-tmux-mark-exited"),  # its waiter died: nothing will start there
        ("processing", False, "@q-tmux-mark-processing"),
    ],
)
def test_a_queued_window_has_its_own_marker_and_is_never_named(
    status: str, dead: bool, option: str
) -> None:
    session = status_line.SessionState(
        "s1", "job", status, None, "2026-01-01T00:00:00+00:00", "/sock", "q", "/w"
    )
    snap = status_line.Snapshot({"s1": _pane("s1", "@7", dead)}, {}, alive=True)
    text, marks = status_line.render([session], snap)
    assert marks == {"@7": status_line.DEFAULTS[option]}
    assert "job" not in text


def test_one_look_at_tmux_names_each_option_once_however_many_windows(
    server: Server, socket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from q_tmux.adapters import tmuxcmd

    for index in range(3):
        add_session(server, socket, tmp_path, f"s{index}", Status.WAITING, WaitingReason.INPUT)
    server.cmd("set-option", "-g", "@q-tmux-format-busy", "50% #[dim]{count}")
    answers: list[str] = []
    real = tmuxcmd.run

    def recorded(socket: str, *args: str, timeout: float = 5.0) -> tuple[int, str]:
        code, out = real(socket, *args, timeout=timeout)
        answers.append(out)
        return code, out

    monkeypatch.setattr(tmuxcmd, "run", recorded)
    snap = status_line.snapshot(socket)
    assert len(snap.panes) == 3
    assert snap.option("@q-tmux-format-busy") == "50% #[dim]{count}"  # as set, % and all
    assert snap.option("@q-tmux-format-more") == status_line.DEFAULTS["@q-tmux-format-more"]
    assert answers[0].count("50% #[dim]{count}") == 1  # not once per window
