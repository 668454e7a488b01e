"""``q-tmux resume [NAME|--all]``: windows again for sessions whose worktree still exists."""

from __future__ import annotations

import click

from q_tmux.cli.common import AppContext, cwd, go_to, note, say
from q_tmux.cli.completion import complete_session_name


@click.command()
@click.argument("name", required=False, shell_complete=complete_session_name)
@click.option("--all", "all_sessions", is_flag=True, help="Every session that is not running.")
@click.option("-d", "--detach", is_flag=True, help="Do not switch to or attach the window.")
@click.pass_obj
def resume(app: AppContext, name: str | None, *, all_sessions: bool, detach: bool) -> int:
    """Start NAME's agent again (with its resume flag), e.g. after a tmux restart."""
    from q_tmux.adapters.tmux import require_tmux
    from q_tmux.errors import QTmuxError, UsageError
    from q_tmux.sessions.lifecycle import resume_session
    from q_tmux.sessions.views import current_session_id, find_session, load_views

    if name and all_sessions:
        raise UsageError("Name a session or pass --all, not both.")
    require_tmux()
    tmux = app.tmux()
    views, _ = load_views(tmux)
    if all_sessions:
        targets = [v for v in views if not v.alive and not v.worktree_missing and v.record]
        if not targets:
            say("Nothing to resume: every session with a worktree is running.")
            return 0
    elif name:
        targets = [find_session(views, name, tmux, cwd())]
    else:
        here = current_session_id(tmux, views, cwd())
        targets = [v for v in views if v.entry.id == here]
        if not targets:
            raise UsageError("Name a session to resume, or pass --all.")
    failures = 0
    window = None
    for view in targets:
        try:
            window = resume_session(view, tmux)
        except QTmuxError as error:
            if not all_sessions:
                raise
            note(str(error))
            failures += 1
            continue
        if window is None:
            say(f"Session '{view.entry.name}' is already running.")
        else:
            say(f"Resumed session '{view.entry.name}' in window {window.window_id}.")
    if window is not None and len(targets) == 1:
        go_to(tmux, window, detach=detach)
    return 1 if failures else 0
