"""Which live sessions would collide: shared files, predicted conflicts, a merge order.

Everything comes from ``git merge-tree --write-tree`` and diffs between
commits, so no working tree is touched. Workspace sessions take part once per
repository they have a worktree in.

Who is named for a conflict
---------------------------
Comparing two sessions' branch tips blames them for more than their own work:
a session made from today's base carries the base's new commits, so its tip
conflicts with an older session wherever that older session conflicts with
the base, although the newer session never touched that file. A session is
therefore named only for conflicts its own changes take part in:

- When the other session merges cleanly into the base, it is merged there
  first (a throwaway commit: base + other), and this one is predicted on top.
  What conflicts then is between the two sessions' changes, as it would be
  when they are merged one after the other.
- Otherwise the same is done the other way round.
- When both conflict with the base (or they started from different bases),
  the tips are compared.

Of what is predicted, only files both sessions changed since they left the
base are kept (any other file conflicts because of the base alone), and none
that either session conflicts in with the base: that conflict is already
reported as the session's own with the base, and is never put on the other
session. The price: two sessions that also collide in such a file are told so
once the conflicting one has brought the base in (``q-tmux sync``).
"""

from __future__ import annotations

from itertools import combinations

from q_tmux.store.facts import FactStore, key

TYPE_CHECKING = False
if TYPE_CHECKING:  # the standard-library ``conflicts`` path imports this module: no git adapter
    from collections.abc import Collection, Sequence
    from typing import Final, Protocol

    from q_tmux.adapters.git import CommitOid

    class Branches(Protocol):
        """A worktree's branch and base (:class:`q_tmux.store.session_file.WorktreeInfo`)."""

        @property
        def branch(self) -> str | None: ...
        @property
        def base_branch(self) -> str | None: ...

    class Prediction(Protocol):
        """What merging two commits would give (:class:`q_tmux.adapters.git.MergePrediction`)."""

        @property
        def clean(self) -> bool | None: ...
        @property
        def conflicts(self) -> tuple[str, ...]: ...

    class Change(Protocol):
        @property
        def path(self) -> str: ...

    class Commits(Protocol):
        """The questions about commits asked here (:class:`q_tmux.adapters.git.History`)."""

        def branch(self, name: str) -> CommitOid | None: ...
        def ahead_behind(self, base: CommitOid, tip: CommitOid) -> tuple[int, int]: ...
        def predict(self, ours: CommitOid, theirs: CommitOid) -> Prediction: ...
        def predict_onto(
            self, base: CommitOid, merged_first: CommitOid, then: CommitOid
        ) -> Prediction | None: ...
        def changed_files(self, base: CommitOid, tip: CommitOid) -> Sequence[Change]: ...
        def learn(self, tips: Sequence[tuple[CommitOid, CommitOid]]) -> None: ...


# Plain slotted classes, not dataclasses: the standard-library ``conflicts`` path imports
# this module, and :mod:`dataclasses` (with :mod:`inspect`) costs it half a Python start.


class SessionChanges:
    """One session's changes since it left its base, and its merge's conflicts with the base."""

    __slots__ = FIELDS = (
        "name",
        "branch",
        "base",
        "tip",
        "base_oid",
        "ahead",
        "behind",
        "files",
        "conflicts_with_base",
        "group",
    )

    def __init__(
        self,
        *,
        name: str,
        branch: str,
        base: str,
        tip: CommitOid,
        base_oid: CommitOid,
        ahead: int,
        behind: int,
        files: set[str],
        conflicts_with_base: tuple[str, ...] | None,  # None: unknown (old git)
        group: str | None = None,
    ) -> None:
        self.name, self.branch, self.base = name, branch, base
        self.tip, self.base_oid = tip, base_oid
        self.ahead, self.behind = ahead, behind
        self.files = files
        self.conflicts_with_base = conflicts_with_base
        #: The fan-out the session was made in (see q_tmux.sessions.fanout), or None.
        self.group = group

    def as_json(self) -> dict[str, object]:
        """The fields in their order, the files sorted."""
        return {name: getattr(self, name) for name in self.FIELDS} | {"files": sorted(self.files)}


class Pair:
    """Two sessions that change the same files, and where merging both would conflict."""

    __slots__ = FIELDS = ("first", "second", "shared", "conflicts")

    def __init__(
        self,
        first: str,
        second: str,
        shared: list[str],
        conflicts: tuple[str, ...] | None,  # None: unknown; () clean
    ) -> None:
        self.first, self.second, self.shared, self.conflicts = first, second, shared, conflicts

    def as_json(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.FIELDS}


class Report:
    """What :func:`analyse` found in one repository."""

    __slots__ = ("pairs", "sessions", "skipped")

    def __init__(self) -> None:
        self.sessions: list[SessionChanges] = []
        self.pairs: list[Pair] = []
        self.skipped: list[str] = []

    def merge_order(self) -> list[str]:
        """Fewest predicted conflicts first, then fewest files: each disturbs the rest least."""

        def trouble(session: SessionChanges) -> tuple[int, int, int, str]:
            with_base = 1 if session.conflicts_with_base else 0
            with_others = sum(
                1
                for pair in self.pairs
                if session.name in (pair.first, pair.second) and pair.conflicts
            )
            return with_base, with_others, len(session.files), session.name

        return [s.name for s in sorted(self.sessions, key=trouble)]


class Method:
    """How to predict a pair's own conflicts (see the module's docstring).

    Names, not an ``Enum``: the standard-library ``conflicts`` path imports this
    module, and importing ``enum`` would cost it more than its own reading does.
    """

    SECOND_MERGED_FIRST: Final = "second merged into the base first"
    FIRST_MERGED_FIRST: Final = "first merged into the base first"
    TIPS: Final = "tip against tip"
    UNKNOWN: Final = "unknown"


def pair_method(
    first_with_base: tuple[str, ...] | None,
    second_with_base: tuple[str, ...] | None,
    same_base: bool,
) -> str:
    """Which prediction can tell the pair's own conflicts, given each one's against the base."""
    if first_with_base is None or second_with_base is None:
        return Method.UNKNOWN  # git cannot predict at all
    if not same_base:
        return Method.TIPS
    if not second_with_base:
        return Method.SECOND_MERGED_FIRST
    if not first_with_base:
        return Method.FIRST_MERGED_FIRST
    return Method.TIPS


def own_conflicts(
    predicted: Collection[str] | None, shared: Collection[str], with_base: Collection[str] = ()
) -> tuple[str, ...] | None:
    """The predicted conflicts both sessions' changes take part in.

    ``shared``: the files both changed since they left their base; ``with_base``:
    files either conflicts in with the base, which are that session's, not the pair's.
    """
    if predicted is None:
        return None
    return tuple(sorted((set(predicted) & set(shared)) - set(with_base)))


class Checkout:
    """One session's worktree in one repository (a workspace session has one per repository)."""

    __slots__ = ("group", "info", "name")

    def __init__(self, name: str, info: Branches, group: str | None = None) -> None:
        self.name, self.info, self.group = name, info, group


def analyse(checkouts: list[Checkout], history: Commits) -> Report:
    """Changes of every session checkout in ``history``'s repository, and how they collide."""
    report = Report()
    # Each checkout's branch and base, with the commits they point at: read once.
    found: list[tuple[Checkout, str, str, CommitOid, CommitOid]] = []
    for checkout in checkouts:
        branch, base = checkout.info.branch, checkout.info.base_branch
        if not branch or not base:
            continue
        tip, base_oid = history.branch(branch), history.branch(base)
        if tip is None or base_oid is None:
            report.skipped.append(f"{checkout.name}: branch {branch} or {base} is gone")
            continue
        found.append((checkout, branch, base, base_oid, tip))
    history.learn([(base_oid, tip) for *_, base_oid, tip in found])  # what is missing, at once
    for checkout, branch, base, base_oid, tip in found:
        ahead, behind = history.ahead_behind(base_oid, tip)
        prediction = history.predict(base_oid, tip)
        report.sessions.append(
            SessionChanges(
                name=checkout.name,
                branch=branch,
                base=base,
                tip=tip,
                base_oid=base_oid,
                ahead=ahead,
                behind=behind,
                files={change.path for change in history.changed_files(base_oid, tip)},
                conflicts_with_base=None if prediction.clean is None else prediction.conflicts,
                group=checkout.group,
            )
        )
    for first, second in combinations(report.sessions, 2):
        shared = sorted(first.files & second.files)
        if not shared:
            continue  # no file in common: git cannot conflict
        conflicts = pair_conflicts(
            history, (first.base_oid, first.tip), (second.base_oid, second.tip), shared
        )
        report.pairs.append(Pair(first.name, second.name, shared, conflicts))
    return report


def pair_conflicts(
    history: Commits,
    first: tuple[CommitOid, CommitOid],
    second: tuple[CommitOid, CommitOid],
    shared: Collection[str],
) -> tuple[str, ...] | None:
    """Where two sessions' own changes conflict (None: unknown); see the module's docstring.

    ``first`` and ``second`` are each session's (base commit, tip); ``shared``
    the files both changed since they left their base. Own conflicts are among
    those files (:func:`own_conflicts`), so with none shared git is not asked.
    """
    if not shared:
        return ()
    facts = getattr(history, "facts", None)  # a history that keeps its answers on disk
    if not isinstance(facts, FactStore):
        return _pair_conflicts(history, first, second, shared)
    # Which files both changed follows from the four commits: they make the whole key.
    fact = key("pair", *first, *second)
    known = facts.get(fact)
    if isinstance(known, list) and all(isinstance(path, str) for path in known):
        return tuple(known)
    found = _pair_conflicts(history, first, second, shared)
    if found is not None:  # "unknown" is git's age, not the commits'
        facts.put(fact, list(found))
    return found


def _pair_conflicts(
    history: Commits,
    first: tuple[CommitOid, CommitOid],
    second: tuple[CommitOid, CommitOid],
    shared: Collection[str],
) -> tuple[str, ...] | None:
    def with_base(base: CommitOid, tip: CommitOid) -> tuple[str, ...] | None:
        prediction = history.predict(base, tip)
        return None if prediction.clean is None else prediction.conflicts

    first_with_base, second_with_base = with_base(*first), with_base(*second)
    method = pair_method(first_with_base, second_with_base, first[0] == second[0])
    if method is Method.SECOND_MERGED_FIRST:
        predicted = history.predict_onto(first[0], second[1], first[1])
    elif method is Method.FIRST_MERGED_FIRST:
        predicted = history.predict_onto(first[0], first[1], second[1])
    elif method is Method.TIPS:
        predicted = history.predict(first[1], second[1])
    else:
        return None
    if predicted is None or predicted.clean is None:
        return None
    excluded = {*(first_with_base or ()), *(second_with_base or ())}
    return own_conflicts(predicted.conflicts, shared, excluded)
