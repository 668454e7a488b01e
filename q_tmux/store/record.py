"""The session record's vocabulary, defined once; standard library only.

Hooks, the watcher and the status line import this on every turn, and the
record's schema in :mod:`q_tmux.store.session_file` is built on the same enums,
so the words on disk are spelled here (from :mod:`q_tmux.store.words`) and nowhere
else. ``list``, ``pick`` and ``conflicts`` read those words without this module's :mod:`enum`.

:class:`Summary` is the light, typed reader of a session file for the hot path:
it reads what the status line, ``next`` and the watcher need and judges the
status fields as the schema would, without importing it.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from q_tmux.store import jsonfile, words
from q_tmux.store.words import SCHEMA_VERSION as SCHEMA_VERSION
from q_tmux.store.words import SESSION_DIR as SESSION_DIR
from q_tmux.store.words import SESSION_FILE as SESSION_FILE
from q_tmux.store.words import session_path as session_path
from q_tmux.store.words import shown_state as shown_state

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more to import than a hook may spend
    from typing import Any, Self

#: The fields one status change sets together (a command's rewrite keeps or replaces them all).
STATUS_FIELDS = ("status", "waiting_reason", "status_source", "status_changed_at")


class Status(StrEnum):
    """What the session's agent is doing."""

    STARTING = words.STARTING
    PROCESSING = words.PROCESSING
    WAITING = words.WAITING
    EXITED = words.EXITED
    COMPLETED = words.COMPLETED
    #: Made, but its agent waits for ``max_busy`` to allow it (see q_tmux.tracking.queue).
    QUEUED = words.QUEUED


class Reason(StrEnum):
    """What a waiting agent waits for."""

    INPUT = words.INPUT
    APPROVAL = words.APPROVAL


class Source(StrEnum):
    """Who decided the status."""

    HOOK = words.HOOK
    SCREEN = words.SCREEN
    PROCESS = words.PROCESS


class Urgency(IntEnum):
    """How much a session wants its user, most first: the order of the status line,
    ``next`` and ``pick``."""

    ASKING = words.ASKING_RANK  # waits for approval: it holds its agent up
    WAITING = words.WAITING_RANK  # waits for input
    STALLED = words.STALLED_RANK  # busy, but its screen stopped changing long ago
    BUSY = words.BUSY_RANK
    QUIET = words.QUIET_RANK  # exited, completed, or a word this version does not know


#: The statuses of an agent at work.
BUSY = frozenset({Status.STARTING, Status.PROCESSING})


def urgency(status: str | None, reason: str | None = None, stalled: bool = False) -> Urgency:
    """Where a session with this ``status`` (and ``reason``) stands in :class:`Urgency`."""
    return Urgency(words.rank(status, reason, stalled))


def is_record(data: dict[str, Any] | None) -> bool:
    """Whether a JSON object is a session file this version reads (version 1, with an id)."""
    return data is not None and data.get("version") == SCHEMA_VERSION and "id" in data


class Checkout:
    """One worktree of a session: its repository, branch and base, and where it sits.

    ``prefix`` is the repository's folder in a workspace, with a trailing ``/``
    (``frontend/``), and empty for a single-repository session.
    """

    __slots__ = ("base", "branch", "prefix", "repo_root")

    def __init__(self, repo_root: str, branch: str, base: str, prefix: str = "") -> None:
        self.repo_root = repo_root
        self.branch = branch
        self.base = base
        self.prefix = prefix


class Summary:
    """What one session file says, for the status line, ``next`` and the watcher.

    The status words are typed (:class:`Status`, :class:`Reason`, :class:`Source`);
    plain strings given to the constructor are turned into them (ValueError when
    they are not words of the vocabulary).
    """

    # Plain slotted classes: dataclasses cost a hook ~10 ms to import.
    __slots__ = (
        "base",
        "branch",
        "changed_at",
        "checkouts",
        "conflicts",
        "group",
        "hooked",
        "id",
        "name",
        "path",
        "preset",
        "program",
        "reason",
        "repo_root",
        "socket",
        "source",
        "stalled_since",
        "status",
    )

    def __init__(
        self,
        id: str,
        name: str,
        status: str,
        reason: str | None,
        changed_at: str,
        socket: str,
        preset: str,
        path: str,
        repo_root: str | None = None,
        branch: str | None = None,
        base: str | None = None,
        conflicts: list[str] | None = None,
        hooked: bool = False,
        checkouts: list[Checkout] | None = None,
        source: str = Source.PROCESS,
        program: str = "",
        stalled_since: str | None = None,
        group: str | None = None,
    ) -> None:
        self.status = Status(status)
        self.reason = Reason(reason) if reason else None
        #: Who decided the status: hook, screen or process.
        self.source = Source(source)
        #: Whether q-tmux wired this agent's hooks (else: screen and process only).
        self.hooked = hooked
        #: Every worktree whose merge could conflict: the session's own, or a
        #: workspace session's one per repository.
        self.checkouts = checkouts if checkouts is not None else []
        #: The agent's program as launched (the shell agent compares it with the pane's).
        self.program = program
        #: When the watcher saw the agent busy with a screen that stopped changing.
        self.stalled_since = stalled_since
        #: The fan-out this session was made in (its sessions share one task), or None.
        self.group = group
        self.repo_root = repo_root
        self.branch = branch
        self.base = base
        self.conflicts = conflicts
        self.id = id
        self.name = name
        #: When the status last changed, as written (ISO 8601): also the token of a
        #: compare-and-set status write.
        self.changed_at = changed_at
        self.socket = socket
        self.preset = preset
        self.path = path

    @property
    def urgency(self) -> Urgency:
        return urgency(self.status, self.reason, bool(self.stalled_since))

    @classmethod
    def parse(cls, data: dict[str, Any], path: str) -> Self | None:
        """The summary of a session file's JSON object; None when it is not a readable record.

        The status fields must be words of the vocabulary, as the session file's
        schema requires; missing ones take the model's defaults. The rest is read
        leniently: a field of the wrong type counts as absent.
        """
        if not is_record(data) or not isinstance(data["id"], str):
            return None
        reason = data.get("waiting_reason")
        try:
            status = Status(data.get("status", Status.STARTING))
            source = Source(data.get("status_source", Source.PROCESS))
            reason = None if reason is None else Reason(reason)
        except ValueError:  # also a non-string: no word of the vocabulary
            return None
        tmux = _mapping(data.get("tmux"))
        agent = _mapping(data.get("agent"))
        info = _mapping(data.get("worktree_info"))
        owns = info.get("owns_worktree", True) is True
        conflicts = data.get("merge_conflicts")
        name = data.get("name")
        return cls(
            id=data["id"],
            name=name if isinstance(name, str) else "?",
            status=status,
            reason=reason,
            changed_at=_text(data.get("status_changed_at")) or "",
            socket=_text(tmux.get("socket")) or "",
            preset=_text(agent.get("preset")) or "",
            path=path,
            repo_root=_text(info.get("repo_root")) if owns else None,
            branch=_text(info.get("branch")) if owns else None,
            base=_text(info.get("base_branch")) if owns else None,
            conflicts=[str(c) for c in conflicts] if isinstance(conflicts, list) else None,
            hooked=agent.get("hooks") is True,
            checkouts=_checkouts(data),
            source=source,
            program=_program(agent.get("command")),
            stalled_since=_text(data.get("stalled_since")),
            group=_text(data.get("group")),
        )

    @classmethod
    def read(cls, path: str) -> Self | None:
        """The summary of the session file at ``path``; None when it is missing or unreadable."""
        data = jsonfile.load_object(path)
        return None if data is None else cls.parse(data, path)


def _checkouts(data: dict[str, Any]) -> list[Checkout]:
    """The worktrees recorded in a session file, as :class:`Checkout`."""
    repos = data.get("repos")
    if isinstance(repos, list) and repos:
        infos = [(_mapping(info), True) for info in repos]
    else:
        infos = [(_mapping(data.get("worktree_info")), False)]
    found = []
    for info, in_workspace in infos:
        root, branch = _text(info.get("repo_root")), _text(info.get("branch"))
        base = _text(info.get("base_branch"))
        if info.get("owns_worktree", True) is not True or not (root and branch and base):
            continue
        where = _text(info.get("workspace_path")) if in_workspace else None
        found.append(Checkout(root, branch, base, f"{where}/" if where else ""))
    return found


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _program(command: object) -> str:
    return (
        command[0] if isinstance(command, list) and command and isinstance(command[0], str) else ""
    )
