"""The hot path's one way to start programs (adapters/tmuxcmd.py): spawn, exec, attach."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from q_tmux.adapters import tmuxcmd
from q_tmux.tracking import watcher, watchlock
from tests.conftest import wait_for


class Replaced(Exception):
    """Raised instead of exec'ing: the test's process stays itself."""


@pytest.fixture
def exec_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake_execvp(path: str, argv: list[str]) -> None:
        calls.append([path, *argv])
        raise Replaced

    monkeypatch.setattr(os, "execvp", fake_execvp)
    return calls


def test_run_program_captures_stdout_and_the_exit_status() -> None:
    assert tmuxcmd.run_program("sh", ["-c", "echo out; echo err >&2; exit 4"]) == (4, "out\n")
    assert tmuxcmd.run_program("qt-no-such-program", []) == (127, "")


def test_run_program_kills_what_does_not_finish() -> None:
    code, _ = tmuxcmd.run_program("sleep", ["30"], timeout=0.2)
    assert code == -9


def test_spawn_detached_starts_a_program_in_its_own_session(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write = f"import os; open({str(out)!r}, 'w').write(f'{{os.getsid(0)}} {{os.getpid()}}')"
    tmuxcmd.spawn_detached([sys.executable, "-c", write])
    wait_for(lambda: out.exists() and out.read_text(), what="the detached program to write")
    sid, pid = out.read_text().split()
    assert sid == pid  # setsid: it leads its own session, away from our terminal


def test_attach_execs_a_tmux_client(exec_calls: list[list[str]]) -> None:
    with pytest.raises(Replaced):
        tmuxcmd.attach("/tmp/sock", "$3")
    tmux = tmuxcmd.find("tmux")
    assert tmux is not None
    assert exec_calls == [[tmux, tmux, "-S", "/tmp/sock", "attach-session", "-t", "$3"]]


def test_the_watcher_carries_on_as_new_code(
    exec_calls: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watcher, "_code_version", lambda: (2,))
    with pytest.raises(Replaced):
        watcher.watch(watcher.Watcher("/tmp/sock"), (1,), "1:1")
    command = watchlock.watcher_command("/tmp/sock")
    assert command[0] == sys.executable
    assert command[1:3] == ["-I", "-S"]  # never "-m": it would import from the starting folder
    assert "from q_tmux.tracking.watcher import main" in command[-2]
    assert command[-1] == "/tmp/sock"
    assert exec_calls == [[sys.executable, *command]]


def test_the_watcher_watches_the_vocabulary_for_upgrades() -> None:
    # The hot path's tmux words changing is an upgrade the watcher must restart for.
    before = watcher._code_version()
    vocabulary = Path(tmuxcmd.__file__).with_name("tmux_vocabulary.py")
    stat = vocabulary.stat()
    os.utime(vocabulary, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    try:
        assert watcher._code_version() != before
    finally:
        os.utime(vocabulary, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_run_programs_starts_every_one_before_waiting_for_any(tmp_path: Path) -> None:
    """The first waits for a file only the last makes: run in turn, it would time out."""
    from q_tmux.adapters.tmuxcmd import run_programs

    flag = tmp_path / "flag"
    waiting = f'while [ ! -e "{flag}" ]; do sleep 0.01; done; echo seen'
    answers = run_programs(
        [("sh", ["-c", waiting]), ("no-such-program-q-tmux", []), ("touch", [str(flag)])],
        timeout=30,
    )
    assert answers == [(0, "seen\n"), (127, ""), (0, "")]


def test_run_programs_kills_what_outlives_the_timeout() -> None:
    from q_tmux.adapters.tmuxcmd import run_programs

    answers = run_programs([("sleep", ["30"]), ("echo", ["quick"])], timeout=2)
    assert answers == [(-9, ""), (0, "quick\n")]
