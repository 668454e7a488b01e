"""The words a session file's status fields hold, and what ``list`` makes of them; no :mod:`enum`.

:mod:`q_tmux.store.record` builds its enums (:class:`~q_tmux.store.record.Status`,
:class:`~q_tmux.store.record.Reason`, :class:`~q_tmux.store.record.Source`) from
these words, so they are spelled here once. ``list``, ``pick`` and ``conflicts``
read them as plain strings: importing :mod:`enum` and building the enums costs
such a command a sixth of its run. Standard library only: :mod:`os` alone.
"""

from __future__ import annotations

import os

#: What the session's agent is doing (:class:`q_tmux.store.record.Status`).
STARTING, PROCESSING, WAITING = "starting", "processing", "waiting"
EXITED, COMPLETED, QUEUED = "exited", "completed", "queued"
STATUSES = (STARTING, PROCESSING, WAITING, EXITED, COMPLETED, QUEUED)
#: What a waiting agent waits for (:class:`q_tmux.store.record.Reason`).
INPUT, APPROVAL = "input", "approval"
REASONS = (INPUT, APPROVAL)
#: Who decided the status (:class:`q_tmux.store.record.Source`).
HOOK, SCREEN, PROCESS = "hook", "screen", "process"
SOURCES = (HOOK, SCREEN, PROCESS)

#: The statuses of an agent at work.
BUSY = frozenset({STARTING, PROCESSING})

#: How much a session wants its user, most first (:class:`q_tmux.store.record.Urgency`).
ASKING_RANK, WAITING_RANK, STALLED_RANK, BUSY_RANK, QUIET_RANK = range(5)

#: The version of the session file this q-tmux writes and reads.
SCHEMA_VERSION = 1
SESSION_DIR = ".amazonq"
SESSION_FILE = "session.json"


def session_path(work_dir: str) -> str:
    """The session file of the session working in ``work_dir``."""
    return os.path.join(work_dir, SESSION_DIR, SESSION_FILE)


def shown_state(status: str | None, reason: str | None, *, alive: bool, gone: bool) -> str:
    """What ``list`` and the picker show of a session: its file's status (None: the file
    could not be read), corrected by what tmux knows of the process (``alive``) and by its
    folder being ``gone``. ValueError for a word that is no status (or no reason)."""
    if gone:
        return "gone"
    if status is None:
        return "unreadable"
    if not alive and status != COMPLETED:
        return EXITED
    if status == WAITING and reason:
        if reason not in REASONS:
            raise ValueError(f"{reason!r} is not a reason")
        return f"{WAITING}:{reason}"
    if status not in STATUSES:
        raise ValueError(f"{status!r} is not a status")
    return str(status)


def rank(status: str | None, reason: str | None = None, stalled: bool = False) -> int:
    """Where a session with this ``status`` (and ``reason``) stands, most urgent (0) first."""
    if status == WAITING:
        return ASKING_RANK if reason == APPROVAL else WAITING_RANK
    if status in BUSY:
        return STALLED_RANK if stalled else BUSY_RANK
    return QUIET_RANK
