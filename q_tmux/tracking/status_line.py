"""The status line: which sessions wait (for approval, for input) and how many are busy.

Standard library only: it runs after every hook and watcher change. The text
is kept in the global tmux option ``@q-tmux-status`` and each q-tmux window's
marker in its window option ``@q-tmux-mark``; the plugin puts
``#{@q-tmux-status}`` where the user wrote ``#{q_tmux_status}``. tmux shows an
option's value without expanding ``#{}`` or ``#()`` in it, and every name
taken from a file has ``#`` doubled, so nothing from a name or a file is ever
run or interpreted; only q-tmux's own ``#[style]`` markup is.
"""

from __future__ import annotations

import os

from q_tmux.adapters import tmuxcmd
from q_tmux.adapters.tmux_vocabulary import ID_OPTION as ID_OPTION
from q_tmux.adapters.tmux_vocabulary import (
    MARK_OPTION,
    SEPARATOR,
    STATUS_OPTION,
    WATCHER_OPTION,
    format_of,
    list_clients,
    list_panes,
    parse_clients,
    parse_panes,
    split_line,
)
from q_tmux.adapters.tmux_vocabulary import Pane as Pane
from q_tmux.store import jsonfile, record, xdg
from q_tmux.store.record import Reason, Status, Urgency

NAME_LIMIT = 24

#: Every user option the status line reads, with its default. Values may hold
#: tmux style markup (``#[fg=red]``) but no formats: they are shown as they are.
DEFAULTS = {
    "@q-tmux-format-approval": "#[fg=red,bold]!{name}#[default]",
    "@q-tmux-format-input": "#[fg=yellow,bold]{name}#[default]",
    "@q-tmux-format-busy": "#[dim]{count} busy#[default]",
    "@q-tmux-format-more": "#[dim]+{count} more#[default]",
    "@q-tmux-format-separator": " ",
    #: Cells the status text may take; names that do not fit become "+N more".
    #: The plugin makes this much room in status-right (or -left). 0: no limit.
    "@q-tmux-status-width": "50",
    # Window markers avoid the characters tmux uses for window flags (* - # ! ~ M Z).
    "@q-tmux-mark-approval": "#[fg=red,bold]?#[default]",
    "@q-tmux-mark-input": "#[fg=yellow,bold]@#[default]",
    "@q-tmux-mark-processing": "#[dim]…#[default]",
    "@q-tmux-mark-exited": "#[dim]x#[default]",
    "@q-tmux-mark-queued": "#[dim]=#[default]",  # made, its agent waits for [limits] max_busy
    "@q-tmux-format-conflict": "#[fg=magenta,bold]≠#[default]",
    "@q-tmux-format-stalled": "#[fg=red]{name} stalled#[default]",
    "@q-tmux-mark-stalled": "#[fg=red,bold]&#[default]",
    "@q-tmux-notify": "on",
    "@q-tmux-bell": "off",
}
#: The watcher's name is read here too, so a hook learns whether one runs at no extra cost.
_GLOBAL_FIELDS = (STATUS_OPTION, WATCHER_OPTION, *DEFAULTS)


class Snapshot:
    """One ``list-panes -a`` call: every q-tmux pane, and the options the status line reads."""

    __slots__ = ("alive", "options", "panes")

    def __init__(self, panes: dict[str, Pane], options: dict[str, str], alive: bool) -> None:
        self.panes = panes
        self.options = options
        self.alive = alive

    def option(self, name: str) -> str:
        value = self.options.get(name, "")
        return value if value else DEFAULTS.get(name, "")


#: Starts the line of global options that ends :func:`snapshot`'s output (no pane's line
#: can: its second field is a window id). No character that Python's ``splitlines`` takes
#: for a line's end (the record separator is one).
_OPTIONS_MARK = f"{SEPARATOR}q-tmux-options{SEPARATOR}"
#: tmux's arguments for :func:`snapshot`: every pane, then the options once. (Repeating
#: them on each pane's line made 100 sessions' answer ten times longer to print and read.)
_SNAPSHOT_ARGS = (
    *list_panes(),
    ";",
    "display-message",
    "-p",
    _OPTIONS_MARK + format_of(_GLOBAL_FIELDS),
)


def snapshot(socket: str) -> Snapshot:
    code, out = tmuxcmd.run(socket, *_SNAPSHOT_ARGS)
    if code != 0 and not out:
        return Snapshot({}, {}, alive=False)
    return Snapshot(*parse_snapshot(out), alive=True)


def parse_snapshot(out: str) -> tuple[dict[str, Pane], dict[str, str]]:
    """The q-tmux panes and the global options in what :data:`_SNAPSHOT_ARGS` printed."""
    panes_text, _, last = out.rstrip("\n").rpartition("\n")
    if not last.startswith(_OPTIONS_MARK):  # no options line: tmux had no session to ask
        panes_text, last = out, ""
    values = split_line(last[len(_OPTIONS_MARK) :], len(_GLOBAL_FIELDS))
    options = dict(zip(_GLOBAL_FIELDS, values, strict=True)) if values is not None else {}
    return parse_panes(panes_text)[0], options


#: One worktree of a session (see :class:`q_tmux.store.record.Checkout`).
Checkout = record.Checkout


class SessionState(record.Summary):
    """What one session file says (:class:`q_tmux.store.record.Summary`), as tmux shows it."""

    __slots__ = ()

    def effective(self, snap: Snapshot) -> tuple[Status, Reason | None]:
        """The status to show: an agent whose pane is dead or gone is never busy or waiting."""
        pane = snap.panes.get(self.id)
        if (pane is None or pane.dead) and self.status != Status.COMPLETED:
            return Status.EXITED, None
        return self.status, self.reason


def _registry_work_dirs() -> list[str]:
    found = []
    try:
        entries = list(os.scandir(xdg.registry_dir()))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.endswith(".json"):
            continue
        data = jsonfile.load_object(entry.path)  # a broken one never hides the others
        if data is not None and "work_dir" in data:
            found.append(str(data["work_dir"]))
    return found


def sessions_on(socket: str) -> list[SessionState]:
    """Every readable session whose window lives on the tmux server at ``socket``."""
    sessions = []
    for work_dir in _registry_work_dirs():
        session = SessionState.read(record.session_path(work_dir))
        if session is not None and session.socket == socket:
            sessions.append(session)
    return sessions


def shown_name(name: str) -> str:
    """A name made safe and short for the status line."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in name)
    if len(clean) > NAME_LIMIT:
        clean = clean[: NAME_LIMIT - 1] + "…"
    return tmuxcmd.escape(clean)


#: By urgency: the marker option of a q-tmux window, and the status text's option for
#: each session named there (the busy are counted, the quiet not shown).
_MARK_OPTIONS = {
    Urgency.ASKING: "@q-tmux-mark-approval",
    Urgency.WAITING: "@q-tmux-mark-input",
    Urgency.STALLED: "@q-tmux-mark-stalled",
    Urgency.BUSY: "@q-tmux-mark-processing",
    Urgency.QUIET: "@q-tmux-mark-exited",
}
_NAMED = {
    Urgency.ASKING: "@q-tmux-format-approval",
    Urgency.WAITING: "@q-tmux-format-input",
    Urgency.STALLED: "@q-tmux-format-stalled",
}


def render(sessions: list[SessionState], snap: Snapshot) -> tuple[str, dict[str, str]]:
    """The status text, and the marker for each q-tmux window (by window id).

    Sessions are named in :class:`~q_tmux.store.record.Urgency` order; those that
    wait, longest-waiting first.
    """
    named: dict[Urgency, list[SessionState]] = {level: [] for level in _NAMED}
    busy = 0
    marks: dict[str, str] = {}
    for session in sessions:
        status, reason = session.effective(snap)
        level = record.urgency(status, reason, bool(session.stalled_since))
        if level in named:
            named[level].append(session)
        elif level is Urgency.BUSY:
            busy += 1
        conflict = snap.option("@q-tmux-format-conflict") if session.conflicts else ""
        pane = snap.panes.get(session.id)
        if pane is not None:
            # A queued session is quiet, but its window waits to start, not an ended agent.
            mark = "@q-tmux-mark-queued" if status is Status.QUEUED else _MARK_OPTIONS[level]
            marks[pane.window_id] = snap.option(mark) + conflict

    def item(option: str, session: SessionState) -> str:
        text = snap.option(option).replace("{name}", shown_name(session.name))
        return text + (snap.option("@q-tmux-format-conflict") if session.conflicts else "")

    # The stalled keep their registry order: how long they waited says nothing.
    for level in (Urgency.ASKING, Urgency.WAITING):
        named[level].sort(key=lambda s: s.changed_at)
    names = [item(_NAMED[level], s) for level in sorted(named) for s in named[level]]
    tail = [snap.option("@q-tmux-format-busy").replace("{count}", str(busy))] if busy else []
    return fit(names, tail, snap), marks


def width(text: str) -> int:
    """Terminal cells ``text`` takes once tmux has drawn it (styles take none)."""
    shown = plain(text)
    if shown.isascii():
        return len(shown)
    import unicodedata  # a shared library to load: only for text that may hold wide characters

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in shown)


def fit(names: list[str], tail: list[str], snap: Snapshot) -> str:
    """``names`` then ``tail`` joined, within ``@q-tmux-status-width`` cells.

    The tail (the busy count) is always kept. Names are kept in order while
    they fit; the rest are counted in one "+N more" item, for which room is kept.
    """
    separator = snap.option("@q-tmux-format-separator")
    try:
        budget = int(snap.option("@q-tmux-status-width"))
    except ValueError:
        budget = int(DEFAULTS["@q-tmux-status-width"])
    if budget <= 0 or width(separator.join(names + tail)) <= budget:
        return separator.join(names + tail)

    def more(count: int) -> list[str]:
        return [snap.option("@q-tmux-format-more").replace("{count}", str(count))]

    kept = list(names)
    while kept and width(separator.join(kept + more(len(names) - len(kept)) + tail)) > budget:
        kept.pop()
    return separator.join(kept + more(len(names) - len(kept)) + tail)


def plain(text: str) -> str:
    """Status text for a terminal: styles dropped, ``##`` back to ``#``."""
    # Left to right, as the regular expression ``##|#\[[^\]]*\]`` would match (re stays
    # out of the hook): ``##`` is one ``#``, a ``#[...]`` style goes, any other ``#`` stays.
    if "#" not in text:
        return text
    kept, at = [], 0
    while (mark := text.find("#", at)) >= 0:
        kept.append(text[at:mark])
        end = text.find("]", mark + 2) if text.startswith("#[", mark) else -1
        if text.startswith("##", mark):
            kept.append("#")
            at = mark + 2
        elif end >= 0:
            at = end + 1
        else:
            kept.append("#")
            at = mark + 1
    kept.append(text[at:])
    return "".join(kept)


def publish(
    socket: str, snap: Snapshot | None = None, sessions: list[SessionState] | None = None
) -> str:
    """Recompute the status line for the server at ``socket`` and push what changed to tmux.

    ``sessions`` saves reading the session files again when the caller just did.
    """
    snap = snap or snapshot(socket)
    if not snap.alive:
        return ""
    text, marks = render(sessions_on(socket) if sessions is None else sessions, snap)
    commands: list[list[str]] = []
    if text != snap.options.get(STATUS_OPTION, ""):
        commands.append(["set-option", "-gq", STATUS_OPTION, text])
    current = {pane.window_id: pane.mark for pane in snap.panes.values()}
    for window_id, mark in marks.items():
        if current.get(window_id) != mark:
            commands.append(["set-option", "-wq", "-t", window_id, MARK_OPTION, mark])
    if commands:
        # Setting an option redraws every client's status line at once.
        args = [arg for command in commands for arg in (*command, ";")][:-1]
        tmuxcmd.run(socket, *args)
    return text


def notify_waiting(socket: str, session: SessionState, window_id: str, snap: Snapshot) -> None:
    """Tell every client looking elsewhere that ``session`` now waits; ring if asked to."""
    if snap.option("@q-tmux-notify") == "off":
        return
    code, out = tmuxcmd.run(socket, *list_clients())
    if code != 0:
        return
    what = Reason.APPROVAL if session.reason == Reason.APPROVAL else Reason.INPUT
    # display-message expands formats and strftime: the escaped name injects neither.
    message = f"q-tmux: {shown_name(session.name).replace('%', '%%')} waits for {what}"
    args: list[str] = []
    ttys = []
    for client, client_window, tty in parse_clients(out):
        if client_window != window_id:
            args += ["display-message", "-c", client, message, ";"]
            ttys.append(tty)
    if args:
        tmuxcmd.run(socket, *args[:-1])
    if snap.option("@q-tmux-bell") == "on":
        for tty in ttys:
            _ring(tty)


def _ring(tty: str) -> None:
    try:
        fd = os.open(tty, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        return
    try:
        os.write(fd, b"\a")
    except OSError:
        pass
    finally:
        os.close(fd)
