"""How commands run programs (git, ``sh`` for setup commands): plumbum's ``local``.

The hot path (hooks, status line, watcher, ``next``) cannot afford plumbum and
runs programs through :mod:`q_tmux.adapters.tmuxcmd` instead; tmux calls from
commands go through libtmux (:mod:`q_tmux.adapters.tmux`). plumbum costs ~85 ms
to import, so it is imported inside the functions here.

Every call runs in plumbum's own environment, ``local.env``, and finds its
program with ``local.which`` (which remembers each answer per ``PATH``). plumbum
fills ``local.env`` from ``os.environ`` once, when it is imported; a caller that
changes ``os.environ`` later (the tests running the CLI in-process do, and so
could any embedding program) would be ignored, so each call first makes
``local.env`` the live environment, inside ``with local.env()``, which puts
plumbum's back afterwards. The folder a program runs in is passed per call
(``cwd=``): ``local.cwd(...)`` would move this whole process there and back, and
git is always told its folder anyway. q-tmux runs programs from one thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _live_environment(extra: dict[str, str] | None = None) -> Iterator[None]:
    """For the ``with`` block: plumbum's ``local.env`` is ``os.environ`` now, plus ``extra``."""
    from plumbum import local

    with local.env():
        local.env.clear()
        local.env.update(os.environ)
        if extra:
            local.env.update(extra)
        yield


def _which(program: str) -> str | None:
    """``program``'s path on ``local.env``'s PATH, or None."""
    from plumbum import local
    from plumbum.commands.processes import CommandNotFound

    try:
        return str(local.which(program))
    except CommandNotFound:
        return None


def find_program(name: str) -> str | None:
    """Absolute path of ``name`` on the live PATH, or None."""
    with _live_environment():
        return _which(name)


def _require(program: str) -> str:
    """``program``'s path (a path is taken as it is); :class:`ToolMissingError` when none."""
    if os.sep in program:
        executable: str | None = program if os.access(program, os.X_OK) else None
    else:
        executable = _which(program)
    if executable is None:
        raise ToolMissingError(f"{program} is not installed or not on PATH.")
    return executable


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
    timeout: float | None = None,
) -> Completed:
    """Run ``program`` (a name on PATH, or a path) with ``args``, never through a shell.

    ``stdin``, when given, is the program's whole input. A program still running
    after ``timeout`` seconds is killed; it then answers exit status -9 and no output.
    """
    from plumbum import local
    from plumbum.commands.processes import ProcessTimedOut

    leave_vanished_cwd()
    with _live_environment(env):
        bound = local[_require(program)][tuple(args)]
        command = bound << stdin if stdin is not None else bound
        try:
            returncode, stdout, stderr = command.run(
                retcode=None, cwd=str(cwd) if cwd is not None else None, timeout=timeout
            )
        except ProcessTimedOut:
            return Completed(-9, "", f"{program} did not finish within {timeout:g} seconds")
    return Completed(int(returncode), str(stdout), str(stderr))


def run_visible(program: str, args: list[str], *, cwd: Path, env: dict[str, str]) -> int:
    """Run ``program`` with the user's terminal as its output (setup commands show progress)."""
    from plumbum import local

    with _live_environment(env):
        command = local[_require(program)][tuple(args)]
        process = command.popen(cwd=str(cwd), stdin=None, stdout=None, stderr=None)
        return int(process.wait())


def page(text: str, pager: str) -> int:
    """Show ``text`` on the terminal through ``pager``, a shell command as git runs it.

    As git does, ``less`` is told ``FRX`` (quit when it fits, keep colours, leave
    the screen) unless the user set ``LESS`` themselves.
    """
    import contextlib
    import subprocess

    from plumbum import local

    environment = {"LESS": os.environ.get("LESS", "FRX"), "LV": os.environ.get("LV", "-c")}
    with _live_environment(environment):
        command = local[_require("sh")]["-c", pager]
        process = command.popen(stdin=subprocess.PIPE, stdout=None, stderr=None, text=True)
        with contextlib.suppress(BrokenPipeError):  # the user quit before the end
            assert process.stdin is not None
            process.stdin.write(text)
            process.stdin.close()
        return int(process.wait())


def run_on_terminal(
    program: str, args: list[str], *, stdin: str, env: dict[str, str] | None = None
) -> Completed:
    """Run an interactive ``program`` (fzf) that draws on the terminal through its stderr.

    ``stdin`` is its whole input; its stdout (the answer) is captured, stderr is the
    terminal's. The returned ``stderr`` is empty.
    """
    import contextlib
    import subprocess

    from plumbum import local

    leave_vanished_cwd()
    with _live_environment(env):
        command = local[_require(program)][tuple(args)]
        process = command.popen(
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, text=True
        )
        assert process.stdin is not None
        assert process.stdout is not None
        with contextlib.suppress(BrokenPipeError):  # it may answer before reading it all
            process.stdin.write(stdin)
            process.stdin.close()
        out = process.stdout.read()
        return Completed(int(process.wait()), out, "")
