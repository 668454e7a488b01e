"""Writers of a session's record and of the registry never lose each other's updates.

Each test hammers one file from two processes started together, through the
same functions q-tmux's writers use: the hook's and the watcher's status
writes (:mod:`q_tmux.tracking.state`), and a command's read-then-rewrite of the whole
record (``rename``, ``close``, ``resume``, ``new``). Every update carries a
counter or a value its writer checks, so a lost one is seen, not guessed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.errors import QTmuxError, SessionFileError
from q_tmux.store import jsonfile, registry
from q_tmux.store.registry import RegistryEntry
from q_tmux.store.session_file import (
    AgentInfo,
    SessionRecord,
    Status,
    StatusSource,
    TmuxInfo,
    WorktreeInfo,
    read_session_file,
    session_file_path,
    write_session_file,
)
from q_tmux.tracking import state
from tests.conftest import QTmux

ROUNDS = 200
_fork = multiprocessing.get_context("fork")


def new_record(work_dir: Path) -> Path:
    path = session_file_path(work_dir)
    write_session_file(
        path,
        SessionRecord(
            id="abc123",
            name="n0",
            agent=AgentInfo(preset="q", command=["q", "chat"], resume_command=["q", "chat"]),
            worktree_info=WorktreeInfo(path=str(work_dir), branch="b0"),
        ),
    )
    return path


def hook_writer(path: Path, start: Event, lost: multiprocessing.Queue[int]) -> None:
    """The hook: alternate the status; any status found that it did not write was lost."""
    start.wait()
    last, missed = None, 0
    for round_ in range(ROUNDS):
        status = (state.PROCESSING, None) if round_ % 2 else (state.WAITING, state.INPUT)
        done = state.set_status(path, status[0], status[1], state.HOOK)
        # Nothing written means it found the status it was about to write: not its last one.
        if last is not None and (done is None or done.before != last):
            missed += 1
        last = status
    lost.put(missed)


def rename_writer(path: Path, start: Event, lost: multiprocessing.Queue[int]) -> None:
    """``rename``: read the record, bump its name and branch, write the whole record back."""
    start.wait()
    for _ in range(ROUNDS):
        record = read_session_file(path)
        number = int(record.name[1:]) + 1
        record.name = f"n{number}"
        record.worktree_info.branch = f"b{number}"
        write_session_file(path, record)
    lost.put(0)


def window_writer(path: Path, start: Event, lost: multiprocessing.Queue[int]) -> None:
    """``resume``: record the window it opened; the watcher writes conflicts meanwhile."""
    start.wait()
    for round_ in range(ROUNDS):
        record = read_session_file(path)
        record.tmux = TmuxInfo(socket="/s", window_id=f"@{round_}", pane_id=f"%{round_}")
        write_session_file(path, record)
    lost.put(0)


def conflicts_writer(path: Path, start: Event, lost: multiprocessing.Queue[int]) -> None:
    """The watcher: a counter in ``merge_conflicts``, read and bumped each round."""
    start.wait()
    for _ in range(ROUNDS):
        data = state.load(path)
        assert data is not None
        state.set_field(path, "merge_conflicts", [*(data.get("merge_conflicts") or []), "x"])
    lost.put(0)


def hammer(*writers: Callable[[Path, Event, multiprocessing.Queue[int]], None], path: Path) -> int:
    """Run the writers at once; the number of updates they saw lost."""
    start = _fork.Event()
    lost: multiprocessing.Queue[int] = _fork.Queue()
    processes = [_fork.Process(target=w, args=(path, start, lost)) for w in writers]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0, f"{process.name} failed"
    return sum(lost.get(timeout=10) for _ in writers)


def test_a_hook_and_rename_lose_none_of_each_others_updates(tmp_path: Path) -> None:
    path = new_record(tmp_path)
    hook_losses = hammer(hook_writer, rename_writer, path=path)
    record = read_session_file(path)
    assert (record.name, record.worktree_info.branch) == (f"n{ROUNDS}", f"b{ROUNDS}")
    assert hook_losses == 0


def test_a_command_and_the_watcher_lose_none_of_each_others_updates(tmp_path: Path) -> None:
    path = new_record(tmp_path)
    hammer(window_writer, conflicts_writer, path=path)
    record = read_session_file(path)
    assert record.merge_conflicts == ["x"] * ROUNDS
    assert record.tmux.window_id == f"@{ROUNDS - 1}"


def test_a_rename_never_brings_back_a_removed_registry_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [f"s{number}" for number in range(ROUNDS)]
    for session_id in ids:
        registry.add(RegistryEntry(id=session_id, name="a", work_dir=str(tmp_path)))

    def renamer(path: Path, start: Event, lost: multiprocessing.Queue[int]) -> None:
        start.wait()
        for session_id in ids:
            registry.update(session_id, name="b")
        lost.put(0)

    def remover(path: Path, start: Event, lost: multiprocessing.Queue[int]) -> None:
        start.wait()
        for session_id in ids:
            registry.remove(session_id)
        lost.put(0)

    hammer(renamer, remover, path=tmp_path)
    assert sorted(os.listdir(registry.entry_path("x").parent)) == []


def test_a_command_keeps_a_status_written_after_it_read_the_record(tmp_path: Path) -> None:
    path = new_record(tmp_path)
    held = read_session_file(path)  # a command reads, then works for a while
    state.set_status(path, state.WAITING, state.APPROVAL, state.HOOK)
    held.name = "renamed"
    write_session_file(path, held)
    after = read_session_file(path)
    assert (after.name, after.status.value, after.waiting_reason) == (
        "renamed",
        state.WAITING,
        state.APPROVAL,
    )


def test_a_status_the_command_changed_is_written_whole(tmp_path: Path) -> None:
    path = new_record(tmp_path)
    held = read_session_file(path)
    state.set_status(path, state.WAITING, state.INPUT, state.HOOK)
    held.set_status(Status.EXITED, StatusSource.PROCESS)  # close
    write_session_file(path, held)
    data = state.load(path)
    assert data is not None
    assert (data["status"], data["waiting_reason"], data["status_source"]) == (
        state.EXITED,
        None,
        state.PROCESS,
    )


@pytest.mark.parametrize(
    ("base", "mine", "theirs", "merged"),
    [
        ({"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 1, "b": 3}, {"a": 2, "b": 3}),
        ({"a": 1}, {"a": 2}, {"a": 3}, {"a": 2}),
        ({"a": 1}, {"a": 1}, {"a": 3, "c": 4}, {"a": 3, "c": 4}),
        ({"a": 1, "gone": 1}, {"a": 1}, {"a": 5, "gone": 1}, {"a": 5}),
        (
            {"t": {"w": 1, "p": 1}},
            {"t": {"w": 2, "p": 1}},
            {"t": {"w": 1, "p": 3}},
            {"t": {"w": 2, "p": 3}},
        ),
        ({"l": [1]}, {"l": [1, 2]}, {"l": [1, 3]}, {"l": [1, 2]}),
        # Fields that change together are taken together: no status from one, reason from the other.
        (
            {"status": "processing", "waiting_reason": None},
            {"status": "exited", "waiting_reason": None},
            {"status": "waiting", "waiting_reason": "input"},
            {"status": "exited", "waiting_reason": None},
        ),
    ],
)
def test_merge_changes(
    base: dict[str, object], mine: dict[str, object], theirs: dict[str, object], merged: object
) -> None:
    assert jsonfile.merge_changes(base, mine, theirs, ("status", "waiting_reason")) == merged


def test_a_killed_holder_frees_the_lock_and_a_live_one_times_out(tmp_path: Path) -> None:
    ready = _fork.Event()

    def holder() -> None:
        with jsonfile.FolderLock(tmp_path):
            ready.set()
            time.sleep(600)

    process = _fork.Process(target=holder)
    process.start()
    assert ready.wait(timeout=60)
    with pytest.raises(TimeoutError), jsonfile.FolderLock(tmp_path, timeout=0.2):
        pass
    assert process.pid is not None
    os.kill(process.pid, signal.SIGKILL)
    process.join(timeout=60)
    with jsonfile.FolderLock(tmp_path, timeout=30), jsonfile.FolderLock(tmp_path, timeout=0):
        pass  # taken, and taken again inside (re-entrant)


def test_a_lock_held_too_long_is_one_sentence_for_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = new_record(tmp_path)
    record = read_session_file(path)
    ready = _fork.Event()
    folders = [path.parent, registry.entry_path("x").parent]
    folders[1].mkdir(parents=True, exist_ok=True)

    def holder() -> None:
        with jsonfile.FolderLock(folders[0]), jsonfile.FolderLock(folders[1]):
            ready.set()
            time.sleep(600)

    process = _fork.Process(target=holder)
    process.start()
    try:
        assert ready.wait(timeout=60)
        monkeypatch.setattr(jsonfile, "LOCK_TIMEOUT", 0.2)
        with pytest.raises(SessionFileError, match="stayed locked by another q-tmux process"):
            write_session_file(path, record)
        with pytest.raises(QTmuxError, match="Could not change the session registry"):
            registry.remove("x")
        assert state.set_status(path, state.WAITING, state.INPUT, state.HOOK) is None
    finally:
        process.kill()
        process.join(timeout=60)


def status_hammer(path: Path, stop: Event) -> None:
    """Hook-like status writes, back to back, until told to stop."""
    round_ = 0
    while not stop.is_set():
        status = (state.PROCESSING, None) if round_ % 2 else (state.WAITING, state.INPUT)
        state.set_status(path, status[0], status[1], state.HOOK)
        round_ += 1


def test_rename_close_and_resume_keep_their_changes_while_hooks_write(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    qtmux.ok("new", "n0", "--detach", cwd=repo, env={"Q_STANDIN_DELAY": "0"})
    work = repo.parent / "app.worktrees" / "n0"
    path = session_file_path(work)
    stop = _fork.Event()
    hammer_process = _fork.Process(target=status_hammer, args=(path, stop))
    hammer_process.start()
    try:
        for number in range(1, 5):
            qtmux.ok("rename", f"n{number - 1}", f"n{number}", cwd=repo)
            record = read_session_file(path)
            assert (record.name, record.worktree_info.branch) == (f"n{number}", f"n{number}")
        for _ in range(3):
            qtmux.ok("close", "n4", cwd=repo)
            assert read_session_file(path).tmux.window_id is None
            qtmux.ok("resume", "n4", "--detach", cwd=repo)
            windows = server.cmd("list-windows", "-a", "-F", "#{window_id}").stdout
            assert read_session_file(path).tmux.window_id in windows
    finally:
        stop.set()
        hammer_process.join(timeout=60)
    assert read_session_file(path).name == "n4"
