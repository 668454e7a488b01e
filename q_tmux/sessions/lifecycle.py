"""A session after it is made: close it, resume it, remove a temporary one that holds no work."""

from __future__ import annotations

from pathlib import Path

from q_tmux.adapters.git import Repo
from q_tmux.adapters.tmux import Tmux, WindowRef
from q_tmux.errors import QTmuxError
from q_tmux.sessions.agent_window import launch_agent, record_window, session_env, wire_agent
from q_tmux.sessions.create import SESSION_FILE
from q_tmux.sessions.notify import session_changed
from q_tmux.sessions.views import SessionView, server_for, session_record
from q_tmux.store import registry
from q_tmux.store.session_file import Status, StatusSource, session_file_path, write_session_file


def close_session(view: SessionView, tmux: Tmux) -> bool:
    """Kill the session's window, keep its worktree and branch; True when a window was closed."""
    record = session_record(view)
    closed = False
    if view.window is not None:
        server_for(tmux, record.tmux.socket).kill_window(view.window.window_id)
        closed = True
    record.tmux.window_id = None
    record.tmux.pane_id = None
    record.set_status(Status.EXITED, StatusSource.PROCESS)
    write_session_file(session_file_path(view.work_dir), record)
    if record.tmux.socket:
        session_changed(record.tmux.socket, watch=False)
    return closed


def remove_if_unused(view: SessionView) -> str | None:
    """A temporary (experiment) session that holds no work goes away on close.

    Removed only when its branch has no commit beyond where it started and its
    worktree no change at all; returns why it was kept, or None when removed.
    """
    from q_tmux.adapters.git import History, require_git, uncommitted
    from q_tmux.merge.removal import delete_branch, remove_checkout

    record = session_record(view)
    info = record.worktree_info
    if not (info.is_temporary and info.owns_worktree and info.repo_root and info.branch):
        return "it is not temporary"
    repo = Repo.discover(Path(info.repo_root))
    tip = repo.branch_oid(info.branch)
    if tip is None:
        return f"its branch {info.branch} is gone"
    if tip != info.base_oid:
        return f"branch {info.branch} has commits"
    changes = [p for p in uncommitted(repo, view.work_dir) if p != SESSION_FILE]
    if changes:
        return f"its worktree has changes ({', '.join(changes[:5])})"
    # The one safe removal: its HEAD is judged too (a commit on a detached HEAD is work).
    history = History(repo, require_git())
    kept = remove_checkout(history, view.work_dir, info.branch, info.base_branch)
    if kept is not None:
        return kept
    delete_branch(history, info.branch)
    registry.remove(record.id)
    return None


def resume_session(view: SessionView, tmux: Tmux) -> WindowRef | None:
    """Start the agent again with its resume command; None when it already runs."""
    if view.worktree_missing:
        raise QTmuxError(f"Session '{view.entry.name}' cannot be resumed: {view.work_dir} is gone.")
    record = session_record(view)
    if view.alive:
        return None
    wire_agent(record, view.work_dir, None)  # again: q-tmux may have moved since
    command = record.agent.resume_command or record.agent.command
    if view.window is not None:  # the window stayed, its agent exited: reuse the window
        server_for(tmux, record.tmux.socket).respawn(
            view.window.pane_id, cwd=view.work_dir, command=command, env=session_env(record)
        )
        reused = view.window_ref(tmux.socket_path)
        assert reused is not None
        window = reused
    else:
        scope = Path(view.entry.repo_root or view.work_dir)
        window, _ = launch_agent(tmux, record, scope, command)
    record_window(record, window)
    write_session_file(session_file_path(view.work_dir), record)
    session_changed(window.socket_path)
    return window
