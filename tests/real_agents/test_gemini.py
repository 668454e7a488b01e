"""Gemini CLI end to end: a whole conversation in a q-tmux session, against the model server."""

from __future__ import annotations

import pytest

from tests.real_agents import scenario
from tests.real_agents.agents_ui import GEMINI
from tests.real_agents.conftest import MakeConversation

pytestmark = pytest.mark.real_agents


def test_gemini_conversation_states_resume_and_kill(conversation: MakeConversation) -> None:
    scenario.run(conversation(GEMINI, "talk"))


def test_gemini_model_errors_end_waiting_with_the_error_on_screen(
    conversation: MakeConversation,
) -> None:
    scenario.model_errors(conversation(GEMINI, "broken"))
