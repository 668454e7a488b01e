"""The status line's plain text, without regular expressions (the hook never imports re)."""

from __future__ import annotations

import random
import re

import pytest

from q_tmux.tracking import status_line

#: The markup as a regular expression: what :func:`status_line.plain` does without one.
MARKUP = re.compile(r"##|#\[[^\]]*\]")


def by_regex(text: str) -> str:
    return MARKUP.sub(lambda match: "#" if match[0] == "##" else "", text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain",
        "#[fg=red,bold]!asks#[default] 2 busy",
        "## ### #### #",
        "#[unclosed",
        "a#[b#[c]d]e",
        "##[fg=red]",
        "#[]#",
        "#[x]]#]",
        "漢字 #[dim]…#[default]",
    ],
)
def test_it_drops_styles_and_halves_doubled_marks(text: str) -> None:
    assert status_line.plain(text) == by_regex(text)


def test_it_agrees_with_the_regular_expression_on_any_text() -> None:
    rng = random.Random(16)
    for _ in range(3000):
        text = "".join(rng.choice("##[]a ,=漢") for _ in range(rng.randrange(14)))
        assert status_line.plain(text) == by_regex(text), text


def test_wide_characters_still_take_two_cells() -> None:
    assert status_line.width("#[bold]漢字#[default] ab") == 7
    assert status_line.width("a ## b") == 5
