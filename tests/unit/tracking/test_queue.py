"""The queue's decision: which queued sessions start now under ``max_busy``."""

from __future__ import annotations

import pytest

from q_tmux.tracking.queue import Candidate, due


def c(id: str, status: str, alive: bool = True, since: str = "") -> Candidate:
    return Candidate(id, status, alive, since or id)


@pytest.mark.parametrize(
    ("sessions", "limit", "expected"),
    [
        # Two busy at a limit of two: nothing starts.
        ([c("a", "processing"), c("b", "starting"), c("q1", "queued")], 2, []),
        # One finished (waiting): the first queued starts, in the order they queued.
        (
            [c("a", "processing"), c("b", "waiting"), c("q2", "queued"), c("q1", "queued")],
            2,
            ["q1"],
        ),
        # Waiting for approval is not busy; exited and completed are not either.
        ([c("a", "waiting"), c("b", "exited"), c("q1", "queued"), c("q2", "queued")], 1, ["q1"]),
        # A dead pane's agent is not busy, and a queued session without a pane never starts.
        (
            [c("a", "processing", alive=False), c("q1", "queued", alive=False), c("q2", "queued")],
            1,
            ["q2"],
        ),
        # No limit: every queued session starts.
        ([c("a", "processing"), c("q1", "queued"), c("q2", "queued")], None, ["q1", "q2"]),
        # Room for several at once.
        ([c("q1", "queued"), c("q2", "queued"), c("q3", "queued")], 2, ["q1", "q2"]),
        # Over the limit (a person started one by hand): nothing, and no negative room.
        (
            [c("a", "processing"), c("b", "processing"), c("c", "processing"), c("q1", "queued")],
            2,
            [],
        ),
        ([], 2, []),
    ],
)
def test_due(sessions: list[Candidate], limit: int | None, expected: list[str]) -> None:
    assert due(sessions, limit) == expected


def test_first_queued_first_by_the_time_they_queued() -> None:
    early = Candidate("z", "queued", True, "2026-01-01T10:00:00.000000Z")
    late = Candidate("a", "queued", True, "2026-01-01T10:00:01.000000Z")
    assert due([late, early], 1) == ["z"]
