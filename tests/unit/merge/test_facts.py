"""CachedHistory: what is known about commits is reused, a moved tip is computed again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from q_tmux.adapters import process
from q_tmux.adapters.git import CommitOid
from q_tmux.merge.conflicts import pair_conflicts
from q_tmux.merge.conflicts_fast import LightHistory, Unsure
from q_tmux.merge.facts import CachedHistory
from q_tmux.store.facts import FactStore, key
from tests.conftest import git, make_repo


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every program q-tmux runs, by its arguments."""
    seen: list[list[str]] = []
    real = process.run

    def counting(program: str, args: list[str], **kwargs: object) -> process.Completed:
        seen.append([program, *args])
        return real(program, args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(process, "run", counting)
    return seen


def commit(repo: Path, branch: str, path: str, content: str) -> None:
    git(repo, "switch", "-q", branch)
    (repo / path).write_text(content)
    git(repo, "add", path)
    git(repo, "commit", "-qm", path)
    git(repo, "switch", "-q", "main")


def tips_of(history: CachedHistory | LightHistory, *names: str) -> list[CommitOid]:
    """Where each of the branches ``names`` points; each must exist."""
    found = [history.branch(name) for name in names]
    tips = [tip for tip in found if tip is not None]
    assert len(tips) == len(names), found
    return tips


Facts = tuple[tuple[int, int], tuple[str, ...], list[str]]


def facts_of(root: Path, *, refresh: bool = False) -> Facts:
    history = CachedHistory(str(root), refresh=refresh)
    base, tip = tips_of(history, "main", "topic")
    found = (
        history.ahead_behind(base, tip),
        history.predict(base, tip).conflicts,
        [change.path for change in history.changed_files(base, tip)],
    )
    history.save()
    return found


def test_known_facts_cost_no_process_and_a_moved_tip_is_computed_again(
    tmp_path: Path, runs: list[list[str]]
) -> None:
    root = make_repo(tmp_path / "app", {"README.md": "hello\n"})
    git(root, "branch", "topic")
    commit(root, "topic", "README.md", "topic\n")
    commit(root, "main", "README.md", "main\n")
    assert facts_of(root) == ((1, 1), ("README.md",), ["README.md"])
    assert runs  # the first look asks git
    runs.clear()
    assert facts_of(root) == ((1, 1), ("README.md",), ["README.md"])
    assert runs == []  # tips from the ref files, the rest from the fact file
    commit(root, "topic", "new.txt", "new\n")
    assert facts_of(root) == ((2, 1), ("README.md",), ["README.md", "new.txt"])  # never stale
    assert runs
    runs.clear()
    git(root, "pack-refs", "--all")  # tips now only in packed-refs
    assert facts_of(root) == ((2, 1), ("README.md",), ["README.md", "new.txt"])
    assert runs == []


def test_refresh_asks_git_again(tmp_path: Path, runs: list[list[str]]) -> None:
    root = make_repo(tmp_path / "app", {"README.md": "hello\n"})
    git(root, "branch", "topic")
    commit(root, "topic", "a.txt", "a\n")
    facts_of(root)
    runs.clear()
    assert facts_of(root, refresh=True) == ((1, 0), (), ["a.txt"])
    assert any("merge-tree" in run for run in runs)


def test_a_pairs_prediction_is_kept_by_its_four_commits(
    tmp_path: Path, runs: list[list[str]]
) -> None:
    root = make_repo(tmp_path / "app", {"shared.txt": "base\n"})
    git(root, "branch", "one")
    git(root, "branch", "two")
    commit(root, "one", "shared.txt", "one\n")
    commit(root, "two", "shared.txt", "two\n")

    def pair() -> tuple[str, ...] | None:
        history = CachedHistory(str(root))
        base, one, two = tips_of(history, "main", "one", "two")
        found = pair_conflicts(history, (base, one), (base, two), ["shared.txt"])
        history.save()
        return found

    assert pair() == ("shared.txt",)
    runs.clear()
    assert pair() == ("shared.txt",)
    assert runs == []
    commit(root, "two", "shared.txt", "one\n")  # now the same change as one's: no conflict
    assert pair() == ()


def test_a_missing_branch_is_asked_of_git(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app")
    history = CachedHistory(str(root))
    assert history.branch("nope") is None
    assert history.branch("main") == CommitOid(git(root, "rev-parse", "main").strip())


def test_a_fact_of_the_wrong_shape_is_computed_again(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app", {"README.md": "hello\n"})
    git(root, "branch", "topic")
    commit(root, "topic", "a.txt", "a\n")
    base, tip = (git(root, "rev-parse", name).strip() for name in ("main", "topic"))
    store = FactStore(str(root))
    for kind, bad in [
        ("ahead-behind", ["1", "x"]),
        ("predict", {"clean": "yes", "conflicts": 3}),
        ("diff-stat", [["a.txt", "many"]]),
        ("commits", "nope"),
    ]:
        store.put(key(kind, base, tip), bad)
    store.save()
    assert facts_of(root) == ((1, 0), (), ["a.txt"])
    history = CachedHistory(str(root))
    assert [c.subject for c in history.commits(CommitOid(base), CommitOid(tip))] == ["a.txt"]
    assert FactStore(str(root)).get(key("ahead-behind", base, tip)) == [1, 0]  # rewritten


def test_the_throwaway_merge_is_kept_so_a_moved_tip_costs_one_merge_tree(
    tmp_path: Path, runs: list[list[str]]
) -> None:
    """The click ``conflicts`` and the merge preview reuse the commit of one session merged
    into the base, as the standard-library path does: one history, one fact file."""
    root = make_repo(tmp_path / "app", {"shared.txt": "base\n"})
    git(root, "branch", "one")
    git(root, "branch", "two")
    commit(root, "one", "shared.txt", "one\n")
    commit(root, "two", "other.txt", "two\n")

    def onto() -> tuple[str, ...] | None:
        history = CachedHistory(str(root))
        base, one, two = tips_of(history, "main", "one", "two")
        found = history.predict_onto(base, two, one)
        history.save()
        return None if found is None else found.conflicts

    assert onto() == ()
    assert any("commit-tree" in run for run in runs)
    commit(root, "one", "shared.txt", "one moved\n")
    runs.clear()
    assert onto() == ()
    assert [run for run in runs if "commit-tree" in run] == []
    assert [run for run in runs if "merge-tree" in run] != []  # the moved tip, onto the kept merge


def test_a_pair_sharing_no_file_is_answered_without_git(
    tmp_path: Path, runs: list[list[str]]
) -> None:
    """Own conflicts are among the files both changed: with none shared there is nothing
    to predict, so the merge preview asks git nothing for each such other session."""
    root = make_repo(tmp_path / "app", {"a.txt": "base\n", "b.txt": "base\n"})
    git(root, "branch", "one")
    git(root, "branch", "two")
    commit(root, "one", "a.txt", "one\n")
    commit(root, "two", "b.txt", "two\n")
    history = CachedHistory(str(root))
    base, one, two = tips_of(history, "main", "one", "two")
    runs.clear()
    assert pair_conflicts(history, (base, one), (base, two), []) == ()
    assert runs == []


Runner = Callable[[str, list[str]], tuple[int, str]]
BatchRunner = Callable[[list[tuple[str, list[str]]]], list[tuple[int, str]]]


def recording(asked: list[str], batches: list[int]) -> tuple[Runner, BatchRunner]:
    """Runners of git that note each command (and the size of each batch run at once)."""
    from q_tmux.adapters import tmuxcmd

    def run(program: str, args: list[str]) -> tuple[int, str]:
        asked.append(" ".join(args))
        return tmuxcmd.run_program(program, args)

    def run_all(commands: list[tuple[str, list[str]]]) -> list[tuple[int, str]]:
        asked.extend(" ".join(args) for _, args in commands)
        batches.append(len(commands))
        return tmuxcmd.run_programs(commands)

    return run, run_all


def test_a_moved_tips_three_facts_are_asked_at_once(tmp_path: Path) -> None:

    root = make_repo(tmp_path / "app", {"README.md": "hello\n"})
    git(root, "branch", "topic")
    commit(root, "topic", "a.txt", "a\n")
    asked: list[str] = []
    batches: list[int] = []
    run, run_all = recording(asked, batches)
    history = LightHistory(str(root), run=run, run_all=run_all)
    base, tip = tips_of(history, "main", "topic")
    history.learn([(base, tip)])
    assert batches == [3]
    assert sorted(command.split()[2] for command in asked) == ["diff", "merge-tree", "rev-list"]
    asked.clear()
    assert history.ahead_behind(base, tip) == (1, 0)  # all three known: no git
    assert [change.path for change in history.changed_files(base, tip)] == ["a.txt"]
    assert history.predict(base, tip).conflicts == ()
    assert asked == []
    history.learn([(base, tip)])  # nothing missing: nothing asked
    assert (asked, batches) == ([], [3])


def test_what_fails_while_learning_is_met_again_in_its_turn(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app", {"README.md": "hello\n"})
    git(root, "branch", "topic")
    commit(root, "topic", "a.txt", "a\n")
    asked: list[str] = []

    def failing(program: str, args: list[str]) -> tuple[int, str]:
        asked.append(" ".join(args))
        return 128, ""

    def all_failing(commands: list[tuple[str, list[str]]]) -> list[tuple[int, str]]:
        return [failing(*command) for command in commands]

    history = LightHistory(str(root), run=failing, run_all=all_failing)
    base, tip = tips_of(history, "main", "topic")
    history.learn([(base, tip)])  # raises nothing: each failure is left to its own ask
    assert len(asked) == 3
    with pytest.raises(Unsure):
        history.ahead_behind(base, tip)
    assert len(asked) == 4


def test_a_moved_tips_pair_is_asked_beside_its_own_facts(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app", {"README.md": "one\ntwo\nthree\nfour\nfive\n"})
    for branch in ("first", "second"):
        git(root, "branch", branch)
    commit(root, "first", "README.md", "ONE\ntwo\nthree\nfour\nfive\n")
    commit(root, "second", "README.md", "one\ntwo\nthree\nfour\nFIVE\n")
    history = LightHistory(str(root))
    base, first, second = tips_of(history, "main", "first", "second")
    shared = ["README.md"]
    assert pair_conflicts(history, (base, first), (base, second), shared) == ()
    history.ahead_behind(base, second)  # all of second is known, as after a look
    history.changed_files(base, second)
    history.save()
    commit(root, "first", "other.txt", "more\n")  # first moves; second's merge is kept
    (moved,) = tips_of(history, "first")
    asked: list[str] = []
    batches: list[int] = []
    run, run_all = recording(asked, batches)
    history = LightHistory(str(root), run=run, run_all=run_all)
    history.learn([(base, moved), (base, second)])
    # The moved tip's three facts and its merge onto second's merge, all four at once.
    assert batches == [4]
    asked.clear()
    assert pair_conflicts(history, (base, moved), (base, second), shared) == ()
    assert asked == []  # all known: no git
