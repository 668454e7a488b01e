"""Unit tests for sessions/carry.py: fork's decisions, its agent's argv, and the source's safety."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from q_tmux.adapters.git import CommitOid, Planted, Repo, WorktreeTrees
from q_tmux.agents import claude
from q_tmux.agents.launch import Agent
from q_tmux.errors import UsageError
from q_tmux.sessions.carry import (
    CarryError,
    capture,
    fork_agent,
    fork_message,
    fork_name_base,
    fork_refusal,
    mismatch,
    refuse_mismatched_start,
)
from q_tmux.store.session_file import AgentInfo, SessionRecord, WorktreeInfo
from tests.conftest import git, make_repo

WORK = Path("/src/app.worktrees/work")


def refusal(**facts: object) -> str | None:
    given: dict[str, object] = {
        "worktree_missing": False,
        "owns_worktree": True,
        "workspace": False,
        "operation": None,
        "work_dir": WORK,
    }
    given.update(facts)
    return fork_refusal("work", **given)  # type: ignore[arg-type]


def test_a_session_with_its_own_worktree_can_be_forked() -> None:
    assert refusal() is None


@pytest.mark.parametrize(
    ("facts", "words"),
    [
        ({"worktree_missing": True}, f"its worktree {WORK} is gone"),
        ({"workspace": True, "owns_worktree": False}, "spans several repositories"),
        ({"owns_worktree": False}, "without a worktree of its own"),
        ({"operation": "rebase"}, "while a rebase is under way"),
        ({"operation": "merge"}, "while a merge is under way"),
    ],
)
def test_what_cannot_be_forked_is_said_in_one_sentence(
    facts: dict[str, object], words: str
) -> None:
    said = refusal(**facts)
    assert said is not None
    assert words in said
    assert said.count(". ") == 0
    assert said.endswith(".")


def test_an_unnamed_fork_is_named_after_its_source() -> None:
    assert fork_name_base("fix-login") == "fix-login-fork"


def test_the_first_message_says_what_was_forked() -> None:
    text = fork_message("work", "work", "0123456789abcdef", "Build the thing")
    assert text.startswith("This session is a fork of session 'work' (branch work at 01234567)")
    assert text.endswith("Its task was: Build the thing")
    assert "Its task" not in fork_message("work", None, "0123456789", None)
    assert "(commit 01234567)" in fork_message("work", None, "0123456789abcdef", None)


def trees(head: str = "h", staged: str | None = "s", files: str = "f") -> WorktreeTrees:
    return WorktreeTrees(CommitOid(head), staged, files)


def planted(head: str = "h", staged: str = "s", files_match: bool = True) -> Planted:
    return Planted(CommitOid(head), staged, files_match)


def test_a_copy_matches_only_when_every_tree_does() -> None:
    assert mismatch(trees(), planted()) is None
    assert mismatch(trees(), planted(files_match=False)) == "files"
    assert mismatch(trees(), planted(staged="t", files_match=False)) == "staged changes and files"
    assert mismatch(trees(), planted(head="x")) == "HEAD"


def test_with_changes_starts_only_where_the_base_is() -> None:
    refuse_mismatched_start(CommitOid("abc"), CommitOid("abc"), "main")
    with pytest.raises(UsageError, match="the base release is at def"):
        refuse_mismatched_start(CommitOid("abc"), CommitOid("def"), "release")


# --- the fork's agent ---


def record(preset: str, command: list[str], **agent: object) -> SessionRecord:
    return SessionRecord(
        id="abc",
        name="work",
        first_message="Build the thing",
        agent=AgentInfo(
            preset=preset,
            command=command,
            resume_command=command,
            base_command=command,
            base_resume_command=command,
            **agent,  # type: ignore[arg-type]
        ),
        worktree_info=WorktreeInfo(path=str(WORK)),
    )


def fresh(preset: str, message: str) -> Agent:
    return Agent(preset, [preset, message], [preset], None)


def test_claude_continues_a_copy_of_the_conversation() -> None:
    forked = record(
        "claude",
        ["claude", "Build the thing"],
        conversation_id="0c1d",
        conversation_file="/home/u/.claude/projects/-src-app/0c1d.jsonl",
    )
    plan = fork_agent(forked, "fresh start", fresh, exists=lambda _path: True)
    assert plan.agent.command == ["claude", "--resume", "0c1d", "--fork-session"]
    assert plan.agent.resume_command == ["claude", "--continue"]
    assert plan.first_message == "Build the thing"
    assert plan.conversation_file == "/home/u/.claude/projects/-src-app/0c1d.jsonl"


@pytest.mark.parametrize(
    "agent",
    [
        {},  # its hooks never reported a conversation
        {"conversation_id": "0c1d", "conversation_file": "/gone/0c1d.jsonl"},
    ],
)
def test_claude_without_its_conversation_starts_fresh(agent: dict[str, str]) -> None:
    plan = fork_agent(
        record("claude", ["claude"], **agent), "fresh start", fresh, exists=lambda _path: False
    )
    assert plan.agent.command == ["claude", "fresh start"]
    assert plan.first_message == "fresh start"
    assert plan.conversation_file is None


def test_an_agent_that_cannot_fork_starts_fresh_with_the_message() -> None:
    plan = fork_agent(record("q", ["q", "chat"], conversation_id="x"), "fresh start", fresh)
    assert plan.agent.command == ["q", "fresh start"]
    assert plan.first_message == "fresh start"


def test_a_custom_command_starts_as_given_without_a_message() -> None:
    plan = fork_agent(record("command", ["mychat", "--fast"]), "fresh start", fresh)
    assert plan.agent.command == ["mychat", "--fast"]
    assert "custom command" in plan.agent.notes[0]


def test_claude_finds_the_copied_conversation_from_the_new_folder(tmp_path: Path) -> None:
    projects = tmp_path / ".claude" / "projects"
    source = projects / "-src-app-worktrees-work" / "0c1d.jsonl"
    source.parent.mkdir(parents=True)
    source.write_text('{"type": "user"}\n')
    (source.parent / "0c1d").mkdir()  # the conversation's extras
    (source.parent / "0c1d" / "tool.txt").write_text("output\n")
    work_dir = Path("/src/app.worktrees/work-fork 2")
    assert claude.fork_files(str(source), work_dir)
    target = projects / "-src-app-worktrees-work-fork-2"
    assert (target / "0c1d.jsonl").read_text() == '{"type": "user"}\n'
    assert (target / "0c1d" / "tool.txt").read_text() == "output\n"
    assert not claude.fork_files(str(source.parent / "gone.jsonl"), work_dir)


def test_claude_fork_arguments() -> None:
    assert claude.fork_args("0c1d") == ["--resume", "0c1d", "--fork-session"]
    assert claude.project_folder_name("/home/u/my.app_x") == "-home-u-my-app-x"


# --- the source is never written, and cleaned only when nothing changed since ---


@pytest.fixture
def dirty(tmp_path: Path) -> Repo:
    path = make_repo(tmp_path / "app", {"a.txt": "a\n", "b.txt": "b\n"})
    (path / "a.txt").write_text("changed\n")
    git(path, "add", "a.txt")
    (path / "new.txt").write_text("untracked\n")
    return Repo.discover(path)


def test_reading_a_worktree_writes_nothing_to_it(dirty: Repo) -> None:
    index = dirty.git_dir / "index"
    before = index.read_bytes()
    with capture(dirty, what="it") as captured:
        assert captured.trees.staged != captured.trees.files  # new.txt is not staged
    assert index.read_bytes() == before
    assert git(dirty.toplevel, "status", "--porcelain") == "M  a.txt\n?? new.txt\n"


def test_a_file_changed_after_reading_is_never_cleaned_away(dirty: Repo) -> None:
    with capture(dirty, what="it") as captured:
        (dirty.toplevel / "new.txt").write_text("written meanwhile, longer than before\n")
        problem = captured.clean_source()
    assert problem is not None
    assert "git refused" in problem
    assert (dirty.toplevel / "new.txt").read_text() == "written meanwhile, longer than before\n"
    assert (dirty.toplevel / "a.txt").read_text() == "changed\n"


def test_an_index_changed_after_reading_is_left_alone(dirty: Repo) -> None:
    with capture(dirty, what="it") as captured:
        git(dirty.toplevel, "add", "new.txt")
        problem = captured.clean_source()
    assert problem is not None
    assert "its index changed meanwhile" in problem
    assert git(dirty.toplevel, "status", "--porcelain") == "M  a.txt\nA  new.txt\n"


def test_cleaning_puts_the_worktree_back_to_head(dirty: Repo) -> None:
    with capture(dirty, what="it") as captured:
        assert captured.clean_source() is None
    assert git(dirty.toplevel, "status", "--porcelain", "--untracked-files=all") == ""


def test_unmerged_paths_are_refused(dirty: Repo) -> None:
    path = dirty.toplevel
    git(path, "commit", "-q", "-m", "a changed")
    (path / "a.txt").write_text("stashed\n")
    git(path, "stash", "-q")
    (path / "a.txt").write_text("committed\n")
    git(path, "commit", "-q", "-am", "moves on")
    # The stash conflicts: unmerged paths with no operation under way.
    subprocess.run(
        ["git", "-C", str(path), "stash", "apply", "-q"], capture_output=True, check=False
    )
    assert "UU a.txt" in git(path, "status", "--porcelain")
    with (
        pytest.raises(CarryError, match="unresolved conflicts"),
        capture(dirty, what="This worktree"),
    ):
        pass


def test_a_repository_inside_that_is_not_a_submodule_is_refused(dirty: Repo) -> None:
    inner = make_repo(dirty.toplevel / "vendor" / "lib", {"x.txt": "x\n"})
    with (
        pytest.raises(CarryError, match=r"not submodules \(vendor/lib\)"),
        capture(dirty, what="It"),
    ):
        pass
    assert (inner / "x.txt").read_text() == "x\n"


def test_a_git_command_running_in_the_source_keeps_it_as_it_is(dirty: Repo) -> None:
    lock = dirty.git_dir / "index.lock"
    with capture(dirty, what="it") as captured:
        lock.write_bytes(b"")
        problem = captured.clean_source()
    assert problem is not None
    assert "another git command holds" in problem
    assert lock.exists()  # theirs: left alone
    lock.unlink()
    assert git(dirty.toplevel, "status", "--porcelain") == "M  a.txt\n?? new.txt\n"
