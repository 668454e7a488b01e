"""``close`` says what it keeps, for each kind of session."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import QTmux, worktree


def test_close_of_a_no_worktree_session_does_not_claim_a_worktree_or_branch(
    qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "look", "--no-worktree", "--detach", cwd=repo)
    result = qtmux.ok("close", "look", cwd=repo)
    assert "worktree and branch" not in result.stdout
    assert (
        result.stdout.strip() == f"Closed session 'look'; it ran in {repo} without a worktree "
        "or branch of its own, and its conversation is kept: 'q-tmux resume look' brings it back."
    )


def test_close_of_a_worktree_session_names_its_worktree_and_branch(
    qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "work", "--detach", cwd=repo)
    result = qtmux.ok("close", "work", cwd=repo)
    assert result.stdout.strip() == (
        "Closed session 'work'; its worktree and branch are kept "
        f"({worktree(repo, 'work')}, branch work): 'q-tmux resume work' brings it back."
    )
