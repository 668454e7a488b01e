"""Reading a branch's commit straight from the git directory, with no process at all.

The watcher checks branch tips every few seconds; a file read costs
microseconds where ``git rev-parse`` costs milliseconds.
"""

from __future__ import annotations

import os


def read_branch(common_dir: str, branch: str) -> str | None:
    """The commit ``refs/heads/BRANCH`` points at (loose or packed), or None."""
    ref = f"refs/heads/{branch}"
    loose = loose_ref(os.path.join(common_dir, ref))
    if loose is not None:
        return loose
    return (packed_refs(os.path.join(common_dir, "packed-refs")) or {}).get(ref)


def loose_ref(path: str) -> str | None:
    """The object name a loose ref file holds; None when it is missing, unreadable or
    holds something else (a symbolic ref)."""
    try:
        with open(path, encoding="ascii") as handle:
            value = handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return value if len(value) in (40, 64) else None


def packed_refs(path: str) -> dict[str, str] | None:
    """The refs a ``packed-refs`` file names, by name (the first line naming one wins, as
    git reads it); None when the file is missing or unreadable."""
    found: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                oid, _, name = line.rstrip("\n").partition(" ")
                found.setdefault(name, oid)
    except (OSError, UnicodeDecodeError):
        return None
    return found


def common_dir_of(repo_root: str) -> str | None:
    """The git directory of a main work tree (``.git``), when it is a plain directory."""
    path = os.path.join(repo_root, ".git")
    return path if os.path.isdir(path) else None
