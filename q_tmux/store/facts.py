"""Facts about commits, computed once and kept: one JSON file per repository.

What ``list``, ``conflicts`` and the merge preview show about a branch (ahead
and behind its base, predicted conflicts with the base and with other
sessions, the files it changed) depends only on commits. Each fact is kept
under a key made of the commit ids it was computed from, so a key never goes
stale: when a tip moves, the new tip makes a new key, which is computed then.
The branch tips themselves are read fresh each time (from the ref files).

Standard library only: the watcher writes here too. Writes are atomic (temp
file and rename) and merge with what another writer saved meanwhile, under
the folder's lock; the last writer wins per key. A file that cannot be read
is ignored, and rewritten by the next save.
"""

from __future__ import annotations

import os

from q_tmux.store import jsonfile, xdg

try:  # hashlib would load OpenSSL too, a fifth of a Python start, for a digest it never uses
    from _blake2 import blake2b
except ImportError:  # an interpreter without CPython's own module
    from hashlib import blake2b

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeGuard

#: Keys kept per repository; the oldest go first (a tip that moved leaves its old keys behind).
MAX_FACTS = 4000
VERSION = 1


def facts_path(repo_root: str) -> str:
    """The file of the repository at ``repo_root``."""
    digest = blake2b(os.path.abspath(repo_root).encode(), digest_size=10).hexdigest()
    return os.path.join(xdg.state_dir(), "facts", f"{digest}.json")


def key(kind: str, *commits: str) -> str:
    """A fact's key: what it is, and the commits (or other fixed inputs) it was computed from."""
    return ":".join((kind, *commits))


def prediction_fact(clean: bool, tree: str | None, conflicts: Any) -> dict[str, Any]:
    """How a merge prediction is kept, under ``key("predict", ours, theirs)``."""
    return {"clean": clean, "tree": tree, "conflicts": list(conflicts)}


def is_prediction(value: Any) -> bool:
    """Whether ``value`` is a kept merge prediction (see :func:`prediction_fact`)."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("clean"), bool)
        and (value.get("tree") is None or isinstance(value.get("tree"), str))
        and isinstance(value.get("conflicts"), list)
        and all(isinstance(path, str) for path in value["conflicts"])
    )


def is_diff_stat(value: Any) -> TypeGuard[list[list[Any]]]:
    """Whether ``value`` is a kept diff stat: a [path, added, deleted] per file, the counts
    None for a binary file (a bool is no count here)."""
    return isinstance(value, list) and all(
        isinstance(row, list)
        and len(row) == 3
        and isinstance(row[0], str)
        and all(n is None or (isinstance(n, int) and not isinstance(n, bool)) for n in row[1:])
        for row in value
    )


def is_counts(value: Any) -> bool:
    """Whether ``value`` is a kept [ahead, behind]."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value)
    )


class FactStore:
    """The facts of one repository, read once; new ones are written back by :meth:`save`.

    With ``refresh``, nothing already known is returned: everything asked is
    computed again (and saved over the old fact).
    """

    def __init__(self, repo_root: str, *, refresh: bool = False) -> None:
        self.path = facts_path(repo_root)
        self.refresh = refresh
        self._known: dict[str, Any] | None = None
        self._new: dict[str, Any] = {}

    def _load(self) -> dict[str, Any]:
        if self._known is None:
            data = jsonfile.load_object(self.path)
            facts = data.get("facts") if data and data.get("version") == VERSION else None
            self._known = facts if isinstance(facts, dict) else {}
        return self._known

    def get(self, fact: str) -> Any:
        """The fact stored under ``fact``, or None when it is not known (or refreshing)."""
        if fact in self._new:
            return self._new[fact]
        return None if self.refresh else self._load().get(fact)

    def put(self, fact: str, value: Any) -> None:
        """Keep ``value`` (JSON) under ``fact``; written by :meth:`save`."""
        self._new[fact] = value

    def save(self) -> None:
        """Write the new facts, merged into whatever the file holds now; never raises."""
        if not self._new:
            return
        folder = os.path.dirname(self.path)
        try:
            os.makedirs(folder, exist_ok=True)
            with jsonfile.FolderLock(folder, timeout=2.0):
                data = jsonfile.load_object(self.path)
                facts = data.get("facts") if data and data.get("version") == VERSION else None
                merged: dict[str, Any] = facts if isinstance(facts, dict) else {}
                for fact, value in self._new.items():
                    merged.pop(fact, None)  # re-inserted last: the newest survive pruning
                    merged[fact] = value
                for fact in list(merged)[: max(0, len(merged) - MAX_FACTS)]:
                    del merged[fact]
                jsonfile.write_atomic(self.path, {"version": VERSION, "facts": merged}, cache=True)
        except (OSError, TimeoutError):
            return  # a cache: what was not saved is computed again next time
        self._known, self._new = merged, {}
