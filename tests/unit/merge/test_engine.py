"""The merge engine's pure parts: the journal, its phases, and what a killed merge calls for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from q_tmux.errors import QTmuxError
from q_tmux.merge import journal
from q_tmux.merge.journal import (
    MergeJournal,
    Mode,
    Phase,
    RepoEntry,
    Settle,
    Where,
    settlement,
    where,
)
from q_tmux.store.session_file import AgentInfo, SessionRecord, WorktreeInfo


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "q-tmux"


def record(name: str = "feat", session_id: str = "id1") -> SessionRecord:
    return SessionRecord(
        id=session_id,
        name=name,
        agent=AgentInfo(preset="q", command=["q", "chat"], resume_command=["q", "chat"]),
        worktree_info=WorktreeInfo(path="/w/feat", branch="feat", base_branch="main"),
    )


def entry(label: str, new: str | None = "n" * 40) -> RepoEntry:
    return RepoEntry(
        label=label,
        repo_root=f"/r/{label}",
        base="main",
        branch="feat",
        old="o" * 40,
        new=new,
        tip="t" * 40,
        work_dir=f"/w/feat/{label}",
    )


def merge_journal(*entries: RepoEntry, phase: Phase = Phase.MOVING) -> MergeJournal:
    return MergeJournal(record=record(), mode=Mode.SQUASH, phase=phase, repos=list(entries))


# -- where a base is, and what a killed merge calls for ---------------------------------


def test_where_a_base_is_against_the_merges_before_and_after() -> None:
    one = entry("a")
    assert where("n" * 40, one) is Where.NEW
    assert where("o" * 40, one) is Where.OLD
    assert where("x" * 40, one) is Where.ELSEWHERE
    assert where(None, one) is Where.ELSEWHERE  # the base branch was deleted


def test_a_base_never_counts_as_moved_for_a_repository_with_nothing_to_merge() -> None:
    assert where("o" * 40, entry("a", new=None)) is Where.OLD
    assert where(None, entry("a", new=None)) is Where.ELSEWHERE


def test_every_base_moved_finishes_the_merge_even_before_the_phase_says_so() -> None:
    moving = merge_journal(entry("a"), entry("b"))
    assert settlement(moving, {"a": Where.NEW, "b": Where.NEW}) is Settle.FINISH


def test_some_bases_moved_are_moved_back() -> None:
    moving = merge_journal(entry("a"), entry("b"))
    assert settlement(moving, {"a": Where.NEW, "b": Where.OLD}) is Settle.ROLL_BACK
    assert settlement(moving, {"a": Where.NEW, "b": Where.ELSEWHERE}) is Settle.ROLL_BACK


def test_no_base_moved_starts_afresh() -> None:
    moving = merge_journal(entry("a"), entry("b"))
    assert settlement(moving, {"a": Where.OLD, "b": Where.OLD}) is Settle.START_AGAIN
    # Moved on by someone else: this merge did not do it, so there is nothing of it to undo.
    assert settlement(moving, {"a": Where.ELSEWHERE, "b": Where.OLD}) is Settle.START_AGAIN


def test_the_moved_phase_always_finishes_whatever_the_bases_did_since() -> None:
    moved = merge_journal(entry("a"), phase=Phase.MOVED)
    assert settlement(moved, {"a": Where.ELSEWHERE}) is Settle.FINISH


def test_repositories_with_nothing_to_merge_take_no_part_in_the_decision() -> None:
    moving = merge_journal(entry("a"), entry("quiet", new=None))
    assert [e.label for e in moving.moving] == ["a"]
    assert settlement(moving, {"a": Where.NEW}) is Settle.FINISH
    assert settlement(moving, {"a": Where.OLD}) is Settle.START_AGAIN


def test_a_one_repository_merge_killed_after_its_base_moved_is_finished() -> None:
    single = merge_journal(entry(""))
    assert settlement(single, {"": Where.NEW}) is Settle.FINISH
    assert settlement(single, {"": Where.OLD}) is Settle.START_AGAIN


# -- the journal on disk ----------------------------------------------------------------


def test_the_journal_round_trips_with_its_phase_and_the_mode_by_name(state_home: Path) -> None:
    saved = merge_journal(entry("a"), entry("b", new=None))
    saved.save()
    on_disk = json.loads((state_home / "merges" / "id1.json").read_text())
    assert on_disk["mode"] == "SQUASH"
    assert on_disk["phase"] == "moving"
    found = journal.find("id1")
    assert found is not None
    assert found.mode is Mode.SQUASH
    assert found.repos == saved.repos
    assert journal.find_by_name("feat") == found
    assert journal.under_way("id1", [])
    found.finish()
    assert journal.find("id1") is None
    assert not (state_home / "merges").exists()


def test_a_workspace_journal_of_the_previous_version_reads_as_is(state_home: Path) -> None:
    old = {
        "record": record().to_dict(),
        "mode": "MERGE",
        "phase": "moved",
        "repos": [entry("frontend").to_dict()],
    }
    (state_home / "merges").mkdir(parents=True)
    (state_home / "merges" / "id1.json").write_text(json.dumps(old))
    found = journal.find("id1")
    assert found is not None
    assert found.phase is Phase.MOVED
    assert found.mode is Mode.MERGE
    assert found.repos[0].label == "frontend"


def test_a_one_repository_journal_of_the_previous_version_is_carried_over(
    tmp_path: Path, state_home: Path
) -> None:
    legacy = tmp_path / "repo" / ".git" / "q-tmux" / "merge-id1.json"
    legacy.parent.mkdir(parents=True)
    flat = {
        "record": record().to_dict(),
        "base": "main",
        "branch": "feat",
        "old": "o" * 40,
        "new": "n" * 40,
        "tip": "t" * 40,
        "mode": "REBASE",
        "work_dir": "/w/feat",
    }
    legacy.write_text(json.dumps(flat))
    carried = journal._carry_over(legacy, tmp_path / "repo")
    assert carried.phase is Phase.MOVING  # the old one had none: settled from the base
    assert carried.mode is Mode.REBASE
    assert [(e.label, e.base, e.new) for e in carried.repos] == [("", "main", "n" * 40)]
    assert not legacy.exists()
    assert not legacy.parent.exists()
    assert journal.find("id1") == carried


@pytest.mark.parametrize("text", ["{not json", '{"record": {}}', "[]"])
def test_an_unreadable_journal_is_one_sentence_never_a_guess(state_home: Path, text: str) -> None:
    (state_home / "merges").mkdir(parents=True)
    (state_home / "merges" / "id1.json").write_text(text)
    with pytest.raises(QTmuxError, match=r"is not one q-tmux can read; check the bases"):
        journal.find("id1")
