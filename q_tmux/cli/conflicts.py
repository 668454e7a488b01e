"""``q-tmux conflicts``: which live sessions touch the same files, and which would conflict.

A plain ``conflicts`` is answered by :mod:`q_tmux.cli.conflicts_fast` without
click; this command answers where that one cannot be sure, and for ``--help``.
"""

from __future__ import annotations

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
    from q_tmux.merge.conflicts_fast import analyse_all, by_repository
    from q_tmux.merge.facts import CachedHistory
    from q_tmux.sessions.fanout import group_of
    from q_tmux.sessions.grouping import grouped
    from q_tmux.sessions.views import load_views

    views, _ = load_views(app.tmux())
    views = grouped(views, group_of)  # a fan-out's sessions together
    by_repo, sockets = by_repository(  # sockets: where the watcher's summary of each is kept
        (
            record.name,
            record.group,
            record.tmux.socket or "",
            [
                (info.repo_root, info.owns_worktree, info.branch, info.base_branch)
                # A workspace session has a worktree in each of its repositories.
                for info in (record.repos if record.is_workspace else [record.worktree_info])
            ],
        )
        for view in views
        if (record := view.record) is not None and not view.worktree_missing
    )
    # Facts already known for these commits are reused; git runs for the rest.
    reports = analyse_all(by_repo, lambda root: CachedHistory(root, refresh=refresh))
    show(reports, overlaps(reports, sockets), as_json=as_json, say=say, note=note)
    return 0
