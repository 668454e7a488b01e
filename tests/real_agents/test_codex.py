"""Codex end to end: a whole conversation in a q-tmux session, against the model server."""

from __future__ import annotations

import pytest

from tests.real_agents import scenario
from tests.real_agents.agents_ui import CODEX
from tests.real_agents.conftest import MakeConversation

pytestmark = pytest.mark.real_agents


def test_codex_conversation_states_resume_and_kill(conversation: MakeConversation) -> None:
    scenario.run(conversation(CODEX, "talk"))


def test_codex_model_errors_end_waiting_with_the_error_on_screen(
    conversation: MakeConversation,
) -> None:
    scenario.model_errors(conversation(CODEX, "broken"))


def test_codex_resume_brings_back_the_sessions_own_conversation(
    conversation: MakeConversation,
) -> None:
    scenario.resume_picks_its_own_conversation(conversation(CODEX, "own"), ["codex", "exec"])


def test_codex_short_answers_after_a_turn_end_are_work_and_end_waiting(
    conversation: MakeConversation,
) -> None:
    scenario.short_answers_after_a_turn_end(conversation(CODEX, "short"))
