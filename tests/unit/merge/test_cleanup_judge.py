"""Unit tests for merge/cleanup.py's ``judge``: what removing a worktree and branch would lose.

Real tiny repositories with a worktree each; nothing is removed here, only judged.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from q_tmux.adapters.git import History, Repo, git_version
from q_tmux.merge.cleanup import judge
from tests.conftest import git, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "app", {"a.txt": "a\n"})


@pytest.fixture
def work(repo: Path) -> Path:
    """Session ``s``'s worktree on branch ``s``, made from main."""
    path = repo.parent / "app.worktrees" / "s"
    git(repo, "worktree", "add", "-q", "-b", "s", str(path), "main")
    return path


def history(repo: Path) -> History:
    return History(Repo.discover(repo), git_version())


def commit(where: Path, name: str, content: str) -> str:
    (where / name).write_text(content)
    git(where, "add", name)
    git(where, "commit", "-q", "-m", f"write {name}")
    return git(where, "rev-parse", "HEAD").strip()


def test_a_clean_worktree_on_a_merged_branch_loses_nothing(repo: Path, work: Path) -> None:
    commit(work, "b.txt", "b\n")
    git(repo, "merge", "-q", "--ff-only", "s")
    risk = judge(history(repo), work, "s", "main")
    assert not risk
    assert risk.reasons() == []


def test_commits_only_the_branch_holds_are_counted(repo: Path, work: Path) -> None:
    commit(work, "b.txt", "b\n")
    tip = commit(work, "c.txt", "c\n")

    risk = judge(history(repo), work, "s", "main")

    assert (risk.tip, risk.tip_commits, risk.head) == (tip, 2, None)
    assert risk.reasons() == ["branch s has 2 commit(s) not in main"]
    # Kept, the branch keeps them: removing the worktree alone loses nothing.
    assert not judge(history(repo), work, "s", "main", deleting_branch=False)


def test_another_ref_holding_the_commits_keeps_them(repo: Path, work: Path) -> None:
    tip = commit(work, "b.txt", "b\n")
    git(repo, "tag", "kept", tip)
    assert not judge(history(repo), work, "s", "main")


def test_a_squash_merged_branch_is_integrated(repo: Path, work: Path) -> None:
    commit(work, "b.txt", "b\n")
    commit(work, "c.txt", "c\n")
    git(repo, "merge", "-q", "--squash", "s")
    git(repo, "commit", "-q", "-m", "squashed s")
    assert not judge(history(repo), work, "s", "main").tip


def test_a_detached_head_with_commits_no_ref_holds(repo: Path, work: Path) -> None:
    git(work, "checkout", "-q", "--detach")
    head = commit(work, "d.txt", "d\n")

    risk = judge(history(repo), work, "s", "main")

    assert (risk.head, risk.head_commits, risk.head_detached, risk.tip) == (head, 1, True, None)
    assert risk.reasons() == [
        f"the detached HEAD of {work} ({head[:8]}) has 1 commit(s) that no branch or tag holds"
    ]


def test_uncommitted_files_count_but_the_session_file_does_not(repo: Path, work: Path) -> None:
    (work / ".amazonq").mkdir()
    (work / ".amazonq" / "session.json").write_text("{}\n")
    assert not judge(history(repo), work, "s", "main")

    (work / "a.txt").write_text("changed\n")
    (work / "new.txt").write_text("new\n")
    risk = judge(history(repo), work, "s", "main")
    assert sorted(risk.files) == ["a.txt", "new.txt"]
    assert risk.reasons()[0].startswith(f"uncommitted changes in {work} (")


def test_an_operation_in_progress_is_named(repo: Path, work: Path) -> None:
    commit(work, "a.txt", "theirs\n")
    commit(repo, "a.txt", "ours\n")
    stopped = subprocess.run(["git", "-C", str(work), "merge", "main"], capture_output=True)
    assert stopped.returncode != 0  # stopped on the conflict, merge under way

    risk = judge(history(repo), work, "s", "main", deleting_branch=False)

    assert (risk.operation, risk.files) == ("MERGE_HEAD", ["a.txt"])
    assert f"an operation in progress in {work} (MERGE_HEAD)" in risk.reasons()


def test_a_removed_worktree_leaves_only_the_branch_to_judge(repo: Path, work: Path) -> None:
    commit(work, "b.txt", "b\n")
    risk = judge(history(repo), None, "s", "main")
    assert risk.tip_commits == 1
    assert risk.files == []
    assert risk.head is None
