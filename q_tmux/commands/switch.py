"""``q-tmux switch NAME``: go to a session's window."""

from __future__ import annotations

from q_tmux.commands.common import AppContext, cwd, go_to


def switch(app: AppContext, name: str) -> int:
    from q_tmux.errors import QTmuxError
    from q_tmux.sessions import find_session, load_views, server_for, session_record
    from q_tmux.tmux import WindowRef

    tmux = app.tmux()
    views, _ = load_views(tmux)
    view = find_session(views, name, tmux, cwd())
    record = session_record(view)
    if view.window is None:
        raise QTmuxError(
            f"Session '{view.entry.name}' has no window; run 'q-tmux resume {view.entry.name}'."
        )
    window = WindowRef(
        record.tmux.socket or tmux.socket_path,
        view.window.tmux_session,
        record.tmux.session_id or view.window.tmux_session,
        view.window.window_id,
        view.window.pane_id,
    )
    go_to(server_for(tmux, window.socket_path), window, detach=False)
    return 0
