"""``q-tmux sync [NAME]``: bring the base's new commits into a session's branch, in its worktree."""

from __future__ import annotations

import click

from q_tmux.cli.common import AppContext, note, say, target_session
from q_tmux.cli.completion import complete_session_name


@click.command()
@click.argument("name", required=False, shell_complete=complete_session_name)
@click.option("--rebase", is_flag=True, help="Rebase the session's branch instead of merging.")
@click.option(
    "--ask-agent", is_flag=True, help="On conflicts, ask the session's agent to fix them."
)
@click.pass_obj
def sync(app: AppContext, name: str | None, *, rebase: bool, ask_agent: bool) -> int:
    """Bring the base's new commits into session NAME (default: this one)."""
    from q_tmux.merge.sync import sync as run
    from q_tmux.sessions.recovery import recover

    recover(note)
    return run(
        app.tmux(),
        lambda views: target_session(app, views, name),
        rebase=rebase,
        ask_agent=ask_agent,
        say=say,
    )
