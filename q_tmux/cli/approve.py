"""``q-tmux approve [NAME]`` and ``q-tmux deny [NAME]``: answer a session's approval question.

Without NAME: the session this runs in (its window or worktree) when it asks,
else the one that has asked longest. The work is :mod:`q_tmux.sessions.approval`'s,
standard library only; the executable runs these two without click
(:mod:`q_tmux.cli.entry`), and these declarations give them ``--help`` and completion.
"""

from __future__ import annotations

import click

from q_tmux.cli.common import AppContext, cwd
from q_tmux.cli.completion import complete_session_name
from q_tmux.cli.fastpath import ALWAYS_OPTION, APPROVE, DENY

_NAME = click.argument("name", required=False, shell_complete=complete_session_name)


def _answer(app: AppContext, name: str | None, answer: str) -> int:
    from q_tmux.adapters.tmux_vocabulary import socket_path
    from q_tmux.sessions import approval

    server = socket_path(app.socket_name) if app.socket_name is not None else None
    approval.run(name, answer, socket=server, cwd=cwd())
    return 0


@click.command(APPROVE)
@_NAME
@click.option(
    ALWAYS_OPTION, is_flag=True, help="Allow this kind of request from now on, where the agent can."
)
@click.pass_obj
def approve(app: AppContext, name: str | None, *, always: bool) -> int:
    """Approve the request session NAME asks about (default: here, else the longest asking)."""
    from q_tmux.sessions.approval import ALWAYS

    return _answer(app, name, ALWAYS if always else APPROVE)


@click.command(DENY)
@_NAME
@click.pass_obj
def deny(app: AppContext, name: str | None) -> int:
    """Deny the request session NAME asks about (default: here, else the longest asking)."""
    return _answer(app, name, DENY)
