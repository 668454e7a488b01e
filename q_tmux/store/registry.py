"""The registry: one small JSON file per session under the XDG state dir.

It lets ``list`` and the status line find every session without scanning
disks or calling git. It only points at each session's working directory;
the ``session.json`` there stays the source of truth.

Standard library only: every ``list`` reads it, and even the schema's imports cost more
to import than a bare Python start; its five fields are checked by hand, and its
files read, in :mod:`q_tmux.store.registry_files` (which ``list`` uses directly).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from q_tmux.errors import QTmuxError
from q_tmux.store import jsonfile, paths, registry_files


@dataclass(frozen=True, kw_only=True)
class RegistryEntry:
    """Where one session lives; what a registry file holds."""

    version: int = 1
    id: str
    name: str
    #: The session's working directory (worktree, or the directory of a ``--no-worktree`` session).
    work_dir: str
    #: The main work tree of the repository, or None outside git.
    repo_root: str | None = None

    @classmethod
    def from_json(cls, data: object) -> RegistryEntry:
        """The entry ``data`` (a decoded registry file) holds; ValueError when it holds none.

        Unknown keys are ignored, as a newer q-tmux may add some.
        """
        return cls(**registry_files.fields(data))

    def as_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class BrokenEntry:
    """A registry file that could not be read; listed, never fatal."""

    path: Path
    problem: str


def entry_path(session_id: str) -> Path:
    return paths.registry_dir() / f"{session_id}.json"


@contextmanager
def locked() -> Iterator[None]:
    """Hold the registry's lock, as every write does (the folder is made when missing).

    Re-entrant: hold it around a check and the write it allows (a name is free, then
    claim it) to make both one step for every other q-tmux process.
    """
    directory = paths.registry_dir()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        with jsonfile.FolderLock(directory):
            yield
    except TimeoutError as error:
        raise QTmuxError(f"Could not change the session registry: {error}.") from None


def add(entry: RegistryEntry) -> Path:
    path = entry_path(entry.id)
    with locked():
        jsonfile.write_atomic(path, entry.as_json())
    return path


def update(session_id: str, **changes: str | None) -> bool:
    """Change fields of a registered session; False (nothing written) when it is not registered.

    Read and written under the registry's lock, so a session removed meanwhile
    stays removed.
    """
    path = entry_path(session_id)
    with locked():
        data = jsonfile.load_object(path)
        if data is None:
            return False
        try:
            entry = RegistryEntry.from_json({**data, **changes})
        except ValueError as error:
            raise QTmuxError(f"Could not change the session registry: {error}.") from None
        jsonfile.write_atomic(path, entry.as_json())
    return True


def remove(session_id: str) -> None:
    with locked():
        entry_path(session_id).unlink(missing_ok=True)


def archive(session_id: str, record: dict[str, object]) -> Path:
    """Keep a finished session's record under the state dir, and take it off the registry."""
    path = paths.state_dir() / "archive" / f"{session_id}.json"
    jsonfile.write_atomic(path, record)
    remove(session_id)
    return path


def load() -> tuple[list[RegistryEntry], list[BrokenEntry]]:
    """Every readable entry, oldest file first, and the files that could not be read."""
    entries, problems = registry_files.read()
    return (
        [RegistryEntry(**found) for found in entries],
        [BrokenEntry(Path(path), problem) for path, problem in problems],
    )
