"""The merge journal: what a merge decided, kept until its clean-up is done.

One journal per merging session, in the state dir (``merges/ID.json``),
whatever the number of repositories. It is written once the result commits
exist and before the first base moves (phase ``moving``), and again when
every base has moved (phase ``moved``). A merge killed at any point is
settled from it by the next command that meets it (:func:`settlement`):
clean-up finished when every base moved, the moved ones moved back when
only some did, nothing to undo when none did.

Journals left by q-tmux before this one (a workspace merge's, same place
and same fields; a one-repository merge's, in the repository's common git
dir under ``q-tmux/merge-ID.json``) are read and carried over.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

from q_tmux.errors import QTmuxError
from q_tmux.store import jsonfile, paths
from q_tmux.store.schema import Record
from q_tmux.store.session_file import SessionRecord


class Mode(Enum):
    """Written by member name (``MERGE``), as a plain Enum is in a record; read by name or value."""

    MERGE = "merge commit"
    SQUASH = "squash"
    REBASE = "rebase"


class Phase(StrEnum):
    #: Result commits made, bases being moved: a kill here is rolled back (or, all moved, finished).
    MOVING = "moving"
    #: Every base moved: only the clean-up is left, and it is always finished.
    MOVED = "moved"


class RepoEntry(Record, extra="ignore"):
    """One repository of the merge; ``new`` is None for one with nothing to merge."""

    #: The repository's path in a workspace; "" for a one-repository session.
    label: str = ""
    repo_root: str
    base: str
    branch: str
    old: str
    new: str | None = None
    tip: str
    work_dir: str


class MergeJournal(Record, extra="ignore"):
    """A merge under way (or killed midway), with its own copy of the session's record."""

    record: SessionRecord
    mode: Mode
    phase: Phase = Phase.MOVING
    repos: list[RepoEntry]

    @property
    def moving(self) -> list[RepoEntry]:
        """The repositories whose base this merge moves."""
        return [entry for entry in self.repos if entry.new]

    def save(self) -> None:
        jsonfile.write_atomic(path_for(self.record.id), self.to_dict())

    def finish(self) -> None:
        jsonfile.remove_with_empty_folder(path_for(self.record.id))


def folder() -> Path:
    return paths.state_dir() / "merges"


def path_for(session_id: str) -> Path:
    return folder() / f"{session_id}.json"


def read(path: Path) -> MergeJournal | None:
    """The journal at ``path``; None when there is none; one sentence when it is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise QTmuxError(f"The merge journal {path} cannot be read ({error.strerror}).") from None
    try:
        return MergeJournal.from_dict(json.loads(text))
    except ValueError:  # not JSON, or not a journal (SchemaError)
        raise QTmuxError(
            f"The merge journal {path} is not one q-tmux can read; check the bases of that "
            "session's repositories by hand, then remove the file."
        ) from None


def find(session_id: str, repo_roots: Sequence[Path] = ()) -> MergeJournal | None:
    """The journal of ``session_id``'s merge, carrying over one an older q-tmux left."""
    found = read(path_for(session_id))
    if found is not None:
        return found
    for root in repo_roots:
        legacy = _legacy_path(root, session_id)
        if legacy is not None and legacy.exists():
            return _carry_over(legacy, root)
    return None


def under_way(session_id: str, repo_roots: Sequence[Path]) -> bool:
    """Does a merge (running, or killed midway) own the session until it finishes?

    An unreadable journal counts: only ``merge`` (which says what is wrong) may touch it.
    """
    try:
        return find(session_id, repo_roots) is not None
    except QTmuxError:
        return True


def find_by_name(name: str) -> MergeJournal | None:
    """The journal of a merge of the session called ``name`` (already archived, maybe)."""
    for path in sorted(folder().glob("*.json")):
        journal = read(path)
        if journal is not None and journal.record.name == name:
            return journal
    return None


def _legacy_path(root: Path, session_id: str) -> Path | None:
    from q_tmux.adapters import refs
    from q_tmux.adapters.git import Repo

    name = f"merge-{session_id}.json"
    common = refs.common_dir_of(str(root))  # a plain main worktree: no git process to ask
    if common is not None:
        return Path(common) / "q-tmux" / name
    try:
        return Repo.discover(root).common_dir / "q-tmux" / name
    except QTmuxError:
        return None


def _carry_over(legacy: Path, root: Path) -> MergeJournal:
    """An older one-repository journal (no phase, one flat entry), moved to the state dir."""
    try:
        data: dict[str, Any] = json.loads(legacy.read_text(encoding="utf-8"))
        entry = RepoEntry(repo_root=str(root), **data)
        journal = MergeJournal(record=data["record"], mode=data["mode"], repos=[entry])
    except (OSError, ValueError, KeyError, TypeError):
        raise QTmuxError(
            f"The merge journal {legacy} is not one q-tmux can read; check the base of that "
            "session by hand, then remove the file."
        ) from None
    journal.save()
    jsonfile.remove_with_empty_folder(legacy)
    return journal


# -- what a killed merge left, and what to do about it -----------------------------------


class Where(Enum):
    """Where one journaled base is now, against the merge's before and after."""

    OLD = "old"
    NEW = "new"
    ELSEWHERE = "elsewhere"


def where(current: str | None, entry: RepoEntry) -> Where:
    if current is not None and current == entry.new:
        return Where.NEW
    if current == entry.old:
        return Where.OLD
    return Where.ELSEWHERE


class Settle(Enum):
    FINISH = "finish the clean-up"
    ROLL_BACK = "move the moved bases back"
    START_AGAIN = "nothing moved: drop the journal"


def settlement(journal: MergeJournal, bases: dict[str, Where]) -> Settle:
    """What a found journal calls for, given where each moving base (by label) is now.

    Every base at its new commit: the merge happened everywhere, so it is
    finished, never undone. Some moved: all or nothing, so the moved ones go
    back. None moved: the merge changed nothing.
    """
    if journal.phase is Phase.MOVED:
        return Settle.FINISH
    states = [bases.get(entry.label, Where.ELSEWHERE) for entry in journal.moving]
    if states and all(state is Where.NEW for state in states):
        return Settle.FINISH
    if any(state is Where.NEW for state in states):
        return Settle.ROLL_BACK
    return Settle.START_AGAIN
