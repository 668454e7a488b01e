"""JSON files, standard library only (hooks and the status line use it too).

Writes are atomic (readers see the old file or the new, never half), and every
read-modify-write of q-tmux's files holds :class:`FolderLock` on the folder
that holds them (a session's ``.amazonq``, the registry): one exclusive
``flock``, taken by hooks, the watcher and commands alike, so no writer can
write back what it read before another writer's update.
"""

from __future__ import annotations

import os
import time

from q_tmux.store.jsontext import compact, dumps, loads

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more to import than this module may spend
    from typing import Any

#: How long a writer waits for a lock before giving up (a holder keeps it for milliseconds).
LOCK_TIMEOUT = 10.0
_MISSING = object()
#: Folders this process holds the lock of, by (device, inode): fd and depth. flock locks
#: belong to an open file, so taking it again through a second descriptor would wait forever.
_held: dict[tuple[int, int], list[int]] = {}


def temporary_name_pattern(relative: str) -> str:
    """The glob every temporary of :func:`write_atomic` to ``relative`` (a ``/``-separated
    path) matches while it exists: hidden, beside the file."""
    directory, _, name = relative.rpartition("/")
    return f"{directory}/.{name}.*.tmp" if directory else f".{name}.*.tmp"


def write_atomic(
    path: str | os.PathLike[str],
    data: Any,
    *,
    make_parents: bool = True,
    cache: bool = False,
    durable: bool = True,
) -> None:
    """Write ``data`` as JSON to ``path`` so readers see the old file or the new, never half.

    With ``make_parents=False`` a missing directory raises FileNotFoundError
    instead of being made: status updates must never bring back a removed worktree.
    With ``cache``, what is written can be computed again: it is written compact
    (JSON's C encoder, several times faster than indenting) and not synced to disk.
    With ``durable=False`` it is not synced either: a killed process leaves it whole
    (the kernel has it), only a power cut may lose it.
    """
    target = os.fspath(path)
    directory, name = os.path.split(target)
    if make_parents:
        os.makedirs(directory or ".", exist_ok=True)
    # As temporary_name_pattern says: hidden, beside the file.
    temporary = os.path.join(directory, f".{name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # Without importing json (see q_tmux.store.jsontext): hooks write session files.
            if cache:
                handle.write(compact(data))
            else:
                handle.write(dumps(data, indent=2, ensure_ascii=False))
            handle.write("\n")
            handle.flush()
            if durable and not cache:
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise


def remove_with_empty_folder(path: str | os.PathLike[str]) -> None:
    """Remove ``path`` (gone already is fine), then its folder when nothing else is left there."""
    try:  # noqa: SIM105 - contextlib is one more import for the hook
        os.unlink(path)
    except FileNotFoundError:
        pass
    try:  # noqa: SIM105 - another file is still there
        os.rmdir(os.path.dirname(os.fspath(path)))
    except OSError:
        pass


def load_object(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when it is missing, unreadable or not an object."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = loads(handle.read())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class FolderLock:
    """``with FolderLock(folder):`` the exclusive lock on the files q-tmux keeps in ``folder``.

    The folder itself is locked (no lock file to hide from git or clean up); the
    kernel drops the lock when its holder exits, even on ``kill -9``. Re-entrant
    within a process. Raises FileNotFoundError when the folder is gone, and
    TimeoutError after ``timeout`` seconds of another process holding it.
    """

    __slots__ = ("folder", "key", "timeout")

    def __init__(self, folder: str | os.PathLike[str], timeout: float | None = None) -> None:
        self.folder = os.fspath(folder) or "."
        self.timeout = LOCK_TIMEOUT if timeout is None else timeout
        self.key = (0, 0)

    def __enter__(self) -> FolderLock:
        fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        info = os.fstat(fd)
        self.key = (info.st_dev, info.st_ino)
        held = _held.get(self.key)
        if held is not None:
            os.close(fd)
            held[1] += 1
            return self
        try:
            self._wait(fd)
        except BaseException:
            os.close(fd)
            raise
        _held[self.key] = [fd, 1]
        return self

    def _wait(self, fd: int) -> None:
        import fcntl  # here: readers that never lock do not load it

        deadline, pause = 0.0, 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                now = time.monotonic()
                if not deadline:
                    deadline = now + self.timeout
                elif now > deadline:
                    raise TimeoutError(
                        f"{self.folder} stayed locked by another q-tmux process "
                        f"for {self.timeout:g} s"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def __exit__(self, *_: object) -> None:
        held = _held[self.key]
        held[1] -= 1
        if held[1] == 0:
            del _held[self.key]
            os.close(held[0])  # closing the descriptor releases the lock


def merge_changes(base: Any, mine: Any, theirs: Any, together: tuple[str, ...] = ()) -> Any:
    """``theirs`` with the changes ``mine`` made to ``base`` (JSON values).

    A writer that read ``base`` long before it writes ``mine`` puts back only what
    it changed, so what another writer changed meanwhile (``theirs``) stays. Objects
    merge key by key (the top-level keys in ``together`` as one value); where both
    changed the same value, ``mine`` wins.
    """
    if mine == base:
        return theirs
    if theirs == base or not all(isinstance(v, dict) for v in (base, mine, theirs)):
        return mine
    groups = [together] if together else []
    groups += [(key,) for key in {**base, **mine, **theirs} if key not in together]
    merged = dict(theirs)
    for group in groups:
        old, new, other = ([d.get(key, _MISSING) for key in group] for d in (base, mine, theirs))
        if new == old:
            continue
        if len(group) == 1 and other != old:
            new = [merge_changes(old[0], new[0], other[0])]
        for key, value in zip(group, new, strict=True):
            if value is _MISSING:
                merged.pop(key, None)
            else:
                merged[key] = value
    return merged
