"""The standard-library way to run programs, for the hot paths: hooks, status line, watcher.

They run on every agent turn or every fraction of a second; libtmux and
plumbum cost 50-100 ms each to import, and even :mod:`subprocess` costs more
than this file. Every program the hot path starts goes through :func:`spawn`:
tmux and git calls (:func:`run`, :func:`run_program`), the watcher started in
the background (:func:`spawn_detached`); :func:`replace_process` is the one
exec (attaching a client, the watcher carrying on as new code). Commands
everywhere else go through :mod:`q_tmux.adapters.tmux` (libtmux) and
:mod:`q_tmux.adapters.process`. What the arguments and output mean is
:mod:`q_tmux.adapters.tmux_vocabulary`'s.
"""

from __future__ import annotations

import os
import select
import sys
import time

from q_tmux.adapters.tmux_vocabulary import attach_argv

_found: dict[str, str | None] = {}
_SIGKILL = 9  # the signal module costs a hook ~5 ms to import


def find(program: str) -> str | None:
    """``program``'s path on PATH (remembered for the process's life)."""
    if program not in _found:
        found = None  # stored once known: a thread asking meanwhile looks for itself
        for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
            candidate = os.path.join(directory or ".", program)
            if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
                found = candidate
                break
        _found[program] = found
    return _found[program]


def run(socket: str, *args: str, timeout: float = 5.0) -> tuple[int, str]:
    """Run ``tmux -S socket ARGS``; return its exit status and stdout (never raises)."""
    return run_program("tmux", ["-S", socket, *args], timeout=timeout)


def spawn(
    path: str,
    argv: list[str],
    stdio: tuple[int, int, int],
    *,
    setsid: bool = False,
    env: dict[str, str] | None = None,
) -> int:
    """Start ``argv`` (``path`` is its program) with ``stdio`` as fds 0-2; its pid.

    ``env`` is added to this process's environment. The one place the hot path
    starts a program. Raises :class:`OSError` when it cannot.
    """
    return os.posix_spawn(
        path,
        argv,
        {**os.environ, **env} if env else os.environ,
        file_actions=[(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(stdio)],
        setsid=setsid,
    )


def spawn_detached(argv: list[str]) -> int:
    """Start ``argv`` in its own session, with no terminal and no one waiting for it; its pid."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        return spawn(argv[0], argv, (devnull, devnull, devnull), setsid=True)
    finally:
        os.close(devnull)


def replace_process(argv: list[str]) -> None:
    """Become ``argv`` (looked up on PATH unless it is a path); returns only by raising."""
    sys.stdout.flush()
    os.execvp(argv[0], argv)


def attach(socket: str, target: str) -> None:
    """Become a tmux client attached to ``target`` on ``socket``'s server."""
    replace_process(attach_argv(find("tmux") or "tmux", socket, target))


def run_program(program: str, args: list[str], timeout: float = 5.0) -> tuple[int, str]:
    """Run ``program ARGS`` (no shell); its exit status and stdout, 127 when it cannot start.

    stderr is discarded; a program that does not finish within ``timeout`` is killed.
    """
    return run_programs([(program, args)], timeout)[0]


def run_programs(
    commands: list[tuple[str, list[str]]], timeout: float = 5.0
) -> list[tuple[int, str]]:
    """Run every ``(program, args)`` at once, as :func:`run_program` runs one; their exit
    statuses and outputs, in order. All are started before any is waited for (no thread
    needed); those still running after ``timeout`` are killed."""
    started: dict[int, tuple[int, int]] = {}  # each one's stdout (read end): its index, pid
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for index, (program, args) in enumerate(commands):
            path = find(program)
            if path is None:
                continue
            reader, writer = os.pipe()
            try:
                started[reader] = index, spawn(path, [path, *args], (devnull, writer, devnull))
            except OSError:
                os.close(reader)
            finally:
                os.close(writer)
    finally:
        os.close(devnull)
    answers = [(127, "")] * len(commands)
    chunks: dict[int, list[bytes]] = {reader: [] for reader in started}
    reading = set(started)
    deadline = time.monotonic() + timeout
    try:
        while reading:
            remaining = deadline - time.monotonic()
            ready = select.select(list(reading), [], [], remaining)[0] if remaining > 0 else []
            if not ready:
                for reader in reading:
                    os.kill(started[reader][1], _SIGKILL)
                break
            for reader in ready:
                chunk = os.read(reader, 65536)
                if chunk:
                    chunks[reader].append(chunk)
                else:
                    reading.discard(reader)
    finally:
        for reader, (index, pid) in started.items():
            os.close(reader)
            _, status = os.waitpid(pid, 0)
            output = b"".join(chunks[reader]).decode("utf-8", "replace")
            answers[index] = os.waitstatus_to_exitcode(status), output
    return answers


def run_on_terminal(path: str, args: list[str], stdin: str, env: dict[str, str]) -> tuple[int, str]:
    """Run an interactive program (fzf) that draws on this terminal through its stderr.

    ``stdin`` is its whole input and ``env`` is added to its environment; returns its
    exit status and stdout (its answer). Raises :class:`OSError` when it cannot start.
    """
    in_reader, in_writer = os.pipe()
    out_reader, out_writer = os.pipe()
    try:
        pid = spawn(path, [path, *args], (in_reader, out_writer, 2), env=env)
    except OSError:
        os.close(in_writer)
        os.close(out_reader)
        raise
    finally:
        os.close(in_reader)
        os.close(out_writer)
    try:
        with open(in_writer, "w", encoding="utf-8") as feed:
            feed.write(stdin)
    except BrokenPipeError:  # it answered before reading it all
        pass
    with open(out_reader, encoding="utf-8", errors="replace") as answer:
        out = answer.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out


def server_alive(socket: str) -> bool:
    return os.path.exists(socket) and run(socket, "list-sessions", "-F", "x")[0] == 0


# How tmux 3.2a-3.3a treats the arguments it is given (checked by tests/test_tmux_escaping.py):
# - every argument goes through its command parser, which takes an argument ending in ``;``
#   for the end of a command (the rest of the line becomes a second command), and an argument
#   ending in ``\;`` for one ending in ``;``;
# - some arguments are expanded as formats, where ``#(...)`` runs a shell command and
#   ``#{...}``, ``#[...]``, ``#S`` and the like are replaced: ``new-session -c -s -n``,
#   ``new-window -c -n``, ``split-window -c``, ``respawn-pane -c``, ``rename-window`` and the
#   templates of ``display-message`` (which also expands strftime ``%`` sequences); expanding
#   makes ``##`` one ``#`` but leaves any run of ``#`` before ``[`` as it is, and drawing (the
#   status line, messages) reads ``##[`` as ``#[`` and ``#[`` as a style;
# - option values (``set-option`` without ``-F``), ``-e`` environment and ``send-keys -l`` text
#   are taken as they are;
# - a command given as a single argument runs through ``sh -c``; two or more are run directly.


def escape(text: str) -> str:
    """Make text from a name or a file inert in anything tmux renders: ``#`` becomes ``##``."""
    return text.replace("#", "##")


def argument(text: str) -> str:
    """``text`` as one tmux argument that its command parser passes on unchanged."""
    return text[:-1] + "\\;" if text.endswith(";") else text


def literal(text: str) -> str:
    """``text`` for an argument tmux expands as a format (``-c``, ``-n``, ``-s``): taken as is.

    Expanding turns ``##`` into ``#`` but keeps a run of ``#`` before ``[`` (a style, left
    for drawing) as it is, so only the other runs are doubled.
    """
    parts = text.split("[")
    for index, part in enumerate(parts[:-1]):
        before_style = part.rstrip("#")
        parts[index] = escape(before_style) + part[len(before_style) :]
    parts[-1] = escape(parts[-1])
    return argument("[".join(parts))


def message(text: str) -> str:
    """``text`` for ``display-message``, which expands formats and strftime: shown as is."""
    return argument(escape(text).replace("%", "%%"))


def program(command: list[str]) -> list[str]:
    """Arguments that make tmux run ``command`` as argv, never through a shell.

    tmux hands a lone argument to ``sh -c``, so one word is started by a shell that
    is told only to exec it (``$0``), which reads nothing in it.
    """
    if len(command) == 1:
        command = ["/bin/sh", "-c", 'exec "$0"', command[0]]
    return [argument(word) for word in command]
