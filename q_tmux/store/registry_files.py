"""Reading the registry's files: the one reader, standard library only.

:func:`q_tmux.store.registry.load` (the click commands) and
:func:`q_tmux.sessions.listing.read_registry` (``list``, ``pick``, ``conflicts``
without click) both read the files here, so they find the same sessions in the
same order and say the same of a file they cannot read. No :mod:`pathlib`,
:mod:`dataclasses` nor :mod:`json`: each costs a listing more than reading the
files does.
"""

from __future__ import annotations

import os

from q_tmux.store import jsontext, xdg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: What is said of a registry file that cannot be read.
NOT_JSON, UNREADABLE = "not valid JSON", "unreadable"


class Unsure(Exception):
    """A file that is there and not there (a folder named ``*.json``, a file removed while it
    was read): a strict reader leaves it to the click command."""


def fields(data: object) -> dict[str, Any]:
    """The fields a registry file's JSON ``data`` holds (version, id, name, work_dir,
    repo_root); ValueError, saying why, when it holds no entry.

    Unknown keys are ignored, as a newer q-tmux may add some.
    """
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    version = data.get("version", 1)
    texts = {key: data.get(key) for key in ("id", "name", "work_dir")}
    repo_root = data.get("repo_root")
    if type(version) is not int or not all(isinstance(v, str) for v in texts.values()):
        raise ValueError("a field is missing or of the wrong type")
    if repo_root is not None and not isinstance(repo_root, str):
        raise ValueError("repo_root is not a string")
    return {"version": version, **texts, "repo_root": repo_root}


def read(*, strict: bool = False) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Every registry entry's :func:`fields`, oldest file first, and (path, problem) of each
    file that cannot be read. ``strict``: raise :class:`Unsure` where a file is there and
    not there, and for a registry folder that cannot be listed."""
    folder = xdg.registry_dir()
    try:
        with os.scandir(folder) as found:
            files = [each for each in found if each.name.endswith(".json")]
        order = sorted((each.stat().st_mtime, each.name, each.path) for each in files)
    except (FileNotFoundError, PermissionError):  # no registry (yet), or none to read
        return [], []
    except OSError:
        if strict:
            raise Unsure from None
        raise
    entries: list[dict[str, Any]] = []
    problems: list[tuple[str, str]] = []
    for _, name, path in order:
        if strict and not os.path.isfile(path):
            raise Unsure  # a folder, or a file that went
        try:
            with open(path, "rb") as handle:
                data = jsontext.loads(handle.read().decode("utf-8"))
        except FileNotFoundError:
            if strict:
                raise Unsure from None
            continue  # removed while we were listing
        except (OSError, ValueError) as error:
            syntax = isinstance(error, ValueError) and jsontext.is_not_json(error)
            problems.append((path, f"registry file {name} is {NOT_JSON if syntax else UNREADABLE}"))
            continue
        try:
            entries.append(fields(data))
        except ValueError:
            problems.append((path, f"registry file {name} is {UNREADABLE}"))
    return entries, problems
