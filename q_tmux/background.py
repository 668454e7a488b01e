"""Work run in threads meanwhile: waiting on several git processes at once instead of in turn.

A thread here only waits on a child process (or reads a small file), so the GIL
is no bottleneck. Imported only where it is used; ``typing`` is left out at
run time so that the standard-library command paths pay for ``threading`` alone.
"""

from __future__ import annotations

import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
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


def side_by_side(works: Sequence[Callable[[], object]], at_most: int = 4) -> list[Exception | None]:
    """Run every one of ``works``, up to ``at_most`` at a time (this thread is one of them);
    what each raised, in their order (None: it did not)."""
    raised: list[Exception | None] = [None] * len(works)
    queue = iter(range(len(works)))
    taking = threading.Lock()

    def worker() -> None:
        while True:
            with taking:
                index = next(queue, None)
            if index is None:
                return
            try:
                works[index]()
            except Exception as error:  # each one's own: the others go on
                raised[index] = error

    helpers = [in_background(worker) for _ in range(min(at_most, len(works)) - 1)]
    worker()
    for wait in helpers:
        wait()
    return raised
