"""The one way sessions tell q-tmux's tracking side that something changed.

The status line and the watcher are standard-library code that reads session
files; a session made, closed or resumed shows there at once through this call.
"""

from __future__ import annotations

from q_tmux.tracking import status_line, watchlock


def session_changed(socket: str, *, watch: bool = True) -> None:
    """Show the change in ``socket``'s status line now; ``watch``: make sure its watcher runs."""
    if watch:
        watchlock.ensure_running(socket)
    status_line.publish(socket)
