"""``q-tmux approve`` and ``deny`` answer the real agents from outside their windows."""

from __future__ import annotations

import pytest

from tests.real_agents import scenario
from tests.real_agents.agents_ui import AIDER, CLAUDE, CODEX, GEMINI
from tests.real_agents.conftest import MakeConversation
from tests.real_agents.conversation import (
    STEP_TIMEOUT,
    WAITING_APPROVAL,
    WAITING_INPUT,
    AgentUI,
    Conversation,
)

pytestmark = pytest.mark.real_agents

#: How each agent names the tool it asks about (Codex names none).
TOOLS = {"claude": " (Bash)", "codex": "", "gemini": " (Shell)", "aider": " (shell)"}


def answer(conv: Conversation, verb: str, step: str) -> None:
    """Have the agent ask to write a file, and answer with ``q-tmux VERB`` from outside."""
    target = conv.work_dir.parent / f"ask-{verb}.txt"
    conv.step(f"ask_{verb}")
    conv.type(f"run it [[tool echo {verb} > {target}]]")
    conv.settle(WAITING_APPROVAL, "approval")
    conv.step(step)
    result = conv.qtmux(verb, conv.name, cwd=conv.repo, env=conv.env)
    assert result.returncode == 0, result.stderr
    # The request, as the agent shows it: a line it broke between words stays broken.
    shown = " ".join(result.stdout.split())
    assert shown.startswith(f"{conv.name} asks{TOOLS[conv.ui.preset]}: echo {verb} > {target} ")
    conv.settle(WAITING_INPUT, step)
    if verb == "approve":
        conv.wait_screen(lambda _: target.exists(), f"{target} written", STEP_TIMEOUT)
    else:
        assert not target.exists(), f"{conv.ui.preset} ran the denied command"


@pytest.mark.parametrize("ui", [CLAUDE, CODEX, GEMINI, AIDER], ids=lambda ui: ui.preset)
def test_each_agent_is_approved_and_denied_with_its_own_keys(
    conversation: MakeConversation, ui: AgentUI
) -> None:
    conv = conversation(ui, "ask")
    conv.start()
    scenario.boot(conv, "idle")
    answer(conv, "approve", "after_approve")
    answer(conv, "deny", "after_deny")
