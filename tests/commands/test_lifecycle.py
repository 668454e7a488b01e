"""list, switch, close, resume and doctor against a real tmux server and real repositories."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

from libtmux._internal.control_mode import ControlMode
from libtmux.server import Server

from tests.conftest import (
    QTmux,
    git,
    launches,
    pane_text,
    registry_files,
    remove_folder,
    wait_for,
    watcher_running,
    worktree,
)


def listed(qtmux: QTmux, cwd: Path) -> dict[str, dict[str, object]]:
    return {item["name"]: item for item in qtmux.ok("list", "--json", cwd=cwd).json()}


def test_list_without_sessions(qtmux: QTmux, repo: Path) -> None:
    assert "No sessions yet" in qtmux.ok("list", cwd=repo).stdout
    assert qtmux.ok("list", "--json", cwd=repo).json() == []


def test_list_shows_each_session_and_marks_the_current_one(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "alpha", cwd=repo)
    qtmux.ok("new", "beta", cwd=repo)
    table = qtmux.ok("list", cwd=worktree(repo, "beta") / ".").stdout.splitlines()
    assert table[0].split() == [
        "NAME",
        "STATUS",
        "BRANCH",
        "→",
        "BASE",
        "WORKTREE",
        "WINDOW",
        "ACTIVE",
    ]
    rows = {line[1:].split()[0]: line for line in table[1:]}  # first column: the "*" marker
    assert rows["beta"].startswith("*")
    assert rows["alpha"].startswith(" ")
    assert "alpha → main +0/-0" in rows["alpha"]
    items = listed(qtmux, worktree(repo, "beta"))
    assert items["beta"]["current"] is True
    assert items["alpha"]["current"] is False
    assert items["alpha"]["state"] in ("starting", "processing", "waiting:input")
    session = items["alpha"]["session"]
    assert isinstance(session, dict)
    assert session["worktree_info"]["base_branch"] == "main"


def test_vanished_worktree_and_corrupt_files_do_not_break_the_list(
    qtmux: QTmux, repo: Path, isolated_env: Path
) -> None:
    for name in ("ok", "vanished", "corrupt"):
        qtmux.ok("new", name, "--detach", cwd=repo)
    remove_folder(worktree(repo, "vanished"))
    (worktree(repo, "corrupt") / ".amazonq" / "session.json").write_text('{"version": 1, "id": ')
    registry = isolated_env / ".local/state/q-tmux/sessions"
    (registry / "garbage.json").write_text("not json")

    result = qtmux.ok("list", cwd=repo)
    assert "registry file garbage.json is not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    items = listed(qtmux, repo)
    assert items["vanished"]["state"] == "gone"
    assert items["vanished"]["worktree_missing"] is True
    assert items["corrupt"]["state"] == "unreadable"
    assert "truncated or corrupt" in str(items["corrupt"]["problem"])
    assert items["ok"]["state"] != "gone"


def test_switch_selects_the_window_and_moves_the_client(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    qtmux.ok("new", "one", "--detach", cwd=repo)
    qtmux.ok("new", "two", "--detach", cwd=repo)
    session = server.sessions.get(session_name="app")
    assert session is not None
    socket = server.cmd("display-message", "-p", "-t", "app:", "#{socket_path}").stdout[0]
    with ControlMode(server=server, session=session) as client:

        def client_window() -> list[str]:
            return list(
                server.cmd(
                    "display-message", "-p", "-c", client.client_name, "#{window_name}"
                ).stdout
            )

        pane = server.cmd("display-message", "-p", "-t", "app:one", "#{pane_id}").stdout[0]
        env = {"TMUX": f"{socket},1,0", "TMUX_PANE": pane}
        qtmux.ok("switch", "two", cwd=repo, env=env, socket=False)
        wait_for(lambda: client_window() == ["two"], what="the client to show 'two'")
        qtmux.ok("switch", "one", cwd=repo, env=env, socket=False)
        wait_for(lambda: client_window() == ["one"], what="the client to show 'one'")


def test_switch_outside_tmux_without_a_terminal_says_how_to_attach(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    qtmux.ok("new", "one", "--detach", cwd=repo)
    qtmux.ok("new", "two", "--detach", cwd=repo)
    result = qtmux.ok("switch", "one", cwd=repo)
    assert "attach -t app" in result.stdout
    assert server.cmd("display-message", "-p", "-t", "app:", "#{window_name}").stdout == ["one"]


def test_switch_errors(qtmux: QTmux, repo: Path) -> None:
    result = qtmux("switch", "#{pane_id}", cwd=repo)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "q-tmux: There is no session named '#{pane_id}'; see 'q-tmux list'."
    )
    qtmux.ok("new", "gone", "--detach", cwd=repo)
    qtmux.ok("close", "gone", cwd=repo)
    result = qtmux("switch", "gone", cwd=repo)
    assert "has no window; run 'q-tmux resume gone'" in result.stderr


def test_close_keeps_worktree_and_branch_and_resume_brings_it_back(
    qtmux: QTmux, repo: Path, server: Server, agent_log: Path
) -> None:
    qtmux.ok("new", "work", "first", "--detach", cwd=repo)
    qtmux.ok("new", "other", "--detach", cwd=repo)
    wait_for(lambda: len(launches(agent_log)) == 2, what="both agents to start")
    (worktree(repo, "work") / "notes.txt").write_text("uncommitted")

    result = qtmux.ok("close", "work", cwd=repo)
    assert "worktree and branch are kept" in result.stdout
    assert server.cmd("list-windows", "-a", "-F", "#{window_name}").stdout == ["other"]
    assert (worktree(repo, "work") / "notes.txt").read_text() == "uncommitted"
    assert git(repo, "branch", "--list", "--format=%(refname:short)", "work").strip() == "work"
    item = listed(qtmux, repo)["work"]
    assert item["state"] == "exited"
    assert item["window"] is None
    assert "resumable" in qtmux.ok("list", cwd=repo).stdout

    qtmux.ok("resume", "work", "--detach", cwd=repo)
    wait_for(lambda: len(launches(agent_log)) == 3, what="the agent to be relaunched")
    relaunch = launches(agent_log)[-1]
    assert relaunch["argv"][1:] == ["chat", "--agent", "q_cli_default", "--resume"]
    assert relaunch["cwd"] == str(worktree(repo, "work"))
    window = server.cmd("list-windows", "-a", "-F", "#{window_name}").stdout
    assert sorted(window) == ["other", "work"]
    wait_for(
        lambda: "(1 earlier messages)" in pane_text(server, "app:work"),
        what="the resumed conversation",
    )
    assert "already running" in qtmux.ok("resume", "work", cwd=repo).stdout


def test_resume_all_after_the_tmux_server_is_gone(
    qtmux: QTmux, repo: Path, server: Server, agent_log: Path
) -> None:
    for name in ("a", "b", "c"):
        qtmux.ok("new", name, "--detach", cwd=repo)
    wait_for(lambda: len(launches(agent_log)) == 3, what="three agents")
    remove_folder(worktree(repo, "c"))  # one session lost its worktree meanwhile
    server.kill()  # as after a reboot

    assert listed(qtmux, repo)["a"]["state"] == "exited"
    result = qtmux.ok("resume", "--all", cwd=repo)
    assert "Resumed session 'a'" in result.stdout
    assert "Resumed session 'b'" in result.stdout
    assert "'c'" not in result.stdout
    names = sorted(server.cmd("list-windows", "-a", "-F", "#{window_name}").stdout)
    assert names == ["a", "b"]
    items = listed(qtmux, repo)
    assert items["c"]["state"] == "gone"
    assert "Nothing to resume" in qtmux.ok("resume", "--all", cwd=repo).stdout


def test_resume_respawns_a_dead_agent_in_its_own_window(
    qtmux: QTmux, repo: Path, server: Server, agent_log: Path
) -> None:
    qtmux.ok("new", "quitter", "--detach", cwd=repo)
    wait_for(lambda: launches(agent_log), what="the agent")
    window_id = server.cmd("list-windows", "-a", "-F", "#{window_id}").stdout[0]
    wait_for(lambda: pane_text(server, window_id).rstrip().endswith(">"), what="the prompt")
    server.cmd("send-keys", "-t", window_id, "/quit", "Enter")
    wait_for(lambda: listed(qtmux, repo)["quitter"]["state"] == "exited", what="exited state")
    qtmux.ok("resume", "quitter", "--detach", cwd=repo)
    assert server.cmd("list-windows", "-a", "-F", "#{window_id}").stdout == [window_id]
    wait_for(
        lambda: listed(qtmux, repo)["quitter"]["state"] in ("starting", "waiting:input"),
        what="a live agent",
    )


def test_resume_usage_errors(qtmux: QTmux, repo: Path) -> None:
    assert "Name a session to resume, or pass --all." in qtmux("resume", cwd=repo).stderr
    assert "not both" in qtmux("resume", "x", "--all", cwd=repo).stderr
    qtmux.ok("new", "lost", "--detach", cwd=repo)
    remove_folder(worktree(repo, "lost"))
    result = qtmux("resume", "lost", cwd=repo)
    assert result.returncode == 1
    assert "cannot be resumed" in result.stderr


def test_doctor_reports_each_part(qtmux: QTmux, repo: Path, server: Server) -> None:
    qtmux.ok("new", "x", "--detach", cwd=repo)
    # doctor's probe takes the lock; a watcher still starting would find it held and leave.
    wait_for(lambda: watcher_running(server), what="the watcher to take its lock")
    result = qtmux("doctor", cwd=repo)
    lines = result.stdout.splitlines()
    assert any(line.startswith("ok  git ") for line in lines)
    assert any(line.startswith("ok  tmux ") for line in lines)
    assert any(line.startswith("ok  agents: q (") for line in lines)
    assert "ok  state watcher running for this server" in lines
    assert "!!  the q-tmux tmux plugin is not loaded" in result.stdout
    assert result.returncode == 1
    server.cmd("set-option", "-g", "@q-tmux-plugin", "/somewhere/q-tmux.tmux")
    result = qtmux("doctor", cwd=repo)
    assert "ok  tmux plugin loaded from /somewhere/q-tmux.tmux" in result.stdout


def test_registry_keeps_one_file_per_session(qtmux: QTmux, repo: Path, isolated_env: Path) -> None:
    qtmux.ok("new", "r1", "--detach", cwd=repo)
    (entry,) = registry_files(isolated_env)
    data = json.loads(entry.read_text())
    assert data["name"] == "r1"
    assert data["work_dir"] == str(worktree(repo, "r1"))


def test_outside_tmux_with_a_terminal_new_attaches_to_the_repos_session(
    repo: Path, server: Server, agent_log: Path
) -> None:
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "Q_STANDIN_LOG": str(agent_log)}
    process = subprocess.Popen(
        [sys.executable, "-m", "q_tmux", "-L", str(server.socket_name), "new", "attached"],
        cwd=repo,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)

    def drain() -> None:  # a terminal nobody reads would block the tmux client
        try:
            while os.read(controller, 65536):
                pass
        except OSError:
            pass

    threading.Thread(target=drain, daemon=True).start()
    try:
        clients = wait_for(
            lambda: server.cmd("list-clients", "-F", "#{client_session}").stdout,
            what="a tmux client to attach",
        )
        assert clients == ["app"]
        window = server.cmd("list-clients", "-F", "#{window_name}").stdout
        assert window == ["attached"]
        server.cmd("detach-client", "-s", "app")
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)


def test_pick_lists_sessions_and_takes_the_client_to_the_chosen_one(
    qtmux: QTmux, repo: Path, server: Server, agent_log: Path
) -> None:
    qtmux.ok("new", "first", "--detach", cwd=repo)
    qtmux.ok("new", "second", "--detach", cwd=repo)
    qtmux.ok("close", "second", cwd=repo)  # chosen without a window: resumed, then shown
    session = server.sessions.get(session_name="app")
    assert session is not None
    with ControlMode(server=server, session=session) as client:
        env = {**os.environ, "Q_STANDIN_LOG": str(agent_log)}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "q_tmux",
                "-L",
                str(server.socket_name),
                "pick",
                "--client",
                client.client_name,
            ],
            cwd=repo,
            env=env,
            input="second\n",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "first" in done.stdout
        assert "second" in done.stdout
        wait_for(
            lambda: (
                server.cmd(
                    "display-message", "-p", "-c", client.client_name, "#{window_name}"
                ).stdout
                == ["second"]
            ),
            what="the client on the picked session",
        )
