"""``q-tmux new``: a session in its own worktree, branch and tmux window."""

from __future__ import annotations

import click

from q_tmux.commands.common import AppContext, cwd, go_to, note, say


def ask_for_session(name: str | None, message: str | None) -> tuple[str, str | None] | None:
    """Ask for a name (until a valid one) and a first message; None when the user gives up."""
    from q_tmux.errors import InvalidNameError
    from q_tmux.names import check_name

    while True:
        if name is None:
            name = click.prompt("Session name (empty to cancel)", default="", show_default=False)
            if not name.strip():
                return None
        try:
            check_name(name)
            break
        except InvalidNameError as error:
            click.echo(str(error), err=True)
            name = None
    if message is None:
        message = click.prompt("First message (optional)", default="", show_default=False).strip()
    return name, message or None


def new(
    app: AppContext,
    name: str,
    message: str | None,
    *,
    agent: str | None,
    base: str | None,
    no_worktree: bool,
    detach: bool,
) -> int:
    from q_tmux.agents import resolve_agent
    from q_tmux.config import load_config
    from q_tmux.git import require_git
    from q_tmux.names import check_name
    from q_tmux.sessions import NewSession, create_session
    from q_tmux.tmux import require_tmux

    check_name(name)
    require_tmux()
    if not no_worktree:
        require_git()
    config = load_config()
    resolved = resolve_agent(agent, message, config.default_agent)
    request = NewSession(
        name=name,
        first_message=message,
        agent=resolved,
        cwd=cwd(),
        base=base,
        no_worktree=no_worktree,
    )
    created = create_session(request, app.tmux(), config)
    for line in created.notes:
        note(line)
    info = created.record.worktree_info
    window = created.window
    if info.branch:
        base = f"{info.base_branch} ({(info.base_oid or '')[:8]})"
        where = f"branch {info.branch} from {base} in {info.path}"
    else:
        where = f"in {info.path} (no worktree)"
    say(
        f"Session '{name}' started: {where}; window {window.window_id} "
        f"in tmux session '{window.session_name}', agent {created.record.agent.preset}."
    )
    go_to(app.tmux(), window, detach=detach)
    return 0
