"""Renaming a session: its name, its window and, without an upstream, its branch.

The branch, the session file, the registry and the window change one after
the other; a journal names them all first, so a rename killed midway is
finished by the next q-tmux command (see :mod:`q_tmux.sessions.recovery`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from q_tmux.store import journals

if TYPE_CHECKING:
    from q_tmux.adapters.tmux import Tmux


def rename(
    tmux: Tmux,
    old: str,
    new: str,
    where: Path,
    *,
    settled: list[str],
    say: Callable[[str], None],
    note: Callable[[str], None],
) -> int:
    """Rename session ``old`` (as found from folder ``where``) to ``new``; the exit code.

    ``settled`` is what recovering leftovers just did: a rename of this very
    session that had been interrupted and is now finished counts as done.
    """
    from q_tmux.adapters.git import Repo
    from q_tmux.errors import NameInUseError, SessionNotFoundError
    from q_tmux.sessions.decisions import NameTaken
    from q_tmux.sessions.names import check_name
    from q_tmux.sessions.views import find_session, load_views, session_record

    check_name(new)
    views, _ = load_views(tmux)
    try:
        view = find_session(views, old, tmux, where)
    except SessionNotFoundError:
        if any(finished_line(old, new) in line for line in settled):
            return 0  # this very rename had been interrupted, and is now done
        raise
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
    renamed: str | None = None
    if repo is not None and branch:
        upstream = repo.branch_remote(branch) is not None
        follows = branch.endswith(record.name)
        if upstream or not follows:
            note(
                f"kept branch '{branch}': "
                + ("it has an upstream." if upstream else "its name does not follow the session's.")
            )
        else:
            renamed = branch[: -len(record.name)] + new
            if repo.branch_oid(renamed) is not None:
                raise NameInUseError(f"A branch named '{renamed}' already exists.")
    if record.repos:
        note(
            f"kept the branches '{record.repos[0].branch}' of its {len(record.repos)} repositories."
        )
    window = view.window.window_id if view.window is not None else None
    with journals.begin(
        "rename",
        record.id,
        id=record.id,
        old=record.name,
        new=new,
        work_dir=view.entry.work_dir,
        repo_root=view.entry.repo_root,
        git_root=str(repo.main_worktree) if repo is not None and renamed else None,
        branch=branch if renamed else None,
        renamed=renamed,
        socket=record.tmux.socket,
        window_id=window,
    ) as journal:
        journals.step_done("rename:journal")
        if repo is not None and branch and renamed:
            repo.rename_branch(branch, renamed)
            journal.keep_on_error = True  # from here on, the rest is finished, never undone
            journals.step_done("rename:branch")
            say(f"Branch '{branch}' is now '{renamed}'.")
        apply_steps(journal.data)
    say(f"Session '{old}' is now '{new}' (its worktree stays at {view.work_dir}).")
    return 0


def apply_steps(data: dict[str, Any]) -> None:
    """Everything after the branch, each step safe to repeat: file, registry, window."""
    from q_tmux.adapters.tmux import Tmux
    from q_tmux.store import registry
    from q_tmux.store.session_file import read_session_file, session_file_path, write_session_file

    work_dir = Path(data["work_dir"])
    path = session_file_path(work_dir)
    record = read_session_file(path)
    if record.id == data["id"]:
        record.name = data["new"]
        if data.get("renamed") and record.worktree_info.branch == data.get("branch"):
            record.worktree_info.branch = data["renamed"]
        write_session_file(path, record)
    journals.step_done("rename:session-file")
    registry.update(data["id"], name=data["new"])
    journals.step_done("rename:registry")
    if data.get("window_id") and data.get("socket"):
        Tmux(socket_path=data["socket"]).rename_window(data["window_id"], data["new"])
    journals.step_done("rename:window")


def finished_line(old: str, new: str) -> str:
    return f"finished renaming session '{old}' to '{new}'"


def settle(data: dict[str, Any]) -> str:
    """Finish an interrupted rename: the branch first (if it had not moved yet), then the rest."""
    from q_tmux.adapters.git import Repo

    branch, renamed = data.get("branch"), data.get("renamed")
    if branch and renamed and data.get("git_root"):
        repo = Repo.discover(Path(data["git_root"]))
        if repo.branch_oid(renamed) is None and repo.branch_oid(branch) is not None:
            repo.rename_branch(branch, renamed)
    apply_steps(data)
    return finished_line(data["old"], data["new"]) + " (it had been interrupted)."
