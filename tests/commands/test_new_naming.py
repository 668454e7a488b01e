"""new without a name, session types, the worktree decision, rename, and the repo's config."""

from __future__ import annotations

from pathlib import Path

import pytest
from libtmux.server import Server

from tests.conftest import QTmux, git, registry_files, session_json


def names(qtmux: QTmux, cwd: Path) -> list[str]:
    return [item["name"] for item in qtmux.ok("list", "--json", cwd=cwd).json()]


def test_a_message_alone_names_the_session(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "Fix the parser crash on empty input", "--detach", cwd=repo)
    qtmux.ok("new", "auto", "Fix the parser crash on empty input", "--detach", cwd=repo)
    git(repo, "branch", "fix-parser-crash-3")
    qtmux.ok("new", "auto", "Fix the parser crash on empty input", "--detach", cwd=repo)
    assert names(qtmux, repo) == ["fix-parser-crash", "fix-parser-crash-2", "fix-parser-crash-4"]
    first = session_json(repo.parent / "app.worktrees" / "fix-parser-crash")
    assert first["first_message"] == "Fix the parser crash on empty input"


@pytest.mark.parametrize("message", ["please do it", "修复解析器", "", "   "])
def test_messages_without_keywords_still_get_a_unique_name(
    qtmux: QTmux, repo: Path, message: str
) -> None:
    qtmux.ok("new", "auto", message, "--detach", cwd=repo)
    qtmux.ok("new", "auto", message, "--detach", cwd=repo)
    assert names(qtmux, repo) == ["session", "session-2"]


def test_a_300_character_message(qtmux: QTmux, repo: Path) -> None:
    message = " ".join(["parser"] + ["word"] * 60)[:300]
    qtmux.ok("new", "auto", message, "--detach", cwd=repo)
    (name,) = names(qtmux, repo)
    assert len(name) <= 20


def test_the_configured_llm_names_it(qtmux: QTmux, repo: Path, isolated_env: Path) -> None:
    import threading
    from http.server import ThreadingHTTPServer

    from tests.test_naming import Endpoint

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = isolated_env / ".config/q-tmux/config.toml"
        config.parent.mkdir(parents=True)
        port = server.server_address[1]
        config.write_text(
            f'[naming.llm]\nbase_url = "http://127.0.0.1:{port}/good/v1"\nmodel = "m"\n'
        )
        qtmux.ok("new", "Fix the parser crash on empty input", "--detach", cwd=repo)
        assert names(qtmux, repo) == ["parser-empty-input"]
    finally:
        server.shutdown()


def test_exploration_runs_in_place_and_hotfix_starts_from_the_default_branch(
    qtmux: QTmux, repo: Path
) -> None:
    qtmux.ok("new", "look", "--type", "exploration", "--detach", cwd=repo)
    assert session_json(repo)["session_type"] == "exploration"
    assert git(repo, "branch", "--list", "look") == ""
    git(repo, "checkout", "-q", "-b", "wip")
    qtmux.ok("new", "urgent", "--type", "hotfix", "--detach", cwd=repo)
    info = session_json(repo.parent / "app.worktrees" / "urgent")["worktree_info"]
    assert isinstance(info, dict)
    assert info["base_branch"] == "main"


def test_experiment_is_removed_on_close_only_when_unused(
    qtmux: QTmux, repo: Path, isolated_env: Path
) -> None:
    qtmux.ok("new", "try1", "--type", "experiment", "--detach", cwd=repo)
    qtmux.ok("new", "try2", "--type", "experiment", "--detach", cwd=repo)
    used = repo.parent / "app.worktrees" / "try2"
    (used / "idea.txt").write_text("keep me\n")
    assert "removed temporary session 'try1'" in qtmux.ok("close", "try1", cwd=repo).stdout
    assert not (repo.parent / "app.worktrees" / "try1").exists()
    assert git(repo, "branch", "--list", "try1") == ""
    out = qtmux.ok("close", "try2", cwd=repo).stdout
    assert "Keeping temporary session 'try2': its worktree has changes (idea.txt)" in out
    assert (used / "idea.txt").read_text() == "keep me\n"
    assert len(registry_files(isolated_env)) == 1


def test_type_settings_and_requires_worktree_come_from_the_config(
    qtmux: QTmux, repo: Path, isolated_env: Path
) -> None:
    (repo / ".q-tmux.toml").write_text('[types.feature]\nbranch_prefix = "feature/"\n')
    config = isolated_env / ".config/q-tmux/config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[agents.q]\nrequires_worktree = false\n")
    qtmux.ok("new", "login", "--type", "feature", "--detach", cwd=repo)
    assert (
        git(repo, "branch", "--list", "--format=%(refname:short)", "feature/login").strip()
        == "feature/login"
    )
    result = qtmux.ok("new", "plain", "--detach", cwd=repo / "")
    assert "no worktree (the agent's requires_worktree)" in result.stderr


def test_worktree_with_a_branch_name(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "auth", "--worktree", "team/auth-rework", "--detach", cwd=repo)
    info = session_json(repo.parent / "app.worktrees" / "auth")["worktree_info"]
    assert isinstance(info, dict)
    assert info["branch"] == "team/auth-rework"


def test_rename_moves_the_name_the_window_and_the_branch(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    qtmux.ok("new", "old-name", "--detach", cwd=repo)
    out = qtmux.ok("rename", "old-name", "new-name", cwd=repo).stdout
    assert "Branch 'old-name' is now 'new-name'" in out
    assert names(qtmux, repo) == ["new-name"]
    assert git(repo, "branch", "--list", "--format=%(refname:short)").split() == [
        "main",
        "new-name",
    ]
    assert server.cmd("list-windows", "-a", "-F", "#{window_name}").stdout == ["new-name"]
    work = repo.parent / "app.worktrees" / "old-name"  # the directory stays
    assert git(work, "symbolic-ref", "--short", "HEAD").strip() == "new-name"


def test_rename_keeps_a_branch_with_an_upstream(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "pushed", "--detach", cwd=repo)
    git(repo, "config", "branch.pushed.remote", "origin")
    result = qtmux.ok("rename", "pushed", "renamed", cwd=repo)
    assert "kept branch 'pushed': it has an upstream" in result.stderr
    assert names(qtmux, repo) == ["renamed"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rename", "nope", "x"], "There is no session named 'nope'"),
        (["rename", "a", "b c"], "Session name 'b c' is not allowed"),
        (["rename", "a", "HEAD"], "'HEAD' is reserved by git"),
        (["new", "x", "--worktree", "--no-worktree"], "Choose one of --worktree and --no-worktree"),
        (["new", "x", "--type", "bogus"], "Invalid value for '--type'"),
    ],
)
def test_bad_requests(qtmux: QTmux, repo: Path, args: list[str], message: str) -> None:
    qtmux.ok("new", "a", "--detach", cwd=repo)
    git(repo, "branch", "taken")
    result = qtmux(*args, cwd=repo)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_rename_onto_a_used_name_changes_nothing(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "a", "--detach", cwd=repo)
    qtmux.ok("new", "b", "--detach", cwd=repo)
    result = qtmux("rename", "a", "b", cwd=repo)
    assert result.returncode == 1
    assert "A session named 'b' already exists" in result.stderr
    assert names(qtmux, repo) == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[types.feature]\nbranch_prefix = '../x/'\n", "key 'types.feature.branch_prefix'"),
        ("[types.bogus]\nworktree = true\n", "unknown session type 'bogus'"),
        ("worktree = 'sometimes'\n", "key 'worktree"),
        ("[naming]\nmax_length = 2\n", "key 'naming.max_length'"),
        ("[naming.llm]\nbase_url = 'ftp://x'\nmodel = 'm'\n", "must start with http://"),
    ],
)
def test_a_bad_repo_config_names_the_file_and_key(
    qtmux: QTmux, repo: Path, text: str, message: str
) -> None:
    (repo / ".q-tmux.toml").write_text(text)
    result = qtmux("new", "x", "--detach", cwd=repo)
    assert result.returncode == 1
    assert f"{repo / '.q-tmux.toml'}: " in result.stderr
    assert message in result.stderr
    assert git(repo, "branch", "--list", "x") == ""
