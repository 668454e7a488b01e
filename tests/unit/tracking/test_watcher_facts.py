"""The watcher keeps what it predicts in the fact file, and reuses what commands kept there."""

from __future__ import annotations

from pathlib import Path

import pytest

from q_tmux.adapters import counts, tmuxcmd
from q_tmux.adapters.git import CommitOid
from q_tmux.merge.facts import CachedHistory
from q_tmux.store.facts import FactStore, key
from q_tmux.tracking.watcher import Watcher
from tests.conftest import git, make_repo


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    seen: list[list[str]] = []
    real = tmuxcmd.run_program

    def counting(program: str, args: list[str]) -> tuple[int, str]:
        seen.append([program, *args])
        return real(program, args)

    monkeypatch.setattr(tmuxcmd, "run_program", counting)
    return seen


def diverged(tmp_path: Path) -> tuple[Path, str, str]:
    root = make_repo(tmp_path / "app", {"README.md": "hello\n"})
    git(root, "switch", "-q", "-c", "topic")
    (root / "README.md").write_text("topic\n")
    git(root, "commit", "-qam", "topic")
    git(root, "switch", "-q", "main")
    (root / "README.md").write_text("main\n")
    git(root, "commit", "-qam", "main")
    main, topic = (git(root, "rev-parse", name).strip() for name in ("main", "topic"))
    return root, main, topic


def test_what_the_watcher_predicts_is_what_list_reads(
    tmp_path: Path, runs: list[list[str]]
) -> None:
    root, main, topic = diverged(tmp_path)
    assert Watcher.merge_conflicts(str(root), main, topic) == ["README.md"]
    store = FactStore(str(root))
    assert store.get(key("predict", main, topic))["conflicts"] == ["README.md"]
    assert store.get(key("ahead-behind", main, topic)) == [1, 1]
    history = CachedHistory(str(root))
    tips = CommitOid(main), CommitOid(topic)
    assert history.predict(*tips).conflicts == ("README.md",)  # from the file
    assert history.ahead_behind(*tips) == (1, 1)
    runs.clear()
    assert Watcher.merge_conflicts(str(root), main, topic) == ["README.md"]
    assert runs == []  # known already: no merge-tree again


def test_the_watcher_reuses_a_commands_prediction(tmp_path: Path, runs: list[list[str]]) -> None:
    root, main, topic = diverged(tmp_path)
    history = CachedHistory(str(root))
    history.predict(CommitOid(main), CommitOid(topic))
    history.save()
    assert Watcher.merge_conflicts(str(root), main, topic) == ["README.md"]
    assert runs == []


@pytest.mark.parametrize(("answer", "expected"), [("3\t5\n", (5, 3)), ("", None), ("x y", None)])
def test_rev_lists_count_is_read_back(answer: str, expected: tuple[int, int] | None) -> None:
    assert counts.parse(answer) == expected
