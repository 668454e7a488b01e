"""``q-tmux merge [NAME]``: preview, confirm, merge into the recorded base, clean up.

Only argv, the question and the printing live here; the protocol (plan,
all-or-nothing merge, rollback, journal, clean-up) is :mod:`q_tmux.merge.engine`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, client_option, note, say, target_session
from q_tmux.cli.completion import complete_session_name
from q_tmux.cli.fastpath import DRY_RUN_OPTION, MERGE, REBASE_OPTION, REFRESH_OPTION, SQUASH_OPTION
from q_tmux.cli.merge_preview import previewed

if TYPE_CHECKING:
    from q_tmux.sessions.views import SessionView
    from q_tmux.store.session_file import SessionRecord


def _client_session(app: AppContext) -> str | None:
    """The q-tmux session of the window the key binding's client is looking at."""
    return app.tmux().client_q_session()


def merge(
    app: AppContext,
    name: str | None,
    *,
    mode_name: str,
    yes: bool,
    dry_run: bool,
    keep: bool,
    commit: bool,
    reuse_facts: bool = False,
    remove_group: bool | None = None,
    force: bool = False,
) -> int:
    from q_tmux.errors import SessionNotFoundError, UsageError
    from q_tmux.merge import journal
    from q_tmux.merge.preview import find_journal
    from q_tmux.sessions.views import load_views, session_record

    mode = journal.Mode[mode_name.upper()]
    tmux = app.tmux()
    # A preview shows no window: tmux is asked for them only to act (or to settle, below).
    views, _ = load_views(None if dry_run else tmux)
    if name is None and app.client:
        name = _client_session(app)
        if name is None:
            raise UsageError("This window is not a q-tmux session.")
    try:
        view = target_session(app, views, name)
    except SessionNotFoundError:
        leftover = journal.find_by_name(name or "")
        if leftover is None:
            raise
        leftover.finish()  # killed after archiving: only the journal was left to remove
        note(f"the interrupted merge of '{name}' had finished; nothing more to do.")
        return 0
    interrupted = find_journal(view)
    if interrupted is not None:
        from q_tmux.merge import engine  # only to settle a merge, or to make one

        if dry_run:  # settling it may close the session's window: know the windows
            views, _ = load_views(tmux)
            view = target_session(app, views, name)
        if engine.settle(interrupted, view, tmux, keep, engine.Voice(say, note)):
            return 0
    record = session_record(view)
    if commit:
        from q_tmux.merge.engine import commit_leftovers

        for who in commit_leftovers(record):
            say(f"Committed the uncommitted changes of {who}.")
    merges = previewed(record, views, mode, reuse_facts=reuse_facts, say=say)
    if merges is None or dry_run:
        return 0
    from q_tmux.merge import engine

    to_merge = [merge for merge in merges if merge.preview.commits]
    if record.repos:
        labels = ", ".join(f"{m.label} into {m.preview.base}" for m in to_merge)
        question = f"Merge '{record.name}' ({labels})?"
    else:
        question = f"Merge '{record.name}' into {to_merge[0].preview.base}?"
    if not yes and not confirmed(question):
        return 1
    done = engine.run(record, merges, mode)
    for merge in to_merge:
        assert merge.new is not None
        what = merge.label or f"'{record.name}'"
        say(f"Merged {what} into {merge.preview.base}: now at {merge.new[:8]}.")
    # Before this session's clean-up, which ends this command when it runs in its window.
    offer_group(app, record, views, remove_group, force=force, ask=not yes)
    engine.clean_up(done, view, tmux, keep, engine.Voice(say, note))
    return 0


def offer_group(
    app: AppContext,
    record: SessionRecord,
    views: list[SessionView],
    remove: bool | None,
    *,
    force: bool,
    ask: bool,
) -> None:
    """After merging one session of a fan-out, remove the rest: as asked, else ask, else say.

    Each is removed by ``rm``'s rules: work not in its base keeps it, unless
    ``force``, which archives that work first.
    """
    from q_tmux.cli.rm import rm
    from q_tmux.errors import QTmuxError

    rest = [
        v.entry.name
        for v in views
        if record.group
        and v.record is not None
        and v.record.group == record.group
        and v.entry.id != record.id
        and v.entry.repo_root == views_scope(views, record.id)
    ]
    if not rest or remove is False:
        return
    names = ", ".join(rest)
    if remove is None:
        if not (ask and sys.stdin.isatty()):
            note(
                f"kept the other sessions of group '{record.group}' ({names}); "
                "--remove-group removes them after a merge, 'q-tmux rm NAME' one at a time."
            )
            return
        question = f"Remove the other sessions of group '{record.group}' ({names})?"
        if not click.confirm(question + " Work not merged is kept.", default=False):
            return
    for name in rest:
        try:
            rm(app, name, force=force, dry_run=False)
        except QTmuxError as error:  # work rm keeps: said, and the next one is tried
            note(str(error))


def views_scope(views: list[SessionView], session_id: str) -> str | None:
    """The repository (or workspace) folder the session ``session_id`` is registered for."""
    return next((v.entry.repo_root for v in views if v.entry.id == session_id), None)


def confirmed(question: str) -> bool:
    """The user's yes to ``question``; without a terminal to ask on, refuse (--yes is needed)."""
    from q_tmux.errors import UsageError

    if not sys.stdin.isatty():
        raise UsageError(
            "Pass --yes to merge without being asked (there is no terminal to ask on)."
        )
    if click.confirm(question, default=False):
        return True
    say("Not merged.")
    return False


@click.command(MERGE)
@click.argument("name", required=False, shell_complete=complete_session_name)
@click.option(SQUASH_OPTION, is_flag=True, help="One commit on the base instead of a merge commit.")
@click.option(REBASE_OPTION, is_flag=True, help="Replay the session's commits onto the base.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(DRY_RUN_OPTION, is_flag=True, help="Show the preview only.")
@click.option(REFRESH_OPTION, is_flag=True, help="Compute the preview's predictions again.")
@click.option("--keep", is_flag=True, help="Keep the window, worktree and branch afterwards.")
@click.option("--commit", is_flag=True, help="Commit the session's uncommitted changes first.")
@click.option(
    "--remove-group/--keep-group",
    "remove_group",
    default=None,
    help="Of a fan-out: remove (or keep) the group's other sessions afterwards, by rm's "
    "rules (default: ask on a terminal, else keep).",
)
@click.option(
    "--force",
    is_flag=True,
    help="With --remove-group: remove them even with work not merged, after archiving it.",
)
@click.option("--from-key", is_flag=True, hidden=True, help="Run from the plugin's key.")
@client_option
@click.pass_obj
def merge_command(
    app: AppContext,
    name: str | None,
    squash: bool,
    rebase: bool,
    yes: bool,
    dry_run: bool,
    keep: bool,
    commit: bool,
    from_key: bool,
    client: str | None,
    refresh: bool = False,
    remove_group: bool | None = None,
    force: bool = False,
) -> int:
    """Merge session NAME (default: this one) into the branch it started from, then clean up.

    Shows a preview first: commits, changed files, uncommitted changes, and the
    conflicts predicted with the base and with every other live session.
    """
    from q_tmux.errors import UsageError

    if squash and rebase:
        raise UsageError("Choose one of --squash and --rebase.")
    if force and not remove_group:
        raise UsageError("--force goes with --remove-group (it removes a group's unmerged work).")
    app.client = client
    mode = "squash" if squash else "rebase" if rebase else "merge"
    return merge(
        app,
        name,
        mode_name=mode,
        yes=yes,
        dry_run=dry_run,
        keep=keep,
        commit=commit,
        reuse_facts=dry_run and not refresh,
        remove_group=remove_group,
        force=force,
    )
