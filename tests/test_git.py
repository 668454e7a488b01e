from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from q_tmux.adapters.git import CommitOid, Repo, parse_version, parse_worktree_list, require_git
from q_tmux.errors import NameInUseError, NotARepositoryError, ToolMissingError
from tests.conftest import git, make_repo


def fake_program(directory: Path, name: str, script: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_discover_main_and_linked_worktree(repo: Path, tmp_path: Path) -> None:
    main = Repo.discover(repo / ".")
    assert main.toplevel == repo
    assert not main.is_linked_worktree
    git(repo, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"))
    linked = Repo.discover(tmp_path / "side")
    assert linked.is_linked_worktree
    assert linked.common_dir == main.common_dir
    assert linked.main_worktree == repo
    assert linked.current_branch() == "side"


def test_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(NotARepositoryError, match="is not inside a git work tree"):
        Repo.discover(tmp_path)


def test_detached_head_has_no_current_branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    assert Repo.discover(repo).current_branch() is None


def test_repository_without_commits(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    git(tmp_path / "empty", "init", "-q")
    assert not Repo.discover(tmp_path / "empty").has_commits()


def test_create_branch_refuses_an_existing_one_and_delete_is_compare_and_swap(repo: Path) -> None:
    r = Repo.discover(repo)
    head = r.resolve_commit("HEAD")
    assert head is not None
    r.create_branch("topic", head, "test")
    assert r.branch_oid("topic") == head
    with pytest.raises(NameInUseError, match="already exists"):
        r.create_branch("topic", head, "test")
    git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    other = r.resolve_commit("HEAD")
    assert other is not None
    assert not r.delete_branch("topic", other)
    assert not r.delete_branch("topic", CommitOid("0" * 40))
    assert r.branch_oid("topic") == head
    assert r.delete_branch("topic", head)
    assert r.branch_oid("topic") is None


def test_worktrees_round_trip(repo: Path, tmp_path: Path) -> None:
    r = Repo.discover(repo)
    head = r.resolve_commit("HEAD")
    assert head is not None
    r.create_branch("wt", head, "test")
    r.add_worktree(tmp_path / "wt dir", "wt")
    listed = {w.path: w for w in r.worktrees()}
    assert listed[tmp_path / "wt dir"].branch == "wt"
    assert listed[repo].branch == "main"
    assert r.remove_worktree(tmp_path / "wt dir").ok
    assert tmp_path / "wt dir" not in {w.path for w in r.worktrees()}


def test_parse_worktree_list_flags() -> None:
    raw = (
        "worktree /a\0HEAD " + "1" * 40 + "\0branch refs/heads/main\0\0"
        "worktree /b\0HEAD " + "2" * 40 + "\0detached\0locked reason\0prunable gone\0\0"
    )
    main, other = parse_worktree_list(raw)
    assert (main.branch, main.detached) == ("main", False)
    assert (other.branch, other.detached, other.locked, other.prunable) == (None, True, True, True)


def test_exclude_is_idempotent_and_leaves_gitignore_alone(repo: Path) -> None:
    r = Repo.discover(repo)
    r.exclude("/.amazonq/session.json")
    r.exclude("/.amazonq/session.json")
    lines = (r.common_dir / "info" / "exclude").read_text().splitlines()
    assert lines.count("/.amazonq/session.json") == 1
    assert not (repo / ".gitignore").exists()
    (repo / ".amazonq").mkdir()
    (repo / ".amazonq" / "session.json").write_text("{}")
    (repo / ".amazonq" / "rules.md").write_text("mine")
    assert git(repo, "status", "--porcelain", "-uall").strip() == "?? .amazonq/rules.md"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("git version 2.39.5", (2, 39, 5)),
        ("git version 2.39.3 (Apple Git-145)", (2, 39, 3)),
        ("git version 2.45.windows.1", (2, 45, 0)),
        ("nonsense", None),
    ],
)
def test_parse_version(text: str, expected: tuple[int, int, int] | None) -> None:
    assert parse_version(text) == expected


def test_old_git_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_program(tmp_path / "bin", "git", "echo 'git version 2.20.1'")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(ToolMissingError, match=r"git 2\.20\.1 is too old; q-tmux needs git 2\.31"):
        require_git()


def test_missing_git_is_said_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    with pytest.raises(ToolMissingError, match="git is not installed or not on PATH"):
        require_git()


def test_current_git_passes() -> None:
    assert require_git() >= (2, 31, 0)


def test_make_repo_helper_builds_nested_files(tmp_path: Path) -> None:
    path = make_repo(tmp_path / "r", {"a/b.txt": "x"})
    assert git(path, "ls-files").split() == ["a/b.txt"]


def test_atomic_write_temporaries_are_hidden_with_the_file(repo: Path) -> None:
    from q_tmux.store.jsonfile import temporary_name_pattern

    r = Repo.discover(repo)
    r.exclude("/.amazonq/session.json")
    r.exclude("/" + temporary_name_pattern(".amazonq/session.json"))
    (repo / ".amazonq").mkdir()
    (repo / ".amazonq" / "session.json").write_text("{}")
    (repo / ".amazonq" / ".session.json.123.456.tmp").write_text("{")
    assert git(repo, "status", "--porcelain", "-uall") == ""


def test_branch_oids_reads_exact_branches_in_one_call(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "branch", "feature/deep")  # below refs/heads/feature: not the branch "feature"
    found = Repo.discover(repo).branch_oids("main", "feature", "missing", "*")
    assert found == {"main": CommitOid(head)}


def test_a_second_version_question_runs_no_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = tmp_path / "count"
    fake_program(tmp_path / "bin", "git", f"echo x >> '{count}'; echo 'git version 2.40.1'")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    assert require_git() == require_git() == (2, 40, 1)
    assert count.read_text().count("x") == 1
    fake_program(tmp_path / "bin", "git", "echo 'git version 2.20.1'")  # replaced: asked again
    with pytest.raises(ToolMissingError, match=r"git 2\.20\.1 is too old"):
        require_git()


def test_runs_hook_follows_core_hooks_path_and_wants_it_executable(
    repo: Path, tmp_path: Path
) -> None:
    r = Repo.discover(repo)
    assert not r.runs_hook("post-checkout")  # only the samples git init leaves
    hooks = tmp_path / "my hooks"
    git(repo, "config", "core.hooksPath", str(hooks))
    fake_program(hooks, "post-checkout", "exit 0")
    assert r.runs_hook("post-checkout")
    (hooks / "post-checkout").chmod(0o644)  # git skips a hook it cannot run
    assert not r.runs_hook("post-checkout")


def carried(repo: Path) -> tuple[str, str]:
    """A change to README.md (unstaged) and a new file (untracked): (staged tree, files tree)."""
    (repo / "README.md").write_text("changed\n")
    (repo / "new.txt").write_text("new\n")
    staged = git(repo, "write-tree").strip()
    git(repo, "add", "-A")
    files = git(repo, "write-tree").strip()
    git(repo, "reset", "-q")
    return staged, files


def empty_worktree(r: Repo, path: Path) -> Path:
    """A worktree of a new branch at main, made without a checkout."""
    r.create_branch(path.name, r.branch_oid("main") or CommitOid(""), "test")
    r.add_worktree(path, path.name, check_out=False)
    return path


def test_planting_into_an_empty_worktree_checks_the_files_out_and_overwrites_nothing(
    repo: Path, tmp_path: Path
) -> None:
    from q_tmux.adapters.git import check_planted, plant_trees
    from q_tmux.errors import GitError

    staged, files = carried(repo)
    r = Repo.discover(repo)
    empty = empty_worktree(r, tmp_path / "empty")
    assert [p.name for p in empty.iterdir()] == [".git"]

    plant_trees(r, empty, files, checked_out=False)
    found = check_planted(r, empty, staged, tmp_path / "scratch")
    assert (found.staged, found.files_match) == (staged, True)
    assert (empty / "README.md").read_text() == "changed\n"
    assert git(empty, "status", "--porcelain") == " M README.md\n?? new.txt\n"

    busy = empty_worktree(r, tmp_path / "busy")
    (busy / "new.txt").write_text("someone's\n")
    with pytest.raises(GitError, match=r"new\.txt"):
        plant_trees(r, busy, files, checked_out=False)
    assert (busy / "new.txt").read_text() == "someone's\n"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda work: (work / "README.md").write_text("chanGed\n"),  # same size, same second
        lambda work: (work / "README.md").chmod(0o755),
        lambda work: (work / "new.txt").unlink(),
        lambda work: (work / "stray.txt").write_text("not carried\n"),
    ],
    ids=["content", "mode", "missing", "extra"],
)
def test_a_planted_worktree_that_is_not_as_carried_is_told(
    repo: Path, tmp_path: Path, spoil: Callable[[Path], object]
) -> None:
    from q_tmux.adapters.git import check_planted, plant_trees

    staged, files = carried(repo)
    r = Repo.discover(repo)
    copy = empty_worktree(r, tmp_path / "copy")
    plant_trees(r, copy, files, checked_out=False)
    spoil(copy)
    assert not check_planted(r, copy, staged, tmp_path / "scratch").files_match
