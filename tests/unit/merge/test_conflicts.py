"""Unit tests for merge/conflicts.py's ``analyse``: real tiny repositories, no tmux, no CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from q_tmux.adapters.git import History, Repo, git_version
from q_tmux.merge.conflicts import Checkout, Report, analyse
from q_tmux.store.session_file import WorktreeInfo
from tests.conftest import git, make_repo


def commit_on(repo: Path, branch: str, files: dict[str, str], start: str = "main") -> None:
    """A commit on ``branch`` (made from ``start`` if new) writing ``files``."""
    exists = git(repo, "branch", "--list", branch).strip()
    git(repo, "checkout", "-q", branch) if exists else git(
        repo, "checkout", "-q", "-b", branch, start
    )
    for name, content in files.items():
        (repo / name).write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"{branch}: {', '.join(files)}")
    git(repo, "checkout", "-q", "main")


def session(name: str, branch: str | None = None, base: str | None = "main") -> Checkout:
    return Checkout(
        name, WorktreeInfo(path=f"/nowhere/{name}", branch=branch or name, base_branch=base)
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "app", {"a.txt": "1\n2\n3\n", "b.txt": "b\n", "c.txt": "c\n"})


def analysed(repo: Path, checkouts: list[Checkout]) -> Report:
    return analyse(checkouts, History(Repo.discover(repo), git_version()))


def test_two_sessions_editing_the_same_line_conflict_and_the_third_is_apart(repo: Path) -> None:
    commit_on(repo, "left", {"a.txt": "1\nLEFT\n3\n", "b.txt": "b left\n"})
    commit_on(repo, "right", {"a.txt": "1\nRIGHT\n3\n"})
    commit_on(repo, "apart", {"c.txt": "c apart\n"})

    report = analysed(repo, [session("left"), session("right"), session("apart")])

    by_name = {s.name: s for s in report.sessions}
    assert by_name["left"].files == {"a.txt", "b.txt"}
    assert (by_name["left"].ahead, by_name["left"].behind) == (1, 0)
    assert all(s.conflicts_with_base == () for s in report.sessions)
    assert [(p.first, p.second, p.shared, p.conflicts) for p in report.pairs] == [
        ("left", "right", ["a.txt"], ("a.txt",))
    ]
    # The session that collides with nobody goes first; then fewest files.
    assert report.merge_order() == ["apart", "right", "left"]


def test_sessions_touching_one_file_in_different_places_do_not_conflict(repo: Path) -> None:
    commit_on(repo, "top", {"a.txt": "TOP\n2\n3\n"})
    commit_on(repo, "bottom", {"a.txt": "1\n2\nBOTTOM\n"})

    report = analysed(repo, [session("top"), session("bottom")])

    assert [(p.shared, p.conflicts) for p in report.pairs] == [(["a.txt"], ())]


def test_a_conflict_with_the_base_is_the_sessions_own_not_the_pairs(repo: Path) -> None:
    commit_on(repo, "one", {"a.txt": "1\nONE\n3\n"})
    commit_on(repo, "two", {"a.txt": "1\nONE\n3\n"})  # the same change: no quarrel between them
    commit_on(repo, "main", {"a.txt": "1\nBASE MOVED\n3\n"})  # but the base moved under both

    report = analysed(repo, [session("one"), session("two")])

    assert [s.conflicts_with_base for s in report.sessions] == [("a.txt",), ("a.txt",)]
    assert [s.behind for s in report.sessions] == [1, 1]
    assert [p.conflicts for p in report.pairs] == [()]


def test_sessions_without_a_branch_or_whose_branch_is_gone_are_set_aside(repo: Path) -> None:
    commit_on(repo, "kept", {"b.txt": "kept\n"})

    report = analysed(
        repo,
        [
            session("kept"),
            session("gone"),
            session("no-base", base=None),
            Checkout("plain", WorktreeInfo(path="/nowhere/plain")),
        ],
    )

    assert [s.name for s in report.sessions] == ["kept"]
    assert report.skipped == ["gone: branch gone or main is gone"]
    assert report.pairs == []


def test_the_json_of_a_report_keeps_its_fields_in_their_order(repo: Path) -> None:
    commit_on(repo, "left", {"b.txt": "left\n", "a.txt": "1\nLEFT\n3\n"})
    commit_on(repo, "right", {"a.txt": "1\nRIGHT\n3\n"})
    report = analysed(repo, [session("left"), session("right")])
    left = report.sessions[0].as_json()
    assert list(left) == [
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
    ]
    assert (left["files"], left["conflicts_with_base"]) == (["a.txt", "b.txt"], ())
    assert report.pairs[0].as_json() == {
        "first": "left",
        "second": "right",
        "shared": ["a.txt"],
        "conflicts": ("a.txt",),
    }
    assert list(report.pairs[0].as_json()) == ["first", "second", "shared", "conflicts"]
