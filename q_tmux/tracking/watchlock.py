"""The tmux server's one watcher: which process it is, and starting it when there is none.

The server itself names its watcher, in the global option ``@q-tmux-watcher``:
``PID:START``, where START is the process's start time (``/proc/PID/stat``), so
a pid the system reused never passes for a live watcher. Whoever needs the
watcher (a hook, the status line, ``new``) starts one only when the server
names no live one; whatever state folder (``XDG_STATE_HOME``) the caller uses,
and whether or not that folder still exists, one server has one watcher.

A starting watcher claims the name with a compare-and-set that tmux runs as one
command (``if-shell -F``), and the watcher checks the name on every tick: a
watcher that finds another live one named exits, and a dead one named is
replaced.
"""

from __future__ import annotations

import os

from q_tmux.adapters import python_command, tmuxcmd
from q_tmux.adapters.tmux_vocabulary import WATCHER_OPTION

_PROC = "/proc"


def token(pid: int) -> str:
    """How the server names process ``pid``: ``PID:START`` (``PID:`` where there is no /proc)."""
    stat = _stat(pid)
    return f"{pid}:{stat[1] if stat else ''}"


def _stat(pid: int) -> tuple[str, str] | None:
    """Process ``pid``'s state letter and start time from ``/proc``; None when it is gone."""
    try:
        with open(os.path.join(_PROC, str(pid), "stat"), encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    # The command name (field 2) is in parentheses and may hold anything: read after it.
    fields = text.rpartition(")")[2].split()
    return (fields[0], fields[19]) if len(fields) > 19 else None


def watcher_command(socket: str) -> list[str]:
    """The command line of ``socket``'s watcher (started here, re-executed by itself)."""
    return python_command.stdlib_module("q_tmux.tracking.watcher", socket)


def _parse(named: str) -> tuple[int, str] | None:
    pid, colon, started = named.partition(":")
    if not colon or not pid.isdigit() or int(pid) <= 0 or not (started == "" or started.isdigit()):
        return None
    return int(pid), started


def alive(named: str) -> bool:
    """Whether ``named`` (an ``@q-tmux-watcher`` value) is a process that still runs."""
    parsed = _parse(named)
    if parsed is None:
        return False
    pid, started = parsed
    if os.path.isdir(os.path.join(_PROC, "self")):
        stat = _stat(pid)
        return stat is not None and stat[0] not in "ZXx" and stat[1] == started
    try:  # no /proc (macOS): the pid alone
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def named(socket: str) -> str | None:
    """The server's ``@q-tmux-watcher`` (empty when unset); None when the server does not answer."""
    code, out = tmuxcmd.run(socket, "show-option", "-gqv", WATCHER_OPTION)
    return out.strip() if code == 0 else None


def named_in(options: dict[str, str]) -> str:
    """The watcher's name among global options already read (the status line's snapshot)."""
    return options.get(WATCHER_OPTION, "")


def running(socket: str) -> bool:
    """Whether the server at ``socket`` names a live watcher."""
    name = named(socket)
    return name is not None and alive(name)


def claim(socket: str, me: str) -> bool:
    """Make the server name ``me`` its watcher, unless it names another live one; True if it does.

    Each round sets the option only if it still holds what was just read, in one
    tmux command, so of two watchers starting at once one wins and the other sees it.
    """
    for _ in range(5):
        current = named(socket)
        if current is None:
            return False  # no server: nothing to watch
        if current == me:
            return True
        if alive(current):
            return False
        if current and _parse(current) is None:
            # Not ours to compare in a format (it could hold #{} or #()): replace it. A
            # watcher racing us is told apart on its next tick.
            tmuxcmd.run(socket, "set-option", "-gq", WATCHER_OPTION, me)
        else:
            _compare_and_set(socket, current, me)
    return False


def release(socket: str, me: str) -> None:
    """Unname ``me`` as the server's watcher, if the server still names it."""
    _compare_and_set(socket, me, None)


def _compare_and_set(socket: str, expected: str, wanted: str | None) -> None:
    # Both values are PID:START (digits) or empty, so they are safe in a format and a command.
    change = (
        f"set-option -gq {WATCHER_OPTION} {wanted}"
        if wanted
        else f"set-option -gqu {WATCHER_OPTION}"
    )
    condition = f"#{{==:#{{{WATCHER_OPTION}}},{expected}}}"
    tmuxcmd.run(socket, "if-shell", "-F", condition, change)


def ensure_running(socket: str, name: str | None = None) -> int | None:
    """Start the watcher for ``socket`` unless the server names a live one; the new pid, or None.

    ``name`` is the server's ``@q-tmux-watcher`` when the caller just read it
    (the status line's snapshot does), saving a tmux call.
    """
    if name is None:
        name = named(socket)
        if name is None:
            return None  # no server: nothing to watch
    if alive(name):
        return None
    # A second one started meanwhile by someone else loses the claim and exits.
    return tmuxcmd.spawn_detached(watcher_command(socket))
