"""Claude Code end to end: a whole conversation in a q-tmux session, against the model server."""

from __future__ import annotations

import pytest

from tests.real_agents import scenario
from tests.real_agents.agents_ui import CLAUDE
from tests.real_agents.conftest import MakeConversation

pytestmark = pytest.mark.real_agents


def test_claude_conversation_states_resume_and_kill(conversation: MakeConversation) -> None:
    scenario.run(conversation(CLAUDE, "talk"))


def test_claude_model_errors_end_waiting_with_the_error_on_screen(
    conversation: MakeConversation,
) -> None:
    scenario.model_errors(conversation(CLAUDE, "broken"))


def test_claude_resume_brings_back_the_sessions_own_conversation(
    conversation: MakeConversation,
) -> None:
    scenario.resume_picks_its_own_conversation(conversation(CLAUDE, "own"), ["claude", "-p"])
