"""``.amazonq/session.json``: the per-session record, schema version 1.

The file in the session's working directory is the source of truth; the
registry only points at it. Readers tolerate a missing, truncated, foreign or
future-version file by raising :class:`SessionFileError` with one sentence.

The records below are the file's one schema (:mod:`q_tmux.store.schema`,
standard library): they read and write it exactly as the pydantic model of
earlier versions did, so files pass between versions unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from q_tmux.errors import SessionFileError
from q_tmux.store import jsonfile
from q_tmux.store.record import SESSION_DIR as SESSION_DIR
from q_tmux.store.record import SESSION_FILE as SESSION_FILE
from q_tmux.store.record import STATUS_FIELDS, Reason, Source
from q_tmux.store.record import Status as Status
from q_tmux.store.schema import Record, SchemaError, field

SCHEMA_VERSION: Literal[1] = 1
#: The vocabulary's names as this module spelled them before :mod:`q_tmux.store.record`.
WaitingReason = Reason
StatusSource = Source


def session_file_path(work_dir: Path) -> Path:
    return work_dir / SESSION_DIR / SESSION_FILE


def now() -> datetime:
    return datetime.now(UTC)


# A newer q-tmux of the same schema version may add fields: every record here keeps them
# (a Record's default, ``extra="allow"``).


class AgentInfo(Record):
    preset: str
    #: As launched: with q-tmux's hook wiring.
    command: list[str]
    resume_command: list[str]
    #: As the preset or the user gave them, before wiring; resume wires these again.
    base_command: list[str] = field(default_factory=list)
    base_resume_command: list[str] = field(default_factory=list)
    #: Whether the agent's hooks report to q-tmux (else: screen and process only).
    hooks: bool = False
    #: Files q-tmux wrote in the working directory (relative), hidden from git.
    files: list[str] = field(default_factory=list)
    #: Environment the agent gets (the setup's ``env``), kept for resume.
    env: dict[str, str] = field(default_factory=dict)
    #: The agent's own id for this session's conversation, as its hooks last reported it
    #: (``resume`` picks it up by this id), and the file the agent keeps it in.
    conversation_id: str | None = None
    conversation_file: str | None = None


class TmuxInfo(Record):
    socket: str | None = None
    session: str | None = None
    session_id: str | None = None
    window_id: str | None = None
    pane_id: str | None = None


class WorktreeInfo(Record):
    path: str
    branch: str | None = None
    repo_root: str | None = None
    base_branch: str | None = None
    base_oid: str | None = None
    is_temporary: bool = False
    merge_target: str | None = None
    #: False for ``--no-worktree`` sessions, which run in an existing directory, and for
    #: workspace sessions, whose worktrees are listed in ``repos``.
    owns_worktree: bool = True
    #: A workspace session's folder of repositories (on its ``worktree_info``).
    workspace_root: str | None = None
    #: Where this repository sits in the workspace (on each of ``repos``): ``frontend``.
    workspace_path: str | None = None


class SessionRecord(Record):
    version: Literal[1] = SCHEMA_VERSION
    id: str
    name: str
    status: Status = Status.STARTING
    waiting_reason: Reason | None = None
    status_source: Source = Source.PROCESS
    status_changed_at: datetime = field(default_factory=now)
    created: datetime = field(default_factory=now)
    last_active: datetime = field(default_factory=now)
    first_message: str | None = None
    #: exploration, feature, hotfix, refactor, experiment, agent or delegate (None: not given).
    session_type: str | None = None
    agent: AgentInfo
    tmux: TmuxInfo = field(default_factory=TmuxInfo)
    worktree_info: WorktreeInfo
    #: One entry per repository for workspace sessions; empty otherwise.
    repos: list[WorktreeInfo] = field(default_factory=list)
    #: Files a merge into the base would conflict in (kept fresh by the watcher);
    #: None while unknown.
    merge_conflicts: list[str] | None = None
    #: The file as this record was read or last written (JSON), to tell what changed since.
    _as_read: dict[str, object] | None = None
    #: Set by the watcher while the agent is busy but its screen has not changed for
    #: ``stalled_minutes``; cleared when the screen or the status moves again.
    stalled_since: datetime | None = None
    #: The fan-out this session was made in (``new NAME --count N`` or repeated ``--agent``):
    #: the name they were derived from. None for a session made alone (and in older files).
    group: str | None = None
    #: Typed at the agent's prompt when a queued start happens (agents that take their
    #: first message at the prompt, such as aider); None otherwise.
    start_typed: str | None = None

    @property
    def is_workspace(self) -> bool:
        return bool(self.repos)

    def set_status(self, status: Status, source: Source, reason: Reason | None = None) -> None:
        if (self.status, self.waiting_reason) != (status, reason):
            self.status_changed_at = now()
        self.status = status
        self.waiting_reason = reason
        self.status_source = source
        self.last_active = now()


def read_session_file(path: Path) -> SessionRecord:
    """Load and validate ``path``; raise SessionFileError saying what is wrong."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionFileError(f"{path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SessionFileError(f"{path} cannot be read: {error}.") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise SessionFileError(f"{path} is not valid JSON (truncated or corrupt).") from None
    if not isinstance(data, dict) or "version" not in data or "id" not in data:
        raise SessionFileError(f"{path} is not a q-tmux session file.")
    version = data.get("version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise SessionFileError(
            f"{path} has schema version {version}, written by a newer q-tmux; please upgrade."
        )
    try:
        record = SessionRecord.from_dict(data)
    except SchemaError as error:
        raise SessionFileError(f"{path} is not a valid session file ({error}).") from None
    record._as_read = record.to_dict()
    return record


def write_session_file(path: Path, record: SessionRecord) -> None:
    """Write what changed in ``record`` since it was read, keeping every other writer's changes.

    Commands hold a record for seconds (git, tmux) while hooks and the watcher
    update its status; under the session folder's lock this reads the file again
    and puts back only the fields ``record`` changed since it was read or last
    written (see :func:`q_tmux.store.jsonfile.merge_changes`). A record never read is
    written whole. Atomic (temp file + rename).
    """
    mine = record.to_dict()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with jsonfile.FolderLock(path.parent):
            theirs = jsonfile.load_object(path) if record._as_read is not None else None
            data = mine
            if theirs is not None:
                data = jsonfile.merge_changes(record._as_read, mine, theirs, STATUS_FIELDS)
            jsonfile.write_atomic(path, data)
    except TimeoutError as error:
        raise SessionFileError(f"Could not write {path}: {error}.") from None
    record._as_read = mine
