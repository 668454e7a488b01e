"""JSON text without importing :mod:`json`, for the commands that read files and keep facts.

:mod:`json` imports :mod:`re` (which imports :mod:`enum`) and compiles its
patterns at import: together a quarter of a Python start, paid by every
command that reads a session file. :func:`loads` drives the C scanner that
:func:`json.loads` itself runs, with the same settings, so it gives the same
value for the same text and refuses the same text (ValueError); :func:`compact`
drives the C encoder as ``json.dumps(value, ensure_ascii=False,
separators=(",", ":"))`` does, for the caches; :func:`dumps` writes what
``json.dumps`` writes with ``indent`` and ``ensure_ascii`` (the session files people
read, and the hooks' answers), in Python, because the C encoder cannot indent.
Both the hook and the commands that read and keep facts use it: the hook may
not import :mod:`json` either. Standard library only.
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
    except ValueError:
        raise
    except Exception:
        # The scanner raises through json.decoder's error class, which it can find only
        # once json is imported (else a SystemError): json then says what is wrong.
        from json import loads as json_loads

        return json_loads(text)
    if text[end:].strip(_WHITESPACE):
        raise NotJson(f"Extra data at character {end}")
    return value


_INFINITY = float("inf")


def dumps(value: Any, *, indent: int | None = None, ensure_ascii: bool = True) -> str:
    """``value`` as :func:`json.dumps` writes it with ``indent`` and ``ensure_ascii``
    (default separators, keys in their order, NaN and infinities allowed)."""
    try:
        from _json import encode_basestring, encode_basestring_ascii
    except ImportError:  # an interpreter without CPython's C accelerator
        from json import dumps as json_dumps

        return json_dumps(value, indent=indent, ensure_ascii=ensure_ascii)
    escape = encode_basestring_ascii if ensure_ascii else encode_basestring
    parts: list[str] = []
    _write(value, parts, escape, None if indent is None else " " * indent, 0, set())
    return "".join(parts)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value: object, escape: Callable[[str], str]) -> str | None:
    """The text of a value that is not a container; None for a container or an unknown type."""
    if isinstance(value, str):
        return escape(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)  # an IntEnum as its number, as json writes it
    if isinstance(value, float):
        return _float(value)
    return None


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True or key is False or key is None:
        return "true" if key is True else "false" if key is False else "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _write(
    value: Any,
    parts: list[str],
    escape: Callable[[str], str],
    indent: str | None,
    level: int,
    open_containers: set[int],
) -> None:
    """Append ``value``'s text to ``parts``; ``open_containers`` are those it sits in."""
    text = _scalar(value, escape)
    if text is not None:
        parts.append(text)
        return
    if isinstance(value, list | tuple):
        items: Any = value
        opening, closing = "[", "]"
    elif isinstance(value, dict):
        items = value.items()
        opening, closing = "{", "}"
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    if not value:
        parts.append(opening + closing)
        return
    if id(value) in open_containers:
        raise ValueError("Circular reference detected")
    open_containers.add(id(value))
    if indent is None:
        inner, outer, separator, colon = "", "", ", ", ": "
    else:
        inner = "\n" + indent * (level + 1)
        outer = "\n" + indent * level
        separator, colon = "," + inner, ": "
    parts.append(opening + inner)
    for index, item in enumerate(items):
        if index:
            parts.append(separator)
        if closing == "}":
            parts.append(escape(_key(item[0])) + colon)
            item = item[1]
        _write(item, parts, escape, indent, level + 1, open_containers)
    parts.append(outer + closing)
    open_containers.discard(id(value))
