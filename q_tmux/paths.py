"""Where q-tmux keeps its own files (XDG base directories)."""

from __future__ import annotations

import os
from pathlib import Path

APP = "q-tmux"


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var, "")
    # The spec says relative values are invalid and must be ignored.
    if value and os.path.isabs(value):
        return Path(value) / APP
    return Path.home() / fallback / APP


def state_dir() -> Path:
    """Session registry and other state that survives reboots."""
    return _xdg("XDG_STATE_HOME", ".local/state")


def config_dir() -> Path:
    """The user's ``config.toml``."""
    return _xdg("XDG_CONFIG_HOME", ".config")


def data_dir() -> Path:
    """The isolated install made by ``install.sh``."""
    return _xdg("XDG_DATA_HOME", ".local/share")


def registry_dir() -> Path:
    """One small JSON file per session, so listing never scans disks or calls git."""
    return state_dir() / "sessions"
