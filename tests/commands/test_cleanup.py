"""cleanup: removes what is finished, keeps anything holding work unless --force."""

from __future__ import annotations

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
    dirty = session_with_commits(qtmux, repo, "dirty", {})
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
    qtmux.ok("new", "live", "--detach", cwd=repo)
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


@pytest.mark.parametrize("seed", range(8))
def test_cleanup_without_force_never_loses_a_commit_or_a_changed_file(
    qtmux: QTmux, repo: Path, seed: int
) -> None:
    rng = random.Random(seed)
    works: dict[str, Path] = {}
    for index in range(4):
        name = f"s{seed}x{index}"
        files = {f"{name}-{n}.txt": f"{rng.random()}\n" for n in range(rng.randint(0, 2))}
        work = session_with_commits(qtmux, repo, name, files)
        works[name] = work
        fate = rng.choice(["merge", "squash", "none", "dirty", "staged", "conflicted", "vanish"])
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
        qtmux.ok("close", name, cwd=repo)
        if fate == "vanish":
            shutil.rmtree(work)
            git(repo, "worktree", "prune")
    commits_before = everything_reachable(repo)
    dirty_before = {name: dirty_files(work) for name, work in works.items() if work.exists()}
    flags = rng.choice(
        [[], ["--merged"], ["--orphans"], ["--older-than", "0"], ["--merged", "--older-than", "0"]]
    )
    qtmux.ok("cleanup", *flags, cwd=repo)
    assert commits_before <= everything_reachable(repo)
    for name, files in dirty_before.items():
        if files:
            assert works[name].exists(), f"{name} had changes and was removed"
            assert dirty_files(works[name]) == files
