"""Atomic JSON files, standard library only (hooks and the status line use it too)."""

from __future__ import annotations

import json
import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more to import than this module may spend
    from typing import Any


def write_atomic(path: str | os.PathLike[str], data: Any, *, make_parents: bool = True) -> None:
    """Write ``data`` as JSON to ``path`` so readers see the old file or the new, never half.

    With ``make_parents=False`` a missing directory raises FileNotFoundError
    instead of being made: status updates must never bring back a removed worktree.
    """
    target = os.fspath(path)
    directory, name = os.path.split(target)
    if make_parents:
        os.makedirs(directory or ".", exist_ok=True)
    temporary = os.path.join(directory, f".{name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise
