"""merge: preview, modes, refusals that change nothing, and a kill at every step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.adapters.git import CommitOid, History, Repo, require_git
from q_tmux.merge.engine import MergeRefused, build_preview, move_base
from q_tmux.store.session_file import read_session_file
from tests.conftest import QTmux, git, registry_files, worktree


def session_with_commits(qtmux: QTmux, repo: Path, name: str, files: dict[str, str]) -> Path:
    qtmux.ok("new", name, "--detach", cwd=repo)
    work = worktree(repo, name)
    for path, content in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(content)
        git(work, "add", path)
        git(work, "commit", "-q", "-m", f"{name}: {path}")
    return work


def oid(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", ref).strip()


def branch_exists(repo: Path, branch: str) -> bool:
    return bool(git(repo, "branch", "--list", branch).strip())


def users_own_work(repo: Path) -> dict[str, str]:
    """Uncommitted, staged and untracked files of the user in the main checkout."""
    (repo / "README.md").write_text("hello\nmy unrelated edit\n")
    (repo / "staged.txt").write_text("staged by me\n")
    git(repo, "add", "staged.txt")
    (repo / "notes.txt").write_text("untracked notes\n")
    return {
        "README.md": "hello\nmy unrelated edit\n",
        "staged.txt": "staged by me\n",
        "notes.txt": "untracked notes\n",
    }


def assert_untouched(repo: Path, own: dict[str, str], status_before: str) -> None:
    for path, content in own.items():
        assert (repo / path).read_text() == content
    assert git(repo, "status", "--porcelain") == status_before


def test_merge_keeps_the_users_work_and_cleans_up(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    work = session_with_commits(qtmux, repo, "feat", {"src/auth.py": "def login(): ...\n"})
    own = users_own_work(repo)
    status = git(repo, "status", "--porcelain")
    old = oid(repo, "main")
    tip = oid(repo, "feat")
    result = qtmux.ok("merge", "feat", "--yes", cwd=repo)
    assert "1 commit(s):" in result.stdout
    assert "+1 -0        src/auth.py" in result.stdout
    assert "conflicts with main: none" in result.stdout
    new = oid(repo, "main")
    assert git(repo, "rev-list", "--parents", "-n1", new).split()[1:] == [old, tip]
    assert (repo / "src/auth.py").read_text() == "def login(): ...\n"
    assert_untouched(repo, own, status)
    assert not work.exists()
    assert not branch_exists(repo, "feat")
    assert registry_files(isolated_env) == []
    archived = json.loads(
        next((isolated_env / ".local/state/q-tmux/archive").glob("*.json")).read_text()
    )
    assert archived["status"] == "completed"
    assert archived["merge"] == {"into": "main", "commit": new, "mode": "merge"}
    assert server.cmd("list-windows", "-a", "-F", "#{window_name}").stdout in ([], [""])


def test_squash_makes_one_commit_and_keeps_the_originals_reachable(
    qtmux: QTmux, repo: Path
) -> None:
    session_with_commits(qtmux, repo, "sq", {"a.txt": "a\n", "b.txt": "b\n"})
    old, tip = oid(repo, "main"), oid(repo, "sq")
    qtmux.ok("merge", "sq", "--squash", "--yes", cwd=repo)
    new = oid(repo, "main")
    assert git(repo, "rev-list", "--parents", "-n1", new).split()[1:] == [old]
    assert "2 commits from session 'sq'" in git(repo, "log", "-1", "--format=%B", new)
    assert not branch_exists(repo, "sq")
    archive = git(repo, "for-each-ref", "--format=%(objectname)", "refs/q-tmux/archive/").split()
    assert tip in archive


def test_rebase_replays_onto_a_moved_base(qtmux: QTmux, repo: Path) -> None:
    session_with_commits(qtmux, repo, "rb", {"r.txt": "r\n"})
    (repo / "other.txt").write_text("main moved\n")
    git(repo, "add", "other.txt")
    git(repo, "commit", "-q", "-m", "main moves on")
    moved = oid(repo, "main")
    qtmux.ok("merge", "rb", "--rebase", "--yes", cwd=repo)
    new = oid(repo, "main")
    assert git(repo, "rev-list", "--parents", "-n1", new).split()[1:] == [moved]
    assert git(repo, "log", "-1", "--format=%s", new).strip() == "rb: r.txt"
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_dry_run_and_keep(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "dry", {"d.txt": "d\n"})
    old = oid(repo, "main")
    assert "1 commit(s)" in qtmux.ok("merge", "dry", "--dry-run", cwd=repo).stdout
    assert oid(repo, "main") == old
    qtmux.ok("merge", "dry", "--yes", "--keep", cwd=repo)
    assert oid(repo, "main") != old
    assert work.exists()
    assert branch_exists(repo, "dry")


def test_uncommitted_changes_in_the_session_refuse_unless_commit(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "wip", {"w.txt": "w\n"})
    (work / "w.txt").write_text("changed\n")
    (work / "new.txt").write_text("new\n")
    old = oid(repo, "main")
    result = qtmux("merge", "wip", "--yes", cwd=repo)
    assert result.returncode == 1
    assert (
        "uncommitted changes (new.txt, w.txt)" in result.stderr
        or "(w.txt, new.txt)" in result.stderr
    )
    assert oid(repo, "main") == old
    qtmux.ok("merge", "wip", "--yes", "--commit", cwd=repo)
    assert (repo / "new.txt").read_text() == "new\n"


def test_overlapping_changes_in_the_base_worktree_refuse(qtmux: QTmux, repo: Path) -> None:
    session_with_commits(qtmux, repo, "ov", {"README.md": "hello\nfrom session\n"})
    (repo / "README.md").write_text("hello\nmine, uncommitted\n")
    old = oid(repo, "main")
    result = qtmux("merge", "ov", "--yes", cwd=repo)
    assert result.returncode == 1
    assert "touch files the merge changes (README.md)" in result.stderr
    assert oid(repo, "main") == old
    assert (repo / "README.md").read_text() == "hello\nmine, uncommitted\n"


def test_predicted_conflict_with_the_base_refuses(qtmux: QTmux, repo: Path) -> None:
    session_with_commits(qtmux, repo, "cf", {"README.md": "session version\n"})
    (repo / "README.md").write_text("main version\n")
    git(repo, "commit", "-q", "-am", "main edits README")
    old = oid(repo, "main")
    result = qtmux("merge", "cf", "--yes", cwd=repo)
    assert result.returncode == 1
    assert "would conflict in README.md" in result.stderr
    assert "q-tmux sync cf" in result.stderr
    assert oid(repo, "main") == old
    assert git(repo, "status", "--porcelain") == ""


def test_preview_names_other_sessions_that_collide(qtmux: QTmux, repo: Path) -> None:
    session_with_commits(qtmux, repo, "one", {"shared.txt": "one\n"})
    session_with_commits(qtmux, repo, "two", {"shared.txt": "two\n"})
    session_with_commits(qtmux, repo, "three", {"shared.txt": "one\n", "x.txt": "x\n"})
    out = qtmux.ok("merge", "one", "--dry-run", cwd=repo).stdout
    assert "session 'two' would conflict in: shared.txt" in out
    assert "session 'three' also changes: shared.txt (merges cleanly)" in out


def test_base_checked_out_nowhere_moves_by_compare_and_swap(qtmux: QTmux, repo: Path) -> None:
    git(repo, "branch", "release")
    qtmux.ok("new", "fix", "--base", "release", "--detach", cwd=repo)
    work = worktree(repo, "fix")
    (work / "fix.txt").write_text("fix\n")
    git(work, "add", "fix.txt")
    git(work, "commit", "-q", "-m", "fix")
    qtmux.ok("merge", "fix", "--yes", cwd=repo)
    assert git(repo, "show", "release:fix.txt") == "fix\n"
    assert git(repo, "status", "--porcelain") == ""


def test_a_base_that_moved_after_the_preview_changes_nothing(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "race", {"r.txt": "r\n"})
    git(repo, "branch", "-f", "side", "main")
    history = History(Repo.discover(repo), require_git())
    record = read_session_file(work / ".amazonq/session.json")
    preview = build_preview(record, record.worktree_info, history, [])
    (repo / "late.txt").write_text("late\n")
    git(repo, "add", "late.txt")
    git(repo, "commit", "-q", "-m", "main moved meanwhile")
    moved = oid(repo, "main")
    with pytest.raises(MergeRefused, match="nothing was changed"):
        move_base(preview, CommitOid(oid(repo, "race")), history.repo)
    assert oid(repo, "main") == moved
    assert git(repo, "status", "--porcelain") == ""


def test_without_a_terminal_merge_asks_for_yes(qtmux: QTmux, repo: Path) -> None:
    session_with_commits(qtmux, repo, "ask", {"a.txt": "a\n"})
    result = qtmux("merge", "ask", cwd=repo)
    assert result.returncode == 2
    assert "Pass --yes" in result.stderr


def test_nothing_to_merge(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "empty", "--detach", cwd=repo)
    assert "Nothing to merge" in qtmux.ok("merge", "empty", "--yes", cwd=repo).stdout
    assert branch_exists(repo, "empty")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["merge", "nope", "--yes"], "There is no session named 'nope'"),
        (["merge", "here", "--yes"], "has no branch of its own to merge"),
        (["merge", "x", "--squash", "--rebase"], "Choose one of --squash and --rebase"),
        (["merge", "--yes"], "Name the session, or run this inside one"),
    ],
)
def test_bad_merge_requests(
    qtmux: QTmux, repo: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    qtmux.ok("new", "here", "--no-worktree", "--detach", cwd=plain)
    result = qtmux(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


STEPS = ["commit", "journal", "base", "window", "worktree", "branch", "archive"]


@pytest.mark.parametrize("step", STEPS)
def test_a_merge_killed_at_any_step_leaves_before_or_after_and_finishes_on_rerun(
    qtmux: QTmux, repo: Path, isolated_env: Path, step: str
) -> None:
    work = session_with_commits(qtmux, repo, "k", {"k.txt": "k\n"})
    own = users_own_work(repo)
    status = git(repo, "status", "--porcelain")
    old = oid(repo, "main")
    killed = qtmux("merge", "k", "--yes", cwd=repo, env={"Q_TMUX_TEST_KILL_AFTER": step})
    assert killed.returncode == -9
    # Exactly before, or exactly after, for the repository and the user's files.
    now = oid(repo, "main")
    if now == old:
        assert not (repo / "k.txt").exists()
    else:
        assert (
            git(repo, "rev-parse", f"{now}^2").strip() == oid(repo, "k")
            if branch_exists(repo, "k")
            else True
        )
        assert (repo / "k.txt").read_text() == "k\n"
    assert oid(repo, "HEAD") == now
    assert_untouched(repo, own, status)  # the merged file is committed, never left dirty
    # Running it again completes it.
    qtmux.ok("merge", "k", "--yes", cwd=repo)
    assert (repo / "k.txt").read_text() == "k\n"
    assert not work.exists()
    assert not branch_exists(repo, "k")
    assert registry_files(isolated_env) == []
    assert not (repo / ".git" / "q-tmux").exists()
    assert_untouched(repo, own, status)


def test_the_merge_key_merges_the_window_the_client_looks_at(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    from libtmux._internal.control_mode import ControlMode

    session_with_commits(qtmux, repo, "other", {"o.txt": "o\n"})
    session_with_commits(qtmux, repo, "looked", {"l.txt": "l\n"})
    server.cmd("select-window", "-t", "app:looked")
    tmux_session = server.sessions.get(session_name="app")
    assert tmux_session is not None
    with ControlMode(server=server, session=tmux_session) as client:
        qtmux.ok("merge", "--from-key", "--client", client.client_name, "--yes", cwd=repo)
    assert (repo / "l.txt").exists()
    assert not (repo / "o.txt").exists()
    assert branch_exists(repo, "other")
