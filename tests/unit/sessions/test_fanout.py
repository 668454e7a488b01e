"""Fan-out's pure parts: the sessions' names and agents, bad input, and group ordering."""

from __future__ import annotations

import pytest

from q_tmux.errors import UsageError
from q_tmux.sessions.fanout import FanOut, Member, members, plan
from q_tmux.sessions.grouping import grouped

PRESETS = {"q", "claude", "codex", "shell"}


@pytest.mark.parametrize(
    ("agents", "count", "expected"),
    [
        ((), 3, [("fix-1", None), ("fix-2", None), ("fix-3", None)]),
        (("claude",), 2, [("fix-1", "claude"), ("fix-2", "claude")]),
        (("claude", "codex"), None, [("fix-claude", "claude"), ("fix-codex", "codex")]),
        # A command line is named by its place among the --agent options.
        (
            ("claude", "mychat {prompt}"),
            None,
            [("fix-claude", "claude"), ("fix-2", "mychat {prompt}")],
        ),
        (
            ("q", "codex"),
            2,
            [
                ("fix-q-1", "q"),
                ("fix-q-2", "q"),
                ("fix-codex-1", "codex"),
                ("fix-codex-2", "codex"),
            ],
        ),
        ((), 1, [("fix-1", None)]),
    ],
)
def test_member_names(
    agents: tuple[str, ...], count: int | None, expected: list[tuple[str, str | None]]
) -> None:
    assert members("fix", agents, count, PRESETS) == [Member(n, a) for n, a in expected]


@pytest.mark.parametrize(("agents", "count"), [((), None), (("claude",), None)])
def test_one_session_is_no_fan_out(agents: tuple[str, ...], count: int | None) -> None:
    assert plan(agents, count) is None


def test_a_fan_out_keeps_what_was_asked() -> None:
    assert plan(("q", "codex"), None) == FanOut(("q", "codex"), None)
    assert plan((), 3) == FanOut((), 3)


@pytest.mark.parametrize(
    ("agents", "count", "message"),
    [
        ((), 0, "--count 0 makes no session; give --count 1 or more."),
        (("q",), -1, "--count -1 makes no session"),
        (("claude", "claude"), None, "--agent claude is given twice"),
        (("claude", "codex", "claude"), 2, "--agent claude is given twice"),
    ],
)
def test_bad_input_is_one_sentence(agents: tuple[str, ...], count: int, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        plan(agents, count)
    assert message in str(caught.value)


def test_grouped_puts_a_groups_members_after_its_first_and_keeps_the_rest_in_order() -> None:
    items = [("a", None), ("g1", "g"), ("b", None), ("h1", "h"), ("g2", "g"), ("h2", "h")]
    assert [name for name, _ in grouped(items, lambda item: item[1])] == [
        "a",
        "g1",
        "g2",
        "b",
        "h1",
        "h2",
    ]
    assert grouped([], lambda item: None) == []
