"""A warm ``merge --dry-run`` asks git each question once (issue 16: it found the repository
four times and listed the worktrees twice)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.commands.test_facts import calls, git_log
from tests.commands.test_merge import session_with_commits
from tests.conftest import QTmux

__all__ = ["git_log"]  # the fixture, used by name


def test_a_warm_dry_run_asks_git_each_question_once(
    qtmux: QTmux, repo: Path, git_log: tuple[dict[str, str], Path]
) -> None:
    env, log = git_log
    session_with_commits(qtmux, repo, "a", {"a.txt": "a\n"})
    session_with_commits(qtmux, repo, "b", {"b.txt": "b\n"})
    qtmux.ok("merge", "a", "--dry-run", cwd=repo, env=env)  # the facts are known from now on
    calls(log)
    out = qtmux.ok("merge", "a", "--dry-run", cwd=repo, env=env).stdout
    assert "conflicts with main: none" in out
    asked = calls(log)
    assert [call for call, times in Counter(asked).items() if times > 1] == []
    # The repository is found from its .git folder (as the journal's place is), the worktrees
    # listed once, and the base worktree's git dir read from the worktree list: git's
    # version, the two statuses and the worktree list are all a warm preview asks.
    assert not [call for call in asked if "--show-toplevel" in call], asked
    assert not [call for call in asked if "--absolute-git-dir" in call], asked
    assert len(asked) <= 4, asked


def _imported(stderr: str) -> set[str]:
    """The modules ``-X importtime`` (PYTHONPROFILEIMPORTTIME) named on stderr."""
    return {line.split("|")[-1].strip() for line in stderr.splitlines() if "import time:" in line}


@pytest.mark.subprocess
def test_new_and_the_dry_run_import_neither_libtmux_nor_plumbum(qtmux: QTmux, repo: Path) -> None:
    timed = {"PYTHONPROFILEIMPORTTIME": "1"}
    made = qtmux.ok("new", "a", "--detach", "hello", cwd=repo, env=timed)
    assert "q_tmux.sessions.create" in _imported(made.stderr)
    assert not {"libtmux", "plumbum", "httpx"} & _imported(made.stderr)
    session_with_commits(qtmux, repo, "b", {"b.txt": "b\n"})
    preview = qtmux.ok("merge", "b", "--dry-run", cwd=repo, env=timed)
    assert "q_tmux.merge.preview" in _imported(preview.stderr)
    assert not {"libtmux", "plumbum", "httpx"} & _imported(preview.stderr)


@pytest.mark.subprocess
def test_the_dry_run_imports_neither_click_nor_the_merge_engine(qtmux: QTmux, repo: Path) -> None:
    """The preview is read-only: no click (the fast path answers it), and not the engine,
    which only a merge (or settling an interrupted one) needs."""
    session_with_commits(qtmux, repo, "b", {"b.txt": "b\n"})
    timed = {"PYTHONPROFILEIMPORTTIME": "1"}
    preview = qtmux.ok("merge", "b", "--dry-run", cwd=repo, env=timed)
    assert "1 file(s) changed, +1 -0:" in preview.stdout
    imported = _imported(preview.stderr)
    assert "q_tmux.cli.merge_preview" in imported
    assert not {"click", "q_tmux.merge.engine"} & imported
