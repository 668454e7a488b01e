"""Every agent q-tmux knows, by preset name. Standard library only.

An agent's module is imported only when that agent is asked for: the hook
runs on every turn of one agent and has no use for the others' screen models.
"""

from __future__ import annotations

import sys

from q_tmux.agents.base import AgentSpec

#: Preset name -> (module in q_tmux.agents, the spec's name in it).
_WHERE: dict[str, tuple[str, str]] = {
    "q": ("q", "Q"),
    "kiro-cli": ("q", "KIRO"),
    "claude": ("claude", "CLAUDE"),
    "codex": ("codex", "CODEX"),
    "gemini": ("gemini", "GEMINI"),
    "aider": ("aider", "AIDER"),
}
_SHELL = ("shell", "SHELL")
#: Tried in this order when no agent is configured.
DETECTION_ORDER = ("q", "kiro-cli", "claude", "codex", "gemini", "aider")


def _load(module: str, name: str) -> AgentSpec:
    # __import__ rather than importlib.import_module: the same import machinery,
    # and `python -X importtime` (which the hook's import test reads) sees it.
    __import__(f"q_tmux.agents.{module}")
    spec = getattr(sys.modules[f"q_tmux.agents.{module}"], name)
    assert isinstance(spec, AgentSpec)
    return spec


def get(preset: str) -> AgentSpec | None:
    """The agent called ``preset``; the shell too; None for a user's own command."""
    where = _SHELL if preset == "shell" else _WHERE.get(preset)
    return _load(*where) if where is not None else None


def specs() -> dict[str, AgentSpec]:
    """Every agent preset but the shell, in detection order."""
    return {name: _load(*_WHERE[name]) for name in DETECTION_ORDER}
