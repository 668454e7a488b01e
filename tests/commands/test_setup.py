"""Per-worktree setup from a repository's .q-tmux.toml: files, commands, environment, trust."""

from __future__ import annotations

from pathlib import Path

import pytest
from libtmux.server import Server

from tests.conftest import QTmux, snapshot, wait_for, worktree

SETUP = """[setup]
copy = [".env"]
link = ["cache"]
run = ["echo made > made.txt"]
env = { BUILD_DIR = "{worktree}/target", SESSION = "{name}" }
"""


def test_files_commands_and_environment_reach_the_new_worktree(qtmux: QTmux, repo: Path) -> None:
    (repo / ".env").write_text("SECRET=1\n")
    (repo / "cache").mkdir()
    (repo / ".q-tmux.toml").write_text(SETUP)
    agent = "sh -c 'echo \"$BUILD_DIR $SESSION\" > seen.txt; exec sleep 60'"
    result = qtmux.ok("new", "built", "--agent", agent, "--trust-setup", "--detach", cwd=repo)
    work = worktree(repo, "built")
    assert "setup: copied .env" in result.stdout
    assert "setup: echo made > made.txt" in result.stdout
    assert (work / ".env").read_text() == "SECRET=1\n"
    assert (work / "cache").resolve() == (repo / "cache").resolve()
    assert (work / "made.txt").read_text() == "made\n"
    wait_for(
        lambda: (work / "seen.txt").exists() and (work / "seen.txt").read_text(),
        what="the agent to see its environment",
    )
    assert (work / "seen.txt").read_text() == f"{work}/target built\n"


def test_a_repositorys_commands_need_the_users_consent_first(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    (repo / ".q-tmux.toml").write_text('[setup]\nrun = ["touch ran"]\n')
    before = snapshot(repo, server, isolated_env)
    result = qtmux("new", "x", "--detach", cwd=repo)
    assert result.returncode == 2
    assert "asks to run setup commands you have not allowed yet" in result.stderr
    assert snapshot(repo, server, isolated_env) == before
    qtmux.ok("new", "x", "--trust-setup", "--detach", cwd=repo)
    qtmux.ok("new", "y", "--detach", cwd=repo)  # remembered
    (repo / ".q-tmux.toml").write_text('[setup]\nrun = ["touch ran", "touch more"]\n')
    changed = qtmux("new", "z", "--detach", cwd=repo)
    assert changed.returncode == 2  # a changed table is asked about again


@pytest.mark.parametrize("keep", [False, True])
def test_a_failing_command_removes_the_half_made_session_unless_kept(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path, keep: bool
) -> None:
    (repo / ".q-tmux.toml").write_text('[setup]\nrun = ["echo partial > p.txt", "exit 3"]\n')
    before = snapshot(repo, server, isolated_env)
    args = ["new", "broken", "--trust-setup", "--detach", *(["--keep-on-failure"] if keep else [])]
    result = qtmux(*args, cwd=repo)
    if keep:
        assert result.returncode == 0
        assert "failed (exit status 3). Kept the session anyway" in result.stderr
        assert (worktree(repo, "broken") / "p.txt").exists()
    else:
        assert result.returncode == 1
        assert "The setup command 'exit 3' failed (exit status 3)" in result.stderr
        assert snapshot(repo, server, isolated_env) == before


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[setup]\ncopy = ["../outside"]\n', "setup.copy"),
        ('[setup]\nlink = ["/etc"]\n', "setup.link"),
        ('[setup]\nenv = { "1BAD" = "x" }\n', "setup.env"),
        ('[setup]\nenv = { X = "{home}" }\n', "setup.env"),
    ],
)
def test_bad_setup_is_refused_naming_the_key(qtmux: QTmux, repo: Path, text: str, key: str) -> None:
    (repo / ".q-tmux.toml").write_text(text)
    result = qtmux("new", "x", "--trust-setup", "--detach", cwd=repo)
    assert result.returncode == 1
    assert f"key '{key}'" in result.stderr
    assert not worktree(repo, "x").exists()
