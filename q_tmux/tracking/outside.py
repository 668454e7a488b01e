"""Notifications outside tmux, the hot path's half: decide cheaply, then hand off.

When a session starts waiting, the hook or the watcher calls :func:`started_waiting`.
It never sends anything itself: it decides from a small cache of the user's
``[notify]`` settings whether this session and reason are due, stamps the quiet
period, and starts ``python -m q_tmux.sessions.notify_outside`` detached, which
sends with a timeout. Standard library only, and no TOML parsing here: the cache
(``notify/settings.json`` in the state folder) is written by the sender whenever
``config.toml`` changed (its size and mtime are the cache's key); until then a
stale cache hands the whole decision to the sender.
"""

from __future__ import annotations

import os
import time

from q_tmux.adapters import python_command, tmuxcmd
from q_tmux.store import jsonfile, xdg

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more to import than a hook may spend
    from typing import Any

SENDER = "q_tmux.sessions.notify_outside"
#: Given to the sender when the hot path already decided (and stamped the quiet period).
DECIDED = "--decided"


def folder() -> str:
    """Where the cache, the quiet-period stamps and the failure streaks live."""
    return os.path.join(xdg.state_dir(), "notify")


def config_file() -> str:
    return os.path.join(xdg.config_dir(), "config.toml")


def cache_file() -> str:
    return os.path.join(folder(), "settings.json")


def config_key() -> list[int] | None:
    """What identifies the config file's version: size and mtime; None when there is none."""
    try:
        found = os.stat(config_file())
    except OSError:
        return None
    return [found.st_size, found.st_mtime_ns]


def cached_settings(key: list[int]) -> dict[str, Any] | None:
    """The cached ``[notify]`` settings if they were read from the config as it is now."""
    data = jsonfile.load_object(cache_file())
    if data is None or data.get("key") != key or data.get("file") != config_file():
        return None
    return data


def enabled(settings: dict[str, Any], reason: str) -> bool:
    """Whether the settings ask for any notification for ``reason``."""
    on = settings.get("on")
    wants = bool(settings.get("desktop")) or bool(settings.get("webhook"))
    return wants and isinstance(on, list) and reason in on


def stamp_file(session_id: str, reason: str) -> str:
    # Session ids are q-tmux's own (hex); the reason is a word of the vocabulary.
    return os.path.join(folder(), "quiet", f"{session_id}.{reason}")


def claim(session_id: str, reason: str, quiet_seconds: float, now: float | None = None) -> bool:
    """True, and the quiet period starts, unless this session and reason notified lately.

    Each reason has its own stamp, so a notification for input never silences one
    for approval.
    """
    now = time.time() if now is None else now
    path = stamp_file(session_id, reason)
    try:
        if now - os.stat(path).st_mtime < quiet_seconds:
            return False
    except OSError:
        pass  # never notified: due
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8"):
            pass
        os.utime(path, (now, now))
    except OSError:
        pass  # no stamp: at worst the next one is not held back
    return True


def decide(settings: dict[str, Any], session_id: str, reason: str) -> bool:
    """Whether to notify now (stamping the quiet period when so)."""
    if not enabled(settings, reason):
        return False
    quiet = settings.get("quiet_seconds")
    quiet = float(quiet) if isinstance(quiet, int | float) else 0.0
    return claim(session_id, reason, quiet)


def started_waiting(session_id: str, session_path: str, reason: str) -> None:
    """Send the notifications the user asked for, in the background; never raises."""
    key = config_key()
    if key is None:
        return  # no config file: notifications are off
    settings = cached_settings(key)
    if settings is not None and not decide(settings, session_id, reason):
        return
    argv = python_command.module(SENDER, session_path, reason)
    if settings is not None:
        argv.append(DECIDED)
    try:  # noqa: SIM105 - contextlib is one more import for the hook
        tmuxcmd.spawn_detached(argv)
    except OSError:
        pass  # the sender logs its own failures; one that cannot start has nothing to log
