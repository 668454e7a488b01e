"""tmux's words as q-tmux speaks them: option names, formats and their parsers, ``$TMUX``.

Both tmux adapters read this module: :mod:`q_tmux.adapters.tmux` (the cold path,
through libtmux) and :mod:`q_tmux.adapters.tmuxcmd` (the hot path: hooks, the
status line, the watcher and ``next``). Standard library only and cheap to
import (no dataclasses, no regular expressions), so the hot path can afford it.
Everything here is pure: it builds arguments and parses output, it runs nothing.
"""

from __future__ import annotations

import os

#: Window option: the q-tmux session id of the window's agent.
ID_OPTION = "@q-tmux-id"
#: tmux-session option: the repository or directory a tmux session made by q-tmux serves.
SCOPE_OPTION = "@q-tmux-scope"
#: Global option: the status line's text (the plugin shows it for ``#{q_tmux_status}``).
STATUS_OPTION = "@q-tmux-status"
#: Window option: the window's marker (the plugin shows it for ``#{q_tmux_mark}``).
MARK_OPTION = "@q-tmux-mark"
#: Global option: where ``next`` last sent a client (see :mod:`q_tmux.tracking.jump`).
JUMPED_OPTION = "@q-tmux-jumped"
#: Global option: set by the plugin file when it loads, to its path.
PLUGIN_OPTION = "@q-tmux-plugin"

#: Between the fields of one line of ``-F`` output: the unit separator cannot appear
#: in an option value a person typed, and tmux prints it as it is.
SEPARATOR = "\x1f"

#: What ``new-session -P`` / ``new-window -P`` print about the window they made.
WINDOW_REF_FIELDS = ("socket_path", "session_name", "session_id", "window_id", "pane_id")
#: What one ``list-panes -a`` line says about a pane; the q-tmux session id comes first.
PANE_FIELDS = (
    ID_OPTION,
    "window_id",
    "pane_id",
    "pane_dead",
    "window_activity",
    MARK_OPTION,
    "pane_current_command",
    "session_name",
)


def field(name: str) -> str:
    """The format that expands to ``name``'s value: ``#{window_id}``, ``#{@q-tmux-id}``."""
    return f"#{{{name}}}"


def format_of(names: tuple[str, ...] | list[str]) -> str:
    """One ``-F`` format printing each of ``names``, :data:`SEPARATOR` between them."""
    return SEPARATOR.join(field(name) for name in names)


def split_line(line: str, count: int) -> list[str] | None:
    """The fields of one line printed by :func:`format_of` with ``count`` names; None if torn."""
    values = line.split(SEPARATOR)
    return values if len(values) == count else None


class Pane:
    """A q-tmux window's first pane, as one ``list-panes -a`` line describes it."""

    # Plain slotted classes: dataclasses cost a hook ~10 ms to import.
    __slots__ = (
        "activity",
        "command",
        "dead",
        "mark",
        "pane_id",
        "session_id",
        "tmux_session",
        "window_id",
    )

    def __init__(
        self,
        session_id: str,
        window_id: str,
        pane_id: str,
        dead: bool,
        activity: str,
        mark: str,
        command: str = "",
        tmux_session: str = "",
    ) -> None:
        #: The q-tmux session id (the window's :data:`ID_OPTION`).
        self.session_id = session_id
        self.window_id = window_id
        self.pane_id = pane_id
        self.dead = dead
        #: tmux's ``window_activity``: the second of the window's last output.
        self.activity = activity
        self.mark = mark
        #: The pane's foreground process, as tmux names it (the shell agent is busy while
        #: this is not the shell).
        self.command = command
        #: The name of the tmux session the window is in.
        self.tmux_session = tmux_session


def list_panes(extra: tuple[str, ...] = ()) -> list[str]:
    """tmux arguments listing every pane of the server: :data:`PANE_FIELDS`, then ``extra``.

    ``extra`` are global options read in the same call (each line repeats them).
    """
    return ["list-panes", "-a", "-F", format_of((*PANE_FIELDS, *extra))]


def parse_panes(out: str, extra: tuple[str, ...] = ()) -> tuple[dict[str, Pane], dict[str, str]]:
    """Read what :func:`list_panes` printed: q-tmux panes by session id, and ``extra``'s values.

    A window's first pane stands for it; panes of windows that are not q-tmux's are
    skipped, and so are torn lines.
    """
    panes: dict[str, Pane] = {}
    options: dict[str, str] = {}
    width = len(PANE_FIELDS)
    for line in out.splitlines():
        values = split_line(line, width + len(extra))
        if values is None:
            continue
        options = dict(zip(extra, values[width:], strict=True))
        session_id, window_id, pane_id, dead, activity, mark, command, tmux_session = values[:width]
        if session_id and session_id not in panes:
            panes[session_id] = Pane(
                session_id, window_id, pane_id, dead == "1", activity, mark, command, tmux_session
            )
    return panes, options


#: What ``list-clients`` says about each client: its name, the window it shows, its terminal.
CLIENT_FIELDS = ("client_name", "window_id", "client_tty")


def list_clients() -> list[str]:
    """tmux arguments listing every client attached to the server (:data:`CLIENT_FIELDS`)."""
    return ["list-clients", "-F", format_of(CLIENT_FIELDS)]


def parse_clients(out: str) -> list[tuple[str, str, str]]:
    """``(client name, window id, tty)`` of each client :func:`list_clients` printed."""
    width = len(CLIENT_FIELDS)
    rows = (split_line(line, width) for line in out.splitlines())
    return [(row[0], row[1], row[2]) for row in rows if row is not None and row[0]]


#: What tmux tells the programs in its panes: which server and session, which pane.
ENVIRONMENT_VARIABLES = ("TMUX", "TMUX_PANE")


def socket_from_environment() -> str | None:
    """The socket of the tmux server this process runs inside (``$TMUX``), if any."""
    # tmux sets TMUX to "socket path,server pid,session index".
    return os.environ.get("TMUX", "").split(",")[0] or None


def pane_from_environment() -> str | None:
    """The pane this process runs in (``$TMUX_PANE``), on whichever server."""
    return os.environ.get("TMUX_PANE") or None


def pane_inside(socket: str) -> str | None:
    """The pane this process runs in, when it runs inside ``socket``'s server."""
    return pane_from_environment() if socket_from_environment() == socket else None


def socket_path(name: str | None = None) -> str:
    """The server's socket: ``-L name`` as tmux finds it, else the one we are in, else default."""
    if name is None:
        inside = socket_from_environment()
        if inside:
            return inside
        name = "default"
    base = os.environ.get("TMUX_TMPDIR") or "/tmp"
    return os.path.join(base, f"tmux-{os.geteuid()}", name)


def attach_argv(tmux: str, socket: str, target: str) -> list[str]:
    """The command line of a tmux client attached to ``target`` on ``socket``'s server."""
    return [tmux, "-S", socket, "attach-session", "-t", target]


def attach_hint(socket: str, target: str) -> str:
    """How a user attaches by hand (said when there is no terminal to attach)."""
    return f"tmux -S {socket} attach -t {target}"
