"""The executable's fast path answers Ctrl-C and its own bugs as the click CLI does: one line."""

from __future__ import annotations

import pytest

from q_tmux.cli import entry


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [
        (KeyboardInterrupt(), 130, "q-tmux: interrupted.\n"),
        (
            KeyError("status"),
            70,
            "q-tmux: internal error (KeyError: 'status'); "
            "rerun with Q_TMUX_DEBUG=1 for details and please report it.\n",
        ),
    ],
)
def test_the_fast_path_says_one_line_for_ctrl_c_and_for_a_bug(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    raised: BaseException,
    code: int,
    said: str,
) -> None:
    def list_command(*_: object) -> int:
        raise raised

    monkeypatch.setattr("q_tmux.cli.list_fast.list_command", list_command)
    monkeypatch.setattr("sys.argv", ["q-tmux", "list"])
    monkeypatch.delenv("Q_TMUX_DEBUG", raising=False)
    assert entry.main() == code
    out, err = capsys.readouterr()
    assert (out, err) == ("", said)
