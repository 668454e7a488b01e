"""``q-tmux cleanup``: remove merged, stale and orphaned sessions; no work lost without --force."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, cwd, note, say

if TYPE_CHECKING:
    from q_tmux.merge.cleanup import Action


def cleanup(
    app: AppContext,
    *,
    merged: bool,
    older_than: float | None,
    orphans: bool,
    dry_run: bool,
    force: bool,
    everywhere: bool = False,
    names: tuple[str, ...] = (),
) -> int:
    from q_tmux.adapters.git import require_git
    from q_tmux.errors import UsageError
    from q_tmux.merge.cleanup import Selection, forget_finished_removals, here, plan
    from q_tmux.sessions.names import printable
    from q_tmux.sessions.recovery import recover
    from q_tmux.sessions.views import load_views

    if names:
        shown = names[0] if names[0].isprintable() and "'" not in names[0] else printable(names[0])
        raise UsageError(f"cleanup takes no session name; 'q-tmux rm {shown}' removes one session.")
    if older_than is not None and older_than < 0:
        raise UsageError("--older-than takes a number of days, 0 or more.")
    selection = Selection.default_if_empty(merged, older_than, orphans)
    if not dry_run:
        recover(say)  # finish or undo what a killed new, rename or sync left half-made
    views, _ = load_views(app.tmux())
    version = require_git()
    if not dry_run:
        forget_finished_removals(views)
    where = cwd()
    actions = plan(
        views,
        selection,
        version,
        force,
        root=None if everywhere else here(where),
        cwd=None if everywhere else where,
    )
    if not actions:
        say("Nothing to clean up." + ("" if everywhere else " (--all looks in every repository)"))
        return 0
    for action in actions:
        report(action, dry_run, force)
    return 0


def report(action: Action, dry_run: bool, force: bool) -> None:
    """Carry out ``action`` unless blocked or a dry run, and say what happened."""
    from q_tmux.merge.cleanup import apply

    label = f"{action.what} '{action.name}' ({action.reason})"
    if action.blocked:
        hint = "" if action.always_kept else ". --force removes it, keeping archive refs."
        say(f"kept {label}: " + "; ".join(action.blocked) + hint)
        return
    if dry_run:
        say(f"would remove {label}")
        return
    apply(action, force)
    if action.blocked:
        say(f"kept {label}: " + "; ".join(action.blocked))
        if action.done:
            note(f"{action.name}: " + "; ".join(action.done))
    else:
        say(f"removed {label}: " + "; ".join(action.done))


@click.command("cleanup")
@click.argument("names", nargs=-1, required=False, metavar="")
@click.option("--merged", is_flag=True, help="Sessions whose branch is in its base (squash too).")
@click.option("--older-than", type=float, metavar="DAYS", help="Sessions inactive this long.")
@click.option(
    "--orphans",
    is_flag=True,
    help="Registry entries without a worktree, worktrees without a session, stale records.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Remove even unmerged or changed work, after saving it in an archive ref.",
)
@click.option("--all", "everywhere", is_flag=True, help="Every repository, not only this one.")
@click.pass_obj
def cleanup_command(
    app: AppContext,
    names: tuple[str, ...],
    everywhere: bool,
    merged: bool,
    older_than: float | None,
    orphans: bool,
    dry_run: bool,
    force: bool,
) -> int:
    """Remove finished sessions (default: --merged --orphans); never loses work without --force."""
    return cleanup(
        app,
        merged=merged,
        older_than=older_than,
        orphans=orphans,
        dry_run=dry_run,
        force=force,
        everywhere=everywhere,
        names=names,
    )
