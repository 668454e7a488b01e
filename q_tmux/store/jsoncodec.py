"""JSON text in and out without importing :mod:`json`, for the hook's path.

The :mod:`json` package imports :mod:`re` and compiles its patterns at import,
and :mod:`re` imports :mod:`enum`, :mod:`functools` and :mod:`collections`:
about a quarter of a hook's run. This module reads with the same C scanner
:func:`json.loads` uses (``_json.make_scanner``) and writes the same text
:func:`json.dumps` writes (its C string escapers, the rest here), so a file
written by either reads the same in the other. Where ``_json`` is missing (a
Python without its C accelerator), it hands over to :mod:`json`.

Errors are :mod:`json`'s: ValueError for bad text (:mod:`json` is imported
only then, to say what is wrong), TypeError for a value JSON cannot hold,
RecursionError for nesting too deep.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more to import than a hook may spend
    from collections.abc import Callable
    from typing import Any

try:
    import _json
except ImportError:  # pragma: no cover - every CPython has it
    _json = None  # type: ignore[assignment]

_WHITESPACE = " \t\n\r"
_INFINITY = float("inf")


class _Options:
    """What :func:`json.loads` gives the C scanner by default (it reads these attributes)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    array_hook = None  # read by Python 3.15's scanner
    parse_float = float
    parse_int = int
    parse_constant = {"NaN": float("nan"), "Infinity": _INFINITY, "-Infinity": -_INFINITY}.get


_scan: Callable[[str, int], tuple[Any, int]] | None = None


def loads(text: str) -> Any:
    """The value of the JSON ``text``, as :func:`json.loads` reads it; ValueError when bad."""
    global _scan
    if _json is None:  # pragma: no cover
        import json

        return json.loads(text)
    if text.startswith("\ufeff"):
        raise ValueError("JSON text starts with a UTF-8 byte order mark")
    if _scan is None:
        _scan = _json.make_scanner(_Options)  # type: ignore[arg-type]
    start = len(text) - len(text.lstrip(_WHITESPACE))
    try:
        value, end = _scan(text, start)
    except StopIteration as error:
        raise ValueError(f"Expecting a JSON value at character {error.value}") from None
    except Exception:
        # The scanner reports most bad text through json.decoder's error class, which it
        # finds only once json is imported (else a SystemError): json says what is wrong.
        import json

        return json.loads(text)
    rest = text[end:]
    if rest.lstrip(_WHITESPACE):
        raise ValueError(f"Extra data after the JSON value at character {end}")
    return value


def dumps(value: Any, *, indent: int | None = None, ensure_ascii: bool = True) -> str:
    """``value`` as :func:`json.dumps` writes it with ``indent`` and ``ensure_ascii``
    (default separators, keys in their order, NaN and infinities allowed)."""
    if _json is None:  # pragma: no cover
        import json

        return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
    escape = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
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
