"""rm: remove one session on purpose; refuse what holds work unless --force, which archives it."""

from __future__ import annotations

from pathlib import Path

import pytest
from libtmux.server import Server

from tests.commands.test_cleanup import archive_refs, commit_detached, everything_reachable
from tests.commands.test_merge import branch_exists, oid, session_with_commits
from tests.conftest import QTmux, git, make_repo, registry_files, worktree


def windows(server: Server) -> list[str]:
    return [w for w in server.cmd("list-windows", "-a", "-F", "#{window_name}").stdout if w]


def test_rm_closes_the_window_and_removes_worktree_and_branch(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    qtmux.ok("new", "exp", "--detach", cwd=repo)
    assert "exp" in windows(server)
    out = qtmux.ok("rm", "exp", cwd=repo).stdout
    assert "removed session 'exp'" in out
    assert "exp" not in windows(server)
    assert not worktree(repo, "exp").exists()
    assert not branch_exists(repo, "exp")
    assert registry_files(isolated_env) == []


def test_rm_refuses_work_not_in_the_base_and_force_archives_it(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "wip", {"w.txt": "w\n"})
    tip = oid(repo, "wip")
    (work / "w.txt").write_text("changed\n")
    (work / "staged.txt").write_text("staged\n")
    git(work, "add", "staged.txt")
    (work / "staged.txt").write_text("staged, then changed again\n")
    (work / "loose.txt").write_text("untracked\n")
    result = qtmux("rm", "wip", cwd=repo)
    assert result.returncode == 1
    assert "branch wip has 1 commit(s) not in main" in result.stderr
    assert "--force" in result.stderr
    assert work.exists()
    assert branch_exists(repo, "wip")
    out = qtmux.ok("rm", "wip", "--force", cwd=repo).stdout
    assert not work.exists()
    assert not branch_exists(repo, "wip")
    refs = archive_refs(repo)
    assert tip in refs.values()
    files = next(ref for ref in refs if ref.endswith("-files"))
    index = next(ref for ref in refs if ref.endswith("-index"))
    assert git(repo, "show", f"{files}:w.txt") == "changed\n"
    assert git(repo, "show", f"{files}:loose.txt") == "untracked\n"
    assert git(repo, "show", f"{files}:staged.txt") == "staged, then changed again\n"
    assert git(repo, "show", f"{index}:staged.txt") == "staged\n"
    for ref in refs:
        assert ref in out


def test_rm_of_a_detached_head_commit_needs_force(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "d", "--detach", cwd=repo)
    detached = commit_detached(worktree(repo, "d"), "d")
    result = qtmux("rm", "d", cwd=repo)
    assert result.returncode == 1
    assert "detached" in result.stderr
    qtmux.ok("rm", "d", "--force", cwd=repo)
    assert detached in everything_reachable(repo)


def test_rm_a_no_worktree_session_keeps_the_directory(qtmux: QTmux, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "mine.txt").write_text("mine\n")
    qtmux.ok("new", "notes", "--no-worktree", "--detach", cwd=plain)
    qtmux.ok("rm", "notes", cwd=plain)
    assert (plain / "mine.txt").read_text() == "mine\n"
    assert not (plain / ".amazonq" / "session.json").exists()


def test_rm_a_workspace_session_removes_every_repositorys_worktree(
    qtmux: QTmux, tmp_path: Path
) -> None:
    shop = tmp_path / "shop"
    front, back = make_repo(shop / "frontend"), make_repo(shop / "backend")
    qtmux.ok("new", "ws", "--detach", cwd=shop)
    session = tmp_path / "shop.worktrees" / "ws"
    (session / "frontend" / "x.txt").write_text("x\n")
    result = qtmux("rm", "ws", cwd=shop)
    assert result.returncode == 1
    assert "frontend" in result.stderr
    assert "x.txt" in result.stderr
    assert (session / "backend").exists()
    qtmux.ok("rm", "ws", "--force", cwd=shop)
    assert not session.exists()
    assert not branch_exists(front, "ws")
    assert not branch_exists(back, "ws")
    files = next(ref for ref in archive_refs(front) if ref.endswith("-files"))
    assert git(front, "show", f"{files}:x.txt") == "x\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rm", "nope"], "There is no session named 'nope'"),
        (["rm"], "Missing argument"),
    ],
)
def test_bad_rm_requests(qtmux: QTmux, repo: Path, args: list[str], message: str) -> None:
    result = qtmux(*args, cwd=repo)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_rm_refuses_a_session_whose_merge_was_interrupted(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "k", {"k.txt": "k\n"})
    killed = qtmux("merge", "k", "--yes", cwd=repo, env={"Q_TMUX_TEST_KILL_AFTER": "journal"})
    assert killed.returncode == -9
    result = qtmux("rm", "k", "--force", cwd=repo)
    assert result.returncode == 1
    assert "q-tmux merge k" in result.stderr
    assert work.exists()
    assert branch_exists(repo, "k")


RM_STEPS = ["journal", "window", "archive", "worktree", "branch", "record"]


@pytest.mark.parametrize("step", RM_STEPS)
def test_rm_killed_at_any_step_loses_nothing_and_the_rerun_finishes(
    qtmux: QTmux, repo: Path, isolated_env: Path, step: str
) -> None:
    work = session_with_commits(qtmux, repo, "kk", {"c.txt": "c\n"})
    (work / "c.txt").write_text("dirty\n")
    commits = everything_reachable(repo)
    kill = {"Q_TMUX_TEST_KILL_AFTER": f"remove:{step}"}
    killed = qtmux("rm", "kk", "--force", cwd=repo, env=kill)
    assert killed.returncode == -9
    assert commits <= everything_reachable(repo)
    if work.exists():
        assert (work / "c.txt").read_text() == "dirty\n"
    else:
        files = [ref for ref in archive_refs(repo) if ref.endswith("-files")]
        assert [git(repo, "show", f"{ref}:c.txt") for ref in files] == ["dirty\n"]
    if registry_files(isolated_env):
        qtmux.ok("rm", "kk", "--force", cwd=repo)
    else:
        qtmux.ok("cleanup", cwd=repo)
    assert not work.exists()
    assert not branch_exists(repo, "kk")
    assert registry_files(isolated_env) == []
    assert commits <= everything_reachable(repo)
    kinds = sorted(ref.rsplit("-", 1)[-1] for ref in archive_refs(repo))
    assert kinds == ["branch", "files"]
    assert not list((isolated_env / ".local/state/q-tmux/remove").glob("*"))


def test_rm_from_inside_the_sessions_own_worktree(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "inside", "--detach", cwd=repo)
    work = worktree(repo, "inside")
    result = qtmux("rm", "inside", cwd=work / ".amazonq")
    assert result.returncode == 0, result.stderr
    assert not work.exists()
    assert not branch_exists(repo, "inside")


def test_closing_an_experiment_keeps_a_commit_on_its_detached_head(
    qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "try3", "--type", "experiment", "--detach", cwd=repo)
    detached = commit_detached(worktree(repo, "try3"), "try3")
    out = qtmux.ok("close", "try3", cwd=repo).stdout
    assert "Keeping temporary session 'try3'" in out
    assert "detached HEAD" in out
    assert worktree(repo, "try3").exists()
    assert detached in everything_reachable(repo)
