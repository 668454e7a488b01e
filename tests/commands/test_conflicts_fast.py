"""``conflicts`` answered without click prints what the click command prints, byte for byte.

Each look is run twice on the same sessions: through the standard-library path
(:mod:`q_tmux.cli.conflicts_fast`), then with that path switched off, so the
click command answers. Where the light path cannot be sure (a branch gone, a
session file the pydantic model must judge), it hands over and prints nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from q_tmux.cli import conflicts_fast
from tests.commands.test_merge import session_with_commits
from tests.commands.test_sync_conflicts import main_moves
from tests.conftest import QTmux, Result, git, make_repo, worktree


class Paths:
    """Runs ``conflicts`` both ways and says which way answered."""

    def __init__(self, qtmux: QTmux, monkeypatch: pytest.MonkeyPatch) -> None:
        self.qtmux, self.monkeypatch = qtmux, monkeypatch
        self.answered: list[bool] = []
        real = conflicts_fast.conflicts_command

        def spy(options: list[str]) -> int | None:
            code = real(options)
            self.answered.append(code is not None)
            return code

        monkeypatch.setattr(conflicts_fast, "conflicts_command", spy)

    def light(self, *args: str, cwd: Path) -> tuple[Result, bool]:
        """The fast path's answer (the click command's when it handed over), and whether it
        answered itself."""
        self.answered.clear()
        result = self.qtmux("conflicts", *args, cwd=cwd)
        assert len(self.answered) == 1
        return result, self.answered[0]

    def full(self, *args: str, cwd: Path) -> Result:
        """The click command's answer."""
        with self.monkeypatch.context() as patch:
            patch.setattr(conflicts_fast, "conflicts_command", lambda options: None)
            return self.qtmux("conflicts", *args, cwd=cwd)

    def same(self, *args: str, cwd: Path, light_first: bool = True) -> Result:
        """Both answers, which must be equal (exit status, stdout, stderr); the fast one is
        asked first unless ``light_first`` is False. The fast path must answer itself.

        Both read the watcher's summary of what the sessions change as the first one
        found it: the watcher may write a new one between the two looks.
        """
        from q_tmux.tracking import awareness

        read = awareness.fresh_summary
        found: dict[tuple[str, str], dict[str, Any]] = {}

        def once(repo_root: str, socket: str, now: float | None = None) -> dict[str, Any]:
            if (repo_root, socket) not in found:
                found[repo_root, socket] = read(repo_root, socket, now)
            return found[repo_root, socket]

        with self.monkeypatch.context() as patch:
            patch.setattr(awareness, "fresh_summary", once)
            if light_first:
                (fast, answered), full = self.light(*args, cwd=cwd), self.full(*args, cwd=cwd)
            else:
                full = self.full(*args, cwd=cwd)
                fast, answered = self.light(*args, cwd=cwd)
        assert answered, fast.stderr
        assert (fast.returncode, fast.stdout, fast.stderr) == (
            full.returncode,
            full.stdout,
            full.stderr,
        )
        return fast


@pytest.fixture
def paths(qtmux: QTmux, monkeypatch: pytest.MonkeyPatch) -> Paths:
    if not qtmux.in_process:
        pytest.skip("compares two paths of one process: runs in-process only")
    return Paths(qtmux, monkeypatch)


def commit(work: Path, path: str, content: str) -> None:
    (work / path).write_text(content)
    git(work, "add", path)
    git(work, "commit", "-q", "-m", f"change {path}")


def test_both_paths_answer_alike_cold_warm_moved_and_refreshed(
    paths: Paths, qtmux: QTmux, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from q_tmux.tracking import awareness

    # The watcher may write its summary of uncommitted changes between the two looks (the
    # test below waits for it): here both read none.
    monkeypatch.setattr(awareness, "fresh_summary", lambda *_, **__: {})
    a = session_with_commits(qtmux, repo, "a", {"shared.txt": "a\n"})
    session_with_commits(qtmux, repo, "b", {"shared.txt": "b\n", "b.txt": "b\n"})
    session_with_commits(qtmux, repo, "c", {"c.txt": "c\n"})
    session_with_commits(qtmux, repo, "d", {"shared.txt": "a\n", "d.txt": "d\n"})
    main_moves(repo, "c.txt", "main\n")
    qtmux.ok("new", "idle", "--detach", cwd=repo)  # no commit of its own
    cold = paths.same(cwd=repo)  # nothing known: the light path runs git itself
    assert "a and b: share shared.txt; would CONFLICT in shared.txt" in cold.stdout
    assert "would CONFLICT in c.txt" in cold.stdout
    assert paths.same(cwd=repo).stdout == cold.stdout  # warm
    assert json.loads(paths.same("--json", cwd=repo).stdout)[str(repo)]["merge_order"]
    commit(a, "shared.txt", "b\n")  # a tip moved: a and b now agree
    moved = paths.same(cwd=repo)
    assert "a and b: share shared.txt; merge cleanly together" in moved.stdout
    commit(worktree(repo, "c"), "shared.txt", "c\n")  # the click command learns first
    pairs = json.loads(paths.same("--json", cwd=repo, light_first=False).stdout)[str(repo)]
    assert ("a", "c") in {(pair["first"], pair["second"]) for pair in pairs["pairs"]}
    paths.same("--refresh", cwd=repo)
    paths.same("--json", "--refresh", cwd=repo)
    paths.same("--refresh", "--json", cwd=repo, light_first=False)


def test_both_paths_answer_alike_outside_a_repository_and_with_no_session(
    paths: Paths, qtmux: QTmux, repo: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert paths.same(cwd=elsewhere).stdout == "No sessions with branches.\n"
    assert paths.same("--json", cwd=repo).stdout == "{}\n"
    session_with_commits(qtmux, repo, "a", {"a.txt": "a\n"})
    assert str(repo) in paths.same(cwd=elsewhere).stdout


def test_both_paths_answer_alike_for_workspace_sessions(
    paths: Paths, qtmux: QTmux, tmp_path: Path
) -> None:
    root = tmp_path / "shop"
    for relative in ("backend", "frontend"):
        make_repo(root / relative, {"README.md": f"{relative}\n", "ui.txt": "ui\n"})
    for name, content in (("left", "left\n"), ("right", "right\n")):
        qtmux.ok("new", name, "--detach", cwd=root)
        work = tmp_path / "shop.worktrees" / name / "frontend"
        commit(work, "ui.txt", content)
    out = paths.same(cwd=root).stdout
    assert "left and right: share ui.txt; would CONFLICT in ui.txt" in out
    paths.same("--json", cwd=root)


def test_what_the_light_path_cannot_be_sure_of_goes_to_the_click_command(
    paths: Paths, qtmux: QTmux, repo: Path
) -> None:
    a = session_with_commits(qtmux, repo, "a", {"a.txt": "a\n"})
    b = session_with_commits(qtmux, repo, "b", {"b.txt": "b\n"})
    paths.same(cwd=repo)
    # A branch that is gone: only git can tell it is not in some other ref store.
    git(b, "checkout", "-q", "--detach")
    git(repo, "branch", "-q", "-D", "b")
    full = paths.full(cwd=repo)
    assert "q-tmux: b: branch b or main is gone" in full.stderr
    fast, answered = paths.light(cwd=repo)
    assert not answered
    assert (fast.returncode, fast.stdout, fast.stderr) == (0, full.stdout, full.stderr)
    # A session file the pydantic model must judge: handed over, and the model refuses it.
    record = a / ".amazonq" / "session.json"
    data = json.loads(record.read_text())
    record.write_text(json.dumps({**data, "created": "yesterday"}))
    full = paths.full(cwd=repo)
    fast, answered = paths.light(cwd=repo)
    assert not answered
    assert fast.stdout == full.stdout
    assert " a " not in fast.stdout
    # Options it does not know, and --help, are the click command's to explain.
    fast, answered = paths.light("--bogus", cwd=repo)
    assert not answered
    assert fast.returncode == 2
    assert "--bogus" in fast.stderr
    fast, answered = paths.light("--help", cwd=repo)
    assert (answered, fast.returncode) == (False, 0)
    assert "--refresh" in fast.stdout


def test_a_session_file_the_model_refuses_or_that_is_gone_is_left_out_both_ways(
    paths: Paths, qtmux: QTmux, repo: Path
) -> None:
    a = session_with_commits(qtmux, repo, "a", {"a.txt": "a\n"})
    b = session_with_commits(qtmux, repo, "b", {"b.txt": "b\n"})
    c = session_with_commits(qtmux, repo, "c", {"c.txt": "c\n"})
    (a / ".amazonq" / "session.json").write_text("{ torn")
    record = b / ".amazonq" / "session.json"
    record.write_text(json.dumps({**json.loads(record.read_text()), "version": 2}))
    (c / ".amazonq" / "session.json").unlink()
    session_with_commits(qtmux, repo, "d", {"d.txt": "d\n"})
    out = paths.same(cwd=repo).stdout
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == ["d"]


def test_a_kept_merge_commit_that_git_collected_is_written_again(
    paths: Paths, qtmux: QTmux, repo: Path
) -> None:
    from q_tmux.store.facts import FactStore

    a = session_with_commits(qtmux, repo, "a", {"shared.txt": "a\n"})
    session_with_commits(qtmux, repo, "b", {"shared.txt": "b\n"})
    paths.same(cwd=repo)
    store = FactStore(str(repo))
    kept = [fact for fact in store._load() if fact.startswith("merged:")]
    assert kept  # the throwaway merge of one session into main, kept for the next look
    for fact in kept:
        store.put(fact, "0" * 40)  # a commit git no longer has
    store.save()
    commit(a, "a.txt", "more\n")
    moved = paths.same(cwd=repo)
    assert "a and b: share shared.txt; would CONFLICT in shared.txt" in moved.stdout
    assert all(FactStore(str(repo)).get(fact) != "0" * 40 for fact in kept)


def test_both_paths_show_a_fan_outs_sessions_together(
    paths: Paths, qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "alone", "--detach", cwd=repo)
    qtmux.ok("new", "grp", "--count", "2", "--detach", "task", cwd=repo)
    mid = session_with_commits(qtmux, repo, "mid", {"login.py": "mid\n"})
    for name in ("grp-1", "grp-2"):
        commit(worktree(repo, name), "login.py", f"{name}\n")
    # Made between the two of the group: shown after both all the same.
    first = json.loads((worktree(repo, "grp-1") / ".amazonq" / "session.json").read_text())
    record = mid / ".amazonq" / "session.json"
    record.write_text(json.dumps({**json.loads(record.read_text()), "created": first["created"]}))
    out = paths.same(cwd=repo).stdout
    assert [line.split()[0] for line in out.splitlines()[1:5]] == ["alone", "grp-1", "grp-2", "mid"]
    assert "grp-1 (group grp)" in out
    groups = json.loads(paths.same("--json", cwd=repo).stdout)[str(repo)]["sessions"]
    assert [session["group"] for session in groups] == [None, "grp", "grp", None]


def test_both_paths_show_what_sessions_change_uncommitted_alike(
    paths: Paths, qtmux: QTmux, repo: Path
) -> None:
    from q_tmux.tracking import awareness
    from tests.conftest import session_json, wait_for

    a = session_with_commits(qtmux, repo, "a", {"a.txt": "a\n"})
    b = session_with_commits(qtmux, repo, "b", {"b.txt": "b\n"})
    (a / "both.txt").write_text("a\n")  # uncommitted, in both
    (b / "both.txt").write_text("b\n")
    socket = session_json(a)["tmux"]["socket"]
    wait_for(
        lambda: awareness.pairs(awareness.fresh_summary(str(repo), socket)),
        timeout=60,
        what="the watcher's summary naming both sessions",
    )
    out = paths.same(cwd=repo).stdout
    assert "  a and b: both change both.txt (uncommitted too)" in out
    overlap = json.loads(paths.same("--json", cwd=repo).stdout)[str(repo)]["overlap"]
    assert overlap == [{"first": "a", "second": "b", "files": ["both.txt"]}]
