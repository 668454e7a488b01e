"""Workspace sessions: a folder of repositories, one worktree and branch in each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from libtmux.server import Server

from tests.conftest import (
    QTmux,
    git,
    launches,
    make_repo,
    registry_files,
    session_json,
    wait_for,
)

REPOS = ("backend", "frontend", "services/api")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A folder (no repository) holding three repositories and a plain folder.

    backend is on ``develop``, the others on ``main``.
    """
    root = tmp_path / "src" / "shop"
    for relative in REPOS:
        make_repo(root / relative, {"README.md": f"{relative}\n"})
    git(root / "backend", "checkout", "-q", "-b", "develop")
    (root / "docs").mkdir()
    (root / "docs" / "notes.md").write_text("not a repository\n")
    return root


def folder(workspace: Path, name: str) -> Path:
    return workspace.parent / "shop.worktrees" / name


def oid(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", ref).strip()


def commit_in(work: Path, path: str, content: str) -> None:
    (work / path).parent.mkdir(parents=True, exist_ok=True)
    (work / path).write_text(content)
    git(work, "add", path)
    git(work, "commit", "-q", "-m", f"change {path}")


@dataclass(frozen=True)
class WorkspaceSnapshot:
    repos: tuple[tuple[str, str, str, str], ...]  # branches, refs, worktrees, status per repo
    entries: tuple[str, ...]
    windows: tuple[str, ...]
    registry: tuple[str, ...]


def snapshot(workspace: Path, server: Server, home: Path) -> WorkspaceSnapshot:
    repos = []
    for git_dir in sorted(workspace.rglob(".git")):
        repo = git_dir.parent
        repos.append(
            (
                git(repo, "branch", "--list", "-v"),
                git(repo, "for-each-ref"),
                git(repo, "worktree", "list", "--porcelain"),
                git(repo, "status", "--porcelain", "--ignored"),
            )
        )
    windows: tuple[str, ...] = ()
    if server.is_alive():
        windows = tuple(server.cmd("list-windows", "-a", "-F", "#{window_id}").stdout)
    return WorkspaceSnapshot(
        repos=tuple(repos),
        entries=tuple(
            sorted(
                str(p.relative_to(workspace.parent))
                for p in workspace.parent.rglob("*")
                if ".git" not in p.parts
            )
        ),
        windows=windows,
        registry=tuple(p.name for p in registry_files(home)),
    )


def test_new_mirrors_the_workspace_with_a_worktree_per_repository(
    qtmux: QTmux, workspace: Path, agent_log: Path
) -> None:
    starts = {relative: oid(workspace / relative, "HEAD") for relative in REPOS}
    result = qtmux.ok("new", "feat", "Add checkout", "--detach", cwd=workspace)
    assert "backend from develop" in result.stdout
    session = folder(workspace, "feat")
    for relative in REPOS:
        work = session / relative
        assert git(work, "branch", "--show-current").strip() == "feat"
        assert oid(work, "HEAD") == starts[relative]
        assert (work / "README.md").read_text() == f"{relative}\n"
    assert not (session / "docs").exists()  # only repositories are mirrored
    data = session_json(session)
    assert data["worktree_info"]["workspace_root"] == str(workspace)
    repos = {entry["workspace_path"]: entry for entry in data["repos"]}
    assert sorted(repos) == sorted(REPOS)
    assert repos["backend"]["base_branch"] == "develop"
    assert repos["frontend"]["base_branch"] == "main"
    assert repos["services/api"]["base_oid"] == starts["services/api"]
    assert repos["services/api"]["repo_root"] == str(workspace / "services/api")
    launch = wait_for(lambda: launches(agent_log), what="the agent to start")[0]
    assert launch["cwd"] == str(session)


def test_list_shows_each_repositorys_base_and_ahead_behind(qtmux: QTmux, workspace: Path) -> None:
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    session = folder(workspace, "feat")
    commit_in(session / "frontend", "app.js", "one\n")
    commit_in(session / "frontend", "app.css", "two\n")
    commit_in(workspace / "backend", "late.txt", "moved on\n")  # develop gains one
    listed = qtmux.ok("list", "--json", cwd=workspace).json()
    repos = {entry["path"]: entry for entry in listed[0]["repos"]}
    assert (repos["frontend"]["base"], repos["frontend"]["ahead"], repos["frontend"]["behind"]) == (
        "main",
        2,
        0,
    )
    assert (repos["backend"]["base"], repos["backend"]["ahead"], repos["backend"]["behind"]) == (
        "develop",
        0,
        1,
    )
    text = qtmux.ok("list", cwd=workspace).stdout
    assert "feat in 3 repositories" in text
    assert "frontend: feat → main +2/-0" in text
    assert "backend: feat → develop +0/-1" in text


def test_repo_option_picks_repositories_by_path_or_folder_name(
    qtmux: QTmux, workspace: Path
) -> None:
    qtmux.ok("new", "feat", "--detach", "--repo", "frontend", "--repo", "api", cwd=workspace)
    session = folder(workspace, "feat")
    assert sorted(e["workspace_path"] for e in session_json(session)["repos"]) == [
        "frontend",
        "services/api",
    ]
    assert not (session / "backend").exists()
    assert git(workspace / "backend", "branch", "--list", "feat") == ""


def test_repository_setup_runs_in_its_own_worktree(qtmux: QTmux, workspace: Path) -> None:
    front = workspace / "frontend"
    (front / ".env").write_text("SECRET=1\n")
    (front / ".q-tmux.toml").write_text('[setup]\ncopy = [".env"]\n')
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    session = folder(workspace, "feat")
    assert (session / "frontend" / ".env").read_text() == "SECRET=1\n"
    assert not (session / "backend" / ".env").exists()


class Refused:
    """Checks a command fails with one ``q-tmux:`` line and changes nothing anywhere."""

    def __init__(self, qtmux: QTmux, workspace: Path, server: Server, home: Path) -> None:
        self.qtmux, self.workspace, self.server, self.home = qtmux, workspace, server, home

    def __call__(self, args: list[str], message: str, cwd: Path | None = None) -> None:
        before = snapshot(self.workspace, self.server, self.home)
        result = self.qtmux(*args, cwd=cwd or self.workspace)
        assert result.returncode != 0, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("q-tmux: ")
        assert message in lines[0], lines[0]
        assert snapshot(self.workspace, self.server, self.home) == before


@pytest.fixture
def refused(qtmux: QTmux, workspace: Path, server: Server, isolated_env: Path) -> Refused:
    return Refused(qtmux, workspace, server, isolated_env)


def test_a_nested_repository_is_refused(refused: Refused, workspace: Path) -> None:
    make_repo(workspace / "frontend" / "packages" / "ui")
    refused(["new", "feat"], "frontend/packages/ui is a repository inside frontend")


def test_a_nested_repository_git_ignores_is_refused_too(refused: Refused, workspace: Path) -> None:
    (workspace / "backend" / ".gitignore").write_text("vendor/\n")
    git(workspace / "backend", "add", ".gitignore")
    git(workspace / "backend", "commit", "-q", "-m", "ignore vendor")
    make_repo(workspace / "backend" / "vendor" / "lib")
    refused(["new", "feat"], "backend/vendor/lib is a repository inside backend")


def test_a_repository_without_commits_is_refused(refused: Refused, workspace: Path) -> None:
    (workspace / "empty").mkdir()
    git(workspace / "empty", "init", "-q")
    refused(["new", "feat"], "The repository empty has no commits yet")


def test_a_detached_head_is_refused(refused: Refused, workspace: Path) -> None:
    git(workspace / "frontend", "checkout", "-q", "--detach")
    refused(["new", "feat"], "HEAD is detached in frontend")


def test_leaving_the_troublesome_repository_out_works(qtmux: QTmux, workspace: Path) -> None:
    git(workspace / "frontend", "checkout", "-q", "--detach")
    qtmux.ok("new", "feat", "--detach", "--repo", "backend", cwd=workspace)
    assert (folder(workspace, "feat") / "backend").is_dir()


def test_two_checkouts_of_one_repository_collide(refused: Refused, workspace: Path) -> None:
    git(workspace / "frontend", "worktree", "add", "-q", "-b", "old", str(workspace / "legacy"))
    refused(["new", "feat"], "frontend and legacy are checkouts of the same repository")


def test_names_differing_only_in_case_collide(refused: Refused, workspace: Path) -> None:
    make_repo(workspace / "Frontend")
    refused(["new", "feat"], "Frontend and frontend would collide in the session folder")


def test_a_folder_without_repositories(refused: Refused, tmp_path: Path) -> None:
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    refused(["new", "feat", "--repo", "web"], "is not a git repository and holds none", empty)
    refused(["new", "feat", "--worktree"], "is not inside a git repository", empty)


def test_an_unknown_repo_option(refused: Refused) -> None:
    refused(
        ["new", "feat", "--repo", "mobile"], "There is no repository 'mobile' in this workspace"
    )


def test_repo_option_inside_a_repository(refused: Refused, workspace: Path) -> None:
    refused(["new", "feat", "--repo", "x"], "is inside the repository", workspace / "frontend")


def test_a_branch_taken_in_one_repository(refused: Refused, workspace: Path) -> None:
    git(workspace / "services/api", "branch", "feat")
    refused(["new", "feat"], "A branch named 'feat' already exists in services/api")


def test_a_failure_after_the_worktrees_removes_all_of_them(
    qtmux: QTmux, workspace: Path, server: Server, isolated_env: Path
) -> None:
    # tmux cannot make its socket under /proc: the window, the last step, fails.
    before = snapshot(workspace, server, isolated_env)
    result = qtmux(
        "new", "late", cwd=workspace, socket=False, env={"TMUX_TMPDIR": "/proc/no-such-dir"}
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert snapshot(workspace, server, isolated_env) == before


# -- merge ------------------------------------------------------------------------------


def test_merge_takes_every_repository_with_changes_and_skips_the_rest(
    qtmux: QTmux, workspace: Path, isolated_env: Path
) -> None:
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    session = folder(workspace, "feat")
    commit_in(session / "frontend", "app.js", "checkout\n")
    commit_in(session / "services/api", "api.py", "def checkout(): ...\n")
    develop = oid(workspace / "backend", "develop")
    result = qtmux.ok("merge", "feat", "--yes", cwd=workspace)
    assert "backend: nothing to merge" in result.stdout
    assert (workspace / "frontend" / "app.js").read_text() == "checkout\n"
    assert git(workspace / "services/api", "show", "main:api.py") == "def checkout(): ...\n"
    assert oid(workspace / "backend", "develop") == develop
    for relative in REPOS:
        assert git(workspace / relative, "branch", "--list", "feat") == ""
        assert len(git(workspace / relative, "worktree", "list").splitlines()) == 1
    assert not session.exists()
    assert registry_files(isolated_env) == []


def test_a_conflict_in_one_repository_merges_none(qtmux: QTmux, workspace: Path) -> None:
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    session = folder(workspace, "feat")
    commit_in(session / "frontend", "app.js", "ours\n")
    commit_in(session / "services/api", "README.md", "session's line\n")
    commit_in(workspace / "services/api", "README.md", "someone else's line\n")
    bases = {relative: oid(workspace / relative, "HEAD") for relative in REPOS}
    result = qtmux("merge", "feat", "--yes", cwd=workspace)
    assert result.returncode == 1
    assert "in no repository" in result.stderr
    assert "services/api: merging into main would conflict in README.md" in result.stderr
    assert {relative: oid(workspace / relative, "HEAD") for relative in REPOS} == bases
    assert (session / "frontend" / "app.js").exists()


def test_uncommitted_work_in_one_repository_merges_none(qtmux: QTmux, workspace: Path) -> None:
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    session = folder(workspace, "feat")
    commit_in(session / "frontend", "app.js", "ours\n")
    (session / "backend" / "wip.txt").write_text("not committed\n")
    main = oid(workspace / "frontend", "main")
    result = qtmux("merge", "feat", "--yes", cwd=workspace)
    assert result.returncode == 1
    assert "backend: the session has uncommitted changes (wip.txt)" in result.stderr
    assert oid(workspace / "frontend", "main") == main
    qtmux.ok("merge", "feat", "--yes", "--commit", cwd=workspace)
    assert git(workspace / "backend", "show", "develop:wip.txt") == "not committed\n"


def refuse_moving_main(repo: Path) -> None:
    """A reference-transaction hook (a real policy hook) that refuses to move main."""
    hook = repo / ".git" / "hooks" / "reference-transaction"
    hook.write_text(
        "#!/bin/sh\n"
        '[ "$1" = prepared ] || exit 0\n'
        "grep -q ' refs/heads/main$' && { echo 'main is protected' >&2; exit 1; }\n"
        "exit 0\n"
    )
    hook.chmod(0o755)


def test_a_base_that_refuses_midway_moves_the_merged_ones_back(
    qtmux: QTmux, workspace: Path
) -> None:
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    session = folder(workspace, "feat")
    commit_in(session / "frontend", "app.js", "ours\n")
    commit_in(session / "services/api", "api.py", "ours\n")
    api = workspace / "services/api"
    git(api, "checkout", "-q", "-b", "elsewhere")  # main checked out nowhere: update-ref path
    refuse_moving_main(api)
    front = workspace / "frontend"
    (front / "mine.txt").write_text("my own untracked file\n")
    (front / "README.md").write_text("my unrelated edit\n")
    before = oid(front, "main")
    result = qtmux("merge", "feat", "--yes", cwd=workspace)
    assert result.returncode == 1
    assert "stopped at services/api" in result.stderr
    assert "(frontend) were moved back: nothing is merged" in result.stderr
    assert oid(front, "main") == before
    assert not (front / "app.js").exists()  # the files moved back too
    assert (front / "mine.txt").read_text() == "my own untracked file\n"
    assert (front / "README.md").read_text() == "my unrelated edit\n"
    assert oid(api, "main") == oid(api, "elsewhere")
    assert session_json(session)["name"] == "feat"  # the session stays, whole
    assert oid(front, "refs/heads/feat") == oid(session / "frontend", "HEAD")


def test_a_merge_killed_between_two_bases_is_rolled_back_then_redone(
    qtmux: QTmux, workspace: Path
) -> None:
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    session = folder(workspace, "feat")
    commit_in(session / "frontend", "app.js", "ours\n")
    commit_in(session / "services/api", "api.py", "ours\n")
    front, api = workspace / "frontend", workspace / "services/api"
    before = oid(front, "main"), oid(api, "main")
    killed = qtmux(
        "merge", "feat", "--yes", cwd=workspace, env={"Q_TMUX_TEST_KILL_AFTER": "base:frontend"}
    )
    assert killed.returncode == -9
    assert oid(front, "main") != before[0]  # half done: frontend moved, api did not
    assert oid(api, "main") == before[1]
    again = qtmux.ok("merge", "feat", "--yes", cwd=workspace)
    assert "was interrupted" in again.stderr
    assert "moved back" in again.stderr
    assert git(front, "show", "main:app.js") == "ours\n"
    assert git(api, "show", "main:api.py") == "ours\n"
    assert git(front, "rev-list", "--count", f"{before[0]}..main").strip() == "2"  # one merge
    assert not session.exists()


def test_a_merge_killed_during_clean_up_finishes_on_the_next_run(
    qtmux: QTmux, workspace: Path, isolated_env: Path
) -> None:
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    session = folder(workspace, "feat")
    commit_in(session / "frontend", "app.js", "ours\n")
    killed = qtmux(
        "merge", "feat", "--yes", cwd=workspace, env={"Q_TMUX_TEST_KILL_AFTER": "worktree"}
    )
    assert killed.returncode == -9
    merged = oid(workspace / "frontend", "main")
    again = qtmux.ok("merge", "feat", "--yes", cwd=workspace)
    assert "finishing the interrupted merge" in again.stderr
    assert oid(workspace / "frontend", "main") == merged
    assert not session.exists()
    assert registry_files(isolated_env) == []


# -- the other commands -----------------------------------------------------------------


def test_sync_brings_each_base_in(qtmux: QTmux, workspace: Path) -> None:
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    session = folder(workspace, "feat")
    commit_in(workspace / "backend", "late.txt", "develop moved on\n")
    result = qtmux.ok("sync", "feat", cwd=workspace)
    assert "into 'feat' in backend" in result.stdout
    assert "'feat' in frontend already has everything in main" in result.stdout
    assert (session / "backend" / "late.txt").read_text() == "develop moved on\n"


def test_disk_usage_counts_the_worktrees_and_their_build_outputs(
    qtmux: QTmux, workspace: Path
) -> None:
    (workspace / "frontend" / ".gitignore").write_text("dist/\n")
    git(workspace / "frontend", "add", ".gitignore")
    git(workspace / "frontend", "commit", "-q", "-m", "ignore dist")
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    dist = folder(workspace, "feat") / "frontend" / "dist"
    dist.mkdir()
    (dist / "bundle.js").write_bytes(b"x" * 200_000)
    usage = qtmux.ok("disk-usage", "--json", cwd=workspace).json()
    (entry,) = usage["sessions"]
    assert entry["name"] == "feat"
    assert entry["build_outputs"] >= 200_000
    assert entry["total"] > entry["build_outputs"]


def test_cleanup_never_removes_a_workspace_session(qtmux: QTmux, workspace: Path) -> None:
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    qtmux.ok("close", "feat", cwd=workspace)
    result = qtmux.ok("cleanup", "--older-than", "0", "--force", cwd=workspace)
    assert "removed by 'q-tmux merge feat'" in result.stdout
    assert (folder(workspace, "feat") / "frontend" / "README.md").exists()
    assert oid(workspace / "frontend", "refs/heads/feat")


def test_sessions_of_single_repositories_do_not_get_in_the_way(
    qtmux: QTmux, workspace: Path
) -> None:
    # A session of frontend alone puts its worktree in shop/frontend.worktrees/.
    qtmux.ok("new", "solo", "--detach", cwd=workspace / "frontend")
    assert (workspace / "frontend.worktrees" / "solo").is_dir()
    qtmux.ok("new", "feat", "--detach", cwd=workspace)
    paths = [e["workspace_path"] for e in session_json(folder(workspace, "feat"))["repos"]]
    assert paths == list(REPOS)


def test_a_worktree_git_fails_to_make_undoes_the_others(refused: Refused, workspace: Path) -> None:
    hook = workspace / "services/api" / ".git" / "hooks" / "post-checkout"
    hook.write_text("#!/bin/sh\necho 'checkout refused by policy' >&2\nexit 1\n")
    hook.chmod(0o755)
    refused(["new", "feat"], "Could not create a worktree")


def test_merging_a_workspace_session_moves_a_child_based_on_one_of_its_branches(
    qtmux: QTmux, workspace: Path
) -> None:
    from tests.conftest import session_json

    qtmux.ok("new", "ws", "--detach", cwd=workspace)
    commit_in(folder(workspace, "ws") / "frontend", "ui.txt", "ui\n")
    qtmux.ok("new", "kid", "--detach", cwd=folder(workspace, "ws") / "frontend")
    kid = workspace / "frontend.worktrees" / "kid"  # beside the main checkout of frontend
    assert session_json(kid)["worktree_info"]["base_branch"] == "ws"
    result = qtmux.ok("merge", "ws", "--yes", cwd=workspace)
    assert "Session 'kid' was based on 'ws': its base is now main." in result.stdout
    assert session_json(kid)["worktree_info"]["base_branch"] == "main"
    qtmux.ok("sync", "kid", cwd=workspace)
