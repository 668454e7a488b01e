"""The git facade asks each question once where it may (a preview), and not at all where the
answer is plain from the folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from q_tmux.adapters import git as git_adapter
from q_tmux.adapters import process
from q_tmux.adapters.git import Repo, remembering
from tests.conftest import git, make_repo


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    seen: list[list[str]] = []
    real = process.run

    def counting(program: str, args: list[str], **kwargs: object) -> process.Completed:
        seen.append([program, *args])
        return real(program, args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(process, "run", counting)
    return seen


def test_within_remembering_a_repository_is_found_and_listed_once(
    tmp_path: Path, runs: list[list[str]]
) -> None:
    root = make_repo(tmp_path / "app", {"a.txt": "a\n"})
    with remembering():
        first = Repo.discover(root)
        again = Repo.discover(root)
        assert first.worktrees() == again.worktrees()
    assert (again.toplevel, again.common_dir) == (first.toplevel, first.common_dir)
    assert len([r for r in runs if "--show-toplevel" in r]) == 1
    assert len([r for r in runs if "worktree" in r]) == 1
    Repo.discover(root)  # outside the block git is asked again
    assert len([r for r in runs if "--show-toplevel" in r]) == 2


def test_a_changing_git_command_forgets_the_worktree_list(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app", {"a.txt": "a\n"})
    with remembering():
        repo = Repo.discover(root)
        assert len(repo.worktrees()) == 1
        repo.git_ok("branch", "other", doing="make a branch")
        repo.add_worktree(tmp_path / "other", "other")
        assert len(repo.worktrees()) == 2
    assert git_adapter._answers is None


def test_no_git_runs_for_a_folder_in_no_repository(tmp_path: Path, runs: list[list[str]]) -> None:
    (tmp_path / "plain" / "deeper").mkdir(parents=True)
    assert Repo.enclosing(tmp_path / "plain" / "deeper") is None
    assert runs == []


def test_the_enclosing_repository_is_found_from_a_folder_inside_it(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app", {"a.txt": "a\n"})
    (root / "sub").mkdir()
    found = Repo.enclosing(root / "sub")
    assert found is not None
    assert found.toplevel == Path(git(root, "rev-parse", "--show-toplevel").strip())
