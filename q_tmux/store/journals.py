"""Journals of the commands that change several things: ``new``, ``rename`` and ``sync``.

Before its first change such a command writes a small JSON in the state dir
naming what it is about to make, updates it after each step, and holds an
flock on a sibling lock file for as long as it runs. A journal whose lock
anyone can take belongs to a command that died (killed, power lost): the
kernel drops a dead process's locks. :func:`recover` finishes or undoes
each such job; ``new``, ``rename``, ``sync``, ``cleanup`` and ``doctor``
call it first, through :mod:`q_tmux.sessions.recovery`, which registers the
recovery of each kind (they live with their jobs: :mod:`q_tmux.sessions.create`,
:mod:`q_tmux.sessions.rename`, :mod:`q_tmux.merge.sync`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from q_tmux.errors import QTmuxError
from q_tmux.store import jsonfile, paths

try:  # hashlib would load OpenSSL, a good part of a Python start, for one digest of a name
    from _sha256 import sha256  # type: ignore[import-not-found, unused-ignore]  # CPython 3.11
except ImportError:
    try:
        from _sha2 import sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:  # CPython 3.12+ has _sha2; another interpreter, neither
        from hashlib import sha256  # type: ignore[assignment, no-redef, unused-ignore]

#: Tests: die by SIGKILL right after the named step (the merge's switch, shared).
KILL_SWITCH = "Q_TMUX_TEST_KILL_AFTER"


def step_done(step: str) -> None:
    """Tests end the process here when ``Q_TMUX_TEST_KILL_AFTER`` names this step."""
    if os.environ.get(KILL_SWITCH) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def journal_dir() -> Path:
    return paths.state_dir() / "journals"


@dataclass
class Intent:
    """A running command's journal; its lock file stays locked until :meth:`finish`.

    Used as ``with journal:``: the journal is dropped when the block ends, also on
    an error (the caller undid its steps), unless ``keep_on_error``: then the
    next :func:`recover` finishes the job.
    """

    path: Path
    data: dict[str, Any]
    lock_fd: int
    keep_on_error: bool = False

    def record(self, **values: Any) -> None:
        """Add what the command decided or made, before (or right after) it acts on it."""
        self.data.update(values)
        jsonfile.write_atomic(self.path, self.data)

    def record_unsynced(self, **values: Any) -> None:
        """:meth:`record`, not synced to disk: a kill keeps it, a power cut may lose it.

        For a step whose loss only makes recovery keep more (``new``'s: what the
        first, synced, write names is all it needs to undo the job without loss).
        """
        self.data.update(values)
        jsonfile.write_atomic(self.path, self.data, durable=False)

    def finish(self) -> None:
        """The job is whole (done or undone): drop the journal, then its lock."""
        if self.lock_fd < 0:
            return
        self.path.unlink(missing_ok=True)
        _release(self.path.with_suffix(".lock"), self.lock_fd)
        self.lock_fd = -1

    def __enter__(self) -> Intent:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None and self.keep_on_error:
            os.close(self.lock_fd)  # the journal stays for recover()
            self.lock_fd = -1
        self.finish()


def begin(kind: str, key: str, *, keep_on_error: bool = False, **data: Any) -> Intent:
    """Journal a ``kind`` job on ``key``; a second job on the same pair waits for the first."""
    path = journal_dir() / f"{kind}-{key}.json"
    fd = _lock(path.with_suffix(".lock"), wait=True)
    assert fd is not None
    journal = Intent(path, {"kind": kind, "key": key, **data}, fd, keep_on_error)
    try:
        journal.record()
    except BaseException:
        journal.finish()
        raise
    return journal


def _lock(path: Path, *, wait: bool) -> int | None:
    """An exclusive flock on ``path`` (made if missing); None when another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return None
        # The holder we waited for may have removed the file: lock the one on disk.
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _release(path: Path | None, fd: int) -> None:
    if path is not None:
        path.unlink(missing_ok=True)
    os.close(fd)


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[None]:
    """A short critical section shared by every q-tmux process (a lock in the state dir)."""
    digest = sha256(name.encode()).hexdigest()[:16]
    fd = _lock(journal_dir() / "locks" / f"{digest}.lock", wait=True)
    assert fd is not None
    try:
        yield
    finally:
        os.close(fd)  # the file stays: removing it would let a waiter lock a stale inode


def pending(kind: str) -> list[dict[str, Any]]:
    """The journals of ``kind`` on disk, running or abandoned (for name claims)."""
    found = []
    for path in sorted(journal_dir().glob(f"{kind}-*.json")):
        data = _read(path)
        if data:
            found.append(data)
    return found


#: How to finish or undo each kind of job: takes the journal, returns what was done.
Recovery = Callable[[dict[str, Any]], str]
_RECOVERIES: dict[str, Recovery] = {}


def recovers(kind: str) -> Callable[[Recovery], Recovery]:
    """Register the function that finishes or undoes abandoned ``kind`` jobs."""

    def register(function: Recovery) -> Recovery:
        _RECOVERIES[kind] = function
        return function

    return register


def recover(report: Callable[[str], None] | None = None) -> list[str]:
    """Finish or undo every job whose command died; one line per job, also given to ``report``.

    A job that cannot be settled keeps its journal (and is reported) for the next try.
    """
    done = []
    for path in sorted(journal_dir().glob("*.json")):
        lock = path.with_suffix(".lock")
        fd = _lock(lock, wait=False)
        if fd is None:
            continue  # its command is still running
        try:
            data = _read(path)
            recipe = _RECOVERIES.get(str(data.get("kind"))) if data else None
            if recipe is None:  # unreadable or unknown: nothing we could act on
                path.unlink(missing_ok=True)
                continue
            try:
                line = recipe(data)
            except QTmuxError as error:
                line = f"could not settle an interrupted {data['kind']}: {error}"
            else:
                path.unlink(missing_ok=True)
        finally:
            _release(lock if not path.exists() else None, fd)
        done.append(line)
        if report is not None:
            report(line)
    for lock in journal_dir().glob("*.lock"):  # a job killed before its first journal write
        if not lock.with_suffix(".json").exists():
            fd = _lock(lock, wait=False)
            if fd is not None and not lock.with_suffix(".json").exists():
                _release(lock, fd)
            elif fd is not None:
                os.close(fd)
    return done


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
