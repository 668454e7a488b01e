"""Where q-tmux keeps its own files, as paths (see :mod:`q_tmux.store.xdg`)."""

from __future__ import annotations

from pathlib import Path

from q_tmux.store import xdg


def state_dir() -> Path:
    return Path(xdg.state_dir())


def config_dir() -> Path:
    return Path(xdg.config_dir())


def data_dir() -> Path:
    return Path(xdg.data_dir())


def registry_dir() -> Path:
    return Path(xdg.registry_dir())
