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
from collections.abc import Callable

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


DEFAULT_NAME_LENGTH = 20
FALLBACK_NAME = "session"
#: Words that carry no meaning in a task description.
STOP_WORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each either every few for
    from further had has have having he her here hers him his how i if in into is it its itself
    just let lets me more most my myself no nor not now of off on once only or other our ours out
    over own please same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours make makes making need needs want wants get gets
    new add adds adding implement implements implementing fix fixes fixing use using some thing
    things way ways help try""".split()  # noqa: SIM905 - a word list reads best as text
)
#: Verbs that say what kind of work it is: kept when they lead the message.
_LEADING_VERBS = frozenset({"fix", "refactor", "remove", "revert"})
_WORD = re.compile(r"[a-z0-9]+")


def keyword_name(message: str, limit: int = DEFAULT_NAME_LENGTH) -> str:
    """A kebab-case name from the meaningful words of ``message``; ``""`` when there are none.

    Technical words (``oauth2``, ``parser``, ``v2``) stay, stop words go, and the
    first verb stays when it says what kind of work it is ("fix-parser-crash").
    """
    ascii_text = unicodedata.normalize("NFKD", message).encode("ascii", "ignore").decode().lower()
    words = _WORD.findall(ascii_text)
    kept = [w for w in words if w not in STOP_WORDS]
    if words and words[0] in _LEADING_VERBS and kept and kept[0] != words[0]:
        kept.insert(0, words[0])
    name = ""
    for word in kept:
        candidate = f"{name}-{word}" if name else word
        if len(candidate) > limit:
            if not name:
                name = word[:limit]
            break
        name = candidate
    return suggest_name(name)


def unique_name(base: str, taken: Callable[[str], bool]) -> str:
    """``base``, or ``base-2``, ``base-3``... the first that ``taken`` says is free."""
    base = base or FALLBACK_NAME
    if not taken(base):
        return base
    for number in range(2, 10_000):
        suffix = f"-{number}"
        candidate = base[: MAX_NAME_LENGTH - len(suffix)].rstrip("-._") + suffix
        if not taken(candidate):
            return candidate
    raise RuntimeError("no free name")  # ten thousand sessions of one name: not a user error
