"""``q-tmux rename OLD NEW``: a session's name, its window and, without an upstream, its branch."""

from __future__ import annotations

import click

from q_tmux.cli.common import AppContext, cwd, note, say
from q_tmux.cli.completion import complete_session_name


@click.command()
@click.argument("old", shell_complete=complete_session_name)
@click.argument("new")
@click.pass_obj
def rename(app: AppContext, old: str, new: str) -> int:
    """Rename session OLD to NEW: its window, and its branch when it has no upstream."""
    from q_tmux.sessions.recovery import recover
    from q_tmux.sessions.rename import rename as run

    settled = recover(note)
    return run(app.tmux(), old, new, cwd(), settled=settled, say=say, note=note)
