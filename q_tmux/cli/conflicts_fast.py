"""``q-tmux conflicts`` without click: its options read by hand, and how its reports are shown.

The click command (:mod:`q_tmux.cli.conflicts`) shows its reports with
:func:`show` too, so both paths print the same bytes. Standard library only.
"""

from __future__ import annotations

import sys

from q_tmux.cli.fastpath import CONFLICTS_OPTIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from q_tmux.merge.conflicts import Report


def conflicts_command(options: list[str]) -> int | None:
    """Run ``conflicts [--json] [--refresh]`` from the fact files and ref files; None when the
    click command must answer (other options, ``--help``, or what this path cannot be sure of)."""
    if not set(options) <= set(CONFLICTS_OPTIONS):
        return None  # let click explain
    from q_tmux.merge import conflicts_fast

    as_json, refresh = (option in options for option in CONFLICTS_OPTIONS)
    try:
        reports, sockets = conflicts_fast.reports(refresh=refresh)
    except conflicts_fast.Unsure:
        return None
    show(reports, overlaps(reports, sockets), as_json=as_json, say=print, note=_note)
    return 0


def _note(message: str) -> None:
    sys.stdout.flush()  # in the order click's echo gives, which flushes each line
    print(f"q-tmux: {message}", file=sys.stderr)


def _verdict(conflicts: tuple[str, ...] | None, clean: str) -> str:
    if conflicts is None:
        return "conflicts unknown (git 2.38 or newer predicts them)"
    return "would CONFLICT in " + ", ".join(conflicts) if conflicts else clean


def overlaps(
    reports: dict[str, Report], sockets: dict[str, str]
) -> dict[str, list[tuple[str, str, list[str]]]]:
    """Per repository, the sessions that change a same file, committed or not, as the
    watcher last saw them (its awareness summary, kept per tmux ``sockets[root]``)."""
    from q_tmux.tracking.awareness import fresh_summary, pairs

    return {root: pairs(fresh_summary(root, sockets[root])) for root in reports}


def show(
    reports: dict[str, Report],
    overlap: dict[str, list[tuple[str, str, list[str]]]],
    *,
    as_json: bool,
    say: Callable[[str], None],
    note: Callable[[str], None],
) -> None:
    """Print each repository's report and ``overlap`` (``note``: what goes to stderr)."""
    if as_json:
        import json  # only here: reading the facts needs no json (q_tmux.store.jsontext)

        say(
            json.dumps(
                {
                    root: {
                        "sessions": [session.as_json() for session in report.sessions],
                        "pairs": [pair.as_json() for pair in report.pairs],
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
        return
    if not reports:
        say("No sessions with branches.")
        return
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
