"""Reading a branch's commit straight from the git directory, with no process at all.

The watcher checks branch tips every few seconds; a file read costs
microseconds where ``git rev-parse`` costs milliseconds.
"""

from __future__ import annotations

import os


def read_branch(common_dir: str, branch: str) -> str | None:
    """The commit ``refs/heads/BRANCH`` points at, read from its loose or packed ref; None
    when the files do not say it plainly.

    That is: no such branch, a loose ref file holding something else (a symbolic
    ref: its packed line, if any, is stale), a packed ref naming an annotated tag
    (followed by its peeled line), or a repository in the reftable format.
    """
    ref = f"refs/heads/{branch}"
    try:
        return loose_ref(os.path.join(common_dir, ref))
    except FileNotFoundError:
        pass
    if uses_reftable(common_dir):
        return None
    return (packed_refs(os.path.join(common_dir, "packed-refs")) or {}).get(ref)


def loose_ref(path: str) -> str | None:
    """The object name a loose ref file holds; None when it is unreadable or holds
    something else (a symbolic ref). Raises FileNotFoundError when there is no such file:
    the ref may then be packed."""
    try:
        with open(path, encoding="ascii") as handle:
            value = handle.read().strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError):
        return None
    return value if is_object_name(value) else None


def packed_refs(path: str) -> dict[str, str] | None:
    """The refs a ``packed-refs`` file names, by name (the first line naming one wins, as
    git reads it), leaving out those followed by a peeled line (an annotated tag's object,
    not a commit); None when the file is missing or unreadable."""
    found: dict[str, str] = {}
    peeled: set[str] = set()
    name = ""
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("^"):
                    peeled.add(name)
                    continue
                oid, _, name = line.rstrip("\n").partition(" ")
                if is_object_name(oid):
                    found.setdefault(name, oid)
    except (OSError, UnicodeDecodeError):
        return None
    for name in peeled:
        found.pop(name, None)
    return found


def uses_reftable(common_dir: str) -> bool:
    """Whether the repository keeps its refs in the reftable format (no ref files to read)."""
    return os.path.isdir(os.path.join(common_dir, "reftable"))


def is_object_name(text: str) -> bool:
    """A full SHA-1 or SHA-256 object name, as git writes it (lower-case hex)."""
    return len(text) in (40, 64) and not text.strip("0123456789abcdef")  # 5x a loop over it


def common_dir_of(repo_root: str) -> str | None:
    """The git directory of a main work tree (``.git``), when it is a plain directory."""
    path = os.path.join(repo_root, ".git")
    return path if os.path.isdir(path) else None
