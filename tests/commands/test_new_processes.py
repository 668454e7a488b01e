"""``q-tmux new --detach`` asks git and tmux each question once, in as few processes as it can.

git and tmux are wrapped by logging shims on PATH; only the calls made by the
``new`` process itself count (the watcher and the plugin script it starts have
other parents). It runs as a real process: an in-process run would share the
answers earlier tests left in this interpreter.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from libtmux.server import Server

from tests.conftest import QTmux


def _shims(folder: Path, log: Path) -> None:
    folder.mkdir()
    for program in ("git", "tmux"):
        real = shutil.which(program)
        assert real is not None
        shim = folder / program
        shim.write_text(
            "#!/bin/sh\n"
            f'printf \'%s\\t%s\\t%s\\n\' "${{UNDER_TEST:-}}" "$PPID" "{program} $*" >> \'{log}\'\n'
            f"exec '{real}' \"$@\"\n"
        )
        shim.chmod(0o755)


@pytest.mark.subprocess
def test_new_detach_runs_each_git_and_tmux_command_once(
    qtmux: QTmux, repo: Path, server: Server, tmp_path: Path
) -> None:
    log = tmp_path / "calls.log"
    _shims(tmp_path / "shims", log)
    path = f"{tmp_path / 'shims'}{os.pathsep}{os.environ['PATH']}"
    # The tmux session now exists, and the programs' versions were read once.
    qtmux.ok("new", "first", "--detach", "hello", cwd=repo, env={"PATH": path})
    # Only the second new's calls are marked (the watcher the first one started runs git and
    # tmux too), and of those only its own count, not its children's.
    qtmux.ok("new", "second", "--detach", "hello", cwd=repo, env={"PATH": path, "UNDER_TEST": "1"})

    marked = [line.split("\t", 2) for line in log.read_text().splitlines()]
    lines = [(fields[1], fields[2]) for fields in marked if len(fields) == 3 and fields[0] == "1"]
    first_git = next(parent for parent, call in lines if call.startswith("git "))
    ours = [call for parent, call in lines if parent == first_git]  # new's own calls
    repeated = [call for call, times in Counter(ours).items() if times > 1]
    assert repeated == []
    git_calls = [call for call in ours if call.startswith("git ")]
    # Find the repository, both branches, the branch, the worktree: HEAD's branch is read
    # from its file, a plain name needs no check-ref-format, and the version the first new
    # read is kept for this git program file.
    assert len(git_calls) <= 4, git_calls
    # The scope's tmux session, the window, then its options and the agent in one call
    # (tmux's version is kept too); the status line and the watcher are told by a process
    # new does not wait for.
    assert len(ours) - len(git_calls) <= 3, ours
