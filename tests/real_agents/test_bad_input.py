"""Bad input around the agents: nothing may stay ``processing`` (or ``starting``) forever.

A missing agent binary is refused up front; one that crashes while it boots
ends ``exited``. (A model endpoint that answers with errors is covered per agent
in test_<agent>.py, with the real programs.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from libtmux.server import Server

from tests.conftest import QTmux, session_json, wait_for
from tests.real_agents.conversation import STEP_TIMEOUT, session_state

AGENTS = ("claude", "codex", "gemini", "aider")


def path_without_agents() -> str:
    """PATH with no folder that holds one of the agents (e.g. .agents/bin)."""
    folders = os.environ["PATH"].split(os.pathsep)
    kept = [f for f in folders if not any((Path(f) / a).exists() for a in AGENTS)]
    return os.pathsep.join(kept)


@pytest.mark.parametrize("agent", AGENTS)
def test_a_missing_agent_binary_is_refused_in_one_sentence(
    qtmux: QTmux, repo: Path, agent: str
) -> None:
    result = qtmux("new", "nobody", "--agent", agent, "--detach", cwd=repo,
                   env={"PATH": path_without_agents()})  # fmt: skip
    assert result.returncode != 0
    assert result.stderr.startswith("q-tmux: ")
    assert agent in result.stderr
    assert "Traceback" not in result.stderr
    assert not (repo.parent / "app.worktrees" / "nobody").exists()


@pytest.mark.parametrize("agent", AGENTS)
def test_an_agent_that_crashes_while_booting_ends_exited(
    qtmux: QTmux, repo: Path, server: Server, tmp_path: Path, agent: str
) -> None:
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    stub = stubs / agent
    stub.write_text(f"#!/bin/sh\necho '{agent}: cannot start: config is broken' >&2\nexit 3\n")
    stub.chmod(0o755)
    path = f"{stubs}{os.pathsep}{path_without_agents()}"
    qtmux.ok("new", "crashy", "--agent", agent, "--detach", cwd=repo, env={"PATH": path})
    work = repo.parent / "app.worktrees" / "crashy"
    wait_for(
        lambda: (session_state(work) or ("",))[0] == "exited",
        timeout=STEP_TIMEOUT,
        what=lambda: f"{agent} that crashed to be exited, not {session_state(work)}",
    )
    # The pane stays, dead, saying how the agent ended (what it printed may be cleared).
    pane = session_json(work)["tmux"]["pane_id"]
    status = server.cmd("display-message", "-p", "-t", pane, "#{pane_dead_status}").stdout
    assert status == ["3"]
