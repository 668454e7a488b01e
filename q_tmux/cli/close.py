"""``q-tmux close NAME``: stop a session's window, keep its work and conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, cwd, say
from q_tmux.cli.completion import complete_session_name

if TYPE_CHECKING:
    from q_tmux.sessions.views import SessionView


@click.command()
@click.argument("name", shell_complete=complete_session_name)
@click.pass_obj
def close(app: AppContext, name: str) -> int:
    """Close session NAME's window; keep its worktree, branch and conversation."""
    from q_tmux.sessions.lifecycle import close_session
    from q_tmux.sessions.views import find_session, load_views

    tmux = app.tmux()
    views, _ = load_views(tmux)
    view = find_session(views, name, tmux, cwd())
    closed = close_session(view, tmux)
    if view.record is not None and view.record.worktree_info.is_temporary:
        from q_tmux.sessions.lifecycle import remove_if_unused

        kept = remove_if_unused(view)
        if kept is None:
            say(
                f"Closed and removed temporary session '{view.entry.name}': nothing was done in it."
            )
            return 0
        say(f"Keeping temporary session '{view.entry.name}': {kept}.")
    what = "Closed" if closed else "Marked as closed (it had no window)"
    say(
        f"{what} session '{view.entry.name}'; {_what_is_kept(view)}: "
        f"'q-tmux resume {view.entry.name}' brings it back."
    )
    return 0


def _what_is_kept(view: SessionView) -> str:
    """What the closed session leaves behind, as it really is for its kind."""
    record = view.record
    if record is not None and record.repos:
        return (
            f"its worktrees in {view.work_dir} and branch {record.repos[0].branch} "
            f"in {len(record.repos)} repositories are kept"
        )
    info = record.worktree_info if record is not None else None
    if info is not None and not info.owns_worktree:
        return (
            f"it ran in {view.work_dir} without a worktree or branch of its own, "
            "and its conversation is kept"
        )
    if info is not None and info.branch:
        return f"its worktree and branch are kept ({view.work_dir}, branch {info.branch})"
    return "its worktree and branch are kept"
