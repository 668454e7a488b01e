"""Notifications outside tmux, the sending half: ``python -m q_tmux.sessions.notify_outside``.

Started detached by :mod:`q_tmux.tracking.outside` when a session starts waiting:
``SESSION_FILE REASON [--decided]``. Without ``--decided`` the hot path's cache of
``[notify]`` was stale: this process reads and validates ``config.toml``, writes the
cache again, and decides itself. It then shows a desktop notification and/or POSTs
the webhook, each with a timeout, and exits.

Nothing here reaches the user's screen or the session's file. What goes wrong
is written to ``notify.log`` in the state folder, once per failure streak: an
endpoint that keeps refusing is logged when it starts failing and when it works
again, a missing ``notify-send`` once.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from q_tmux.adapters import tmuxcmd
from q_tmux.errors import ConfigError
from q_tmux.store import jsonfile, record, xdg
from q_tmux.store.record import Reason
from q_tmux.tracking import outside
from q_tmux.tracking.screen import PATTERNS

#: Seconds the endpoint (and a desktop notifier) may take: the sender is alone, so it may wait.
TIMEOUT = 5.0
#: Lines of the screen above the approval question that may belong to the request.
REQUEST_LINES = 8
LOG_LIMIT = 1_000_000
#: Quiet-period stamps older than this (or than ``quiet_seconds``) are removed.
STAMP_DAYS = 1


def log(message: str) -> None:
    """One line in ``notify.log`` (started again past a megabyte, like the watcher's)."""
    path = os.path.join(xdg.state_dir(), "notify.log")
    with contextlib.suppress(OSError):
        os.makedirs(xdg.state_dir(), exist_ok=True)
        if os.path.exists(path) and os.path.getsize(path) > LOG_LIMIT:
            os.unlink(path)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{datetime.now(UTC).isoformat()} {message}\n")


def _streak_file(channel: str) -> str:
    return os.path.join(outside.folder(), f"failing.{channel}")


def failed(channel: str, message: str) -> None:
    """Log a failure of ``channel`` unless it was already failing (one line per streak)."""
    path = _streak_file(channel)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:  # exists: the streak was logged
            handle.write(message)
    except FileExistsError:
        return
    except OSError:
        pass  # cannot remember the streak: log anyway
    log(message)


def succeeded(channel: str) -> None:
    """End ``channel``'s failure streak, saying so if there was one."""
    try:
        os.unlink(_streak_file(channel))
    except OSError:
        return
    log(f"{channel}: works again")


def refresh_settings() -> dict[str, Any]:
    """``[notify]`` from the user's config, validated, cached for the hot path."""
    from q_tmux.store.config import load_config

    key = outside.config_key()
    path = outside.config_file()
    try:
        settings: dict[str, Any] = load_config(path=Path(path)).notify.to_dict()
    except ConfigError as error:
        # A broken config turns notifications off until it changes; said once per version.
        failed("config", f"config: {error} (no notifications until it is fixed)")
        settings = {"desktop": False, "webhook": None, "on": [], "quiet_seconds": 0}
    else:
        succeeded("config")
    cache = {**settings, "key": key, "file": path}
    with contextlib.suppress(OSError):
        os.makedirs(outside.folder(), exist_ok=True)
        temporary = f"{outside.cache_file()}.{os.getpid()}"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(cache, handle)
        os.replace(temporary, outside.cache_file())
    return cache


def pending_request(preset: str, screen: str) -> str | None:
    """The approval request as the screen shows it: the question and the lines above it.

    A seam: where an agent's module says how to read its pending request, that
    should answer instead. Here, the paragraph that ends with the agent's approval
    question (at most ``REQUEST_LINES`` lines above it).
    """
    model = PATTERNS.get(preset)
    if model is None or model.approval is None:
        return None
    lines = [line.rstrip() for line in screen.splitlines()]
    for index in range(len(lines) - 1, -1, -1):
        if model.approval.search(lines[index]):
            start = index
            while start > 0 and index - start < REQUEST_LINES and lines[start - 1].strip():
                start -= 1
            return "\n".join(line.strip() for line in lines[start : index + 1]) or None
    return None


def screen_of(data: dict[str, Any]) -> str | None:
    """The session's pane as it shows now; None when tmux cannot say."""
    tmux = data.get("tmux")
    if not isinstance(tmux, dict):
        return None
    socket, pane = tmux.get("socket"), tmux.get("pane_id")
    if not isinstance(socket, str) or not isinstance(pane, str):
        return None
    code, out = tmuxcmd.run(socket, "capture-pane", "-p", "-J", "-t", pane)
    return out if code == 0 else None


def message_for(path: str, reason: str) -> dict[str, Any] | None:
    """The webhook's JSON for the session at ``path``; None when the session is gone."""
    data = jsonfile.load_object(path)
    summary = record.Summary.parse(data, path) if data is not None else None
    if summary is None or data is None:
        return None
    checkout = summary.checkouts[0] if summary.checkouts else None
    request = None
    if reason == Reason.APPROVAL:
        screen = screen_of(data)
        request = pending_request(summary.preset, screen) if screen is not None else None
    what = f"q-tmux: {summary.name} waits for {reason}"
    return {
        # A sentence for endpoints that show one field (Slack- and Mattermost-style read `text`).
        "text": f"{what}: {request}" if request else what,
        "session": summary.name,
        "reason": reason,
        "repository": summary.repo_root or (checkout.repo_root if checkout else None),
        "branch": summary.branch or (checkout.branch if checkout else None),
        "request": request,
        "at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def shown_url(url: str) -> str:
    """``url`` without what may be a secret (Slack's and Telegram's tokens sit in the path)."""
    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    return where + "/…" if parts.path.strip("/") or parts.query else where


def post_webhook(url: str, message: dict[str, Any]) -> None:
    import httpx

    shown = shown_url(url)
    try:
        response = httpx.post(url, json=message, timeout=TIMEOUT)
        response.raise_for_status()
    except httpx.HTTPStatusError as error:
        failed("webhook", f"webhook {shown}: answered {error.response.status_code}")
    except httpx.TimeoutException:
        failed("webhook", f"webhook {shown}: no answer within {TIMEOUT:g} s")
    except (httpx.HTTPError, ValueError) as error:  # refused, unresolvable, malformed
        failed("webhook", f"webhook {shown}: {type(error).__name__}: {error}")
    else:
        succeeded("webhook")


def desktop_argv(title: str, body: str) -> list[str] | None:
    """The command that shows a desktop notification here; None when there is none."""
    if tmuxcmd.find("notify-send"):
        return ["notify-send", "--app-name=q-tmux", title, body]
    if tmuxcmd.find("osascript"):
        # The texts are arguments of the script, never part of it: nothing to escape.
        script = (
            "on run argv\n"
            "display notification (item 2 of argv) with title (item 1 of argv)\n"
            "end run"
        )
        return ["osascript", "-e", script, title, body]
    return None


def show_desktop(message: dict[str, Any]) -> None:
    title = f"q-tmux: {message['session']} waits for {message['reason']}"  # as in `text`
    body = message["request"] or f"{message['repository'] or ''} {message['branch'] or ''}".strip()
    argv = desktop_argv(title, body)
    if argv is None:
        failed("desktop", "desktop: neither notify-send nor osascript is on PATH")
        return
    code, _ = tmuxcmd.run_program(argv[0], argv[1:], timeout=TIMEOUT)
    if code != 0:
        failed("desktop", f"desktop: {argv[0]} exited with {code}")
    else:
        succeeded("desktop")


def findings(desktop: bool, webhook: str | None) -> list[tuple[bool, str]]:
    """What ``doctor`` says about notifications: (is it a problem, one sentence) each."""
    found: list[tuple[bool, str]] = []
    if not desktop and not webhook:
        return found
    if desktop and desktop_argv("", "") is None:
        found.append(
            (
                True,
                "desktop notifications are on, but neither notify-send nor osascript is on PATH.",
            )
        )
    for channel in ("webhook", "desktop"):
        try:
            with open(_streak_file(channel), encoding="utf-8") as handle:
                found.append((True, f"notifications failing: {handle.read()} (see notify.log)."))
        except OSError:
            continue
    if not found:
        ways = ["desktop"] if desktop else []
        ways += [f"webhook {shown_url(webhook)}"] if webhook else []
        found.append((False, f"notifications by {' and '.join(ways)}"))
    return found


def prune_stamps(keep_seconds: float) -> None:
    """Remove quiet-period stamps older than ``keep_seconds`` (sessions long gone leave them)."""
    quiet = os.path.dirname(outside.stamp_file("x", "input"))
    now = datetime.now(UTC).timestamp()
    with contextlib.suppress(OSError), os.scandir(quiet) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > keep_seconds:
                    os.unlink(entry.path)


def send(path: str, reason: str, decided: bool) -> int:
    if decided:
        key = outside.config_key()
        settings = outside.cached_settings(key) if key is not None else None
        if settings is None:
            settings = refresh_settings()
    else:
        settings = refresh_settings()
        summary = record.Summary.read(path)
        if summary is None or not outside.decide(settings, summary.id, reason):
            return 0
    message = message_for(path, reason)
    if message is None:
        return 0
    senders: list[Callable[[], None]] = []
    if settings.get("desktop"):
        senders.append(lambda: show_desktop(message))
    if settings.get("webhook"):
        senders.append(lambda: post_webhook(str(settings["webhook"]), message))
    # Side by side: a desktop notifier that hangs never holds the webhook back.
    threads = [threading.Thread(target=each) for each in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    quiet = settings.get("quiet_seconds")
    prune_stamps(max(float(quiet) if isinstance(quiet, int | float) else 0.0, STAMP_DAYS * 86400))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or argv[1] not in (Reason.APPROVAL, Reason.INPUT):
        return 2
    if argv[2:] not in ([], [outside.DECIDED]):
        return 2
    try:
        return send(argv[0], argv[1], decided=len(argv) == 3)
    except Exception as error:  # detached: the log is the only place anyone reads
        log(f"{type(error).__name__}: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
