"""``[limits]``: ``max_sessions`` refuses past it; ``max_busy`` queues starts until busy
agents finish, and the watcher starts them."""

from __future__ import annotations

from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.errors import ConfigError
from q_tmux.store.config import load_config
from tests.conftest import QTmux, launches, session_json, snapshot, wait_for, worktree

BUSY = ("starting", "processing")


def limit(home: Path, text: str) -> Path:
    path = home / ".config" / "q-tmux" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"[limits]\n{text}\n")
    return path


def status(repo: Path, name: str) -> str:
    return str(session_json(worktree(repo, name))["status"])


def states(qtmux: QTmux, repo: Path) -> dict[str, str]:
    return {i["name"]: i["state"] for i in qtmux.ok("list", "--json", cwd=repo).json()}


def test_past_max_sessions_new_refuses_in_one_sentence_naming_the_limit(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    config = limit(isolated_env, "max_sessions = 2")
    qtmux.ok("new", "one", "-d", cwd=repo)
    qtmux.ok("new", "two", "-d", cwd=repo)
    before = snapshot(repo, server, isolated_env)
    result = qtmux("new", "three", "-d", cwd=repo)
    assert result.returncode != 0
    assert "max_sessions = 2" in result.stderr
    assert str(config) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(repo, server, isolated_env) == before
    # A fan-out that would pass it is refused whole, before anything is made.
    qtmux.ok("close", "two", cwd=repo)  # closed sessions do not count
    before = snapshot(repo, server, isolated_env)
    result = qtmux("new", "fan", "--count", "2", "-d", "task", cwd=repo)
    assert result.returncode != 0
    assert "these 2 sessions would pass [limits] max_sessions = 2" in result.stderr
    assert snapshot(repo, server, isolated_env) == before
    qtmux.ok("new", "three", "-d", cwd=repo)


def test_an_exited_agent_does_not_count_against_max_sessions(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    limit(isolated_env, "max_sessions = 1")
    qtmux.ok("new", "one", "-d", cwd=repo)
    assert qtmux("new", "two", "-d", cwd=repo).returncode != 0
    pane = session_json(worktree(repo, "one"))["tmux"]["pane_id"]
    server.cmd("send-keys", "-t", pane, "-l", "/quit")
    server.cmd("send-keys", "-t", pane, "Enter")
    wait_for(lambda: states(qtmux, repo)["one"] == "exited", what="the agent to exit")
    qtmux.ok("new", "two", "-d", cwd=repo)


def test_max_busy_two_with_a_fan_out_of_four_never_has_more_than_two_busy(
    qtmux: QTmux, repo: Path, isolated_env: Path, agent_log: Path
) -> None:
    limit(isolated_env, "max_busy = 2")
    names = [f"job-{i}" for i in range(1, 5)]
    # Each agent thinks for 2 s before it answers, then waits for input.
    out = qtmux.ok("new", "job", "--count", "4", "-d", "go", cwd=repo, env={"Q_STANDIN_DELAY": "2"})
    assert "queued job-3, job-4" in out.stderr
    assert "Session 'job-2' started" in out.stdout
    assert "Session 'job-3' queued" in out.stdout
    most = 0

    def all_ran() -> bool:
        nonlocal most
        now = [status(repo, name) for name in names]
        busy = sum(1 for each in now if each in BUSY)
        most = max(most, busy)
        assert busy <= 2, f"{busy} busy at once: {now}"
        return len(launches(agent_log)) == 4 and all(each == "waiting" for each in now)

    wait_for(all_ran, timeout=90, what=lambda: f"every job to run: {states(qtmux, repo)}")
    assert most == 2
    assert sorted(Path(launch["cwd"]).name for launch in launches(agent_log)) == names
    assert all(launch["argv"][-1] == "go" for launch in launches(agent_log))


def test_queue_waits_for_a_busy_agent_and_is_never_shown_as_waiting_for_you(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path, agent_log: Path
) -> None:
    limit(isolated_env, "max_busy = 1")
    qtmux.ok("new", "busy", "-d", "think hard", cwd=repo)  # thinks for 30 s
    wait_for(lambda: status(repo, "busy") == "processing", what="the first agent to work")
    out = qtmux.ok("new", "later", "--queue", "-d", "hello", cwd=repo)
    assert "queued later" in out.stderr
    assert states(qtmux, repo)["later"] == "queued"
    line = qtmux.ok("status-line", cwd=repo).stdout
    assert "later" not in line  # not waiting for you
    assert "1 busy" in line  # and not busy either
    assert [Path(launch["cwd"]).name for launch in launches(agent_log)] == ["busy"]
    # Ctrl-C ends the busy turn (no hook fires: the watcher sees the prompt), and the
    # queued agent starts with its first message.
    busy_pane = session_json(worktree(repo, "busy"))["tmux"]["pane_id"]
    server.cmd("send-keys", "-t", busy_pane, "C-c")
    wait_for(lambda: len(launches(agent_log)) == 2, timeout=60, what="the queued agent to start")
    assert launches(agent_log)[1]["argv"][-1] == "hello"
    wait_for(lambda: status(repo, "later") == "waiting", what="the queued agent's turn to end")


def test_enter_in_a_queued_window_starts_it_at_once(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path, agent_log: Path
) -> None:
    limit(isolated_env, "max_busy = 1")
    qtmux.ok("new", "busy", "-d", "think hard", cwd=repo)
    qtmux.ok("new", "later", "--queue", "-d", "hello", cwd=repo)
    pane = session_json(worktree(repo, "later"))["tmux"]["pane_id"]
    wait_for(
        lambda: "Press Enter" in "\n".join(server.cmd("capture-pane", "-p", "-t", pane).stdout)
    )
    server.cmd("send-keys", "-t", pane, "Enter")
    wait_for(lambda: len(launches(agent_log)) == 2, what="the queued agent to start")
    assert status(repo, "later") in ("starting", "processing", "waiting")


def test_queue_without_max_busy_starts_at_once(qtmux: QTmux, repo: Path, agent_log: Path) -> None:
    qtmux.ok("new", "now", "--queue", "-d", "hello", cwd=repo)
    wait_for(lambda: len(launches(agent_log)) == 1, what="the agent to start")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_busy = 0", "key 'limits.max_busy' must be"),
        ("max_sessions = '3'", "key 'limits.max_sessions' must be"),
        ("max_queued = 3", "unknown key 'limits.max_queued'"),
    ],
)
def test_bad_limits_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[limits]\n{text}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_limits_in_a_repositorys_file_are_refused(tmp_path: Path) -> None:
    user, repo = tmp_path / "config.toml", tmp_path / "repo"
    repo.mkdir()
    (repo / ".q-tmux.toml").write_text("[limits]\nmax_sessions = 100\n")
    with pytest.raises(ConfigError) as caught:
        load_config(user, repo_root=repo)
    assert "key 'limits' belongs in your own config.toml" in str(caught.value)


def test_a_bad_limit_refuses_new_with_nothing_made(
    qtmux: QTmux, repo: Path, server: Server, isolated_env: Path
) -> None:
    limit(isolated_env, "max_busy = -1")
    before = snapshot(repo, server, isolated_env)
    result = qtmux("new", "x", "-d", cwd=repo)
    assert result.returncode != 0
    assert "limits.max_busy" in result.stderr
    assert snapshot(repo, server, isolated_env) == before


def test_queue_keeps_the_branch_named_with_worktree(qtmux: QTmux, repo: Path) -> None:
    qtmux.ok("new", "named", "--queue", "--worktree", "feature/x", "-d", cwd=repo)
    assert session_json(worktree(repo, "named"))["worktree_info"]["branch"] == "feature/x"
