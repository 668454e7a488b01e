"""Work run in threads meanwhile (:mod:`q_tmux.background`)."""

from __future__ import annotations

import threading
from functools import partial

import pytest

from q_tmux.background import in_background, side_by_side


def test_in_background_gives_the_result_or_raises_the_error() -> None:
    assert in_background(lambda: 42)() == 42

    def failing() -> int:
        raise ValueError("no")

    wait = in_background(failing)
    with pytest.raises(ValueError, match="no"):
        wait()


def test_side_by_side_runs_each_once_at_most_so_many_at_a_time() -> None:
    lock = threading.Lock()
    running, most, done = [0], [0], []
    # Two at a time must meet here: one at a time, the barrier breaks.
    meeting = threading.Barrier(2, timeout=10)

    def work(number: int) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        meeting.wait()
        with lock:
            running[0] -= 1
            done.append(number)

    raised = side_by_side([partial(work, n) for n in range(6)], at_most=2)
    assert raised == [None] * 6
    assert sorted(done) == list(range(6))
    assert most[0] == 2


def test_side_by_side_says_what_each_raised_and_runs_the_rest() -> None:
    ran: list[int] = []

    def work(number: int) -> None:
        ran.append(number)
        if number == 1:
            raise OSError("broken")

    raised = side_by_side([partial(work, n) for n in range(3)])
    assert sorted(ran) == [0, 1, 2]
    assert raised[0] is None
    assert isinstance(raised[1], OSError)
    assert raised[2] is None
    assert side_by_side([]) == []
