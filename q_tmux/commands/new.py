"""``q-tmux new``: a session in its own worktree, branch and tmux window."""

from __future__ import annotations

from q_tmux.commands.common import AppContext, cwd, go_to, note, say


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
