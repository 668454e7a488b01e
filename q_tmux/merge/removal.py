"""Removing a worktree and its branch without ever losing work: the one way q-tmux does it.

One judgement decides what removing a worktree and its branch would lose,
from everything the worktree holds (:func:`judge`): its HEAD, detached or
not, and the branch tip, unless some ref that survives (the base, another
branch, a tag, an archive ref) reaches them or the base holds their changes
(a squash merge); its index and its files (modified, staged or untracked;
files git ignores are build outputs and caches, not work); an operation in
progress. :func:`remove_checkout` removes nothing that holds work unless
forced, and a forced removal first saves each piece in its own archive ref
under ``refs/q-tmux/archive/`` (:func:`archive_risk`: ``-head``,
``-branch``, ``-index``, ``-files``, snapshots made through a copy of the
index, never ``git stash``). :func:`delete_branch` never makes a commit
unreachable. Used by the merge's clean-up, ``rm``, ``cleanup`` and the
close of a temporary session.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from q_tmux.adapters.git import (
    CommitOid,
    History,
    Repo,
    count_unreached,
    create_ref,
    head_commit,
    operation_in_progress,
    snapshot_index,
    snapshot_worktree,
    uncommitted,
)
from q_tmux.errors import GitError
from q_tmux.store.journals import step_done
from q_tmux.store.session_file import SESSION_DIR, SessionRecord
from q_tmux.store.session_file import SESSION_FILE as _SESSION_FILE_NAME

ARCHIVE_PREFIX = "refs/q-tmux/archive/"
SESSION_FILE = f"{SESSION_DIR}/{_SESSION_FILE_NAME}"


@dataclass
class Risk:
    """What removing one worktree (and, if asked, its branch) would lose; falsy: nothing."""

    work_dir: Path | None
    branch: str | None = None
    base_branch: str | None = None
    #: The branch tip, when neither the base nor another ref holds its commits.
    tip: CommitOid | None = None
    tip_commits: int = 0
    #: The worktree's HEAD, when no surviving ref (nor the branch tip) reaches it.
    head: CommitOid | None = None
    head_commits: int = 0
    head_detached: bool = False
    files: list[str] = field(default_factory=list)
    operation: str | None = None

    def __bool__(self) -> bool:
        return bool(self.tip or self.head or self.files or self.operation)

    def reasons(self) -> list[str]:
        where = self.work_dir
        found = []
        if self.files:
            shown = ", ".join(self.files[:5]) + (" …" if len(self.files) > 5 else "")
            found.append(f"uncommitted changes in {where} ({shown})")
        if self.operation:
            found.append(f"an operation in progress in {where} ({self.operation})")
        if self.tip:
            found.append(
                f"branch {self.branch} has {self.tip_commits} commit(s) not in {self.base_branch}"
            )
        if self.head:
            kind = "detached HEAD" if self.head_detached else "HEAD"
            found.append(
                f"the {kind} of {where} ({self.head[:8]}) has {self.head_commits} commit(s) "
                "that no branch or tag holds"
            )
        return found


def judge(
    history: History,
    work_dir: Path | None,
    branch: str | None,
    base_branch: str | None,
    *,
    deleting_branch: bool = True,
) -> Risk:
    """What removing ``work_dir`` (None: none) and, if ``deleting_branch``, ``branch`` loses."""
    repo = history.repo
    risk = Risk(work_dir, branch, base_branch)
    dropping = [f"refs/heads/{branch}"] if branch and deleting_branch else []
    tip = repo.branch_oid(branch) if branch else None
    base_oid = repo.branch_oid(base_branch) if base_branch else None
    keeping: list[str] = []
    if tip is not None:
        # Kept by the branch itself, or (deleting it) by the base, another ref, or the
        # archive ref a squash-merged branch gets; or else reported, once, as the branch's.
        keeping.append(tip)
        integrated = base_oid is not None and history.is_integrated(tip, base_oid)
        if dropping and not integrated:
            unreached = count_unreached(repo, tip, dropping=dropping, keeping=[])
            if unreached:
                risk.tip, risk.tip_commits = tip, unreached
    if work_dir is not None and work_dir.is_dir():
        head = head_commit(repo, work_dir)
        if head is not None:
            unreached = count_unreached(repo, head, dropping=dropping, keeping=keeping)
            if unreached:
                risk.head, risk.head_commits = head, unreached
                risk.head_detached = repo.current_branch(cwd=work_dir) is None
        risk.files = [p for p in uncommitted(repo, work_dir) if p != SESSION_FILE]
        risk.operation = operation_in_progress(repo, work_dir)
    return risk


def remove_checkout(
    history: History,
    work_dir: Path,
    branch: str | None,
    base_branch: str | None,
    *,
    force: bool = False,
) -> str | None:
    """Remove the worktree ``work_dir``; why it was kept, or None when it is gone.

    Unless ``force`` (the caller archived what it holds first), it is judged
    first, with ``branch`` as about to be deleted: work found keeps it. Safe
    to repeat: a worktree already gone is not an error.
    """
    if not work_dir.exists():
        return None
    if not force:
        reasons = judge(history, work_dir, branch, base_branch).reasons()
        if reasons:
            return "; ".join(reasons)
    result = history.repo.remove_worktree(work_dir, force=force)
    if not result.ok:
        return result.first_error_line()
    history.repo.prune_worktrees()
    return None


@dataclass
class BranchOutcome:
    """What deleting a branch did (``done``: lines to report), or why it was kept."""

    done: list[str] = field(default_factory=list)
    kept: str | None = None


def delete_branch(
    history: History, branch: str, *, tip: CommitOid | None = None, into: str | None = None
) -> BranchOutcome:
    """Delete ``branch`` without making a commit unreachable; safe to repeat.

    Kept while a worktree has it checked out; with ``into`` (a merge's base),
    also kept unless it still stands at ``tip`` and ``into`` holds its changes.
    Commits no other ref reaches (a squash, a rebase, unmerged work) get an
    archive ref first; a rerun after a kill reuses the one made for the same commit.
    """
    repo = history.repo
    current = repo.branch_oid(branch)
    if current is None:
        return BranchOutcome()
    for worktree in repo.worktrees():
        if worktree.branch == branch:
            return BranchOutcome(kept=f"branch {branch} kept: it is checked out in {worktree.path}")
    if into is not None:
        base_oid = repo.branch_oid(into)
        if (tip is not None and current != tip) or base_oid is None:
            return BranchOutcome(
                kept=f"kept branch '{branch}': it has commits the merge did not include."
            )
        if not history.is_integrated(current, base_oid):
            return BranchOutcome(
                kept=f"kept branch '{branch}': it has commits the merge did not include."
            )
    outcome = BranchOutcome()
    if count_unreached(repo, current, dropping=[f"refs/heads/{branch}"], keeping=[]):
        ref = existing_archive_ref(repo, branch, current) or save_archive_ref(
            repo, branch, "branch", current
        )
        step_done("branch-archived")
        outcome.done.append(restore_hint("branch", branch, ref))
    repo.delete_branch(branch, current)
    repo.forget_branch_config(branch)
    outcome.done.append(f"branch {branch} deleted")
    return outcome


def existing_archive_ref(repo: Repo, name: str, commit: CommitOid) -> str | None:
    """An archive ref of ``name``'s branch that already keeps ``commit``, if any."""
    kept = re.compile(r"\d{8}-\d{6}-branch(-\d+)?")
    refs = repo.refs_at(commit, f"{ARCHIVE_PREFIX}{name}/")
    found = [ref for ref in refs if kept.fullmatch(ref.rsplit("/", 1)[-1])]
    return found[0] if found else None


def save_archive_ref(repo: Repo, name: str, kind: str, commit: str) -> str:
    """Keep ``commit`` under a new ``refs/q-tmux/archive/NAME/TIME-KIND`` ref; return its name.

    Created with compare-and-swap against "must not exist", so an archive is
    never overwritten, even by another one made in the same second.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(100):
        suffix = f"-{attempt}" if attempt else ""
        ref = f"{ARCHIVE_PREFIX}{name}/{stamp}{suffix}-{kind}"
        if create_ref(repo, ref, commit):
            return ref
    raise GitError(f"Could not save an archive ref for '{name}'.")


def restore_hint(kind: str, branch: str, ref: str) -> str:
    """How to get an archived piece back."""
    if kind in ("head", "branch"):
        return f"{kind} kept in {ref} (git branch {branch} {ref} brings it back)"
    return f"{kind} kept in {ref} (git checkout {ref} -- . in a checkout puts them back)"


def archive_risk(history: History, name: str, risk: Risk) -> list[str]:
    """Save every piece ``risk`` names in its own archive ref; the restore hints."""
    repo = history.repo
    branch = risk.branch or name
    saved: list[tuple[str, str]] = []
    if risk.tip:
        saved.append(("branch", save_archive_ref(repo, name, "branch", risk.tip)))
    if risk.head:
        saved.append(("head", save_archive_ref(repo, name, "head", risk.head)))
    work_dir = risk.work_dir
    if work_dir is not None and work_dir.is_dir() and (risk.files or risk.operation):
        staged = snapshot_index(repo, work_dir, f"q-tmux: index of '{name}' before --force")
        if staged is not None:
            saved.append(("index", save_archive_ref(repo, name, "index", staged)))
        files = snapshot_worktree(repo, work_dir, f"q-tmux: files of '{name}' before --force")
        saved.append(("files", save_archive_ref(repo, name, "files", files)))
    return [restore_hint(kind, branch, ref) for kind, ref in saved]


def remove_session_folder(folder: Path, record: SessionRecord) -> bool:
    """Remove q-tmux's files and the empty folders left; True when the folder is gone.

    Runs after every worktree in it was removed; anything else found there is
    the user's and is kept, with the folders holding it.
    """
    ours = {SESSION_FILE, *record.agent.files}
    for relative in ours:
        (folder / relative).unlink(missing_ok=True)
    for current, _, _ in sorted(os.walk(folder), key=lambda step: -len(step[0])):
        with contextlib.suppress(OSError):  # not empty: it holds something of the user's
            os.rmdir(current)
    return not folder.exists()
