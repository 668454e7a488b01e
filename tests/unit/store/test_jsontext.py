"""jsontext.loads answers as json.loads does, value for value and refusal for refusal."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pytest

from q_tmux.store import jsontext, words
from q_tmux.store.record import Reason, Status, urgency

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
