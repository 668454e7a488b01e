"""``next``: approvals first, then input, from any window; cycles through all."""

from __future__ import annotations

from pathlib import Path

import pytest
from libtmux._internal.control_mode import ControlMode
from libtmux.server import Server

from q_tmux.store.session_file import Status, WaitingReason
from q_tmux.tracking import jump
from q_tmux.tracking.jump import Candidate, jump_order, pick_target
from tests.conftest import session_json, wait_for
from tests.test_status_line import add_session, socket  # noqa: F401  (fixture)

A1: Candidate = (True, "2026-01-01T10:05", "@a1", "ask-1")
A2: Candidate = (True, "2026-01-01T10:06", "@a2", "ask-2")
I1: Candidate = (False, "2026-01-01T10:00", "@i1", "in-1")
I2: Candidate = (False, "2026-01-01T10:01", "@i2", "in-2")
I3: Candidate = (False, "2026-01-01T10:02", "@i3", "in-3")


def windows(candidates: list[Candidate]) -> list[str]:
    return [window for window, _, _ in jump_order(candidates)]


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ([], []),
        ([I3, I1, I2], ["@i1", "@i2", "@i3"]),  # longest-waiting first
        ([I1, I2, I3, A1], ["@a1", "@i1", "@i2", "@i3"]),  # the newest approval beats old input
        ([A2, I1, A1], ["@a1", "@a2", "@i1"]),
    ],
)
def test_jump_order(candidates: list[Candidate], expected: list[str]) -> None:
    assert windows(candidates) == expected


ORDER = jump_order([I1, I2, I3, A1])


@pytest.mark.parametrize(
    ("current", "cycling", "expected"),
    [
        (None, False, "@a1"),  # from outside tmux
        ("@elsewhere", False, "@a1"),  # from a window that is not waiting
        ("@i1", False, "@a1"),  # from a waiting window: the approval still comes first
        ("@i3", False, "@a1"),
        ("@a1", False, "@i1"),  # already on the approval: the next one
        ("@a1", True, "@i1"),  # pressed again: on down the order
        ("@i1", True, "@i2"),
        ("@i2", True, "@i3"),
        ("@i3", True, "@a1"),  # and round again
        ("@gone", True, "@a1"),  # the window it went to stopped waiting: from the top
    ],
)
def test_pick_target(current: str | None, cycling: bool, expected: str) -> None:
    target = pick_target(ORDER, current, cycling)
    assert target is not None
    assert target[0] == expected


def test_pick_target_edges() -> None:
    assert pick_target([], "@i1", True) is None
    only = jump_order([I1])
    assert pick_target(only, "@i1") == only[0]  # the only one: stay


def test_a_session_that_changed_state_since_the_jump_is_not_cycling() -> None:
    mark = jump.jump_mark("/dev/pts/1", ORDER[1])
    assert jump.is_cycling(ORDER, "@i1", mark, "/dev/pts/1")
    assert not jump.is_cycling(ORDER, "@i1", mark, "/dev/pts/2")  # another client
    waits_anew: Candidate = (False, "2026-01-01T11:00", "@i1", "in-1")
    again = jump_order([waits_anew, I2, I3, A1])
    assert not jump.is_cycling(again, "@i1", mark, "/dev/pts/1")  # waits anew since


def test_next_from_a_waiting_window_goes_to_the_approval_first_and_cycles_through_all(
    server: Server,
    socket: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    works = {}
    for name in ("in-1", "in-2", "in-3"):
        works[name] = add_session(
            server, socket, tmp_path, name, Status.WAITING, WaitingReason.INPUT
        )
    works["asks"] = add_session(
        server, socket, tmp_path, "asks", Status.WAITING, WaitingReason.APPROVAL
    )
    window_of = {name: session_json(work)["tmux"]["window_id"] for name, work in works.items()}
    session = server.sessions.get(session_name="main")
    assert session is not None
    with ControlMode(server=server, session=session) as client:

        def showing() -> str:
            return str(
                server.cmd(
                    "display-message", "-p", "-c", client.client_name, "#{window_id}"
                ).stdout[0]
            )

        # The user is working in a session that waits for input.
        server.cmd("select-window", "-t", window_of["in-1"])
        wait_for(lambda: showing() == window_of["in-1"], what="the client on in-1")
        visited = []
        for _ in range(5):
            assert jump.main(socket, client.client_name) == 0
            visited.append(next(n for n, w in window_of.items() if w == showing()))
        assert visited == ["asks", "in-1", "in-2", "in-3", "asks"]
