"""The tests' own q-tmux runner: in-process calls leave the test process as they found it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.conftest import QTmux


def test_an_in_process_call_puts_back_what_it_changed(qtmux: QTmux, tmp_path: Path) -> None:
    assert qtmux.in_process
    before = (dict(os.environ), os.getcwd(), sys.argv, sys.stdin, sys.stdout, sys.stderr)

    result = qtmux("--help", cwd=tmp_path, env={"Q_TMUX_RUNNER_PROBE": "1"})

    assert result.returncode == 0
    assert "Usage: q-tmux" in result.stdout
    assert result.stderr == ""
    assert (dict(os.environ), os.getcwd(), sys.argv, sys.stdin, sys.stdout, sys.stderr) == before


def test_an_in_process_usage_error_has_its_message_and_exit_code(
    qtmux: QTmux, tmp_path: Path
) -> None:
    result = qtmux("merge", "--no-such-option", cwd=tmp_path)
    assert result.returncode == 2
    assert "No such option '--no-such-option'" in result.stderr
    assert result.stdout == ""


@pytest.mark.subprocess
def test_the_marker_gives_the_test_processes_of_their_own(qtmux: QTmux, tmp_path: Path) -> None:
    assert not qtmux.in_process
    result = qtmux("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Usage: q-tmux" in result.stdout
