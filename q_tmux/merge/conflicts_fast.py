"""``conflicts`` on the standard library alone: sessions, facts and git without click or plumbum.

A look at ``conflicts`` when nothing moved runs no git at all (everything is in
the fact files), so what it would cost is importing click, libtmux and
plumbum to read a few small JSON files. Here the session files are read and
checked by hand, branch tips come from the ref files, facts from
:mod:`q_tmux.store.facts`, and git runs (through
:func:`q_tmux.adapters.tmuxcmd.run_program`) only for a fact not known yet.
The analysis is :func:`q_tmux.merge.conflicts.analyse` itself, so the answer
is the full command's.

Wherever this path cannot be sure to answer exactly as the full command
would (a session file the schema might judge otherwise, a branch not
in a ref file, git failing or too old to predict), it raises :class:`Unsure`
and the full command runs instead; it prints nothing before it is sure.
"""

from __future__ import annotations

import os

from q_tmux.adapters import refs
from q_tmux.merge.conflicts import Checkout, Report, analyse
from q_tmux.sessions import listing
from q_tmux.sessions.grouping import group_key, grouped
from q_tmux.store import jsonfile
from q_tmux.store.facts import (
    FactStore,
    is_counts,
    is_diff_stat,
    is_prediction,
    key,
    prediction_fact,
)
from q_tmux.store.words import SCHEMA_VERSION, session_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, Protocol

    from q_tmux.adapters.git import CommitOid
    from q_tmux.merge.conflicts import Commits

    #: One session as ``conflicts`` takes it: its name, fan-out group, tmux socket ("" when
    #: none), and each worktree as (repository, whether the session owns it, branch, base).
    Session = tuple[str, str | None, str, list[tuple[str | None, bool, str | None, str | None]]]

    class SavedHistory(Commits, Protocol):
        """A history whose facts are kept on disk (:class:`LightHistory`, ``CachedHistory``)."""

        def save(self) -> None: ...
else:
    CommitOid = str

#: git's longest answer worth waiting for here; a slower one is left to the full command.
GIT_TIMEOUT = 120.0


class Unsure(Exception):
    """This path cannot answer exactly as the full command would: let that one run."""


# -- the sessions -------------------------------------------------------------------------


class Branches:
    """A worktree's branch and base, as :class:`q_tmux.merge.conflicts.Checkout` reads them."""

    __slots__ = ("base_branch", "branch")

    def __init__(self, branch: str | None, base_branch: str | None) -> None:
        self.branch = branch
        self.base_branch = base_branch


def _record(work_dir: str) -> dict[str, Any] | None:
    """The session file in ``work_dir`` as its schema writes it; None when the schema
    refuses it (the full command leaves it out too). Unsure when this cannot tell."""
    data = jsonfile.load_object(session_path(work_dir))
    if data is None or "version" not in data or "id" not in data:
        return None
    version = data["version"]
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        return None  # written by a newer q-tmux
    record = listing.canonical_record(data)
    if record is None:
        raise Unsure  # the model may read it, or refuse it: let it judge
    return record


def session_of(record: dict[str, Any]) -> Session:
    """A session file as the model dumps it, as ``conflicts`` takes it part."""
    # A workspace session has a worktree in each of its repositories.
    infos = record["repos"] or [record["worktree_info"]]
    worktrees = [
        (info["repo_root"], info["owns_worktree"], info["branch"], info["base_branch"])
        for info in infos
    ]
    return record["name"], record["group"], record["tmux"]["socket"] or "", worktrees


def by_repository(sessions: Iterable[Session]) -> tuple[dict[str, list[Checkout]], dict[str, str]]:
    """Every session's worktrees by repository, in the order of ``sessions``, and the tmux
    socket of each repository's first session: both paths of ``conflicts`` loop here."""
    by_repo: dict[str, list[Checkout]] = {}
    sockets: dict[str, str] = {}
    for name, group, socket, worktrees in sessions:
        for root, owns, branch, base in worktrees:
            if root and owns:
                by_repo.setdefault(root, []).append(Checkout(name, Branches(branch, base), group))
                sockets.setdefault(root, socket)
    return by_repo, sockets


def checkouts_by_repo() -> tuple[dict[str, list[Checkout]], dict[str, str]]:
    """Every session's worktrees, by repository, in the order the full command finds them,
    and the tmux socket of each repository's first session ("" when it has none).

    That order is the sessions' creation time, then their registered name, with a
    fan-out's sessions together; a session whose folder is gone or whose file
    cannot be read takes no part.
    """
    try:
        entries, _ = listing.read_registry()  # a broken registry file is the full command's to tell
    except listing.Unsure:
        raise Unsure from None
    sessions = []
    for entry in entries:
        if not os.path.isdir(entry.work_dir):
            continue
        data = _record(entry.work_dir)
        if data is not None:
            created = listing.timestamp(data["created"])
            together = group_key(data["group"], entry.repo_root, entry.work_dir)
            sessions.append((created, entry.name, together, data))
    sessions.sort(key=lambda session: session[:2])
    return by_repository(session_of(data) for *_, data in grouped(sessions, lambda it: it[2]))


# -- the facts ------------------------------------------------------------------------------


class Prediction:
    """What merging two commits would give (as :class:`q_tmux.adapters.git.MergePrediction`)."""

    __slots__ = ("clean", "conflicts", "tree")

    def __init__(self, clean: bool, tree: str | None, conflicts: tuple[str, ...]) -> None:
        self.clean: bool | None = clean
        self.tree = tree
        self.conflicts = conflicts


class Change:
    """One changed file (as :class:`q_tmux.adapters.git.FileChange`)."""

    __slots__ = ("added", "deleted", "path")

    def __init__(self, path: str, added: int | None, deleted: int | None) -> None:
        self.path = path
        self.added = added
        self.deleted = deleted


def _run(program: str, args: list[str]) -> tuple[int, str]:
    from q_tmux.adapters import tmuxcmd  # only when a fact is unknown: a warm look runs nothing

    return tmuxcmd.run_program(program, args, timeout=GIT_TIMEOUT)


def _run_all(commands: list[tuple[str, list[str]]]) -> list[tuple[int, str]]:
    from q_tmux.adapters import tmuxcmd

    return tmuxcmd.run_programs(commands, timeout=GIT_TIMEOUT)


#: The facts one git command answers, by kind, and how a kept one is told valid.
CHECKS: dict[str, Callable[[Any], bool]] = {
    "ahead-behind": is_counts,
    "diff-stat": is_diff_stat,
    "predict": is_prediction,
}


def _question(
    kind: str, root: str, ours: str, theirs: str
) -> tuple[tuple[str, list[str]], Callable[[int, str], Any]]:
    """The git command that answers the fact of ``kind`` about two commits in ``root``, and
    how its exit status and output become that fact (None: git gave no answer)."""
    if kind == "ahead-behind":
        from q_tmux.adapters import counts  # here and below: only to ask git

        asked = counts.command(root, ours, theirs)
        return asked, lambda code, out: _listed(counts.answer(code, out))
    if kind == "diff-stat":
        from q_tmux.adapters import numstat

        asked = numstat.command(root, ours, theirs)
        return asked, lambda code, out: _rows(numstat.answer(code, out))
    from q_tmux.adapters import merge_tree

    def prediction(code: int, out: str) -> Any:
        answer = merge_tree.parse(code, out)
        return None if answer is None else prediction_fact(*answer)

    return merge_tree.command(root, ours, theirs), prediction


def _listed(found: tuple[int, int] | None) -> list[int] | None:
    return None if found is None else list(found)


def _rows(found: list[tuple[str, int | None, int | None]] | None) -> list[list[Any]] | None:
    return None if found is None else [list(row) for row in found]


class LightHistory:
    """The commits' facts of one repository: read from its fact file, else computed with git
    (``run``, standard library by default) and kept; :class:`Unsure` where git cannot answer.

    The one reader of the fact file for commits: :class:`q_tmux.merge.facts.CachedHistory`
    asks this first, and the git adapter only where this is unsure.
    """

    def __init__(
        self,
        repo_root: str,
        *,
        refresh: bool = False,
        run: Callable[[str, list[str]], tuple[int, str]] | None = None,
        run_all: Callable[[list[tuple[str, list[str]]]], list[tuple[int, str]]] | None = None,
    ) -> None:
        self.root = repo_root
        self.facts = FactStore(repo_root, refresh=refresh)
        self._common_dir = refs.common_dir_of(repo_root)
        self._run = run or _run
        #: How :meth:`learn` runs several git commands at once.
        self._run_all = run_all or _run_all

    def save(self) -> None:
        self.facts.save()

    def learn(self, tips: Iterable[tuple[CommitOid, CommitOid]]) -> None:
        """Ask git at once for what :func:`analyse` will want of each (base, tip) and no
        fact holds yet: every command is started before any is waited for.

        After one tip moved, that is its counts, its changed files and its merge
        with the base, and its merge onto each other session's merge into the same
        base that is kept (a pair's prediction when that one goes in first, as it
        does when it merges cleanly): four commands at once instead of in turn.
        The last may not be wanted, if the pair no longer shares a file; it is a
        fact all the same. What git does not answer here is left alone:
        :func:`analyse` asks again in its turn and meets it there.
        """
        tips = list(tips)
        wanted: dict[str, tuple[str, str, str]] = {}  # fact → (kind, ours, theirs)
        for base, tip in tips:
            mine = {
                key(kind, base, tip): (kind, base, tip)
                for kind, valid in CHECKS.items()
                if not valid(self.facts.get(key(kind, base, tip)))
            }
            if not mine:
                continue  # nothing new of this tip: its pairs are known as well
            wanted.update(mine)
            for other_base, other in tips:
                merged = self.facts.get(key("merged", base, other))
                if other_base == base and other != tip and isinstance(merged, str) and merged:
                    fact = key("predict", merged, tip)
                    if not is_prediction(self.facts.get(fact)):
                        wanted[fact] = ("predict", merged, tip)
        if len(wanted) < 2:  # a single command is as quick asked in its turn
            return
        questions = [_question(kind, self.root, *commits) for kind, *commits in wanted.values()]
        answers = self._run_all([asked for asked, _ in questions])
        for fact, (_, fact_of), (code, out) in zip(wanted, questions, answers, strict=True):
            found = fact_of(code, out)
            if found is not None:
                self.facts.put(fact, found)

    def _fact(self, kind: str, ours: CommitOid, theirs: CommitOid) -> Any:
        """The fact of ``kind`` about two commits: kept, else asked of git and kept;
        :class:`Unsure` when git gives no answer."""
        fact = key(kind, ours, theirs)
        known = self.facts.get(fact)
        if not CHECKS[kind](known):
            asked, fact_of = _question(kind, self.root, ours, theirs)
            known = fact_of(*self._run(*asked))
            if known is None:
                raise Unsure  # git failing, or too old to predict: the full command says which
            self.facts.put(fact, known)
        return known

    def branch(self, name: str) -> CommitOid | None:
        """Where ``name`` points, from its ref file (else the full command asks git)."""
        found = refs.read_branch(self._common_dir, name) if self._common_dir and name else None
        if found is None:
            raise Unsure  # a reftable, a symbolic ref, or a branch that is gone
        return CommitOid(found)

    def ahead_behind(self, base: CommitOid, tip: CommitOid) -> tuple[int, int]:
        known = self._fact("ahead-behind", base, tip)
        return int(known[0]), int(known[1])

    def predict(self, ours: CommitOid, theirs: CommitOid) -> Prediction:
        known = self._fact("predict", ours, theirs)
        return Prediction(known["clean"], known["tree"], tuple(known["conflicts"]))

    def predict_onto(
        self, base: CommitOid, merged_first: CommitOid, then: CommitOid
    ) -> Prediction | None:
        """As :meth:`q_tmux.adapters.git.History.predict_onto`, reusing the throwaway merge.

        The commit of ``merged_first`` merged into ``base`` is kept as a fact, so
        a moved ``then`` costs one ``merge-tree`` and no ``commit-tree``. No ref
        keeps that commit: once git has collected it, it is written again.
        """
        first = self.predict(base, merged_first)
        if not first.clean or first.tree is None:
            return None
        fact = key("merged", base, merged_first)
        kept = self.facts.get(fact)
        if isinstance(kept, str) and kept:
            try:
                return self.predict(CommitOid(kept), then)
            except Unsure:
                pass  # collected by git meanwhile (or git failing: asked again below)
        from q_tmux.adapters import merge_tree

        merged = merge_tree.merged_commit(self.root, first.tree, base, merged_first, self._run)
        if merged is None:
            raise Unsure
        self.facts.put(fact, merged)
        return self.predict(CommitOid(merged), then)

    def changed_files(self, base: CommitOid, tip: CommitOid) -> list[Change]:
        rows = self._fact("diff-stat", base, tip)
        return [Change(path, added, deleted) for path, added, deleted in rows]


def reports(*, refresh: bool = False) -> tuple[dict[str, Report], dict[str, str]]:
    """Each repository's :class:`Report`, as ``q-tmux conflicts`` shows them, and the tmux
    socket of its first session; Unsure, having shown nothing, where the full command must
    answer."""
    by_repo, sockets = checkouts_by_repo()
    return analyse_all(by_repo, lambda root: LightHistory(root, refresh=refresh)), sockets


def analyse_all(
    by_repo: dict[str, list[Checkout]], history_of: Callable[[str], SavedHistory]
) -> dict[str, Report]:
    """:func:`~q_tmux.merge.conflicts.analyse` of each repository (in name order), with the
    history ``history_of`` gives it, whose facts are saved whatever happens."""
    found: dict[str, Report] = {}
    for root, checkouts in sorted(by_repo.items()):
        history = history_of(root)
        try:
            found[root] = analyse(checkouts, history)
        finally:
            history.save()  # what was learnt holds, whoever answers
    return found
