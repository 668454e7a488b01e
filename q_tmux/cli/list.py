"""``q-tmux list``: every session, its state, branch, worktree, window and last activity.

The executable answers a warm ``list`` without click (:mod:`q_tmux.cli.list_fast`);
this declaration runs when a session file needs the model's judgement, a fact
needs git, or for ``--refresh`` and ``--help``. Both render through
:mod:`q_tmux.sessions.listing`, so they print the same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, cwd, note, say
from q_tmux.cli.fastpath import JSON_OPTION, LIST, REFRESH_OPTION
from q_tmux.sessions.listing import BranchFacts, Entry, Listed, Window, facts_key, known_facts

if TYPE_CHECKING:
    from q_tmux.sessions.views import SessionView


def as_listed(view: SessionView) -> Listed:
    """``view`` as :mod:`q_tmux.sessions.listing` renders it (its record as the model dumps it)."""
    window, entry = view.window, view.entry
    return Listed(
        Entry(entry.id, entry.name, entry.work_dir, entry.repo_root, str(view.work_dir)),
        view.record.to_dict() if view.record is not None else None,
        view.problem,
        None
        if window is None
        else Window(window.window_id, window.pane_id, window.pane_dead, window.tmux_session),
        view.worktree_missing,
    )


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
        branches = [(facts_key(record.id, each.workspace_path), each) for each in record.repos]
        if record.worktree_info.owns_worktree:
            branches.append((facts_key(record.id), record.worktree_info))
        for key, info in branches:
            if not info.repo_root:
                continue
            if not refresh:
                store = stores.setdefault(info.repo_root, FactStore(info.repo_root))
                known = known_facts(store, info.repo_root, info.branch, info.base_branch)
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


@click.command(LIST)
@click.option(JSON_OPTION, "as_json", is_flag=True, help="Print JSON.")
@click.option(REFRESH_OPTION, is_flag=True, help="Compute ahead/behind and conflicts again.")
@click.pass_obj
def list_sessions(app: AppContext, *, as_json: bool, refresh: bool) -> int:
    """List sessions: status, branch → base, worktree, window, last activity."""
    from q_tmux.sessions import listing
    from q_tmux.sessions.fanout import group_of
    from q_tmux.sessions.grouping import grouped
    from q_tmux.sessions.views import current_session_id, load_views

    tmux = app.tmux()
    views, problems = load_views(tmux)
    views = grouped(views, group_of)  # a fan-out's sessions together
    chosen = app.socket_name is not None
    if chosen:  # the server asked for first; sorted() keeps the rest in their order
        views = sorted(views, key=lambda view: _socket(view) != tmux.socket_path)
    current = current_session_id(tmux, views, cwd())
    facts = branch_facts(views, refresh=refresh)
    listed = [as_listed(view) for view in views]
    if as_json:
        say(listing.render_json(listed, current, facts, listing.pending_requests(listed)))
    for problem in problems:
        note(f"warning: {problem}")
    if as_json:
        return 0
    for line in listing.render_table(listed, current, facts, tmux.socket_path, chosen=chosen):
        say(line)
    for item in listed:
        if item.problem:
            note(f"{item.entry.name}: {item.problem}")
    return 0


def _socket(view: SessionView) -> str | None:
    return view.record.tmux.socket if view.record is not None else None
