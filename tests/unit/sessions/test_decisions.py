"""Unit tests for sessions/decisions.py: the worktree decision, the default base, free names."""

from __future__ import annotations

from pathlib import Path

import pytest

from q_tmux.adapters.git import Repo
from q_tmux.sessions.decisions import (
    NameTaken,
    decide_worktree,
    default_branch,
    looks_like_message,
)
from q_tmux.store.config import AgentSettings, Config, TypeSettings
from tests.conftest import git, make_repo


def decide(**overrides: object) -> tuple[bool, str]:
    """decide_worktree with every layer silent unless ``overrides`` speaks."""
    arguments: dict[str, object] = {
        "no_worktree": False,
        "worktree": False,
        "session_type": None,
        "type_settings": None,
        "agent": None,
        "in_repository": True,
        "ask": None,
        "config": Config(),
    }
    arguments.update(overrides)
    decision = decide_worktree(**arguments)  # type: ignore[arg-type]
    return decision.worktree, decision.because


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, (True, "the configured default")),
        ({"config": Config(worktree=False)}, (False, "the configured default")),
        ({"in_repository": False}, (False, "not a git repository")),
        ({"config": Config(worktree="ask"), "ask": lambda: False}, (False, "your answer")),
        ({"config": Config(worktree="ask")}, (True, "nobody to ask; the default")),
        (
            {"agent": AgentSettings(requires_worktree=False)},
            (False, "the agent's requires_worktree"),
        ),
        (
            {
                "session_type": "scratch",
                "type_settings": TypeSettings(worktree=False),
                "agent": AgentSettings(requires_worktree=True),
            },
            (False, "--type scratch"),
        ),
        (
            {"worktree": True, "type_settings": TypeSettings(worktree=False)},
            (True, "--worktree"),
        ),
        ({"no_worktree": True, "worktree": True}, (False, "--no-worktree")),
        # A type that says nothing about worktrees leaves the decision to the next layer.
        (
            {"type_settings": TypeSettings(), "in_repository": False},
            (False, "not a git repository"),
        ),
        # The agent's word beats git state: it is asked for whatever the folder is.
        (
            {"agent": AgentSettings(requires_worktree=True), "in_repository": False},
            (True, "the agent's requires_worktree"),
        ),
    ],
)
def test_the_first_layer_that_answers_decides(
    overrides: dict[str, object], expected: tuple[bool, str]
) -> None:
    assert decide(**overrides) == expected


def test_nobody_is_asked_when_a_layer_above_decided() -> None:
    def ask() -> bool:
        raise AssertionError("asked although --no-worktree decided")

    assert decide(no_worktree=True, ask=ask, config=Config(worktree="ask"))[0] is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Fix the parser crash", True), ("fix-parser", False), ("  parser  ", False), ("a b", True)],
)
def test_a_lone_argument_with_spaces_is_a_message(text: str, expected: bool) -> None:
    assert looks_like_message(text) is expected


def test_default_branch_prefers_origins_head(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin")
    git(origin, "branch", "-m", "main", "trunk")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "branch", "-q", "main")  # a local main too: origin's HEAD still wins
    assert default_branch(Repo.discover(clone)) == "trunk"


@pytest.mark.parametrize(
    ("branches", "expected"),
    [(["main"], "main"), (["master"], "master"), (["develop", "trunk"], "trunk"), (["x"], None)],
)
def test_default_branch_falls_back_to_the_usual_names(
    tmp_path: Path, branches: list[str], expected: str | None
) -> None:
    repo = make_repo(tmp_path / "r")
    git(repo, "branch", "-m", "main", branches[0])
    for branch in branches[1:]:
        git(repo, "branch", "-q", branch)
    assert default_branch(Repo.discover(repo)) == expected


def test_a_name_is_taken_by_a_branch_a_folder_or_nothing(tmp_path: Path) -> None:
    repo_path = make_repo(tmp_path / "app")
    git(repo_path, "branch", "-q", "agents/fix")
    worktrees = tmp_path / "app.worktrees"
    (worktrees / "left-over").mkdir(parents=True)
    taken = NameTaken(
        repo_path, Repo.discover(repo_path), worktrees_root=worktrees, branch_prefix="agents/"
    )
    assert taken("fix")  # the branch agents/fix
    assert taken("left-over")  # a folder where its worktree would go
    assert not taken("free")
    assert not taken("main")  # main is not agents/main
