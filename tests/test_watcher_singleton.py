"""One watcher per tmux server, whatever state folders its callers use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.store.record import Reason, Source, Status
from q_tmux.store.registry import RegistryEntry, add
from q_tmux.store.session_file import (
    AgentInfo,
    SessionRecord,
    WorktreeInfo,
    session_file_path,
    write_session_file,
)
from q_tmux.tracking import watchlock
from tests.conftest import wait_for

WATCHER = "q_tmux.tracking.watcher"


def watcher_pids(socket: str) -> list[int]:
    """Every live (not zombie) watcher process of the server at ``socket``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as handle:
                state = handle.read().rpartition(")")[2].split()[0]
        except OSError:
            continue
        wanted = [word.encode() for word in watchlock.watcher_command(socket)[1:]]
        if argv[1:-1] == wanted and state != "Z":
            found.append(int(entry))
    return sorted(found)


def named_pid(socket: str) -> int | None:
    """The pid of the live watcher the server names, if any."""
    name = watchlock.named(socket)
    return int(name.partition(":")[0]) if name and watchlock.alive(name) else None


@pytest.fixture
def socket(server: Server) -> Iterator[str]:
    """A server with one live q-tmux agent window, so its watcher stays; its watchers end after."""
    server.new_session("main", window_command="sleep 300")
    socket = str(server.cmd("display-message", "-p", "-t", "main:", "#{socket_path}").stdout[0])
    server.cmd("set-option", "-w", "-t", "main:", "@q-tmux-id", "agent-1")
    yield socket
    for pid in watcher_pids(socket):
        os.kill(pid, 9)
    while True:  # reap the watchers this test process started
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                break
        except ChildProcessError:
            break


def state_folder(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))


def register_agent(socket: str, work_dir: Path) -> None:
    """Register the window's agent in the current state folder, waiting for input."""
    record = SessionRecord(
        id="agent-1",
        name="agent",
        agent=AgentInfo(preset="q", command=["q"], resume_command=["q"]),
        worktree_info=WorktreeInfo(path=str(work_dir), owns_worktree=False),
    )
    record.set_status(Status.WAITING, Source.HOOK, Reason.INPUT)
    record.tmux.socket = socket
    write_session_file(session_file_path(work_dir), record)
    add(RegistryEntry(id=record.id, name=record.name, work_dir=str(work_dir)))


def ticked(server: Server) -> None:
    """Wait until a watcher has looked at the server: it marked the agent's window."""

    def mark() -> str:
        return "".join(server.cmd("show-option", "-wqv", "-t", "main:", "@q-tmux-mark").stdout)

    wait_for(mark, timeout=30, what="a watcher to mark the agent's window")


def started(socket: str) -> int:
    """Wait until the server names a live watcher; its pid."""
    pid = wait_for(lambda: named_pid(socket), timeout=30, what="the watcher to claim the server")
    assert isinstance(pid, int)
    return pid


def test_five_state_folders_give_one_server_one_watcher(
    socket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over 100 watchers were seen on one test server: one per state folder."""
    for n in range(5):  # at once: none of them has claimed the server yet
        state_folder(monkeypatch, tmp_path / f"state-{n}")
        watchlock.ensure_running(socket)
    wait_for(
        lambda: len(watcher_pids(socket)) == 1,
        timeout=30,
        what=lambda: f"one watcher, not {len(watcher_pids(socket))}",
    )
    assert watcher_pids(socket) == [started(socket)]
    state_folder(monkeypatch, tmp_path / "state-late")
    assert watchlock.ensure_running(socket) is None  # named and live: none started
    assert len(watcher_pids(socket)) == 1


def test_a_state_folder_made_again_does_not_start_a_second_watcher(
    socket: str, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_folder(monkeypatch, tmp_path / "state")
    register_agent(socket, tmp_path / "work")
    watchlock.ensure_running(socket)
    ticked(server)  # the watcher runs and holds the server
    shutil.rmtree(tmp_path / "state")
    watchlock.ensure_running(socket)  # the folder is made again
    watchlock.ensure_running(socket)
    wait_for(
        lambda: len(watcher_pids(socket)) == 1,
        timeout=30,
        what=lambda: f"one watcher, not {len(watcher_pids(socket))}",
    )
    assert watcher_pids(socket) == [started(socket)]


def test_killing_the_watcher_lets_the_next_call_start_exactly_one(
    socket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_folder(monkeypatch, tmp_path / "state")
    first = watchlock.ensure_running(socket)
    assert first is not None
    assert started(socket) == first
    os.kill(first, 9)
    os.waitpid(first, 0)  # gone, and reaped
    assert not watchlock.running(socket)  # still named, but dead
    second = watchlock.ensure_running(socket)
    assert second is not None
    assert started(socket) == second != first
    assert watcher_pids(socket) == [second]


def test_a_watcher_that_finds_another_named_exits(
    socket: str, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_folder(monkeypatch, tmp_path / "a")
    register_agent(socket, tmp_path / "work")
    watchlock.ensure_running(socket)
    ticked(server)
    first = started(socket)
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "b")}
    done = subprocess.run([sys.executable, "-m", WATCHER, socket], env=env, timeout=30, check=False)
    assert done.returncode == 0
    assert watcher_pids(socket) == [first] == [named_pid(socket)]


@pytest.mark.parametrize("stale", ["1:0", "999999999:5", "7", "#(touch {marker})"])
def test_a_dead_or_foreign_name_is_replaced(
    socket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stale: str
) -> None:
    marker = tmp_path / "ran"
    server_value = stale.format(marker=marker)
    assert (
        subprocess.run(
            ["tmux", "-S", socket, "set-option", "-g", "@q-tmux-watcher", server_value], check=False
        ).returncode
        == 0
    )
    state_folder(monkeypatch, tmp_path / "state")
    pid = watchlock.ensure_running(socket)
    assert started(socket) == pid
    assert not marker.exists()  # the stale value was never run as a format


def test_the_token_names_one_process_for_its_life() -> None:
    me = watchlock.token(os.getpid())
    assert watchlock.alive(me)
    pid, _, started_at = me.partition(":")
    assert started_at.isdigit()
    assert not watchlock.alive(f"{pid}:{int(started_at) + 1}")  # a reused pid
    for garbage in ("", "x", ":", "0:0", "-1:2", f"{pid}", f"{pid}:x", "#{pid}:1"):
        assert not watchlock.alive(garbage)
    child = subprocess.Popen(["/bin/sh", "-c", "exit 0"])
    try:
        token = watchlock.token(child.pid)

        def zombie() -> bool:
            with open(f"/proc/{child.pid}/stat") as handle:
                return handle.read().rpartition(")")[2].split()[0] == "Z"

        wait_for(zombie, what="the child to exit")
        assert not watchlock.alive(token)  # exited, not yet reaped
    finally:
        child.wait()
    assert not watchlock.alive(token)


def test_no_server_names_no_watcher_and_starts_none(tmp_path: Path) -> None:
    gone = str(tmp_path / "no-such-socket")
    assert watchlock.named(gone) is None
    assert not watchlock.running(gone)
    assert watchlock.ensure_running(gone) is None
    assert not watchlock.claim(gone, watchlock.token(os.getpid()))


def test_the_plugins_publish_from_two_state_folders_starts_one_watcher(
    socket: str, server: Server, tmp_path: Path
) -> None:
    """What the plugin runs on tmux events, from shells whose XDG_STATE_HOME differ."""
    for folder in ("a", "b", "a", "b"):
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")},
            "XDG_STATE_HOME": str(tmp_path / folder),
        }
        argv = [sys.executable, "-m", "q_tmux", "-L", str(server.socket_name)]
        done = subprocess.run([*argv, "status-line", "--publish"], env=env, timeout=60, check=False)
        assert done.returncode == 0
    wait_for(
        lambda: len(watcher_pids(socket)) == 1,
        timeout=30,
        what=lambda: f"one watcher, not {len(watcher_pids(socket))}",
    )
    assert watcher_pids(socket) == [started(socket)]
