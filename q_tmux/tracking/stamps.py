"""Whether a file changed since it was last read, told by one ``stat``; branch tips read so.

The watcher looks at the same files every second: the session files, the
registry, every live session's base and branch tips. Almost always nothing
changed; a ``stat`` says so for a tenth of what opening and reading the file
costs. Standard library only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from q_tmux.adapters import refs

#: What changes whenever a file is written: (inode, size, modification time in ns).
StatKey = tuple[int, int, int]
#: A file whose change time is this close to now is read again even when its stat says
#: "unchanged": a second write within the clock's granularity could keep the same stamp.
FRESH_SECONDS = 2.0
#: Ref files remembered at most (a few per live session).
MAX_REMEMBERED = 4096


def stat_key(path: str) -> StatKey | None:
    """What changes whenever ``path`` is written (inode, size, change time); None when absent."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def unchanged(known: StatKey | None, now: StatKey | None, clock: float) -> bool:
    """Whether what was read at stamp ``known`` still holds for a file stamped ``now``.

    Writers replace files whole (a new inode) or rewrite them (a new time), so an
    equal stamp means the same content, unless the file was written too recently
    for its time to tell two writes apart (``clock`` is the current wall time).
    """
    return known is not None and known == now and clock - now[2] / 1e9 > FRESH_SECONDS


class Tips:
    """Branch tips (``refs/heads/BRANCH``, loose or packed), each read again only when its
    ref file, or the packed-refs file it came from, changed since the last look.

    Answers as :func:`q_tmux.adapters.refs.read_branch` does, reading the files with its
    :func:`~q_tmux.adapters.refs.loose_ref` and :func:`~q_tmux.adapters.refs.packed_refs`.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        #: By loose ref file: (its stamp, the commit it names, or None when not a commit).
        self._loose: dict[str, tuple[StatKey, str | None]] = {}
        #: By git directory: (packed-refs' stamp, the refs it names).
        self._packed: dict[str, tuple[StatKey, dict[str, str]]] = {}
        #: How many files the last looks opened (for the tests).
        self.reads = 0

    def read(self, common_dir: str, branch: str) -> str | None:
        """The commit ``branch`` points at in the git directory ``common_dir``, or None."""
        ref = f"refs/heads/{branch}"
        path = os.path.join(common_dir, ref)
        now = self.clock()
        key = stat_key(path)
        if key is not None:
            known = self._loose.get(path)
            if known is None or not unchanged(known[0], key, now):
                if len(self._loose) >= MAX_REMEMBERED:  # a watcher runs for days
                    self._loose.clear()
                try:
                    known = (key, self._read_loose(path))
                except FileNotFoundError:  # gone since its stamp: packed, perhaps
                    known = None
                else:
                    self._loose[path] = known
            if known is not None:
                return known[1]  # the loose file wins, whatever it holds
        self._loose.pop(path, None)
        if refs.uses_reftable(common_dir):
            return None
        return self._packed_refs(common_dir, now).get(ref)

    def look(self) -> Callable[[str, str], str | None]:
        """:meth:`read` for one look at many sessions: each ref is looked at once, however
        many of them name it (they mostly share their base)."""
        answers: dict[tuple[str, str], str | None] = {}

        def read(common_dir: str, branch: str) -> str | None:
            if (common_dir, branch) not in answers:
                answers[common_dir, branch] = self.read(common_dir, branch)
            return answers[common_dir, branch]

        return read

    def forget(self) -> None:
        """Drop everything remembered (ref files of branches long gone, say)."""
        self._loose.clear()
        self._packed.clear()

    def _read_loose(self, path: str) -> str | None:
        self.reads += 1
        return refs.loose_ref(path)

    def _packed_refs(self, common_dir: str, now: float) -> dict[str, str]:
        path = os.path.join(common_dir, "packed-refs")
        key = stat_key(path)
        if key is None:
            self._packed.pop(common_dir, None)
            return {}
        known = self._packed.get(common_dir)
        if known is not None and unchanged(known[0], key, now):
            return known[1]
        self.reads += 1
        found = refs.packed_refs(path)
        if found is None:  # unreadable: read again next time
            return {}
        self._packed[common_dir] = (key, found)
        return found
