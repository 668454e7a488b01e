"""``q-tmux approve [NAME]`` and ``q-tmux deny [NAME]``: answer a session's approval question.

Without NAME: the session this runs in (its window or worktree) when it asks,
else the one that has asked longest. The work is :mod:`q_tmux.sessions.approval`'s
(standard library only, so an answer costs no libtmux or pydantic import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, cwd, say
from q_tmux.cli.completion import complete_session_name

if TYPE_CHECKING:
    from q_tmux.sessions.approval import Asking

_NAME = click.argument("name", required=False, shell_complete=complete_session_name)


def describe(asking: Asking) -> str:
    """``NAME asks (TOOL): TEXT``, a request of several lines indented under it."""
    text, tool = asking.request
    lines = text.splitlines() or [""]
    head = f"{asking.session.name} asks" + (f" ({tool})" if tool else "") + f": {lines[0]}"
    return "\n".join([head, *(f"    {line}" for line in lines[1:])])


def _answer(app: AppContext, name: str | None, answer: str, done: str) -> int:
    from q_tmux.adapters.tmux_vocabulary import socket_path
    from q_tmux.sessions import approval

    if name:
        asking = approval.named(name, cwd())
    else:
        server = socket_path(app.socket_name) if app.socket_name is not None else None
        asking = approval.longest_waiting(cwd(), server)
    approval.answer(asking, answer, lambda shown: say(describe(shown)))
    say(done)
    return 0


@click.command()
@_NAME
@click.option(
    "--always", is_flag=True, help="Allow this kind of request from now on, where the agent can."
)
@click.pass_obj
def approve(app: AppContext, name: str | None, *, always: bool) -> int:
    """Approve the request session NAME asks about (default: here, else the longest asking)."""
    from q_tmux.sessions.approval import ALWAYS, APPROVE

    if always:
        return _answer(app, name, ALWAYS, "Approved, and allowed from now on.")
    return _answer(app, name, APPROVE, "Approved.")


@click.command()
@_NAME
@click.pass_obj
def deny(app: AppContext, name: str | None) -> int:
    """Deny the request session NAME asks about (default: here, else the longest asking)."""
    from q_tmux.sessions.approval import DENY

    return _answer(app, name, DENY, "Denied.")
