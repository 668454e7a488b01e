"""``git diff --numstat``: the files a branch changed since it left its base, written once.

Both :meth:`q_tmux.adapters.git.History.changed_files` and the standard-library
``conflicts`` path ask it; like :mod:`q_tmux.adapters.counts` it imports
nothing and runs nothing itself (the caller passes its own runner).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

#: One changed file: its path, then lines added and deleted (None for a binary file).
Row = tuple[str, int | None, int | None]


def arguments(base: str, tip: str) -> list[str]:
    """git's arguments for what ``tip`` changed since its merge base with ``base``."""
    return ["diff", "--numstat", "-z", "--no-renames", f"{base}...{tip}"]


def parse(stdout: str) -> list[Row]:
    """The rows of ``--numstat -z`` output (renames are off, so one path per record)."""
    rows: list[Row] = []
    for record in stdout.split("\0"):
        if not record:
            continue
        added, deleted, path = record.split("\t", 2)
        rows.append(
            (path, None if added == "-" else int(added), None if deleted == "-" else int(deleted))
        )
    return rows


def changed_files(
    repo_root: str, base: str, tip: str, run: Callable[[str, list[str]], tuple[int, str]]
) -> list[Row] | None:
    """What ``tip`` changed since it left ``base``; None when git fails or answers oddly."""
    return answer(*run(*command(repo_root, base, tip)))


def command(repo_root: str, base: str, tip: str) -> tuple[str, list[str]]:
    """The program and arguments that list them in ``repo_root``, for a runner."""
    return "git", ["-C", repo_root, *arguments(base, tip)]


def answer(returncode: int, stdout: str) -> list[Row] | None:
    """What git's exit status and output say: the rows, or None when it failed or answered
    oddly."""
    if returncode != 0:
        return None
    try:
        return parse(stdout)
    except ValueError:  # not three tab-separated fields with numbers
        return None
