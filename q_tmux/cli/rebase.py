"""``q-tmux rebase NAME --onto BRANCH``: give a session a new base, and its branch on top of it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, say, target_session

if TYPE_CHECKING:
    from q_tmux.sessions.views import SessionView


@click.command()
@click.argument("name", required=False)
@click.option("--onto", metavar="BRANCH", required=True, help="The session's new base branch.")
@click.pass_obj
def rebase(app: AppContext, name: str | None, onto: str) -> int:
    """Give session NAME (default: this one) a new base: replay its commits onto BRANCH.

    Nothing changes when the replay would conflict.
    """
    """Replay the session's commits onto ``onto`` and record ``onto`` as its base.

    The replay happens in a scratch worktree; the session's branch then moves
    with ``reset --keep`` in its own worktree, which keeps the agent's
    uncommitted files and refuses when they overlap. Any refusal (a conflict,
    an unknown branch, an operation under way) changes nothing.
    """
    from q_tmux.adapters.git import History, operation_in_progress, require_git
    from q_tmux.errors import QTmuxError, UsageError
    from q_tmux.merge.engine import MergeRefused, replay_onto, sentence, session_repo
    from q_tmux.sessions.views import load_views, session_record
    from q_tmux.store.session_file import read_session_file, session_file_path, write_session_file

    views, _ = load_views(app.tmux())
    view = target_session(app, views, name)
    record = session_record(view)
    if record.repos:
        raise UsageError(
            f"Session '{record.name}' spans several repositories; "
            "'rebase' changes the base of a one-repository session."
        )
    if not record.worktree_info.owns_worktree:
        raise UsageError(f"Session '{record.name}' has no branch of its own to rebase.")
    repo, branch, old_base = session_repo(record)
    if onto == branch:
        raise UsageError(f"'{onto}' is the branch of session '{record.name}' itself.")
    onto_oid = repo.branch_oid(onto)
    if onto_oid is None:
        raise QTmuxError(f"There is no branch '{onto}' in {repo.main_worktree}.")
    child = _session_based_on(views, record.id, branch, onto, repo.main_worktree)
    if child is not None:
        raise UsageError(
            f"'{onto}' is the branch of session '{child}', which is based on '{branch}': "
            "a session cannot be based on its own descendant."
        )
    tip = repo.branch_oid(branch)
    if tip is None:
        raise QTmuxError(f"The branch '{branch}' of session '{record.name}' no longer exists.")
    work_dir = Path(record.worktree_info.path)
    busy = operation_in_progress(repo, work_dir)
    if busy is not None:
        raise QTmuxError(f"{work_dir} is in the middle of an operation ({busy}); finish it first.")
    if repo.current_branch(work_dir) != branch:
        raise QTmuxError(f"{work_dir} does not have '{branch}' checked out; nothing was changed.")
    history = History(repo, require_git())
    if history.is_ancestor(onto_oid, tip):
        new_tip = tip  # already on top of it: only the record changes
    else:
        new_tip = replay_onto(
            repo,
            tip,
            onto_oid,
            scratch_name=record.id,
            what=f"Rebasing '{branch}' onto {onto}",
        )
        # --keep: the agent's uncommitted files stay; refused (nothing moved) if they overlap.
        # The branch must still be where it was replayed from: a compare before the move.
        if repo.branch_oid(branch) != tip:
            raise MergeRefused(f"'{branch}' moved while rebasing; nothing was changed. Try again.")
        moved = repo.reset_keep(work_dir, new_tip)
        if not moved.ok:
            raise MergeRefused(
                f"Could not move '{branch}' in {work_dir}: "
                f"{sentence(moved.error)}; nothing was changed."
            )
    path = session_file_path(view.work_dir)
    fresh = read_session_file(path)  # again, just before writing: keep others' updates
    info = fresh.worktree_info
    if info.merge_target == info.base_branch:
        info.merge_target = onto
    info.base_branch, info.base_oid = onto, onto_oid
    write_session_file(path, fresh)
    was = f" (was {old_base})" if old_base != onto else ""
    if new_tip == tip:
        say(f"Session '{record.name}' is now based on {onto}{was}; '{branch}' already had it all.")
    else:
        say(
            f"Session '{record.name}' is now based on {onto}{was}: "
            f"'{branch}' was replayed onto it and is at {new_tip[:8]}."
        )
    return 0


def _session_based_on(
    views: list[SessionView], own_id: str, branch: str, onto: str, repo_root: Path
) -> str | None:
    """The session owning branch ``onto`` if its chain of bases leads back to ``branch``."""
    base_of: dict[str, tuple[str, str]] = {}
    for view in views:
        if view.record is None or view.entry.id == own_id:
            continue
        info = view.record.worktree_info
        if (
            info.branch
            and info.base_branch
            and info.repo_root
            and Path(info.repo_root) == repo_root
        ):
            base_of[info.branch] = (info.base_branch, view.record.name)
    current, seen = onto, set()
    while current in base_of and current not in seen:
        seen.add(current)
        parent, _ = base_of[current]
        if parent == branch:
            return base_of[onto][1]
        current = parent
    return None
