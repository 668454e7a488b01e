"""Reading a branch's commit straight from the git directory, with no process at all.

The watcher checks branch tips every few seconds; a file read costs
microseconds where ``git rev-parse`` costs milliseconds.
"""

from __future__ import annotations

import os


def read_branch(common_dir: str, branch: str) -> str | None:
    """The commit ``refs/heads/BRANCH`` points at (loose or packed), or None."""
    ref = f"refs/heads/{branch}"
    try:
        with open(os.path.join(common_dir, ref), encoding="ascii") as handle:
            value = handle.read().strip()
        return value if len(value) in (40, 64) else None
    except (OSError, UnicodeDecodeError):
        pass
    try:
        with open(os.path.join(common_dir, "packed-refs"), encoding="utf-8") as handle:
            for line in handle:
                oid, _, name = line.rstrip("\n").partition(" ")
                if name == ref:
                    return oid
    except (OSError, UnicodeDecodeError):
        pass
    return None


def common_dir_of(repo_root: str) -> str | None:
    """The git directory of a main work tree (``.git``), when it is a plain directory."""
    path = os.path.join(repo_root, ".git")
    return path if os.path.isdir(path) else None
