"""Removing sessions (``cleanup``, ``rm``) without ever losing work.

One judgement decides what removing a worktree and its branch would lose,
from everything the worktree holds (:func:`judge`): its HEAD, detached or
not, and the branch tip, unless some ref that survives (the base, another
branch, a tag, an archive ref) reaches them or the base holds their changes
(a squash merge); its index and its files (modified, staged or untracked;
files git ignores are build outputs and caches, not work); an operation in
progress. Nothing holding work is removed without ``--force``, and a forced
removal first saves each piece in its own archive ref under
``refs/q-tmux/archive/`` (``-head``, ``-branch``, ``-index``, ``-files``:
snapshots made through a copy of the index, never ``git stash``).

A removal is journaled in the state dir before its first change, so a
removal killed at any step is finished by the next ``cleanup`` or ``rm``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from q_tmux.adapters.git import (
    CommitOid,
    History,
    Repo,
    count_unreached,
    head_commit,
    operation_in_progress,
    snapshot_index,
    snapshot_worktree,
    uncommitted,
)
from q_tmux.errors import GitError, QTmuxError
from q_tmux.merge.engine import Journal
from q_tmux.sessions.views import SessionView
from q_tmux.store import paths, registry
from q_tmux.store.journals import step_done
from q_tmux.store.session_file import SessionRecord

ARCHIVE_PREFIX = "refs/q-tmux/archive/"
SESSION_FILE = ".amazonq/session.json"


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


# -- where cleanup looks ----------------------------------------------------------------


def covers(
    root: Path,
    cwd: Path,
    scope: Path,
    work_dir: Path | None,
    workspace_repos: list[Path] | None,
) -> bool:
    """Is a session (registered for ``scope``) one of those here, at ``root``?

    ``root`` is the main work tree of the repository the command runs in (or
    its folder outside git). ``work_dir`` is the session's own folder, where it
    is here too (None for a --no-worktree session: its folder is the user's,
    maybe their home, above everything). A workspace session
    (``workspace_repos``: its repositories) is here in its workspace's folder
    and in any of them.
    """
    if scope == root or (work_dir is not None and cwd.is_relative_to(work_dir)):
        return True
    if workspace_repos is None:
        return False
    return cwd.is_relative_to(scope) or root in workspace_repos


def here(cwd: Path) -> Path:
    """The root :func:`covers` compares with: the repository's main work tree, else ``cwd``."""
    try:
        return Repo.discover(cwd).main_worktree
    except QTmuxError:
        return cwd


def view_is_here(view: SessionView, root: Path, cwd: Path) -> bool:
    record = view.record
    members = (
        [Path(info.repo_root) for info in record.repos if info.repo_root]
        if record is not None and record.repos
        else None
    )
    scope = Path(view.entry.repo_root or view.entry.work_dir)
    own_folder = record is None or record.worktree_info.owns_worktree or bool(record.repos)
    return covers(root, cwd, scope, view.work_dir if own_folder else None, members)


# -- what removing would lose -----------------------------------------------------------


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


def what_removal_would_lose(
    history: History, work_dir: Path, branch: str | None, base_branch: str | None
) -> str | None:
    """For a merge's clean-up: why ``work_dir`` and ``branch`` must stay, or None."""
    reasons = judge(history, work_dir, branch, base_branch).reasons()
    return "; ".join(reasons) if reasons else None


def save_archive_ref(repo: Repo, name: str, kind: str, commit: str) -> str:
    """Keep ``commit`` under a new ``refs/q-tmux/archive/NAME/TIME-KIND`` ref; return its name.

    Created with compare-and-swap against "must not exist", so an archive is
    never overwritten, even by another one made in the same second.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(100):
        suffix = f"-{attempt}" if attempt else ""
        ref = f"{ARCHIVE_PREFIX}{name}/{stamp}{suffix}-{kind}"
        if repo.git("update-ref", ref, commit, "").ok:
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


def delete_branch_keeping_commits(
    history: History, branch: str, tip: CommitOid, base_oid: CommitOid | None
) -> str | None:
    """Delete ``branch`` (compare-and-swap at ``tip``); the archive ref saved, if any.

    Commits no other ref reaches (a squash, a rebase, or forced unmerged work
    not archived yet) get an archive ref first, so none becomes unreachable.
    ``base_oid`` is kept for callers; the refs themselves decide.
    """
    repo = history.repo
    ref = None
    if count_unreached(repo, tip, dropping=[f"refs/heads/{branch}"], keeping=[]):
        ref = save_archive_ref(repo, branch, "branch", tip)
    repo.delete_branch(branch, tip)
    repo.git("config", "--remove-section", f"branch.{branch}")
    return ref


# -- what a session is made of ----------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One worktree and branch a session owns."""

    repo_root: Path
    work_dir: Path
    branch: str | None
    base_branch: str | None
    base_oid: str | None
    label: str = ""


def parts_of(record: SessionRecord) -> list[Part]:
    """The worktrees a session owns: one, one per workspace repository, or none."""
    infos = record.repos if record.repos else [record.worktree_info]
    return [
        Part(
            Path(info.repo_root),
            Path(info.path),
            info.branch,
            info.base_branch,
            info.base_oid,
            info.workspace_path or "",
        )
        for info in infos
        if info.repo_root and (info.owns_worktree or info.workspace_path)
    ]


class Ancestry(Protocol):
    def is_ancestor(self, older: CommitOid, newer: CommitOid) -> bool: ...
    def is_integrated(self, tip: CommitOid, base: CommitOid) -> bool: ...


def merged_for_real(
    history: Ancestry, tip: CommitOid | None, base_now: CommitOid | None, recorded: str | None
) -> bool:
    """Does the base hold commits the branch made? A branch never worked on was not merged."""
    if tip is None or base_now is None:
        return False
    if recorded is not None:
        if tip == recorded or history.is_ancestor(tip, CommitOid(recorded)):
            return False  # no commit of its own: it stands where (or before) it started
    elif tip == base_now:
        return False
    return history.is_integrated(tip, base_now)


# -- the plan ---------------------------------------------------------------------------


@dataclass
class Action:
    """One thing to remove, and what (if anything) stops it."""

    what: str  # "session", "registry entry", "orphan worktree", "stale worktree records"
    name: str
    reason: str
    blocked: list[str] = field(default_factory=list)
    view: SessionView | None = None
    #: The session's record: from its file, or from an interrupted removal's journal.
    record: SessionRecord | None = None
    parts: list[tuple[Part, History, Risk]] = field(default_factory=list)
    history: History | None = None
    path: Path | None = None
    done: list[str] = field(default_factory=list)
    #: Blocked whatever --force says.
    always_kept: bool = False
    #: Risks of orphan worktrees and stale worktree records, archived by --force.
    risks: list[Risk] = field(default_factory=list)

    @property
    def repo(self) -> Repo | None:
        return self.history.repo if self.history else None


class Histories:
    """One :class:`History` per repository, for one command's life."""

    def __init__(self, version: tuple[int, int, int]) -> None:
        self.version = version
        self._by_root: dict[Path, History] = {}

    def at(self, root: Path) -> History:
        if root not in self._by_root:
            self._by_root[root] = History(Repo.discover(root), self.version)
        return self._by_root[root]


def removal_journal(session_id: str) -> Journal:
    return Journal.at(paths.state_dir() / "remove" / f"{session_id}.json")


def leftover_removals(views: list[SessionView]) -> list[Journal]:
    """Journals of removals that finished all but forgetting their journal."""
    known = {view.entry.id for view in views}
    found = []
    for path in sorted((paths.state_dir() / "remove").glob("*.json")):
        if path.stem not in known:
            found.append(Journal.at(path))
    return found


def session_action(
    view: SessionView, reason: str, histories: Histories, force: bool, *, closing: bool
) -> Action:
    """Removing ``view``'s session, judged; ``closing``: a running agent does not keep it."""
    journal = removal_journal(view.entry.id)
    record = view.record
    if journal.data.get("record"):
        record = SessionRecord.model_validate(journal.data["record"])
        reason = "finishing an interrupted removal"
        force = force or bool(journal.data.get("force"))
    assert record is not None
    action = Action("session", record.name, reason, view=view, record=record)
    if merge_under_way(view.entry.id, [part.repo_root for part in parts_of(record)]):
        action.blocked.append(
            f"a merge of '{record.name}' is under way or was interrupted "
            f"('q-tmux merge {record.name}' finishes it and removes the session)"
        )
        action.always_kept = True
        return action
    if view.alive and not closing and not force:
        action.blocked.append("its agent is running (close it first, or --force)")
    for part in parts_of(record):
        try:
            history = histories.at(part.repo_root)
            work_dir = part.work_dir if part.work_dir.is_dir() else None
            risk = judge(history, work_dir, part.branch, part.base_branch)
        except QTmuxError as error:  # a repository or worktree broken by hand: judge nothing
            action.blocked.append(str(error).rstrip("."))
            action.always_kept = True
            continue
        action.parts.append((part, history, risk))
        if not force:
            where = f"{part.label}: " if part.label else ""
            action.blocked += [where + why for why in risk.reasons()]
    return action


def merge_under_way(session_id: str, repo_roots: list[Path]) -> bool:
    """Does a merge (running, or killed midway) own the session until it finishes?"""
    from q_tmux.merge.workspace import journal_for

    if journal_for(session_id).data:
        return True
    for root in repo_roots:
        try:
            repo = Repo.discover(root)
        except QTmuxError:
            continue
        if Journal.for_session(repo, session_id).data:
            return True
    return False


def plan(
    views: list[SessionView],
    selection: Selection,
    version: tuple[int, int, int],
    force: bool,
    *,
    root: Path | None = None,
    cwd: Path | None = None,
) -> list[Action]:
    """What cleanup removes, for the sessions at ``root`` (None: everywhere)."""
    actions: list[Action] = []
    histories = Histories(version)
    if root is not None and cwd is not None:
        views = [view for view in views if view_is_here(view, root, cwd)]
    now = datetime.now(UTC)
    for view in views:
        if removal_journal(view.entry.id).data.get("record"):
            actions.append(session_action(view, "", histories, force, closing=False))
            continue
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
        reasons = []
        if selection.merged and _merged(record, histories):
            reasons.append(f"merged into {record.worktree_info.base_branch}")
        if selection.older_than_days is not None:
            idle = now - record.last_active
            if idle > timedelta(days=selection.older_than_days):
                reasons.append(f"inactive for {idle.days} day(s)")
        if not reasons:
            continue
        if record.repos:
            # Decided: cleanup leaves workspace sessions (several repositories) to the
            # commands that name one session and say what they do in each repository.
            keep = (
                f"workspace sessions are removed by 'q-tmux merge {record.name}' "
                f"or 'q-tmux rm {record.name}'"
            )
            actions.append(
                Action("session", record.name, ", ".join(reasons), [keep], always_kept=True)
            )
            continue
        actions.append(session_action(view, ", ".join(reasons), histories, force, closing=False))
    if selection.orphans:
        actions += _orphan_worktrees(views, histories, force, root)
    return actions


def _merged(record: SessionRecord, histories: Histories) -> bool:
    info = record.worktree_info
    if record.repos or not (info.owns_worktree and info.repo_root and info.branch):
        return False  # a --no-worktree session has no branch of its own to have merged
    if not info.base_branch:
        return False
    history = histories.at(Path(info.repo_root))
    repo = history.repo
    return merged_for_real(
        history, repo.branch_oid(info.branch), repo.branch_oid(info.base_branch), info.base_oid
    )


def _orphan_worktrees(
    views: list[SessionView], histories: Histories, force: bool, root: Path | None
) -> list[Action]:
    """Stale worktree records, and worktrees q-tmux made whose session file is gone.

    Looked for in every session's repository, and in ``root``, the current one.
    """
    actions: list[Action] = []
    known = {view.work_dir for view in views}
    roots = {root} if root is not None else set()
    for view in views:
        if view.record is not None:
            roots |= {part.repo_root for part in parts_of(view.record)}
        elif view.entry.repo_root:
            roots.add(Path(view.entry.repo_root))
    for root in sorted(roots):
        try:
            history = histories.at(root)
        except QTmuxError:
            continue  # not a repository (any more): nothing of git's to tidy there
        repo = history.repo
        worktrees = repo.worktrees()
        stale = [w for w in worktrees[1:] if w.prunable]
        if stale:
            action = Action(
                "stale worktree records",
                str(root),
                "their directories are gone (git worktree prune)",
                history=history,
            )
            # A worktree moved by hand loses its record, and with it a detached HEAD's anchor.
            for worktree in stale:
                if worktree.head is None:
                    continue
                unreached = count_unreached(repo, worktree.head, dropping=[], keeping=[])
                if unreached:
                    risk = Risk(worktree.path, head=worktree.head, head_commits=unreached)
                    risk.head_detached = worktree.detached
                    action.risks.append(risk)
                    if not force:
                        action.blocked += risk.reasons()
            actions.append(action)
        for worktree in worktrees[1:]:
            if worktree.prunable or worktree.path in known:
                continue
            if not (worktree.path / ".amazonq" / "session.json").exists() and _made_by_us(
                worktree.path, views
            ):
                risk = judge(history, worktree.path, worktree.branch, None, deleting_branch=False)
                action = Action(
                    "orphan worktree",
                    worktree.path.name,
                    "a q-tmux worktree without a session",
                    history=history,
                    path=worktree.path,
                    risks=[risk],
                )
                if not force:
                    action.blocked += risk.reasons()
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


# -- carrying it out --------------------------------------------------------------------


def apply(action: Action, force: bool) -> None:
    """Carry out ``action`` (which must not be blocked), saving archive refs when forced."""
    if action.what == "registry entry":
        assert action.view is not None
        registry.remove(action.view.entry.id)
        action.done.append("registry entry removed")
    elif action.what == "stale worktree records":
        assert action.repo is not None
        if force:
            assert action.history is not None
            for risk in action.risks:
                assert risk.work_dir is not None
                action.done += archive_risk(action.history, risk.work_dir.name, risk)
        action.repo.prune_worktrees()
        action.done.append("pruned")
    elif action.what == "orphan worktree":
        assert action.repo is not None
        assert action.history is not None
        assert action.path is not None
        if force:
            for risk in action.risks:
                action.done += archive_risk(action.history, action.name, risk)
        result = action.repo.remove_worktree(action.path, force=force)
        if not result.ok:
            action.blocked.append(result.first_error_line())
            return
        action.repo.prune_worktrees()
        action.done.append(f"worktree {action.path} removed")
    else:
        remove_session(action, force)


def remove_session(action: Action, force: bool) -> None:
    """Close, archive if forced, remove every worktree and branch, and archive the record.

    Each step is journaled or safe to repeat: a rerun after a kill finishes the job
    without saving anything twice.
    """
    record, view = action.record, action.view
    assert record is not None
    assert view is not None
    journal = removal_journal(record.id)
    if not journal.data.get("record"):
        journal.record(record=record.model_dump(mode="json"), force=force)
    step_done("remove:journal")
    force = force or bool(journal.data.get("force"))
    # The window first: an agent still running could change files after they were saved.
    own_window = _close_window(view, record)
    if view.window is not None:
        action.done.append("window closed")
    step_done("remove:window")
    if force and "archived" not in journal.data:
        saved: list[str] = []
        for part, history, _ in action.parts:
            work_dir = part.work_dir if part.work_dir.is_dir() else None
            risk = judge(history, work_dir, part.branch, part.base_branch)  # as it is now
            saved += archive_risk(history, part.branch or record.name, risk)
        journal.record(archived=saved)
    action.done += journal.data.get("archived", [])
    step_done("remove:archive")
    _step_out_of([view.work_dir, *(part.work_dir for part, _, _ in action.parts)], action)
    for part, history, _ in action.parts:
        if not part.work_dir.exists():
            continue
        if not force:  # judged again: the agent may have written until its window closed
            late = judge(history, part.work_dir, part.branch, part.base_branch).reasons()
            if late:
                action.blocked += late
                journal.finish()
                return
        result = history.repo.remove_worktree(part.work_dir, force=force)
        if not result.ok:
            action.blocked.append(result.first_error_line())
            journal.finish()
            return
        history.repo.prune_worktrees()
        action.done.append(f"worktree {part.work_dir} removed")
    step_done("remove:worktree")
    for part, history, _ in action.parts:
        action.done += _delete_branch(history, part)
    step_done("remove:branch")
    if record.repos:
        from q_tmux.merge.workspace import remove_session_folder

        if not remove_session_folder(view.work_dir, record):
            action.done.append(f"kept {view.work_dir}: it holds files that are not q-tmux's")
    elif not parts_of(record):
        _remove_own_files(view.work_dir, record.agent.files)
    registry.archive(record.id, record.model_dump(mode="json"))
    action.done.append("record archived")
    step_done("remove:record")
    journal.finish()
    if own_window is not None:
        own_window()


def _step_out_of(folders: list[Path], action: Action) -> None:
    """Leave a folder about to be removed: git cannot run from a deleted current directory."""
    try:
        current: Path | None = Path.cwd()
    except OSError:
        current = None
    if current is not None and not any(current.is_relative_to(f) for f in folders):
        return
    refuge = action.parts[0][0].repo_root if action.parts else Path.home()
    os.chdir(refuge if refuge.is_dir() else Path.home())


def _delete_branch(history: History, part: Part) -> list[str]:
    repo = history.repo
    if not part.branch:
        return []
    tip = repo.branch_oid(part.branch)
    if tip is None:
        return []
    for worktree in repo.worktrees():
        if worktree.branch == part.branch:
            return [f"branch {part.branch} kept: it is checked out in {worktree.path}"]
    base_oid = repo.branch_oid(part.base_branch) if part.base_branch else None
    ref = delete_branch_keeping_commits(history, part.branch, tip, base_oid)
    done = [restore_hint("branch", part.branch, ref)] if ref else []
    return [*done, f"branch {part.branch} deleted"]


def _close_window(view: SessionView, record: SessionRecord) -> Callable[[], None] | None:
    """Close the session's window; when it runs this command, return a call that closes it last."""
    if view.window is None or not record.tmux.socket:
        return None
    from q_tmux.adapters.tmux import Tmux

    owner = Tmux(socket_path=record.tmux.socket)
    window_id = view.window.window_id
    if owner.current_q_session() == record.id:
        return lambda: owner.kill_window(window_id)
    owner.kill_window(window_id)
    return None


def _remove_own_files(work_dir: Path, files: list[str]) -> None:
    """A --no-worktree session's directory is the user's: remove only q-tmux's files there."""
    for relative in [SESSION_FILE, *files]:
        (work_dir / relative).unlink(missing_ok=True)
