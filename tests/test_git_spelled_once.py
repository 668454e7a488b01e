"""git is spelled only in the git adapter (``q_tmux/adapters/``): every other module asks it.

Read from the source's syntax tree, in milliseconds: a call of ``.git(...)`` or
``.git_ok(...)``, a program run as ``("git", [args])``, or a string that is a
git subcommand's own name (``"merge-tree"``) outside the adapter is a spelling.
"""

from __future__ import annotations

import ast
from pathlib import Path

import q_tmux

PACKAGE = Path(q_tmux.__file__).parent
ADAPTERS = PACKAGE / "adapters"

#: Subcommands whose names are no English word, so a string equal to one is git being spelled.
SUBCOMMANDS = frozenset(
    {
        "cat-file",
        "check-ref-format",
        "cherry-pick",
        "commit-tree",
        "diff-tree",
        "for-each-ref",
        "hash-object",
        "ls-files",
        "ls-tree",
        "merge-base",
        "merge-tree",
        "read-tree",
        "rev-list",
        "rev-parse",
        "show-ref",
        "symbolic-ref",
        "update-ref",
        "write-tree",
    }
)

#: Modules still allowed to spell git outside the adapter: none since the one merge engine.
NOT_YET: frozenset[str] = frozenset()


def spellings(source: str) -> list[int]:
    """The lines of ``source`` where git is spelled."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and (_asks_repo(node) or _runs_git(node)):
            found.add(node.lineno)
        if isinstance(node, ast.Constant) and node.value in SUBCOMMANDS:
            found.add(node.lineno)
    return sorted(found)


def _asks_repo(call: ast.Call) -> bool:
    """``repo.git(...)`` or ``repo.git_ok(...)``: the adapter's raw door, used from outside."""
    return isinstance(call.func, ast.Attribute) and call.func.attr in ("git", "git_ok")


def _runs_git(call: ast.Call) -> bool:
    """``run("git", [...])``: git run with arguments (``find_program("git")`` has none)."""
    first = call.args[0] if call.args else None
    return len(call.args) >= 2 and isinstance(first, ast.Constant) and first.value == "git"


def test_the_detector_sees_each_way_of_spelling_git() -> None:
    source = (
        'repo.git("reset", "--keep")\n'
        'repo.git_ok("status", doing="x")\n'
        'run_program("git", ["status"])\n'
        'args = ["-C", root, "merge-tree"]\n'
        'find_program("git")\n'
        'say("git merge-tree is fast")\n'
    )
    assert spellings(source) == [1, 2, 3, 4]


def test_only_the_git_adapter_spells_git() -> None:
    spelled = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if ADAPTERS in path.parents:
            continue
        lines = spellings(path.read_text(encoding="utf-8"))
        if lines:
            spelled[path.relative_to(PACKAGE.parent).as_posix()] = lines
    outside = {name: lines for name, lines in spelled.items() if name not in NOT_YET}
    assert not outside, f"git spelled outside q_tmux/adapters (use the git adapter): {outside}"
    # A module that no longer spells git leaves the list: the figure to reach is none at all.
    assert set(spelled) == NOT_YET, (
        f"no longer spelling git, drop from NOT_YET: {NOT_YET - set(spelled)}"
    )
