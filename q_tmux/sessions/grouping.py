"""How a fan-out's sessions are shown together (``list``, ``conflicts``, the picker's rows).

Standard library only, and nothing else imported: the fast paths of ``list``
and ``conflicts`` order their sessions with it too.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import TypeVar

    T = TypeVar("T")


def group_key(group: str | None, repo_root: str | None, work_dir: str) -> str | None:
    """What sessions of one group share: the group within its repository (None: no group)."""
    return None if group is None else f"{repo_root or work_dir}\0{group}"


def grouped(items: Sequence[T], key: Callable[[T], str | None]) -> list[T]:
    """``items`` in their order, except that a group's members follow its first one."""
    first: dict[str, int] = {}
    keyed = []
    for index, item in enumerate(items):
        together = key(item)
        keyed.append((index if together is None else first.setdefault(together, index), index))
    keyed.sort()
    return [items[index] for _, index in keyed]
