"""sync brings the base in (and can ask the agent), conflicts tells who collides with whom."""

from __future__ import annotations

import json
from pathlib import Path

from libtmux.server import Server

from q_tmux.tracking import status_line
from tests.commands.test_merge import oid, session_with_commits
from tests.conftest import QTmux, git, make_repo, pane_text, session_json, wait_for, worktree


def main_moves(repo: Path, path: str, content: str) -> None:
    (repo / path).write_text(content)
    git(repo, "add", path)
    git(repo, "commit", "-q", "-m", f"main: {path}")


def test_sync_merges_the_new_base_commits(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "s", {"s.txt": "s\n"})
    main_moves(repo, "m.txt", "m\n")
    assert "Brought 1 new commit(s) of main" in qtmux.ok("sync", "s", cwd=repo).stdout
    assert (work / "m.txt").read_text() == "m\n"
    assert git(work, "merge-base", "--is-ancestor", oid(repo, "main"), "HEAD") == ""
    assert "already has everything" in qtmux.ok("sync", "s", cwd=repo).stdout


def test_sync_rebase(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "r", {"r.txt": "r\n"})
    main_moves(repo, "m.txt", "m\n")
    qtmux.ok("sync", "r", "--rebase", cwd=repo)
    assert git(work, "rev-parse", "HEAD~1").strip() == oid(repo, "main")


def test_sync_conflict_is_left_to_resolve_and_the_agent_can_be_asked(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = session_with_commits(qtmux, repo, "c", {"README.md": "session\n"})
    main_moves(repo, "README.md", "main\n")
    result = qtmux("sync", "c", "--ask-agent", cwd=repo)
    assert result.returncode == 1
    assert "stopped on conflicts in 1 file(s)" in result.stdout
    assert "  README.md" in result.stdout
    assert (work / ".git").exists()
    assert "<<<<<<<" in (work / "README.md").read_text()
    window = server.cmd("list-windows", "-a", "-F", "#{window_id}").stdout[0]
    wait_for(
        lambda: "Echo: Bringing the latest main" in pane_text(server, window).replace("\n", ""),
        what="the agent to receive the request",
    )
    refused = qtmux("sync", "c", cwd=repo)
    assert refused.returncode == 1
    assert "in the middle of an operation (MERGE_HEAD)" in refused.stderr


def test_sync_refuses_what_git_refuses_and_changes_nothing(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "d", {"d.txt": "d\n"})
    main_moves(repo, "README.md", "main\n")
    (work / "README.md").write_text("uncommitted in the session\n")
    head = git(work, "rev-parse", "HEAD")
    result = qtmux("sync", "d", cwd=repo)
    assert result.returncode == 1
    assert "nothing was changed" in result.stderr
    assert git(work, "rev-parse", "HEAD") == head
    assert (work / "README.md").read_text() == "uncommitted in the session\n"


def test_conflicts_lists_shared_files_conflicts_and_an_order(qtmux: QTmux, repo: Path) -> None:
    session_with_commits(qtmux, repo, "a", {"shared.txt": "a\n", "a.txt": "a\n"})
    session_with_commits(qtmux, repo, "b", {"shared.txt": "b\n"})
    session_with_commits(qtmux, repo, "c", {"c.txt": "c\n"})
    main_moves(repo, "c.txt", "main\n")
    out = qtmux.ok("conflicts", cwd=repo).stdout
    assert "a and b: share shared.txt; would CONFLICT in shared.txt" in out
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "1 file(s), +1/-1 vs main: would CONFLICT in c.txt" in lines["c"]
    report = qtmux.ok("conflicts", "--json", cwd=repo).json()[str(repo)]
    assert report["pairs"] == [
        {"first": "a", "second": "b", "shared": ["shared.txt"], "conflicts": ["shared.txt"]}
    ]
    assert report["merge_order"][-1] == "c"
    listed = {item["name"]: item for item in qtmux.ok("list", "--json", cwd=repo).json()}
    assert listed["c"]["merge_conflicts"] == ["c.txt"]
    assert (listed["a"]["ahead"], listed["a"]["behind"]) == (2, 1)
    assert "CONFLICT" in qtmux.ok("list", cwd=repo).stdout


def test_a_session_is_not_blamed_for_another_sessions_conflict_with_the_base(
    qtmux: QTmux, repo: Path
) -> None:
    main_moves(repo, "parser.py", "def parse(): ...\n")
    main_moves(repo, "d.txt", "1\n2\n3\n4\n5\n6\n")
    # old forks here and changes parser.py (and a line of d.txt) ...
    session_with_commits(
        qtmux, repo, "old", {"parser.py": "def parse(x): ...\n", "d.txt": "1\n2\n3\n4\n5\nB\n"}
    )
    # ... while main changes parser.py too; new forks from there and changes only d.txt.
    main_moves(repo, "parser.py", "def parse(text): ...\n")
    session_with_commits(qtmux, repo, "new", {"d.txt": "A\n2\n3\n4\n5\n6\n"})
    out = qtmux.ok("conflicts", cwd=repo).stdout
    lines = {line.split()[0]: line for line in out.splitlines() if "file(s)" in line}
    assert "would CONFLICT in parser.py" in lines["old"]
    assert "merges cleanly" in lines["new"]
    assert "old and new: share d.txt; merge cleanly together" in out
    report = qtmux.ok("conflicts", "--json", cwd=repo).json()[str(repo)]
    assert report["pairs"] == [
        {"first": "old", "second": "new", "shared": ["d.txt"], "conflicts": []}
    ]
    # A real conflict between the two sessions' own changes is still named.
    session_with_commits(qtmux, repo, "third", {"d.txt": "C\n2\n3\n4\n5\n6\n"})
    out = qtmux.ok("conflicts", cwd=repo).stdout
    assert "new and third: share d.txt; would CONFLICT in d.txt" in out
    assert "old and third: share d.txt; merge cleanly together" in out


def test_conflicts_covers_workspace_sessions(qtmux: QTmux, tmp_path: Path) -> None:
    root = tmp_path / "shop"
    for relative in ("backend", "frontend"):
        make_repo(root / relative, {"README.md": f"{relative}\n", "ui.txt": "ui\n"})
    for name, content in (("left", "left\n"), ("right", "right\n")):
        qtmux.ok("new", name, "--detach", cwd=root)
        work = tmp_path / "shop.worktrees" / name / "frontend"
        (work / "ui.txt").write_text(content)
        git(work, "commit", "-q", "-am", f"{name}: ui")
    out = qtmux.ok("conflicts", cwd=root).stdout
    assert f"{root / 'frontend'}:" in out
    assert "left and right: share ui.txt; would CONFLICT in ui.txt" in out
    report = qtmux.ok("conflicts", "--json", cwd=root).json()
    assert report[str(root / "frontend")]["pairs"] == [
        {"first": "left", "second": "right", "shared": ["ui.txt"], "conflicts": ["ui.txt"]}
    ]
    assert report[str(root / "backend")]["pairs"] == []


def test_the_status_line_flags_a_session_whose_merge_would_conflict(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = session_with_commits(qtmux, repo, "clash", {"README.md": "session\n"})
    session_with_commits(qtmux, repo, "calm", {"calm.txt": "calm\n"})
    main_moves(repo, "README.md", "main\n")

    def shown() -> str:
        values = server.cmd("show-option", "-gqv", "@q-tmux-status").stdout
        return status_line.plain(values[0]) if values else ""

    wait_for(
        lambda: "clash≠" in shown() and "calm " in shown() + " ",
        timeout=20,
        what=lambda: f"'clash≠' in the status line, got {shown()!r}",
    )
    data = json.loads((work / ".amazonq/session.json").read_text())
    assert data["merge_conflicts"] == ["README.md"]


def test_conflicts_without_sessions(qtmux: QTmux, repo: Path) -> None:
    assert qtmux.ok("conflicts", cwd=repo).stdout == "No sessions with branches.\n"
    assert worktree(repo, "none") != repo


def test_the_watcher_flags_a_workspace_session_whose_merge_would_conflict(
    qtmux: QTmux, tmp_path: Path, server: Server
) -> None:
    root = tmp_path / "shop"
    for relative in ("backend", "frontend"):
        make_repo(root / relative, {"README.md": f"{relative}\n", "ui.txt": "ui\n"})
    qtmux.ok("new", "wide", "--detach", cwd=root)
    session = tmp_path / "shop.worktrees" / "wide"
    (session / "frontend" / "ui.txt").write_text("session\n")
    git(session / "frontend", "commit", "-q", "-am", "session: ui")
    main_moves(root / "frontend", "ui.txt", "main\n")

    def shown() -> str:
        values = server.cmd("show-option", "-gqv", "@q-tmux-status").stdout
        return status_line.plain(values[0]) if values else ""

    wait_for(
        lambda: "wide≠" in shown(),
        timeout=20,
        what=lambda: f"'wide≠' in the status line, got {shown()!r}",
    )
    assert session_json(session)["merge_conflicts"] == ["frontend/ui.txt"]


def test_the_merge_preview_does_not_blame_another_sessions_conflict_with_the_base(
    qtmux: QTmux, repo: Path
) -> None:
    main_moves(repo, "parser.py", "def parse(): ...\n")
    session_with_commits(qtmux, repo, "old", {"parser.py": "def parse(x): ...\n"})
    main_moves(repo, "parser.py", "def parse(text): ...\n")
    session_with_commits(qtmux, repo, "new", {"d.txt": "d\n"})
    preview = qtmux.ok("merge", "new", "--dry-run", cwd=repo).stdout
    assert "other sessions: none touch the same files" in preview
    assert "'old'" not in preview
    refused = qtmux("merge", "old", "--dry-run", cwd=repo)  # the conflict is old's, with main
    assert "would conflict in parser.py" in refused.stderr
