"""Which live sessions would collide: shared files, predicted conflicts, a merge order.

Everything comes from ``git merge-tree --write-tree`` and diffs between
commits, so no working tree is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from q_tmux.git import CommitOid, History
from q_tmux.session_file import SessionRecord


@dataclass
class SessionChanges:
    name: str
    branch: str
    base: str
    tip: CommitOid
    base_oid: CommitOid
    ahead: int
    behind: int
    files: set[str]
    conflicts_with_base: tuple[str, ...] | None  # None: unknown (old git)


@dataclass
class Pair:
    first: str
    second: str
    shared: list[str]
    conflicts: tuple[str, ...] | None  # None: unknown; () clean


@dataclass
class Report:
    sessions: list[SessionChanges] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

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


def analyse(records: list[SessionRecord], history: History) -> Report:
    """Changes of every worktree session in ``history``'s repository, and how they collide."""
    report = Report()
    for record in records:
        info = record.worktree_info
        if not info.owns_worktree or not info.branch or not info.base_branch:
            continue
        tip, base_oid = history.branch(info.branch), history.branch(info.base_branch)
        if tip is None or base_oid is None:
            report.skipped.append(
                f"{record.name}: branch {info.branch} or {info.base_branch} is gone"
            )
            continue
        ahead, behind = history.ahead_behind(base_oid, tip)
        prediction = history.predict(base_oid, tip)
        report.sessions.append(
            SessionChanges(
                name=record.name,
                branch=info.branch,
                base=info.base_branch,
                tip=tip,
                base_oid=base_oid,
                ahead=ahead,
                behind=behind,
                files={change.path for change in history.changed_files(base_oid, tip)},
                conflicts_with_base=None if prediction.clean is None else prediction.conflicts,
            )
        )
    for first, second in combinations(report.sessions, 2):
        shared = sorted(first.files & second.files)
        if not shared:
            continue  # no file in common: git cannot conflict
        prediction = history.predict(first.tip, second.tip)
        conflicts = None if prediction.clean is None else prediction.conflicts
        report.pairs.append(Pair(first.name, second.name, shared, conflicts))
    return report
