"""``q-tmux merge [NAME]``: preview, confirm, merge into the recorded base, clean up."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, client_option, cwd, note, say, target_session
from q_tmux.cli.completion import complete_session_name

if TYPE_CHECKING:
    from q_tmux.adapters.git import CommitOid, History, Repo
    from q_tmux.adapters.tmux import Tmux
    from q_tmux.merge.engine import Journal, Mode, OtherBranch, Preview
    from q_tmux.sessions.views import SessionView
    from q_tmux.store.session_file import SessionRecord, WorktreeInfo


def show_preview(preview: Preview, mode: Mode) -> None:
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
) -> int:
    from q_tmux.adapters.git import History, Repo, require_git, uncommitted
    from q_tmux.errors import QTmuxError, SessionNotFoundError, UsageError
    from q_tmux.merge.engine import Journal, Mode, build_preview, session_repo, some_of
    from q_tmux.sessions.views import load_views, session_record
    from q_tmux.store.session_file import SessionRecord

    mode = Mode[mode_name.upper()]
    tmux = app.tmux()
    views, _ = load_views(tmux)
    if name is None and app.client:
        name = _client_session(app)
        if name is None:
            raise UsageError("This window is not a q-tmux session.")
    try:
        view = target_session(app, views, name)
    except SessionNotFoundError:
        leftover = _leftover_journal(name or "")
        if leftover is None:
            raise
        leftover.finish()  # killed after archiving: only the journal was left to remove
        note(f"the interrupted merge of '{name}' had finished; nothing more to do.")
        return 0
    from q_tmux.merge.workspace import journal_for

    if (view.record is not None and view.record.repos) or journal_for(view.entry.id).data:
        from q_tmux.cli.merge_workspace import merge_workspace

        return merge_workspace(
            app, view, views, mode=mode, yes=yes, dry_run=dry_run, keep=keep, commit=commit
        )
    # The repository, found once: from the session file, or (when an interrupted
    # merge already removed the worktree) from the registry entry.
    repo: Repo | None = None
    if view.record is not None:
        repo, _, _ = session_repo(view.record)
    elif view.entry.repo_root:
        repo = Repo.discover(Path(view.entry.repo_root))
    history = History(repo, require_git()) if repo is not None else None
    if history is not None:
        journal = Journal.for_session(history.repo, view.entry.id)
        if journal.data.get("record"):
            record = SessionRecord.model_validate(journal.data["record"])
            finished = _finish_interrupted(app, view, record, history, journal, keep)
            if finished is not None:
                return finished
    record = session_record(view)
    assert history is not None  # a readable record always names its repository
    repo = history.repo
    if commit and uncommitted(repo, view.work_dir):
        commit_everything(repo, view.work_dir, f"'{record.name}'")
    others = other_branches(views, record.id, record.worktree_info.repo_root)
    preview = build_preview(record, record.worktree_info, history, others)
    show_preview(preview, mode)
    if not preview.commits:
        if preview.uncommitted:  # the work is there, only not committed: never "nothing"
            raise QTmuxError(
                f"Not merging '{record.name}': its work is not committed yet "
                f"({some_of(preview.uncommitted)}); commit it, or pass --commit."
            )
        say(f"Nothing to merge: '{preview.branch}' has no commits that {preview.base} lacks.")
        return 0
    problems = preview.problems()
    if problems:
        raise QTmuxError(f"Not merging '{record.name}': " + "; ".join(problems) + ".")
    if dry_run:
        return 0
    if not yes and not confirmed(f"Merge '{record.name}' into {preview.base}?"):
        return 1
    return _merge(app, view, preview, mode, history, keep)


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


def other_branches(
    views: list[SessionView], session_id: str, repo_root: str | None
) -> list[OtherBranch]:
    """Every other live session's branch in the repository at ``repo_root``."""
    from q_tmux.merge.engine import OtherBranch

    found = []
    for view in views:
        if view.record is None or view.worktree_missing or view.entry.id == session_id:
            continue
        for info in [view.record.worktree_info, *view.record.repos]:
            if info.repo_root == repo_root and (info.owns_worktree or info.workspace_path):
                found.append(OtherBranch(view.record.name, info.branch, info.base_branch))
    return found


def commit_everything(repo: Repo, work_dir: Path, who: str) -> None:
    """Commit all changes in ``work_dir``; ``who`` names the session (``'feat' in frontend``).

    A refused commit (say, a failing pre-commit hook) leaves the index as it was.
    """
    from q_tmux.adapters.git import commit_all_changes

    commit_all_changes(repo, work_dir, f"Work left uncommitted in session {who}")
    say(f"Committed the uncommitted changes of {who}.")


def _merge(
    app: AppContext, view: SessionView, preview: Preview, mode: Mode, history: History, keep: bool
) -> int:
    from q_tmux.merge.engine import Journal, MergeRefused, make_result_commit, move_base
    from q_tmux.store.journals import step_done

    repo = history.repo
    new = make_result_commit(preview, mode, history)
    step_done("commit")
    journal = Journal.for_session(repo, preview.record.id)
    journal.record(
        record=preview.record.model_dump(mode="json"),
        base=preview.base,
        branch=preview.branch,
        old=preview.base_oid,
        new=new,
        tip=preview.tip,
        mode=mode.name,
        work_dir=str(view.work_dir),
    )
    step_done("journal")
    try:
        move_base(preview, new, repo)
    except MergeRefused:
        journal.finish()
        raise
    step_done("base")
    say(f"Merged '{preview.record.name}' into {preview.base}: now at {new[:8]}.")
    _clean_up(app, view, preview.record, history, journal, keep)
    return 0


def _finish_interrupted(
    app: AppContext,
    view: SessionView,
    record: SessionRecord,
    history: History,
    journal: Journal,
    keep: bool,
) -> int | None:
    """Complete a merge a kill interrupted after the base moved; None: start afresh."""
    from q_tmux.adapters.git import CommitOid

    base, new = journal.data["base"], CommitOid(journal.data["new"])
    if history.repo.branch_oid(base) == new:
        note(f"finishing the interrupted merge of '{record.name}' into {base}.")
        _clean_up(app, view, record, history, journal, keep)
        return 0
    # The base never moved (or moved on by itself): that merge changed nothing.
    note(f"an earlier merge of '{record.name}' stopped before changing anything; starting again.")
    journal.finish()
    return None


def _leftover_journal(name: str) -> Journal | None:
    """The journal of an interrupted merge of ``name`` whose session is already archived."""
    from q_tmux.adapters.git import Repo
    from q_tmux.errors import QTmuxError
    from q_tmux.merge.engine import Journal
    from q_tmux.merge.workspace import leftover_journals

    for journal in leftover_journals():
        if journal.data.get("record", {}).get("name") == name:
            return journal
    try:
        repo = Repo.discover(cwd())
    except QTmuxError:
        return None
    for path in sorted((repo.common_dir / "q-tmux").glob("merge-*.json")):
        journal = Journal.for_session(repo, path.stem.removeprefix("merge-"))
        if journal.data.get("record", {}).get("name") == name:
            return journal
    return None


def close_window(
    app: AppContext, view: SessionView, record: SessionRecord
) -> tuple[Tmux, str] | None:
    """Close the session's window; when it is the one running us, return it to close last."""
    from q_tmux.sessions.views import server_for

    if view.window is None:
        return None
    owner = server_for(app.tmux(), record.tmux.socket)
    if owner.current_q_session() == record.id:
        return owner, view.window.window_id  # closing it now would end this merge
    owner.kill_window(view.window.window_id)
    return None


def _clean_up(
    app: AppContext,
    view: SessionView,
    record: SessionRecord,
    history: History,
    journal: Journal,
    keep: bool,
) -> None:
    """Close, remove and archive the merged session; each step is safe to repeat."""
    from q_tmux.merge.engine import Mode, archive_record
    from q_tmux.store.journals import step_done

    repo = history.repo
    if keep:
        journal.finish()
        say("Kept the session's window, worktree and branch (--keep).")
        return
    own_window = close_window(app, view, record)
    step_done("window")
    work_dir = Path(journal.data.get("work_dir") or view.work_dir)
    if work_dir.exists():
        from q_tmux.merge.cleanup import what_removal_would_lose

        branch, base = journal.data["branch"], journal.data["base"]
        lost = what_removal_would_lose(history, work_dir, branch, base)
        if lost:
            note(f"kept the worktree {work_dir} and branch: {lost}")
            journal.finish()
            return
        result = repo.remove_worktree(work_dir)
        if not result.ok:
            note(f"kept the worktree {work_dir}: {result.first_error_line()}")
            journal.finish()
            return
        repo.prune_worktrees()
    step_done("worktree")
    branch, tip = journal.data["branch"], journal.data["tip"]
    move_children_off(app, record, [(record.worktree_info, branch, journal.data["base"])])
    delete_merged_branch(history, branch, tip, journal.data["base"])
    step_done("branch")
    archive = archive_record(
        record, journal.data["base"], journal.data["new"], Mode[journal.data["mode"]]
    )
    step_done("archive")
    journal.finish()
    say(f"Cleaned up: window closed, worktree removed, branch '{branch}' deleted.")
    say(f"The session's record is kept in {archive}.")
    if own_window is not None:
        own_window[0].kill_window(own_window[1])


def move_children_off(
    app: AppContext, record: SessionRecord, merged: list[tuple[WorktreeInfo, str, str]]
) -> None:
    """Sessions based on a merged (soon deleted) branch move to its base; say which."""
    from q_tmux.merge.engine import MovedBase, move_children_bases
    from q_tmux.sessions.views import load_views

    views, _ = load_views(app.tmux())
    moves = [MovedBase(info.repo_root or "", branch, base) for info, branch, base in merged]
    for line in move_children_bases(views, record.id, moves):
        say(line)


def delete_merged_branch(history: History, branch: str, tip: CommitOid, base: str) -> None:
    repo = history.repo
    current = repo.branch_oid(branch)
    if current is None:
        return
    base_oid = repo.branch_oid(base)
    if current != tip or base_oid is None or not history.is_integrated(current, base_oid):
        note(f"kept branch '{branch}': it has commits the merge did not include.")
        return
    archive_then_delete_branch(history, branch, current, base_oid)


def archive_then_delete_branch(
    history: History, branch: str, tip: CommitOid, base_oid: CommitOid
) -> str | None:
    """Delete the merged ``branch`` (compare-and-swap at ``tip``); the archive ref kept, if any.

    Commits the base does not reach (a squash, a rebase) are kept under an
    archive ref first. A rerun after a kill between the two steps reuses the
    archive ref already made for the same commit instead of adding a second.
    """
    from q_tmux.merge.cleanup import save_archive_ref
    from q_tmux.merge.engine import existing_archive_ref
    from q_tmux.store.journals import step_done

    repo = history.repo
    ref = None
    if not history.is_ancestor(tip, base_oid):
        ref = existing_archive_ref(repo, branch, tip) or save_archive_ref(
            repo, branch, "branch", tip
        )
        step_done("branch-archived")
    repo.delete_branch(branch, tip)
    repo.git("config", "--remove-section", f"branch.{branch}")
    return ref


@click.command("merge")
@click.argument("name", required=False, shell_complete=complete_session_name)
@click.option("--squash", is_flag=True, help="One commit on the base instead of a merge commit.")
@click.option("--rebase", is_flag=True, help="Replay the session's commits onto the base.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Show the preview only.")
@click.option("--keep", is_flag=True, help="Keep the window, worktree and branch afterwards.")
@click.option("--commit", is_flag=True, help="Commit the session's uncommitted changes first.")
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
) -> int:
    """Merge session NAME (default: this one) into the branch it started from, then clean up.

    Shows a preview first: commits, changed files, uncommitted changes, and the
    conflicts predicted with the base and with every other live session.
    """
    from q_tmux.errors import UsageError

    if squash and rebase:
        raise UsageError("Choose one of --squash and --rebase.")
    app.client = client
    mode = "squash" if squash else "rebase" if rebase else "merge"
    return merge(app, name, mode_name=mode, yes=yes, dry_run=dry_run, keep=keep, commit=commit)
