"""Fixtures for the real agents: the model server, a sandbox HOME per agent, and cleanup.

Each agent runs with the test's isolated HOME, set up as notes/real-agents.md
says so that no first-run dialog shows (Claude's trust for every worktree
folder q-tmux makes, Codex's config.toml, Gemini's settings.json, aider's
.aider.conf.yml), and pointed at the model server on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from libtmux.server import Server

from tests.conftest import QTmux
from tests.real_agents.conversation import (
    AgentUI,
    Conversation,
    kill_all,
    processes_with_home,
)
from tests.real_agents.model_server import ModelServer
from tests.real_agents.sandbox import installed, outside_tmp_home, prepare_home, trusted_dirs

MakeConversation = Callable[[AgentUI, str], Conversation]


@pytest.fixture
def model() -> Iterator[ModelServer]:
    server = ModelServer().start()
    yield server
    server.stop()


def require(agent: str) -> None:
    if not installed(agent):
        pytest.skip(f"{agent} is not installed in .agents/: run scripts/install-agents")


@pytest.fixture
def agent_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The test's HOME, moved out of /tmp (see ``outside_tmp_home``), removed afterwards."""
    old = Path(os.environ["HOME"])
    home = outside_tmp_home()
    shutil.copy(old / ".gitconfig", home / ".gitconfig")
    monkeypatch.setenv("HOME", str(home))
    # CI machines set CI=true, and Gemini CLI then takes itself for a one-shot
    # run and exits at boot ("No input provided via stdin"). A user's agent in a
    # tmux window is interactive, so the agents must not see it.
    monkeypatch.delenv("CI", raising=False)
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def conversation(
    qtmux: QTmux, server: Server, repo: Path, model: ModelServer, agent_home: Path
) -> Iterator[MakeConversation]:
    """Makes a ``Conversation`` with an agent set up to talk to ``model``."""
    home = agent_home
    made: list[Conversation] = []

    def make(ui: AgentUI, name: str) -> Conversation:
        require(ui.preset)
        env = prepare_home(ui.preset, home, model.url, trusted_dirs(repo, [name]))
        conv = Conversation(ui, qtmux, server, repo, name, env, model)
        made.append(conv)
        return conv

    yield make
    for conv in made:
        conv.stop()
    # Whatever the agents left behind (helpers, daemons) dies with the test; not tmux itself.
    keep = {os.getpid()}
    if server.is_alive():
        keep.add(int(server.cmd("display-message", "-p", "#{pid}").stdout[0]))
    kill_all(pid for pid in processes_with_home(home) if pid not in keep)
