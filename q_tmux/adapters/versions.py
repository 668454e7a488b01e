"""The versions git and tmux said, kept between q-tmux processes.

Every command that changes things checks both programs' versions first: two
processes each time, for an answer that changes only when the program file
does. An answer is kept per program file (path, inode, size, change time), so
another PATH or a replaced program is asked again.
"""

from __future__ import annotations

import contextlib
import os

from q_tmux.store import jsonfile, xdg

Identity = tuple[str, int, int, int]

_known: dict[str, str] | None = None


def _path() -> str:
    return os.path.join(xdg.state_dir(), "program-versions.json")


def _key(identity: Identity) -> str:
    return "\0".join(map(str, identity))


def known(identity: Identity) -> str | None:
    """The version a q-tmux process read from this program file before, if any."""
    global _known
    if _known is None:
        data = jsonfile.load_object(_path()) or {}
        _known = {key: value for key, value in data.items() if isinstance(value, str)}
    return _known.get(_key(identity))


def remember(identity: Identity, version: str) -> None:
    """Keep ``version`` for this program file (a cache: lost, it is asked again)."""
    known(identity)
    assert _known is not None
    _known[_key(identity)] = version
    with contextlib.suppress(OSError):
        jsonfile.write_atomic(_path(), _known, cache=True)
