"""Fan-out: one task to several sessions (``--count``, repeated ``--agent``), shown and merged
as a group; bad input refused with nothing made."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from libtmux.server import Server

from tests.commands.test_cleanup import archive_refs
from tests.commands.test_merge import branch_exists
from tests.conftest import (
    QTmux,
    git,
    launches,
    session_json,
    snapshot,
    wait_for,
    worktree,
)


def names_of(qtmux: QTmux, repo: Path) -> list[str]:
    return [item["name"] for item in qtmux.ok("list", "--json", cwd=repo).json()]


def test_count_makes_numbered_sessions_with_the_same_message_in_one_group(
    qtmux: QTmux, repo: Path, agent_log: Path
) -> None:
    out = qtmux.ok("new", "fix-login", "--count", "3", "--detach", "Fix the login", cwd=repo)
    names = ["fix-login-1", "fix-login-2", "fix-login-3"]
    for name in names:
        assert f"Session '{name}'" in out.stdout
        data = session_json(worktree(repo, name))
        assert data["group"] == "fix-login"
        assert data["first_message"] == "Fix the login"
        assert git(repo, "rev-parse", "--abbrev-ref", name).strip() == name
    # Every agent started, each with the same first message, in its own worktree.
    started = wait_for(lambda: len(launches(agent_log)) == 3 and launches(agent_log))
    assert sorted(Path(launch["cwd"]).name for launch in started) == names
    assert all(launch["argv"][-1] == "Fix the login" for launch in started)
    assert names_of(qtmux, repo) == names


def test_repeated_agent_names_each_session_after_its_agent(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok(
        "new", "cmp", "--agent", "q", "--agent", "shell", "--agent", "sh -c 'exec sleep 600'",
        "--detach", "Compare", cwd=repo,
    )  # fmt: skip
    expected = {"cmp-q": "q", "cmp-shell": "shell", "cmp-3": "command"}
    for name, preset in expected.items():
        data = session_json(worktree(repo, name))
        assert (data["agent"]["preset"], data["group"]) == (preset, "cmp")


def test_count_with_several_agents_gives_n_of_each(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "duo", "--agent", "q", "--agent", "shell", "--count", "2", "-d", cwd=repo)
    assert sorted(names_of(qtmux, repo)) == ["duo-q-1", "duo-q-2", "duo-shell-1", "duo-shell-2"]


def test_list_and_conflicts_show_the_group_together(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "alone-first", "--detach", cwd=repo)
    qtmux.ok("new", "grp", "--count", "2", "--detach", "task", cwd=repo)
    qtmux.ok("new", "alone-last", "--detach", cwd=repo)
    # Both of the group change the same file, so conflicts has something to say about them.
    for name in ("grp-1", "grp-2"):
        work = worktree(repo, name)
        (work / "login.py").write_text(f"{name}\n")
        git(work, "add", "login.py")
        git(work, "commit", "-q", "-m", name)
    items = qtmux.ok("list", "--json", cwd=repo).json()
    assert [(i["name"], i["group"]) for i in items] == [
        ("alone-first", None),
        ("grp-1", "grp"),
        ("grp-2", "grp"),
        ("alone-last", None),
    ]
    text = qtmux.ok("list", cwd=repo).stdout
    header, *rows = text.splitlines()
    assert "GROUP" in header
    assert [row.split()[1] for row in rows if "grp-" in row] == ["grp", "grp"]
    report = json.loads(qtmux.ok("conflicts", "--json", cwd=repo).stdout)
    (sessions,) = [each["sessions"] for each in report.values()]
    assert {s["name"]: s["group"] for s in sessions}["grp-2"] == "grp"
    conflicts = qtmux.ok("conflicts", cwd=repo).stdout
    assert "grp-1 (group grp)" in conflicts


def commit_in(repo: Path, name: str, files: dict[str, str]) -> Path:
    work = worktree(repo, name)
    for path, text in files.items():
        (work / path).write_text(text)
    git(work, "add", "-A", *files)
    git(work, "commit", "-q", "-m", f"work of {name}")
    return work


def test_merging_one_of_a_group_removes_the_rest_when_asked_and_keeps_unmerged_work(
    qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "race", "--count", "3", "--detach", "Do it", cwd=repo)
    commit_in(repo, "race-1", {"a.txt": "one\n"})
    commit_in(repo, "race-2", {"b.txt": "two\n"})  # its own commit: unmerged work
    # race-3 did nothing: removing it loses nothing.
    out = qtmux.ok("merge", "race-1", "-y", "--remove-group", cwd=repo)
    assert "removed session 'race-3'" in out.stdout
    assert not branch_exists(repo, "race-3")
    assert "race-2" in out.stderr
    assert "--force" in out.stderr
    assert branch_exists(repo, "race-2")
    assert worktree(repo, "race-2").exists()
    assert sorted(names_of(qtmux, repo)) == ["race-2"]


def test_merge_with_remove_group_and_force_archives_unmerged_work(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "race", "--count", "2", "--detach", "Do it", cwd=repo)
    commit_in(repo, "race-1", {"a.txt": "one\n"})
    commit_in(repo, "race-2", {"b.txt": "two\n"})
    tip = git(repo, "rev-parse", "race-2").strip()
    out = qtmux.ok("merge", "race-1", "-y", "--remove-group", "--force", cwd=repo)
    assert "removed session 'race-2'" in out.stdout
    assert not branch_exists(repo, "race-2")
    assert tip in archive_refs(repo).values()


def test_merge_without_a_terminal_keeps_the_group_and_says_how_to_remove_it(
    qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "race", "--count", "2", "--detach", "Do it", cwd=repo)
    commit_in(repo, "race-1", {"a.txt": "one\n"})
    out = qtmux.ok("merge", "race-1", "-y", cwd=repo)
    assert "--remove-group" in out.stderr
    assert names_of(qtmux, repo) == ["race-2"]
    kept = qtmux.ok("new", "solo", "-d", cwd=repo)  # a session made alone is in no group
    assert "group" not in kept.stderr
    assert session_json(worktree(repo, "solo"))["group"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "0"], "--count 0 makes no session"),
        (["--count", "-2"], "--count -2 makes no session"),
        (["--agent", "q", "--agent", "q"], "--agent q is given twice"),
        (["--count", "2", "--no-worktree"], "cannot go with --no-worktree"),
        (["--count", "2", "--worktree", "br"], "--worktree BRANCH"),
    ],
)
def test_bad_fan_out_is_refused_in_one_sentence_and_nothing_is_made(
    qtmux: QTmux,
    repo: Path,
    server: Server,
    isolated_env: Path,
    args: list[str],
    message: str,
) -> None:
    before = snapshot(repo, server, isolated_env)
    result = qtmux("new", "bad", *args, "-d", "task", cwd=repo)
    assert result.returncode != 0
    assert message in result.stderr
    assert result.stderr.startswith("q-tmux: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert snapshot(repo, server, isolated_env) == before


def test_a_name_that_would_collide_is_refused_before_anything_is_made(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    git(repo, "branch", "fix-2")  # the second of three would clash
    before = snapshot(repo, server, isolated_env)
    result = qtmux("new", "fix", "--count", "3", "-d", "task", cwd=repo)
    assert result.returncode != 0
    assert "'fix-2'" in result.stderr
    assert "already used" in result.stderr
    assert snapshot(repo, server, isolated_env) == before


def test_a_second_group_of_the_same_name_is_refused_while_the_first_remains(
    qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "fix", "--count", "2", "-d", "task", cwd=repo)
    result = qtmux("new", "fix", "--agent", "q", "--agent", "shell", "-d", "task", cwd=repo)
    assert result.returncode != 0
    assert "group 'fix'" in result.stderr
    assert sorted(names_of(qtmux, repo)) == ["fix-1", "fix-2"]


def test_a_member_that_fails_midway_undoes_the_ones_made_before_it(
    qtmux: QTmux,
    repo: Path,
    server: Server,
    isolated_env: Path,
    agent_log: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The third member's worktree folder appears after the names were checked (a racing
    process): the first two are removed again, and no agent ever ran."""
    import q_tmux.sessions.create as create

    before = snapshot(repo, server, isolated_env)
    original = create.create_session
    made: list[str] = []

    def flaky(request, tmux, config):  # type: ignore[no-untyped-def]
        if request.name == "boom-3":
            worktree(repo, "boom-3").mkdir(parents=True)
        made.append(request.name)
        return original(request, tmux, config)

    monkeypatch.setattr(create, "create_session", flaky)
    result = qtmux("new", "boom", "--count", "3", "-d", "task", cwd=repo)
    assert made == ["boom-1", "boom-2", "boom-3"]
    assert result.returncode != 0
    assert "boom-3" in result.stderr
    assert "Removed the group's sessions" in result.stderr
    assert launches(agent_log) == []  # no agent ever ran
    worktree(repo, "boom-3").rmdir()
    worktree(repo, "boom-3").parent.rmdir()  # made by this test's mkdir, with boom-3
    assert snapshot(repo, server, isolated_env) == before


def test_merge_force_without_remove_group_is_refused_and_nothing_is_merged(
    qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "race", "--count", "2", "--detach", "Do it", cwd=repo)
    commit_in(repo, "race-1", {"a.txt": "one\n"})
    main_before = git(repo, "rev-parse", "main")
    result = qtmux("merge", "race-1", "-y", "--force", cwd=repo)
    assert result.returncode != 0
    assert "--force goes with --remove-group" in result.stderr
    assert git(repo, "rev-parse", "main") == main_before
    assert sorted(names_of(qtmux, repo)) == ["race-1", "race-2"]


def answer_in_a_terminal(
    argv: list[str], cwd: Path, answers: dict[str, str], timeout: float = 60
) -> tuple[int, str]:
    """Run q-tmux on a pseudo-terminal; type each answer once its question shows. (exit, text)"""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "q_tmux", *argv],
        cwd=cwd,
        env={**os.environ, "TERM": "dumb"},
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    seen, pending = "", dict(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not select.select([controller], [], [], 0.1)[0]:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the other end closed: the command ended
                break
            seen += chunk.decode("utf-8", "replace")
            for question in [q for q in pending if q in seen]:
                os.write(controller, pending.pop(question).encode() + b"\r")
        return process.wait(timeout=10), seen
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)


def test_merge_at_a_terminal_asks_to_remove_the_rest_of_the_group(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    qtmux.ok("new", "race", "--count", "3", "--detach", "Do it", cwd=repo)
    commit_in(repo, "race-1", {"a.txt": "one\n"})
    commit_in(repo, "race-2", {"b.txt": "two\n"})
    code, text = answer_in_a_terminal(
        ["-L", str(server.socket_name), "merge", "race-1"],
        repo,
        {"Merge 'race-1' into main?": "y", "group 'race' (race-2, race-3)?": "y"},
    )
    assert code == 0, text
    assert "removed session 'race-3'" in text
    assert "Not removing 'race-2'" in text  # its commit is not in main: kept
    assert sorted(names_of(qtmux, repo)) == ["race-2"]


def test_merge_run_in_the_sessions_own_window_still_removes_the_rest_of_the_group(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    """The merged session's clean-up closes the window the command runs in, so the group's
    removal must come before it."""
    qtmux.ok("new", "own", "--agent", "shell", "--count", "2", "--detach", cwd=repo)
    commit_in(repo, "own-1", {"a.txt": "one\n"})
    pane = session_json(worktree(repo, "own-1"))["tmux"]["pane_id"]
    command = f"{sys.executable} -m q_tmux merge -y --remove-group"
    server.cmd("send-keys", "-t", pane, "-l", command)
    server.cmd("send-keys", "-t", pane, "Enter")
    wait_for(lambda: not branch_exists(repo, "own-1"), what="the merge to finish")
    wait_for(lambda: not branch_exists(repo, "own-2"), what="the rest of the group to go")
    assert not worktree(repo, "own-2").exists()


def test_a_group_without_a_name_is_named_from_the_message_and_counted_up_when_taken(
    qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "--count", "2", "-d", "Fix the parser crash", cwd=repo)
    qtmux.ok("new", "--count", "2", "-d", "Fix the parser crash", cwd=repo)
    groups = {i["name"]: i["group"] for i in qtmux.ok("list", "--json", cwd=repo).json()}
    assert groups == {
        "fix-parser-crash-1": "fix-parser-crash",
        "fix-parser-crash-2": "fix-parser-crash",
        # Not "fix-parser-crash-2": a session of the first group is called that.
        "fix-parser-crash-3-1": "fix-parser-crash-3",
        "fix-parser-crash-3-2": "fix-parser-crash-3",
    }
