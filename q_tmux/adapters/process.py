"""How commands run programs (git, ``sh`` for setup commands).

The hot path (hooks, status line, watcher, ``next``) runs programs through
:mod:`q_tmux.adapters.tmuxcmd` instead. :func:`run`, which every git command
goes through, uses :mod:`subprocess` directly: plumbum costs ~40 ms to import,
more than the git commands of a warm ``merge --dry-run`` take. Each run sees
the live ``os.environ`` (the tests running the CLI in-process change it; so
could any embedding program) and finds its program on that ``PATH``; its stdin
is empty unless given, never the user's terminal.

The programs that use the terminal (setup commands, the pager, fzf) go through
plumbum's ``local``. plumbum fills ``local.env`` from ``os.environ`` once, when
it is imported; each of those calls first makes ``local.env`` the live
environment, inside ``with local.env()``, which puts plumbum's back afterwards.
The folder a program runs in is passed per call (``cwd=``): ``local.cwd(...)``
would move this whole process there and back. q-tmux runs programs from one thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
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


def _which(program: str, environment: Mapping[str, str] | None = None) -> str | None:
    """``program``'s path on the PATH of ``environment`` (the live one by default), or None."""
    import shutil

    path = (os.environ if environment is None else environment).get("PATH", os.defpath)
    return shutil.which(program, path=path)


def find_program(name: str) -> str | None:
    """Absolute path of ``name`` on the live PATH, or None."""
    return _which(name)


def _require(program: str, environment: Mapping[str, str] | None = None) -> str:
    """``program``'s path (a path is taken as it is); :class:`ToolMissingError` when none."""
    if os.sep in program:
        executable: str | None = program if os.access(program, os.X_OK) else None
    else:
        executable = _which(program, environment)
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
    import subprocess
    import time

    leave_vanished_cwd()
    environment = {**os.environ, **(env or {})}
    executable = _require(program, environment)
    for attempt in range(GIT_RACE_ATTEMPTS):
        try:
            done = subprocess.run(
                [executable, *args],
                input=stdin.encode() if stdin is not None else None,
                stdin=subprocess.DEVNULL if stdin is None else None,  # never the user's terminal
                capture_output=True,
                cwd=cwd,
                env=environment,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:  # run() has killed it
            return Completed(-9, "", f"{program} did not finish within {timeout:g} seconds")
        result = Completed(
            done.returncode,
            done.stdout.decode("utf-8", "ignore"),  # as plumbum decoded it
            done.stderr.decode("utf-8", "ignore"),
        )
        if not (program == "git" and met_a_worktree_being_made(result)):
            break
        time.sleep(0.05 * (attempt + 1))
    return result


#: How many times a git command that met another worktree half-made is run in all.
GIT_RACE_ATTEMPTS = 4


def met_a_worktree_being_made(result: Completed) -> bool:
    """Whether git died reading the ``commondir`` of a worktree another git is still making.

    ``git worktree add`` makes ``.git/worktrees/NAME/`` and then writes its
    files; a git that lists the worktrees' refs in between (``worktree add``
    and ``branch`` ask whether a branch is checked out anywhere) dies with
    "failed to read .../commondir" before it changes anything, so it is run again.
    """
    return (
        result.returncode == 128
        and "failed to read" in result.stderr
        and "commondir" in result.stderr
    )


def run_visible(program: str, args: list[str], *, cwd: Path, env: dict[str, str]) -> int:
    """Run ``program`` with the user's terminal as its output (setup commands show progress)."""
    from plumbum import local

    with _live_environment(env):
        command = local[_require(program, {**os.environ, **env})][tuple(args)]
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
        command = local[_require(program, {**os.environ, **(env or {})})][tuple(args)]
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
