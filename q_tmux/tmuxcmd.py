"""A tiny standard-library runner (tmux, git) for the hot paths: hooks, status line, watcher.

They run on every agent turn or every fraction of a second; libtmux and
plumbum cost 50-100 ms each to import, and even :mod:`subprocess` costs more
than this file. Commands everywhere else go through :mod:`q_tmux.tmux`
(libtmux).
"""

from __future__ import annotations

import os
import select
import time

_found: dict[str, str | None] = {}
_SIGKILL = 9  # the signal module costs a hook ~5 ms to import


def find(program: str) -> str | None:
    """``program``'s path on PATH (remembered for the process's life)."""
    if program not in _found:
        _found[program] = None
        for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
            candidate = os.path.join(directory or ".", program)
            if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
                _found[program] = candidate
                break
    return _found[program]


def run(socket: str, *args: str, timeout: float = 5.0) -> tuple[int, str]:
    """Run ``tmux -S socket ARGS``; return its exit status and stdout (never raises)."""
    return run_program("tmux", ["-S", socket, *args], timeout=timeout)


def run_program(program: str, args: list[str], timeout: float = 5.0) -> tuple[int, str]:
    """Run ``program ARGS`` (no shell); its exit status and stdout, 127 when it cannot start.

    stderr is discarded; a program that does not finish within ``timeout`` is killed.
    """
    path = find(program)
    if path is None:
        return 127, ""
    reader, writer = os.pipe()
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        pid = os.posix_spawn(
            path,
            [path, *args],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 0),
                (os.POSIX_SPAWN_DUP2, writer, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2),
            ],
        )
    except OSError:
        os.close(reader)
        return 127, ""
    finally:
        os.close(writer)
        os.close(devnull)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([reader], [], [], remaining)[0]:
                os.kill(pid, _SIGKILL)
                break
            chunk = os.read(reader, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


def server_alive(socket: str) -> bool:
    return os.path.exists(socket) and run(socket, "list-sessions", "-F", "x")[0] == 0


def escape(text: str) -> str:
    """Make text from a name or a file inert in anything tmux renders: ``#`` becomes ``##``."""
    return text.replace("#", "##")


def socket_path(name: str | None = None) -> str:
    """The server's socket: ``-L name`` as tmux finds it, else the one we are in, else default."""
    if name is None:
        inside = os.environ.get("TMUX", "").split(",")[0]
        if inside:
            return inside
        name = "default"
    base = os.environ.get("TMUX_TMPDIR") or "/tmp"
    return os.path.join(base, f"tmux-{os.geteuid()}", name)
