"""``git rev-list --left-right --count``: commits on each side of two commits, written once.

Both :meth:`q_tmux.adapters.git.History.ahead_behind` and the watcher ask it;
like :mod:`q_tmux.adapters.merge_tree` it imports nothing and runs nothing
itself (the caller passes its own runner), so the watcher stays light.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # collections.abc would cost the standard-library conflicts path its own time
    from collections.abc import Callable


def arguments(base: str, tip: str) -> list[str]:
    """git's arguments to count the commits only ``base`` has, then those only ``tip`` has."""
    return ["rev-list", "--left-right", "--count", f"{base}...{tip}"]


def parse(stdout: str) -> tuple[int, int] | None:
    """(ahead, behind) of the tip from rev-list's answer; None when it is not two numbers."""
    fields = stdout.split()
    if len(fields) != 2 or not all(field.isdigit() for field in fields):
        return None
    behind, ahead = (int(field) for field in fields)
    return ahead, behind


def ahead_behind(
    repo_root: str, base: str, tip: str, run: Callable[[str, list[str]], tuple[int, str]]
) -> tuple[int, int] | None:
    """Commits ``tip`` has that ``base`` lacks, and the other way round; None when git fails."""
    return answer(*run(*command(repo_root, base, tip)))


def command(repo_root: str, base: str, tip: str) -> tuple[str, list[str]]:
    """The program and arguments that count them in ``repo_root``, for a runner."""
    return "git", ["-C", repo_root, *arguments(base, tip)]


def answer(returncode: int, stdout: str) -> tuple[int, int] | None:
    """What git's exit status and output say: (ahead, behind), or None when it failed."""
    return parse(stdout) if returncode == 0 else None
