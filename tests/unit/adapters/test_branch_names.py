"""Branch names and HEAD files read without running git: never a different answer than git's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from q_tmux.adapters.git import Repo, head_file_branch, plainly_valid_branch
from tests.conftest import git, make_repo

NAMES = [
    "fix-login",
    "feature/fix-login",
    "a/b/c",
    "v1.2",
    "UPPER_case-9",
    "x",
    "a..b",
    "a.",
    "a.lock",
    "a/b.lock/c",
    ".hidden",
    "a/.b",
    "-dash",
    "a//b",
    "a/",
    "/a",
    "HEAD",
    "@",
    "a@{b",
    "with space",
    "tab\tname",
    "a~1",
    "a^",
    "a:b",
    "a?",
    "a*",
    "a[b",
    "back\\slash",
    "naïve",
    "a/-b",
    "a/_b",
    "_a",
    "lock.lock.x",
]


@pytest.mark.parametrize("name", NAMES)
def test_a_plainly_valid_name_is_one_git_accepts(name: str, tmp_path: Path) -> None:
    accepted = (
        subprocess.run(
            ["git", "check-ref-format", "--branch", name], capture_output=True
        ).returncode
        == 0
    )
    if plainly_valid_branch(name):
        assert accepted, name
    if name in ("fix-login", "feature/fix-login", "a/b/c", "v1.2", "UPPER_case-9", "x"):
        assert plainly_valid_branch(name)  # the usual names need no git at all


@pytest.mark.parametrize(
    ("line", "branch"),
    [
        ("ref: refs/heads/main", "main"),
        ("ref: refs/heads/feature/x", "feature/x"),
        ("0123456789abcdef0123456789abcdef01234567", ""),
        ("ref: refs/heads/.invalid", None),  # the reftable format's placeholder
        ("ref: refs/remotes/origin/main", None),
        ("garbage", None),
        (None, None),
    ],
)
def test_head_file_branch(line: str | None, branch: str | None) -> None:
    assert head_file_branch(line) == branch


def test_current_branch_agrees_with_git(tmp_path: Path) -> None:
    repo_path = make_repo(tmp_path / "r")
    repo = Repo.discover(repo_path)
    assert repo.current_branch() == git(repo_path, "symbolic-ref", "--short", "HEAD").strip()
    git(repo_path, "checkout", "-q", "-b", "feature/x")
    assert repo.current_branch() == "feature/x"
    git(repo_path, "checkout", "-q", "--detach")
    assert repo.current_branch() is None


def test_head_commit_from_files_agrees_with_git_or_leaves_it_to_git(tmp_path: Path) -> None:
    from q_tmux.adapters.git import _worktree_git_dir, head_commit_from_files

    main = make_repo(tmp_path / "r")
    repo = Repo.discover(main)

    def read(worktree: Path) -> str | None:
        git_dir = _worktree_git_dir(worktree, repo.common_dir)
        assert git_dir is not None
        return head_commit_from_files(git_dir, repo.common_dir)

    head = git(main, "rev-parse", "HEAD").strip()
    assert read(main) == head  # a loose branch
    git(main, "pack-refs", "--all")
    assert read(main) == head  # a packed one
    other = tmp_path / "other"
    git(main, "worktree", "add", "-q", "-b", "side", str(other))
    (other / "new.txt").write_text("new\n")
    git(other, "add", "new.txt")
    git(other, "commit", "-q", "-m", "side")
    assert read(other) == git(other, "rev-parse", "HEAD").strip()  # a linked worktree
    git(other, "checkout", "-q", "--detach", "HEAD~1")
    assert read(other) == head  # detached
    git(main, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
    git(main, "checkout", "-q", "alias")
    assert read(main) is None  # a symbolic branch: git answers
    git(main, "checkout", "-q", "--orphan", "unborn")
    assert read(main) is None  # no commit yet: git answers (and says so)
