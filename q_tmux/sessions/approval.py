"""Answering a session's approval question from anywhere: ``q-tmux approve`` and ``deny``.

The session file says who asks; only the screen says what, and whether the
question is still there. So every answer reads the pane, prints the request,
reads the pane again and types the agent's own keys (its module's
:class:`~q_tmux.agents.base.Approval`) only when the very same question still
shows. Standard library only, as ``next`` is: an answer must cost one
interpreter start and a few tmux calls, not libtmux's and click's imports.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from q_tmux.adapters import tmuxcmd
from q_tmux.adapters.tmux_vocabulary import ID_OPTION, field, pane_inside
from q_tmux.agents import catalog
from q_tmux.agents.base import NAMED_KEYS
from q_tmux.errors import QTmuxError, SessionNotFoundError, TmuxError, UsageError
from q_tmux.sessions.names import printable
from q_tmux.store import jsonfile, record, xdg
from q_tmux.store.record import Reason, Status
from q_tmux.tracking import status_line
from q_tmux.tracking.screen import approval_question
from q_tmux.tracking.status_line import SessionState, Snapshot

#: What a question asks: its text (the command or file) and the tool, where shown.
Request = tuple[str, str | None]

APPROVE, ALWAYS, DENY = "approve", "always", "deny"
NOTHING_TYPED = "nothing was typed"


class Asking:
    """A session whose pane shows an approval question, and what it asks."""

    __slots__ = ("pane_id", "request", "session")

    def __init__(self, session: SessionState, pane_id: str, request: Request) -> None:
        self.session = session
        self.pane_id = pane_id
        self.request = request


def capture(socket: str, pane_id: str) -> str | None:
    """The pane's visible screen (long lines unwrapped), or None when tmux cannot say."""
    code, out = tmuxcmd.run(socket, "capture-pane", "-p", "-J", "-t", pane_id)
    return out if code == 0 else None


def read_request(preset: str, screen: str) -> Request | None:
    """What the approval question on ``screen`` asks; None when no question shows.

    Where the agent's module cannot tell the tool and command apart, the
    question's own line stands for the request.
    """
    found = approval_question(preset, screen)
    if found is None:
        return None
    lines, at = found
    spec = catalog.get(preset)
    extracted = spec.approval.request(lines, at) if spec and spec.approval else None
    return extracted or (lines[at].strip(), None)


def pending_request(socket: str, pane_id: str, preset: str) -> Request | None:
    """The request a pane asks about now (one capture), for ``list --json``."""
    screen = capture(socket, pane_id)
    return None if screen is None else read_request(preset, screen)


def keys_for(preset: str, answer: str) -> tuple[str, ...]:
    """The keys that give ``answer`` to ``preset``'s question; UsageError where it has none."""
    spec = catalog.get(preset)
    approval = spec.approval if spec is not None else None
    if approval is None:
        raise UsageError(
            f"q-tmux cannot answer the questions of agent '{preset or 'unknown'}'; {NOTHING_TYPED}."
        )
    if answer == ALWAYS:
        if approval.always is None:
            raise UsageError(f"{approval.no_always}; approve without --always.")
        return approval.always
    return approval.approve if answer == APPROVE else approval.deny


def send_keys_args(pane_id: str, keys: tuple[str, ...]) -> list[str]:
    """One tmux command line pressing ``keys`` in the pane: names as keys, the rest as text."""
    args: list[str] = []
    for key in keys:
        if key in NAMED_KEYS:
            args += ["send-keys", "-t", pane_id, key, ";"]
        else:
            args += ["send-keys", "-t", pane_id, "-l", "--", tmuxcmd.argument(key), ";"]
    return args[:-1]


# -- which session --------------------------------------------------------------------


class _Entry:
    __slots__ = ("id", "name", "repo_root", "work_dir")

    def __init__(self, id: str, name: str, work_dir: str, repo_root: str | None) -> None:
        self.id, self.name, self.work_dir, self.repo_root = id, name, work_dir, repo_root


def _registry() -> list[_Entry]:
    """Every registered session (its files unread); broken registry files are passed over."""
    try:
        files = [entry.path for entry in os.scandir(xdg.registry_dir())]
    except OSError:
        return []
    entries = []
    for path in sorted(files):
        if not path.endswith(".json"):
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            root = data.get("repo_root")
            entries.append(
                _Entry(str(data["id"]), str(data["name"]), str(data["work_dir"]), root or None)
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return entries


def _named(entries: list[_Entry], name: str, cwd: Path) -> _Entry:
    """The one session called ``name`` (or with that id), preferring this repository's."""
    matches = [entry for entry in entries if name in (entry.name, entry.id)]
    if len(matches) > 1:
        here = [e for e in matches if e.repo_root and cwd.is_relative_to(e.repo_root)]
        matches = here if len(here) == 1 else matches
    if not matches:
        raise SessionNotFoundError(
            f"There is no session named {printable(name)}; see 'q-tmux list'."
        )
    if len(matches) > 1:
        ids = ", ".join(entry.id for entry in matches)
        raise UsageError(f"Several sessions are named '{name}' (ids {ids}); name one by its id.")
    return matches[0]


class _Servers:
    """One ``list-panes`` per tmux server, taken when first needed."""

    def __init__(self) -> None:
        self.snaps: dict[str, Snapshot] = {}

    def pane(self, session: SessionState) -> str | None:
        """The pane of the session's live agent, or None."""
        if not session.socket:
            return None
        if session.socket not in self.snaps:
            self.snaps[session.socket] = status_line.snapshot(session.socket)
        pane = self.snaps[session.socket].panes.get(session.id)
        return None if pane is None or pane.dead else pane.pane_id


_LIVE_AND_OURS = f"{field('pane_dead')} {field(ID_OPTION)}"


def look(socket: str, pane_id: str, session_id: str) -> str | None:
    """The screen of ``pane_id`` while the session's agent runs there, in one tmux call.

    None when the pane is gone or dead, or its window is no longer the session's.
    """
    code, out = tmuxcmd.run(
        socket,
        *("display-message", "-p", "-t", pane_id, _LIVE_AND_OURS, ";"),
        *("capture-pane", "-p", "-J", "-t", pane_id),
    )
    head, _, screen = out.partition("\n")
    return screen if code == 0 and head == f"0 {session_id}" else None


def _read(work_dir: str) -> tuple[SessionState, str] | None:
    """A session file's summary and the pane it records its agent in (may be stale)."""
    path = record.session_path(work_dir)
    data = jsonfile.load_object(path)
    session = None if data is None else SessionState.parse(data, path)
    if data is None or session is None:
        return None
    tmux = data.get("tmux")
    pane = tmux.get("pane_id") if isinstance(tmux, dict) else None
    return session, pane if isinstance(pane, str) else ""


def _asking(session: SessionState, recorded_pane: str, servers: _Servers) -> Asking | None:
    """The session, if its live agent's screen asks; the recorded pane is tried first."""
    screen = look(session.socket, recorded_pane, session.id) if recorded_pane else None
    pane_id: str | None = recorded_pane
    if screen is None:  # moved, or not running: ask tmux where the session's window is
        pane_id = servers.pane(session)
        screen = capture(session.socket, pane_id) if pane_id is not None else None
    request = None if screen is None else read_request(session.preset, screen)
    return None if request is None or pane_id is None else Asking(session, pane_id, request)


def named(name: str, cwd: Path) -> Asking:
    """Session ``name``, when its screen shows an approval question (else one sentence)."""
    entry = _named(_registry(), name, cwd)
    shown = printable(entry.name)
    if not os.path.isdir(entry.work_dir):
        raise QTmuxError(
            f"Session {shown} is gone (its directory {entry.work_dir} is gone); {NOTHING_TYPED}."
        )
    found = _read(entry.work_dir)
    if found is None:
        raise QTmuxError(f"Session {shown}'s session file cannot be read; {NOTHING_TYPED}.")
    session, recorded_pane = found
    servers = _Servers()
    asking = _asking(session, recorded_pane, servers)
    if asking is not None:
        return asking
    if servers.pane(session) is None:
        raise QTmuxError(f"Session {shown}'s agent is not running; {NOTHING_TYPED}.")
    raise QTmuxError(f"Session {shown} is not asking for approval; {NOTHING_TYPED}.")


def _here(sessions: list[SessionState], cwd: Path) -> str | None:
    """The session this command runs in: its tmux window's, else the worktree it is in."""
    from_env = os.environ.get("Q_TMUX_SESSION_ID")
    if from_env:
        return from_env
    for socket in {session.socket for session in sessions if session.socket}:
        pane = pane_inside(socket)
        if pane is not None:
            code, out = tmuxcmd.run(socket, "display-message", "-p", "-t", pane, field(ID_OPTION))
            if code == 0 and out.strip():
                return out.strip()
    best: tuple[int, str] | None = None
    for session in sessions:
        work_dir = Path(session.path).parent.parent
        if cwd.is_relative_to(work_dir) and (best is None or len(work_dir.parts) > best[0]):
            best = (len(work_dir.parts), session.id)
    return best[1] if best else None


def longest_waiting(cwd: Path, socket: str | None) -> Asking:
    """The session this runs in if it asks, else the one asking longest (on ``socket``'s
    server only, when given)."""
    panes: dict[str, str] = {}
    sessions = []
    for entry in _registry():
        found = _read(entry.work_dir)
        if found is not None and (socket is None or found[0].socket == socket):
            sessions.append(found[0])
            panes[found[0].id] = found[1]
    here = _here(sessions, cwd)
    asking = [s for s in sessions if (s.status, s.reason) == (Status.WAITING, Reason.APPROVAL)]
    asking.sort(key=lambda s: (s.changed_at, s.name))
    candidates = [s for s in sessions if s.id == here] + [s for s in asking if s.id != here]
    servers = _Servers()
    for session in candidates:
        shows = _asking(session, panes[session.id], servers)
        if shows is not None:
            return shows
    raise QTmuxError(f"No session is asking for approval; {NOTHING_TYPED}.")


def answer(asking: Asking, reply: str, show: Callable[[Asking], None]) -> None:
    """Show the request, then give ``reply`` if the very same question still shows."""
    session = asking.session
    keys = keys_for(session.preset, reply)
    show(asking)
    screen = capture(session.socket, asking.pane_id)
    again = None if screen is None else read_request(session.preset, screen)
    if again != asking.request:
        raise QTmuxError(
            f"Session {printable(session.name)}'s screen changed since it was read; "
            f"{NOTHING_TYPED}."
        )
    code, _ = tmuxcmd.run(session.socket, *send_keys_args(asking.pane_id, keys))
    if code != 0:
        raise TmuxError(f"Could not type into session {printable(session.name)}'s window.")


def describe(asking: Asking) -> str:
    """``NAME asks (TOOL): TEXT``, a request of several lines indented under it."""
    text, tool = asking.request
    lines = text.splitlines() or [""]
    head = f"{asking.session.name} asks" + (f" ({tool})" if tool else "") + f": {lines[0]}"
    return "\n".join([head, *(f"    {line}" for line in lines[1:])])


#: What each answer says once its keys are typed.
DONE = {APPROVE: "Approved.", ALWAYS: "Approved, and allowed from now on.", DENY: "Denied."}


def run(name: str | None, reply: str, *, socket: str | None, cwd: Path) -> None:
    """``q-tmux approve|deny [NAME]``: find the session, show its request, answer it.

    ``socket``: without NAME, look only at the sessions of that server (``-L``).
    """
    asking = named(name, cwd) if name else longest_waiting(cwd, socket)
    answer(asking, reply, lambda shown: print(describe(shown), flush=True))
    print(DONE[reply], flush=True)
