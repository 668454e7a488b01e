from __future__ import annotations

from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.adapters.tmux import Tmux, agent_environment, parse_tmux_version, tmux_session_name_for
from tests.conftest import wait_for


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tmux 3.3a", (3, 3, "a")),
        ("tmux 3.2", (3, 2, "")),
        ("tmux next-3.5", (3, 5, "")),
        ("tmux master", None),
        ("tmux openbsd-7.4", (7, 4, "")),
    ],
)
def test_parse_tmux_version(text: str, expected: tuple[int, int, str] | None) -> None:
    assert parse_tmux_version(text) == expected


def test_session_names_are_tmux_safe() -> None:
    assert tmux_session_name_for(Path("/src/my.app:v2")) == "my-app-v2"
    assert tmux_session_name_for(Path("/")) == "q-tmux"


def test_agent_environment_drops_the_callers_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-kitty")
    monkeypatch.setenv("TMUX", "/tmp/x,1,0")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    env = agent_environment({"Q_TMUX_SESSION_ID": "abc"})
    assert "TERM" not in env
    assert "TMUX" not in env
    assert env["AWS_PROFILE"] == "dev"
    assert env["Q_TMUX_SESSION_ID"] == "abc"


def test_open_window_runs_argv_without_a_shell_and_tracks_liveness(
    server: Server, tmp_path: Path
) -> None:
    tmux = Tmux(socket_name=server.socket_name)
    out = tmp_path / "out"
    ref, made = tmux.open_window(
        q_session_id="s1",
        window_name="w",
        cwd=tmp_path,
        command=["sh", "-c", 'printf "%s" "$1" > out; sleep 30', "sh", "$(echo no) ; #{pane_id}"],
        env={"EXTRA": "1"},
        tmux_session=None,
        new_session_name="demo",
        scope=tmp_path,
    )
    assert made
    wait_for(lambda: out.exists() and out.read_text(), what="the command to write its output")
    assert out.read_text() == "$(echo no) ; #{pane_id}"
    assert tmux.find_scope_session(tmp_path) == ref.session_id
    live = tmux.live_windows()
    assert live["s1"].window_id == ref.window_id
    assert not live["s1"].pane_dead
    server.cmd("respawn-pane", "-k", "-t", ref.pane_id, "true")
    wait_for(lambda: tmux.live_windows()["s1"].pane_dead, what="the pane to die")
    ref2, made2 = tmux.open_window(
        q_session_id="s2",
        window_name="w2",
        cwd=tmp_path,
        command=["sleep", "30"],
        env={},
        tmux_session=ref.session_id,
        new_session_name="demo",
        scope=tmp_path,
    )
    assert not made2
    assert ref2.session_id == ref.session_id


def test_a_second_scope_gets_its_own_tmux_session_name(server: Server, tmp_path: Path) -> None:
    tmux = Tmux(socket_name=server.socket_name)
    server.new_session("demo")
    ref, made = tmux.open_window(
        q_session_id="s",
        window_name="w",
        cwd=tmp_path,
        command=["sleep", "30"],
        env={},
        tmux_session=None,
        new_session_name="demo",
        scope=tmp_path,
    )
    assert made
    assert ref.session_name == "demo-2"
