"""Unit tests for merge/cleanup.py's ``plan``: which sessions cleanup picks, and why.

Sessions are built as data (registry entry and record) over real tiny worktrees;
no tmux and no CLI, so a failure points at the selection logic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from q_tmux.adapters.git import git_version
from q_tmux.merge.cleanup import Action, Selection, plan
from q_tmux.sessions.views import SessionView
from q_tmux.store.registry import RegistryEntry
from q_tmux.store.session_file import AgentInfo, SessionRecord, WorktreeInfo
from tests.conftest import git, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "app")


def session(
    repo: Path, name: str, *, commit: bool = True, idle_days: float = 0, merged: bool = False
) -> SessionView:
    """Session ``name`` in its own worktree on branch ``name``, with one commit if ``commit``."""
    work = repo.parent / "app.worktrees" / name
    base_oid = git(repo, "rev-parse", "main").strip()
    git(repo, "worktree", "add", "-q", "-b", name, str(work), "main")
    if commit:
        (work / f"{name}.txt").write_text(f"{name}\n")
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", name)
    if merged:
        git(repo, "merge", "-q", "--no-edit", name)
    record = SessionRecord(
        id=f"id-{name}",
        name=name,
        agent=AgentInfo(preset="q", command=["q", "chat"], resume_command=["q", "chat"]),
        worktree_info=WorktreeInfo(
            path=str(work), branch=name, repo_root=str(repo), base_branch="main", base_oid=base_oid
        ),
        last_active=datetime.now(UTC) - timedelta(days=idle_days),
    )
    entry = RegistryEntry(id=record.id, name=name, work_dir=str(work), repo_root=str(repo))
    return SessionView(entry, record, None, None)


def planned(views: list[SessionView], selection: Selection) -> list[tuple[str, str, str]]:
    actions: list[Action] = plan(views, selection, git_version(), force=False)
    return [(action.what, action.name, action.reason) for action in actions]


def test_merged_sessions_are_picked_and_the_rest_left(repo: Path) -> None:
    views = [session(repo, "done", merged=True), session(repo, "open")]
    assert planned(views, Selection(merged=True)) == [("session", "done", "merged into main")]


def test_a_branch_never_worked_on_was_not_merged(repo: Path) -> None:
    # It stands where it started; with a base that moved on since, it is behind, not merged.
    views = [session(repo, "empty", commit=False), session(repo, "moved", merged=True)]
    assert planned(views, Selection(merged=True)) == [("session", "moved", "merged into main")]


def test_old_sessions_are_picked_by_their_last_activity(repo: Path) -> None:
    views = [session(repo, "stale", idle_days=10.5), session(repo, "fresh", idle_days=1)]
    assert planned(views, Selection(older_than_days=7)) == [
        ("session", "stale", "inactive for 10 day(s)")
    ]


def test_both_reasons_are_said(repo: Path) -> None:
    views = [session(repo, "both", merged=True, idle_days=30)]
    assert planned(views, Selection(merged=True, older_than_days=7)) == [
        ("session", "both", "merged into main, inactive for 30 day(s)")
    ]


def test_a_picked_session_with_unmerged_work_is_blocked_not_dropped(repo: Path) -> None:
    (view,) = [session(repo, "stale", idle_days=10)]
    (action,) = plan([view], Selection(older_than_days=7), git_version(), force=False)
    assert action.blocked == ["branch stale has 1 commit(s) not in main"]


def test_an_unreadable_session_file_is_never_guessed_at(repo: Path) -> None:
    view = session(repo, "broken", merged=True)
    unreadable = SessionView(view.entry, None, "the session file is not JSON", None)
    assert planned([unreadable], Selection(merged=True, older_than_days=0)) == []


def test_a_registry_entry_whose_folder_is_gone_is_an_orphan(repo: Path, tmp_path: Path) -> None:
    gone = RegistryEntry(id="id-gone", name="gone", work_dir=str(tmp_path / "nowhere"))
    view = SessionView(gone, None, None, None)
    assert planned([view], Selection(merged=True)) == []
    assert ("registry entry", "gone", f"its directory {tmp_path / 'nowhere'} is gone") in planned(
        [view], Selection(orphans=True)
    )


def test_workspace_sessions_are_left_to_merge_and_rm(repo: Path) -> None:
    view = session(repo, "multi", idle_days=30)
    assert view.record is not None
    view.record.repos = [view.record.worktree_info]
    assert planned([view], Selection(merged=True)) == []  # its merge is per repository
    (action,) = plan([view], Selection(older_than_days=7), git_version(), force=True)
    assert action.always_kept
    assert action.blocked == [
        "workspace sessions are removed by 'q-tmux merge multi' or 'q-tmux rm multi'"
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ((False, None, False), Selection(merged=True, orphans=True)),
        ((False, 3.0, False), Selection(older_than_days=3.0)),
        ((True, None, False), Selection(merged=True)),
    ],
)
def test_no_selector_means_merged_and_orphans(
    given: tuple[bool, float | None, bool], expected: Selection
) -> None:
    assert Selection.default_if_empty(*given) == expected
