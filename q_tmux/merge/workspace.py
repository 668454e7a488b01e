"""Merging a workspace session: every repository with changes, or none of them.

Every repository is previewed and checked before anything moves, and each
one's result commit is made (objects only) before the first base moves. The
bases then move one at a time, each by compare-and-swap; when one refuses,
those already moved are moved back. A journal in the state dir names the
bases in flight, so a merge killed between two moves is rolled back by the
next run, and one killed after the last move finishes its clean-up.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from q_tmux.adapters.git import CommitOid, History, Repo, update_ref
from q_tmux.merge.engine import Journal, MergeRefused, Mode, Preview, move_base
from q_tmux.store import paths, registry
from q_tmux.store.journals import step_done
from q_tmux.store.session_file import SESSION_DIR, SESSION_FILE, SessionRecord, Status, StatusSource


@dataclass
class RepoMerge:
    """One repository of the merge: its preview and, once made, the commit its base moves to."""

    preview: Preview
    history: History
    new: CommitOid | None = None

    @property
    def label(self) -> str:
        return self.preview.label

    def as_journal(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "repo_root": str(self.history.repo.main_worktree),
            "base": self.preview.base,
            "branch": self.preview.branch,
            "old": self.preview.base_oid,
            "new": self.new,
            "tip": self.preview.tip,
            "work_dir": str(self.preview.work_dir),
        }


def journal_for(session_id: str) -> Journal:
    """The journal of a workspace session's merge (several repositories: kept in the state dir)."""
    return Journal.at(paths.state_dir() / "merges" / f"{session_id}.json")


def leftover_journals() -> list[Journal]:
    """Every workspace merge journal still on disk."""
    folder = paths.state_dir() / "merges"
    return [Journal.at(path) for path in sorted(folder.glob("*.json"))]


def move_all(merges: list[RepoMerge], name: str, journal: Journal) -> None:
    """Move every base to its new commit, or move the ones already moved back and refuse."""
    moved: list[RepoMerge] = []
    for merge in merges:
        assert merge.new is not None
        try:
            move_base(merge.preview, merge.new, merge.history.repo)
        except MergeRefused as error:
            undone = roll_back([m.as_journal() for m in moved], name)
            raise MergeRefused(
                f"Merging '{name}' stopped at {merge.label}: {error} {undone}"
            ) from None
        moved.append(merge)
        step_done(f"base:{merge.label}")
    journal.record(phase="moved")


def roll_back(entries: list[dict[str, Any]], name: str) -> str:
    """Move each journaled base from its new commit back to its old one; say how it went."""
    if not entries:
        return "No repository had been merged yet."
    failures = []
    for entry in reversed(entries):
        problem = _move_back(Repo.discover(Path(entry["repo_root"])), entry, name)
        if problem is not None:
            failures.append(f"{entry['label']}: {problem}")
    labels = ", ".join(entry["label"] for entry in entries)
    if not failures:
        return f"The repositories merged before it ({labels}) were moved back: nothing is merged."
    return "Could not move back " + "; ".join(failures) + "."


def _move_back(repo: Repo, entry: dict[str, Any], name: str) -> str | None:
    base, old, new = entry["base"], CommitOid(entry["old"]), CommitOid(entry["new"] or "")
    current = repo.branch_oid(base)
    if current == old:
        return None  # this one never moved
    if current != new:
        return f"{base} has moved on since; 'git branch -f {base} {old[:12]}' would undo the merge"
    for worktree in repo.worktrees():
        if worktree.branch == base and not worktree.bare:
            # The inverse of the merge's --ff-only: moves the branch and its files back,
            # keeps the user's unrelated uncommitted changes, refuses if they overlap.
            result = repo.git("reset", "--keep", "--quiet", old, cwd=worktree.path)
            if result.ok:
                return None
            return (
                f"{result.first_error_line()}; 'git reset --keep {old[:12]}' "
                f"in {worktree.path} undoes the merge"
            )
    if update_ref(repo, f"refs/heads/{base}", old, new, f"q-tmux: undo merge of '{name}'"):
        return None
    return f"{base} moved meanwhile; 'git branch -f {base} {old[:12]}' would undo the merge"


def remove_session_folder(folder: Path, record: SessionRecord) -> bool:
    """Remove q-tmux's files and the empty folders left; True when the folder is gone.

    Runs after every worktree in it was removed; anything else found there is
    the user's and is kept, with the folders holding it.
    """
    ours = {f"{SESSION_DIR}/{SESSION_FILE}", *record.agent.files}
    for relative in ours:
        (folder / relative).unlink(missing_ok=True)
    for current, _, _ in sorted(os.walk(folder), key=lambda step: -len(step[0])):
        with contextlib.suppress(OSError):  # not empty: it holds something of the user's
            os.rmdir(current)
    return not folder.exists()


def archive_record(record: SessionRecord, entries: list[dict[str, Any]], mode: Mode) -> Path:
    """Keep the record, with what each repository's base moved to, off the registry."""
    record.set_status(Status.COMPLETED, StatusSource.PROCESS)
    data = record.model_dump(mode="json")
    data["merge"] = {
        "repos": [
            {"repo": e["label"], "into": e["base"], "commit": e["new"]} for e in entries if e["new"]
        ],
        "mode": mode.name.lower(),
    }
    return registry.archive(record.id, data)
