"""aider end to end: a whole conversation in a q-tmux session, against the model server."""

from __future__ import annotations

import pytest

from tests.real_agents import scenario
from tests.real_agents.agents_ui import AIDER
from tests.real_agents.conftest import MakeConversation

pytestmark = pytest.mark.real_agents


def test_aider_conversation_states_resume_and_kill(conversation: MakeConversation) -> None:
    scenario.run(conversation(AIDER, "talk"))


def test_aider_model_errors_end_waiting_with_the_error_on_screen(
    conversation: MakeConversation,
) -> None:
    scenario.model_errors(conversation(AIDER, "broken"))


def test_aider_short_answers_after_a_turn_end_are_work_and_end_waiting(
    conversation: MakeConversation,
) -> None:
    scenario.short_answers_after_a_turn_end(conversation(AIDER, "short"))
