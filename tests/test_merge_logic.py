"""Millisecond tests of the merge's pure logic: patterns, messages, plans."""

from __future__ import annotations

import pytest

from q_tmux.adapters.git import literal_exclude_pattern


@pytest.mark.parametrize(
    ("path", "pattern"),
    [
        (".env", "/.env"),
        ("out/", "/out/"),
        ("a*b?[c].txt", "/a\\*b\\?\\[c].txt"),
        ("back\\slash", "/back\\\\slash"),
        ("#hash", "/#hash"),
        ("!bang", "/!bang"),
        ("trail  ", "/trail\\ \\ "),
        ("new\nline", None),
    ],
)
def test_an_exclude_line_matches_exactly_one_path(path: str, pattern: str | None) -> None:
    assert literal_exclude_pattern(path) == pattern
