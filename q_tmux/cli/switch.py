"""``q-tmux switch NAME``: go to a session's window."""

from __future__ import annotations

import click

from q_tmux.cli.common import AppContext, cwd, go_to
from q_tmux.cli.completion import complete_session_name


@click.command()
@click.argument("name", shell_complete=complete_session_name)
@click.pass_obj
def switch(app: AppContext, name: str) -> int:
    """Go to session NAME's window."""
    from q_tmux.errors import QTmuxError
    from q_tmux.sessions.views import find_session, load_views, server_for

    tmux = app.tmux()
    views, _ = load_views(tmux)
    view = find_session(views, name, tmux, cwd())
    window = view.window_ref(tmux.socket_path)
    if window is None:
        raise QTmuxError(
            f"Session '{view.entry.name}' has no window; run 'q-tmux resume {view.entry.name}'."
        )
    go_to(server_for(tmux, window.socket_path), window, detach=False)
    return 0
