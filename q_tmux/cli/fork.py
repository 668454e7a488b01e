"""``q-tmux fork NAME [NEW]``: a new session from a session's branch tip and uncommitted changes."""

from __future__ import annotations

import click

from q_tmux.cli.common import AppContext, client_option, cwd, note, say
from q_tmux.cli.completion import complete_session_name


@click.command()
@click.argument("name", shell_complete=complete_session_name)
@click.argument("new_name", metavar="[NEW]", required=False)
@click.option("-d", "--detach", is_flag=True, help="Do not switch to or attach the new window.")
@client_option
@click.pass_obj
def fork(app: AppContext, name: str, new_name: str | None, detach: bool, client: str | None) -> int:
    """Start session NEW (default NAME-fork) where NAME is, with NAME's uncommitted changes.

    NAME is left as it is. The new session has NAME's base; its agent continues
    a copy of NAME's conversation where the agent can fork one (Claude Code),
    else it starts with a first message saying what it was forked from.
    """
    from q_tmux.adapters.tmux import require_tmux
    from q_tmux.cli.new import show_window, started_line
    from q_tmux.sessions.carry import fork_session

    app.client = client
    require_tmux()
    tmux = app.tmux()
    created = fork_session(name, new_name, cwd(), tmux, note)
    for line in created.notes:
        note(line)
    say(
        started_line(created, created.record.session_type).replace(
            " started:", f" forked from '{name}':", 1
        )
    )
    show_window(tmux, created.window, detach=detach)
    return 0
