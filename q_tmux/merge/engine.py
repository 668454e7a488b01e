"""Merging a session into its base: every repository with changes, or none of them.

A one-repository session is a workspace of one repository. Every repository
is previewed (:mod:`q_tmux.merge.preview`) and checked before anything moves,
and each one's result commit is made with ``commit-tree`` (objects only)
before the first base moves. The bases then move one at a time, each by
compare-and-swap: ``update-ref`` when the base is checked out nowhere, else
``merge --ff-only`` in the worktree that has it, which keeps the user's
unrelated uncommitted files and refuses when theirs overlap or the base
moved meanwhile. When one refuses, those already moved are moved back.

The journal (:mod:`q_tmux.merge.journal`) names the bases in flight, so a
merge killed at any step is settled by the next run: finished when every
base moved, rolled back when only some did. The clean-up (window, worktrees,
branches, record) uses the one safe removal of :mod:`q_tmux.merge.cleanup`
and is safe to repeat. Never ``git stash``: it is shared by every worktree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from q_tmux.adapters.git import (
    CommitOid,
    History,
    Repo,
    branch_in_use,
    commit_all_changes,
    commit_tree,
    head_commit,
    ref_move_refused,
    uncommitted,
    update_ref,
)
from q_tmux.errors import QTmuxError
from q_tmux.merge import journal as journals
from q_tmux.merge.journal import MergeJournal, Mode, Phase, RepoEntry, Settle
from q_tmux.merge.preview import Preview, repos_of
from q_tmux.merge.preview import RepoMerge as RepoMerge
from q_tmux.merge.preview import build_preview as build_preview
from q_tmux.merge.preview import find_journal as find_journal
from q_tmux.merge.preview import plan as plan
from q_tmux.merge.preview import problems as problems
from q_tmux.merge.preview import session_repo as session_repo
from q_tmux.merge.preview import some_of as some_of
from q_tmux.merge.removal import delete_branch, remove_checkout, remove_session_folder
from q_tmux.store import paths, registry
from q_tmux.store.journals import step_done
from q_tmux.store.session_file import SessionRecord, Status, StatusSource

if TYPE_CHECKING:
    from q_tmux.adapters.tmux import Tmux
    from q_tmux.sessions.views import SessionView

__all__ = ["Mode", "build_preview", "session_repo", "some_of"]


class MergeRefused(QTmuxError):
    """The merge would conflict or lose something; nothing was changed."""


@dataclass(frozen=True)
class Voice:
    """Where the engine tells the user what it did: ``say`` (stdout) and ``note`` (stderr)."""

    say: Callable[[str], None]
    note: Callable[[str], None]


# -- before anything moves --------------------------------------------------------------


def commit_leftovers(record: SessionRecord) -> list[str]:
    """Commit the uncommitted work of each checkout (``--commit``); who had some, as sentences."""
    committed = []
    for info in repos_of(record):
        work_dir = Path(info.path)
        repo = Repo.discover(Path(info.repo_root or ""))
        if work_dir.is_dir() and uncommitted(repo, work_dir):
            who = (
                f"'{record.name}' in {info.workspace_path}"
                if info.workspace_path
                else f"'{record.name}'"
            )
            commit_all_changes(repo, work_dir, f"Work left uncommitted in session {who}")
            committed.append(who)
    return committed


# -- the merge --------------------------------------------------------------------------


def run(record: SessionRecord, merges: list[RepoMerge], mode: Mode) -> MergeJournal:
    """Merge every repository with new commits, or none; the journal of the moved bases."""
    to_merge = [merge for merge in merges if merge.preview.commits]
    for merge in to_merge:  # objects only: a refusal here has changed nothing
        merge.new = make_result_commit(merge.preview, mode, merge.history)
    step_done("commit")
    journal = MergeJournal(record=record, mode=mode, repos=[merge.entry() for merge in merges])
    journal.save()
    step_done("journal")
    try:
        move_all(to_merge, record.name)
    except MergeRefused:
        journal.finish()
        raise
    journal.phase = Phase.MOVED
    journal.save()
    return journal


def move_all(merges: list[RepoMerge], name: str) -> None:
    """Move every base to its new commit, or move the ones already moved back and refuse."""
    moved: list[RepoMerge] = []
    for merge in merges:
        assert merge.new is not None
        try:
            move_base(merge.preview, merge.new, merge.history.repo)
        except MergeRefused as error:
            if len(merges) == 1 and not merge.label:
                raise
            undone = roll_back([m.entry() for m in moved], name)
            raise MergeRefused(
                f"Merging '{name}' stopped at {merge.label}: {error} {undone}"
            ) from None
        moved.append(merge)
        step_done(f"base:{merge.label}" if merge.label else "base")


def roll_back(entries: list[RepoEntry], name: str) -> str:
    """Move each journaled base from its new commit back to its old one; say how it went."""
    if not entries:
        return "No repository had been merged yet."
    failures = []
    for entry in reversed(entries):
        problem = _move_back(Repo.discover(Path(entry.repo_root)), entry, name)
        if problem is not None:
            failures.append(f"{entry.label or entry.base}: {problem}")
    labels = ", ".join(entry.label or entry.base for entry in entries)
    if not failures:
        return f"The repositories merged before it ({labels}) were moved back: nothing is merged."
    return "Could not move back " + "; ".join(failures) + "."


def _move_back(repo: Repo, entry: RepoEntry, name: str) -> str | None:
    base, old, new = entry.base, CommitOid(entry.old), CommitOid(entry.new or "")
    now = journals.where(repo.branch_oid(base), entry)
    if now is journals.Where.OLD:
        return None  # this one never moved
    if now is journals.Where.ELSEWHERE:
        return f"{base} has moved on since; 'git branch -f {base} {old[:12]}' would undo the merge"
    for worktree in repo.worktrees():
        if worktree.branch == base and not worktree.bare:
            # The inverse of the merge's --ff-only: moves the branch and its files back,
            # keeps the user's unrelated uncommitted changes, refuses if they overlap.
            result = repo.reset_keep(worktree.path, old)
            if result.ok:
                return None
            return (
                f"{result.error}; 'git reset --keep {old[:12]}' in {worktree.path} undoes the merge"
            )
    if update_ref(repo, f"refs/heads/{base}", old, new, f"q-tmux: undo merge of '{name}'"):
        return None
    return f"{base} moved meanwhile; 'git branch -f {base} {old[:12]}' would undo the merge"


# -- a merge a kill interrupted ---------------------------------------------------------


def settle(journal: MergeJournal, view: SessionView, tmux: Tmux, keep: bool, voice: Voice) -> bool:
    """Finish or undo the merge ``journal`` names; True when that finished the job.

    False: nothing of it is left (rolled back, or it never moved a base), so
    the merge may start afresh.
    """
    name = journal.record.name
    bases = {
        entry.label: journals.where(
            Repo.discover(Path(entry.repo_root)).branch_oid(entry.base), entry
        )
        for entry in journal.moving
    }
    decision = journals.settlement(journal, bases)
    if decision is Settle.FINISH:
        into = "" if journal.record.repos else f" into {journal.repos[0].base}"
        voice.note(f"finishing the interrupted merge of '{name}'{into}.")
        if journal.phase is not Phase.MOVED:
            journal.phase = Phase.MOVED
            journal.save()
        clean_up(journal, view, tmux, keep, voice)
        return True
    if decision is Settle.ROLL_BACK:
        voice.note(
            f"an earlier merge of '{name}' was interrupted: {roll_back(journal.moving, name)}"
        )
    else:
        voice.note(
            f"an earlier merge of '{name}' stopped before changing anything; starting again."
        )
    journal.finish()
    return False


# -- the steps ------------------------------------------------------------------------


def merge_message(preview: Preview, mode: Mode) -> str:
    name = preview.record.name
    if mode is Mode.SQUASH:
        lines = "\n".join(f"* {c.subject}" for c in reversed(preview.commits))
        return f"{name}: {len(preview.commits)} commits from session '{name}'\n\n{lines}\n"
    return f"Merge branch '{preview.branch}' into {preview.base} (q-tmux session '{name}')\n"


def make_result_commit(preview: Preview, mode: Mode, history: History) -> CommitOid:
    """The commit the base will move to; objects only, no ref or worktree changes."""
    repo = history.repo
    if mode is Mode.MERGE or mode is Mode.SQUASH:
        # Always a real merge commit, even when a fast-forward would do: the
        # session's work stays visible as a branch in the history.
        prediction = history.predict(preview.base_oid, preview.tip)
        if not prediction.clean or prediction.tree is None:
            raise MergeRefused(f"Merging '{preview.branch}' would conflict; nothing was changed.")
        parents = [preview.base_oid, preview.tip] if mode is Mode.MERGE else [preview.base_oid]
        return commit_tree(repo, prediction.tree, parents, merge_message(preview, mode))
    return _rebased_tip(preview, history)


def _rebased_tip(preview: Preview, history: History) -> CommitOid:
    """The session's commits replayed onto the base, in a throwaway detached worktree."""
    if history.is_ancestor(preview.base_oid, preview.tip):
        return preview.tip  # already on top of the base: a fast-forward
    return replay_onto(
        history.repo,
        preview.tip,
        preview.base_oid,
        scratch_name=preview.record.id,
        what=f"Rebasing '{preview.branch}' onto {preview.base}",
    )


def replay_onto(
    repo: Repo, tip: CommitOid, onto: CommitOid, *, scratch_name: str, what: str
) -> CommitOid:
    """``tip``'s commits that ``onto`` lacks, replayed onto it; no branch or user file moves.

    Done in a throwaway detached worktree. A rebase that stops is aborted and
    refused, saying truthfully why: the files in conflict, or git's own reason
    (a signing program that failed, a hook).
    """
    scratch = paths.state_dir() / "rebase" / scratch_name
    if scratch.exists():
        repo.remove_worktree(scratch, force=True)
    scratch.parent.mkdir(parents=True, exist_ok=True)
    repo.add_detached_worktree(scratch, tip, doing="make a scratch worktree for the rebase")
    try:
        rebased = repo.rebase(scratch, onto)
        if not rebased.ok:
            repo.abort_rebase(scratch)
            why = (
                f"stops on conflicts in {some_of(list(rebased.conflicts))}"
                if rebased.conflicts
                else f"failed: {sentence(rebased.error)}"
            )
            raise MergeRefused(f"{what} {why}; nothing was changed.")
        head = head_commit(repo, scratch)
        if head is None:
            raise MergeRefused(f"{what} left no commit to read; nothing was changed.")
        return head
    finally:
        repo.remove_worktree(scratch, force=True)  # ours, made above: nothing of the user's
        repo.prune_worktrees()


def sentence(text: str) -> str:
    """``text`` without its closing full stop, to be followed by more of a sentence."""
    return text.rstrip().rstrip(".").rstrip()


def move_base(preview: Preview, new: CommitOid, repo: Repo) -> None:
    """Move the base from the previewed commit to ``new``, or change nothing and say why."""
    base, old = preview.base, preview.base_oid
    busy = branch_in_use(repo, base)
    if busy is not None:
        raise MergeRefused(f"{busy}; finish that first (nothing was changed).")
    # A hook may refuse the move; ask git first (a prepared, then aborted, transaction),
    # so a refusal is told truthfully and no file of the user's is touched.
    refused = ref_move_refused(repo, f"refs/heads/{base}", new, old)
    if refused is not None:
        if repo.branch_oid(base) != old:
            raise MergeRefused(f"{base} moved while merging; nothing was changed. Try again.")
        raise MergeRefused(f"git refused to move {base} ({refused}); nothing was changed.")
    if preview.base_worktree is not None:
        # --ff-only keeps the user's unrelated uncommitted files, refuses when theirs
        # overlap, and fails if the base moved since the preview: a compare-and-swap.
        moved = repo.fast_forward(preview.base_worktree, new)
        if not moved.ok:
            undone = _undo_files_of_refused_move(repo, preview.base_worktree, base, old, new)
            raise MergeRefused(
                f"{base} in {preview.base_worktree} could not move "
                f"({sentence(moved.error)}); {undone}"
            )
        return
    reason = f"q-tmux: merge session '{preview.record.name}'"
    if not update_ref(repo, f"refs/heads/{base}", new, old, reason):
        if repo.branch_oid(base) != old:
            raise MergeRefused(f"{base} moved while merging; nothing was changed. Try again.")
        refused = ref_move_refused(repo, f"refs/heads/{base}", new, old) or "update-ref failed"
        raise MergeRefused(f"git refused to move {base} ({refused}); nothing was changed.")


def _undo_files_of_refused_move(
    repo: Repo, worktree: Path, base: str, old: CommitOid, new: CommitOid
) -> str:
    """After a refused ``merge --ff-only``: put back the files it may have written first.

    git updates the index and files before the ref; when the ref is then
    refused (a hook), the merge's files stay written and staged. A two-tree
    ``read-tree -m -u NEW OLD`` takes every path still as NEW back to OLD and
    keeps the user's own changes, so it is safe whether or not files moved.
    """
    if repo.branch_oid(base) != old or head_commit(repo, worktree) != old:
        return "nothing was changed."
    result = repo.move_files(worktree, new, old)
    if result.ok:
        return "nothing was changed."
    return (
        f"the files it wrote could not be put back ({sentence(result.error)}); "
        f"'git read-tree -m -u {new[:12]} {old[:12]}' in {worktree} does it."
    )


# -- clean-up ---------------------------------------------------------------------------


def clean_up(
    journal: MergeJournal, view: SessionView, tmux: Tmux, keep: bool, voice: Voice
) -> None:
    """Close the window, remove every worktree and merged branch, the folder, and archive.

    Each step is safe to repeat: a rerun after a kill finishes what is left.
    """
    from q_tmux.adapters.git import require_git
    from q_tmux.merge.cleanup import close_window

    record = journal.record
    one = not record.repos  # a one-repository session: its worktree is its folder
    if keep:
        journal.finish()
        what = "worktree and branch" if one else "worktrees and branches"
        voice.say(f"Kept the session's window, {what} (--keep).")
        return
    own_window = close_window(view, record, tmux)
    step_done("window")
    version = require_git()
    histories = {
        entry.repo_root: History(Repo.discover(Path(entry.repo_root)), version)
        for entry in journal.repos
    }
    kept = []
    for entry in journal.repos:
        why = remove_checkout(
            histories[entry.repo_root], Path(entry.work_dir), entry.branch, entry.base
        )
        if why is not None:
            kept.append(f"{entry.work_dir}: {why}")
    step_done("worktree")
    if kept:
        journal.finish()
        voice.note("kept the session, since its worktree could not be removed: " + "; ".join(kept))
        return
    for line in _move_children_off(tmux, record, journal.repos):
        voice.say(line)
    for entry in journal.repos:
        history = histories[entry.repo_root]
        outcome = delete_branch(history, entry.branch, tip=CommitOid(entry.tip), into=entry.base)
        if outcome.kept:
            voice.note(outcome.kept)
    step_done("branch")
    if record.repos and not remove_session_folder(view.work_dir, record):
        voice.note(f"kept {view.work_dir}: it holds files that are not q-tmux's.")
    archive = archive_record(journal)
    step_done("archive")
    journal.finish()
    if one:
        branch = journal.repos[0].branch
        voice.say(f"Cleaned up: window closed, worktree removed, branch '{branch}' deleted.")
    else:
        voice.say(
            f"Cleaned up: window closed, {len(journal.repos)} worktree(s) removed, "
            "branches deleted."
        )
    voice.say(f"The session's record is kept in {archive}.")
    if own_window is not None:
        own_window()


def archive_record(journal: MergeJournal) -> Path:
    """Keep the record, with what each base moved to, under the state dir, off the registry."""
    record = journal.record
    record.set_status(Status.COMPLETED, StatusSource.PROCESS)
    data = record.to_dict()
    mode = journal.mode.name.lower()
    if record.repos:
        moved = [{"repo": e.label, "into": e.base, "commit": e.new} for e in journal.moving]
        data["merge"] = {"repos": moved, "mode": mode}
    else:
        entry = journal.repos[0]
        data["merge"] = {"into": entry.base, "commit": entry.new, "mode": mode}
    return registry.archive(record.id, data)


def _move_children_off(tmux: Tmux, record: SessionRecord, entries: list[RepoEntry]) -> list[str]:
    """Sessions based on a merged (soon deleted) branch move to its base; one line each."""
    from q_tmux.sessions.views import load_views

    infos = {info.workspace_path or "": info for info in record.repos or [record.worktree_info]}
    moves = [
        MovedBase(infos[entry.label].repo_root or "", entry.branch, entry.base)
        for entry in entries  # with or without new commits: every branch is deleted
        if entry.label in infos
    ]
    views, _ = load_views(tmux)
    return move_children_bases(views, record.id, moves)


@dataclass(frozen=True)
class MovedBase:
    """A merged branch in one repository, and where its children's recorded base goes."""

    repo_root: str
    branch: str
    new_base: str


def move_children_bases(
    views: list[SessionView], merged_id: str, moves: list[MovedBase]
) -> list[str]:
    """Point every other live session based on a merged branch at where that branch went.

    The merged branch is about to be deleted; a session recorded on it could
    then neither sync nor merge. Each file is read again just before it is
    rewritten, so what another writer put there meanwhile is kept. Returns one
    line per session moved.
    """
    from q_tmux.store.session_file import read_session_file, session_file_path, write_session_file

    said = []
    for view in views:
        if view.record is None or view.entry.id == merged_id or view.worktree_missing:
            continue
        path = session_file_path(view.work_dir)
        try:
            record = read_session_file(path)
        except QTmuxError:
            continue
        changed = []
        for info in [record.worktree_info, *record.repos]:
            for move in moves:
                if info.repo_root == move.repo_root and info.base_branch == move.branch:
                    info.base_branch = move.new_base
                    if info.merge_target == move.branch:
                        info.merge_target = move.new_base
                    changed.append(move)
        if changed:
            write_session_file(path, record)
            for move in changed:
                said.append(
                    f"Session '{record.name}' was based on '{move.branch}': "
                    f"its base is now {move.new_base}."
                )
    return said
