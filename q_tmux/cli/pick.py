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

if TYPE_CHECKING:
    from q_tmux.adapters.tmux import Tmux
    from q_tmux.sessions.views import SessionView

#: The keys of the fzf picker besides Enter (go there), and the q-tmux command each runs.
ACTION_KEYS = {"ctrl-a": "approve", "ctrl-x": "deny", "ctrl-o": "diff", "ctrl-r": "rm"}
HEADER = "enter: go   ctrl-a: approve   ctrl-x: deny   ctrl-o: diff   ctrl-r: remove   esc: close"
#: Lines of the session's screen in the preview.
SCREEN_LINES = 30

#: How fzf's commands run q-tmux again (see the module's docstring).
_Q = '"$Q_TMUX_PICK_PY" -m q_tmux ${Q_TMUX_PICK_SERVER:+-L "$Q_TMUX_PICK_SERVER"}'
#: fzf's own stdout is the answer's pipe: what a key runs talks to the terminal instead.
_TERMINAL = "exec </dev/tty >/dev/tty 2>&1"
_BACK = "printf '\\n%s' 'Press Enter to go back to the list. '; read -r _"


def _order(view: SessionView) -> tuple[int, str]:
    """Most urgent first (:class:`~q_tmux.store.record.Urgency`), then longest in that state."""
    from q_tmux.store.record import urgency

    changed = view.record.status_changed_at.isoformat() if view.record else ""
    status, _, reason = view.state.partition(":")  # "waiting:approval", "processing", "gone"
    return urgency(status, reason or None), changed


def _choices(tmux: Tmux) -> list[SessionView]:
    from q_tmux.sessions.views import load_views

    views, _ = load_views(tmux)
    return sorted((v for v in views if not v.worktree_missing and v.record), key=_order)


def _describe(view: SessionView) -> str:
    """One row of the list: name, state, branch → base, how long in that state."""
    from q_tmux.cli.list import ago
    from q_tmux.sessions.views import session_record

    record = session_record(view)
    info = record.worktree_info
    branch = f"{info.branch} → {info.base_branch}" if info.branch and info.owns_worktree else "-"
    return f"{view.entry.name:<24} {view.state:<17} {branch:<32} {ago(record.status_changed_at)}"


def fzf_arguments() -> list[str]:
    """fzf's options: the list, the preview, and a binding per action key."""
    reload = f"reload({_Q} pick --lines)"
    arguments = [
        "--delimiter=\t",
        "--with-nth=2..",
        "--no-sort",
        "--layout=reverse",
        "--info=inline",
        "--prompt=session> ",
        f"--header={HEADER}",
        f"--preview={_Q} pick --preview {{1}}",
        "--preview-window=down,60%,wrap",
    ]
    for key, verb in ACTION_KEYS.items():
        arguments.append(f"--bind={key}:execute({_TERMINAL}; {_Q} {verb} {{1}}; {_BACK})+{reload}")
    return arguments


def _fzf_pick(app: AppContext, fzf: str, tmux: Tmux) -> int:
    import sys

    from q_tmux.adapters import process
    from q_tmux.sessions.views import load_views

    lines = [f"{view.entry.name}\t{_describe(view)}" for view in _choices(tmux)]
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


def _numbered_pick(tmux: Tmux) -> int:
    views = _choices(tmux)
    if not views:
        say('No sessions yet. Start one with: q-tmux new NAME "first message"')
        click.pause()
        return 0
    for number, view in enumerate(views, 1):
        say(f"{number:>3}  {_describe(view)}")
    choice = click.prompt("Go to (number or name, empty to cancel)", default="", show_default=False)
    choice = choice.strip()
    if not choice:
        return 0
    if choice.isdigit() and 1 <= int(choice) <= len(views):
        choice = views[int(choice) - 1].entry.name
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


@click.command()
@client_option
@click.option("--numbered", is_flag=True, help="A numbered list even when fzf is installed.")
@click.option("--lines", "list_only", is_flag=True, hidden=True, help="fzf's input lines.")
@click.option("--preview", "preview_of", metavar="NAME", hidden=True, help="fzf's preview.")
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
        for view in _choices(tmux):
            click.echo(f"{view.entry.name}\t{_describe(view)}")
        return 0
    fzf = None if numbered else process.find_program("fzf")
    if fzf is not None and sys.stdin.isatty():
        return _fzf_pick(app, fzf, tmux)
    return _numbered_pick(tmux)
