"""The planning logic of cleanup and rm, without git or tmux: milliseconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from q_tmux.adapters.git import CommitOid
from q_tmux.merge.cleanup import Risk, Selection, covers, merged_for_real, restore_hint

BASE, START, OWN, BEFORE = (CommitOid(c * 40) for c in "abcd")


class Ancestry:
    """A history: START is where the session began, OWN a commit of its own, BEFORE older."""

    def __init__(self, integrated: bool) -> None:
        self.integrated = integrated

    def is_ancestor(self, older: CommitOid, newer: CommitOid) -> bool:
        return older == newer or (older, newer) in {(BEFORE, START), (START, BASE)}

    def is_integrated(self, tip: CommitOid, base: CommitOid) -> bool:
        return self.integrated or self.is_ancestor(tip, base)


@pytest.mark.parametrize(
    ("tip", "recorded", "integrated", "merged"),
    [
        (START, START, True, False),  # never worked on: kept, it can be resumed
        (BEFORE, START, True, False),  # reset to before its start: no work of its own
        (OWN, START, True, True),  # its commit is in the base: merged for real
        (OWN, START, False, False),  # its commit is not in the base
        (BASE, None, True, False),  # an old record without a base commit, at the base
        (OWN, None, True, True),
        (None, START, True, False),  # no branch any more
    ],
)
def test_merged_only_when_the_base_holds_commits_of_its_own(
    tip: CommitOid | None, recorded: str | None, integrated: bool, merged: bool
) -> None:
    assert merged_for_real(Ancestry(integrated), tip, BASE, recorded) is merged


def test_no_base_is_never_merged() -> None:
    assert not merged_for_real(Ancestry(True), OWN, None, START)


ROOT = Path("/src/app")
WORKSPACE = Path("/src/shop")


@pytest.mark.parametrize(
    ("cwd", "root", "scope", "work_dir", "members", "here"),
    [
        (ROOT, ROOT, ROOT, Path("/src/app.worktrees/s"), None, True),
        (ROOT / "sub", ROOT, ROOT, Path("/src/app.worktrees/s"), None, True),
        (Path("/src/lib"), Path("/src/lib"), ROOT, Path("/src/app.worktrees/s"), None, False),
        # run inside the session's own folder
        (Path("/src/app.worktrees/s/x"), ROOT, ROOT, Path("/src/app.worktrees/s"), None, True),
        # a no-worktree session in a folder above the repository is not this repository's
        (ROOT, ROOT, Path("/src"), None, None, False),
        (Path("/src"), Path("/src"), Path("/src"), None, None, True),
        (Path("/home"), Path("/home"), Path("/src"), None, None, False),
        # a workspace session: in its folder, or in one of its repositories
        (WORKSPACE, WORKSPACE, WORKSPACE, Path("/src/shop.worktrees/w"), [], True),
        (
            WORKSPACE / "frontend",
            WORKSPACE / "frontend",
            WORKSPACE,
            Path("/src/shop.worktrees/w"),
            [WORKSPACE / "frontend"],
            True,
        ),
        (ROOT, ROOT, WORKSPACE, Path("/src/shop.worktrees/w"), [WORKSPACE / "frontend"], False),
    ],
)
def test_which_sessions_are_here(
    cwd: Path,
    root: Path,
    scope: Path,
    work_dir: Path | None,
    members: list[Path] | None,
    here: bool,
) -> None:
    assert covers(root, cwd, scope, work_dir, members) is here


def test_a_risk_names_every_piece_of_work() -> None:
    assert not Risk(Path("/w"))
    risk = Risk(
        Path("/w"),
        branch="feat",
        base_branch="main",
        tip=OWN,
        tip_commits=2,
        head=BEFORE,
        head_commits=1,
        head_detached=True,
        files=[f"f{n}" for n in range(7)],
        operation="MERGE_HEAD",
    )
    assert risk
    assert risk.reasons() == [
        "uncommitted changes in /w (f0, f1, f2, f3, f4 …)",
        "an operation in progress in /w (MERGE_HEAD)",
        "branch feat has 2 commit(s) not in main",
        f"the detached HEAD of /w ({BEFORE[:8]}) has 1 commit(s) that no branch or tag holds",
    ]


def test_restore_hints() -> None:
    assert restore_hint("head", "s1", "refs/x") == (
        "head kept in refs/x (git branch s1 refs/x brings it back)"
    )
    assert "git checkout refs/x -- ." in restore_hint("files", "s1", "refs/x")


def test_no_selector_means_merged_and_orphans() -> None:
    assert Selection.default_if_empty(False, None, False) == Selection(True, None, True)
    assert Selection.default_if_empty(False, 0, False) == Selection(False, 0, False)
