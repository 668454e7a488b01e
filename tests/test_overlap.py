"""Who is named for a conflict: the pure decisions of q_tmux.merge.conflicts, in milliseconds."""

from __future__ import annotations

import pytest

from q_tmux.merge.conflicts import Method, own_conflicts, pair_method


@pytest.mark.parametrize(
    ("first", "second", "same_base", "expected"),
    [
        ((), (), True, Method.SECOND_MERGED_FIRST),
        (("x.py",), (), True, Method.SECOND_MERGED_FIRST),  # the clean one goes in first
        ((), ("parser.py",), True, Method.FIRST_MERGED_FIRST),
        (("x.py",), ("parser.py",), True, Method.TIPS),  # neither can go in first
        ((), (), False, Method.TIPS),  # no common base to merge into
        (None, (), True, Method.UNKNOWN),  # git too old to predict
        ((), None, True, Method.UNKNOWN),
    ],
)
def test_pair_method(
    first: tuple[str, ...] | None, second: tuple[str, ...] | None, same_base: bool, expected: str
) -> None:
    assert pair_method(first, second, same_base) is expected


@pytest.mark.parametrize(
    ("predicted", "shared", "with_base", "expected"),
    [
        # The case: one changed only d.txt, the other conflicts with the base in parser.py.
        (["parser.py"], ["d.txt"], [], ()),
        (["d.txt", "parser.py"], ["d.txt"], [], ("d.txt",)),
        ([], ["d.txt"], [], ()),
        (None, ["d.txt"], [], None),  # unknown stays unknown
        # A shared file one conflicts in with the base is that session's, not the pair's.
        (["parser.py"], ["parser.py"], ["parser.py"], ()),
        (["d.txt", "parser.py"], ["d.txt", "parser.py"], ["parser.py"], ("d.txt",)),
        (["b", "a"], ["a", "b", "c"], [], ("a", "b")),
    ],
)
def test_own_conflicts(
    predicted: list[str] | None,
    shared: list[str],
    with_base: list[str],
    expected: tuple[str, ...] | None,
) -> None:
    assert own_conflicts(predicted, shared, with_base) == expected
