"""State for the shell agent, stalled agents and agents that fail at boot, on a real tmux server."""

from __future__ import annotations

import json
from pathlib import Path

from libtmux.server import Server

from q_tmux.tracking import status_line
from tests.commands.test_live_state import start, status_of, type_line, until, window_of
from tests.conftest import QTmux, pane_text, wait_for


def test_the_shell_is_busy_while_its_command_runs(qtmux: QTmux, repo: Path, server: Server) -> None:
    work = start(qtmux, repo, "sh1", "--agent", "shell", env={"SHELL": "/bin/sh"})
    until(work, ("waiting", "input", "process"))
    type_line(server, window_of(work), "sleep 4")
    until(work, ("processing", None, "process"))  # was "waiting" while the command ran
    until(work, ("waiting", "input", "process"))


def test_a_busy_agent_whose_screen_stops_changing_is_marked_stalled(
    qtmux: QTmux, repo: Path, server: Server, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    (config / "q-tmux").mkdir(parents=True)
    (config / "q-tmux" / "config.toml").write_text("stalled_minutes = 0.02\n")  # 1.2 s
    env = {"XDG_CONFIG_HOME": str(config)}
    work = start(qtmux, repo, "st", "think hard", env=env)  # the stand-in thinks for 30 s
    until(work, ("processing", None, "hook"))

    def listed() -> dict[str, object]:
        items = qtmux.ok("list", "--json", cwd=repo, env=env).json()
        found = [item for item in items if item["name"] == "st"]
        return found[0] if found else {}

    wait_for(lambda: listed().get("stalled") is True, timeout=30, what="the stalled mark")
    assert listed()["state"] == "processing"
    assert "processing (stalled)" in qtmux.ok("list", cwd=repo, env=env).stdout
    wait_for(
        lambda: (
            "st stalled"
            in status_line.plain(
                (server.cmd("show-option", "-gqv", "@q-tmux-status").stdout or [""])[0]
            )
        ),
        what="'st stalled' in the status line",
    )


def test_an_agent_that_crashes_while_booting_ends_exited_with_its_error_shown(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    # tmux drops what a pane's process wrote but tmux had not read when it exited
    # (tmux/tmux#506), so the crash exits once its words are on the pane's screen.
    agent = (
        "sh -c 'echo cannot reach the model server >&2; "
        'for i in $(seq 200); do tmux capture-pane -p -t "$TMUX_PANE" | grep -q model && break; '
        "sleep 0.05; done; exit 3'"
    )
    work = start(qtmux, repo, "boom", "--agent", agent)
    until(work, ("exited", None, "process"))
    window = window_of(work)
    assert "cannot reach the model server" in pane_text(server, window)
    assert json.loads((work / ".amazonq" / "session.json").read_text())["status"] == "exited"
    assert status_of(work)[0] == "exited"
