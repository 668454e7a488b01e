"""The git adapter's operations in a worktree, on branches and on refs, on real repositories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from q_tmux.adapters import merge_tree
from q_tmux.adapters.git import (
    CommitOid,
    History,
    Repo,
    head_commit,
    ignored_entries,
    not_tracked_entries,
    require_git,
    update_ref,
)
from q_tmux.errors import GitError
from q_tmux.tracking.watcher import Watcher
from tests.conftest import git


def commit(repo: Path, files: dict[str, str], message: str) -> CommitOid:
    for name, content in files.items():
        (repo / name).write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return CommitOid(git(repo, "rev-parse", "HEAD").strip())


@pytest.fixture
def diverged(repo: Path, tmp_path: Path) -> tuple[Repo, Path]:
    """main and a session branch ``topic`` (checked out in its own worktree) both changed
    README.md; ``topic`` also added notes.txt."""
    side = tmp_path / "topic"
    git(repo, "worktree", "add", "-q", "-b", "topic", str(side))
    commit(side, {"README.md": "topic\n", "notes.txt": "n\n"}, "topic")
    commit(repo, {"README.md": "main\n"}, "main")
    return Repo.discover(repo), side


def run_git(program: str, args: list[str]) -> tuple[int, str]:
    done = subprocess.run([program, *args], capture_output=True, text=True, check=False)
    return done.returncode, done.stdout


# -- merge-tree, written once for History and the watcher --------------------------------


def test_merge_tree_answer_is_read_back() -> None:
    assert merge_tree.parse(0, "tree1\0") == (True, "tree1", [])
    assert merge_tree.parse(1, "tree2\0a.txt\0b c.txt\0\0") == (
        False,
        "tree2",
        ["a.txt", "b c.txt"],
    )
    assert merge_tree.parse(129, "") is None  # git older than 2.38: no --write-tree
    assert merge_tree.parse(1, "") is None


def test_history_and_the_watcher_agree_on_conflicts(diverged: tuple[Repo, Path]) -> None:
    repo, _ = diverged
    main, topic = repo.branch_oid("main"), repo.branch_oid("topic")
    assert main is not None
    assert topic is not None
    predicted = History(repo, require_git()).predict(main, topic)
    assert (predicted.clean, predicted.conflicts) == (False, ("README.md",))
    root = str(repo.toplevel)
    assert Watcher.merge_conflicts(root, main, topic) == ["README.md"]
    assert merge_tree.conflicts_in(root, main, topic, run_git) == ["README.md"]
    assert merge_tree.conflicts_in(root, main, main, run_git) == []
    assert merge_tree.conflicts_in(root, main, "0" * 40, run_git) is None


# -- operations in a worktree ---------------------------------------------------------------


def test_rebase_that_stops_names_its_conflicts_and_abort_undoes_it(
    diverged: tuple[Repo, Path],
) -> None:
    repo, side = diverged
    before = repo.branch_oid("topic")
    stopped = repo.rebase(side, "main")
    assert not stopped.ok
    assert stopped.conflicts == ("README.md",)
    assert repo.conflicted_files(side) == ["README.md"]
    repo.abort_rebase(side)
    assert repo.conflicted_files(side) == []
    assert repo.branch_oid("topic") == before
    assert repo.current_branch(side) == "topic"


def test_rebase_and_merge_that_go_through(repo: Path, tmp_path: Path) -> None:
    side = tmp_path / "topic"
    git(repo, "worktree", "add", "-q", "-b", "topic", str(side))
    commit(side, {"notes.txt": "n\n"}, "topic")
    main = commit(repo, {"README.md": "main\n"}, "main")
    r = Repo.discover(repo)
    assert r.rebase(side, "main").ok
    history = History(r, require_git())
    tip = r.branch_oid("topic")
    assert tip is not None
    assert history.is_ancestor(main, tip)
    assert history.ahead_behind(main, tip) == (1, 0)
    commit(repo, {"other.txt": "o\n"}, "main again")
    merged = r.merge(side, "main")
    assert (merged.ok, merged.error, merged.conflicts) == (True, "", ())
    assert (side / "other.txt").exists()


def test_merge_that_stops_leaves_its_conflicts(diverged: tuple[Repo, Path]) -> None:
    repo, side = diverged
    stopped = repo.merge(side, "main")
    assert (stopped.ok, stopped.conflicts) == (False, ("README.md",))
    assert (repo.git_ok("rev-parse", "--git-path", "MERGE_HEAD", cwd=side, doing="x")).strip()


def test_merge_git_refuses_before_starting_has_no_conflicts(
    diverged: tuple[Repo, Path],
) -> None:
    repo, side = diverged
    git(side, "config", "merge.ff", "only")
    refused = repo.merge(side, "main")
    assert not refused.ok
    assert refused.conflicts == ()
    assert "fast-forward" in refused.error
    assert (side / "README.md").read_text() == "topic\n"


def test_fast_forward_moves_only_forward_and_keeps_unrelated_changes(
    repo: Path, tmp_path: Path
) -> None:
    r = Repo.discover(repo)
    old = head_commit(r, repo)
    assert old is not None
    side = tmp_path / "topic"
    git(repo, "worktree", "add", "-q", "-b", "topic", str(side))
    new = commit(side, {"notes.txt": "n\n"}, "topic")
    (repo / "scratch.txt").write_text("mine\n")  # the user's own, untracked
    assert r.fast_forward(repo, new).ok
    assert head_commit(r, repo) == new
    assert (repo / "notes.txt").exists()
    assert (repo / "scratch.txt").read_text() == "mine\n"
    back = commit(repo, {"README.md": "later\n"}, "later")
    elsewhere = commit(side, {"notes.txt": "m\n"}, "topic again")
    refused = r.fast_forward(repo, elsewhere)  # the two have diverged: not a fast-forward
    assert not refused.ok
    assert refused.error
    assert head_commit(r, repo) == back


def test_reset_keep_keeps_changes_and_refuses_when_they_overlap(repo: Path) -> None:
    r = Repo.discover(repo)
    old = head_commit(r, repo)
    new = commit(repo, {"README.md": "new\n", "notes.txt": "n\n"}, "second")
    assert old is not None
    (repo / "notes.txt").write_text("changed\n")  # overlaps: notes.txt differs between the two
    refused = r.reset_keep(repo, old)
    assert not refused.ok
    assert refused.error
    assert head_commit(r, repo) == new
    git(repo, "checkout", "-q", "--", "notes.txt")
    (repo / "scratch.txt").write_text("mine\n")
    assert r.reset_keep(repo, old).ok
    assert head_commit(r, repo) == old
    assert (repo / "README.md").read_text() == "hello\n"
    assert (repo / "scratch.txt").read_text() == "mine\n"


def test_move_files_takes_files_back_and_leaves_head(repo: Path) -> None:
    r = Repo.discover(repo)
    old = head_commit(r, repo)
    assert old is not None
    new = commit(repo, {"README.md": "new\n", "notes.txt": "n\n"}, "second")
    (repo / "scratch.txt").write_text("mine\n")
    assert r.move_files(repo, new, old).ok
    assert (repo / "README.md").read_text() == "hello\n"
    assert not (repo / "notes.txt").exists()
    assert (repo / "scratch.txt").read_text() == "mine\n"
    assert head_commit(r, repo) == new  # refs never move
    refused = r.move_files(repo, new, CommitOid("f" * 40))
    assert not refused.ok
    assert refused.error


def test_detached_worktree_makes_no_branch(repo: Path, tmp_path: Path) -> None:
    r = Repo.discover(repo)
    head = head_commit(r, repo)
    assert head is not None
    branches = git(repo, "branch", "--format=%(refname)")
    r.add_detached_worktree(tmp_path / "scratch dir", head, doing="make a scratch worktree")
    assert head_commit(r, tmp_path / "scratch dir") == head
    assert r.current_branch(tmp_path / "scratch dir") is None
    assert git(repo, "branch", "--format=%(refname)") == branches
    with pytest.raises(GitError, match="Could not make a scratch worktree"):
        r.add_detached_worktree(tmp_path / "scratch dir", head, doing="make a scratch worktree")


# -- branches, their configuration, refs -------------------------------------------------


def test_rename_branch_and_refusal(repo: Path) -> None:
    r = Repo.discover(repo)
    head = r.resolve_commit("HEAD")
    assert head is not None
    r.create_branch("q/fix", head, "test")
    r.create_branch("q/other", head, "test")
    r.rename_branch("q/fix", "q/parser")
    assert r.branch_oid("q/parser") == head
    assert r.branch_oid("q/fix") is None
    with pytest.raises(GitError, match="Could not rename branch 'q/parser'"):
        r.rename_branch("q/parser", "q/other")
    assert r.branch_oid("q/parser") == head


def test_branch_remote_and_forgetting_the_branch_config(repo: Path) -> None:
    r = Repo.discover(repo)
    assert r.branch_remote("main") is None
    git(repo, "config", "branch.main.remote", "origin")
    git(repo, "config", "branch.main.merge", "refs/heads/main")
    assert r.branch_remote("main") == "origin"
    r.forget_branch_config("main")
    assert r.branch_remote("main") is None
    assert subprocess.run(["git", "-C", str(repo), "config", "branch.main.merge"]).returncode == 1
    r.forget_branch_config("main")  # nothing left to remove: still fine


def test_origin_head(repo: Path) -> None:
    r = Repo.discover(repo)
    assert r.origin_head() is None
    head = r.resolve_commit("HEAD")
    assert head is not None
    git(repo, "update-ref", "refs/remotes/origin/trunk", head)
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    assert r.origin_head() == "trunk"


def test_refs_at_and_create_only_update_ref(repo: Path) -> None:
    r = Repo.discover(repo)
    first = r.resolve_commit("HEAD")
    assert first is not None
    second = commit(repo, {"README.md": "2\n"}, "second")
    prefix = "refs/q-tmux/archive/s/"
    assert r.refs_at(first, prefix) == []
    assert update_ref(r, prefix + "one", first, None, "test")
    assert not update_ref(r, prefix + "one", second, None, "test")  # create-only: exists
    assert update_ref(r, prefix + "two", second, None, "test")
    assert r.refs_at(first, prefix) == [prefix + "one"]
    assert r.refs_at(first, "refs/q-tmux/archive/other/") == []


def test_ignored_and_not_tracked_entries(repo: Path) -> None:
    r = Repo.discover(repo)
    (repo / ".gitignore").write_text("build/\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.o").write_text("x")
    (repo / "new.txt").write_text("x")
    (repo / "empty").mkdir()
    assert ignored_entries(r, repo) == {"build/"}
    assert not_tracked_entries(r, repo) == {".gitignore", "build/", "new.txt"}


def test_the_watcher_reaches_merge_tree_without_the_git_adapter() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import q_tmux.tracking.watcher"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "q_tmux.adapters.merge_tree" in imported
    heavy = {"plumbum", "pydantic", "libtmux", "click", "httpx", "q_tmux.adapters.git"}
    assert not heavy & imported


@pytest.mark.parametrize("left", [".amazonq/session.json", "notes.txt"])
def test_a_worktree_written_into_while_it_is_removed_is_finished_only_over_the_session_file(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, left: str
) -> None:
    """Seen under load: the watcher marked the closed agent exited (a file written in the
    worktree) while git emptied it, and ``rm --force`` failed with "Directory not empty".
    git has then removed the files and the worktree's registration (asking again only gets
    "is not a working tree"): the session file left over goes too, anything else stays."""
    from q_tmux.adapters import git as git_module
    from q_tmux.adapters.process import Completed

    main = Repo.discover(repo)
    work = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "wt", str(work))
    real = Repo.git
    calls: list[tuple[str, ...]] = []

    def racing(self: Repo, *args: str, **kwargs: object) -> Completed:
        calls.append(args)
        done = real(self, *args, **kwargs)  # type: ignore[arg-type]
        if args[:2] == ("worktree", "remove") and len(calls) == 1:
            (work / left).parent.mkdir(parents=True, exist_ok=True)
            (work / left).write_text("written meanwhile\n")  # what git then found
            return Completed(255, "", f"error: failed to delete '{work}': Directory not empty\n")
        return done

    monkeypatch.setattr(git_module.Repo, "git", racing)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    removed = main.remove_worktree(work, force=True)
    assert [args[:2] for args in calls] == [("worktree", "remove")]
    assert str(work) not in git(repo, "worktree", "list")
    if left == "notes.txt":
        assert not removed.ok
        assert (work / left).read_text() == "written meanwhile\n"
    else:
        assert removed.ok
        assert not work.exists()
