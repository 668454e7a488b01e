"""``cleanup`` and ``rm``: which sessions to remove, and removing them without losing work.

The plan (:func:`plan`, :func:`session_action`) judges each session with the
one safe removal of :mod:`q_tmux.merge.removal`: nothing holding work is
removed without ``--force``, and a forced removal first saves each piece in
its own archive ref.

A removal is journaled in the state dir before its first change, so a
removal killed at any step is finished by the next ``cleanup`` or ``rm``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from q_tmux.adapters.git import (
    CommitOid,
    History,
    Repo,
    count_unreached,
)
from q_tmux.errors import QTmuxError
from q_tmux.merge import journal as merge_journal
from q_tmux.merge.removal import (
    SESSION_FILE,
    archive_risk,
    delete_branch,
    remove_checkout,
)
from q_tmux.merge.removal import (
    Risk as Risk,
)
from q_tmux.merge.removal import (
    judge as judge,
)
from q_tmux.merge.removal import restore_hint as restore_hint
from q_tmux.sessions.views import SessionView, server_for
from q_tmux.store import jsonfile, paths, registry
from q_tmux.store.journals import step_done
from q_tmux.store.schema import Record
from q_tmux.store.session_file import SessionRecord

if TYPE_CHECKING:
    from q_tmux.adapters.tmux import Tmux


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


def close_window(
    view: SessionView, record: SessionRecord, tmux: Tmux | None = None
) -> Callable[[], None] | None:
    """Close the session's window; when it runs this command, return a call that closes it last.

    ``tmux``: the server the command talks to, used when the record names no socket.
    """
    if view.window is None:
        return None
    if tmux is not None:
        owner = server_for(tmux, record.tmux.socket)
    elif record.tmux.socket:
        from q_tmux.adapters.tmux import Tmux

        owner = Tmux(socket_path=record.tmux.socket)
    else:
        return None
    window_id = view.window.window_id
    if owner.current_q_session() == record.id:
        return lambda: owner.kill_window(window_id)  # closing it now would end this command
    owner.kill_window(window_id)
    return None


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


class Removal(Record, extra="ignore"):
    """The journal of a session's removal (``rm``, ``cleanup``), in the state dir until done."""

    record: SessionRecord
    force: bool = False
    #: The restore hints of what --force archived; None until that step is done.
    archived: list[str] | None = None

    def save(self) -> None:
        jsonfile.write_atomic(_removal_path(self.record.id), self.to_dict())

    def finish(self) -> None:
        jsonfile.remove_with_empty_folder(_removal_path(self.record.id))


def _removal_path(session_id: str) -> Path:
    return paths.state_dir() / "remove" / f"{session_id}.json"


def removal_journal(session_id: str) -> Removal | None:
    """The journal of an interrupted removal of ``session_id``, if any (an unreadable one: none)."""
    return _read_removal(_removal_path(session_id))


def _read_removal(path: Path) -> Removal | None:
    try:
        return Removal.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):  # ValueError: not JSON, or not a journal
        return None


def forget_finished_removals(views: list[SessionView]) -> None:
    """Drop the journals of removals killed after archiving the record: only they were left."""
    known = {view.entry.id for view in views}
    folder = paths.state_dir() / "remove"
    for path in sorted(folder.glob("*.json")):
        if path.stem not in known:
            path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # only when no other removal's journal is there
        folder.rmdir()


def session_action(
    view: SessionView, reason: str, histories: Histories, force: bool, *, closing: bool
) -> Action:
    """Removing ``view``'s session, judged; ``closing``: a running agent does not keep it."""
    journal = removal_journal(view.entry.id)
    record = view.record
    if journal is not None:
        record = journal.record
        reason = "finishing an interrupted removal"
        force = force or journal.force
    assert record is not None
    action = Action("session", record.name, reason, view=view, record=record)
    if merge_journal.under_way(view.entry.id, [part.repo_root for part in parts_of(record)]):
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
        if removal_journal(view.entry.id) is not None:
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
    if journal is None:
        journal = Removal(record=record, force=force)
        journal.save()
    step_done("remove:journal")
    force = force or journal.force
    # The window first: an agent still running could change files after they were saved.
    own_window = close_window(view, record)
    if view.window is not None:
        action.done.append("window closed")
    step_done("remove:window")
    if force and journal.archived is None:
        saved: list[str] = []
        for part, history, _ in action.parts:
            work_dir = part.work_dir if part.work_dir.is_dir() else None
            risk = judge(history, work_dir, part.branch, part.base_branch)  # as it is now
            saved += archive_risk(history, part.branch or record.name, risk)
        journal.archived = saved
        journal.save()
    action.done += journal.archived or []
    step_done("remove:archive")
    _step_out_of([view.work_dir, *(part.work_dir for part, _, _ in action.parts)], action)
    for part, history, _ in action.parts:
        if not part.work_dir.exists():
            continue
        # Judged again unless forced: the agent may have written until its window closed.
        kept = remove_checkout(history, part.work_dir, part.branch, part.base_branch, force=force)
        if kept is not None:
            action.blocked.append(kept)
            journal.finish()
            return
        action.done.append(f"worktree {part.work_dir} removed")
    step_done("remove:worktree")
    for part, history, _ in action.parts:
        if part.branch:
            outcome = delete_branch(history, part.branch)
            action.done += outcome.done + ([outcome.kept] if outcome.kept else [])
    step_done("remove:branch")
    if record.repos:
        from q_tmux.merge.removal import remove_session_folder

        if not remove_session_folder(view.work_dir, record):
            action.done.append(f"kept {view.work_dir}: it holds files that are not q-tmux's")
    elif not parts_of(record):
        _remove_own_files(view.work_dir, record.agent.files)
    registry.archive(record.id, record.to_dict())
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


def _remove_own_files(work_dir: Path, files: list[str]) -> None:
    """A --no-worktree session's directory is the user's: remove only q-tmux's files there."""
    for relative in [SESSION_FILE, *files]:
        (work_dir / relative).unlink(missing_ok=True)
