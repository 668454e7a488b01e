"""``q-tmux new`` end to end: real git repositories, a real tmux server, the stand-in agent."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Protocol

import pytest
from libtmux.server import Server

from tests.conftest import (
    QTmux,
    git,
    launches,
    pane_text,
    registry_files,
    session_json,
    snapshot,
    wait_for,
)


def test_new_makes_branch_worktree_session_file_and_window(
    qtmux: QTmux, repo: Path, server: Server, agent_log: Path, isolated_env: Path
) -> None:
    base_oid = git(repo, "rev-parse", "HEAD").strip()
    result = qtmux.ok("new", "feature-auth", "Implement authentication", cwd=repo)
    worktree = repo.parent / "app.worktrees" / "feature-auth"
    assert "Session 'feature-auth' started" in result.stdout

    assert git(repo, "rev-parse", "feature-auth").strip() == base_oid
    assert git(worktree, "symbolic-ref", "--short", "HEAD").strip() == "feature-auth"
    data = session_json(worktree)
    info = data["worktree_info"]
    assert isinstance(info, dict)
    assert (info["branch"], info["base_branch"], info["base_oid"]) == (
        "feature-auth",
        "main",
        base_oid,
    )
    assert info["repo_root"] == str(repo)
    # The first message's hook may already have fired: never anything but these.
    assert data["status"] in ("starting", "processing", "waiting")
    assert data["first_message"] == "Implement authentication"
    tmux = data["tmux"]
    assert isinstance(tmux, dict)

    # The window is named after the session and runs the agent in the worktree.
    assert server.cmd(
        "display-message", "-p", "-t", str(tmux["window_id"]), "#{window_name}"
    ).stdout == ["feature-auth"]
    wait_for(
        lambda: "Echo: Implement authentication" in pane_text(server, str(tmux["pane_id"])),
        what="the agent's answer to the first message",
    )
    (launch,) = launches(agent_log)
    assert launch["argv"][1:] == ["chat", "--agent", "q_cli_default", "Implement authentication"]
    assert launch["cwd"] == str(worktree)

    # q-tmux's own file is invisible to git, in the repo and in the worktree.
    assert git(repo, "status", "--porcelain") == ""
    assert git(worktree, "status", "--porcelain") == ""
    assert not (repo / ".gitignore").exists()
    assert len(registry_files(isolated_env)) == 1


def test_second_session_reuses_the_repos_tmux_session(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    qtmux.ok("new", "one", cwd=repo)
    qtmux.ok("new", "two", cwd=repo)
    sessions = server.cmd("list-sessions", "-F", "#{session_name}").stdout
    assert sessions == ["app"]
    windows = server.cmd("list-windows", "-t", "app", "-F", "#{window_name}").stdout
    assert windows == ["one", "two"]


def test_base_option_starts_from_another_branch(qtmux: QTmux, repo: Path) -> None:
    git(repo, "branch", "release")
    git(repo, "commit", "-q", "--allow-empty", "-m", "main moves on")
    qtmux.ok("new", "hotfix", "--base", "release", cwd=repo)
    info = session_json(repo.parent / "app.worktrees" / "hotfix")["worktree_info"]
    assert isinstance(info, dict)
    assert info["base_branch"] == "release"
    assert info["base_oid"] == git(repo, "rev-parse", "release").strip()


def test_new_from_inside_a_session_worktree_bases_on_that_branch(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "outer", cwd=repo)
    qtmux.ok("new", "inner", cwd=repo.parent / "app.worktrees" / "outer")
    info = session_json(repo.parent / "app.worktrees" / "inner")["worktree_info"]
    assert isinstance(info, dict)
    assert info["base_branch"] == "outer"


def test_no_worktree_runs_in_the_current_directory(
    qtmux: QTmux, repo: Path, agent_log: Path
) -> None:
    (repo / "sub").mkdir()
    qtmux.ok("new", "here", "--no-worktree", cwd=repo / "sub")
    data = session_json(repo / "sub")
    info = data["worktree_info"]
    assert isinstance(info, dict)
    assert info["owns_worktree"] is False
    assert git(repo, "branch", "--list", "here") == ""
    assert git(repo, "status", "--porcelain") == ""
    wait_for(lambda: launches(agent_log), what="the agent to start")
    assert launches(agent_log)[0]["cwd"] == str(repo / "sub")


def test_no_worktree_outside_git(qtmux: QTmux, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    qtmux.ok("new", "notes", "--no-worktree", cwd=plain)
    assert session_json(plain)["name"] == "notes"


def test_agent_option_runs_a_command_with_the_prompt_placeholder(
    qtmux: QTmux, repo: Path, server: Server, tmp_path: Path
) -> None:
    out = tmp_path / "got.txt"
    qtmux.ok(
        "new",
        "custom",
        "hello; $(touch pwned)",
        "--agent",
        f"sh -c 'printf %s \"$1\" > {out}; exec cat' sh {{prompt}}",
        cwd=repo,
    )
    wait_for(out.exists, what="the custom agent to run")
    assert out.read_text() == "hello; $(touch pwned)"
    assert not (repo.parent / "app.worktrees" / "custom" / "pwned").exists()


def test_agent_that_fails_at_once_leaves_its_error_on_screen(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    # Fails during start-up, as a real agent does (tmux 3.3 can drop the output
    # of a process that exits within a millisecond of starting).
    failing = "sh -c 'sleep 0.1; echo cannot log in >&2; exit 3'"
    qtmux.ok("new", "broken", "--agent", failing, cwd=repo)
    pane = wait_for(
        lambda: [
            line
            for line in server.cmd("list-panes", "-a", "-F", "#{pane_id} #{pane_dead}").stdout
            if line.endswith(" 1")
        ],
        what="the pane to be dead",
    )
    # tmux may mark the pane dead a moment before it has read the last output.
    wait_for(
        lambda: "cannot log in" in pane_text(server, pane[0].split()[0]),
        what="the agent's error on screen",
    )
    listed = qtmux.ok("list", "--json", cwd=repo).json()
    assert listed[0]["state"] == "exited"


def test_detach_outside_tmux_prints_how_to_attach(qtmux: QTmux, repo: Path, server: Server) -> None:
    result = qtmux.ok("new", "bg", "--detach", cwd=repo)
    assert "Attach with" not in result.stdout
    result = qtmux.ok("new", "fg", cwd=repo)
    assert "attach -t app" in result.stdout


def test_inside_tmux_new_opens_in_the_current_session_and_switches(
    qtmux: QTmux, repo: Path, server: Server, control_mode: object
) -> None:
    from libtmux._internal.control_mode import ControlMode

    user_session = server.new_session("mine", start_directory=str(repo))
    user_pane = user_session.active_pane
    assert user_pane is not None
    socket = server.cmd("display-message", "-p", "-t", "mine:", "#{socket_path}").stdout[0]
    with ControlMode(server=server, session=user_session) as client:
        env = {"TMUX": f"{socket},1,0", "TMUX_PANE": str(user_pane.pane_id)}
        qtmux.ok("new", "inside", cwd=repo, env=env, socket=False)
        names = server.cmd("list-windows", "-t", "mine", "-F", "#{window_name}").stdout
        assert "inside" in names
        wait_for(
            lambda: (
                server.cmd(
                    "display-message", "-p", "-c", client.client_name, "#{window_name}"
                ).stdout
                == ["inside"]
            ),
            what="the client to be switched to the new window",
        )


# -- bad input: one sentence, non-zero exit, nothing left behind ---------------------------


HOSTILE = [
    ";",
    "a;b",
    "$(touch x)",
    "#(touch x)",
    "#{pane_id}",
    "..",
    "-x",
    "a b",
    "café",
    "x" * 300,
    "HEAD",
    "a.lock",
    "a//b",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused_and_nothing_is_made(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path, name: str
) -> None:
    before = snapshot(repo, server, isolated_env)
    result = qtmux("new", "--", name, "msg", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.startswith("q-tmux: Session name ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert snapshot(repo, server, isolated_env) == before
    assert not (repo / "x").exists()


class Refused(Protocol):
    def __call__(
        self,
        args: list[str],
        message: str,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None: ...


@pytest.fixture
def refused(qtmux: QTmux, repo: Path, server: Server, isolated_env: Path) -> Refused:
    """Check a command fails with one ``q-tmux:`` line holding ``message``, changing nothing."""

    def check(
        args: list[str], message: str, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> None:
        before = snapshot(repo, server, isolated_env)
        result = qtmux(*args, cwd=cwd or repo, env=env)
        assert result.returncode != 0, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("q-tmux: ")
        assert message in lines[0]
        assert snapshot(repo, server, isolated_env) == before

    return check


def test_not_a_repository_offers_no_worktree(refused: Refused, tmp_path: Path) -> None:
    plain = tmp_path / "plain"  # tmp_path itself holds the repository: a workspace
    plain.mkdir()
    refused(
        ["new", "x", "--worktree"],
        "is not inside a git repository; pass --no-worktree",
        cwd=plain,
    )
    refused(["new", "x", "--type", "feature"], "is not inside a git repository", cwd=plain)


def test_outside_a_repository_the_session_runs_in_place_and_says_so(
    qtmux: QTmux, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    result = qtmux.ok("new", "here", "--detach", cwd=plain)
    assert "no worktree (not a git repository): the session runs in" in result.stderr
    assert (plain / ".amazonq" / "session.json").exists()


def test_repository_without_commits(qtmux: QTmux, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    result = qtmux("new", "x", cwd=empty)
    assert result.returncode == 1
    assert "has no commits yet" in result.stderr
    assert git(empty, "branch", "--list") == ""
    assert not (tmp_path / "empty.worktrees").exists()


def test_detached_head_needs_base(refused: Refused, qtmux: QTmux, repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    refused(["new", "x"], "HEAD is detached")
    qtmux.ok("new", "x", "--base", "main", cwd=repo)


@pytest.mark.parametrize("base", ["nope", "$(id)", "-x", "main..HEAD"])
def test_unknown_base(refused: Refused, base: str) -> None:
    refused(["new", "x", f"--base={base}"], "There is no local branch")


def test_name_used_by_a_branch(refused: Refused, repo: Path) -> None:
    git(repo, "branch", "taken")
    refused(["new", "taken"], "A branch named 'taken' already exists")


def test_name_used_by_a_path(refused: Refused, repo: Path) -> None:
    (repo.parent / "app.worktrees" / "occupied").mkdir(parents=True)
    refused(["new", "occupied"], "already exists; choose another name")


def test_name_used_by_a_session(refused: Refused, qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "dup", cwd=repo)
    refused(["new", "dup"], "A session named 'dup' already exists")


def test_second_no_worktree_session_in_one_directory(
    refused: Refused, qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "first", "--no-worktree", cwd=repo)
    refused(["new", "second", "--no-worktree"], "already holds a q-tmux session")


def test_missing_agent(refused: Refused) -> None:
    refused(
        ["new", "x", "--agent", "claude"],
        "The agent command 'claude' is not installed",
        env={"PATH": "/usr/bin:/bin"},
    )


def fake_bin(tmp_path: Path, name: str, script: str) -> str:
    """A PATH on which ``name`` is a script that runs ``script``."""
    directory = tmp_path / f"fake-{name}"
    directory.mkdir()
    path = directory / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return f"{directory}{os.pathsep}{os.environ['PATH']}"


@pytest.mark.parametrize(
    ("tool", "says", "message"),
    [
        ("tmux", "tmux 2.9a", "tmux 2.9a is too old; q-tmux needs tmux 3.2a"),
        ("git", "git version 2.25.0", "git 2.25.0 is too old; q-tmux needs git 2.31"),
    ],
)
def test_old_tools(refused: Refused, tmp_path: Path, tool: str, says: str, message: str) -> None:
    refused(["new", "x"], message, env={"PATH": fake_bin(tmp_path, tool, f"echo '{says}'")})


def test_missing_tmux(refused: Refused, tmp_path: Path) -> None:
    only = tmp_path / "only-git"
    only.mkdir()
    for tool in ("git", "sh"):
        found = shutil.which(tool)
        assert found is not None
        (only / tool).symlink_to(found)
    refused(["new", "x"], "tmux is not installed or not on PATH", env={"PATH": str(only)})


def test_failure_after_the_worktree_rolls_everything_back(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    # tmux cannot make its socket under /proc, so the window step, the last
    # one, fails after the branch, worktree, session file and registry entry.
    before = snapshot(repo, server, isolated_env)
    result = qtmux("new", "late", cwd=repo, socket=False, env={"TMUX_TMPDIR": "/proc/no-such-dir"})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert snapshot(repo, server, isolated_env) == before
    assert not (repo.parent / "app.worktrees" / "late").exists()
