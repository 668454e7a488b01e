"""``q-tmux next``: go to the session that has waited longest; again, to the next one.

Bound to a prefix key, so it stays on the standard library and costs one
interpreter start and three tmux calls.
"""

from __future__ import annotations

import os
import sys

from q_tmux import state, status_line, tmuxcmd


def waiting_windows(socket: str) -> list[tuple[str, str]]:
    """``(window id, name)`` of every waiting session, longest-waiting first (approval first)."""
    snap = status_line.snapshot(socket)
    ranked = []
    for session in status_line.sessions_on(socket):
        status, reason = session.effective(snap)
        pane = snap.panes.get(session.id)
        if status == state.WAITING and pane is not None:
            urgency = 0 if reason == state.APPROVAL else 1
            ranked.append((urgency, session.changed_at, pane.window_id, session.name))
    return [(window, name) for _, _, window, name in sorted(ranked)]


def current_window(socket: str, client: str | None) -> str | None:
    if client:
        code, out = tmuxcmd.run(socket, "display-message", "-p", "-c", client, "#{window_id}")
    elif os.environ.get("TMUX_PANE") and os.environ.get("TMUX", "").split(",")[0] == socket:
        pane = os.environ["TMUX_PANE"]
        code, out = tmuxcmd.run(socket, "display-message", "-p", "-t", pane, "#{window_id}")
    else:
        return None
    if code != 0:
        return None
    return out.strip() or None


def pick_target(waiting: list[tuple[str, str]], current: str | None) -> tuple[str, str] | None:
    """The longest-waiting session, or the one after ``current`` when we are on a waiting one."""
    if not waiting:
        return None
    windows = [window for window, _ in waiting]
    if current in windows:
        return waiting[(windows.index(current) + 1) % len(waiting)]
    return waiting[0]


def main(socket: str, client: str | None) -> int:
    inside = os.environ.get("TMUX", "").split(",")[0] == socket
    target = pick_target(waiting_windows(socket), current_window(socket, client))
    if target is None:
        message = "q-tmux: no session is waiting"
        if client:
            tmuxcmd.run(socket, "display-message", "-c", client, message)
        else:
            print(message.removeprefix("q-tmux: ").capitalize() + ".")
        return 0
    window, name = target
    tmuxcmd.run(socket, "select-window", "-t", window)
    if client:
        tmuxcmd.run(socket, "switch-client", "-c", client, "-t", window)
    elif inside:
        tmuxcmd.run(socket, "switch-client", "-t", window)
    elif sys.stdin.isatty() and sys.stdout.isatty():
        sys.stdout.flush()
        os.execvp("tmux", ["tmux", "-S", socket, "attach-session", "-t", window])
    else:
        print(f"{name} is waiting; attach with: tmux -S {socket} attach -t {window}")
    return 0
