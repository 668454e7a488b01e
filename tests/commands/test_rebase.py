"""A session based on another session's branch: kept alive when the parent merges, and
moved by hand with ``q-tmux rebase NAME --onto BRANCH``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands.test_merge import branch_exists, oid, session_with_commits
from tests.conftest import QTmux, git, session_json, worktree


def commit_file(work: Path, path: str, content: str) -> None:
    (work / path).write_text(content)
    git(work, "add", path)
    git(work, "commit", "-q", "-m", f"change {path}")


def test_merging_a_parent_moves_its_childs_base_to_where_the_parent_went(
    qtmux: QTmux, repo: Path
) -> None:
    parent = session_with_commits(qtmux, repo, "parent", {"p.txt": "p\n"})
    qtmux.ok("new", "child", "--detach", cwd=parent)  # `new` inside a session: based on it
    child = worktree(repo, "child")
    assert session_json(child)["worktree_info"]["base_branch"] == "parent"
    commit_file(child, "c.txt", "c\n")
    result = qtmux.ok("merge", "parent", "--yes", cwd=repo)
    assert "Session 'child' was based on 'parent': its base is now main." in result.stdout
    assert not branch_exists(repo, "parent")
    assert session_json(child)["worktree_info"]["base_branch"] == "main"
    qtmux.ok("sync", "child", cwd=repo)
    qtmux.ok("merge", "child", "--yes", cwd=repo)
    assert (repo / "p.txt").read_text() == "p\n"
    assert (repo / "c.txt").read_text() == "c\n"


def test_rebase_onto_records_the_new_base_and_replays_the_branch(qtmux: QTmux, repo: Path) -> None:
    git(repo, "branch", "feature")
    qtmux.ok("new", "s", "--base", "feature", "--detach", cwd=repo)
    work = worktree(repo, "s")
    commit_file(work, "s.txt", "s\n")
    commit_file(repo, "m.txt", "main moved\n")
    (work / "wip.txt").write_text("the agent's uncommitted work\n")
    result = qtmux.ok("rebase", "s", "--onto", "main", cwd=repo)
    assert "is now based on main (was feature)" in result.stdout
    info = session_json(work)["worktree_info"]
    assert info["base_branch"] == "main"
    assert info["base_oid"] == oid(repo, "main")
    assert git(repo, "merge-base", "--is-ancestor", "main", "s") == ""
    assert (work / "m.txt").read_text() == "main moved\n"
    assert (work / "wip.txt").read_text() == "the agent's uncommitted work\n"
    assert git(work, "status", "--porcelain") == "?? wip.txt\n"
    qtmux.ok("merge", "s", "--yes", "--commit", cwd=repo)
    assert (repo / "s.txt").exists()


def test_rebase_that_would_conflict_changes_nothing(qtmux: QTmux, repo: Path) -> None:
    git(repo, "branch", "feature")
    qtmux.ok("new", "s", "--base", "feature", "--detach", cwd=repo)
    work = worktree(repo, "s")
    commit_file(work, "README.md", "session\n")
    commit_file(repo, "README.md", "main\n")
    tip, before = oid(repo, "s"), session_json(work)
    result = qtmux("rebase", "s", "--onto", "main", cwd=repo)
    assert result.returncode == 1
    assert "stops on conflicts in README.md; nothing was changed." in result.stderr
    assert oid(repo, "s") == tip
    assert session_json(work)["worktree_info"] == before["worktree_info"]
    assert git(work, "status", "--porcelain") == ""
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rebase", "s", "--onto", "nope"], "There is no branch 'nope' in"),
        (["rebase", "s", "--onto", "s"], "'s' is the branch of session 's' itself."),
        (["rebase", "s", "--onto", "kid"], "a session cannot be based on its own descendant"),
        (["rebase", "ghost", "--onto", "main"], "There is no session named 'ghost'"),
        (["rebase", "here", "--onto", "main"], "has no branch of its own to rebase"),
        (["rebase", "s"], "Missing option '--onto'"),
    ],
)
def test_bad_rebase_requests_change_nothing(
    qtmux: QTmux, repo: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    session_with_commits(qtmux, repo, "s", {"s.txt": "s\n"})
    qtmux.ok("new", "kid", "--detach", cwd=worktree(repo, "s"))
    plain = tmp_path / "plain"
    plain.mkdir()
    qtmux.ok("new", "here", "--no-worktree", "--detach", cwd=plain)
    tip = oid(repo, "s")
    result = qtmux(*args, cwd=repo)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert oid(repo, "s") == tip
    assert session_json(worktree(repo, "s"))["worktree_info"]["base_branch"] == "main"
