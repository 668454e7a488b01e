"""``q-tmux conflicts``: which live sessions touch the same files, and which would conflict."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict

import click

from q_tmux.cli.common import AppContext, note, say


def _verdict(conflicts: tuple[str, ...] | None, clean: str) -> str:
    if conflicts is None:
        return "conflicts unknown (git 2.38 or newer predicts them)"
    return "would CONFLICT in " + ", ".join(conflicts) if conflicts else clean


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--refresh", is_flag=True, help="Compute every prediction again.")
@click.pass_obj
def conflicts(app: AppContext, *, as_json: bool, refresh: bool) -> int:
    """Which live sessions touch the same files, and which would conflict, with a merge order."""
    from q_tmux.merge.conflicts import Checkout, Report, analyse
    from q_tmux.merge.facts import CachedHistory
    from q_tmux.sessions.fanout import group_of, grouped
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
    # Committed and uncommitted, as the watcher last saw them: what the agents are told.
    from q_tmux.tracking.awareness import fresh_summary, pairs

    overlap = {root: pairs(fresh_summary(root, sockets[root])) for root in reports}
    if as_json:
        say(
            json.dumps(
                {
                    root: {
                        "sessions": [
                            {**asdict(s), "files": sorted(s.files)} for s in report.sessions
                        ],
                        "pairs": [asdict(pair) for pair in report.pairs],
                        "merge_order": report.merge_order(),
                        "skipped": report.skipped,
                        "overlap": [
                            {"first": first, "second": second, "files": files}
                            for first, second, files in overlap[root]
                        ],
                    }
                    for root, report in reports.items()
                },
                indent=2,
            )
        )
        return 0
    if not reports:
        say("No sessions with branches.")
        return 0
    for root, report in reports.items():
        say(f"{root}:")
        for session in report.sessions:
            verdict = _verdict(session.conflicts_with_base, "merges cleanly")
            shown = session.name + (f" (group {session.group})" if session.group else "")
            say(
                f"  {shown:<24} {len(session.files):>3} file(s), +{session.ahead}/-"
                f"{session.behind} vs {session.base}: {verdict}"
            )
        if not report.pairs and not overlap[root]:
            say("  no two sessions change the same file")
        for pair in report.pairs:
            verdict = _verdict(pair.conflicts, "merge cleanly together")
            say(f"  {pair.first} and {pair.second}: share {', '.join(pair.shared)}; {verdict}")
        committed = {(pair.first, pair.second): set(pair.shared) for pair in report.pairs}
        for first, second, files in overlap[root]:
            known = committed.get((first, second), set()) | committed.get((second, first), set())
            if set(files) - known:
                say(f"  {first} and {second}: both change {', '.join(files)} (uncommitted too)")
        if len(report.sessions) > 1:
            say("  suggested merge order: " + ", ".join(report.merge_order()))
        for skipped in report.skipped:
            note(skipped)
    return 0
