"""Merging a session back into its base branch, safely.

The preview touches no working tree: commits, changed files and predicted
conflicts come from ``git merge-tree --write-tree``. The merge commit is
made with ``commit-tree`` (objects only), then the base moves in one
compare-and-swap step: ``update-ref`` when the base is checked out nowhere,
else ``merge --ff-only`` in the worktree that has it, which keeps the user's
unrelated uncommitted files there and refuses when theirs overlap or the
base moved meanwhile. A journal in the common git dir records the step
reached, so a merge killed at any moment is completed, or reported, by
running it again. Never ``git stash``: it is shared by every worktree.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from q_tmux.adapters.git import (
    Commit,
    CommitOid,
    FileChange,
    History,
    MergePrediction,
    Repo,
    branch_in_use,
    commit_tree,
    operation_in_progress,
    ref_move_refused,
    uncommitted,
    update_ref,
)
from q_tmux.errors import QTmuxError
from q_tmux.merge.conflicts import pair_conflicts
from q_tmux.store import jsonfile, paths, registry
from q_tmux.store.session_file import SessionRecord, Status, StatusSource, WorktreeInfo

if TYPE_CHECKING:
    from q_tmux.sessions.views import SessionView


class Mode(Enum):
    MERGE = "merge commit"
    SQUASH = "squash"
    REBASE = "rebase"


class MergeRefused(QTmuxError):
    """The merge would conflict or lose something; nothing was changed."""


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
    info = record.worktree_info
    if not info.owns_worktree or not info.branch or not info.base_branch or not info.repo_root:
        raise QTmuxError(f"Session '{record.name}' has no branch of its own to merge.")
    return Repo.discover(Path(info.repo_root)), info.branch, info.base_branch


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
    repo = history.repo
    branch, base = info.branch or "", info.base_branch or ""
    work_dir = Path(info.path)
    label = f" in {info.workspace_path}" if info.workspace_path else ""
    base_oid = repo.branch_oid(base) if base else None
    tip = repo.branch_oid(branch) if branch else None
    if base_oid is None:
        raise QTmuxError(
            f"The base branch '{base}'{label} of session '{record.name}' no longer exists."
        )
    if tip is None:
        raise QTmuxError(
            f"The branch '{branch}'{label} of session '{record.name}' no longer exists."
        )
    files = history.changed_files(base_oid, tip)
    preview = Preview(
        record=record,
        work_dir=work_dir,
        branch=branch,
        base=base,
        base_oid=base_oid,
        tip=tip,
        commits=history.commits(base_oid, tip),
        files=files,
        uncommitted=[p for p in uncommitted(repo, work_dir) if not _ours(p)],
        base_prediction=history.predict(base_oid, tip),
        label=info.workspace_path or "",
    )
    changed = {change.path for change in files}
    for other in others:
        other_tip = repo.branch_oid(other.branch or "")
        if other_tip is None or other_tip == tip:
            continue
        other_base = repo.branch_oid(other.base_branch or "") or base_oid
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
            preview.base_operation = operation_in_progress(repo, worktree.path)
    if preview.base_operation is None:
        preview.base_busy = branch_in_use(repo, base)
    return preview


def _ours(path: str) -> bool:
    """q-tmux's own files in a session worktree (hidden from git, listed only if tracked)."""
    return path == ".amazonq/session.json"


# -- doing it -------------------------------------------------------------------------


@dataclass
class Journal:
    """What an interrupted merge had decided, kept in the common git dir until the end."""

    path: Path
    data: dict[str, Any]

    @classmethod
    def at(cls, path: Path) -> Journal:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        return cls(path, data if isinstance(data, dict) else {})

    @classmethod
    def for_session(cls, repo: Repo, session_id: str) -> Journal:
        return cls.at(repo.common_dir / "q-tmux" / f"merge-{session_id}.json")

    def record(self, **values: Any) -> None:
        self.data.update(values)
        jsonfile.write_atomic(self.path, self.data)

    def finish(self) -> None:
        self.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # only when no other merge's journal is there
            self.path.parent.rmdir()


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
    repo.git_ok(
        "worktree",
        "add",
        "--quiet",
        "--detach",
        str(scratch),
        tip,
        doing="make a scratch worktree for the rebase",
    )
    try:
        result = repo.git("rebase", "--quiet", onto, cwd=scratch)
        if not result.ok:
            conflicted = repo.git("diff", "--name-only", "--diff-filter=U", "-z", cwd=scratch)
            files = [path for path in conflicted.stdout.split("\0") if path]
            repo.git("rebase", "--abort", cwd=scratch)
            why = (
                f"stops on conflicts in {some_of(files)}"
                if files
                else f"failed: {sentence(result.first_error_line())}"
            )
            raise MergeRefused(f"{what} {why}; nothing was changed.")
        return CommitOid(
            repo.git_ok("rev-parse", "HEAD", cwd=scratch, doing="read the rebase").strip()
        )
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
        result = repo.git("merge", "--ff-only", "--quiet", new, cwd=preview.base_worktree)
        if not result.ok:
            undone = _undo_files_of_refused_move(repo, preview.base_worktree, base, old, new)
            raise MergeRefused(
                f"{base} in {preview.base_worktree} could not move "
                f"({sentence(result.first_error_line())}); {undone}"
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
    head = repo.git("rev-parse", "--verify", "-q", "HEAD", cwd=worktree).stdout.strip()
    if repo.branch_oid(base) != old or head != old:
        return "nothing was changed."
    result = repo.git("read-tree", "-m", "-u", new, old, cwd=worktree)
    if result.ok:
        return "nothing was changed."
    return (
        f"the files it wrote could not be put back ({sentence(result.first_error_line())}); "
        f"'git read-tree -m -u {new[:12]} {old[:12]}' in {worktree} does it."
    )


ARCHIVE_PREFIX = "refs/q-tmux/archive/"


def existing_archive_ref(repo: Repo, name: str, commit: CommitOid) -> str | None:
    """An archive ref of ``name``'s branch that already keeps ``commit``, if any."""
    out = repo.git(
        "for-each-ref",
        "--points-at",
        commit,
        "--format=%(refname)",
        f"{ARCHIVE_PREFIX}{name}/",
    ).stdout
    kept = re.compile(r"\d{8}-\d{6}-branch(-\d+)?")
    found = [ref for ref in out.splitlines() if kept.fullmatch(ref.rsplit("/", 1)[-1])]
    return found[0] if found else None


def archive_record(record: SessionRecord, merged_into: str, new: CommitOid, mode: Mode) -> Path:
    """Keep the session's record (with how it ended) under the state dir, off the registry."""
    record.set_status(Status.COMPLETED, StatusSource.PROCESS)
    data = record.model_dump(mode="json")
    data["merge"] = {"into": merged_into, "commit": new, "mode": mode.name.lower()}
    return registry.archive(record.id, data)


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
