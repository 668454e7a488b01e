"""new on odd repositories: a line break in the path, bare repositories, submodules."""

from __future__ import annotations

from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.adapters.git import Repo
from q_tmux.errors import NotARepositoryError, UsageError
from tests.conftest import QTmux, git, make_repo, registry_files


def assert_refused(result_stderr: str, returncode: int, says: str) -> None:
    assert returncode != 0
    assert says in result_stderr
    assert "Traceback" not in result_stderr
    assert result_stderr.count("\n") == 1  # one sentence


@pytest.mark.parametrize("no_worktree", [False, True])
def test_a_line_break_in_the_repository_path_is_refused_not_taken_for_no_repository(
    qtmux: QTmux, tmp_path: Path, server: Server, isolated_env: Path, no_worktree: bool
) -> None:
    repo = make_repo(tmp_path / "two\nlines" / "app")
    args = ["new", "s1", "--detach", *(["--no-worktree"] if no_worktree else [])]
    result = qtmux(*args, cwd=repo)
    assert_refused(result.stderr, result.returncode, "has a line break in it")
    assert registry_files(isolated_env) == []
    assert not (repo / ".amazonq").exists()
    assert git(repo, "branch", "--list").split() == ["*", "main"]


def test_discover_refuses_a_line_break_and_still_finds_plain_repositories(tmp_path: Path) -> None:
    odd = make_repo(tmp_path / "a\nb")
    with pytest.raises(UsageError, match="line break"):
        Repo.discover(odd)
    plain = make_repo(tmp_path / "plain")
    assert Repo.discover(plain / ".").toplevel == plain
    with pytest.raises(NotARepositoryError):
        Repo.discover(tmp_path)


@pytest.mark.parametrize("inside", ["bare.git", "app/.git"])
def test_a_bare_repository_or_a_git_dir_is_refused_in_one_sentence(
    qtmux: QTmux, tmp_path: Path, server: Server, isolated_env: Path, inside: str
) -> None:
    git(tmp_path, "init", "-q", "--bare", "bare.git")
    make_repo(tmp_path / "app")
    for extra in ([], ["--no-worktree"]):
        result = qtmux("new", "s1", "--detach", *extra, cwd=tmp_path / inside)
        assert_refused(result.stderr, result.returncode, "bare repository or inside a git")
    assert registry_files(isolated_env) == []
    assert not server.is_alive() or server.cmd("list-windows", "-a").stdout == []


def test_a_submodules_sessions_go_beside_its_working_folder(
    qtmux: QTmux, tmp_path: Path, isolated_env: Path
) -> None:
    library = make_repo(tmp_path / "library")
    top = make_repo(tmp_path / "top")
    git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib")
    git(top, "commit", "-q", "-m", "add lib")
    sub = top / "lib"
    qtmux.ok("new", "s1", "--detach", cwd=sub)
    first = top / "lib.worktrees" / "s1"
    assert git(first, "symbolic-ref", "--short", "HEAD").strip() == "s1"
    assert git(top, "status", "--porcelain") == ""  # hidden from the superproject
    # Started from inside that session's worktree (a linked worktree of the submodule), too.
    qtmux.ok("new", "s2", "--detach", cwd=first)
    assert git(top / "lib.worktrees" / "s2", "symbolic-ref", "--short", "HEAD").strip() == "s2"
    modules = top / ".git" / "modules"
    assert sorted(p.name for p in modules.iterdir()) == ["lib"]
    assert Repo.discover(first).main_worktree == sub
