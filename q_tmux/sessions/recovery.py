"""Finishing or undoing what a killed ``new``, ``rename`` or ``sync`` left half-made.

:mod:`q_tmux.store.journals` keeps the journals and knows nothing of the jobs;
this module hands it the one recovery of each kind, so every command that
settles leftovers goes through here and none of them can miss a kind.
"""

from __future__ import annotations

from collections.abc import Callable

from q_tmux.store import journals


def recover(report: Callable[[str], None] | None = None) -> list[str]:
    """Settle every job whose command died; one line per job, also given to ``report``."""
    from q_tmux.merge import sync
    from q_tmux.sessions import create, rename

    for kind, settle in (
        ("new", create.settle_new),
        ("rename", rename.settle),
        ("sync", sync.settle),
    ):
        journals.recovers(kind)(settle)
    return journals.recover(report)
