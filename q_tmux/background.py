"""Work run in a thread meanwhile: waiting on a git process while this one does more.

A thread here only waits on a child process (or reads a small file), so the GIL
is no bottleneck. Several commands at once, with no thread at all, are
:func:`q_tmux.adapters.tmuxcmd.run_programs`'s.
"""

from __future__ import annotations

import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")


def in_background(work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work`` in a thread; the function returned waits for it and gives its result
    (or raises what it raised)."""
    outcome: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as error:  # handed to the thread that waits for the result
            outcome.append((False, error))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        ((done, value),) = outcome
        if not done:
            assert isinstance(value, BaseException)
            raise value
        return value  # type: ignore[return-value]

    return wait
