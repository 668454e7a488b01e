"""The agents q-tmux runs: one module per agent (command, resume, hooks, screen).

- :mod:`q_tmux.agents.base`: the plain data every agent module fills in.
- :mod:`q_tmux.agents.catalog`: every agent by preset name.
- :mod:`q_tmux.agents.launch`: turning ``--agent`` into a command line.
- ``q``, ``claude``, ``codex``, ``gemini``, ``aider``, ``shell``: one per agent.

Hooks and the watcher import only the data part (standard library only); the
launching and wiring code is imported lazily, so this package stays cheap.
"""
