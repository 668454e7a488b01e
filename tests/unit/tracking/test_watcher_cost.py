"""What an idle watcher costs: no file read, and no check made, while nothing changed."""

from __future__ import annotations

import builtins
import os
import time
from pathlib import Path
from typing import Any

import pytest

from q_tmux.adapters import refs
from q_tmux.store.record import Checkout
from q_tmux.tracking import stamps, state, watcher
from q_tmux.tracking.status_line import SessionState
from tests.conftest import git, make_repo

SOCKET = "/tmp/q-tmux-test-socket"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file under a ``.git`` folder opened from now on."""
    seen: list[str] = []
    real = builtins.open

    def counting(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str) and "/.git/" in file:
            seen.append(file)
        return real(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting)
    return seen


def age(root: Path) -> None:
    """Date every ref file an hour back: past the window where a stamp cannot be trusted."""
    hour_ago = time.time() - 3600
    for folder, _, names in os.walk(root / ".git" / "refs"):
        for name in names:
            os.utime(os.path.join(folder, name), (hour_ago, hour_ago))


def session(root: Path, sid: str, branch: str) -> SessionState:
    return SessionState(
        id=sid,
        name=sid,
        status="waiting",
        reason="input",
        changed_at="t0",
        socket=SOCKET,
        preset="q",
        path=str(root / sid / "session.json"),
        checkouts=[Checkout(str(root), branch, "main")],
    )


def test_an_idle_conflict_check_opens_no_ref_file_that_did_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: list[str]
) -> None:
    root = make_repo(tmp_path / "app")
    for name in ("a", "b", "c"):
        git(root, "branch", name)
    age(root)
    asked: list[tuple[str, str]] = []

    def predict(repo_root: str, base: str, tip: str) -> list[str]:
        asked.append((base, tip))
        return []

    monkeypatch.setattr(watcher.Watcher, "merge_conflicts", staticmethod(predict))
    monkeypatch.setattr(state, "set_field", lambda path, name, value: None)
    ticker = watcher.Watcher(SOCKET)
    sessions = [session(root, f"s-{name}", name) for name in ("a", "b", "c")]
    ticker.check_conflicts(sessions)
    assert len(asked) == 3
    opened.clear()
    ticker.next_conflict_check = 0.0
    ticker.check_conflicts(sessions)
    assert opened == []  # six tips, none moved: not one ref file opened
    (root / "new.txt").write_text("new\n")
    git(root, "switch", "-q", "b")
    git(root, "add", "new.txt")
    git(root, "commit", "-qm", "b moves")
    ticker.next_conflict_check = 0.0
    ticker.check_conflicts(sessions)
    assert asked[-1] == (
        git(root, "rev-parse", "main").strip(),
        git(root, "rev-parse", "b").strip(),
    )
    assert len(asked) == 4  # only the moved pair is predicted again


def test_the_watcher_looks_for_an_upgrade_now_and_then_not_every_tick(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looks: list[int] = []

    def version() -> tuple[int, ...]:
        looks.append(1)
        return (1,)

    ticks = iter([(True, False)] * 8 + [(False, False)] * watcher.EMPTY_TICKS)
    monkeypatch.setattr(watcher, "_code_version", version)
    monkeypatch.setattr(watcher.Watcher, "tick", lambda self: next(ticks))
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    watcher.watch(watcher.Watcher(SOCKET), (1,), "1:1")
    assert looks == [1]  # eleven ticks within a second: one look at the code's files


# -- tips read by stamp ------------------------------------------------------------------------


def test_tips_agree_with_reading_the_ref_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app")
    git(root, "branch", "topic")
    git(root, "branch", "feature/x")
    common = str(root / ".git")
    tips = stamps.Tips()
    names = ["main", "topic", "feature/x", "missing"]
    assert [tips.read(common, n) for n in names] == [refs.read_branch(common, n) for n in names]
    git(root, "pack-refs", "--all")  # now only in packed-refs
    assert not (root / ".git" / "refs" / "heads" / "topic").exists()
    assert [tips.read(common, n) for n in names] == [refs.read_branch(common, n) for n in names]
    assert tips.read(common, "topic") is not None
    git(root, "branch", "-D", "topic")
    assert tips.read(common, "topic") is None


def test_a_ref_file_is_read_once_while_its_stamp_holds_and_again_when_it_moves(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "app")
    git(root, "branch", "topic")
    age(root)
    common = str(root / ".git")
    tips = stamps.Tips()
    first = tips.read(common, "topic")
    reads = tips.reads
    look = tips.look()
    assert [look(common, "topic") for _ in range(5)] == [first] * 5
    assert tips.reads == reads
    (root / "x.txt").write_text("x\n")
    git(root, "switch", "-q", "topic")
    git(root, "add", "x.txt")
    git(root, "commit", "-qm", "moves")
    moved = tips.read(common, "topic")
    assert moved == git(root, "rev-parse", "topic").strip() != first


def test_a_ref_written_just_now_is_read_again_whatever_its_stamp_says(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app")
    common = str(root / ".git")
    tips = stamps.Tips()  # the ref file was written within the clock's grain of now
    tips.read(common, "main")
    reads = tips.reads
    tips.read(common, "main")
    assert tips.reads == reads + 1


def test_an_idle_tick_reads_the_session_files_once_a_tick_that_changed_something_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from q_tmux.adapters.tmux_vocabulary import Pane
    from q_tmux.tracking import status_line
    from q_tmux.tracking.status_line import Snapshot
    from tests.unit.tracking.test_watcher_idle import add_session, write_record

    works = [add_session(tmp_path, f"s{n}") for n in range(3)]
    panes = {f"s{n}": Pane(f"s{n}", f"@{n}", f"%{n}", False, "100", "") for n in range(3)}
    monkeypatch.setattr(status_line, "snapshot", lambda socket: Snapshot(panes, {}, alive=True))
    pushed: list[list[str]] = []
    monkeypatch.setattr(
        status_line,
        "publish",
        lambda socket, snap, sessions: pushed.append([str(s.status) for s in sessions]),
    )
    ticker = watcher.Watcher(SOCKET)
    reads: list[int] = []
    real = ticker.files.sessions_on

    def counted(socket: str) -> list[SessionState]:
        reads.append(1)
        return real(socket)

    monkeypatch.setattr(ticker.files, "sessions_on", counted)
    ticker.tick()
    assert len(pushed) == 1
    reads.clear()
    ticker.tick()
    assert len(reads) == 1  # nothing changed since the last publish: no second look
    write_record(works[1], "s1", "processing")  # a hook writes between two ticks
    reads.clear()
    ticker.tick()
    assert len(reads) == 2
    assert sorted(pushed[-1]) == ["processing", "waiting", "waiting"]


def test_the_snapshot_reads_the_panes_and_the_options_line_that_ends_them() -> None:
    from q_tmux.adapters.tmux_vocabulary import SEPARATOR
    from q_tmux.tracking import status_line

    def pane(sid: str, command: str = "q") -> str:
        return SEPARATOR.join([sid, "@1", "%1", "0", "100", "", command, "main"])

    names = status_line._GLOBAL_FIELDS
    options = status_line._OPTIONS_MARK + SEPARATOR.join(f"v{i}" for i in range(len(names)))
    expected = {name: f"v{i}" for i, name in enumerate(names)}
    # A pane whose command happens to be named like the mark is still a pane.
    text = f"{pane('a')}\n{pane('b', 'q-tmux-options')}\n{options}\n"
    panes, found = status_line.parse_snapshot(text)
    assert sorted(panes) == ["a", "b"]
    assert found == expected
    assert status_line.parse_snapshot(f"{options}\n") == ({}, expected)
    panes, found = status_line.parse_snapshot(f"{pane('a')}\n")  # tmux printed no options
    assert list(panes) == ["a"]
    assert found == {}
    assert status_line.parse_snapshot("") == ({}, {})
