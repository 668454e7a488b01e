"""``q-tmux next``: go to the session that has waited longest; again, to the next one.

Bound to a prefix key, so it stays on the standard library and costs one
interpreter start and three tmux calls.

The order is the same whatever window ``next`` is pressed from: sessions
asking for approval first (they hold their agent up), longest-waiting first,
then those waiting for input, longest-waiting first. Pressed again on the
window it just went to, ``next`` moves on down that order and wraps around,
so repeated presses reach every waiting session. Pressed anywhere else (the
user went there on their own, or that session changed state since), it starts
again from the top. Where it went last is kept in the global option
``@q-tmux-jumped``.
"""

from __future__ import annotations

import sys

from q_tmux.adapters import tmuxcmd
from q_tmux.adapters.tmux_vocabulary import (
    JUMPED_OPTION,
    attach_hint,
    format_of,
    pane_inside,
    socket_from_environment,
    split_line,
)
from q_tmux.tracking import state, status_line

#: ``(asks for approval, waiting since, window id, name)`` of a waiting session.
Candidate = tuple[bool, str, str, str]
#: ``(window id, name, waiting since)``.
Target = tuple[str, str, str]


def jump_order(candidates: list[Candidate]) -> list[Target]:
    """The waiting sessions in the order ``next`` visits them: approvals, then input.

    Within each group the longest-waiting (earliest ``waiting since``) comes first.
    """
    ranked = sorted(candidates, key=lambda c: (not c[0], c[1], c[3], c[2]))
    return [(window, name, since) for _, since, window, name in ranked]


def waiting_windows(socket: str) -> list[Target]:
    """Every waiting session on the server at ``socket``, in :func:`jump_order`."""
    snap = status_line.snapshot(socket)
    candidates: list[Candidate] = []
    for session in status_line.sessions_on(socket):
        status, reason = session.effective(snap)
        pane = snap.panes.get(session.id)
        if status == state.WAITING and pane is not None:
            candidates.append(
                (reason == state.APPROVAL, session.changed_at, pane.window_id, session.name)
            )
    return jump_order(candidates)


def where_now(socket: str, client: str | None) -> tuple[str | None, str]:
    """The window the user looks at (None when unknown), and ``@q-tmux-jumped``."""
    fields = format_of(("window_id", JUMPED_OPTION))
    if client:
        code, out = tmuxcmd.run(socket, "display-message", "-p", "-c", client, fields)
    elif pane := pane_inside(socket):
        code, out = tmuxcmd.run(socket, "display-message", "-p", "-t", pane, fields)
    else:
        return None, ""
    if code != 0:
        return None, ""
    values = split_line(out.rstrip("\n"), 2)
    if values is None:
        return None, ""
    window, jumped = values
    return window or None, jumped


def jump_mark(client: str | None, target: Target) -> str:
    """What ``@q-tmux-jumped`` holds after ``client`` was sent to ``target``."""
    window, _, since = target
    return f"{client or ''} {window} {since}"


def is_cycling(waiting: list[Target], current: str | None, jumped: str, client: str | None) -> bool:
    """Did ``next`` bring ``client`` to ``current``, whose session is still as it was then?"""
    return any(target[0] == current and jump_mark(client, target) == jumped for target in waiting)


def pick_target(waiting: list[Target], current: str | None, cycling: bool = False) -> Target | None:
    """Where ``next`` goes from window ``current``; ``waiting`` is in :func:`jump_order`.

    ``cycling``: ``next`` itself brought the user to ``current``, so go on to the
    one after it. Otherwise start from the top, passing over the window shown now.
    """
    if not waiting:
        return None
    windows = [target[0] for target in waiting]
    if cycling and current in windows:
        return waiting[(windows.index(current) + 1) % len(waiting)]
    for target in waiting:
        if target[0] != current:
            return target
    return waiting[0]


def main(socket: str, client: str | None) -> int:
    inside = socket_from_environment() == socket
    current, jumped = where_now(socket, client)
    waiting = waiting_windows(socket)
    target = pick_target(waiting, current, is_cycling(waiting, current, jumped, client))
    if target is None:
        message = "q-tmux: no session is waiting"
        if client:
            tmuxcmd.run(socket, "display-message", "-c", client, message)
        else:
            print(message.removeprefix("q-tmux: ").capitalize() + ".")
        return 0
    window, name, _ = target
    go = ["select-window", "-t", window, ";", "set-option", "-gq", JUMPED_OPTION]
    go.append(jump_mark(client, target))
    if client:
        tmuxcmd.run(socket, *go, ";", "switch-client", "-c", client, "-t", window)
    elif inside:
        tmuxcmd.run(socket, *go, ";", "switch-client", "-t", window)
    elif sys.stdin.isatty() and sys.stdout.isatty():
        tmuxcmd.run(socket, *go)
        tmuxcmd.attach(socket, window)
    else:
        tmuxcmd.run(socket, *go)
        print(f"{name} is waiting; attach with: {attach_hint(socket, window)}")
    return 0
