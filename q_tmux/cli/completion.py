"""Session names for shell completion (``q-tmux switch fe<TAB>``).

Runs on every TAB, so it reads the registry's small JSON files with the
standard library: no schema, no git, no tmux.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from q_tmux.store import xdg

if TYPE_CHECKING:
    import click


def session_names(prefix: str = "") -> list[str]:
    """The registered sessions' names that start with ``prefix``, sorted, each once."""
    directory = xdg.registry_dir()
    try:
        files = os.listdir(directory)
    except OSError:
        return []
    names: set[str] = set()
    for file in files:
        if not file.endswith(".json"):
            continue
        try:
            with open(os.path.join(directory, file), encoding="utf-8") as handle:
                name = json.load(handle).get("name")
        except (OSError, ValueError, AttributeError):
            continue  # unreadable or half-written: `list` reports it, TAB stays quiet
        if isinstance(name, str) and name.startswith(prefix):
            names.add(name)
    return sorted(names)


def complete_session_name(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[str]:
    """Shell completion for a NAME argument (``shell_complete=`` of the commands that take one)."""
    return session_names(incomplete)
