"""Where merge journals live, and the modes they record: standard library only.

A merge preview (``merge NAME --dry-run``) only needs to know whether a
journal is there (an interrupted merge is settled first); reading one takes
:mod:`q_tmux.merge.journal` and its model, which this module spares it.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path

from q_tmux.store import paths


class Mode(Enum):
    MERGE = "merge commit"
    SQUASH = "squash"
    REBASE = "rebase"


def folder() -> Path:
    return paths.state_dir() / "merges"


def path_for(session_id: str) -> Path:
    return folder() / f"{session_id}.json"


def legacy_path(root: Path, session_id: str) -> Path | None:
    """Where an older q-tmux kept the journal of ``session_id``'s merge in the repository at
    ``root``; None when that is no repository."""
    from q_tmux.adapters import refs
    from q_tmux.adapters.git import Repo
    from q_tmux.errors import QTmuxError

    name = f"merge-{session_id}.json"
    common = refs.common_dir_of(str(root))  # a plain main worktree: no git process to ask
    if common is not None:
        return Path(common) / "q-tmux" / name
    try:
        return Repo.discover(root).common_dir / "q-tmux" / name
    except QTmuxError:
        return None


def any_journal(session_id: str, repo_roots: Sequence[Path]) -> bool:
    """Whether a journal of ``session_id``'s merge may be there (the file exists, readable
    or not); :func:`q_tmux.merge.journal.find` reads it."""
    if path_for(session_id).exists():
        return True
    for root in repo_roots:
        legacy = legacy_path(root, session_id)
        if legacy is not None and legacy.exists():
            return True
    return False


def any_journal_at_all() -> bool:
    """Whether any merge journal is kept (a session already archived may have left one)."""
    try:
        return any(folder().glob("*.json"))
    except OSError:
        return True
