"""``q-tmux rename OLD NEW``: a session's name, its window and, without an upstream, its branch."""

from __future__ import annotations

from pathlib import Path

from q_tmux.commands.common import AppContext, cwd, note, say


def rename(app: AppContext, old: str, new: str) -> int:
    from q_tmux import registry
    from q_tmux.decisions import NameTaken
    from q_tmux.errors import NameInUseError, QTmuxError
    from q_tmux.git import Repo
    from q_tmux.names import check_name
    from q_tmux.session_file import session_file_path, write_session_file
    from q_tmux.sessions import find_session, load_views, server_for, session_record

    check_name(new)
    tmux = app.tmux()
    views, _ = load_views(tmux)
    view = find_session(views, old, tmux, cwd())
    record = session_record(view)
    if new == record.name:
        say(f"'{new}' is already its name.")
        return 0
    info = record.worktree_info
    scope = view.entry.repo_root or view.entry.work_dir
    repo = Repo.discover(Path(info.repo_root)) if info.owns_worktree and info.repo_root else None
    if NameTaken(scope=Path(scope))(new):
        raise NameInUseError(f"A session named '{new}' already exists for {scope}.")
    branch = info.branch
    if repo is not None and branch:
        upstream = repo.git("config", "--get", f"branch.{branch}.remote").ok
        renamed = branch[: -len(record.name)] + new if branch.endswith(record.name) else None
        if upstream or renamed is None:
            note(
                f"kept branch '{branch}': "
                + ("it has an upstream." if upstream else "its name does not follow the session's.")
            )
        else:
            if repo.branch_oid(renamed) is not None:
                raise NameInUseError(f"A branch named '{renamed}' already exists.")
            result = repo.git("branch", "-m", branch, renamed)
            if not result.ok:
                raise QTmuxError(
                    f"Could not rename branch '{branch}': {result.first_error_line()}."
                )
            info.branch = renamed
            say(f"Branch '{branch}' is now '{renamed}'.")
    if record.repos:
        note(
            f"kept the branches '{record.repos[0].branch}' of its {len(record.repos)} repositories."
        )
    record.name = new
    write_session_file(session_file_path(view.work_dir), record)
    registry.update(record.id, name=new)
    if view.window is not None:
        server_for(tmux, record.tmux.socket).rename_window(view.window.window_id, new)
    say(f"Session '{old}' is now '{new}' (its worktree stays at {view.work_dir}).")
    return 0
