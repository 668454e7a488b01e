"""What a fact file may hold under each kind of key: one check per kind, shared by every reader."""

from __future__ import annotations

from typing import Any

import pytest

from q_tmux.store import facts


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ([["a.py", 1, 2], ["logo.png", None, None]], True),
        ([], True),  # a branch that changed nothing
        ([["a.py", True, 2]], False),  # a bool is no count
        ([["a.py", 1]], False),
        ([["a.py"]], False),
        ([[3, 1, 2]], False),
        ({"a.py": [1, 2]}, False),
        (None, False),
    ],
)
def test_a_diff_stat_is_a_path_and_two_counts_per_file(value: Any, kept: bool) -> None:
    assert facts.is_diff_stat(value) is kept
