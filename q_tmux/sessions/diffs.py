"""What a session would bring to its base: each worktree's diff since the merge base."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from q_tmux.errors import QTmuxError, UsageError

if TYPE_CHECKING:
    from q_tmux.sessions.views import SessionView
    from q_tmux.store.session_file import WorktreeInfo


@dataclass(frozen=True)
class RepoDiff:
    """One repository's part of a session's diff."""

    #: Where it sits in a workspace (``frontend``); None for a one-repository session.
    heading: str | None
    #: The branch compared, and the base it is compared with.
    branch: str
    base: str
    text: str
    #: The worktree compared.
    path: Path


def _checkouts(view: SessionView) -> list[WorktreeInfo]:
    """The worktrees the session owns; refuse, in one sentence, a session without any."""
    from q_tmux.sessions.views import session_record

    name = view.entry.name
    if view.worktree_missing:
        raise QTmuxError(
            f"Session '{name}' has no worktree any more ({view.work_dir} is gone); "
            "there is nothing to diff."
        )
    record = session_record(view)
    infos = record.repos if record.is_workspace else [record.worktree_info]
    owned = [
        info
        for info in infos
        if info.owns_worktree and (info.merge_target or info.base_branch or info.base_oid)
    ]
    if not owned:
        raise UsageError(
            f"Session '{name}' runs in an existing folder on no branch of its own, "
            "so it has no base to diff against."
        )
    for info in owned:
        if not Path(info.path).is_dir():
            raise QTmuxError(
                f"Session '{name}' has no worktree any more ({info.path} is gone); "
                "there is nothing to diff."
            )
    return owned


def session_diff(view: SessionView, *, stat: bool, colour: bool | None) -> list[RepoDiff]:
    """Each of the session's repositories' diff since it branched from its base.

    ``colour`` None: as the user's git would colour it on a terminal.
    """
    from q_tmux.adapters.git import Repo, diff_from, merge_base, wants_colour

    diffs = []
    for info in _checkouts(view):
        work = Path(info.path)
        repo = Repo.discover(work)
        base = info.merge_target or info.base_branch or ""
        since = merge_base(repo, work, base) if base else None
        if since is None and info.base_oid:
            base, since = info.base_oid[:12], merge_base(repo, work, info.base_oid)
        if since is None:
            raise QTmuxError(
                f"Session '{view.entry.name}': its base {base or '(none)'} is gone "
                f"from {info.repo_root or work}, so there is nothing to diff against."
            )
        coloured = wants_colour(repo, work, terminal=True) if colour is None else colour
        text = diff_from(repo, work, since, stat=stat, colour=coloured)
        diffs.append(RepoDiff(info.workspace_path, info.branch or "HEAD", base, text, work))
    return diffs
