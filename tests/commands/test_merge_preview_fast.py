"""``merge NAME --dry-run`` without click (issue 16): the same preview, the same refusals, and
click's answer whenever the fast path cannot be sure of giving it."""

from __future__ import annotations

from pathlib import Path

import pytest

from q_tmux.cli import entry, merge_preview
from q_tmux.merge import journal
from q_tmux.store.session_file import read_session_file
from tests.commands.test_merge import session_with_commits
from tests.conftest import QTmux, Result, git


def _both(
    qtmux: QTmux, monkeypatch: pytest.MonkeyPatch, *args: str, cwd: Path
) -> tuple[Result, Result, bool]:
    """``q-tmux ARGS`` by the fast path, then by the click command; and whether the fast
    path answered (rather than leaving it to click)."""
    with monkeypatch.context() as patch:
        answered = _spy(patch)
        fast = qtmux(*args, cwd=cwd)
    with monkeypatch.context() as patch:
        patch.setattr(entry, "_fast", lambda argv: None)
        slow = qtmux(*args, cwd=cwd)
    return fast, slow, bool(answered) and answered[0] is not None


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """What the fast path answers from now on (None: it left the command to click)."""
    answered: list[int | None] = []
    real = merge_preview.dry_run_command

    def spy(options: list[str]) -> int | None:
        answered.append(real(options))
        return answered[-1]

    monkeypatch.setattr(merge_preview, "dry_run_command", spy)
    return answered


def _same(fast: Result, slow: Result) -> None:
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        slow.returncode,
        slow.stdout,
        slow.stderr,
    )


def test_the_preview_and_its_modes_say_what_the_click_command_says(
    qtmux: QTmux, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_with_commits(qtmux, repo, "one", {"shared.txt": "one\n", "a.txt": "a\n"})
    session_with_commits(qtmux, repo, "two", {"shared.txt": "two\n"})
    session_with_commits(qtmux, repo, "three", {"shared.txt": "one\n"})
    for args in (
        ["merge", "one", "--dry-run"],
        ["merge", "--dry-run", "one", "--squash"],
        ["merge", "one", "--rebase", "--dry-run", "--refresh"],
    ):
        fast, slow, answered = _both(qtmux, monkeypatch, *args, cwd=repo)
        assert answered, args
        _same(fast, slow)
        assert fast.returncode == 0
        assert "session 'two' would conflict in: shared.txt" in fast.stdout
        assert "session 'three' also changes: shared.txt (merges cleanly)" in fast.stdout


def test_refusals_are_the_click_commands_sentences_and_exit_codes(
    qtmux: QTmux, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_with_commits(qtmux, repo, "cf", {"README.md": "session version\n"})
    (repo / "README.md").write_text("main version\n")
    git(repo, "commit", "-q", "-am", "main edits README")
    wip = session_with_commits(qtmux, repo, "wip", {})
    (wip / "w.txt").write_text("not committed\n")
    qtmux.ok("new", "plain", "--no-worktree", "--detach", cwd=repo)
    for args, message in (
        (["merge", "nobody", "--dry-run"], "There is no session named 'nobody'"),
        (["merge", "cf", "--dry-run"], "would conflict in README.md"),
        (["merge", "wip", "--dry-run"], "its work is not committed yet (w.txt)"),
        (["merge", "plain", "--dry-run"], "has no branch of its own to merge"),
    ):
        fast, slow, answered = _both(qtmux, monkeypatch, *args, cwd=repo)
        assert answered, args
        _same(fast, slow)
        assert fast.returncode != 0
        (line,) = fast.stderr.splitlines()
        assert line.startswith("q-tmux: "), args
        assert message in line, args


@pytest.mark.parametrize(
    "args",
    [
        ["merge", "one", "--squash", "--rebase", "--dry-run"],
        ["merge", "one", "--dry-run", "--bogus"],
        ["merge", "one", "two", "--dry-run"],
        ["merge", "--dry-run"],
        ["merge", "one", "--dry-run", "--help"],
        ["merge", "one"],
    ],
)
def test_what_the_fast_path_does_not_read_is_left_to_click(
    qtmux: QTmux, repo: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    session_with_commits(qtmux, repo, "one", {"a.txt": "a\n"})
    fast, slow, answered = _both(qtmux, monkeypatch, *args, cwd=repo)
    assert not answered
    _same(fast, slow)


def test_an_interrupted_merge_is_left_to_the_click_command_which_settles_it(
    qtmux: QTmux, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = session_with_commits(qtmux, repo, "one", {"a.txt": "a\n"})
    record = read_session_file(work / ".amazonq" / "session.json")
    kept = journal.MergeJournal(record=record, mode=journal.Mode.MERGE, repos=[])
    kept.save()  # the command's environment (HOME) is this process's
    answered = _spy(monkeypatch)
    result = qtmux.ok("merge", "one", "--dry-run", cwd=repo)
    assert answered == [None]  # declined: click settled it, then previewed
    assert "stopped before changing anything; starting again" in result.stderr
    assert "1 file(s) changed, +1 -0:" in result.stdout
    assert not journal.path_for(record.id).exists()


def test_an_unreadable_journal_is_said_as_the_click_command_says_it(
    qtmux: QTmux, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = session_with_commits(qtmux, repo, "one", {"a.txt": "a\n"})
    kept = journal.path_for(read_session_file(work / ".amazonq" / "session.json").id)
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text("not a journal")
    fast, slow, _ = _both(qtmux, monkeypatch, "merge", "one", "--dry-run", cwd=repo)
    _same(fast, slow)
    assert fast.returncode != 0
    assert "is not one q-tmux can read" in fast.stderr
    assert kept.read_text() == "not a journal"
