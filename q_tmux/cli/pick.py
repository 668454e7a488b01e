"""``q-tmux pick``: choose a session and act on it (shown in a popup by the plugin).

With ``fzf`` installed and a terminal, the sessions are an fzf list: arrow keys,
filter-as-you-type, a preview of the selected session's screen and diff stat,
and keys to go, approve, deny, see the diff and remove. Without fzf it is a
numbered list to answer with a number or a name.

What fzf runs is ``$Q_TMUX_PICK_PY -m q_tmux [-L $Q_TMUX_PICK_SERVER] VERB {1}``:
the interpreter and the server reach fzf's command lines only as environment
variables, which the shell expands as single words, so no path is ever spelled
in them; ``{1}``, the session name, is quoted by fzf.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, client_option, cwd, go_to, say
from q_tmux.cli.fastpath import ACTION_KEYS as ACTION_KEYS
from q_tmux.cli.fastpath import (
    LINES_OPTION,
    NUMBERED_OPTION,
    PICK,
    PREVIEW_OPTION,
)
from q_tmux.cli.fastpath import fzf_arguments as fzf_arguments
from q_tmux.sessions import listing

if TYPE_CHECKING:
    from q_tmux.adapters.tmux import Tmux
    from q_tmux.sessions.views import SessionView

#: Lines of the session's screen in the preview.
SCREEN_LINES = 30
#: Between the session name (fzf's ``{1}``) and the row shown, in each line.
TAB = "\t"


def _lines(tmux: Tmux) -> list[str]:
    """fzf's input (or the numbered list's rows): the sessions, most urgent first."""
    from q_tmux.cli.list import as_listed
    from q_tmux.sessions.views import load_views

    views, _ = load_views(tmux)
    return listing.pick_lines([as_listed(view) for view in views])


def _fzf_pick(app: AppContext, fzf: str, tmux: Tmux) -> int:
    import sys

    from q_tmux.adapters import process
    from q_tmux.sessions.views import load_views

    lines = _lines(tmux)
    if not lines:
        return _numbered_pick(tmux)  # it says how to start one
    env = {"Q_TMUX_PICK_PY": sys.executable, "SHELL": "/bin/sh"}
    if app.socket_name:
        env["Q_TMUX_PICK_SERVER"] = app.socket_name
    chosen = process.run_on_terminal(fzf, fzf_arguments(), stdin="\n".join(lines) + "\n", env=env)
    name = chosen.stdout.partition("\t")[0].strip()
    if not chosen.ok or not name:  # Esc, Ctrl-C, or nothing matched
        return 0
    views, _ = load_views(tmux)  # again: an action key may have changed them
    return _go(tmux, views, name)


def _go(tmux: Tmux, views: list[SessionView], name: str) -> int:
    from q_tmux.sessions.lifecycle import resume_session
    from q_tmux.sessions.views import find_session, server_for

    view = find_session(views, name, tmux, cwd())
    window = view.window_ref(tmux.socket_path) or resume_session(view, tmux)
    assert window is not None  # resume_session returns None only for a live window
    go_to(server_for(tmux, window.socket_path), window, detach=False)
    return 0


def go_named(socket_name: str | None, client: str | None, name: str) -> int:
    """Go to session ``name`` as Enter in the picker does: the fast picker's way there when
    it takes more than a switch (resuming it, another server)."""
    from q_tmux.errors import QTmuxError
    from q_tmux.sessions.views import load_views

    tmux = AppContext(socket_name=socket_name, client=client).tmux()
    try:
        views, _ = load_views(tmux)
        return _go(tmux, views, name)
    except QTmuxError as error:
        click.echo(f"q-tmux: {error}", err=True)
        return error.exit_code


def _numbered_pick(tmux: Tmux) -> int:
    from q_tmux.sessions.views import load_views

    lines = _lines(tmux)
    if not lines:
        say(listing.NO_SESSIONS)
        click.pause()
        return 0
    for number, line in enumerate(lines, 1):
        say(f"{number:>3}  {line.partition(TAB)[2]}")
    choice = click.prompt("Go to (number or name, empty to cancel)", default="", show_default=False)
    choice = choice.strip()
    if not choice:
        return 0
    if choice.isdigit() and 1 <= int(choice) <= len(lines):
        choice = lines[int(choice) - 1].partition(TAB)[0]
    views, _ = load_views(tmux)
    return _go(tmux, views, choice)


def preview(tmux: Tmux, name: str) -> str:
    """The picker's preview of session ``name``: its diff stat, then its screen's last lines."""
    from q_tmux.cli.diff import render
    from q_tmux.errors import QTmuxError
    from q_tmux.sessions.diffs import session_diff
    from q_tmux.sessions.views import find_session, load_views

    views, _ = load_views(tmux)
    view = find_session(views, name, tmux, cwd())
    try:
        stat = render(session_diff(view, stat=True, colour=True)) or "no changes\n"
    except QTmuxError as error:
        stat = f"{error}\n"
    screen = ["(no window: resume it with Enter)"]
    if view.alive and view.window is not None:
        screen = tmux.screen_tail(view.window.pane_id, SCREEN_LINES) or ["(blank screen)"]
    title = f"── {view.entry.name} · {view.state} "
    return f"{stat}\n{title:─<60}\n" + "\n".join(screen) + "\n"


@click.command(PICK)
@client_option
@click.option(NUMBERED_OPTION, is_flag=True, help="A numbered list even when fzf is installed.")
@click.option(LINES_OPTION, "list_only", is_flag=True, hidden=True, help="fzf's input lines.")
@click.option(PREVIEW_OPTION, "preview_of", metavar="NAME", hidden=True, help="fzf's preview.")
@click.pass_obj
def pick(
    app: AppContext,
    client: str | None,
    *,
    numbered: bool,
    list_only: bool,
    preview_of: str | None,
) -> int:
    """Choose a session and go to it, or act on it (the plugin shows this in a popup).

    With fzf installed: type to filter, arrows to move, a preview of the
    session's diff stat and screen; Enter goes there, Ctrl-A approves, Ctrl-X
    denies, Ctrl-O shows its diff, Ctrl-R removes it. Without fzf, a numbered list.
    """
    import sys

    from q_tmux.adapters import process

    app.client = client
    tmux = app.tmux()
    if preview_of is not None:
        click.echo(preview(tmux, preview_of), nl=False)
        return 0
    if list_only:
        for line in _lines(tmux):
            click.echo(line)
        return 0
    fzf = None if numbered else process.find_program("fzf")
    if fzf is not None and sys.stdin.isatty():
        return _fzf_pick(app, fzf, tmux)
    return _numbered_pick(tmux)
