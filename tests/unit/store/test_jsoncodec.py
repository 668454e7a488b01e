"""The hook's JSON without the json package reads and writes what :mod:`json` does."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from q_tmux.store import jsoncodec
from q_tmux.store.record import Status, Urgency

ROOT = Path(__file__).resolve().parents[3]

SAMPLES: list[Any] = [
    {},
    [],
    "",
    0,
    -3,
    2.5,
    1e300,
    -0.0,
    True,
    None,
    {"version": 1, "id": "abc", "status": Status.WAITING, "urgency": Urgency.ASKING},
    {"nested": {"list": [1, [2, []], {"x": {}}], "tuple": (1, "two")}},
    {"text": 'quote " backslash \\ tab \t newline \n bell \a nul \x00 del \x7f'},
    {"unicode": "café ≠ 漢字 🙂 \u2028 \ud800"},
    {"café": "key", "🙂": ["emoji key"]},
    {3: "int key", 2.5: "float key", True: "bool key", None: "none key", False: 0},
    {"floats": [float("inf"), float("-inf"), 0.1, 1 / 3, 123456789.0]},
    [[[[[]]]], {"a": [{}]}],
]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randint(-(10**20), 10**20)
    if kind == 2:
        return rng.uniform(-1e6, 1e6)
    if kind in (3, 4):
        return "".join(
            chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 0x3000)]))
            for _ in range(rng.randrange(6))
        )
    if kind == 5:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {
        random_value(rng, 9) if rng.random() < 0.2 else f"k{i}": random_value(rng, depth + 1)
        for i in range(rng.randrange(4))
    }


def all_samples() -> list[Any]:
    rng = random.Random(15)
    return SAMPLES + [random_value(rng) for _ in range(300)]


@pytest.mark.parametrize("indent", [None, 2, 0])
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_it_writes_what_json_writes(indent: int | None, ensure_ascii: bool) -> None:
    for value in all_samples():
        expected = json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
        assert jsoncodec.dumps(value, indent=indent, ensure_ascii=ensure_ascii) == expected


def test_it_reads_what_json_reads() -> None:
    for value in all_samples():
        for text in (json.dumps(value), json.dumps(value, indent=2, ensure_ascii=False)):
            for framed in (text, f" \n\t{text}\r\n "):
                read = jsoncodec.loads(framed)
                assert json.dumps(read) == json.dumps(json.loads(framed))
    assert math.isnan(jsoncodec.loads("NaN"))
    assert jsoncodec.loads('{"a": -Infinity}') == {"a": float("-inf")}


@pytest.mark.parametrize(
    "text",
    ["", "   ", "{", '{"a": 1} x', '{"a": 1}{}', "[1,]", "'single'", "\ufeff{}", "nul", "{} ]"],
)
def test_bad_text_is_a_value_error_as_with_json(text: str) -> None:
    def refused(read: Callable[[str], Any]) -> bool:
        try:
            read(text)
        except ValueError:
            return True
        return False

    assert refused(json.loads)
    assert refused(jsoncodec.loads)


@pytest.mark.parametrize(
    ("value", "error"),
    [({"a": {1, 2}}, TypeError), ({(1, 2): "tuple key"}, TypeError), ([object()], TypeError)],
)
def test_what_json_cannot_hold_fails_as_with_json(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        json.dumps(value)
    with pytest.raises(error):
        jsoncodec.dumps(value, indent=2)


def test_a_value_that_holds_itself_is_refused() -> None:
    looped: list[Any] = [1]
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular"):
        jsoncodec.dumps(looped)
    shared = [1]
    assert jsoncodec.dumps([shared, shared]) == json.dumps([shared, shared])  # shared, no loop


def test_bad_text_is_a_value_error_before_json_was_ever_imported() -> None:
    """The C scanner's error class lives in json.decoder: without json loaded it used to
    fail with a SystemError, which no caller catches."""
    code = (
        "import sys; from q_tmux.store import jsoncodec\n"
        "assert 'json' not in sys.modules\n"
        "for text in ('{', '[1,]', '{\"a\" 1}', '\"open'):\n"
        "    try:\n"
        "        jsoncodec.loads(text)\n"
        "    except ValueError:\n"
        "        continue\n"
        "    raise SystemExit(text)\n"
        "print(jsoncodec.loads(' {\"a\": [1, 2.5]} '))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "{'a': [1, 2.5]}\n", "")
