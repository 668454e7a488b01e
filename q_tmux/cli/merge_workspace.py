"""``q-tmux merge`` of a workspace session: every repository with changes, or none."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from q_tmux.cli.common import AppContext, note, say
from q_tmux.cli.merge import (
    close_window,
    commit_everything,
    confirmed,
    move_children_off,
    other_branches,
    show_preview,
)

if TYPE_CHECKING:
    from q_tmux.adapters.git import History
    from q_tmux.merge.engine import Journal, Mode
    from q_tmux.merge.workspace import RepoMerge
    from q_tmux.sessions.views import SessionView
    from q_tmux.store.session_file import SessionRecord


def merge_workspace(
    app: AppContext,
    view: SessionView,
    views: list[SessionView],
    *,
    mode: Mode,
    yes: bool,
    dry_run: bool,
    keep: bool,
    commit: bool,
) -> int:
    from q_tmux.adapters.git import History, Repo, require_git, uncommitted
    from q_tmux.errors import QTmuxError
    from q_tmux.merge.engine import MergeRefused, Mode, build_preview, make_result_commit
    from q_tmux.merge.workspace import RepoMerge, journal_for, move_all, roll_back
    from q_tmux.sessions.views import session_record
    from q_tmux.store.journals import step_done
    from q_tmux.store.session_file import SessionRecord

    journal = journal_for(view.entry.id)
    if journal.data.get("phase") == "moved":
        # Its own copy of the record: the session folder may be gone already.
        interrupted = SessionRecord.model_validate(journal.data["record"])
        note(f"finishing the interrupted merge of '{interrupted.name}'.")
        _clean_up(app, view, interrupted, journal, Mode[journal.data["mode"]], keep)
        return 0
    record = session_record(view)
    if journal.data.get("phase") == "moving":
        entries = [entry for entry in journal.data.get("repos", []) if entry.get("new")]
        undone = roll_back(entries, record.name)
        note(f"an earlier merge of '{record.name}' was interrupted: {undone}")
        journal.finish()
    version = require_git()
    merges: list[RepoMerge] = []
    for info in record.repos:
        history = History(Repo.discover(Path(info.repo_root or "")), version)
        work_dir = Path(info.path)
        if commit and work_dir.is_dir() and uncommitted(history.repo, work_dir):
            commit_everything(history.repo, work_dir, f"'{record.name}' in {info.workspace_path}")
        others = other_branches(views, record.id, info.repo_root)
        merges.append(RepoMerge(build_preview(record, info, history, others), history))
    problems = []
    for merge in merges:
        if merge.preview.commits:
            show_preview(merge.preview, mode)
        elif not merge.preview.uncommitted:
            say(f"{merge.label}: nothing to merge ('{merge.preview.branch}' has no new commits).")
        problems += [f"{merge.label}: {problem}" for problem in merge.preview.problems()]
    if problems:
        raise QTmuxError(
            f"Not merging '{record.name}', in no repository: " + "; ".join(problems) + "."
        )
    to_merge = [merge for merge in merges if merge.preview.commits]
    if not to_merge:
        say(f"Nothing to merge: no repository of '{record.name}' has new commits.")
        return 0
    if dry_run:
        return 0
    labels = ", ".join(f"{m.label} into {m.preview.base}" for m in to_merge)
    if not yes and not confirmed(f"Merge '{record.name}' ({labels})?"):
        return 1
    for merge in to_merge:  # objects only: a refusal here has changed nothing
        merge.new = make_result_commit(merge.preview, mode, merge.history)
    step_done("commit")
    journal.record(
        record=record.model_dump(mode="json"),
        mode=mode.name,
        phase="moving",
        repos=[merge.as_journal() for merge in merges],
    )
    step_done("journal")
    try:
        move_all(to_merge, record.name, journal)
    except MergeRefused:
        journal.finish()
        raise
    for merge in to_merge:
        assert merge.new is not None
        say(f"Merged {merge.label} into {merge.preview.base}: now at {merge.new[:8]}.")
    histories = {str(merge.history.repo.main_worktree): merge.history for merge in merges}
    _clean_up(app, view, record, journal, mode, keep, histories)
    return 0


def _clean_up(
    app: AppContext,
    view: SessionView,
    record: SessionRecord,
    journal: Journal,
    mode: Mode,
    keep: bool,
    histories: dict[str, History] | None = None,
) -> None:
    """Close the window, remove every worktree and merged branch, the folder, and archive.

    ``histories`` (by repository root) are the merge's own; a resumed clean-up finds them.
    """
    from q_tmux.adapters.git import CommitOid, History, Repo, require_git
    from q_tmux.cli.merge import delete_merged_branch
    from q_tmux.merge.workspace import archive_record, remove_session_folder
    from q_tmux.store.journals import step_done

    if keep:
        journal.finish()
        say("Kept the session's window, worktrees and branches (--keep).")
        return
    own_window = close_window(app, view, record)
    step_done("window")
    version = require_git()
    kept = []
    entries = journal.data.get("repos", [])
    infos = {info.workspace_path or "": info for info in record.repos}
    move_children_off(
        app,
        record,
        [
            (infos[e["label"]], e["branch"], e["base"])
            for e in entries  # with or without new commits: every branch is deleted below
            if e["label"] in infos
        ],
    )
    for entry in entries:
        history = (histories or {}).get(entry["repo_root"]) or History(
            Repo.discover(Path(entry["repo_root"])), version
        )
        work_dir = Path(entry["work_dir"])
        if work_dir.exists():
            from q_tmux.merge.cleanup import what_removal_would_lose

            lost = what_removal_would_lose(history, work_dir, entry["branch"], entry["base"])
            if lost:
                kept.append(lost)
                continue
            result = history.repo.remove_worktree(work_dir)
            if not result.ok:
                kept.append(f"{work_dir}: {result.first_error_line()}")
                continue
            history.repo.prune_worktrees()
        delete_merged_branch(history, entry["branch"], CommitOid(entry["tip"]), entry["base"])
    step_done("worktree")
    if kept:
        journal.finish()
        note("kept the session, since these worktrees could not be removed: " + "; ".join(kept))
        return
    folder = view.work_dir
    if not remove_session_folder(folder, record):
        note(f"kept {folder}: it holds files that are not q-tmux's.")
    archive = archive_record(record, entries, mode)
    step_done("archive")
    journal.finish()
    say(f"Cleaned up: window closed, {len(entries)} worktree(s) removed, branches deleted.")
    say(f"The session's record is kept in {archive}.")
    if own_window is not None:
        own_window[0].kill_window(own_window[1])
