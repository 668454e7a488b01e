"""``q-tmux conflicts``: which live sessions touch the same files, and which would conflict.

A plain ``conflicts`` is answered by :mod:`q_tmux.cli.conflicts_fast` without
click; this command answers where that one cannot be sure, and for ``--help``.
"""

from __future__ import annotations

from collections import defaultdict

import click

from q_tmux.cli.common import AppContext, note, say
from q_tmux.cli.fastpath import CONFLICTS_OPTIONS

JSON_OPTION, REFRESH_OPTION = CONFLICTS_OPTIONS


@click.command()
@click.option(JSON_OPTION, "as_json", is_flag=True, help="Print JSON.")
@click.option(REFRESH_OPTION, "refresh", is_flag=True, help="Compute every prediction again.")
@click.pass_obj
def conflicts(app: AppContext, *, as_json: bool, refresh: bool) -> int:
    """Which live sessions touch the same files, and which would conflict, with a merge order."""
    from q_tmux.cli.conflicts_fast import overlaps, show
    from q_tmux.merge.conflicts import Checkout, Report, analyse
    from q_tmux.merge.facts import CachedHistory
    from q_tmux.sessions.fanout import group_of
    from q_tmux.sessions.grouping import grouped
    from q_tmux.sessions.views import load_views

    views, _ = load_views(app.tmux())
    views = grouped(views, group_of)  # a fan-out's sessions together
    by_repo: dict[str, list[Checkout]] = defaultdict(list)
    sockets: dict[str, str] = {}  # where the watcher's awareness summary of each is kept
    for view in views:
        record = view.record
        if record is None or view.worktree_missing:
            continue
        # A workspace session has a worktree in each of its repositories.
        infos = record.repos if record.is_workspace else [record.worktree_info]
        for info in infos:
            if info.repo_root and info.owns_worktree:
                by_repo[info.repo_root].append(Checkout(record.name, info, record.group))
                sockets.setdefault(info.repo_root, record.tmux.socket or "")
    reports: dict[str, Report] = {}
    for root, checkouts in sorted(by_repo.items()):
        # Facts already known for these commits are reused; git runs for the rest.
        history = CachedHistory(root, refresh=refresh)
        try:
            reports[root] = analyse(checkouts, history)
        finally:
            history.save()
    show(reports, overlaps(reports, sockets), as_json=as_json, say=say, note=note)
    return 0
