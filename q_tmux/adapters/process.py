"""The one place q-tmux runs programs (git, and ``tmux -V``), through plumbum.

plumbum takes a copy of ``os.environ`` when it is imported; every call here
passes the live environment so a caller's changes (and tests') are honoured.
Imported only by commands: plumbum costs ~85 ms to import, too much for the
status line and hooks, which stay on the standard library.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from q_tmux.errors import ToolMissingError


@dataclass(frozen=True)
class Completed:
    """What a finished program returned."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def first_error_line(self) -> str:
        """The first non-blank stderr line, for a one-sentence message."""
        # Without its closing full stop: callers go on with "; ..." or end with their own.
        for line in self.stderr.splitlines():
            if line.strip():
                return line.strip().removeprefix("fatal: ").removeprefix("error: ").rstrip(".")
        return f"exit status {self.returncode}"


def find_program(name: str) -> str | None:
    """Absolute path of ``name`` on the live PATH, or None."""
    return shutil.which(name, path=os.environ.get("PATH"))


def leave_vanished_cwd() -> None:
    """When this process's folder was removed under it, move to the home folder.

    Programs started from a folder that no longer exists fail (git cannot read it),
    so every run first makes sure the folder it inherits is real.
    """
    try:
        os.getcwd()
    except FileNotFoundError:
        home = Path.home()
        os.chdir(home if home.is_dir() else Path("/"))


def run(
    program: str,
    args: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> Completed:
    """Run ``program`` with ``args`` (never through a shell) and capture its output.

    ``stdin``, when given, is the program's whole input.
    """
    from plumbum import local

    leave_vanished_cwd()
    executable = find_program(program)
    if executable is None:
        raise ToolMissingError(f"{program} is not installed or not on PATH.")
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    bound = local[executable][tuple(args)]
    command = bound << stdin if stdin is not None else bound
    returncode, stdout, stderr = command.run(
        retcode=None, env=full_env, cwd=str(cwd) if cwd is not None else None
    )
    return Completed(int(returncode), str(stdout), str(stderr))


def run_visible(program: str, args: list[str], *, cwd: Path, env: dict[str, str]) -> int:
    """Run ``program`` with the user's terminal as its output (setup commands show progress)."""
    from plumbum import local

    executable = find_program(program)
    if executable is None:
        raise ToolMissingError(f"{program} is not installed or not on PATH.")
    command = local[executable][tuple(args)]
    process = command.popen(
        cwd=str(cwd), env={**os.environ, **env}, stdin=None, stdout=None, stderr=None
    )
    return int(process.wait())
