"""tmux for commands: which server, windows for sessions, switching, attaching.

Windows that belong to q-tmux carry the window option ``@q-tmux-id`` (the
session id), so one ``list-panes -a`` call maps every session to its window
and tells whether its agent is still alive. tmux sessions made by q-tmux carry
``@q-tmux-scope`` (the repository or directory they serve), so a second
``new`` from outside tmux reuses the same tmux session. Option names, formats
and their parsing are :mod:`q_tmux.adapters.tmux_vocabulary`'s, shared with the
hot path.

Commands run tmux through :meth:`Tmux.cmd`, as libtmux's ``Server.cmd`` would
(``tmux -S SOCKET ARGS``, its output as lines), but without importing libtmux:
that import alone cost a command more than all its tmux calls. libtmux's
``Server`` stays available as :attr:`Tmux.server` for whoever wants its objects.
Windows are made and marked with plain tmux commands rather than libtmux's
``new_session`` / ``new_window`` / ``set_option``: those pass names and paths to
tmux as they are, where tmux expands ``#{}`` and ``#()`` in them (see the
escaping notes in :mod:`q_tmux.adapters.tmuxcmd`), and they cost one tmux call
per object where q-tmux chains its option settings (and reads every pane) in
one. Global options are read with ``show-option -gqv``: libtmux 0.62's
``Server.show_option(..., global_=True)`` answers ``InvalidOption`` for ``@``
user options on tmux 3.3a.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from q_tmux.adapters import process, tmuxcmd, versions
from q_tmux.adapters.tmux_vocabulary import (
    ENVIRONMENT_VARIABLES,
    ID_OPTION,
    SCOPE_OPTION,
    WINDOW_REF_FIELDS,
    field,
    format_of,
    list_panes,
    pane_from_environment,
    parse_panes,
    socket_from_environment,
    split_line,
)
from q_tmux.adapters.tmux_vocabulary import socket_path as default_socket_path
from q_tmux.errors import TmuxError, ToolMissingError

if TYPE_CHECKING:
    from collections.abc import Callable

    from libtmux.server import Server

#: libtmux's floor (``libtmux.common.TMUX_MIN_VERSION``), and the first release
#: with everything q-tmux uses.
MINIMUM_TMUX = "3.2a"

# The caller's environment reaches the agent (a reused tmux server would
# otherwise hand it a stale one), except what describes the caller's own
# terminal or tmux client.
_NOT_PASSED = frozenset(
    {
        *ENVIRONMENT_VARIABLES,
        "TERM",
        "TERM_PROGRAM",
        "TERM_PROGRAM_VERSION",
        "COLORTERM",
        "PWD",
        "OLDPWD",
        "SHLVL",
        "_",
        "COLUMNS",
        "LINES",
    }
)
_TMUX_SESSION_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


#: ``tmux -V``'s answer per tmux program file (path, inode, size, change time).
_VERSIONS: dict[tuple[str, int, int, int], str] = {}


def require_tmux() -> str:
    """Check tmux is installed and new enough; return its version (``3.3a``, ``master``).

    ``tmux -V`` is asked once per tmux program file, and releases compare by their
    numbers, as libtmux compares them: builds from git (``master``, ``next-3.5``) count
    as new enough. Asked here rather than through libtmux, whose import costs a command
    more than all its tmux calls.
    """
    executable = process.find_program("tmux")
    if executable is None:
        raise ToolMissingError(
            f"tmux is not installed or not on PATH; q-tmux needs tmux {MINIMUM_TMUX} or newer."
        )
    version = _version_of(executable)
    silent = ToolMissingError(
        f"{executable} -V did not say its version; q-tmux needs tmux {MINIMUM_TMUX} or newer."
    )
    if version is None:
        raise silent
    if version not in ("master", "openbsd"):
        if not _release(version):
            raise silent
        if _release(version) < _release(MINIMUM_TMUX):
            raise ToolMissingError(
                f"tmux {version} is too old; q-tmux needs tmux {MINIMUM_TMUX} or newer."
            )
    return version


def _version_of(executable: str) -> str | None:
    """What ``EXECUTABLE -V`` says after ``tmux ``, or None when it says no version."""
    try:
        info = os.stat(executable)
    except OSError:
        return None
    identity = (executable, info.st_ino, info.st_size, info.st_mtime_ns)
    if identity not in _VERSIONS and (kept := versions.known(identity)) is not None:
        _VERSIONS[identity] = kept
    if identity not in _VERSIONS:
        done = process.run(executable, ["-V"])
        if done.stderr.strip() == "tmux: unknown option -- V" and sys.platform.startswith(
            "openbsd"
        ):
            return "openbsd"  # OpenBSD's own tmux has no -V, and is new enough (as libtmux says)
        first = (done.stdout.splitlines() or [""])[0]
        if not done.ok or done.stderr.strip() or "tmux " not in first:
            return None
        _VERSIONS[identity] = first.split("tmux ", 1)[1]
        versions.remember(identity, _VERSIONS[identity])
    return _VERSIONS[identity]


def _release(version: str) -> tuple[int, ...]:
    """``(3, 3)`` from ``3.3a``, ``next-3.3`` or ``openbsd-3.3``: letters and dashes ignored,
    as libtmux compares releases."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


def _free_name(wanted: str, existing: set[str]) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``... the first not in ``existing``."""
    name, counter = wanted, 2
    while name in existing:
        name, counter = f"{wanted}-{counter}", counter + 1
    return name


def tmux_session_name_for(directory: Path) -> str:
    """A tmux-safe session name for a repository or directory."""
    return _TMUX_SESSION_UNSAFE.sub("-", directory.name).strip("-") or "q-tmux"


def agent_environment(extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _NOT_PASSED}
    env.update(extra)
    return env


@dataclass(frozen=True)
class WindowRef:
    """Where a session's agent runs."""

    socket_path: str
    session_name: str
    session_id: str
    window_id: str
    pane_id: str


@dataclass(frozen=True)
class LiveWindow:
    """A q-tmux window seen on a running server."""

    session_id: str  # q-tmux's session id
    window_id: str
    pane_id: str
    pane_dead: bool
    tmux_session: str


@dataclass(frozen=True)
class TmuxResult:
    """What one tmux command answered: its output's lines (trailing blank ones dropped), as
    libtmux's ``tmux_cmd`` gives them, and its non-blank error lines."""

    returncode: int
    stdout: list[str]
    stderr: list[str]


_REF_FORMAT = format_of(WINDOW_REF_FIELDS)


class Tmux:
    """One tmux server: ``-L NAME`` when given, else the one we are inside, else the default."""

    def __init__(
        self,
        socket_name: str | None = None,
        socket_path: str | None = None,
        client: str | None = None,
    ) -> None:
        env_socket = socket_from_environment()
        if socket_path is None:
            socket_path = default_socket_path(socket_name)
        #: Where this server listens; recorded in session files.
        self.socket_path: str = socket_path
        #: The tmux client a key binding ran us for (``#{client_name}``), if any.
        self.client = client
        self.inside = env_socket == socket_path or client is not None

    # -- plumbing -----------------------------------------------------------------

    @cached_property
    def server(self) -> Server:
        """libtmux's handle, for callers that want libtmux's objects (q-tmux itself does not)."""
        from libtmux.server import Server

        return Server(socket_path=self.socket_path)

    def cmd(self, *args: str) -> TmuxResult:
        """``tmux -S SOCKET ARGS``, run as libtmux's ``Server.cmd`` runs it, without importing
        libtmux: that costs more than a bare start, more than every tmux call of a command."""
        done = process.run("tmux", [f"-S{self.socket_path}", *args])
        lines = done.stdout.split("\n")
        while lines and not lines[-1]:  # trailing line ends say nothing
            lines.pop()
        errors = [line for line in done.stderr.split("\n") if line]
        return TmuxResult(done.returncode, lines, errors)

    def cmd_ok(self, *args: str, doing: str) -> list[str]:
        result = self.cmd(*args)
        if result.returncode != 0:
            reason = result.stderr[0] if result.stderr else f"exit status {result.returncode}"
            raise TmuxError(f"Could not {doing}: {reason}.")
        return list(result.stdout)

    def is_running(self) -> bool:
        if not os.path.exists(self.socket_path):  # no socket, no server: nothing to ask
            return False
        return self.cmd("list-sessions").returncode == 0

    def global_option(self, name: str) -> str:
        result = self.cmd("show-option", "-gqv", name)
        return result.stdout[0] if result.returncode == 0 and result.stdout else ""

    # -- where we are ---------------------------------------------------------------

    def current_pane(self) -> str | None:
        """The pane this process runs in, when it runs inside this server."""
        return pane_from_environment() if self.inside else None

    def current_tmux_session(self) -> str | None:
        """The tmux session the user is in: the key binding's client's, else this pane's."""
        return self._where_i_am("session_id")

    def current_q_session(self) -> str | None:
        """The q-tmux session id of the window this process runs in, if any."""
        pane = self.current_pane()
        return self._display(["-t", pane], ID_OPTION) if pane is not None else None

    def client_q_session(self) -> str | None:
        """The q-tmux session id of the window the key binding's client looks at, if any."""
        return self._display(["-c", self.client], ID_OPTION) if self.client else None

    def _where_i_am(self, name: str) -> str | None:
        """``name`` (a format variable) where the user is: the client's, else this pane's."""
        if self.client is not None:
            return self._display(["-c", self.client], name)
        pane = self.current_pane()
        return self._display(["-t", pane], name) if pane is not None else None

    def _display(self, target: list[str], name: str) -> str | None:
        """``name``'s value for ``target`` (``-c CLIENT`` or ``-t PANE``); None when empty."""
        result = self.cmd("display-message", "-p", *target, field(name))
        if result.returncode != 0 or not result.stdout:
            return None
        return result.stdout[0] or None

    def find_scope_session(self, scope: Path) -> str | None:
        """The tmux session id q-tmux made for ``scope`` earlier, if it still exists."""
        # No is_running() first: without a server list-sessions fails, which says the same.
        result = self.cmd("list-sessions", "-F", format_of(("session_id", SCOPE_OPTION)))
        for line in result.stdout if result.returncode == 0 else []:
            values = split_line(line, 2)
            if values is not None and values[1] == str(scope):
                return values[0]
        return None

    def live_windows(self) -> dict[str, LiveWindow]:
        """Every q-tmux window on this server, by q-tmux session id, in one tmux call."""
        if not os.path.exists(self.socket_path):
            return {}
        result = self.cmd(*list_panes())  # fails, as is_running() would, without a server
        if result.returncode != 0:
            return {}
        panes, _ = parse_panes("\n".join(result.stdout))
        return {
            pane.session_id: LiveWindow(
                pane.session_id, pane.window_id, pane.pane_id, pane.dead, pane.tmux_session
            )
            for pane in panes.values()
        }

    # -- making windows -----------------------------------------------------------

    def open_window(
        self,
        *,
        q_session_id: str,
        window_name: str,
        cwd: Path,
        command: list[str],
        env: dict[str, str],
        tmux_session: str | None,
        new_session_name: str,
        scope: Path,
        made: Callable[[WindowRef], None] | None = None,
    ) -> tuple[WindowRef, bool]:
        """Open a window running ``command``; return it and whether a tmux session was made.

        ``tmux_session`` is the tmux session id to add the window to; None makes
        a new tmux session called ``new_session_name`` (suffixed when taken).
        """
        # The window starts on a placeholder so its options (remain-on-exit above
        # all) are in place before the agent runs: an agent that fails at once
        # then leaves its error on screen instead of a vanished window.
        placeholder = ["sleep", "86400"]
        created_session = tmux_session is None
        starts_server = False
        if tmux_session is None:
            existing = self._session_names()
            starts_server = existing is None
            name = _free_name(new_session_name, existing or set())
            lines = self.cmd_ok(
                "new-session",
                "-d",
                "-P",
                "-F",
                _REF_FORMAT,
                "-s",
                tmuxcmd.literal(name),
                "-n",
                tmuxcmd.literal(window_name),
                "-c",
                tmuxcmd.literal(str(cwd)),
                "--",
                *placeholder,
                doing="start a tmux session",
            )
        else:
            lines = self.cmd_ok(
                "new-window",
                "-d",
                "-P",
                "-F",
                _REF_FORMAT,
                "-t",
                f"{tmux_session}:",
                "-n",
                tmuxcmd.literal(window_name),
                "-c",
                tmuxcmd.literal(str(cwd)),
                "--",
                *placeholder,
                doing="open a tmux window",
            )
        values = split_line(lines[0], len(WINDOW_REF_FIELDS)) if lines else None
        if values is None:
            raise TmuxError(f"Could not open a tmux window: tmux answered {lines[:1]!r}.")
        ref = WindowRef(*values)
        try:
            if made is not None:  # the caller journals the window before the agent starts
                made(ref)
            # One tmux call marks the new tmux session (when made), sets the window's options
            # and then starts the agent: tmux runs them in order and stops at a failure.
            scope_mark = (
                [
                    "set-option",
                    "-t",
                    ref.session_id,
                    SCOPE_OPTION,
                    tmuxcmd.argument(str(scope)),
                    ";",
                ]
                if created_session
                else []
            )
            options = [
                *scope_mark,
                "set-option",
                "-w",
                "-t",
                ref.window_id,
                ID_OPTION,
                tmuxcmd.argument(q_session_id),
                ";",
                "set-option",
                "-w",
                "-t",
                ref.window_id,
                "remain-on-exit",
                "on",
                ";",
                "set-option",
                "-w",
                "-t",
                ref.window_id,
                "allow-rename",
                "off",
                ";",
                "set-option",
                "-w",
                "-t",
                ref.window_id,
                "automatic-rename",
                "off",
                ";",
            ]
            self.respawn(ref.pane_id, cwd=cwd, command=command, env=env, first=options)
        except BaseException:
            self.kill_window(ref.window_id)
            raise
        if starts_server:
            # Our server, perhaps without the user's plugin line: give it keys and status.
            from q_tmux.adapters import plugin

            plugin.ensure_loaded(self)
        return ref, created_session

    def respawn(
        self,
        pane_id: str,
        *,
        cwd: Path,
        command: list[str],
        env: dict[str, str],
        first: list[str] | None = None,
    ) -> None:
        """Run ``command`` in ``pane_id`` (killing what runs there), argv-style: no shell.

        ``first``: tmux commands (each ending in ``;``) run before it in the same call.
        """
        env_args = [
            arg for key, value in env.items() for arg in ("-e", tmuxcmd.argument(f"{key}={value}"))
        ]
        self.cmd_ok(
            *(first or []),
            "respawn-pane",
            "-k",
            "-t",
            pane_id,
            "-c",
            tmuxcmd.literal(str(cwd)),
            *env_args,
            "--",
            *tmuxcmd.program(command),
            doing="start the agent",
        )

    def _session_names(self) -> set[str] | None:
        """The names of the server's tmux sessions; None when no server runs (one tmux call)."""
        result = self.cmd("list-sessions", "-F", "#{session_name}")
        return set(result.stdout) if result.returncode == 0 else None

    def type_text(self, pane_id: str, text: str) -> None:
        """Type ``text`` at the pane's prompt, literally, then Enter."""
        self.cmd_ok(
            "send-keys",
            "-t",
            pane_id,
            "-l",
            "--",
            tmuxcmd.argument(text),
            doing="type the first message",
        )
        self.cmd_ok("send-keys", "-t", pane_id, "Enter", doing="type the first message")

    def screen_tail(self, pane_id: str, lines: int) -> list[str]:
        """The last ``lines`` non-blank-ended lines of the pane's screen (empty when it is gone)."""
        result = self.cmd("capture-pane", "-p", "-J", "-t", pane_id)
        if result.returncode != 0:
            return []
        shown = list(result.stdout)
        while shown and not shown[-1].strip():
            shown.pop()
        return shown[-lines:]

    def rename_window(self, window_id: str, name: str) -> None:
        self.cmd("rename-window", "-t", window_id, tmuxcmd.literal(name))

    def kill_window(self, window_id: str) -> None:
        self.cmd("kill-window", "-t", window_id)

    def kill_session(self, session_id: str) -> None:
        self.cmd("kill-session", "-t", session_id)

    # -- going there ---------------------------------------------------------------

    def switch_to(self, window_id: str) -> bool:
        """Make ``window_id`` current; move this client there when inside tmux.

        Returns False when no client could be moved (outside tmux).
        """
        self.cmd_ok("select-window", "-t", window_id, doing="select the window")
        if not self.inside:
            return False
        # Fails with "no current client" when no client is attached: the
        # window is still selected for the next attach.
        target = ["-c", self.client] if self.client else []
        return self.cmd("switch-client", *target, "-t", window_id).returncode == 0

    def attach(self, target: str) -> None:
        """Replace this process with a tmux client attached to ``target``."""
        tmuxcmd.attach(self.socket_path, target)


def can_attach() -> bool:
    """Attaching needs a terminal on both ends."""
    return sys.stdin.isatty() and sys.stdout.isatty()
