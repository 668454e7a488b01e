"""The agents q-tmux runs: one module per agent (command, resume, hooks, screen).

- :mod:`q_tmux.agents.base`: the plain data every agent module fills in.
- :mod:`q_tmux.agents.catalog`: every agent by preset name.
- :mod:`q_tmux.agents.launch`: turning ``--agent`` into a command line.
- ``q``, ``claude``, ``codex``, ``gemini``, ``aider``, ``shell``: one per agent.

Hooks and the watcher import only the data part (standard library only); the
launching and wiring code is imported lazily, so this package stays cheap.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from q_tmux.agents.launch import (
        DETECTION_ORDER,
        PRESETS,
        SHELL_PRESET,
        Agent,
        Preset,
        PromptStyle,
        resolve_agent,
    )

__all__ = [
    "DETECTION_ORDER",
    "PRESETS",
    "SHELL_PRESET",
    "Agent",
    "Preset",
    "PromptStyle",
    "resolve_agent",
]


def __getattr__(name: str) -> object:
    # Kept for callers written before the package split: importing the launcher
    # costs plumbum, so it happens only when one of these names is asked for.
    if name in __all__:
        from q_tmux.agents import launch

        return getattr(launch, name)
    raise AttributeError(name)
