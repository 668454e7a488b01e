"""Removing finished, stale and orphaned sessions without ever losing work.

Nothing is removed that holds work no other ref keeps, unless ``--force``:
not a branch with commits its base lacks (a squash-merged branch counts as
merged), not a worktree with uncommitted, staged or untracked files or an
operation in progress, not a session whose agent still runs. A forced
removal first saves an archive ref under ``refs/q-tmux/archive/`` (a
snapshot commit of the worktree's files, made through a copy of its index,
never ``git stash``), and so does deleting a squashed or rebased branch,
whose own commits no branch reaches any more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from q_tmux import registry
from q_tmux.errors import GitError
from q_tmux.git import (
    CommitOid,
    History,
    Repo,
    operation_in_progress,
    snapshot_worktree,
    uncommitted,
)
from q_tmux.sessions import SessionView

ARCHIVE_PREFIX = "refs/q-tmux/archive/"


@dataclass
class Selection:
    merged: bool = False
    older_than_days: float | None = None
    orphans: bool = False

    @classmethod
    def default_if_empty(cls, merged: bool, older: float | None, orphans: bool) -> Selection:
        """No selector given: merged sessions and orphans, the two kinds nobody needs."""
        if not merged and older is None and not orphans:
            return cls(merged=True, orphans=True)
        return cls(merged, older, orphans)


@dataclass
class Action:
    """One thing cleanup would remove, and what (if anything) stops it."""

    what: str  # "session", "registry entry", "orphan worktree", "stale worktree records"
    name: str
    reason: str
    blocked: list[str] = field(default_factory=list)
    view: SessionView | None = None
    history: History | None = None
    path: Path | None = None
    done: list[str] = field(default_factory=list)
    #: Blocked whatever --force says.
    always_kept: bool = False

    @property
    def repo(self) -> Repo | None:
        return self.history.repo if self.history else None


def save_archive_ref(repo: Repo, name: str, kind: str, commit: str) -> str:
    """Keep ``commit`` under a new ``refs/q-tmux/archive/NAME/TIME-KIND`` ref; return its name.

    Created with compare-and-swap against "must not exist", so an archive is
    never overwritten, even by another one made in the same second.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(100):
        suffix = f"-{attempt}" if attempt else ""
        ref = f"{ARCHIVE_PREFIX}{name}/{stamp}-{kind}{suffix}"
        if repo.git("update-ref", ref, commit, "").ok:
            return ref
    raise GitError(f"Could not save an archive ref for '{name}'.")


def plan(
    views: list[SessionView], selection: Selection, version: tuple[int, int, int], force: bool
) -> list[Action]:
    actions: list[Action] = []
    histories: dict[Path, History] = {}

    def history_for(root: Path) -> History:
        if root not in histories:
            histories[root] = History(Repo.discover(root), version)
        return histories[root]

    now = datetime.now(UTC)
    for view in views:
        if view.worktree_missing:
            if selection.orphans:
                actions.append(
                    Action(
                        "registry entry",
                        view.entry.name,
                        f"its directory {view.work_dir} is gone",
                        view=view,
                    )
                )
            continue
        record = view.record
        if record is None:
            continue  # unreadable: listed by 'list' and 'doctor', never guessed at
        info = record.worktree_info
        reasons = []
        repo: Repo | None = None
        history: History | None = None
        if info.owns_worktree and info.repo_root and info.branch and info.base_branch:
            history = history_for(Path(info.repo_root))
            repo = history.repo
            tip, base_oid = repo.branch_oid(info.branch), repo.branch_oid(info.base_branch)
            merged = (
                tip is not None and base_oid is not None and history.is_integrated(tip, base_oid)
            )
            if selection.merged and merged:
                reasons.append(f"merged into {info.base_branch}")
        if selection.older_than_days is not None:
            idle = now - record.last_active
            if idle > timedelta(days=selection.older_than_days):
                reasons.append(f"inactive for {idle.days} day(s)")
        if not reasons:
            continue
        if record.repos:
            # Its worktrees are in several repositories; merge removes it, all or nothing.
            keep = f"workspace sessions are removed by 'q-tmux merge {record.name}'"
            actions.append(
                Action("session", record.name, ", ".join(reasons), [keep], always_kept=True)
            )
            continue
        action = Action(
            "session",
            record.name,
            ", ".join(reasons),
            view=view,
            history=history,
            path=view.work_dir,
        )
        action.blocked = _what_would_be_lost(view, repo, history) if not force else []
        actions.append(action)
    if selection.orphans:
        actions += _orphan_worktrees(views, histories, version, force)
    return actions


def _what_would_be_lost(view: SessionView, repo: Repo | None, history: History | None) -> list[str]:
    """Everything removing this session would destroy; empty when nothing."""
    assert view.record is not None
    info = view.record.worktree_info
    lost = []
    if view.alive:
        lost.append("its agent is running (close it first, or --force)")
    if repo is None or history is None:
        return lost  # a --no-worktree session: only q-tmux's own files go
    changes = [p for p in uncommitted(repo, view.work_dir) if p != ".amazonq/session.json"]
    if changes:
        shown = ", ".join(changes[:5]) + (" …" if len(changes) > 5 else "")
        lost.append(f"uncommitted changes in {view.work_dir} ({shown})")
    busy = operation_in_progress(repo, view.work_dir)
    if busy:
        lost.append(f"an operation in progress in {view.work_dir} ({busy})")
    tip = repo.branch_oid(info.branch or "")
    base_oid = repo.branch_oid(info.base_branch or "")
    if tip is not None and (base_oid is None or not history.is_integrated(tip, base_oid)):
        ahead = history.ahead_behind(base_oid, tip)[0] if base_oid else "some"
        lost.append(f"branch {info.branch} has {ahead} commit(s) not in {info.base_branch}")
    return lost


def _orphan_worktrees(
    views: list[SessionView],
    histories: dict[Path, History],
    version: tuple[int, int, int],
    force: bool,
) -> list[Action]:
    """Stale worktree records, and worktrees q-tmux made whose session file is gone."""
    actions: list[Action] = []
    known = {view.work_dir for view in views}
    roots = {Path(v.entry.repo_root) for v in views if v.entry.repo_root}
    for root in sorted(roots):
        if not root.is_dir():
            continue
        history = histories.get(root) or History(Repo.discover(root), version)
        repo = history.repo
        worktrees = repo.worktrees()
        if any(w.prunable for w in worktrees):
            actions.append(
                Action(
                    "stale worktree records",
                    str(root),
                    "their directories are gone (git worktree prune)",
                    history=history,
                )
            )
        for worktree in worktrees[1:]:
            if worktree.prunable or worktree.path in known:
                continue
            if not (worktree.path / ".amazonq" / "session.json").exists() and _made_by_us(
                worktree.path, views
            ):
                action = Action(
                    "orphan worktree",
                    worktree.path.name,
                    "a q-tmux worktree without a session",
                    history=history,
                    path=worktree.path,
                )
                if not force:
                    changes = uncommitted(repo, worktree.path)
                    if changes:
                        action.blocked.append(f"uncommitted changes ({', '.join(changes[:5])})")
                actions.append(action)
    return actions


def _made_by_us(path: Path, views: list[SessionView]) -> bool:
    """Only worktrees in a directory q-tmux puts worktrees in count as q-tmux's orphans."""
    parents = {
        view.work_dir.parent
        for view in views
        if view.record and view.record.worktree_info.owns_worktree
    }
    return path.parent in parents


def apply(action: Action, force: bool) -> None:
    """Carry out ``action`` (which must not be blocked), saving archive refs when forced."""
    if action.what == "registry entry":
        assert action.view is not None
        registry.remove(action.view.entry.id)
        action.done.append("registry entry removed")
    elif action.what == "stale worktree records":
        assert action.repo is not None
        action.repo.prune_worktrees()
        action.done.append("pruned")
    elif action.what == "orphan worktree":
        assert action.repo is not None
        assert action.path is not None
        _remove_worktree(action, action.repo, action.path, force)
    else:
        _remove_session(action, force)


def _remove_worktree(action: Action, repo: Repo, path: Path, force: bool) -> None:
    if force and (uncommitted(repo, path) or operation_in_progress(repo, path)):
        snapshot = snapshot_worktree(repo, path, f"q-tmux: files of '{action.name}' before --force")
        ref = save_archive_ref(repo, action.name, "files", snapshot)
        action.done.append(f"files saved in {ref}")
    result = repo.remove_worktree(path, force=force)
    if not result.ok:
        action.blocked.append(result.first_error_line())
        return
    repo.prune_worktrees()
    action.done.append(f"worktree {path} removed")


def _remove_session(action: Action, force: bool) -> None:
    view = action.view
    assert view is not None
    assert view.record is not None
    record = view.record
    info = record.worktree_info
    if view.window is not None and record.tmux.socket:
        from q_tmux.tmux import Tmux

        Tmux(socket_path=record.tmux.socket).kill_window(view.window.window_id)
        action.done.append("window closed")
    history = action.history
    if history is not None and info.branch:
        repo = history.repo
        _remove_worktree(action, repo, view.work_dir, force)
        if action.blocked:
            return
        tip = repo.branch_oid(info.branch)
        if tip is not None:
            ref = delete_branch_keeping_commits(
                history, info.branch, tip, repo.branch_oid(info.base_branch or "")
            )
            if ref is not None:
                action.done.append(f"commits kept in {ref} (git branch {info.branch} {ref})")
            action.done.append(f"branch {info.branch} deleted")
    else:
        _remove_own_files(view.work_dir, record.agent.files)
    registry.archive(record.id, record.model_dump(mode="json"))
    action.done.append("record archived")


def delete_branch_keeping_commits(
    history: History, branch: str, tip: CommitOid, base_oid: CommitOid | None
) -> str | None:
    """Delete ``branch`` (compare-and-swap at ``tip``); the archive ref saved, if any.

    Commits the base does not reach (a squash, a rebase, or forced unmerged
    work) get an archive ref first, so none becomes unreachable.
    """
    repo = history.repo
    ref = None
    if base_oid is None or not history.is_ancestor(tip, base_oid):
        ref = save_archive_ref(repo, branch, "branch", tip)
    repo.delete_branch(branch, tip)
    repo.git("config", "--remove-section", f"branch.{branch}")
    return ref


def _remove_own_files(work_dir: Path, files: list[str]) -> None:
    """A --no-worktree session's directory is the user's: remove only q-tmux's files there."""
    for relative in [".amazonq/session.json", *files]:
        (work_dir / relative).unlink(missing_ok=True)
