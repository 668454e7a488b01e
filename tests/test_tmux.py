from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.adapters.tmux import Tmux, agent_environment, require_tmux, tmux_session_name_for
from q_tmux.errors import ToolMissingError
from tests.conftest import wait_for


def fake_tmux(directory: Path, says: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put first on PATH a ``tmux`` whose ``-V`` says ``says``."""
    directory.mkdir()
    fake = directory / "tmux"
    fake.write_text(f"#!/bin/sh\necho '{says}'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.parametrize(
    ("says", "version"),
    [
        ("tmux 3.3a", "3.3a"),
        ("tmux 3.2a", "3.2a"),
        ("tmux next-3.5", "next-3.5"),  # builds from git are new enough
        ("tmux master", "master"),
        ("tmux openbsd-7.4", "openbsd-7.4"),
    ],
)
def test_new_enough_tmux(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, says: str, version: str
) -> None:
    fake_tmux(tmp_path / "bin", says, monkeypatch)
    assert require_tmux() == version


@pytest.mark.parametrize(
    ("says", "message"),
    [
        ("tmux 3.1c", "tmux 3.1c is too old; q-tmux needs tmux 3.2a or newer."),
        ("tmux 2.9a", "tmux 2.9a is too old; q-tmux needs tmux 3.2a or newer."),
        ("no version here", "-V did not say its version; q-tmux needs tmux 3.2a or newer."),
    ],
)
def test_old_or_silent_tmux_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, says: str, message: str
) -> None:
    fake_tmux(tmp_path / "bin", says, monkeypatch)
    with pytest.raises(ToolMissingError, match=re.escape(message)):
        require_tmux()


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
