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


def session_changed_soon(socket: str) -> None:
    """:func:`session_changed` in a process of its own, which this one does not wait for.

    A command that made a session returns once its window and record exist; the
    status line and the watcher (which also finds the session by itself) can wait.
    """
    from q_tmux.adapters import python_command, tmuxcmd

    try:
        tmuxcmd.spawn_detached(python_command.stdlib_module(__name__, socket))
    except OSError:  # no process to spare: do it here
        session_changed(socket)


def main(argv: list[str]) -> int:
    """``python -c ... SOCKET``: :func:`session_changed` for the server at SOCKET."""
    session_changed(argv[0])
    return 0
