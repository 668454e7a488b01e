"""An idle watcher tick reads no file that did not change, and publishes nothing new."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from q_tmux.adapters.tmux_vocabulary import Pane
from q_tmux.store import record, xdg
from q_tmux.tracking import status_line, watcher
from q_tmux.tracking.status_line import SessionState, Snapshot

SOCKET = "/tmp/q-tmux-test-socket"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def add_session(tmp_path: Path, name: str, status: str = "waiting") -> Path:
    work = tmp_path / name
    (work / ".amazonq").mkdir(parents=True)
    write_record(work, name, status)
    registry = Path(xdg.registry_dir())
    registry.mkdir(parents=True, exist_ok=True)
    (registry / f"{name}.json").write_text(json.dumps({"id": name, "work_dir": str(work)}))
    return work


def write_record(work: Path, name: str, status: str) -> None:
    data = {
        "version": 1,
        "id": name,
        "name": name,
        "status": status,
        "waiting_reason": "input" if status == "waiting" else None,
        "tmux": {"socket": SOCKET},
        "agent": {"preset": "shell"},
    }
    path = Path(record.session_path(str(work)))
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data))
    os.replace(temporary, path)  # as every writer does: a new file in its place


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = SessionState.read.__func__  # type: ignore[attr-defined]

    def counting(cls: type[SessionState], path: str) -> SessionState | None:
        seen.append(path)
        return real(cls, path)  # type: ignore[no-any-return]

    monkeypatch.setattr(SessionState, "read", classmethod(counting))
    return seen


def later(seconds: float = 60.0) -> float:
    return os.path.getmtime(xdg.registry_dir()) + seconds


def test_unchanged_files_are_not_read_again_and_a_changed_one_is(
    tmp_path: Path, reads: list[str]
) -> None:
    works = [add_session(tmp_path, f"s{index}") for index in range(3)]
    files = watcher.SessionFiles(clock=later)
    names = [s.name for s in files.sessions_on(SOCKET)]
    assert names == [s.name for s in status_line.sessions_on(SOCKET)]
    assert sorted(names) == ["s0", "s1", "s2"]
    reads.clear()
    assert len(files.sessions_on(SOCKET)) == 3
    assert reads == []  # nothing changed: nothing opened
    write_record(works[1], "s1", "processing")
    statuses = {s.name: s.status for s in files.sessions_on(SOCKET)}
    assert statuses["s1"] == "processing"
    assert reads == [record.session_path(str(works[1]))]


def test_a_session_added_or_removed_is_seen_at_once(tmp_path: Path) -> None:
    add_session(tmp_path, "s0")
    files = watcher.SessionFiles(clock=later)
    assert [s.name for s in files.sessions_on(SOCKET)] == ["s0"]
    os.utime(Path(xdg.registry_dir()), (0, 0))  # the folder's time moves with each change below
    add_session(tmp_path, "s1")
    assert sorted(s.name for s in files.sessions_on(SOCKET)) == ["s0", "s1"]
    (Path(xdg.registry_dir()) / "s0.json").unlink()
    assert [s.name for s in files.sessions_on(SOCKET)] == ["s1"]


def test_a_file_written_just_now_is_read_again_even_if_its_stat_looks_the_same(
    tmp_path: Path, reads: list[str]
) -> None:
    add_session(tmp_path, "s0")
    files = watcher.SessionFiles(clock=lambda: later(0.5))  # within the clock's granularity
    files.sessions_on(SOCKET)
    reads.clear()
    files.sessions_on(SOCKET)
    assert reads  # a second write in the same instant could hide behind the same stamp


def test_the_status_line_is_worked_out_again_only_when_what_it_shows_may_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = add_session(tmp_path, "s0")
    pushed: list[str] = []
    monkeypatch.setattr(
        status_line, "publish", lambda socket, snap, sessions: pushed.append(socket)
    )
    files = watcher.SessionFiles(clock=later)
    ticker = watcher.Watcher(SOCKET)
    pane = Pane("s0", "@1", "%1", False, "100", "")
    snap = Snapshot({"s0": pane}, {"@q-tmux-status": ""}, alive=True)
    ticker.publish(snap, files.sessions_on(SOCKET))
    ticker.publish(snap, files.sessions_on(SOCKET))
    assert len(pushed) == 1
    write_record(work, "s0", "processing")
    ticker.publish(snap, files.sessions_on(SOCKET))
    assert len(pushed) == 2
    # tmux's own state counts: a mark someone else set is put right.
    marked = Pane("s0", "@1", "%1", False, "100", "other")
    ticker.publish(Snapshot({"s0": marked}, snap.options, alive=True), files.sessions_on(SOCKET))
    assert len(pushed) == 3
