"""A :class:`History` that remembers its answers across commands (see :mod:`q_tmux.store.facts`).

Branch tips are read from the ref files, so no process runs to learn them;
every other answer depends only on commits and is taken from the repository's
fact file when it is there. git runs (and the repository is found, and git's
version asked) only for what is missing, so a warm ``list`` spawns no process.
The facts are read (and computed) by :class:`q_tmux.merge.conflicts_fast.LightHistory`,
the standard-library ``conflicts`` path's own history; this class adds git's adapter
where that one is unsure (git too old or failing, a branch not in a ref file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from q_tmux.adapters import process
from q_tmux.adapters.git import (
    Commit,
    CommitOid,
    FileChange,
    History,
    MergePrediction,
    Repo,
    require_git,
)
from q_tmux.merge.conflicts_fast import LightHistory, Unsure
from q_tmux.store.facts import key


class CachedHistory(History):
    """:class:`History` of the repository at ``repo_root``, with its facts kept on disk.

    The repository is discovered, and git's version asked, only when a fact has
    to be computed. Call :meth:`save` when done (it never raises).
    """

    def __init__(
        self,
        repo_root: str,
        *,
        refresh: bool = False,
        repo: Repo | None = None,
        version: tuple[int, int, int] | None = None,
    ) -> None:
        # History.__init__ is not called: it wants the Repo this class finds lazily.
        self.root = repo_root
        self._facts = LightHistory(repo_root, refresh=refresh, run=self._git)
        self.facts = self._facts.facts
        self._repo = repo
        self._version = version
        self._predictions: dict[tuple[str, str], MergePrediction] = {}
        self._branches: dict[str, CommitOid] | None = None
        self._merged: dict[tuple[str, str], CommitOid] = {}
        self._common_dir = self._facts._common_dir

    @property
    def repo(self) -> Repo:  # type: ignore[override]
        if self._repo is None:
            self.version  # a missing or old git says so, not "not a repository"  # noqa: B018
            if self._common_dir is not None:  # a plain main worktree: nothing to ask git
                common = Path(self._common_dir)
                self._repo = Repo(toplevel=Path(self.root), git_dir=common, common_dir=common)
            else:
                self._repo = Repo.discover(Path(self.root))
        return self._repo

    @property
    def version(self) -> tuple[int, int, int]:  # type: ignore[override]
        if self._version is None:
            self._version = require_git()
        return self._version

    def save(self) -> None:
        self.facts.save()

    def learn(self, tips: Iterable[tuple[CommitOid, CommitOid]]) -> None:
        """As :meth:`LightHistory.learn`: the facts ``analyse`` will want, asked at once.

        What git does not answer there (missing, too old) is met in ``analyse``'s turn,
        where this class's own runner says why.
        """
        self._facts.learn(tips)

    def _git(self, program: str, args: list[str]) -> tuple[int, str]:
        """How :class:`LightHistory` runs git here: as the adapter runs it, git's version known."""
        self.version  # a missing or old git says so, not a failing command  # noqa: B018
        done = process.run(program, args)
        return done.returncode, done.stdout

    def branch(self, name: str) -> CommitOid | None:
        """Where ``name`` points now, read from its ref file (git asked only if that fails)."""
        try:
            return self._facts.branch(name)
        except Unsure:
            return super().branch(name)  # reftable, a symbolic ref, or no such branch

    def remembered(
        self, fact: str, compute: Callable[[], Any], valid: Callable[[Any], bool]
    ) -> Any:
        """The JSON value kept under ``fact``, computed (and kept) when unknown or malformed."""
        value = self.facts.get(fact)
        if value is None or not valid(value):
            value = compute()
            if value is not None:
                self.facts.put(fact, value)
        return value

    def predict(self, ours: CommitOid, theirs: CommitOid) -> MergePrediction:
        try:
            found = self._facts.predict(ours, theirs)
        except Unsure:  # git too old, or failing: the adapter says which
            return super().predict(ours, theirs)
        return MergePrediction(found.clean, found.tree, found.conflicts)

    def predict_onto(
        self, base: CommitOid, merged_first: CommitOid, then: CommitOid
    ) -> MergePrediction | None:
        """As :meth:`History.predict_onto`, with the throwaway merge kept as a fact."""
        try:
            found = self._facts.predict_onto(base, merged_first, then)
        except Unsure:
            return super().predict_onto(base, merged_first, then)
        return None if found is None else MergePrediction(found.clean, found.tree, found.conflicts)

    def ahead_behind(self, base: CommitOid, tip: CommitOid) -> tuple[int, int]:
        try:
            return self._facts.ahead_behind(base, tip)
        except Unsure:
            return super().ahead_behind(base, tip)

    def changed_files(self, base: CommitOid, tip: CommitOid) -> list[FileChange]:
        try:
            changes = self._facts.changed_files(base, tip)
        except Unsure:
            return super().changed_files(base, tip)
        return [FileChange(change.path, change.added, change.deleted) for change in changes]

    def commits(self, base: CommitOid, tip: CommitOid) -> list[Commit]:
        rows = self.remembered(
            key("commits", base, tip),
            lambda: [[c.oid, c.subject] for c in super(CachedHistory, self).commits(base, tip)],
            lambda rows: isinstance(rows, list) and all(_rows_of(row, (str, str)) for row in rows),
        )
        return [Commit(CommitOid(oid), subject) for oid, subject in rows]


def _rows_of(value: Any, types: tuple[type | tuple[type, ...], ...]) -> bool:
    """Whether ``value`` is a list of exactly these types (a bool is no number here)."""
    return (
        isinstance(value, list)
        and len(value) == len(types)
        and all(
            isinstance(item, kind) and not isinstance(item, bool)
            for item, kind in zip(value, types, strict=True)
        )
    )
