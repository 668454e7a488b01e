"""``q-tmux pick``: a numbered list of sessions to choose from (shown in a popup by the plugin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, client_option, cwd, go_to, say

if TYPE_CHECKING:
    from q_tmux.sessions.views import SessionView

_URGENCY = {"waiting:approval": 0, "waiting:input": 1, "processing": 2, "starting": 2}


def _order(view: SessionView) -> tuple[int, str]:
    changed = view.record.status_changed_at.isoformat() if view.record else ""
    return _URGENCY.get(view.state, 3), changed


@click.command()
@client_option
@click.pass_obj
def pick(app: AppContext, client: str | None) -> int:
    """Choose a session from a list and go to it (the plugin shows this in a popup)."""
    from q_tmux.cli.list import ago
    from q_tmux.sessions.lifecycle import resume_session
    from q_tmux.sessions.views import find_session, load_views, server_for, session_record

    app.client = client
    tmux = app.tmux()
    views, _ = load_views(tmux)
    views = sorted((v for v in views if not v.worktree_missing and v.record), key=_order)
    if not views:
        say('No sessions yet. Start one with: q-tmux new NAME "first message"')
        click.pause()
        return 0
    for number, view in enumerate(views, 1):
        record = session_record(view)
        info = record.worktree_info
        branch = (
            f"{info.branch} → {info.base_branch}" if info.branch and info.owns_worktree else "-"
        )
        say(
            f"{number:>3}  {view.entry.name:<24} {view.state:<17} {branch:<32} "
            f"{ago(record.status_changed_at)}"
        )
    choice = click.prompt("Go to (number or name, empty to cancel)", default="", show_default=False)
    choice = choice.strip()
    if not choice:
        return 0
    if choice.isdigit() and 1 <= int(choice) <= len(views):
        view = views[int(choice) - 1]
    else:
        view = find_session(views, choice, tmux, cwd())
    window = view.window_ref(tmux.socket_path) or resume_session(view, tmux)
    assert window is not None  # resume_session returns None only for a live window
    go_to(server_for(tmux, window.socket_path), window, detach=False)
    return 0
