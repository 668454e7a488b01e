"""Status transitions on ``session.json``, standard library only (hooks and the watcher use it).

The record in :mod:`q_tmux.store.session_file` is the schema of record,
and both speak the vocabulary of :mod:`q_tmux.store.record`; this module changes
only the status fields of whatever file is there and
leaves every other field as it found it. Each change reads and writes the file
under the session folder's lock (:class:`q_tmux.store.jsonfile.FolderLock`), the one
every writer of the record takes.
"""

from __future__ import annotations

import os
import time

from q_tmux.store import jsonfile
from q_tmux.store.record import Reason, Source, Status, is_record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more to import than a hook may spend
    from typing import Any

# Short names for the vocabulary's words, as the watcher's decisions spell them.
STARTING, PROCESSING, WAITING = Status.STARTING, Status.PROCESSING, Status.WAITING
EXITED, COMPLETED = Status.EXITED, Status.COMPLETED
INPUT, APPROVAL = Reason.INPUT, Reason.APPROVAL
HOOK, SCREEN, PROCESS = Source.HOOK, Source.SCREEN, Source.PROCESS


def timestamp() -> str:
    """Now, as the schema writes datetimes: ISO 8601, UTC, microseconds, ``Z``."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z"


def load(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The file's JSON object, or None when it is missing, unreadable or not a v1 session file."""
    data = jsonfile.load_object(path)
    return data if is_record(data) else None


class Transition:
    """A status change that was written."""

    __slots__ = ("after", "before", "data")

    def __init__(
        self,
        before: tuple[str | None, str | None],
        after: tuple[str, str | None],
        data: dict[str, Any],
    ) -> None:
        self.before = before
        self.after = after
        self.data = data

    @property
    def started_waiting(self) -> bool:
        return self.after[0] == WAITING and self.before != self.after


def set_status(
    path: str | os.PathLike[str],
    status: str,
    reason: str | None,
    source: str,
    *,
    expected_changed_at: str | None = None,
    renew: bool = False,
) -> Transition | None:
    """Record ``status`` (and ``reason``) decided by ``source``; None when nothing was written.

    With ``expected_changed_at`` the write is a compare-and-set: it happens only
    if no one changed the status since the caller looked (a hook that fired
    meanwhile wins over the screen). With ``renew`` the status counts as new even
    when it is the same (a turn ended again, whose start no one saw).
    """
    try:
        with jsonfile.FolderLock(os.path.dirname(path)):
            return _set_status(path, status, reason, source, expected_changed_at, renew)
    except FileNotFoundError:  # the session was removed meanwhile
        return None
    except TimeoutError:  # a writer stuck for seconds: skip this update, never hang an agent
        return None


def _set_status(
    path: str | os.PathLike[str],
    status: str,
    reason: str | None,
    source: str,
    expected_changed_at: str | None,
    renew: bool = False,
) -> Transition | None:
    data = load(path)
    if data is None:
        return None
    if expected_changed_at is not None and data.get("status_changed_at") != expected_changed_at:
        return None
    before = (data.get("status"), data.get("waiting_reason"))
    after = (status, reason if status == WAITING else None)
    now = timestamp()
    if before != after or renew:
        data["status_changed_at"] = now
        data.pop("stalled_since", None)  # a new status is a sign of life
    elif data.get("status_source") == source:
        return None  # nothing new to say
    data["status"], data["waiting_reason"] = after
    data["status_source"] = source
    data["last_active"] = now
    if not _rewrite(path, data):
        return None
    return Transition(before, after, data)


def _rewrite(path: str | os.PathLike[str], data: dict[str, Any]) -> bool:
    """Replace the file; False when its directory is gone (the session was removed meanwhile)."""
    try:
        jsonfile.write_atomic(path, data, make_parents=False)
    except FileNotFoundError:
        return False
    return True


def set_field(path: str | os.PathLike[str], key: str, value: object) -> bool:
    """Set one top-level field of the session file; True when it changed."""
    try:
        with jsonfile.FolderLock(os.path.dirname(path)):
            data = load(path)
            if data is None or data.get(key) == value:
                return False
            data[key] = value
            return _rewrite(path, data)
    except (FileNotFoundError, TimeoutError):  # removed meanwhile, or a writer stuck for seconds
        return False


def set_conversation(
    path: str | os.PathLike[str], conversation: str, conversation_file: str | None
) -> bool:
    """Record the agent's conversation id (and its file) in the ``agent`` table; True if changed."""
    wanted = {"conversation_id": conversation, "conversation_file": conversation_file}
    try:
        with jsonfile.FolderLock(os.path.dirname(path)):
            data = load(path)
            agent = data.get("agent") if data is not None else None
            if data is None or not isinstance(agent, dict):
                return False
            if all(agent.get(key) == value for key, value in wanted.items()):
                return False
            agent.update(wanted)
            return _rewrite(path, data)
    except (FileNotFoundError, TimeoutError):  # removed meanwhile, or a writer stuck for seconds
        return False
