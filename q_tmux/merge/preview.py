"""What merging a session would do, computed without touching a worktree.

Commits, changed files and predicted conflicts come from ``git merge-tree
--write-tree``; the base's worktree (if checked out) is looked at for the
user's uncommitted files and an operation under way. A workspace session
gets one preview per repository; a one-repository session is a workspace of
one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from q_tmux.adapters.git import (
    Commit,
    CommitOid,
    FileChange,
    History,
    MergePrediction,
    Repo,
    branch_in_use,
    operation_in_progress,
    remembering,
    uncommitted,
    worktree_git_dir,
)
from q_tmux.background import in_background
from q_tmux.errors import QTmuxError
from q_tmux.merge import journal as journals
from q_tmux.merge.conflicts import pair_conflicts
from q_tmux.merge.facts import CachedHistory
from q_tmux.merge.journal import RepoEntry
from q_tmux.store.session_file import SessionRecord, WorktreeInfo

if TYPE_CHECKING:
    from q_tmux.merge.journal import MergeJournal
    from q_tmux.sessions.views import SessionView


@dataclass
class OtherSession:
    name: str
    prediction: MergePrediction
    shared_files: list[str]


@dataclass
class Preview:
    """Everything the user should know before saying yes, computed without touching a worktree."""

    record: SessionRecord
    work_dir: Path
    branch: str
    base: str
    base_oid: CommitOid
    tip: CommitOid
    commits: list[Commit]
    files: list[FileChange]
    uncommitted: list[str]
    base_prediction: MergePrediction
    others: list[OtherSession] = field(default_factory=list)
    base_worktree: Path | None = None
    base_dirty: list[str] = field(default_factory=list)
    base_operation: str | None = None
    #: A rebase or bisect of the base, or a merge into it, under way in some worktree.
    base_busy: str | None = None
    #: A workspace session's repository (its path in the workspace); "" for one repository.
    label: str = ""

    @property
    def base_overlap(self) -> list[str]:
        changed = {change.path for change in self.files}
        return sorted(path for path in self.base_dirty if path in changed)

    def problems(self) -> list[str]:
        """Why the merge cannot go ahead as things are; empty when it can."""
        problems = []
        if self.uncommitted:
            problems.append(
                f"the session has uncommitted changes ({some_of(self.uncommitted)}); "
                "commit them, or pass --commit"
            )
        if self.base_prediction.clean is False:
            conflicts = some_of(self.base_prediction.conflicts)
            problems.append(
                f"merging into {self.base} would conflict in {conflicts}; "
                f"bring {self.base} in first with 'q-tmux sync {self.record.name}'"
            )
        if self.base_operation is not None and self.base_worktree is not None:
            problems.append(
                f"{self.base_worktree} is in the middle of an operation ({self.base_operation})"
            )
        if self.base_busy is not None:
            problems.append(f"{self.base_busy}; finish that first")
        if self.base_overlap:
            problems.append(
                f"your uncommitted changes in {self.base_worktree} touch files the merge changes "
                f"({some_of(self.base_overlap)})"
            )
        return problems


def some_of(paths: list[str] | tuple[str, ...], limit: int = 5) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def session_repo(record: SessionRecord) -> tuple[Repo, str, str]:
    """The repository, branch and base of a worktree session; refuse any other kind."""
    branch, base, root = own_branch(record)
    return Repo.discover(Path(root)), branch, base


def own_branch(record: SessionRecord) -> tuple[str, str, str]:
    """The branch, base and repository folder of a worktree session; refuse any other kind."""
    info = record.worktree_info
    if not info.owns_worktree or not info.branch or not info.base_branch or not info.repo_root:
        raise QTmuxError(f"Session '{record.name}' has no branch of its own to merge.")
    return info.branch, info.base_branch, info.repo_root


@dataclass(frozen=True)
class OtherBranch:
    """Another session's branch in the same repository."""

    name: str
    branch: str | None
    base_branch: str | None


def build_preview(
    record: SessionRecord,
    info: WorktreeInfo,
    history: History,
    others: list[OtherBranch],
) -> Preview:
    """The preview of merging ``info`` (the session's branch, or one workspace repository's)."""
    with remembering():  # it only reads: the worktrees are listed once for all its steps
        return _build_preview(record, info, history, others)


def _build_preview(
    record: SessionRecord,
    info: WorktreeInfo,
    history: History,
    others: list[OtherBranch],
) -> Preview:
    repo = history.repo
    branch, base = info.branch or "", info.base_branch or ""
    work_dir = Path(info.path)
    label = f" in {info.workspace_path}" if info.workspace_path else ""
    # Through the history: one read for every branch (ref files, when it keeps facts).
    base_oid = history.branch(base) if base else None
    tip = history.branch(branch) if branch else None
    if base_oid is None:
        raise QTmuxError(
            f"The base branch '{base}'{label} of session '{record.name}' no longer exists."
        )
    if tip is None:
        raise QTmuxError(
            f"The branch '{branch}'{label} of session '{record.name}' no longer exists."
        )
    files = history.changed_files(base_oid, tip)
    commits = history.commits(base_oid, tip)
    # The session's status runs beside the rest (the base's status above all): two git
    # processes, each reading its own worktree, overlap instead of waiting on each other.
    session_status = in_background(lambda: uncommitted(repo, work_dir))
    try:
        preview = Preview(
            record=record,
            work_dir=work_dir,
            branch=branch,
            base=base,
            base_oid=base_oid,
            tip=tip,
            commits=commits,
            files=files,
            uncommitted=[],
            base_prediction=history.predict(base_oid, tip),
            label=info.workspace_path or "",
        )
        _look_around(preview, history, others)
    except BaseException:
        session_status()  # its error first, as when the steps ran one after another
        raise
    preview.uncommitted = [path for path in session_status() if not _ours(path)]
    return preview


def _look_around(preview: Preview, history: History, others: list[OtherBranch]) -> None:
    """The other sessions that touch the same files, and the base's worktree and state."""
    repo, base, base_oid, tip = history.repo, preview.base, preview.base_oid, preview.tip
    changed = {change.path for change in preview.files}
    for other in others:
        other_tip = history.branch(other.branch) if other.branch else None
        if other_tip is None or other_tip == tip:
            continue
        other_base = (history.branch(other.base_branch) if other.base_branch else None) or base_oid
        shared = sorted(changed & {c.path for c in history.changed_files(other_base, other_tip)})
        # Only conflicts both sessions' own changes take part in (see q_tmux.merge.conflicts).
        own = pair_conflicts(history, (base_oid, tip), (other_base, other_tip), shared)
        prediction = MergePrediction(None if own is None else not own, None, own or ())
        if shared or prediction.clean is False:
            preview.others.append(OtherSession(other.name, prediction, shared))
    for worktree in repo.worktrees():
        if worktree.branch == base and not worktree.bare:
            preview.base_worktree = worktree.path
            preview.base_dirty = uncommitted(repo, worktree.path)
            preview.base_operation = operation_in_progress(
                repo, worktree.path, worktree_git_dir(worktree, repo.common_dir)
            )
    if preview.base_operation is None:
        preview.base_busy = branch_in_use(repo, base)


def _ours(path: str) -> bool:
    """q-tmux's own files in a session worktree (hidden from git, listed only if tracked)."""
    return path == ".amazonq/session.json"


def repos_of(record: SessionRecord) -> list[WorktreeInfo]:
    """The checkouts a merge of ``record`` covers: each workspace repository, or its one branch."""
    if record.repos:
        return list(record.repos)
    own_branch(record)  # refuses a session without a branch of its own (the plan finds the repo)
    return [record.worktree_info]


def other_branches(
    views: list[SessionView], session_id: str, repo_root: str | None
) -> list[OtherBranch]:
    """Every other live session's branch in the repository at ``repo_root``."""
    found = []
    for view in views:
        if view.record is None or view.worktree_missing or view.entry.id == session_id:
            continue
        for info in [view.record.worktree_info, *view.record.repos]:
            if info.repo_root == repo_root and (info.owns_worktree or info.workspace_path):
                found.append(OtherBranch(view.record.name, info.branch, info.base_branch))
    return found


def journal_roots(view: SessionView) -> list[Path]:
    """The repositories where an older q-tmux may have kept the journal of ``view``'s merge."""
    roots = [Path(view.entry.repo_root)] if view.entry.repo_root else []
    if view.record is not None:
        infos = view.record.repos or [view.record.worktree_info]
        roots += [Path(info.repo_root) for info in infos if info.repo_root]
    return roots


def find_journal(view: SessionView) -> MergeJournal | None:
    """The journal of ``view``'s merge (running, or killed midway), if there is one."""
    return journals.find(view.entry.id, journal_roots(view))


@dataclass
class RepoMerge:
    """One repository of the merge: its preview and, once made, the commit its base moves to."""

    preview: Preview
    history: History
    new: CommitOid | None = None

    @property
    def label(self) -> str:
        return self.preview.label

    def entry(self) -> RepoEntry:
        return RepoEntry(
            label=self.label,
            repo_root=str(self.history.repo.main_worktree),
            base=self.preview.base,
            branch=self.preview.branch,
            old=self.preview.base_oid,
            new=self.new,
            tip=self.preview.tip,
            work_dir=str(self.preview.work_dir),
        )


def plan(
    record: SessionRecord,
    views: list[SessionView],
    version: tuple[int, int, int] | None = None,
    *,
    reuse_facts: bool = False,
) -> list[RepoMerge]:
    """One previewed merge per repository of ``record``; nothing is changed.

    ``reuse_facts``: take what is known about these commits from the fact
    files (a preview only). A merge computes everything again, since it
    builds on the trees git predicted (and saves them for the next look).
    Each repository is found from its ref files when it is a plain main
    worktree (git is asked only otherwise), and git's version (``version``
    when the caller knows it) is asked once, before git first runs.
    """
    merges = []
    for info in repos_of(record):
        history = CachedHistory(info.repo_root or "", refresh=not reuse_facts, version=version)
        others = other_branches(views, record.id, info.repo_root)
        try:
            merges.append(RepoMerge(build_preview(record, info, history, others), history))
        finally:
            history.save()
    return merges


def problems(merges: list[RepoMerge]) -> list[str]:
    """Why the merge cannot go ahead, each prefixed with its repository in a workspace."""
    return [
        f"{merge.label}: {problem}" if merge.label else problem
        for merge in merges
        for problem in merge.preview.problems()
    ]
