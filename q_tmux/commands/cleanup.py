"""``q-tmux cleanup``: remove merged, stale and orphaned sessions; no work lost without --force."""

from __future__ import annotations

from q_tmux.commands.common import AppContext, say


def cleanup(
    app: AppContext,
    *,
    merged: bool,
    older_than: float | None,
    orphans: bool,
    dry_run: bool,
    force: bool,
) -> int:
    from q_tmux.cleanup import Selection, apply, plan
    from q_tmux.errors import UsageError
    from q_tmux.git import require_git
    from q_tmux.journals import recover
    from q_tmux.sessions import load_views

    if older_than is not None and older_than < 0:
        raise UsageError("--older-than takes a number of days, 0 or more.")
    selection = Selection.default_if_empty(merged, older_than, orphans)
    if not dry_run:
        recover(say)  # finish or undo what a killed new, rename or sync left half-made
    views, _ = load_views(app.tmux())
    actions = plan(views, selection, require_git(), force)
    if not actions:
        say("Nothing to clean up.")
        return 0
    for action in actions:
        label = f"{action.what} '{action.name}' ({action.reason})"
        if action.blocked:
            hint = "" if action.always_kept else ". --force removes it, keeping an archive ref."
            say(f"kept {label}: " + "; ".join(action.blocked) + hint)
            continue
        if dry_run:
            say(f"would remove {label}")
            continue
        apply(action, force)
        if action.blocked:
            say(f"kept {label}: " + "; ".join(action.blocked))
        else:
            say(f"removed {label}: " + "; ".join(action.done))
    return 0
