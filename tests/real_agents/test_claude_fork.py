"""``q-tmux fork`` of a Claude Code session: the fork continues a copy of the conversation."""

from __future__ import annotations

from pathlib import Path

import pytest
from libtmux.server import Server

from tests.conftest import QTmux, wait_for
from tests.real_agents import scenario
from tests.real_agents.agents_ui import CLAUDE
from tests.real_agents.conftest import MakeConversation
from tests.real_agents.conversation import WAITING_INPUT, Conversation, Timeline
from tests.real_agents.model_server import ModelServer
from tests.real_agents.sandbox import prepare_home, trusted_dirs

pytestmark = pytest.mark.real_agents


def test_claude_fork_sends_the_earlier_conversation_to_the_model(
    conversation: MakeConversation,
    qtmux: QTmux,
    server: Server,
    repo: Path,
    model: ModelServer,
    agent_home: Path,
) -> None:
    source = conversation(CLAUDE, "orig")
    prepare_home("claude", agent_home, model.url, trusted_dirs(repo, ["orig", "orig-fork"]))
    source.start()
    scenario.boot(source, "idle")
    asked = source.step("quick")
    source.type(f"remember {scenario.MARKER} [[quick]]")
    scenario.answered(source, source.main_request_after(asked))
    source.settle(WAITING_INPUT, "quick")
    original = wait_for(
        lambda: source.record()["agent"].get("conversation_id"),
        what="Claude's hooks to report the conversation id",
    )

    qtmux.ok("fork", "orig", "orig-fork", "--detach", cwd=repo, env=source.env, timeout=120)

    fork = Conversation(CLAUDE, qtmux, server, repo, "orig-fork", source.env, model)
    fork.timeline = Timeline(fork.work_dir).start()
    try:
        assert fork.record()["agent"]["base_command"] == [
            "claude",
            "--resume",
            original,
            "--fork-session",
        ]
        scenario.boot(fork, "resume")
        asked = fork.step("quick")
        fork.type("what did I ask you to remember [[quick]]")
        request = fork.main_request_after(asked)
        if scenario.MARKER not in request.text:
            fork.fail("the fork's first request did not carry the earlier conversation")
        scenario.answered(fork, request)
        fork.settle(WAITING_INPUT, "quick")
        forked = wait_for(
            lambda: (fork.record()["agent"].get("conversation_id") or original) != original,
            what="the fork's own conversation id (--fork-session makes a new one)",
        )
        assert forked
        assert source.record()["agent"]["conversation_id"] == original
    finally:
        fork.stop()
