"""Running programs for commands (adapters/process.py): the live environment, PATH and folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from plumbum import local

from q_tmux.adapters import process
from q_tmux.errors import ToolMissingError


def test_a_program_sees_the_environment_as_it_is_now(monkeypatch: pytest.MonkeyPatch) -> None:
    process.run("true", [])  # plumbum is imported and has taken its copy of the environment
    monkeypatch.setenv("QT_PROCESS_LATER", "set later")
    monkeypatch.delenv("HOME")
    done = process.run(
        "sh", ["-c", 'echo "$QT_PROCESS_LATER|${HOME-unset}|$QT_EXTRA"'], env={"QT_EXTRA": "x"}
    )
    assert done.ok
    assert done.stdout == "set later|unset|x\n"
    assert "QT_EXTRA" not in local.env  # plumbum's own environment is put back


def test_programs_are_found_on_the_live_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = tmp_path / "qt-only-here"
    tool.write_text('#!/bin/sh\necho found "$1"\n')
    tool.chmod(0o755)
    assert process.find_program(tool.name) is None
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert process.find_program(tool.name) == str(tool)
    assert process.run(tool.name, ["it"]).stdout == "found it\n"
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolMissingError, match="qt-only-here is not installed or not on PATH"):
        process.run(tool.name, [])


def test_the_folder_is_per_call(tmp_path: Path) -> None:
    here = os.getcwd()
    done = process.run("pwd", [], cwd=tmp_path, stdin="")
    assert Path(done.stdout.strip()).resolve() == tmp_path.resolve()
    assert os.getcwd() == here


def test_input_and_failure(tmp_path: Path) -> None:
    done = process.run("sh", ["-c", "cat; echo 'fatal: no such thing.' >&2; exit 3"], stdin="in")
    assert (done.returncode, done.stdout, done.ok) == (3, "in", False)
    assert done.first_error_line() == "no such thing"


def test_a_program_that_does_not_finish_is_killed(tmp_path: Path) -> None:
    slow = tmp_path / "slow"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    done = process.run(str(slow), [], timeout=0.3)
    assert (done.returncode, done.stdout) == (-9, "")
    assert done.first_error_line() == f"{slow} did not finish within 0.3 seconds"


def _fake_git(tmp_path: Path, failures: int, message: str) -> Path:
    """A ``git`` that dies ``failures`` times with ``message`` (exit 128), then says ok."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    count = tmp_path / "runs"
    git = bin_dir / "git"
    git.write_text(
        "#!/bin/sh\n"
        f'echo x >> "{count}"\n'
        f'if [ "$(wc -l < "{count}")" -le {failures} ]; then echo "{message}" >&2; exit 128; fi\n'
        "echo ok\n"
    )
    git.chmod(0o755)
    return bin_dir


RACE = "fatal: failed to read /r/.git/worktrees/fix-2/commondir: Success"


def test_git_meeting_a_worktree_being_made_is_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{_fake_git(tmp_path, 2, RACE)}:{os.environ['PATH']}")
    done = process.run("git", ["worktree", "add", "x"])
    assert done.ok, done.stderr
    assert done.stdout == "ok\n"
    assert len((tmp_path / "runs").read_text().splitlines()) == 3


@pytest.mark.parametrize(
    ("failures", "message", "runs"),
    [
        (9, RACE, process.GIT_RACE_ATTEMPTS),  # gives up, and says what git said
        (1, "fatal: not a git repository (or any of the parent directories): .git", 1),
    ],
)
def test_git_is_run_again_only_for_that_race_and_only_a_few_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failures: int, message: str, runs: int
) -> None:
    monkeypatch.setenv("PATH", f"{_fake_git(tmp_path, failures, message)}:{os.environ['PATH']}")
    done = process.run("git", ["status"])
    assert done.returncode == 128
    assert done.stderr.strip() == message
    assert len((tmp_path / "runs").read_text().splitlines()) == runs
