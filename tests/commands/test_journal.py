"""new, rename and sync killed (SIGKILL) at every step: the next command finishes or undoes them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from libtmux.server import Server

from tests.conftest import (
    QTmux,
    git,
    make_repo,
    registry_files,
    session_json,
    snapshot,
    worktree,
)

KILL = "Q_TMUX_TEST_KILL_AFTER"
#: Steps before the agent runs: the half-made session is undone.
NEW_UNDONE = [
    "new:journal",
    "new:branch",
    "new:worktree",
    "new:setup",
    "new:wiring",
    "new:session-file",
    "new:registry",
    "new:window",
]
#: Steps after the agent started: the session is finished.
NEW_FINISHED = ["new:agent", "new:recorded"]


def journals_left(home: Path) -> list[Path]:
    return sorted((home / ".local/state/q-tmux/journals").glob("*.json"))


def windows(server: Server) -> list[str]:
    """Every window as NAME<TAB>START-COMMAND."""
    if not server.is_alive():
        return []
    return list(
        server.cmd("list-windows", "-a", "-F", "#{window_name}\t#{pane_start_command}").stdout
    )


def branches(repo: Path) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split()


def assert_one_whole_session(repo: Path, server: Server, home: Path, name: str) -> None:
    """Exactly one session ``name``: its branch, worktree, record, registry entry and window."""
    work = worktree(repo, name)
    assert branches(repo) == sorted(["main", name])
    listed = git(repo, "worktree", "list", "--porcelain").count("worktree ")
    assert listed == 2
    assert git(work, "symbolic-ref", "--short", "HEAD").strip() == name
    assert len(registry_files(home)) == 1
    record = session_json(work)
    assert record["name"] == name
    assert record["tmux"]["window_id"]
    (window,) = windows(server)
    assert window.startswith(f"{name}\t")
    assert "sleep 86400" not in window  # the placeholder never stays
    assert journals_left(home) == []


@pytest.mark.parametrize("step", NEW_UNDONE)
def test_new_killed_before_its_agent_runs_is_undone_by_the_next_new(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path, step: str
) -> None:
    killed = qtmux("new", "n1", "--detach", cwd=repo, env={KILL: step})
    assert killed.returncode == -9
    again = qtmux.ok("new", "n1", "--detach", cwd=repo)
    assert "undid the interrupted 'new n1'" in again.stderr
    assert_one_whole_session(repo, server, isolated_env, "n1")


@pytest.mark.parametrize("recoverer", ["doctor", "cleanup"])
@pytest.mark.parametrize("step", ["new:worktree", "new:window"])
def test_doctor_and_cleanup_undo_a_killed_new_completely(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path, step: str, recoverer: str
) -> None:
    before = snapshot(repo, server, isolated_env)
    assert qtmux("new", "n1", "--detach", cwd=repo, env={KILL: step}).returncode == -9
    settled = qtmux(recoverer, cwd=repo)
    assert "Traceback" not in settled.stderr
    assert "undid the interrupted 'new n1'" in settled.stdout + settled.stderr
    assert snapshot(repo, server, isolated_env) == before
    assert journals_left(isolated_env) == []
    assert windows(server) == []


@pytest.mark.parametrize("step", NEW_FINISHED)
def test_new_killed_after_its_agent_started_is_finished(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path, step: str
) -> None:
    assert qtmux("new", "n1", "--detach", cwd=repo, env={KILL: step}).returncode == -9
    settled = qtmux("doctor", cwd=repo)
    assert "Traceback" not in settled.stderr
    assert_one_whole_session(repo, server, isolated_env, "n1")
    listed = qtmux.ok("list", "--json", cwd=repo).json()
    assert [s["name"] for s in listed] == ["n1"]


def test_undoing_a_killed_new_keeps_what_was_put_in_its_worktree(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    assert qtmux("new", "n1", "--detach", cwd=repo, env={KILL: "new:worktree"}).returncode == -9
    work = worktree(repo, "n1")
    (work / "mine.txt").write_text("typed before anything noticed\n")
    qtmux.ok("new", "n2", "--detach", cwd=repo)
    assert not work.exists()
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/q-tmux/archive/").split()
    (ref,) = refs
    assert git(repo, "show", f"{ref}:mine.txt") == "typed before anything noticed\n"


RENAME_STEPS = [
    "rename:journal",
    "rename:branch",
    "rename:session-file",
    "rename:registry",
    "rename:window",
]


@pytest.mark.parametrize("step", RENAME_STEPS)
def test_rename_killed_at_any_step_is_finished_and_can_be_renamed_again(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path, step: str
) -> None:
    qtmux.ok("new", "r1", "--detach", cwd=repo)
    work = worktree(repo, "r1")
    killed = qtmux("rename", "r1", "r2", cwd=repo, env={KILL: step})
    assert killed.returncode == -9
    qtmux.ok("rename", "r1", "r2", cwd=repo)  # the same command again: it is done
    assert branches(repo) == ["main", "r2"]
    record = session_json(work)
    assert (record["name"], record["worktree_info"]["branch"]) == ("r2", "r2")
    (window,) = windows(server)
    assert window.startswith("r2\t")
    assert journals_left(isolated_env) == []
    qtmux.ok("rename", "r2", "r3", cwd=repo)
    assert branches(repo) == ["main", "r3"]
    assert session_json(work)["name"] == "r3"


@pytest.mark.parametrize("step", ["sync:journal", "sync:merged"])
def test_sync_killed_at_any_step_is_finished_by_the_next_command(
    qtmux: QTmux, repo: Path, isolated_env: Path, step: str
) -> None:
    qtmux.ok("new", "s1", "--detach", cwd=repo)
    work = worktree(repo, "s1")
    (repo / "base.txt").write_text("new on main\n")
    git(repo, "add", "base.txt")
    git(repo, "commit", "-q", "-m", "main moves on")
    killed = qtmux("sync", "s1", cwd=repo, env={KILL: step})
    assert killed.returncode == -9
    qtmux("doctor", cwd=repo)
    assert journals_left(isolated_env) == []
    ancestor = ["git", "-C", str(repo), "merge-base", "--is-ancestor", "main", "s1"]
    assert subprocess.run(ancestor, check=False).returncode == 0
    assert (work / "base.txt").read_text() == "new on main\n"
    assert git(work, "status", "--porcelain") == ""
    again = qtmux.ok("sync", "s1", cwd=repo)
    assert "already has everything" in again.stdout


def test_ten_parallel_new_with_one_message_take_ten_names_and_one_tmux_session(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    argv = [sys.executable, "-m", "q_tmux", "-L", str(server.socket_name)]
    env = {**os.environ, **qtmux.env}
    env.pop("TMUX", None)
    running = [
        subprocess.Popen(
            [*argv, "new", "Fix the parser crash", "--detach"],
            cwd=repo,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(10)
    ]
    failures = []
    for process in running:
        _, err = process.communicate(timeout=180)
        if process.returncode != 0:
            failures.append(err)
    assert failures == []
    names = {line.split("\t")[0] for line in windows(server)}
    assert len(names) == 10
    assert all(name.startswith("fix-parser-crash") for name in names)
    assert len(registry_files(isolated_env)) == 10
    assert len(server.cmd("list-sessions").stdout) == 1
    assert journals_left(isolated_env) == []


@pytest.mark.parametrize("step", ["new:worktree", "new:session-file", "new:window"])
def test_a_killed_workspace_new_is_undone_in_every_repository(
    qtmux: QTmux, tmp_path: Path, server: Server, isolated_env: Path, step: str
) -> None:
    root = tmp_path / "shop"
    repos = [make_repo(root / name) for name in ("backend", "frontend")]
    before = [(branches(r), git(r, "worktree", "list", "--porcelain")) for r in repos]
    assert qtmux("new", "w1", "--detach", cwd=root, env={KILL: step}).returncode == -9
    assert "undid the interrupted 'new w1'" in qtmux("doctor", cwd=root).stdout
    assert [(branches(r), git(r, "worktree", "list", "--porcelain")) for r in repos] == before
    assert not (tmp_path / "shop.worktrees").exists()
    assert registry_files(isolated_env) == []
    assert windows(server) == []
    assert journals_left(isolated_env) == []
