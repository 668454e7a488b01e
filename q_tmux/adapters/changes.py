"""Which files a branch and a worktree change (``git diff --numstat``, ``git status``), once.

The watcher gathers these for cross-session awareness; like
:mod:`q_tmux.adapters.merge_tree` this module imports nothing and runs nothing
itself (the caller passes its own runner), so the watcher stays light.
"""

from __future__ import annotations

from collections.abc import Callable

Run = Callable[[str, list[str]], tuple[int, str]]
#: (path, lines added, lines deleted); None for a binary file's counts.
Change = tuple[str, int | None, int | None]


def committed_arguments(base: str, tip: str) -> list[str]:
    """git's arguments for the files ``tip`` changed since it left ``base``, with line counts."""
    return ["diff", "--numstat", "-z", "--no-renames", f"{base}...{tip}"]


def parse_numstat(stdout: str) -> list[Change]:
    """``diff --numstat -z --no-renames`` read back: one (path, added, deleted) per file."""
    changes: list[Change] = []
    for record in stdout.split("\0"):
        if record.count("\t") < 2:
            continue
        added, deleted, path = record.split("\t", 2)
        changes.append(
            (path, None if added == "-" else int(added), None if deleted == "-" else int(deleted))
        )
    return changes


def status_arguments() -> list[str]:
    """git's arguments for a worktree's staged, modified and untracked files (no lock taken)."""
    return ["--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all"]


def parse_status(stdout: str) -> list[str]:
    """``status --porcelain=v1 -z`` read back: every path named, both sides of a rename."""
    paths: list[str] = []
    records = iter(stdout.split("\0"))
    for record in records:
        if len(record) < 4 or record[2] != " ":
            continue
        paths.append(record[3:])
        if record[0] in "RC":  # a rename's or copy's old path follows as a bare record
            old = next(records, "")
            if old:
                paths.append(old)
    return paths


def committed(repo_root: str, base: str, tip: str, run: Run) -> list[Change] | None:
    """The files ``tip`` changed since it left ``base``; None when git fails."""
    returncode, stdout = run("git", ["-C", repo_root, *committed_arguments(base, tip)])
    return parse_numstat(stdout) if returncode == 0 else None


def uncommitted(worktree: str, run: Run) -> list[str] | None:
    """The staged, modified and untracked files of ``worktree``; None when git fails."""
    returncode, stdout = run("git", ["-C", worktree, *status_arguments()])
    return parse_status(stdout) if returncode == 0 else None
