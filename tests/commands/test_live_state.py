"""Live session state end to end: the stand-in q with its hooks, the watcher, the status line."""

from __future__ import annotations

import json
import os
import shlex
import time
from pathlib import Path

import pytest
from libtmux._internal.control_mode import ControlMode
from libtmux.server import Server

from q_tmux.agents.wiring import hook_command
from q_tmux.tracking import status_line, watchlock
from q_tmux.tracking.screen import PATTERNS
from tests.conftest import QTmux, git, pane_text, wait_for

Status = tuple[str, str | None, str]


def status_of(work_dir: Path) -> Status:
    data = json.loads((work_dir / ".amazonq" / "session.json").read_text())
    return data["status"], data["waiting_reason"], data["status_source"]


def window_of(work_dir: Path) -> str:
    return str(
        json.loads((work_dir / ".amazonq" / "session.json").read_text())["tmux"]["window_id"]
    )


def start(
    qtmux: QTmux, repo: Path, name: str, *words: str, env: dict[str, str] | None = None
) -> Path:
    qtmux.ok("new", name, *words, "--detach", cwd=repo, env=env)
    return repo.parent / "app.worktrees" / name


def until(work_dir: Path, *wanted: Status, timeout: float = 30) -> None:
    wait_for(
        lambda: status_of(work_dir) in wanted and status_of(work_dir),
        timeout=timeout,
        what=lambda: f"status in {wanted}, last {status_of(work_dir)}",
    )


def type_line(server: Server, window: str, text: str) -> None:
    server.cmd("send-keys", "-t", window, "-l", text)
    server.cmd("send-keys", "-t", window, "Enter")


def status_text(server: Server) -> str:
    values = server.cmd("show-option", "-gqv", "@q-tmux-status").stdout
    return status_line.plain(values[0]) if values else ""


INPUT_HOOK = ("waiting", "input", "hook")
INPUT_SCREEN = ("waiting", "input", "screen")
APPROVAL_SCREEN = ("waiting", "approval", "screen")


def test_a_turn_ends_waiting_for_input_from_the_stop_hook(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = start(qtmux, repo, "live", "hello")
    until(work, INPUT_HOOK)
    wait_for(lambda: status_text(server) == "live", what="the status line to show 'live'")
    marks = server.cmd("list-windows", "-a", "-F", "#{@q-tmux-mark}").stdout
    assert marks == [status_line.DEFAULTS["@q-tmux-mark-input"]]


def test_approval_is_read_from_the_screen_and_answering_resumes_the_turn(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = start(qtmux, repo, "asker")
    window = window_of(work)
    until(work, INPUT_SCREEN, INPUT_HOOK)  # no first message: the bare prompt says so
    type_line(server, window, "please use a tool")
    until(work, APPROVAL_SCREEN)
    wait_for(lambda: status_text(server) == "!asker", what="'!asker' in the status line")
    type_line(server, window, "y")
    until(work, INPUT_HOOK)
    assert "Echo: please use a tool" in pane_text(server, window)


def test_a_refused_tool_ends_the_turn_too(qtmux: QTmux, repo: Path, server: Server) -> None:
    work = start(qtmux, repo, "refuser")
    window = window_of(work)
    until(work, INPUT_SCREEN, INPUT_HOOK)
    type_line(server, window, "run a tool")
    until(work, APPROVAL_SCREEN)
    type_line(server, window, "n")
    until(work, INPUT_HOOK)
    assert "I will not run it" in pane_text(server, window)


def test_ctrl_c_fires_no_stop_hook_but_the_prompt_is_seen(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = start(qtmux, repo, "interrupted", env={"Q_STANDIN_DELAY": "30"})
    window = window_of(work)
    until(work, INPUT_SCREEN, INPUT_HOOK)
    type_line(server, window, "think for a long time")
    until(work, ("processing", None, "hook"))
    server.cmd("send-keys", "-t", window, "C-c")
    until(work, INPUT_SCREEN)


@pytest.mark.parametrize("how", ["quit", "kill-window", "kill-pane-process"])
def test_an_agent_that_exits_or_is_killed_shows_exited(
    qtmux: QTmux, repo: Path, server: Server, how: str
) -> None:
    work = start(qtmux, repo, "mortal", "hi")
    until(work, INPUT_HOOK)
    window = window_of(work)
    if how == "quit":
        type_line(server, window, "/quit")
    elif how == "kill-window":
        server.cmd("kill-window", "-t", window)
    else:
        pid = server.cmd("display-message", "-p", "-t", window, "#{pane_pid}").stdout[0]
        os.kill(int(pid), 9)
    # How fast is a figure for bench/, not an assertion: a loaded machine is slow.
    until(work, ("exited", None, "process"), timeout=30)
    wait_for(lambda: status_text(server) == "", what="an empty status line")


def test_waiting_is_never_claimed_while_output_streams(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = start(qtmux, repo, "streamer", env={"Q_STANDIN_STREAM": "0.12"})
    window = window_of(work)
    until(work, INPUT_SCREEN, INPUT_HOOK)
    type_line(server, window, " ".join(f"word{i}" for i in range(25)))
    until(work, ("processing", None, "hook"))
    prompt = PATTERNS["q"].prompt
    deadline = time.monotonic() + 60
    mid_reply = 0  # looks taken while part of the reply was on the screen
    while time.monotonic() < deadline:
        status = status_of(work)
        screen = pane_text(server, window)  # read after the status: it can only be newer
        lines = [line for line in screen.splitlines() if line.strip()]
        if status == INPUT_SCREEN:  # the screen may say so only once the bare prompt is back
            assert prompt.match(lines[-1]), lines[-3:]
        flat = screen.replace("\n", "")
        if status == INPUT_HOOK:  # q fires stop once the whole reply is out
            assert "word24" in flat
            break
        mid_reply += "Echo: word0" in flat and flat.count("word24") == 1  # once: as typed
        time.sleep(0.05)
    assert status_of(work) == INPUT_HOOK
    # The reply really was watched as it streamed (counted by what was seen, not by time:
    # a loaded machine takes fewer looks).
    assert mid_reply >= 2


def test_a_client_looking_elsewhere_is_told_when_a_session_starts_waiting(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    mine = server.new_session("mine", window_command="sleep 300")
    with ControlMode(server=server, session=mine) as client:
        work = start(qtmux, repo, "notifier", "hello")
        until(work, INPUT_HOOK)
        messages = wait_for(
            lambda: [m for m in server.cmd("show-messages").stdout if "notifier waits" in m],
            what="a message about 'notifier'",
        )
        assert "q-tmux: notifier waits for input" in messages[0]
        assert client.client_name


def test_many_sessions_are_all_tracked(qtmux: QTmux, repo: Path, server: Server) -> None:
    works = [start(qtmux, repo, f"many{i}") for i in range(12)]
    for work in works:  # no first message: each must be seen idle at its prompt
        until(work, INPUT_SCREEN, INPUT_HOOK)


def test_next_goes_to_the_longest_waiting_session_then_the_next(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    first = start(qtmux, repo, "first", "hello")
    until(first, INPUT_HOOK)
    second = start(qtmux, repo, "second", "hello")
    until(second, INPUT_HOOK)
    # A session in the middle of a turn (the stand-in thinks for 30 s on "think ...").
    # Without a first message it would not stay busy: its bare prompt turns it into
    # a third waiting session within a few watcher ticks, and a slow run would jump there.
    busy = start(qtmux, repo, "busy", "think about it")
    until(busy, ("processing", None, "hook"))
    mine = server.new_session("mine", window_command="sleep 300")
    with ControlMode(server=server, session=mine) as client:

        def showing() -> str:
            return str(
                server.cmd(
                    "display-message", "-p", "-c", client.client_name, "#{window_name}"
                ).stdout[0]
            )

        qtmux.ok("next", "--client", client.client_name, cwd=repo)
        wait_for(lambda: showing() == "first", what="the client on 'first'")
        qtmux.ok("next", "--client", client.client_name, cwd=repo)
        wait_for(lambda: showing() == "second", what="the client on 'second'")
        qtmux.ok("next", "--client", client.client_name, cwd=repo)
        wait_for(lambda: showing() == "first", what="back to 'first'")
    assert status_of(busy) == ("processing", None, "hook")  # still busy: it was passed over


def test_next_with_nothing_waiting(qtmux: QTmux, repo: Path, server: Server) -> None:
    server.new_session("mine", window_command="sleep 300")
    assert qtmux.ok("next", cwd=repo).stdout == "No session is waiting.\n"


def test_the_watcher_ends_when_no_agent_is_left(qtmux: QTmux, repo: Path, server: Server) -> None:
    work = start(qtmux, repo, "lonely", "hi")
    until(work, INPUT_HOOK)
    socket = str(json.loads((work / ".amazonq/session.json").read_text())["tmux"]["socket"])
    assert watchlock.running(socket)  # the server names its live watcher
    watcher = watchlock.named(socket)
    # Keep the server up first: killing its only window would make it exit, and a session
    # started while it exits fails ("server exited unexpectedly", seen under load).
    server.new_session("keep-server", window_command="sleep 300")
    server.cmd("kill-window", "-t", window_of(work))
    wait_for(lambda: not watchlock.alive(watcher or ""), what="the watcher to end")
    assert watchlock.named(socket) == ""  # and it gave up its name


def test_the_users_agent_settings_are_kept_and_their_files_untouched(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    global_dir = isolated_env / ".aws/amazonq/cli-agents"
    global_dir.mkdir(parents=True)
    mine = {
        "name": "q_cli_default",
        "tools": ["fs_read", "execute_bash"],
        "allowedTools": ["fs_read", "execute_bash"],
        "hooks": {"stop": [{"command": "true"}]},
    }
    (global_dir / "q_cli_default.json").write_text(json.dumps(mine))
    work = start(qtmux, repo, "kept", "hello")
    until(work, INPUT_HOOK)
    generated = json.loads((work / ".amazonq/cli-agents/q_cli_default.json").read_text())
    assert generated["tools"] == mine["tools"]
    assert generated["allowedTools"] == mine["allowedTools"]
    assert generated["hooks"]["stop"][0] == {"command": "true"}
    assert shlex.split(generated["hooks"]["stop"][1]["command"]) == hook_command("q", "stop")
    assert json.loads((global_dir / "q_cli_default.json").read_text()) == mine
    assert git(work, "status", "--porcelain") == ""


def test_a_tracked_agent_file_is_never_overwritten(
    qtmux: QTmux, repo: Path, server: Server, agent_log: Path
) -> None:
    tracked = repo / ".amazonq/cli-agents/q_cli_default.json"
    tracked.parent.mkdir(parents=True)
    tracked.write_text(json.dumps({"name": "q_cli_default", "tools": ["fs_read"]}))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "team agent")
    work = start(qtmux, repo, "team", "hello")
    until(work, INPUT_HOOK)
    assert json.loads((work / ".amazonq/cli-agents/q_cli_default.json").read_text()) == {
        "name": "q_cli_default",
        "tools": ["fs_read"],
    }
    copy = json.loads((work / ".amazonq/cli-agents/q-tmux-q_cli_default.json").read_text())
    assert copy["tools"] == ["fs_read"]
    assert git(work, "status", "--porcelain") == ""
