"""The tmux plugin file, and loading it into a tmux server that q-tmux itself started.

A server started by ``q-tmux new`` outside tmux reads ``~/.tmux.conf`` like any
other; when that does not load the plugin (no install.sh line, no TPM), q-tmux
loads it so the keys and the status line are there all the same.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from q_tmux.adapters.tmux import Tmux

from q_tmux.adapters.tmux_vocabulary import PLUGIN_OPTION


def plugin_file() -> Path | None:
    """The plugin: packaged with the program, else the checkout it runs from."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (
        package / "tmux_plugin" / "q-tmux.tmux",  # in a built wheel (see pyproject.toml)
        package.parent / "tmux" / "q-tmux.tmux",  # running from the source checkout
    ):
        if candidate.is_file():
            return candidate
    return None


def ensure_loaded(tmux: Tmux) -> bool:
    """Load the plugin into ``tmux`` unless something already did; True when it was loaded now."""
    if tmux.global_option(PLUGIN_OPTION):
        return False
    path = plugin_file()
    if path is None:
        return False
    # Run as a file of bash, as TPM would: a wheel need not keep the executable bit.
    return tmux.cmd("run-shell", f"bash {shlex.quote(str(path))}").returncode == 0
