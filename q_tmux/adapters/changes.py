"""Which files a worktree changes and has not committed (``git status``), spelled once.

The watcher gathers these for cross-session awareness (what a branch committed
is :mod:`q_tmux.adapters.numstat`'s); like
:mod:`q_tmux.adapters.merge_tree` this module imports nothing and runs nothing
itself (the caller passes its own runner), so the watcher stays light.
"""

from __future__ import annotations

from collections.abc import Callable

Run = Callable[[str, list[str]], tuple[int, str]]


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


def uncommitted(worktree: str, run: Run) -> list[str] | None:
    """The staged, modified and untracked files of ``worktree``; None when git fails."""
    returncode, stdout = run("git", ["-C", worktree, *status_arguments()])
    return parse_status(stdout) if returncode == 0 else None
