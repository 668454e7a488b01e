from __future__ import annotations

import pytest

from q_tmux.errors import InvalidNameError
from q_tmux.sessions.names import MAX_NAME_LENGTH, check_name, name_problem, printable, suggest_name

HOSTILE = [
    "a;rm -rf ~",
    "$(touch x)",
    "`id`",
    "#(touch x)",
    "#{pane_id}",
    "#[fg=red]",
    "..",
    "a..b",
    "../up",
    "-x",
    "--help",
    "with space",
    "café",
    "名前",
    "x" * 300,
    "HEAD",
    "a.lock",
    "a.",
    ".hidden",
    "a/b",
    "a@{1}",
    "tab\there",
    "new\nline",
    "",
    "   ",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused_with_a_safe_suggestion(name: str) -> None:
    assert name_problem(name) is not None
    with pytest.raises(InvalidNameError) as caught:
        check_name(name)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("Session name ")
    suggestion = suggest_name(name)
    assert suggestion == "" or name_problem(suggestion) is None


@pytest.mark.parametrize(
    "name", ["feature-auth", "fix_123", "v2.0-rc1", "A", "x" * MAX_NAME_LENGTH]
)
def test_ordinary_names_pass(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fix the Parser!", "fix-the-parser"),
        ("café au lait", "cafe-au-lait"),
        ("a..b", "a-b"),
        ("--x--", "x"),
        ("HEAD", "head"),
        ("x.lock.lock", "x"),
        ("名前", ""),
    ],
)
def test_suggestions(text: str, expected: str) -> None:
    assert suggest_name(text) == expected


def test_long_suggestion_is_cut_at_a_word_boundary() -> None:
    suggestion = suggest_name("word " * 40)
    assert len(suggestion) <= MAX_NAME_LENGTH
    assert not suggestion.endswith("-")
    assert suggestion.endswith("word")


def test_printable_escapes_control_characters_and_truncates() -> None:
    assert printable("a\nb\x1b[31m") == "'a\\nb\\x1b[31m'"
    assert len(printable("y" * 100)) == 42
