"""Work run in threads meanwhile (:mod:`q_tmux.background`)."""

from __future__ import annotations

import pytest

from q_tmux.background import in_background


def test_in_background_gives_the_result_or_raises_the_error() -> None:
    assert in_background(lambda: 42)() == 42

    def failing() -> int:
        raise ValueError("no")

    wait = in_background(failing)
    with pytest.raises(ValueError, match="no"):
        wait()
