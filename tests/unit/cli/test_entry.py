"""The executable's fast path answers Ctrl-C and its own bugs as the click CLI does: one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_the_exit_leaves_the_heap_to_the_process_end(tmp_path: Path) -> None:
    """A cycle left when a command ends is not walked at exit: its finalizer never runs.

    Without the freeze, Python's shutdown collects the cycle and says "walked".
    """
    script = (
        "import gc, sys\n"
        "gc.set_threshold(0)\n"  # no collection before the exit's own
        "from q_tmux.cli import entry\n"
        "class Cycle:\n"
        "    def __del__(self): print('walked', flush=True)\n"
        "cycle = Cycle(); cycle.me = cycle; del cycle\n"
        "sys.argv = ['q-tmux', '--version']\n"
        "sys.exit(entry.main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("q-tmux, version ")
    assert "walked" not in done.stdout
