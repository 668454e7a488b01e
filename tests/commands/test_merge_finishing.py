"""merge as a user finishes work: from inside the session, with setup files, with children."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from libtmux.server import Server

from tests.commands.test_merge import branch_exists, oid, session_with_commits
from tests.conftest import QTmux, git, registry_files, worktree


@pytest.mark.subprocess  # its working folder is removed under the process itself
@pytest.mark.parametrize("how", ["command", "key"])
def test_merge_run_inside_the_session_worktree_finishes_its_clean_up(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path, how: str
) -> None:
    from libtmux._internal.control_mode import ControlMode

    work = session_with_commits(qtmux, repo, "inside", {"in.txt": "in\n"})
    tip = oid(repo, "inside")
    if how == "command":  # `q-tmux merge -y` typed in the session's own worktree
        result = qtmux("merge", "-y", cwd=work)
    else:  # the G key runs in the pane's folder, for the window the client looks at
        server.cmd("select-window", "-t", "app:inside")
        tmux_session = server.sessions.get(session_name="app")
        assert tmux_session is not None
        with ControlMode(server=server, session=tmux_session) as client:
            result = qtmux("merge", "--from-key", "--client", client.client_name, "-y", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "internal error" not in result.stderr
    assert "Cleaned up" in result.stdout
    assert (repo / "in.txt").read_text() == "in\n"
    assert git(repo, "rev-parse", "main^2").strip() == tip
    assert not work.exists()
    assert not branch_exists(repo, "inside")
    assert registry_files(isolated_env) == []
    assert not (repo / ".git" / "q-tmux").exists()  # no merge journal left


def test_a_command_whose_folder_was_removed_still_works(
    qtmux: QTmux, tmp_path: Path, repo: Path
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    script = f'cd "$1" && rmdir "$1" && exec "{sys.executable}" -m q_tmux "$@"'
    result = subprocess.run(
        [
            "sh",
            "-c",
            script.replace('"$@"', '-L "$2" list'),
            "sh",
            str(gone),
            str(qtmux.server.socket_name),
        ],
        env={**os.environ, **qtmux.env},
        capture_output=True,
        text=True,
        check=False,
        cwd=repo,
    )
    assert result.returncode == 0, result.stderr
    assert "internal error" not in result.stderr


def test_only_uncommitted_work_is_refused_naming_the_files(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "wip", "--detach", cwd=repo)
    work = worktree(repo, "wip")
    (work / "draft.py").write_text("print('draft')\n")
    (work / "README.md").write_text("changed\n")
    old = oid(repo, "main")
    result = qtmux("merge", "wip", "--yes", cwd=repo)
    assert result.returncode == 1
    assert "Nothing to merge" not in result.stdout
    assert "draft.py" in result.stderr
    assert "README.md" in result.stderr
    assert "--commit" in result.stderr
    assert oid(repo, "main") == old
    assert (work / "draft.py").exists()
    qtmux.ok("merge", "wip", "--yes", "--commit", cwd=repo)
    assert (repo / "draft.py").read_text() == "print('draft')\n"


SETUP = """[setup]
copy = [".env"]
link = ["cache"]
run = ["echo built > made.txt", "mkdir -p out/deep && echo x > 'out/deep/a*b.txt'"]
"""


@pytest.mark.parametrize("commit", [False, True])
def test_files_made_by_setup_neither_block_the_merge_nor_get_committed(
    qtmux: QTmux, repo: Path, commit: bool
) -> None:
    (repo / ".env").write_text("SECRET=1\n")
    (repo / "cache").mkdir()
    (repo / ".q-tmux.toml").write_text(SETUP)
    git(repo, "add", ".q-tmux.toml")
    git(repo, "commit", "-q", "-m", "setup table")
    (repo / ".env").write_text("SECRET=1\n")  # the user's, not ignored by any .gitignore
    qtmux.ok("new", "setup", "--trust-setup", "--detach", cwd=repo)
    work = worktree(repo, "setup")
    assert (work / ".env").exists()
    assert (work / "out/deep/a*b.txt").exists()
    (work / "real.txt").write_text("the session's work\n")
    if not commit:
        git(work, "add", "real.txt")
        git(work, "commit", "-q", "-m", "real work")
    result = qtmux("merge", "setup", "--yes", *(["--commit"] if commit else []), cwd=repo)
    assert result.returncode == 0, result.stderr
    if not commit:
        assert "uncommitted in the session: none" in result.stdout
    tree = git(repo, "ls-tree", "-r", "--name-only", "main").split()
    assert "real.txt" in tree
    assert not {".env", "made.txt", "cache", "out/deep/a*b.txt"} & set(tree)
    assert not worktree(repo, "setup").exists()


def test_a_merge_journal_left_by_the_previous_version_is_finished(
    qtmux: QTmux, repo: Path, isolated_env: Path
) -> None:
    """Before one journal, a one-repository merge kept a flat one in the common git dir."""
    import json

    work = session_with_commits(qtmux, repo, "old", {"old.txt": "old\n"})
    killed = qtmux("merge", "old", "--yes", cwd=repo, env={"Q_TMUX_TEST_KILL_AFTER": "base"})
    assert killed.returncode == -9
    (current,) = (isolated_env / ".local/state/q-tmux/merges").glob("*.json")
    data = json.loads(current.read_text())
    (entry,) = data["repos"]
    flat = {"record": data["record"], "mode": data["mode"]}
    flat |= {key: entry[key] for key in ("base", "branch", "old", "new", "tip", "work_dir")}
    legacy = repo / ".git" / "q-tmux" / f"merge-{current.stem}.json"
    legacy.parent.mkdir()
    legacy.write_text(json.dumps(flat))
    current.unlink()
    refused = qtmux("rm", "old", "--force", cwd=repo)  # found there too, and respected
    assert refused.returncode == 1
    assert "q-tmux merge old" in refused.stderr
    again = qtmux.ok("merge", "old", "--yes", cwd=repo)
    assert "finishing the interrupted merge of 'old' into main" in again.stderr
    assert (repo / "old.txt").read_text() == "old\n"
    assert not work.exists()
    assert not branch_exists(repo, "old")
    assert registry_files(isolated_env) == []
    assert not (repo / ".git" / "q-tmux").exists()
    assert not (isolated_env / ".local/state/q-tmux/merges").exists()
