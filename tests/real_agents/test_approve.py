"""``q-tmux approve`` and ``deny`` answer the real Claude Code from outside its window."""

from __future__ import annotations

import pytest

from tests.real_agents import scenario
from tests.real_agents.agents_ui import CLAUDE
from tests.real_agents.conftest import MakeConversation
from tests.real_agents.conversation import (
    STEP_TIMEOUT,
    WAITING_APPROVAL,
    WAITING_INPUT,
    Conversation,
)

pytestmark = pytest.mark.real_agents


def answer(conv: Conversation, verb: str, step: str) -> None:
    """Have Claude ask to write a file, and answer with ``q-tmux VERB`` from outside."""
    target = conv.work_dir.parent / f"ask-{verb}.txt"
    conv.step(f"ask_{verb}")
    conv.type(f"run it [[tool echo {verb} > {target}]]")
    conv.settle(WAITING_APPROVAL, "approval")
    conv.step(step)
    result = conv.qtmux(verb, conv.name, cwd=conv.repo, env=conv.env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{conv.name} asks (Bash): echo {verb} > {target}"
    conv.settle(WAITING_INPUT, step)
    if verb == "approve":
        conv.wait_screen(lambda _: target.exists(), f"{target} written", STEP_TIMEOUT)
    else:
        assert not target.exists(), "Claude ran the denied command"


def test_claude_is_approved_and_denied_with_its_own_keys(conversation: MakeConversation) -> None:
    conv = conversation(CLAUDE, "ask")
    conv.start()
    scenario.boot(conv, "idle")
    answer(conv, "approve", "after_approve")
    answer(conv, "deny", "after_deny")
