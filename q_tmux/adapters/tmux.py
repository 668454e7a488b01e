"""tmux through libtmux: which server, windows for sessions, switching and attaching.

Windows that belong to q-tmux carry the window option ``@q-tmux-id`` (the
session id), so one ``list-panes -a`` call maps every session to its window
and tells whether its agent is still alive. tmux sessions made by q-tmux carry
``@q-tmux-scope`` (the repository or directory they serve), so a second
``new`` from outside tmux reuses the same tmux session.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from q_tmux.adapters import process, tmuxcmd
from q_tmux.errors import TmuxError, ToolMissingError

if TYPE_CHECKING:
    from collections.abc import Callable

    from libtmux.common import tmux_cmd
    from libtmux.server import Server

#: libtmux's floor, and the first release with everything q-tmux uses.
MINIMUM_TMUX = (3, 2, "a")
WINDOW_ID_OPTION = "@q-tmux-id"
SCOPE_OPTION = "@q-tmux-scope"

# The caller's environment reaches the agent (a reused tmux server would
# otherwise hand it a stale one), except what describes the caller's own
# terminal or tmux client.
_NOT_PASSED = frozenset(
    {
        "TMUX",
        "TMUX_PANE",
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
_VERSION = re.compile(r"(\d+)\.(\d+)([a-z]?)")
_TMUX_SESSION_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def parse_tmux_version(text: str) -> tuple[int, int, str] | None:
    """``(3, 3, "a")`` from ``tmux 3.3a``; None for ``tmux master`` and the like."""
    match = _VERSION.search(text)
    return (int(match[1]), int(match[2]), match[3]) if match else None


def require_tmux() -> str:
    """Check tmux is installed and new enough; return its version text."""
    if process.find_program("tmux") is None:
        raise ToolMissingError(
            "tmux is not installed or not on PATH; q-tmux needs tmux 3.2a or newer."
        )
    result = process.run("tmux", ["-V"])
    text = result.stdout.strip()
    version = parse_tmux_version(text)
    # Builds from git say "tmux master" or "tmux next-3.5": no number means new enough.
    if version is not None and version < MINIMUM_TMUX:
        raise ToolMissingError(f"{text} is too old; q-tmux needs tmux 3.2a or newer.")
    return text.removeprefix("tmux ")


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


_REF_FORMAT = "#{socket_path}\t#{session_name}\t#{session_id}\t#{window_id}\t#{pane_id}"


class Tmux:
    """One tmux server: ``-L NAME`` when given, else the one we are inside, else the default."""

    def __init__(
        self,
        socket_name: str | None = None,
        socket_path: str | None = None,
        client: str | None = None,
    ) -> None:
        from libtmux.server import Server

        env_socket = os.environ.get("TMUX", "").split(",")[0] or None
        if socket_path is None:
            socket_path = tmuxcmd.socket_path(socket_name)
        #: Where this server listens; recorded in session files.
        self.socket_path: str = socket_path
        self.server: Server = Server(socket_path=socket_path)
        #: The tmux client a key binding ran us for (``#{client_name}``), if any.
        self.client = client
        self.inside = env_socket == socket_path or client is not None

    # -- plumbing -----------------------------------------------------------------

    def cmd(self, *args: str) -> tmux_cmd:
        return self.server.cmd(*args)

    def cmd_ok(self, *args: str, doing: str) -> list[str]:
        result = self.cmd(*args)
        if result.returncode != 0:
            reason = result.stderr[0] if result.stderr else f"exit status {result.returncode}"
            raise TmuxError(f"Could not {doing}: {reason}.")
        return list(result.stdout)

    def is_running(self) -> bool:
        return bool(self.server.is_alive())

    def global_option(self, name: str) -> str:
        result = self.cmd("show-option", "-gqv", name)
        return result.stdout[0] if result.returncode == 0 and result.stdout else ""

    # -- where we are ---------------------------------------------------------------

    def current_pane(self) -> str | None:
        """The pane this process runs in, when it runs inside this server."""
        return os.environ.get("TMUX_PANE") if self.inside else None

    def current_tmux_session(self) -> str | None:
        """The tmux session the user is in: the key binding's client's, else this pane's."""
        if self.client is not None:
            result = self.cmd("display-message", "-p", "-c", self.client, "#{session_id}")
            return result.stdout[0] if result.returncode == 0 and result.stdout else None
        pane = self.current_pane()
        if pane is None:
            return None
        result = self.cmd("display-message", "-p", "-t", pane, "#{session_id}")
        return result.stdout[0] if result.returncode == 0 and result.stdout else None

    def current_q_session(self) -> str | None:
        """The q-tmux session id of the window this process runs in, if any."""
        pane = self.current_pane()
        if pane is None:
            return None
        result = self.cmd("display-message", "-p", "-t", pane, f"#{{{WINDOW_ID_OPTION}}}")
        if result.returncode != 0 or not result.stdout:
            return None
        return result.stdout[0] or None

    def find_scope_session(self, scope: Path) -> str | None:
        """The tmux session id q-tmux made for ``scope`` earlier, if it still exists."""
        if not self.is_running():
            return None
        result = self.cmd("list-sessions", "-F", f"#{{session_id}}\t#{{{SCOPE_OPTION}}}")
        for line in result.stdout if result.returncode == 0 else []:
            session_id, _, session_scope = line.partition("\t")
            if session_scope == str(scope):
                return session_id
        return None

    def live_windows(self) -> dict[str, LiveWindow]:
        """Every q-tmux window on this server, by q-tmux session id, in one tmux call."""
        if not self.is_running():
            return {}
        fields = (WINDOW_ID_OPTION, "window_id", "pane_id", "pane_dead", "session_name")
        fmt = "\t".join(f"#{{{field}}}" for field in fields)
        result = self.cmd("list-panes", "-a", "-F", fmt)
        windows: dict[str, LiveWindow] = {}
        for line in result.stdout if result.returncode == 0 else []:
            parts = line.split("\t")
            if len(parts) == 5 and parts[0] and parts[0] not in windows:
                windows[parts[0]] = LiveWindow(
                    parts[0], parts[1], parts[2], parts[3] == "1", parts[4]
                )
        return windows

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
        starts_server = created_session and not self.is_running()
        if tmux_session is None:
            name = self._free_session_name(new_session_name)
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
        ref = WindowRef(*lines[0].split("\t"))
        try:
            if made is not None:  # the caller journals the window before the agent starts
                made(ref)
            if created_session:
                self.cmd_ok(
                    "set-option",
                    "-t",
                    ref.session_id,
                    SCOPE_OPTION,
                    tmuxcmd.argument(str(scope)),
                    doing="mark the tmux session",
                )
            self.cmd_ok(
                "set-option",
                "-w",
                "-t",
                ref.window_id,
                WINDOW_ID_OPTION,
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
                doing="set the window's options",
            )
            self.respawn(ref.pane_id, cwd=cwd, command=command, env=env)
        except BaseException:
            self.kill_window(ref.window_id)
            raise
        if starts_server:
            # Our server, perhaps without the user's plugin line: give it keys and status.
            from q_tmux.adapters import plugin

            plugin.ensure_loaded(self)
        return ref, created_session

    def respawn(self, pane_id: str, *, cwd: Path, command: list[str], env: dict[str, str]) -> None:
        """Run ``command`` in ``pane_id`` (killing what runs there), argv-style: no shell."""
        env_args = [
            arg for key, value in env.items() for arg in ("-e", tmuxcmd.argument(f"{key}={value}"))
        ]
        self.cmd_ok(
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

    def _free_session_name(self, wanted: str) -> str:
        existing: set[str] = set()
        if self.is_running():
            result = self.cmd("list-sessions", "-F", "#{session_name}")
            existing = set(result.stdout) if result.returncode == 0 else set()
        name, counter = wanted, 2
        while name in existing:
            name, counter = f"{wanted}-{counter}", counter + 1
        return name

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
        argv = [
            process.find_program("tmux") or "tmux",
            "-S",
            self.socket_path,
            "attach-session",
            "-t",
            target,
        ]
        sys.stdout.flush()
        os.execvp(argv[0], argv)


def can_attach() -> bool:
    """Attaching needs a terminal on both ends."""
    return sys.stdin.isatty() and sys.stdout.isatty()
