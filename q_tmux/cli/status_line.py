"""``q-tmux status-line``: which sessions wait, and how many are busy.

The plugin runs it through :mod:`q_tmux.cli.entry`'s fast path; this is its
click declaration, for ``--help``, completion and an unusual command line.
"""

from __future__ import annotations

import click

from q_tmux.cli.common import AppContext
from q_tmux.cli.fastpath import MARKUP_OPTION, PUBLISH_OPTION, STATUS_LINE, status_line_command


@click.command(STATUS_LINE)
@click.option(
    PUBLISH_OPTION, "publish", is_flag=True, help="Also push it to tmux (the plugin does this)."
)
@click.option(
    MARKUP_OPTION, "markup", is_flag=True, help="Print tmux style markup, not plain text."
)
@click.pass_obj
def status_line(app: AppContext, publish: bool, markup: bool) -> int:
    """Which sessions wait (! for approval) and how many are busy."""
    from q_tmux.adapters import tmux_vocabulary

    socket = tmux_vocabulary.socket_path(app.socket_name)
    return status_line_command(socket, publish=publish, markup=markup)
