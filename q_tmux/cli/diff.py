"""``q-tmux diff [NAME]``: what a session would bring to its base, through git's diff and pager."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, target_session
from q_tmux.cli.completion import complete_session_name

if TYPE_CHECKING:
    from q_tmux.sessions.diffs import RepoDiff


def render(diffs: list[RepoDiff]) -> str:
    """The diffs as one text; a workspace session's are headed per repository."""
    parts = []
    for diff in diffs:
        if diff.heading is None:
            parts.append(diff.text)
            continue
        body = diff.text or "(no changes)\n"
        parts.append(f"=== {diff.heading}: {diff.branch} vs {diff.base} ===\n{body}")
    return "\n".join(part for part in parts if part)


@click.command()
@click.argument("name", required=False, shell_complete=complete_session_name)
@click.option("--stat", is_flag=True, help="Only the files changed and how much (git's --stat).")
@click.pass_obj
def diff(app: AppContext, name: str | None, *, stat: bool) -> int:
    """What session NAME (default: this one) would bring to its base, committed or not.

    Compared with where the session branched from its base, so the base's newer
    commits never show; untracked files show as new files. On a terminal the
    diff goes through your git pager.
    """
    from q_tmux.adapters import process
    from q_tmux.adapters.git import Repo, user_pager
    from q_tmux.sessions.diffs import session_diff
    from q_tmux.sessions.views import load_views

    views, _ = load_views(app.tmux())
    view = target_session(app, views, name)
    terminal = sys.stdout.isatty()
    diffs = session_diff(view, stat=stat, colour=None if terminal else False)
    text = render(diffs)
    if not terminal:
        click.echo(text, nl=False)
        return 0
    if text:
        where = diffs[0].path
        process.page(text, user_pager(Repo.discover(where), where))
    return 0
