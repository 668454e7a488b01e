"""``q-tmux next``: go to the session that has waited longest.

The plugin's key runs it through :mod:`q_tmux.cli.entry`'s fast path; this is
its click declaration, for ``--help``, completion and an unusual command line.
"""

from __future__ import annotations

import click

from q_tmux.cli.common import AppContext, client_option
from q_tmux.cli.fastpath import NEXT, next_command


@click.command(NEXT)
@client_option
@click.pass_obj
def next_(app: AppContext, client: str | None) -> int:
    """Go to the session that has waited longest; run again for the next one."""
    from q_tmux.adapters import tmux_vocabulary

    return next_command(tmux_vocabulary.socket_path(app.socket_name), client)
