"""``q-tmux rm NAME``: remove one session on purpose; work not in its base needs --force."""

from __future__ import annotations

from pathlib import Path

import click

from q_tmux.cli.common import AppContext, say, target_session


def rm(app: AppContext, name: str, *, force: bool, dry_run: bool) -> int:
    from q_tmux.adapters.git import require_git
    from q_tmux.errors import QTmuxError
    from q_tmux.merge import journal
    from q_tmux.merge.cleanup import Histories, apply, removal_journal, session_action
    from q_tmux.sessions.views import load_views, session_record

    views, _ = load_views(app.tmux())
    view = target_session(app, views, name)
    if removal_journal(view.entry.id) is None:
        roots = [Path(view.entry.repo_root)] if view.entry.repo_root else []
        if journal.under_way(view.entry.id, roots):
            raise QTmuxError(
                f"A merge of '{view.entry.name}' is under way or was interrupted; "
                f"'q-tmux merge {view.entry.name}' finishes it and removes the session."
            )
        if view.worktree_missing:
            if not dry_run:
                from q_tmux.store import registry

                registry.remove(view.entry.id)
            done = "would remove" if dry_run else "removed"
            say(f"{done} session '{view.entry.name}': its directory {view.work_dir} is gone.")
            return 0
        session_record(view)  # unreadable: say so, guess nothing
    action = session_action(view, "on request", Histories(require_git()), force, closing=True)
    if action.blocked:
        hint = "" if action.always_kept else "; --force removes it after archiving them"
        raise QTmuxError(f"Not removing '{action.name}': " + "; ".join(action.blocked) + hint + ".")
    if dry_run:
        say(f"would remove session '{action.name}'")
        return 0
    apply(action, force)
    if action.blocked:
        raise QTmuxError(
            f"Kept session '{action.name}' (its window is closed; 'q-tmux resume "
            f"{action.name}' reopens it): " + "; ".join(action.blocked) + "."
        )
    say(f"removed session '{action.name}': " + "; ".join(action.done))
    return 0


@click.command("rm")
@click.argument("name")
@click.option("--force", is_flag=True, help="Remove even work not in the base, after archiving it.")
@click.option("--dry-run", is_flag=True, help="Say whether it would be removed; remove nothing.")
@click.pass_obj
def rm_command(app: AppContext, name: str, force: bool, dry_run: bool) -> int:
    """Remove one session: its window, worktree and branch (every repository's in a workspace)."""
    return rm(app, name, force=force, dry_run=dry_run)
