"""Unit tests for sessions/workspace.py: finding a workspace's repositories and checking them."""

from __future__ import annotations

from pathlib import Path

import pytest

from q_tmux.adapters.git import Repo
from q_tmux.errors import QTmuxError, UsageError
from q_tmux.sessions.workspace import (
    WorkspaceRepo,
    check_layout,
    find_repositories,
    nested_repository,
    select,
    starts,
)
from tests.conftest import git, make_repo


def member(root: Path, relative: str) -> WorkspaceRepo:
    return WorkspaceRepo(relative, Repo.discover(root / relative))


def test_repositories_are_found_two_folders_deep_skipping_what_is_not_yours(
    tmp_path: Path,
) -> None:
    for relative in (
        "frontend",
        "services/api",
        "services/deep/too-deep",  # three folders down
        "node_modules/dep",
        "build/out",
        ".hidden/tool",
        "frontend.worktrees/feat",  # q-tmux's own worktrees beside a repository
    ):
        make_repo(tmp_path / relative)
    make_repo(tmp_path / "frontend" / "vendored")  # inside a repository: not descended into
    (tmp_path / "notes").mkdir()
    (tmp_path / "file.txt").write_text("not a folder\n")

    found = find_repositories(tmp_path)

    assert [m.relative for m in found] == ["frontend", "services/api"]
    assert [m.name for m in found] == ["frontend", "api"]
    assert found[1].repo.toplevel == (tmp_path / "services" / "api").resolve()


def test_an_empty_folder_has_no_repositories(tmp_path: Path) -> None:
    assert find_repositories(tmp_path) == []


def test_a_dot_git_that_git_cannot_read_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken" / ".git").mkdir(parents=True)
    with pytest.raises(QTmuxError, match=r"broken has a \.git but git cannot read it"):
        find_repositories(tmp_path)


@pytest.fixture
def members(tmp_path: Path) -> list[WorkspaceRepo]:
    for relative in ("frontend", "services/api", "tools/api"):
        make_repo(tmp_path / relative)
    return find_repositories(tmp_path)


def test_select_by_path_or_folder_name_once_each_sorted(members: list[WorkspaceRepo]) -> None:
    assert select(members, ()) == members
    chosen = select(members, ("tools/api/", "frontend", "frontend"))
    assert [m.relative for m in chosen] == ["frontend", "tools/api"]


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ("api", "--repo 'api' could be services/api and tools/api; give its path."),
        (
            "backend",
            "There is no repository 'backend' in this workspace "
            "(it has: frontend, services/api, tools/api).",
        ),
    ],
)
def test_select_refuses_an_unknown_or_ambiguous_name(
    members: list[WorkspaceRepo], wanted: str, message: str
) -> None:
    with pytest.raises(UsageError) as refused:
        select(members, (wanted,))
    assert str(refused.value) == message


def test_layout_refuses_two_checkouts_of_one_repository(tmp_path: Path) -> None:
    make_repo(tmp_path / "app")
    git(tmp_path / "app", "worktree", "add", "-q", str(tmp_path / "copy"), "-b", "other")
    found = find_repositories(tmp_path)
    assert [m.relative for m in found] == ["app", "copy"]
    with pytest.raises(UsageError, match="app and copy are checkouts of the same repository"):
        check_layout(found)


def test_layout_refuses_paths_that_differ_only_in_case(tmp_path: Path) -> None:
    make_repo(tmp_path / "Api")
    make_repo(tmp_path / "api")
    if len(find_repositories(tmp_path)) < 2:
        pytest.skip("this filesystem folds case")
    with pytest.raises(UsageError, match="Api and api would collide"):
        check_layout(find_repositories(tmp_path))


def test_layout_refuses_an_untracked_repository_inside_one(tmp_path: Path) -> None:
    make_repo(tmp_path / "app")
    make_repo(tmp_path / "app" / "libs" / "inner")
    app = member(tmp_path, "app")
    assert nested_repository(app) == "libs/inner"
    with pytest.raises(UsageError, match="app/libs/inner is a repository inside app"):
        check_layout([app])


def test_a_clean_layout_passes(tmp_path: Path) -> None:
    make_repo(tmp_path / "a", {"README.md": "a\n", "src/x.py": "x\n"})
    make_repo(tmp_path / "b")
    (tmp_path / "b" / "untracked-dir").mkdir()
    (tmp_path / "b" / "untracked-dir" / "f").write_text("f\n")
    check_layout(find_repositories(tmp_path))  # raises nothing


def test_each_repository_starts_from_the_asked_base_else_its_own_current_branch(
    tmp_path: Path,
) -> None:
    make_repo(tmp_path / "a")
    make_repo(tmp_path / "b")
    git(tmp_path / "b", "checkout", "-q", "-b", "topic")
    found = find_repositories(tmp_path)

    assert [(s.member.relative, s.base_branch) for s in starts(found, None)] == [
        ("a", "main"),
        ("b", "topic"),
    ]
    assert [s.base_branch for s in starts(found, "refs/heads/main")] == ["main", "main"]
    assert [s.base_branch for s in starts(found, None, base_of=lambda _repo: "main")] == [
        "main",
        "main",
    ]
    head = git(tmp_path / "a", "rev-parse", "main").strip()
    assert starts(found, None)[0].base_oid == head


def test_starts_refuse_a_detached_head_a_missing_base_or_no_commits(tmp_path: Path) -> None:
    make_repo(tmp_path / "a")
    git(tmp_path / "a", "checkout", "-q", "--detach")
    found = find_repositories(tmp_path)
    with pytest.raises(UsageError, match="HEAD is detached in a"):
        starts(found, None)
    with pytest.raises(UsageError, match="There is no local branch 'nope' in a "):
        starts(found, "nope")
    (tmp_path / "empty").mkdir()
    git(tmp_path / "empty", "init", "-q")
    with pytest.raises(QTmuxError, match="The repository empty has no commits yet"):
        starts([member(tmp_path, "empty")], "main")
