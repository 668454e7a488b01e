"""q-tmux's XDG base directories as plain strings.

Hooks and the status line use these; they avoid pathlib, whose import alone
costs more than a hook may spend. :mod:`q_tmux.store.paths` wraps them for commands.
"""

from __future__ import annotations

import os

APP = "q-tmux"


def _base(variable: str, fallback: str) -> str:
    value = os.environ.get(variable, "")
    # The spec says relative values are invalid and must be ignored.
    if value and os.path.isabs(value):
        return os.path.join(value, APP)
    return os.path.join(os.path.expanduser("~"), fallback, APP)


def state_dir() -> str:
    """Session registry and other state that survives reboots."""
    return _base("XDG_STATE_HOME", ".local/state")


def config_dir() -> str:
    """The user's ``config.toml``."""
    return _base("XDG_CONFIG_HOME", ".config")


def data_dir() -> str:
    """The isolated install made by ``install.sh``."""
    return _base("XDG_DATA_HOME", ".local/share")


def registry_dir() -> str:
    """One small JSON file per session, so listing never scans disks or calls git."""
    return os.path.join(state_dir(), "sessions")
