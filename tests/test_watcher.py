"""The watcher's rules: what a screen implies, given what the session file says."""

from __future__ import annotations

import pytest

from q_tmux.screen import Screen
from q_tmux.status_line import SessionState
from q_tmux.watcher import QUIET_TICKS, STABLE_TICKS, decide


def session(
    status: str, reason: str | None = None, preset: str = "q", hooked: bool = True
) -> SessionState:
    return SessionState("id", "n", status, reason, "t", "/s", preset, "/p", hooked=hooked)


@pytest.mark.parametrize(
    ("state", "screen", "changed", "stable", "expected"),
    [
        # Q's approval question has no hook: the screen tells.
        (session("processing"), Screen.APPROVAL, True, 0, ("waiting", "approval", "screen")),
        (session("waiting", "approval"), Screen.APPROVAL, False, 5, None),
        # The question went away: answered.
        (session("waiting", "approval"), Screen.OTHER, True, 0, ("processing", None, "screen")),
        # A bare prompt after Ctrl-C (no stop hook), once it holds still.
        (session("processing"), Screen.IDLE, False, STABLE_TICKS, ("waiting", "input", "screen")),
        (session("processing"), Screen.IDLE, True, 0, None),
        (session("processing"), Screen.IDLE, False, STABLE_TICKS - 1, None),
        # Streaming output is never "waiting".
        (session("processing"), Screen.OTHER, True, 0, None),
        (session("processing"), Screen.BUSY, False, 9, None),
        # Hooked agents leave "waiting" by their hook, not by someone typing.
        (session("waiting", "input"), Screen.OTHER, True, 0, None),
        (session("waiting", "input"), Screen.BUSY, True, 0, ("processing", None, "screen")),
        # Without hooks (not wired, or none exist) output decides both ways.
        (
            session("waiting", "input", hooked=False),
            Screen.OTHER,
            True,
            0,
            ("processing", None, "screen"),
        ),
        (
            session("processing", preset="shell", hooked=False),
            Screen.OTHER,
            False,
            QUIET_TICKS,
            ("waiting", "input", "screen"),
        ),
        (
            session("processing", preset="codex"),
            Screen.OTHER,
            False,
            QUIET_TICKS,
            ("waiting", "input", "screen"),
        ),
        (session("exited"), Screen.IDLE, False, 9, None),
    ],
)
def test_decide(
    state: SessionState,
    screen: Screen,
    changed: bool,
    stable: int,
    expected: tuple[str, str | None, str] | None,
) -> None:
    assert decide(state, screen, changed, stable) == expected
