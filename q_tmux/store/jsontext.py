"""JSON text without importing :mod:`json`, for the commands that read files and keep facts.

:mod:`json` imports :mod:`re` (which imports :mod:`enum`) and compiles its
patterns at import: together a quarter of a Python start, paid by every
command that reads a session file. :func:`loads` drives the C scanner that
:func:`json.loads` itself runs, with the same settings, so it gives the same
value for the same text and refuses the same text (ValueError); :func:`compact`
drives the C encoder as ``json.dumps(value, ensure_ascii=False,
separators=(",", ":"))`` does, for the fact file. Files people read (indented)
are still written with :mod:`json`. Standard library only.
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


def _unwritable(value: object) -> object:
    """What :meth:`json.JSONEncoder.default` does with a value JSON has no form for."""
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encoder() -> Callable[[object, int], Any] | None:
    """A C encoder as :class:`json.JSONEncoder` makes one for ``json.dumps`` (one per value:
    it remembers the containers it is inside of, to refuse circular ones)."""
    try:
        from _json import encode_basestring, make_encoder
    except ImportError:  # an interpreter without CPython's C accelerator
        return None
    try:  # markers, default, strings, indent, separators, sort_keys, skipkeys, allow_nan
        return make_encoder({}, _unwritable, encode_basestring, None, ":", ",", False, False, True)
    except TypeError:  # a C accelerator that takes other arguments
        return None


def compact(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` for a dict or a list."""
    encode = _encoder() if isinstance(value, dict | list) else None
    if encode is None:
        from json import dumps

        return dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "".join(encode(value, 0))


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
