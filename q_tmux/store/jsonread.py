"""Reading JSON text without importing :mod:`json`: ``list``, ``pick`` and ``conflicts`` only read.

:mod:`json` imports :mod:`re` (which imports :mod:`enum`) and compiles its
patterns at import: together a quarter of a Python start, paid by every
command that reads a session file. :func:`loads` drives the C scanner that
:func:`json.loads` itself runs, with the same settings, so it gives the same
value for the same text and refuses the same text (ValueError). Writers still
use :mod:`json` (imported where they write). Standard library only.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

#: The whitespace JSON allows around a value (``str.strip()`` would take more).
_WHITESPACE = " \t\n\r"


class _Settings:
    """What :class:`json.JSONDecoder` hands its scanner by default (the C scanner reads these)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {
        "-Infinity": float("-inf"),
        "Infinity": float("inf"),
        "NaN": float("nan"),
    }.__getitem__


def _scanner() -> Callable[[str, int], tuple[Any, int]] | None:
    try:
        from _json import make_scanner
    except ImportError:  # an interpreter without CPython's C accelerator
        return None
    return make_scanner(_Settings())  # type: ignore[arg-type]  # it reads the attributes


_scan = _scanner()


class NotJson(ValueError):
    """The text is no JSON document: where :func:`json.loads` raises JSONDecodeError itself."""


def is_not_json(error: ValueError) -> bool:
    """Whether ``error``, raised by :func:`loads`, is what :func:`json.loads` raises as
    :class:`json.JSONDecodeError` (rather than another ValueError, such as a number too long)."""
    if isinstance(error, NotJson):
        return True
    decoder = sys.modules.get("json.decoder")  # the C scanner imports it to raise its errors
    return decoder is not None and isinstance(error, decoder.JSONDecodeError)


def loads(text: str) -> Any:
    """The value of the JSON document ``text``, as :func:`json.loads` gives it; ValueError
    when :func:`json.loads` raises one (see :func:`is_not_json`)."""
    if _scan is None:
        from json import loads as json_loads

        return json_loads(text)
    if text.startswith("\ufeff"):
        raise NotJson("Unexpected UTF-8 BOM (decode using utf-8-sig)")
    start = len(text) - len(text.lstrip(_WHITESPACE))
    try:
        value, end = _scan(text, start)
    except StopIteration as error:  # no value where one must start
        raise NotJson(f"Expecting value at character {error.value}") from None
    if text[end:].strip(_WHITESPACE):
        raise NotJson(f"Extra data at character {end}")
    return value
