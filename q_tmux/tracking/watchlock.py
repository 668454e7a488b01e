"""Whether the tmux server's watcher runs, and starting it when it does not.

The watcher holds an exclusive lock on one file per server for its whole
life; probing that lock costs microseconds, so hooks can afford it.
"""

from __future__ import annotations

import fcntl
import os
import sys

from q_tmux.adapters import tmuxcmd
from q_tmux.store import xdg


def lock_path(socket: str) -> str:
    return os.path.join(xdg.state_dir(), "watchers", socket.strip("/").replace("/", "%") + ".lock")


def acquire(socket: str) -> int | None:
    """Take the server's watcher lock; its file descriptor, or None when a watcher holds it."""
    path = lock_path(socket)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def watcher_command(socket: str) -> list[str]:
    """The command line of ``socket``'s watcher (started here, re-executed by itself)."""
    return [sys.executable, "-m", "q_tmux.tracking.watcher", socket]


def ensure_running(socket: str) -> None:
    """Start the watcher for ``socket`` unless one already runs."""
    fd = acquire(socket)
    if fd is None:
        return
    os.close(fd)  # the watcher takes the lock itself; a racing second one just exits
    tmuxcmd.spawn_detached(watcher_command(socket))
