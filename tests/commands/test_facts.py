"""list, conflicts and the merge preview reuse what is known about commits; nothing stale."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.commands.test_merge import session_with_commits
from tests.conftest import QTmux, git, worktree


@pytest.fixture
def git_log(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ``git`` notes each call in a log, then runs the real git."""
    real = shutil.which("git")
    assert real is not None
    shims, log = tmp_path / "shims", tmp_path / "git-calls.log"
    shims.mkdir()
    shim = shims / "git"
    shim.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    return {"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"}, log


def calls(log: Path) -> list[str]:
    """The git calls logged since the last look (the log is emptied)."""
    if not log.exists():
        return []
    lines = log.read_text().splitlines()
    log.unlink()
    return lines


def test_a_warm_list_runs_no_git_and_a_moved_tip_is_shown_fresh(
    qtmux: QTmux, repo: Path, git_log: tuple[dict[str, str], Path]
) -> None:
    env, log = git_log
    work = session_with_commits(qtmux, repo, "a", {"a.txt": "a\n"})
    session_with_commits(qtmux, repo, "b", {"b.txt": "b\n"})
    first = {i["name"]: i for i in qtmux.ok("list", "--json", cwd=repo, env=env).json()}
    assert (first["a"]["ahead"], first["a"]["behind"]) == (1, 0)
    calls(log)
    again = {i["name"]: i for i in qtmux.ok("list", "--json", cwd=repo, env=env).json()}
    assert calls(log) == []
    assert again["a"]["ahead"] == again["b"]["ahead"] == 1
    assert "+1/-0" in qtmux.ok("list", cwd=repo, env=env).stdout
    assert calls(log) == []
    (work / "a2.txt").write_text("more\n")
    git(work, "add", "a2.txt")
    git(work, "commit", "-q", "-m", "more")
    (repo / "README.md").write_text("main moved\n")
    git(repo, "commit", "-qam", "main")
    moved = {i["name"]: i for i in qtmux.ok("list", "--json", cwd=repo, env=env).json()}
    assert (moved["a"]["ahead"], moved["a"]["behind"]) == (2, 1)
    assert (moved["b"]["ahead"], moved["b"]["behind"]) == (1, 1)
    assert any(call.startswith(f"-C {repo} rev-list") for call in calls(log))


def test_refresh_computes_everything_again(
    qtmux: QTmux, repo: Path, git_log: tuple[dict[str, str], Path]
) -> None:
    env, log = git_log
    session_with_commits(qtmux, repo, "a", {"shared.txt": "a\n"})
    session_with_commits(qtmux, repo, "b", {"shared.txt": "b\n"})
    for command in (["list"], ["conflicts"], ["merge", "a", "--dry-run"]):
        qtmux.ok(*command, cwd=repo, env=env)
        calls(log)
        qtmux.ok(*command, "--refresh", cwd=repo, env=env)
        assert any("merge-tree" in call for call in calls(log)), command


def test_conflicts_asks_git_only_about_what_changed(
    qtmux: QTmux, repo: Path, git_log: tuple[dict[str, str], Path]
) -> None:
    env, log = git_log
    session_with_commits(qtmux, repo, "a", {"shared.txt": "a\n"})
    work = session_with_commits(qtmux, repo, "b", {"shared.txt": "b\n"})
    session_with_commits(qtmux, repo, "c", {"c.txt": "c\n"})
    before = qtmux.ok("conflicts", cwd=repo, env=env).stdout
    assert "a and b: share shared.txt; would CONFLICT in shared.txt" in before
    calls(log)
    assert qtmux.ok("conflicts", cwd=repo, env=env).stdout == before
    assert calls(log) == []
    (work / "shared.txt").write_text("a\n")  # b now makes a's change: no conflict left
    git(work, "commit", "-qam", "same as a")
    after = qtmux.ok("conflicts", cwd=repo, env=env).stdout
    assert "a and b: share shared.txt; merge cleanly together" in after
    asked = calls(log)
    assert any(git(work, "rev-parse", "HEAD").strip() in call for call in asked)
    main = git(repo, "rev-parse", "main").strip()
    for unmoved in ("a", "c"):  # nothing about the sessions whose tips stayed is asked again
        tip = git(worktree(repo, unmoved), "rev-parse", "HEAD").strip()
        assert not [call for call in asked if f"{main} {tip}" in call or f"{main}...{tip}" in call]


def test_the_dry_run_reuses_predictions_and_a_merge_computes_its_own(
    qtmux: QTmux, repo: Path, git_log: tuple[dict[str, str], Path]
) -> None:
    env, log = git_log
    session_with_commits(qtmux, repo, "a", {"a.txt": "a\n"})
    first = qtmux.ok("merge", "a", "--dry-run", cwd=repo, env=env).stdout
    calls(log)
    assert qtmux.ok("merge", "a", "--dry-run", cwd=repo, env=env).stdout == first
    assert not [call for call in calls(log) if "merge-tree" in call or "rev-list" in call]
    qtmux.ok("merge", "a", "--yes", cwd=repo, env=env)
    assert any("merge-tree" in call for call in calls(log))
    assert (repo / "a.txt").read_text() == "a\n"


def test_a_fact_file_not_of_our_making_is_no_error(qtmux: QTmux, repo: Path) -> None:
    from q_tmux.store.facts import facts_path

    session_with_commits(qtmux, repo, "a", {"a.txt": "a\n"})
    qtmux.ok("list", cwd=repo)
    path = Path(facts_path(str(repo)))
    text = path.read_text()
    assert ":[1,0]" in text  # a's ahead/behind
    path.write_text(text.replace(":[1,0]", ':"one"'))
    listed = {i["name"]: i for i in qtmux.ok("list", "--json", cwd=repo).json()}
    assert (listed["a"]["ahead"], listed["a"]["behind"]) == (1, 0)
    path.write_text("{ torn")
    assert "+1/-0" in qtmux.ok("list", cwd=repo).stdout
    assert qtmux.ok("conflicts", cwd=repo).stdout
