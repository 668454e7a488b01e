"""cleanup: removes what is finished, keeps anything holding work unless --force."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.commands.test_merge import branch_exists, oid, session_with_commits
from tests.conftest import QTmux, git, registry_files, worktree


def test_merged_and_orphans_go_unmerged_and_dirty_stay(
    qtmux: QTmux, repo: Path, isolated_env: Path
) -> None:
    session_with_commits(qtmux, repo, "done", {"d.txt": "d\n"})
    git(repo, "merge", "-q", "--no-edit", "done")
    session_with_commits(qtmux, repo, "squashed", {"s.txt": "s\n"})
    git(repo, "merge", "-q", "--squash", "squashed")
    git(repo, "commit", "-q", "-m", "squash")
    squashed_tip = oid(repo, "squashed")
    session_with_commits(qtmux, repo, "open", {"o.txt": "o\n"})
    dirty = session_with_commits(qtmux, repo, "dirty", {"dd.txt": "merged\n"})
    git(repo, "merge", "-q", "--no-edit", "dirty")
    (dirty / "scratch.txt").write_text("not committed\n")
    gone = session_with_commits(qtmux, repo, "gone", {})
    for name in ("done", "squashed", "open", "dirty", "gone"):
        qtmux.ok("close", name, cwd=repo)
    shutil.rmtree(gone)

    out = qtmux.ok("cleanup", cwd=repo).stdout
    assert "removed session 'done' (merged into main)" in out
    assert "removed session 'squashed' (merged into main)" in out
    assert "removed registry entry 'gone'" in out
    assert "kept session 'dirty' (merged into main): uncommitted changes" in out
    assert "stale worktree records" in out
    assert not branch_exists(repo, "done")
    assert not branch_exists(repo, "squashed")
    assert squashed_tip in git(repo, "for-each-ref", "--format=%(objectname)", "refs/q-tmux/")
    assert branch_exists(repo, "open")
    assert (dirty / "scratch.txt").read_text() == "not committed\n"
    assert len(registry_files(isolated_env)) == 2  # open, dirty

    out = qtmux.ok("cleanup", "--older-than", "0", cwd=repo).stdout
    assert (
        "kept session 'open' (inactive for 0 day(s)): branch open has 1 commit(s) not in main"
        in out
    )
    assert branch_exists(repo, "open")


def test_running_agents_are_never_cleaned_up_without_force(qtmux: QTmux, repo: Path) -> None:
    session_with_commits(qtmux, repo, "live", {"l.txt": "l\n"})
    git(repo, "merge", "-q", "--no-edit", "live")
    out = qtmux.ok("cleanup", "--merged", cwd=repo).stdout
    assert "kept session 'live' (merged into main): its agent is running" in out
    assert worktree(repo, "live").exists()


def test_dry_run_removes_nothing(qtmux: QTmux, repo: Path, isolated_env: Path) -> None:
    session_with_commits(qtmux, repo, "m", {"m.txt": "m\n"})
    git(repo, "merge", "-q", "--no-edit", "m")
    qtmux.ok("close", "m", cwd=repo)
    assert (
        "would remove session 'm' (merged into main)"
        in qtmux.ok("cleanup", "--dry-run", cwd=repo).stdout
    )
    assert branch_exists(repo, "m")
    assert worktree(repo, "m").exists()


def test_force_keeps_an_archive_ref_that_restores_everything(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "f", {"f.txt": "committed\n"})
    (work / "f.txt").write_text("changed\n")
    (work / "new.txt").write_text("untracked\n")
    tip = oid(repo, "f")
    qtmux.ok("close", "f", cwd=repo)
    out = qtmux.ok("cleanup", "--older-than", "0", "--force", cwd=repo).stdout
    assert not work.exists()
    assert not branch_exists(repo, "f")
    refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/q-tmux/archive/")
    assert tip in refs
    snapshot = next(
        line.split()[0] for line in refs.splitlines() if line.split()[0].endswith("-files")
    )
    assert git(repo, "show", f"{snapshot}:f.txt") == "changed\n"
    assert git(repo, "show", f"{snapshot}:new.txt") == "untracked\n"
    assert "git branch f refs/q-tmux/archive/f/" in out
    assert git(repo, "stash", "list") == ""


def test_bad_option_values(qtmux: QTmux, repo: Path) -> None:
    result = qtmux("cleanup", "--older-than", "-1", cwd=repo)
    assert result.returncode == 2
    assert "--older-than takes a number of days" in result.stderr
    result = qtmux("cleanup", "--older-than", "soon", cwd=repo)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def everything_reachable(repo: Path) -> set[str]:
    return set(git(repo, "rev-list", "--all").split())


def dirty_files(work: Path) -> dict[str, str]:
    found = {}
    for line in git(work, "status", "--porcelain", "-uall").splitlines():
        path = line[3:]
        if path != ".amazonq/session.json" and (work / path).is_file():
            found[path] = (work / path).read_text()
    return found


def archived_files(repo: Path) -> dict[str, set[str]]:
    """Every path kept in a files archive ref, with the contents kept for it."""
    kept: dict[str, set[str]] = {}
    for ref in archive_refs(repo):
        if ref.endswith("-files"):
            for path in git(repo, "ls-tree", "-r", "--name-only", ref).splitlines():
                kept.setdefault(path, set()).add(git(repo, "show", f"{ref}:{path}"))
    return kept


FATES = [
    "merge",
    "squash",
    "none",
    "dirty",
    "staged",
    "conflicted",
    "vanish",
    "detached",
    "deleted-branch",
    "moved-by-hand",
    "git-moved",
]


#: More trials on demand: Q_TMUX_CLEANUP_TRIALS=200 pytest -k never_loses
TRIALS = int(os.environ.get("Q_TMUX_CLEANUP_TRIALS", "10"))


@pytest.mark.parametrize("seed", range(TRIALS))
def test_cleanup_never_loses_a_commit_or_a_changed_file(
    qtmux: QTmux, repo: Path, tmp_path: Path, seed: int
) -> None:
    """Random repository states; odd seeds run with --force, which must archive what it removes."""
    rng = random.Random(seed)
    force = seed % 2 == 1
    works: dict[str, Path] = {}
    dirty_before: dict[str, dict[str, str]] = {}
    for index in range(4):
        name = f"s{seed}x{index}"
        files = {f"{name}-{n}.txt": f"{rng.random()}\n" for n in range(rng.randint(0, 2))}
        work = session_with_commits(qtmux, repo, name, files)
        works[name] = work
        fate = rng.choice(FATES)
        if fate == "merge" and files:
            git(repo, "merge", "-q", "--no-edit", name)
        elif fate == "squash" and files:
            git(repo, "merge", "-q", "--squash", name)
            git(repo, "commit", "-q", "-m", f"squash {name}")
        elif fate == "dirty":
            (work / "README.md").write_text(f"edited {rng.random()}\n")
            (work / "untracked.txt").write_text("u\n")
        elif fate == "staged":
            (work / "staged.txt").write_text("s\n")
            git(work, "add", "staged.txt")
        elif fate == "conflicted":
            (work / "README.md").write_text("session side\n")
            git(work, "commit", "-q", "-am", "session side")
            git(repo, "branch", "-f", f"other{name}", "main")
            other = repo.parent / f"other{name}"
            git(repo, "worktree", "add", "-q", str(other), f"other{name}")
            (other / "README.md").write_text("other side\n")
            git(other, "commit", "-q", "-am", "other side")
            result = subprocess.run(
                ["git", "-C", str(work), "merge", "--no-edit", f"other{name}"],
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode != 0  # left mid-merge
        elif fate == "detached":
            commit_detached(work, name)
        elif fate == "deleted-branch":
            git(work, "switch", "-q", "--detach")
            git(repo, "branch", "-q", "-D", name)
        qtmux.ok("close", name, cwd=repo)
        dirty_before[name] = dirty_files(work) if fate != "vanish" else {}
        if fate == "vanish":
            shutil.rmtree(work)
            git(repo, "worktree", "prune")
        elif fate in ("moved-by-hand", "git-moved"):
            if rng.random() < 0.5:
                commit_detached(work, f"{name}-moved")
            moved = tmp_path / "moved" / name
            moved.parent.mkdir(exist_ok=True)
            if fate == "git-moved":
                git(repo, "worktree", "move", str(work), str(moved))
            else:
                shutil.move(work, moved)
            works[name] = moved
    commits_before = everything_reachable(repo)
    flags = rng.choice(
        [[], ["--merged"], ["--orphans"], ["--older-than", "0"], ["--merged", "--older-than", "0"]]
    )
    qtmux.ok("cleanup", *flags, *(["--force"] if force else []), cwd=repo)
    assert commits_before <= everything_reachable(repo)
    kept = archived_files(repo)
    for name, files in dirty_before.items():
        if files and not force:
            assert works[name].exists(), f"{name} had changes and was removed"
        if works[name].exists():
            for path, content in files.items():
                assert (works[name] / path).read_text() == content
        else:
            for path, content in files.items():
                assert content in kept.get(path, set()), f"{name}: {path} was not archived"


def commit_detached(work: Path, name: str) -> str:
    """Leave ``work`` on a detached HEAD holding one commit no branch has; return it."""
    git(work, "switch", "-q", "--detach")
    (work / f"{name}.txt").write_text(f"{name}\n")
    git(work, "add", f"{name}.txt")
    git(work, "commit", "-q", "-m", f"detached {name}")
    return oid(work, "HEAD")


def archive_refs(repo: Path) -> dict[str, str]:
    out = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/q-tmux/archive/")
    return dict(line.split() for line in out.splitlines())


def test_a_commit_on_a_detached_head_is_never_lost(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "s1", "--detach", cwd=repo)
    qtmux.ok("close", "s1", cwd=repo)
    work = worktree(repo, "s1")
    detached = commit_detached(work, "s1")
    out = qtmux.ok("cleanup", "--older-than", "0", cwd=repo).stdout
    assert "kept session 's1'" in out
    assert "HEAD" in out
    assert "detached" in out
    assert work.exists()
    assert detached in everything_reachable(repo)
    out = qtmux.ok("cleanup", "--older-than", "0", "--force", cwd=repo).stdout
    assert not work.exists()
    head_ref = next(ref for ref, target in archive_refs(repo).items() if target == detached)
    assert head_ref.endswith("-head")
    assert f"git branch s1 {head_ref}" in out


def test_a_worktree_detached_at_a_deleted_branch_keeps_its_commits(
    qtmux: QTmux, repo: Path
) -> None:
    work = session_with_commits(qtmux, repo, "s2", {"a.txt": "a\n"})
    tip = oid(repo, "s2")
    qtmux.ok("close", "s2", cwd=repo)
    git(work, "switch", "-q", "--detach")
    git(repo, "branch", "-q", "-D", "s2")
    out = qtmux.ok("cleanup", "--older-than", "0", cwd=repo).stdout
    assert "kept session 's2'" in out
    assert work.exists()
    qtmux.ok("cleanup", "--older-than", "0", "--force", cwd=repo)
    assert not work.exists()
    assert tip in archive_refs(repo).values()


def test_merge_keeps_a_worktree_whose_detached_head_has_more_commits(
    qtmux: QTmux, repo: Path
) -> None:
    work = session_with_commits(qtmux, repo, "m1", {"m.txt": "m\n"})
    detached = commit_detached(work, "later")
    result = qtmux.ok("merge", "m1", "--yes", cwd=repo)
    assert (repo / "m.txt").exists()
    assert work.exists(), result.stderr
    assert detached in everything_reachable(repo)
    assert "HEAD" in result.stderr


def test_a_closed_session_never_worked_on_is_not_merged(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "idle", "--detach", cwd=repo)
    qtmux.ok("close", "idle", cwd=repo)
    out = qtmux.ok("cleanup", cwd=repo).stdout
    assert "idle" not in out
    assert worktree(repo, "idle").exists()
    assert branch_exists(repo, "idle")
    qtmux.ok("resume", "idle", "--detach", cwd=repo)


def test_cleanup_works_beside_workspace_and_no_worktree_sessions(
    qtmux: QTmux, repo: Path, tmp_path: Path
) -> None:
    from tests.conftest import make_repo

    shop = tmp_path / "shop"
    make_repo(shop / "frontend")
    make_repo(shop / "backend")
    qtmux.ok("new", "ws", "--detach", cwd=shop)
    plain = tmp_path / "plain"
    plain.mkdir()
    qtmux.ok("new", "notes", "--no-worktree", "--detach", cwd=plain)
    qtmux.ok("close", "notes", cwd=plain)
    session_with_commits(qtmux, repo, "done", {"d.txt": "d\n"})
    git(repo, "merge", "-q", "--no-edit", "done")
    qtmux.ok("close", "done", cwd=repo)
    assert "would remove session 'done'" in qtmux.ok("cleanup", "--dry-run", cwd=repo).stdout
    out = qtmux.ok("cleanup", "--all", "--older-than", "0", "--dry-run", cwd=repo).stdout
    assert "would remove session 'notes'" in out
    assert "'q-tmux rm ws'" in out
    qtmux.ok("cleanup", "--older-than", "0", cwd=plain)
    assert not (plain / ".amazonq" / "session.json").exists()
    assert "notes" not in qtmux.ok("list", cwd=plain).stdout


def test_cleanup_stays_in_the_current_repository_unless_all(
    qtmux: QTmux, repo: Path, tmp_path: Path
) -> None:
    from tests.conftest import make_repo

    other = make_repo(tmp_path / "elsewhere" / "lib")
    qtmux.ok("new", "here", "--detach", cwd=repo)
    qtmux.ok("new", "there", "--detach", cwd=other)
    qtmux.ok("close", "here", cwd=repo)
    qtmux.ok("close", "there", cwd=other)
    out = qtmux.ok("cleanup", "--older-than", "0", "--force", cwd=repo).stdout
    assert "'here'" in out
    assert "'there'" not in out
    assert branch_exists(other, "there")
    assert (other.parent / "lib.worktrees" / "there").exists()
    qtmux.ok("cleanup", "--all", "--older-than", "0", "--force", cwd=repo)
    assert not branch_exists(other, "there")


def test_cleanup_name_points_to_rm(qtmux: QTmux, repo: Path) -> None:
    result = qtmux("cleanup", "s1", cwd=repo)
    assert result.returncode == 2
    assert "q-tmux rm s1" in result.stderr
    assert "Traceback" not in result.stderr


CLEANUP_STEPS = ["journal", "window", "archive", "worktree", "branch", "record"]


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("step", CLEANUP_STEPS)
def test_a_cleanup_killed_at_any_step_loses_nothing_and_the_rerun_finishes(
    qtmux: QTmux, repo: Path, isolated_env: Path, step: str, force: bool
) -> None:
    if force:  # work of every kind, which --force must archive before removing
        work = session_with_commits(qtmux, repo, "k", {"k.txt": "k\n"})
        commit_detached(work, "k-detached")
        (work / "k.txt").write_text("dirty\n")
        args = ["cleanup", "--older-than", "0", "--force"]
    else:  # a merged session, which cleanup removes without --force
        work = session_with_commits(qtmux, repo, "k", {"k.txt": "k\n"})
        git(repo, "merge", "-q", "--no-edit", "k")
        args = ["cleanup"]
    qtmux.ok("close", "k", cwd=repo)
    commits = everything_reachable(repo)
    killed = qtmux(*args, cwd=repo, env={"Q_TMUX_TEST_KILL_AFTER": f"remove:{step}"})
    assert killed.returncode == -9
    assert commits <= everything_reachable(repo)
    if force and work.exists():
        assert (work / "k.txt").read_text() == "dirty\n"
    elif force:
        assert "dirty\n" in archived_files(repo)["k.txt"]
    qtmux.ok(*args, cwd=repo)
    assert not work.exists()
    assert not branch_exists(repo, "k")
    assert registry_files(isolated_env) == []
    assert commits <= everything_reachable(repo)
    kinds = sorted(ref.rsplit("-", 1)[-1] for ref in archive_refs(repo))
    assert kinds == (["branch", "files", "head"] if force else [])
    assert not (isolated_env / ".local/state/q-tmux/remove").exists()


def test_a_worktree_moved_by_hand_keeps_its_detached_commits(
    qtmux: QTmux, repo: Path, tmp_path: Path
) -> None:
    qtmux.ok("new", "mv", "--detach", cwd=repo)
    qtmux.ok("close", "mv", cwd=repo)
    detached = commit_detached(worktree(repo, "mv"), "mv")
    shutil.move(worktree(repo, "mv"), tmp_path / "mine")
    out = qtmux.ok("cleanup", cwd=repo).stdout
    assert "removed registry entry 'mv'" in out
    assert "kept stale worktree records" in out
    assert detached in everything_reachable(repo)
    out = qtmux.ok("cleanup", "--force", cwd=repo).stdout
    assert "pruned" in out
    assert detached in archive_refs(repo).values()
    assert (tmp_path / "mine" / "mv.txt").read_text() == "mv\n"


def test_a_workspace_merge_keeps_a_worktree_whose_detached_head_has_more_commits(
    qtmux: QTmux, tmp_path: Path
) -> None:
    from tests.conftest import make_repo

    shop = tmp_path / "shop"
    front = make_repo(shop / "frontend")
    make_repo(shop / "backend")
    qtmux.ok("new", "wsm", "--detach", cwd=shop)
    work = tmp_path / "shop.worktrees" / "wsm" / "frontend"
    (work / "f.txt").write_text("f\n")
    git(work, "add", "f.txt")
    git(work, "commit", "-q", "-m", "f")
    detached = commit_detached(work, "later")
    result = qtmux.ok("merge", "wsm", "--yes", cwd=shop)
    assert git(front, "show", "main:f.txt") == "f\n"
    assert work.exists(), result.stderr
    assert detached in everything_reachable(front)
