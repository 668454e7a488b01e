"""``q-tmux list``: every session, its state, branch, worktree, window and last activity."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from q_tmux.cli.common import AppContext, cwd, note, say

if TYPE_CHECKING:
    from q_tmux.sessions.views import SessionView
    from q_tmux.store.facts import FactStore
    from q_tmux.store.session_file import WorktreeInfo


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """``42s ago``, ``5m ago``, ``3h ago``, ``2d ago``."""
    if moment is None:
        return "-"
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def short_path(path: Path) -> str:
    home = Path.home()
    return "~/" + str(path.relative_to(home)) if path.is_relative_to(home) else str(path)


@dataclass(frozen=True)
class BranchFacts:
    ahead: int
    behind: int
    conflicts: tuple[str, ...] | None  # None: unknown (git older than 2.38)


def facts_key(session_id: str, repo: WorktreeInfo | None = None) -> str:
    """Where :func:`branch_facts` keeps a session's facts, or one workspace repository's."""
    return f"{session_id}/{repo.workspace_path}" if repo is not None else session_id


def branch_facts(views: list[SessionView], *, refresh: bool = False) -> dict[str, BranchFacts]:
    """Ahead/behind the base and predicted merge conflicts, by :func:`facts_key`.

    Tips are read from the ref files and everything else from the repository's
    fact file (:mod:`q_tmux.store.facts`): git runs only for a (base, tip) not
    seen before, or for every one with ``refresh``.
    """
    from q_tmux.errors import QTmuxError
    from q_tmux.store.facts import FactStore

    if TYPE_CHECKING:
        from q_tmux.merge.facts import CachedHistory

    facts: dict[str, BranchFacts] = {}
    stores: dict[str, FactStore] = {}
    histories: dict[str, CachedHistory] = {}
    for view in views:
        if view.worktree_missing or view.record is None:
            continue
        record = view.record
        branches = [(facts_key(record.id, each), each) for each in record.repos]
        if record.worktree_info.owns_worktree:
            branches.append((facts_key(record.id), record.worktree_info))
        for key, info in branches:
            if not info.repo_root:
                continue
            if not refresh:
                store = stores.setdefault(info.repo_root, FactStore(info.repo_root))
                known = _known_facts(store, info)
                if known is not None:
                    facts[key] = known
                    continue
            if info.repo_root not in histories:
                from q_tmux.merge.facts import CachedHistory  # git's whole adapter: only now

                histories[info.repo_root] = CachedHistory(info.repo_root, refresh=refresh)
            history = histories[info.repo_root]
            try:
                tip = history.branch(info.branch or "")
                base = history.branch(info.base_branch or "")
                if tip is None or base is None:
                    continue
                ahead, behind = history.ahead_behind(base, tip)
                prediction = history.predict(base, tip)
            except QTmuxError:
                continue  # a broken repository, or no git: the row shows what the file says
            conflicts = None if prediction.clean is None else prediction.conflicts
            facts[key] = BranchFacts(ahead, behind, conflicts)
    for history in histories.values():
        history.save()
    return facts


def _known_facts(store: FactStore, info: WorktreeInfo) -> BranchFacts | None:
    """A branch's facts when every one is known already: no process, no git adapter."""
    from q_tmux.adapters import refs
    from q_tmux.store.facts import key

    common = refs.common_dir_of(info.repo_root or "")
    if common is None or not info.branch or not info.base_branch:
        return None
    tip, base = refs.read_branch(common, info.branch), refs.read_branch(common, info.base_branch)
    if tip is None or base is None:
        return None
    counts, prediction = (
        store.get(key("ahead-behind", base, tip)),
        store.get(key("predict", base, tip)),
    )
    from q_tmux.store.facts import is_counts, is_prediction

    if not is_counts(counts) or not is_prediction(prediction):
        return None  # unknown, or a file not of our making: the slow path computes it
    return BranchFacts(counts[0], counts[1], tuple(prediction["conflicts"]))


def _branch_text(info: WorktreeInfo, facts: BranchFacts | None) -> str:
    text = f"{info.branch} → {info.base_branch}"
    if facts is not None:
        text += f" +{facts.ahead}/-{facts.behind}"
        if facts.conflicts:
            text += " CONFLICT"
    return text


def _row(view: SessionView, current: bool, facts: dict[str, BranchFacts]) -> list[str]:
    record = view.record
    info = record.worktree_info if record else None
    if record and record.repos:
        branch = f"{record.repos[0].branch} in {len(record.repos)} repositories"
    elif record and info and info.branch and info.base_branch and info.owns_worktree:
        branch = _branch_text(info, facts.get(facts_key(record.id)))
    elif info and info.branch:
        branch = f"({info.branch})"
    else:
        branch = "-"
    if view.window is not None:
        window = view.window.window_id + ("" if view.alive else " (dead)")
    else:
        window = "-" if view.worktree_missing or record is None else "resumable"
    return [
        "*" if current else " ",
        view.entry.name,
        view.state + (" (stalled)" if _stalled(view) else ""),
        branch,
        short_path(view.work_dir),
        window,
        ago(record.last_active if record else None),
    ]


def _stalled(view: SessionView) -> bool:
    """Busy, but its screen has not changed for ``stalled_minutes`` (the watcher says)."""
    from q_tmux.store.record import BUSY

    busy = view.state in BUSY
    return busy and view.record is not None and view.record.stalled_since is not None


def _repo_rows(view: SessionView, facts: dict[str, BranchFacts]) -> list[list[str]]:
    """One line per repository of a workspace session, under its row."""
    if view.record is None:
        return []
    return [
        ["", "", "", f"  {each.workspace_path}: " + _branch_text(each, facts.get(key)), "", "", ""]
        for each in view.record.repos
        for key in [facts_key(view.record.id, each)]
    ]


def _server_json(socket: str | None) -> str | None:
    """The server's ``-L`` name, or its socket path when it lives elsewhere."""
    label = server_label(socket)
    return None if socket is None else label.removeprefix("-L ")


def _facts_json(facts: BranchFacts | None) -> dict[str, Any]:
    return {
        "ahead": facts.ahead if facts else None,
        "behind": facts.behind if facts else None,
        "merge_conflicts": (
            list(facts.conflicts) if facts and facts.conflicts is not None else None
        ),
    }


def _as_json(view: SessionView, current: bool, facts: dict[str, BranchFacts]) -> dict[str, Any]:
    record = view.record
    return {
        **_facts_json(facts.get(view.entry.id)),
        "id": view.entry.id,
        "name": view.entry.name,
        "group": record.group if record else None,
        "state": view.state,
        "stalled": _stalled(view),
        "current": current,
        "work_dir": view.entry.work_dir,
        "repo_root": view.entry.repo_root,
        "worktree_missing": view.worktree_missing,
        "problem": view.problem,
        "window": None
        if view.window is None
        else {
            "window_id": view.window.window_id,
            "pane_id": view.window.pane_id,
            "pane_dead": view.window.pane_dead,
            "tmux_session": view.window.tmux_session,
        },
        "repos": [
            {
                "path": each.workspace_path,
                "worktree": each.path,
                "repo_root": each.repo_root,
                "branch": each.branch,
                "base": each.base_branch,
                **_facts_json(facts.get(facts_key(view.entry.id, each))),
            }
            for each in (record.repos if record else [])
        ],
        "session": record.model_dump(mode="json") if record else None,
    }


def pending_requests(views: list[SessionView]) -> dict[str, dict[str, str | None]]:
    """``pending_request`` of each session waiting for approval, by id: read from its screen
    now (one capture each), so it is the very request ``q-tmux approve`` would answer."""
    from q_tmux.sessions.approval import pending_request
    from q_tmux.store.record import Reason, Status

    found: dict[str, dict[str, str | None]] = {}
    for view in views:
        record, window = view.record, view.window
        if record is None or window is None or not view.alive or not record.tmux.socket:
            continue
        if (record.status, record.waiting_reason) != (Status.WAITING, Reason.APPROVAL):
            continue
        request = pending_request(record.tmux.socket, window.pane_id, record.agent.preset)
        if request is not None:
            found[view.entry.id] = {"text": request[0], "tool": request[1]}
    return found


def _socket(view: SessionView) -> str | None:
    return view.record.tmux.socket if view.record is not None else None


def server_label(socket: str | None) -> str:
    """How a user names a server: ``-L NAME`` for tmux's own socket folder, else the path."""
    if socket is None:
        return "-"
    from q_tmux.adapters.tmux_vocabulary import socket_path

    folder, name = os.path.split(socket)
    return f"-L {name}" if folder == os.path.dirname(socket_path("default")) else socket


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--refresh", is_flag=True, help="Compute ahead/behind and conflicts again.")
@click.pass_obj
def list_sessions(app: AppContext, *, as_json: bool, refresh: bool) -> int:
    """List sessions: status, branch → base, worktree, window, last activity."""
    from q_tmux.sessions.fanout import group_of, grouped
    from q_tmux.sessions.views import current_session_id, load_views

    tmux = app.tmux()
    views, problems = load_views(tmux)
    views = grouped(views, group_of)  # a fan-out's sessions together
    chosen = app.socket_name is not None
    if chosen:  # the server asked for first; sorted() keeps the rest in their order
        views = sorted(views, key=lambda view: _socket(view) != tmux.socket_path)
    current = current_session_id(tmux, views, cwd())
    facts = branch_facts(views, refresh=refresh)
    if as_json:
        pending = pending_requests(views)
        items = [
            {
                **_as_json(v, v.entry.id == current, facts),
                "server": _server_json(_socket(v)),
                **({"pending_request": pending[v.entry.id]} if v.entry.id in pending else {}),
            }
            for v in views
        ]
        say(json.dumps(items, indent=2))
        for problem in problems:
            note(f"warning: {problem}")
        return 0
    for problem in problems:
        note(f"warning: {problem}")
    if not views:
        say('No sessions yet. Start one with: q-tmux new NAME "first message"')
        return 0
    header = [" ", "NAME", "STATUS", "BRANCH → BASE", "WORKTREE", "WINDOW", "ACTIVE"]
    groups = any(group_of(v) for v in views)
    if groups:
        header.insert(2, "GROUP")
    # Under -L, sessions of other servers say where they are.
    elsewhere = chosen and any(_socket(v) not in (None, tmux.socket_path) for v in views)
    if elsewhere:
        header.append("SERVER")
    rows = [header]
    for view in views:
        row = _row(view, view.entry.id == current, facts)
        repo_rows = _repo_rows(view, facts)
        if groups:
            row.insert(2, view.record.group or "" if view.record else "")
            repo_rows = [[*each[:2], "", *each[2:]] for each in repo_rows]
        if elsewhere:
            socket = _socket(view)
            row.append("" if socket == tmux.socket_path else server_label(socket))
            repo_rows = [[*each, ""] for each in repo_rows]
        rows += [row, *repo_rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    for view in views:
        if view.problem:
            note(f"{view.entry.name}: {view.problem}")
    return 0
