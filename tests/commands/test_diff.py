"""``q-tmux diff``: what a session would bring to its base, committed or not, untracked included."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from libtmux.server import Server

from tests.commands.test_merge import session_with_commits
from tests.conftest import QTmux, git, make_repo, worktree


def index_of(work: Path) -> bytes:
    """The worktree's own index file, byte for byte."""
    git_dir = Path(git(work, "rev-parse", "--absolute-git-dir").strip())
    return (git_dir / "index").read_bytes()


def test_diff_shows_commits_changes_and_untracked_files_since_the_branch_point(
    qtmux: QTmux, repo: Path
) -> None:
    work = session_with_commits(qtmux, repo, "s", {"done.txt": "committed\n"})
    (work / "README.md").write_text("hello\nchanged, not committed\n")
    (work / "staged.txt").write_text("staged\n")
    git(work, "add", "staged.txt")
    (work / "brand new.txt").write_text("untracked\n")
    (work / ".gitignore").write_text("*.log\n")
    (work / "noise.log").write_text("ignored\n")
    # The base moves on: its new commit is no part of what the session brings.
    (repo / "main-only.txt").write_text("main\n")
    git(repo, "add", "main-only.txt")
    git(repo, "commit", "-q", "-m", "main moves")
    index_before = index_of(work)
    status_before = git(work, "status", "--porcelain")

    out = qtmux.ok("diff", "s", cwd=repo).stdout

    assert "+committed" in out
    assert "+changed, not committed" in out
    assert "+staged" in out
    assert "diff --git a/brand new.txt b/brand new.txt\nnew file mode" in out
    assert "+untracked" in out
    assert "main-only.txt" not in out
    assert "noise.log" not in out
    assert "session.json" not in out  # q-tmux's own file is excluded
    assert "\x1b[" not in out  # a pipe gets no colour
    # The user's index is byte for byte what it was: the untracked file is still untracked.
    assert index_of(work) == index_before
    assert git(work, "status", "--porcelain") == status_before


def test_diff_stat(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "s", {"done.txt": "a\nb\n"})
    (work / "new.txt").write_text("x\n")
    out = qtmux.ok("diff", "s", "--stat", cwd=repo).stdout
    assert " done.txt | 2 ++" in out
    assert " new.txt  | 1 +" in out
    assert "2 files changed, 3 insertions(+)" in out
    assert "diff --git" not in out


def test_diff_without_name_is_the_session_you_are_in(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "here", {"h.txt": "here\n"})
    session_with_commits(qtmux, repo, "other", {"o.txt": "other\n"})
    out = qtmux.ok("diff", cwd=work).stdout
    assert "+here" in out
    assert "o.txt" not in out


def test_diff_of_a_workspace_session_covers_every_repository(qtmux: QTmux, tmp_path: Path) -> None:
    root = tmp_path / "shop"
    for relative in ("backend", "frontend"):
        make_repo(root / relative, {"README.md": f"{relative}\n"})
    qtmux.ok("new", "ws", "--detach", cwd=root)
    folder = tmp_path / "shop.worktrees" / "ws"
    (folder / "backend" / "api.txt").write_text("api\n")
    (folder / "frontend" / "README.md").write_text("frontend\nmore\n")
    out = qtmux.ok("diff", "ws", cwd=root).stdout
    backend, frontend = out.index("=== backend: "), out.index("=== frontend: ")
    assert backend < out.index("+api") < frontend < out.index("+more")
    stat = qtmux.ok("diff", "ws", "--stat", cwd=root).stdout
    assert "=== backend: " in stat
    assert " api.txt | 1 +" in stat


def test_diff_on_a_terminal_goes_through_the_users_pager(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = session_with_commits(qtmux, repo, "s", {"done.txt": "paged\n"})
    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "q_tmux", "-L", str(server.socket_name), "diff", "s"],
        cwd=work,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=subprocess.PIPE,
        env={**os.environ, **qtmux.env, "GIT_PAGER": "sed 's/^/PAGER: /'", "TERM": "xterm"},
    )
    os.close(terminal)
    seen = b""
    try:
        while chunk := os.read(controller, 65536):
            seen += chunk
    except OSError:  # the child closed the terminal
        pass
    assert child.wait(timeout=60) == 0, child.stderr.read() if child.stderr else ""
    text = seen.decode(errors="replace")
    assert "PAGER: " in text
    assert "paged" in text
    os.close(controller)


def test_diff_refuses_bad_input_in_one_sentence(qtmux: QTmux, repo: Path) -> None:
    unknown = qtmux("diff", "nobody", cwd=repo)
    assert unknown.returncode != 0
    assert unknown.stderr == "q-tmux: There is no session named 'nobody'; see 'q-tmux list'.\n"

    nowhere = qtmux("diff", cwd=repo)
    assert nowhere.returncode != 0
    assert nowhere.stderr == "q-tmux: Name the session, or run this inside one.\n"

    session_with_commits(qtmux, repo, "gone", {"g.txt": "g\n"})
    git(repo, "worktree", "remove", "--force", str(worktree(repo, "gone")))
    gone = qtmux("diff", "gone", cwd=repo)
    assert gone.returncode != 0
    assert gone.stderr.startswith("q-tmux: Session 'gone' has no worktree any more")
    assert gone.stderr.count("\n") == 1
    assert gone.stdout == ""
