"""``q-tmux close NAME``: stop a session's window, keep its worktree and branch."""

from __future__ import annotations

from q_tmux.commands.common import AppContext, cwd, say


def close(app: AppContext, name: str) -> int:
    from q_tmux.sessions import close_session, find_session, load_views

    tmux = app.tmux()
    views, _ = load_views(tmux)
    view = find_session(views, name, tmux, cwd())
    closed = close_session(view, tmux)
    if view.record is not None and view.record.worktree_info.is_temporary:
        from q_tmux.sessions import remove_if_unused

        kept = remove_if_unused(view)
        if kept is None:
            say(
                f"Closed and removed temporary session '{view.entry.name}': nothing was done in it."
            )
            return 0
        say(f"Keeping temporary session '{view.entry.name}': {kept}.")
    what = "Closed" if closed else "Marked as closed (it had no window)"
    say(
        f"{what} session '{view.entry.name}'; its worktree and branch are kept: "
        f"'q-tmux resume {view.entry.name}' brings it back."
    )
    return 0
