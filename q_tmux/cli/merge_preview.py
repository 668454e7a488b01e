"""The merge preview as the user sees it, and ``merge NAME --dry-run`` without click.

The click ``merge`` (:mod:`q_tmux.cli.merge`) previews through :func:`previewed`
too, so both paths compute and print the same. The fast path answers only
what it reads exactly as click would; anything else (another option,
``--help``, an interrupted merge to settle, no NAME) returns None, having
printed nothing, and :mod:`q_tmux.cli.entry` runs the click command.
Standard library only (tests/test_startup_imports.py).
"""

from __future__ import annotations

import sys

from q_tmux.cli.fastpath import DRY_RUN_OPTION, REBASE_OPTION, REFRESH_OPTION, SQUASH_OPTION

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from q_tmux.merge.journal import Mode
    from q_tmux.merge.preview import Preview, RepoMerge
    from q_tmux.sessions.views import SessionView
    from q_tmux.store.session_file import SessionRecord

#: What click would print differently (it strips terminal escapes from what is not a terminal).
_ESCAPE = "\x1b"


def show_preview(preview: Preview, mode: Mode, say: Callable[[str], None]) -> None:
    record = preview.record
    where = f" in {preview.label}" if preview.label else ""
    say(f"Merge session '{record.name}'{where}: {preview.branch} → {preview.base} ({mode.value})")
    say(f"  {len(preview.commits)} commit(s):")
    for commit in preview.commits[:20]:
        say(f"    {commit.oid[:8]} {commit.subject}")
    if len(preview.commits) > 20:
        say(f"    … and {len(preview.commits) - 20} more")
    added = sum(c.added or 0 for c in preview.files)
    deleted = sum(c.deleted or 0 for c in preview.files)
    say(f"  {len(preview.files)} file(s) changed, +{added} -{deleted}:")
    for change in preview.files[:30]:
        counts = "binary" if change.added is None else f"+{change.added} -{change.deleted}"
        say(f"    {counts:<12} {change.path}")
    if len(preview.files) > 30:
        say(f"    … and {len(preview.files) - 30} more")
    say("  uncommitted in the session: " + (", ".join(preview.uncommitted) or "none"))
    prediction = preview.base_prediction
    if prediction.clean is None:
        say(f"  conflicts with {preview.base}: unknown (git 2.38 or newer predicts them)")
    else:
        say(f"  conflicts with {preview.base}: " + (", ".join(prediction.conflicts) or "none"))
    if not preview.others:
        say("  other sessions: none touch the same files")
    for other in preview.others:
        if other.prediction.clean is False:
            conflicts = ", ".join(other.prediction.conflicts)
            say(f"  session '{other.name}' would conflict in: {conflicts}")
        else:
            shared = ", ".join(other.shared_files)
            say(f"  session '{other.name}' also changes: {shared} (merges cleanly)")
    if preview.base_worktree is not None:
        dirty = len(preview.base_dirty)
        overlap = preview.base_overlap
        state = f"overlap in {', '.join(overlap)}" if overlap else "untouched"
        say(
            f"  {preview.base} is checked out in {preview.base_worktree}: "
            f"{dirty} uncommitted file(s) of yours there, {state}"
        )


def show(
    record: SessionRecord, merges: list[RepoMerge], mode: Mode, say: Callable[[str], None]
) -> bool:
    """Print the previews; False when a one-repository session has nothing to merge."""
    from q_tmux.errors import QTmuxError
    from q_tmux.merge.preview import some_of

    if not record.repos:
        (preview,) = [merge.preview for merge in merges]
        show_preview(preview, mode, say)
        if preview.commits:
            return True
        if preview.uncommitted:  # the work is there, only not committed: never "nothing"
            raise QTmuxError(
                f"Not merging '{record.name}': its work is not committed yet "
                f"({some_of(preview.uncommitted)}); commit it, or pass --commit."
            )
        say(f"Nothing to merge: '{preview.branch}' has no commits that {preview.base} lacks.")
        return False
    for merge in merges:
        if merge.preview.commits:
            show_preview(merge.preview, mode, say)
        elif not merge.preview.uncommitted:
            say(f"{merge.label}: nothing to merge ('{merge.preview.branch}' has no new commits).")
    return True


def previewed(
    record: SessionRecord,
    views: list[SessionView],
    mode: Mode,
    *,
    reuse_facts: bool,
    say: Callable[[str], None],
) -> list[RepoMerge] | None:
    """Preview merging ``record`` and print it; every repository's merge (some with new
    commits), or None when there is nothing to merge (said). Raise when the merge cannot go
    ahead."""
    from q_tmux.adapters.git import remembering
    from q_tmux.errors import QTmuxError
    from q_tmux.merge.preview import plan, problems

    with remembering():  # the preview only reads: each repository is found and listed once
        merges = plan(record, views, reuse_facts=reuse_facts)
    if not show(record, merges, mode, say):
        return None
    found = problems(merges)
    if found:
        where = ", in no repository" if record.repos else ""
        raise QTmuxError(f"Not merging '{record.name}'{where}: " + "; ".join(found) + ".")
    if not any(merge.preview.commits for merge in merges):
        say(f"Nothing to merge: no repository of '{record.name}' has new commits.")
        return None
    return merges


# -- merge NAME --dry-run, from q_tmux.cli.entry ------------------------------------------------


def dry_run_command(options: list[str]) -> int | None:
    """``merge NAME --dry-run [--refresh] [--squash|--rebase]``; None when the click command
    should answer (any other option or word, both modes, an interrupted merge to settle)."""
    names = [word for word in options if not word.startswith("-")]
    flags = set(options) - set(names)
    known = {DRY_RUN_OPTION, REFRESH_OPTION, SQUASH_OPTION, REBASE_OPTION}
    if len(names) != 1 or not names[0] or DRY_RUN_OPTION not in flags or not flags <= known:
        return None
    if {SQUASH_OPTION, REBASE_OPTION} <= flags:
        return None  # click says to choose one
    import os
    from pathlib import Path

    from q_tmux.errors import QTmuxError, SessionNotFoundError
    from q_tmux.merge import journal
    from q_tmux.merge.journal import Mode
    from q_tmux.merge.preview import find_journal
    from q_tmux.sessions.views import find_session, load_views, session_record

    mode = (
        Mode.SQUASH
        if SQUASH_OPTION in flags
        else Mode.REBASE
        if REBASE_OPTION in flags
        else Mode.MERGE
    )
    try:
        here = Path(os.getcwd()).resolve()
    except FileNotFoundError:  # removed under us: the click command knows what to do
        return None
    lines: list[str] = []
    try:
        views, _ = load_views(None)  # a preview shows no window: tmux is not asked
        try:
            view = find_session(views, names[0], None, here)
        except SessionNotFoundError:
            if journal.find_by_name(names[0]) is not None:
                return None  # a merge killed after archiving it: click finishes it
            raise
        if find_journal(view) is not None:
            return None  # an interrupted merge: click settles it first
        previewed(
            session_record(view),
            views,
            mode,
            reuse_facts=REFRESH_OPTION not in flags,
            say=lines.append,
        )
    except QTmuxError as error:
        return _answer(lines, f"q-tmux: {error}", error.exit_code)
    return _answer(lines, None, 0)


def _answer(lines: list[str], error: str | None, code: int) -> int | None:
    """Print the preview's ``lines`` and the ``error`` as click would; None when it may not."""
    if any(_ESCAPE in line for line in (*lines, error or "")):
        return None
    if lines:
        print("\n".join(lines))
    if error is not None:
        sys.stdout.flush()
        print(error, file=sys.stderr)
    return code
