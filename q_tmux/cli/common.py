"""What the commands share: the selected tmux server and how to take the user somewhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from q_tmux.cli.fastpath import CLIENT_OPTION

if TYPE_CHECKING:
    from q_tmux.adapters.tmux import Tmux, WindowRef
    from q_tmux.sessions.views import SessionView


@dataclass
class AppContext:
    """Global options, and the tmux server they select (made on first use)."""

    socket_name: str | None = None
    #: The tmux client a key binding ran us for (``--client``).
    client: str | None = None
    _tmux: Tmux | None = None

    def tmux(self) -> Tmux:
        if self._tmux is None:
            from q_tmux.adapters.tmux import Tmux

            self._tmux = Tmux(socket_name=self.socket_name, client=self.client)
        return self._tmux


#: ``--client CLIENT``: the commands a key binding runs are told which client pressed it.
client_option = click.option(
    CLIENT_OPTION, metavar="CLIENT", hidden=True, help="The tmux client a key binding ran for."
)


def cwd() -> Path:
    """The folder the command runs in; the one it was started in, even if since removed."""
    import os

    try:
        return Path.cwd().resolve()
    except FileNotFoundError:
        # Removed under us (a merged session's worktree): work from the home folder,
        # but still answer with where the user is, so "this session" is found.
        os.chdir(Path.home())
        return Path(os.environ.get("PWD") or Path.home())


def say(message: str) -> None:
    click.echo(message)


def note(message: str) -> None:
    """Something the user should know that is not the command's output."""
    click.echo(f"q-tmux: {message}", err=True)


def go_to(tmux: Tmux, window: WindowRef, *, detach: bool) -> None:
    """Show ``window``: switch to it inside tmux, attach outside when there is a terminal."""
    from q_tmux.adapters.tmux import can_attach
    from q_tmux.adapters.tmux_vocabulary import attach_hint

    if detach:
        return
    if tmux.inside:
        tmux.switch_to(window.window_id)
        return
    tmux.switch_to(window.window_id)
    if can_attach():
        tmux.attach(window.session_id)
    say(f"Attach with: {attach_hint(window.socket_path, window.session_name)}")


def target_session(app: AppContext, views: list[SessionView], name: str | None) -> SessionView:
    """Session ``name``, or without a name the one this command runs in."""
    from q_tmux.errors import UsageError
    from q_tmux.sessions.views import current_session_id, find_session

    tmux = app.tmux()
    if name:
        return find_session(views, name, tmux, cwd())
    here = current_session_id(tmux, views, cwd())
    for view in views:
        if view.entry.id == here:
            return view
    raise UsageError("Name the session, or run this inside one.")
