"""jsontext reads and writes what json does, value for value and refusal for refusal."""

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

from q_tmux.store import jsontext, words
from q_tmux.store.record import Reason, Status, Urgency, urgency

DOCUMENTS = [
    "{}",
    "[]",
    '  {"a": [1, 2.5, -3e2, true, false, null, "x\\u00e9\\n"]}\n',
    '"text"',
    "12345678901234567890",
    "1.0",
    "-0",
    '{"a": 1, "a": 2}',  # the last one wins, as in json
    '{"nested": {"deep": [[[]]]}}',
    "\t\r\n [1]\t\r\n",
    '"é ü 日本"',
]
REFUSED = [
    "",
    "   ",
    "{",
    '{"a": 1,}',
    "[1] [2]",
    "[1] x",
    "\ufeff{}",  # a byte-order mark
    "{'a': 1}",
    '"a\tb"',  # a raw control character inside a string (json is strict)
    "\x0c{}",  # form feed is no JSON whitespace
    "{}\x0c",
    "nul",
    "[1,]",
    "1" * 5000,  # longer than int() converts: a plain ValueError in json too
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_a_document_reads_as_json_reads_it(text: str) -> None:
    assert jsontext.loads(text) == json.loads(text)
    assert type(jsontext.loads(text)) is type(json.loads(text))


def test_the_constants_json_accepts_read_the_same() -> None:
    value = jsontext.loads("[NaN, Infinity, -Infinity]")
    assert math.isnan(value[0])
    assert value[1:] == [math.inf, -math.inf]


@pytest.mark.parametrize("text", REFUSED)
def test_what_json_refuses_is_refused_and_said_the_same_way(text: str) -> None:
    def refusal(loads: Callable[[str], object]) -> ValueError:
        try:
            loads(text)
        except ValueError as error:
            return error
        raise AssertionError(f"{text!r} was read")

    theirs = refusal(json.loads)
    assert jsontext.is_not_json(refusal(jsontext.loads)) == isinstance(theirs, json.JSONDecodeError)


@pytest.mark.parametrize(
    ("status", "reason", "alive", "shown"),
    [
        ("waiting", "approval", True, "waiting:approval"),
        ("waiting", None, True, "waiting"),
        ("processing", None, True, "processing"),
        ("processing", None, False, "exited"),
        ("completed", None, False, "completed"),
        ("odd", None, False, "exited"),  # a dead pane says exited, whatever the file says
        (None, None, True, "unreadable"),
    ],
)
def test_the_state_list_shows(
    status: str | None, reason: str | None, alive: bool, shown: str
) -> None:
    assert words.shown_state(status, reason, alive=alive, gone=False) == shown
    assert words.shown_state(status, reason, alive=alive, gone=True) == "gone"


@pytest.mark.parametrize(("status", "reason"), [("odd", None), ("waiting", "odd")])
def test_a_word_of_no_vocabulary_is_refused_as_the_enums_refuse_it(
    status: str, reason: str | None
) -> None:
    with pytest.raises(ValueError, match="is not a"):
        words.shown_state(status, reason, alive=True, gone=False)


def test_the_rank_is_the_urgency() -> None:
    for status in [*Status, "odd", None]:
        for reason in [*Reason, None]:
            for stalled in (False, True):
                assert words.rank(status, reason, stalled) == urgency(status, reason, stalled)


VALUES = [
    {},
    [],
    {"version": 1, "facts": {"predict:a:b": {"clean": True, "tree": None, "conflicts": ["é.txt"]}}},
    [1, -2, 3.25, 1e300, float("inf"), -0.0, True, False, None, 'a\nb\u2028"\\'],
    {3: "int key", 2.5: "float key", True: "bool key", None: "none key"},
    {"日本": [[["deep"]]]},
]


@pytest.mark.parametrize("value", VALUES)
def test_compact_writes_what_json_dumps_writes(value: object) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert jsontext.compact(value) == expected


def test_compact_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        jsontext.compact({"a": {1, 2}})
    with pytest.raises(TypeError, match="keys must be"):
        jsontext.compact({(1, 2): "tuple key"})
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        jsontext.compact(loop)
    assert jsontext.compact([1]) == "[1]"  # nothing of a refused value stays behind


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
        assert jsontext.dumps(value, indent=indent, ensure_ascii=ensure_ascii) == expected


def test_it_reads_what_json_reads() -> None:
    for value in all_samples():
        for text in (json.dumps(value), json.dumps(value, indent=2, ensure_ascii=False)):
            for framed in (text, f" \n\t{text}\r\n "):
                read = jsontext.loads(framed)
                assert json.dumps(read) == json.dumps(json.loads(framed))
    assert math.isnan(jsontext.loads("NaN"))
    assert jsontext.loads('{"a": -Infinity}') == {"a": float("-inf")}


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
    assert refused(jsontext.loads)


@pytest.mark.parametrize(
    ("value", "error"),
    [({"a": {1, 2}}, TypeError), ({(1, 2): "tuple key"}, TypeError), ([object()], TypeError)],
)
def test_what_json_cannot_hold_fails_as_with_json(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        json.dumps(value)
    with pytest.raises(error):
        jsontext.dumps(value, indent=2)


def test_a_value_that_holds_itself_is_refused() -> None:
    looped: list[Any] = [1]
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular"):
        jsontext.dumps(looped)
    shared = [1]
    assert jsontext.dumps([shared, shared]) == json.dumps([shared, shared])  # shared, no loop


def test_bad_text_is_a_value_error_before_json_was_ever_imported() -> None:
    """The C scanner's error class lives in json.decoder: without json loaded it used to
    fail with a SystemError, which no caller catches."""
    code = (
        "import sys; from q_tmux.store import jsontext\n"
        "assert 'json' not in sys.modules\n"
        "for text in ('{', '[1,]', '{\"a\" 1}', '\"open'):\n"
        "    try:\n"
        "        jsontext.loads(text)\n"
        "    except ValueError:\n"
        "        continue\n"
        "    raise SystemExit(text)\n"
        "print(jsontext.loads(' {\"a\": [1, 2.5]} '))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "{'a': [1, 2.5]}\n", "")
