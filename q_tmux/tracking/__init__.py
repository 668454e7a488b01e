"""Live state, standard library only: hooks, status writes, watcher, status line, ``next``."""
