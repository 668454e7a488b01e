"""``q-tmux fork`` and ``q-tmux new --with-changes`` end to end: real git, real tmux, the stand-in.

The source worktree holds every kind of uncommitted change: staged, unstaged,
staged and changed again, untracked, a rename, deletions (staged and not), an
ignored file, and files whose names need quoting. Afterwards both worktrees
are compared file by file, and ``git status`` of each.
"""

from __future__ import annotations

import os
import subprocess
from fnmatch import fnmatch
from pathlib import Path

import pytest
from libtmux.server import Server

from tests.conftest import (
    QTmux,
    git,
    launches,
    pane_text,
    session_json,
    snapshot,
    wait_for,
    worktree,
)

QUOTED = "a b'$(touch pwned)\".txt"
UNTRACKED_QUOTED = "new dir/u; $(touch pwned) #{x}.txt"


def make_changes(work: Path) -> None:
    """Every kind of uncommitted change, on top of the files ``committed`` made."""
    (work / "staged.txt").write_text("staged change\n")
    git(work, "add", "staged.txt")
    (work / "both.txt").write_text("staged part\n")
    git(work, "add", "both.txt")
    (work / "both.txt").write_text("staged part\nand an unstaged part\n")
    (work / "keep.txt").write_text("unstaged change\n")
    git(work, "mv", "old-name.txt", "new-name.txt")
    (work / "gone.txt").unlink()
    git(work, "rm", "-q", "dir/nested.txt")
    (work / QUOTED).write_text("quoted, changed\n")
    (work / UNTRACKED_QUOTED).parent.mkdir()
    (work / UNTRACKED_QUOTED).write_text("untracked with an odd name\n")
    (work / "untracked.txt").write_text("untracked\n")
    (work / "build.log").write_text("ignored: stays where it is\n")
    os.chmod(work / "script.sh", 0o755)


def committed(work: Path) -> None:
    files = {
        ".gitignore": "*.log\n",
        "keep.txt": "keep\n",
        "staged.txt": "staged\n",
        "both.txt": "both\n",
        "old-name.txt": "renamed, same content\n",
        "gone.txt": "deleted\n",
        "dir/nested.txt": "nested\n",
        "script.sh": "#!/bin/sh\n",
        QUOTED: "quoted\n",
    }
    for name, content in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(content)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "files to change")


def status(work: Path) -> str:
    return git(work, "status", "--porcelain=v1", "-z", "--untracked-files=all")


def files(work: Path) -> dict[str, tuple[bytes, bool]]:
    """Every file git sees (tracked or untracked, not ignored): content and executable bit."""
    listed = git(work, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    found = {}
    for name in filter(None, listed.split("\0")):
        path = work / name
        if path.exists():
            found[name] = (path.read_bytes(), os.access(path, os.X_OK))
    return found


def git_state(work: Path) -> tuple[bytes, bytes, str]:
    """The worktree's index and HEAD files, byte for byte, and where HEAD points."""
    index = Path(git(work, "rev-parse", "--path-format=absolute", "--git-path", "index").strip())
    head = Path(git(work, "rev-parse", "--path-format=absolute", "--git-path", "HEAD").strip())
    return index.read_bytes(), head.read_bytes(), git(work, "rev-parse", "HEAD")


def everything(work: Path) -> dict[str, bytes]:
    """Every file under ``work``, ignored ones included, but git's and the live session file."""
    return {
        str(p.relative_to(work)): p.read_bytes()
        for p in sorted(work.rglob("*"))
        if p.is_file()
        and ".git" not in p.relative_to(work).parts
        and p.relative_to(work) != Path(".amazonq/session.json")  # the agent's status moves
        and not fnmatch(p.name, ".session.json.*.tmp")  # and is written through a temporary
    }


def wait_started(server: Server, work: Path, text: str) -> None:
    pane = str(session_json(work)["tmux"]["pane_id"])
    wait_for(lambda: text in pane_text(server, pane), what=f"{text!r} in the agent's pane")


@pytest.fixture
def source(qtmux: QTmux, repo: Path) -> Path:
    """Session 'work' with every kind of change in its worktree."""
    qtmux.ok("new", "work", "Build the thing", "--detach", cwd=repo)
    work = worktree(repo, "work")
    committed(work)
    make_changes(work)
    return work


def test_fork_carries_every_change_and_leaves_the_source_untouched(
    qtmux: QTmux, repo: Path, source: Path, server: Server, agent_log: Path
) -> None:
    before_status, before_files = status(source), files(source)
    before_git, before_all = git_state(source), everything(source)
    head = git(source, "rev-parse", "HEAD").strip()

    result = qtmux.ok("fork", "work", "--detach", cwd=repo)

    fork = worktree(repo, "work-fork")
    assert "Session 'work-fork' forked from 'work'" in result.stdout
    assert status(fork) == before_status  # staged stays staged, untracked untracked
    assert files(fork) == before_files
    assert not (fork / "build.log").exists()  # ignored files are not carried
    # The source: index, HEAD and every file byte for byte as they were.
    assert git_state(source) == before_git
    assert everything(source) == before_all
    assert not list(repo.parent.rglob("pwned"))
    assert not (Path.cwd() / "pwned").exists()

    data = session_json(fork)
    info = data["worktree_info"]
    assert (info["branch"], info["base_branch"], info["base_oid"]) == ("work-fork", "main", head)
    assert git(fork, "rev-parse", "HEAD").strip() == head
    # Q cannot fork a conversation: it starts fresh, told where it came from.
    wait_started(server, fork, "Echo: This session is a fork")
    launch = next(item for item in launches(agent_log) if item["cwd"] == str(fork))
    message = launch["argv"][-1]
    assert message.startswith("This session is a fork of session 'work' (branch work at")
    assert message.endswith("Its task was: Build the thing")


def test_a_post_checkout_hook_still_runs_in_the_fork(
    qtmux: QTmux, repo: Path, source: Path, tmp_path: Path
) -> None:
    """Without a hook the fork's worktree is made empty and filled in one pass; a
    ``post-checkout`` hook (which an empty one would skip) gets the usual checkout."""
    ran = tmp_path / "hook ran"
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "post-checkout").write_text(f"#!/bin/sh\necho \"$PWD $3\" >> '{ran}'\n")
    (hooks / "post-checkout").chmod(0o755)
    git(repo, "config", "core.hooksPath", str(hooks))
    before_status, before_files = status(source), files(source)

    qtmux.ok("fork", "work", "hooked", "-d", cwd=repo)

    hooked = worktree(repo, "hooked")
    assert ran.read_text() == f"{hooked} 1\n"
    assert status(hooked) == before_status
    assert files(hooked) == before_files


def test_an_unnamed_fork_counts_up(qtmux: QTmux, repo: Path, source: Path) -> None:
    qtmux.ok("fork", "work", "-d", cwd=repo)
    qtmux.ok("fork", "work", "-d", cwd=repo)
    qtmux.ok("fork", "work", "again", "-d", cwd=repo)
    names = {p.name for p in (repo.parent / "app.worktrees").iterdir()}
    assert names == {"work", "work-fork", "work-fork-2", "again"}
    assert files(worktree(repo, "again")) == files(source)


def test_with_changes_moves_them_and_leaves_the_source_clean(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    committed(repo)
    make_changes(repo)
    before_status, before_files = status(repo), files(repo)
    head = git(repo, "rev-parse", "HEAD")

    result = qtmux.ok("new", "moved", "Carry on", "--with-changes", "-d", cwd=repo)

    moved = worktree(repo, "moved")
    assert "moved the uncommitted changes" in result.stderr
    assert status(moved) == before_status
    assert files(moved) == before_files
    assert status(repo) == ""  # untracked files included
    assert git(repo, "rev-parse", "HEAD") == head
    assert (repo / "build.log").exists()  # ignored: never moved, never removed
    assert not (repo / "new dir").exists()
    assert files(repo) == {
        name: (content.encode(), False)  # the mode change moved too
        for name, content in {
            ".gitignore": "*.log\n",
            "README.md": "hello\n",
            "keep.txt": "keep\n",
            "staged.txt": "staged\n",
            "both.txt": "both\n",
            "old-name.txt": "renamed, same content\n",
            "gone.txt": "deleted\n",
            "dir/nested.txt": "nested\n",
            "script.sh": "#!/bin/sh\n",
            QUOTED: "quoted\n",
        }.items()
    }
    wait_started(server, moved, "Echo: Carry on")


def test_with_changes_makes_a_worktree_whatever_the_type_says(qtmux: QTmux, repo: Path) -> None:
    (repo / "README.md").write_text("changed\n")
    qtmux.ok("new", "look", "--type", "exploration", "--with-changes", "-d", cwd=repo)
    assert (worktree(repo, "look") / "README.md").read_text() == "changed\n"
    assert status(repo) == ""


def test_a_new_that_fails_after_the_copy_leaves_the_changes_where_they_were(
    qtmux: QTmux, repo: Path
) -> None:
    (repo / ".q-tmux.toml").write_text('[setup]\nrun = ["exit 3"]\n')
    committed(repo)
    make_changes(repo)
    before_status, before_files = status(repo), files(repo)
    args = ("new", "broken", "--with-changes", "--trust-setup", "-d")
    result = qtmux(*args, cwd=repo)  # the setup fails once the copy is in the new worktree
    assert result.returncode != 0
    assert "The setup command 'exit 3' failed" in result.stderr
    assert not worktree(repo, "broken").exists()
    assert git(repo, "branch", "--list", "broken") == ""
    assert status(repo) == before_status
    assert files(repo) == before_files


def test_without_the_flag_nothing_moves(qtmux: QTmux, repo: Path) -> None:
    committed(repo)
    make_changes(repo)
    before = status(repo)
    qtmux.ok("new", "plain", "-d", cwd=repo)
    assert status(repo) == before
    assert status(worktree(repo, "plain")) == ""


# --- bad input: one sentence, a non-zero exit, nothing made ---


def refused(qtmux: QTmux, repo: Path, server: Server, home: Path, *args: str, cwd: Path) -> str:
    before = snapshot(repo, server, home)
    result = qtmux(*args, cwd=cwd)
    assert result.returncode != 0
    assert result.stderr.startswith("q-tmux: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(repo, server, home) == before
    return result.stderr


def test_fork_of_an_unknown_session(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    error = refused(qtmux, repo, server, isolated_env, "fork", "nothing", cwd=repo)
    assert "no session named" in error


def test_fork_of_a_session_whose_worktree_is_gone(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    qtmux.ok("new", "lost", "-d", cwd=repo)
    subprocess.run(["rm", "-rf", str(worktree(repo, "lost"))], check=True)
    error = refused(qtmux, repo, server, isolated_env, "fork", "lost", cwd=repo)
    assert "worktree" in error
    assert "is gone" in error


def conflicting_branch(work: Path) -> None:
    """Branch ``other`` and the worktree's branch both change ``clash.txt``."""
    (work / "clash.txt").write_text("base\n")
    git(work, "add", "clash.txt")
    git(work, "commit", "-q", "-m", "clash base")
    git(work, "branch", "other")
    (work / "clash.txt").write_text("ours\n")
    git(work, "commit", "-q", "-am", "ours")
    git(work, "checkout", "-q", "other")
    (work / "clash.txt").write_text("theirs\n")
    git(work, "commit", "-q", "-am", "theirs")
    git(work, "checkout", "-q", "-")


@pytest.mark.parametrize("operation", ["merge", "rebase"])
def test_fork_mid_merge_or_rebase_is_refused(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path, operation: str
) -> None:
    qtmux.ok("new", "busy", "-d", cwd=repo)
    work = worktree(repo, "busy")
    conflicting_branch(work)
    stopped = subprocess.run(["git", "-C", str(work), operation, "other"], capture_output=True)
    assert stopped.returncode != 0  # stopped on the conflict
    error = refused(qtmux, repo, server, isolated_env, "fork", "busy", cwd=repo)
    assert f"a {operation} is under way" in error


def test_with_changes_outside_a_repository(
    qtmux: QTmux, repo: Path, tmp_path: Path, server: Server, isolated_env: Path
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    error = refused(qtmux, repo, server, isolated_env, "new", "x", "--with-changes", cwd=plain)
    assert "not inside a git repository" in error
    assert list(plain.iterdir()) == []


def test_with_changes_and_no_worktree(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    (repo / "README.md").write_text("changed\n")
    args = ("new", "x", "--with-changes", "--no-worktree")
    error = refused(qtmux, repo, server, isolated_env, *args, cwd=repo)
    assert "--no-worktree" in error
    assert (repo / "README.md").read_text() == "changed\n"


def test_with_changes_and_a_conflict_in_the_source(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    (repo / "README.md").write_text("stashed\n")
    git(repo, "stash", "-q")
    (repo / "README.md").write_text("committed\n")
    git(repo, "commit", "-q", "-am", "moves on")
    subprocess.run(["git", "-C", str(repo), "stash", "apply", "-q"], capture_output=True)
    assert "UU README.md" in git(repo, "status", "--porcelain")  # unmerged, no operation
    error = refused(qtmux, repo, server, isolated_env, "new", "x", "--with-changes", cwd=repo)
    assert "unresolved conflicts" in error
