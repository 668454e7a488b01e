"""Seeing sessions: each registry entry with its session file and live window, and finding one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from q_tmux.errors import SessionFileError, SessionNotFoundError, UsageError
from q_tmux.sessions.names import printable
from q_tmux.store import registry
from q_tmux.store.registry import RegistryEntry

if TYPE_CHECKING:
    from q_tmux.adapters.tmux import LiveWindow, Tmux, WindowRef
    from q_tmux.store.session_file import SessionRecord


@dataclass
class SessionView:
    """A registry entry with what its session file and tmux say about it."""

    entry: RegistryEntry
    record: SessionRecord | None
    problem: str | None
    window: LiveWindow | None

    @property
    def work_dir(self) -> Path:
        return Path(self.entry.work_dir)

    @property
    def worktree_missing(self) -> bool:
        return not self.work_dir.is_dir()

    @property
    def alive(self) -> bool:
        return self.window is not None and not self.window.pane_dead

    def window_ref(self, default_socket: str) -> WindowRef | None:
        """Where the session's window is (None without one), its recorded socket first."""
        if self.window is None or self.record is None:
            return None
        from q_tmux.adapters.tmux import WindowRef  # only here: a preview shows no window

        recorded = self.record.tmux
        return WindowRef(
            recorded.socket or default_socket,
            self.window.tmux_session,
            recorded.session_id or self.window.tmux_session,
            self.window.window_id,
            self.window.pane_id,
        )

    @property
    def state(self) -> str:
        """The status to show: the file's, corrected by what tmux knows of the process."""
        from q_tmux.store.record import shown_state

        record = self.record
        return shown_state(
            record.status if record is not None else None,
            record.waiting_reason if record is not None else None,
            alive=self.alive,
            gone=self.worktree_missing,
        )


def load_views(tmux: Tmux | None) -> tuple[list[SessionView], list[str]]:
    """Every registered session, oldest first, and one line per problem found.

    ``tmux`` None: tmux is not asked, and no view has a window (a merge preview needs none).
    """
    entries, broken = registry.load()
    problems = [item.problem for item in broken]
    if entries:  # the schema and its typing cost a command: only with records to read
        from q_tmux.store.session_file import read_session_file, session_file_path
    windows_by_socket: dict[str, dict[str, LiveWindow]] = {}
    records: list[tuple[RegistryEntry, SessionRecord | None, str | None]] = []
    for entry in entries:
        record, problem = None, None
        work_dir = Path(entry.work_dir)
        if work_dir.is_dir():
            try:
                record = read_session_file(session_file_path(work_dir))
            except SessionFileError as error:
                problem = str(error)
        else:
            problem = f"its directory {work_dir} is gone"
        records.append((entry, record, problem))
    for _, record, _ in records:
        socket = record.tmux.socket if record and record.tmux.socket else None
        if tmux is not None and socket and socket not in windows_by_socket:
            windows_by_socket[socket] = _windows_at(tmux, socket)
    views = []
    for entry, record, problem in records:
        socket = record.tmux.socket if record and record.tmux.socket else None
        window = windows_by_socket.get(socket, {}).get(entry.id) if socket else None
        views.append(SessionView(entry, record, problem, window))
    views.sort(key=lambda v: (v.record.created.timestamp() if v.record else 0.0, v.entry.name))
    return views, problems


def _windows_at(tmux: Tmux, socket: str) -> dict[str, LiveWindow]:
    if not os.path.exists(socket):
        return {}
    return server_for(tmux, socket).live_windows()


def server_for(tmux: Tmux, socket: str | None) -> Tmux:
    """``tmux`` itself when it is the server at ``socket``, else a handle on that one."""
    if socket is None or tmux.socket_path == socket:
        return tmux
    from q_tmux.adapters.tmux import Tmux

    return Tmux(socket_path=socket)


def current_session_id(tmux: Tmux, views: list[SessionView], cwd: Path) -> str | None:
    """The session this command runs in: by environment, by tmux window, else by directory."""
    from_env = os.environ.get("Q_TMUX_SESSION_ID")
    if from_env:
        return from_env
    from_window = tmux.current_q_session()
    if from_window:
        return from_window
    best: SessionView | None = None
    for view in views:
        if cwd.is_relative_to(view.work_dir) and (
            best is None or len(view.work_dir.parts) > len(best.work_dir.parts)
        ):
            best = view
    return best.entry.id if best else None


def find_session(views: list[SessionView], name: str, tmux: Tmux | None, cwd: Path) -> SessionView:
    """The one session called ``name`` (or with that id), preferring this repository's."""
    matches = [v for v in views if name in (v.entry.name, v.entry.id)]
    if not matches:
        raise SessionNotFoundError(
            f"There is no session named {printable(name)}; see 'q-tmux list'."
        )
    if len(matches) == 1:
        return matches[0]
    here = [v for v in matches if v.entry.repo_root and cwd.is_relative_to(v.entry.repo_root)]
    if len(here) == 1:
        return here[0]
    ids = ", ".join(v.entry.id for v in matches)
    raise UsageError(f"Several sessions are named '{name}' (ids {ids}); name one by its id.")


def session_record(view: SessionView) -> SessionRecord:
    """The view's record, or an error saying why its session file cannot be read."""
    if view.record is None:
        raise SessionFileError(f"Session '{view.entry.name}': {(view.problem or '').rstrip('.')}.")
    return view.record
