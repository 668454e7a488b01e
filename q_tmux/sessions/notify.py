"""The one way sessions tell q-tmux's tracking side that something changed.

The status line and the watcher are standard-library code that reads session
files; a session made, closed or resumed shows there at once through this call.
"""

from __future__ import annotations

from q_tmux.tracking import status_line, watchlock


def session_changed(socket: str, *, watch: bool = True) -> None:
    """Show the change in ``socket``'s status line now; ``watch``: make sure its watcher runs."""
    snap = status_line.snapshot(socket)  # one list-panes: the panes and the watcher's name
    status_line.publish(socket, snap)
    if watch and snap.alive:
        watchlock.ensure_running(socket, watchlock.named_in(snap.options))
