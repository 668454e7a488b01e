"""Every agent q-tmux knows, by preset name. Standard library only."""

from __future__ import annotations

from q_tmux.agents.aider import AIDER
from q_tmux.agents.base import AgentSpec
from q_tmux.agents.claude import CLAUDE
from q_tmux.agents.codex import CODEX
from q_tmux.agents.gemini import GEMINI
from q_tmux.agents.q import KIRO, Q
from q_tmux.agents.shell import SHELL

SPECS: dict[str, AgentSpec] = {spec.name: spec for spec in (Q, KIRO, CLAUDE, CODEX, GEMINI, AIDER)}
#: Tried in this order when no agent is configured.
DETECTION_ORDER = ("q", "kiro-cli", "claude", "codex", "gemini", "aider")


def get(preset: str) -> AgentSpec | None:
    """The agent called ``preset``; the shell too; None for a user's own command."""
    if preset == SHELL.name:
        return SHELL
    return SPECS.get(preset)
