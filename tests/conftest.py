"""Fixtures: real git repositories in temp dirs, and q-tmux run against a test tmux server."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from libtmux.server import Server


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its stdout; fail the test on error."""
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def make_repo(path: Path, files: dict[str, str] | None = None) -> Path:
    """A repository at ``path`` on branch main with one commit."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for name, content in (files or {"README.md": "hello\n"}).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(content)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    return path


def worktree(repo: Path, name: str) -> Path:
    """Where ``new`` puts session ``name``'s worktree by default."""
    return repo.parent / "app.worktrees" / name


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "src" / "app")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


#: Set in a command's environment, it makes the command kill itself (merge crash tests):
#: such a run needs a process of its own.
KILL_SWITCH = "Q_TMUX_TEST_KILL_AFTER"


#: Set (to anything) in pytest's environment, every q-tmux call gets its own process again.
SUBPROCESS_ALWAYS = "Q_TMUX_TESTS_SUBPROCESS"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "subprocess: run q-tmux as a real process in this test (it tests the process itself)",
    )


class _CommandTimeout(BaseException):
    """Ends an in-process command that outlived its timeout (not an Exception: none catch it)."""


@dataclass
class QTmux:
    """Runs the real ``q-tmux`` CLI against the test's tmux server.

    In this process by default (its ``main`` with argv, cwd, environment and the
    standard streams set, each restored after): no interpreter start or imports
    per call. In a child process (``python -m q_tmux``) when ``in_process`` is
    False (the ``subprocess`` marker), when the command is told to kill itself,
    or when called from another thread (the process-wide state cannot be shared).
    """

    server: Server
    env: dict[str, str]
    in_process: bool = True

    def __call__(
        self,
        *args: str,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        socket: bool = True,
        timeout: float = 60,
    ) -> Result:
        argv = ["-L", str(self.server.socket_name)] if socket else []
        full_env = {**os.environ, **self.env, **(env or {})}
        if (
            self.in_process
            and KILL_SWITCH not in full_env
            and threading.current_thread() is threading.main_thread()
        ):
            return _run_in_process([*argv, *args], cwd, full_env, timeout)
        done = subprocess.run(
            [sys.executable, "-m", "q_tmux", *argv, *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.returncode == 0, f"q-tmux {' '.join(args)} failed: {result.stderr}"
        return result


def _stream() -> io.TextIOWrapper:
    """A text stream like a pipe's: not a terminal, with a binary ``buffer``."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", "replace")


def _run_in_process(
    args: list[str], cwd: Path | None, env: dict[str, str], timeout: float
) -> Result:
    """``q-tmux ARGS`` through its own entry point, as a child process would see it.

    What a command may change or read process-wide is set and put back: argv,
    the environment, the working folder, the standard streams, and the one
    module cache that depends on them (tmux's path, looked up on PATH).
    """
    from q_tmux.adapters import tmuxcmd
    from q_tmux.cli import entry

    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_argv = sys.argv
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    stdin, stdout, stderr = io.StringIO(""), _stream(), _stream()

    def expire(signum: int, frame: object) -> None:
        raise _CommandTimeout

    previous_handler = signal.signal(signal.SIGALRM, expire)
    try:
        os.environ.clear()
        os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        sys.argv = ["q-tmux", *args]
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        tmuxcmd._found.clear()
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            code = entry.main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except _CommandTimeout:
            pytest.fail(f"q-tmux {' '.join(args)} still ran after {timeout}s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        tmuxcmd._found.clear()
    return Result(code, _text(stdout), _text(stderr))


@pytest.fixture
def agent_log(tmp_path: Path) -> Path:
    """Every launch of the stand-in agent appends its argv and cwd here."""
    return tmp_path / "agent-launches.jsonl"


@pytest.fixture
def qtmux(server: Server, agent_log: Path, request: pytest.FixtureRequest) -> QTmux:
    return QTmux(
        server=server,
        env={"Q_STANDIN_LOG": str(agent_log), "Q_STANDIN_DELAY": "0.05"},
        in_process=request.node.get_closest_marker("subprocess") is None
        and not os.environ.get(SUBPROCESS_ALWAYS),
    )


def session_json(work_dir: Path) -> dict[str, Any]:
    """The session file q-tmux keeps in ``work_dir``."""
    data = json.loads((work_dir / ".amazonq" / "session.json").read_text())
    assert isinstance(data, dict)
    return data


def launches(agent_log: Path) -> list[dict[str, Any]]:
    if not agent_log.exists():
        return []
    return [json.loads(line) for line in agent_log.read_text().splitlines()]


def remove_folder(path: Path) -> None:
    """Remove ``path`` as a user would with ``rm -rf``, while its session may still write there.

    The watcher's atomic write of a session file can rename its temporary away
    between rmtree listing a folder and unlinking the file: that is no failure,
    so it goes on until the folder is gone.
    """

    def gone() -> bool:
        shutil.rmtree(path, ignore_errors=True)
        return not path.exists()

    wait_for(gone, what=f"{path} removed")


def wait_for(
    predicate: Callable[[], Any], timeout: float = 30, what: str | Callable[[], str] = "condition"
) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds.

    ``what`` describes the wait in the failure; a callable is asked at the end.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            pytest.fail(f"timed out after {timeout}s waiting for {described}")
        time.sleep(0.05)


def pane_text(server: Server, target: str) -> str:
    """The pane's screen and its history (tmux 3.3 scrolls a dead pane's screen into history)."""
    result = server.cmd("capture-pane", "-p", "-S", "-", "-t", target)
    return "\n".join(result.stdout)


#: The escape sequences a tmux client writes, to read its drawn text.
CLIENT_ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\(B|[=>])")


@dataclass
class Client:
    """A tmux client on a pseudo-terminal: what it drew so far, and a keyboard."""

    name: str
    chunks: list[bytes]
    controller: int

    def drawn(self) -> str:
        """Everything the client drew, escape sequences removed."""
        return CLIENT_ESCAPES.sub("", b"".join(list(self.chunks)).decode(errors="replace"))

    def type(self, keys: str) -> None:
        """Type ``keys`` at the terminal, as the user's keyboard would."""
        os.write(self.controller, keys.encode())


@contextmanager
def attached_client(server: Server, columns: int = 80, rows: int = 24) -> Iterator[Client]:
    """A tmux client on a pseudo-terminal ``columns`` by ``rows``, attached to ``server``."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    client = subprocess.Popen(
        ["tmux", "-L", str(server.socket_name), "attach"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, "TERM": "xterm"},
    )
    os.close(terminal)
    chunks: list[bytes] = []

    def read() -> None:
        try:
            while data := os.read(controller, 65536):
                chunks.append(data)
        except OSError:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        names = wait_for(
            lambda: server.cmd("list-clients", "-F", "#{client_name}").stdout,
            what="the client to attach",
        )
        yield Client(names[0], chunks, controller)
    finally:
        server.cmd("detach-client", "-a")
        server.cmd("detach-client")
        client.wait(timeout=10)
        os.close(controller)
        reader.join(timeout=2)


@contextmanager
def attached(server: Server, columns: int = 80) -> Iterator[list[bytes]]:
    """A tmux client on a pseudo-terminal ``columns`` wide; yields what it has drawn so far."""
    with attached_client(server, columns) as client:
        yield client.chunks


def rendered_status_right(server: Server, timeout: float = 30) -> str:
    """What a real client draws between ``<<`` and ``>>`` in its status line.

    Attaches a tmux client to a pseudo-terminal, waits (up to ``timeout``) until
    it has drawn a status line holding both markers, and reads what it drew with
    escape sequences removed.
    """
    with attached(server) as chunks:

        def drawn() -> list[str]:
            text = CLIENT_ESCAPES.sub("", b"".join(list(chunks)).decode(errors="replace"))
            return re.findall(r"<<(.*?)>>", text.split("[detached")[0])

        found = wait_for(drawn, timeout=timeout, what="a client to draw its status line")
    return str(found[0]).strip()


@pytest.fixture
def fake_q_tmux(tmp_path: Path) -> Path:
    """An executable standing in for the q-tmux command, for the plugin to find."""
    fake = tmp_path / "fake-bin" / "q-tmux"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    return fake


def registry_files(home: Path) -> list[Path]:
    return sorted((home / ".local/state/q-tmux/sessions").glob("*.json"))


@dataclass(frozen=True)
class Snapshot:
    """Everything a failed ``new`` must leave exactly as it found it."""

    branches: str
    worktrees: str
    status: str
    windows: tuple[str, ...]
    registry: tuple[str, ...]
    sibling_dirs: tuple[str, ...]


def snapshot(repo: Path, server: Server, home: Path) -> Snapshot:
    windows: tuple[str, ...] = ()
    if server.is_alive():
        windows = tuple(server.cmd("list-windows", "-a", "-F", "#{window_id}").stdout)
    return Snapshot(
        branches=git(repo, "branch", "--list"),
        worktrees=git(repo, "worktree", "list", "--porcelain"),
        status=git(repo, "status", "--porcelain", "--ignored"),
        windows=windows,
        registry=tuple(p.name for p in registry_files(home)),
        sibling_dirs=tuple(sorted(p.name for p in repo.parent.iterdir())),
    )


def watcher_running(server: Server) -> bool:
    """Whether ``server`` names a live watcher (read from the server, nothing taken)."""
    from q_tmux.adapters import tmux_vocabulary
    from q_tmux.tracking import watchlock

    return watchlock.running(tmux_vocabulary.socket_path(server.socket_name))
