"""``git merge-tree --write-tree``: its arguments and its answer, written once.

Conflict prediction needs no working tree: git merges two commits in memory,
writes the resulting tree, and names the files it could not merge. Both
:meth:`q_tmux.adapters.git.History.predict` and the watcher ask it; the watcher
must stay standard-library only and light to import, so this module imports
nothing and runs nothing itself: the caller passes its own runner.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # collections.abc would cost the standard-library conflicts path its own time
    from collections.abc import Callable

#: ``merge-tree --write-tree`` arrived in git 2.38.
MERGE_TREE_GIT = (2, 38)

#: (clean, tree written, files in conflict): what merging two commits would give.
Answer = tuple[bool, str, list[str]]


def arguments(ours: str, theirs: str) -> list[str]:
    """git's arguments to merge ``theirs`` into ``ours`` in memory, names only, NUL-separated."""
    return ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs]


def parse(returncode: int, stdout: str) -> Answer | None:
    """merge-tree's exit status and output read back; None when git gave no answer.

    Status 0 is a clean merge, 1 a merge with conflicts; anything else (a git
    older than 2.38, an unknown commit) is no answer. The output is the tree,
    then with ``--name-only`` one conflicted file name per field.
    """
    fields = [field for field in stdout.split("\0") if field]
    if returncode not in (0, 1) or not fields:
        return None
    return returncode == 0, fields[0], fields[1:]


def ask(
    repo_root: str, ours: str, theirs: str, run: Callable[[str, list[str]], tuple[int, str]]
) -> Answer | None:
    """merge-tree's answer (see :func:`parse`) for merging ``theirs`` into ``ours``.

    ``run(program, args)`` returns (exit status, stdout).
    """
    return parse(*run(*command(repo_root, ours, theirs)))


def command(repo_root: str, ours: str, theirs: str) -> tuple[str, list[str]]:
    """The program and arguments that merge them in ``repo_root``, for a runner."""
    return "git", ["-C", repo_root, *arguments(ours, theirs)]


def merged_commit_arguments(tree: str, base: str, merged_first: str) -> list[str]:
    """git's arguments to write ``tree`` as ``merged_first`` merged into ``base``.

    Predicting what a second merge would give needs the first as a commit; any
    identity will do, as the commit is never shown and no ref keeps it.
    """
    return [
        *("-c", "user.name=q-tmux", "-c", "user.email=q-tmux@localhost"),
        *("commit-tree", tree, "-p", base, "-p", merged_first),
        *("-m", "q-tmux: conflict prediction"),
    ]


def merged_commit(
    repo_root: str,
    tree: str,
    base: str,
    merged_first: str,
    run: Callable[[str, list[str]], tuple[int, str]],
) -> str | None:
    """The commit :func:`merged_commit_arguments` writes; None when git fails."""
    returncode, stdout = run(
        "git", ["-C", repo_root, *merged_commit_arguments(tree, base, merged_first)]
    )
    commit = stdout.strip()
    return commit if returncode == 0 and commit else None


def conflicts_in(
    repo_root: str, ours: str, theirs: str, run: Callable[[str, list[str]], tuple[int, str]]
) -> list[str] | None:
    """The files merging ``theirs`` into ``ours`` in ``repo_root`` would conflict in.

    ``run(program, args)`` returns (exit status, stdout). None when git cannot
    say (too old, or no answer).
    """
    answer = ask(repo_root, ours, theirs, run)
    return None if answer is None else answer[2]
