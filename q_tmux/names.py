"""Session names: what is allowed, and a safe suggestion when a name is not.

A session name becomes a git branch, a directory, a tmux window name and a
word in the status line, so it is held to the intersection of what is safe
in all of them: ASCII letters, digits, ``.``, ``_`` and ``-``, starting with
a letter or digit. That keeps it clear of shells (``;``, ``$()``, spaces),
tmux formats (``#``), git's ref rules (``..``, ``@{``, ``.lock``) and option
parsing (a leading ``-``) without any quoting games.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_LENGTH = 64

_ALLOWED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_INVALID_RUN = re.compile(r"[^a-z0-9._-]+")
_SEPARATOR_RUN = re.compile(r"[-._]*-[-._]*|\.{2,}")


def printable(text: str, limit: int = 40) -> str:
    """Quote user text for one line of an error message, control characters escaped."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in shown
    )
    return f"'{escaped}'"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a session name, or None when it can."""
    if not name.strip():
        return "it is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"it is {len(name)} characters long, more than {MAX_NAME_LENGTH}"
    if name.startswith("-"):
        return "it starts with '-'"
    if not _ALLOWED.fullmatch(name):
        return "use only letters, digits, '.', '_' and '-', starting with a letter or digit"
    if ".." in name:
        return "it contains '..'"
    if name.endswith((".", ".lock")):
        return "it ends with '.' or '.lock'"
    if name == "HEAD":
        return "'HEAD' is reserved by git"
    return None


def suggest_name(text: str) -> str:
    """A valid name derived from ``text``, or ``""`` when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = _INVALID_RUN.sub("-", ascii_text.lower())
    name = _SEPARATOR_RUN.sub("-", name)
    if len(name) > MAX_NAME_LENGTH:
        cut = name[:MAX_NAME_LENGTH]
        name = cut.rsplit("-", 1)[0] if "-" in cut else cut
    name = name.strip("-._")
    while name.endswith(".lock"):
        name = name.removesuffix(".lock").strip("-._")
    if name == "head":
        name = "head-1"
    return name if name_problem(name) is None else ""


def check_name(name: str) -> str:
    """Return ``name`` when it is a valid session name; raise InvalidNameError otherwise."""
    from q_tmux.errors import InvalidNameError

    problem = name_problem(name)
    if problem is None:
        return name
    suggestion = suggest_name(name)
    hint = f"; try '{suggestion}'" if suggestion and suggestion != name else ""
    raise InvalidNameError(f"Session name {printable(name)} is not allowed: {problem}{hint}.")
