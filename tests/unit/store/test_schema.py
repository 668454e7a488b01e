"""The standard-library schema: what it takes, what it refuses (where, and why), what it writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum, StrEnum
from typing import Any, Literal

import pytest

from q_tmux.sessions import listing
from q_tmux.store.schema import Record, SchemaError, field, write_time
from q_tmux.store.session_file import AgentInfo, SessionRecord, Status, WorktreeInfo
from q_tmux.tracking import state


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class Mode(Enum):
    FAST = "fast and loose"


def _no_spaces(value: str) -> str:
    if " " in value:
        raise ValueError(f"{value!r} has a space")
    return value.upper()


class Inner(Record):
    path: str
    tags: list[str] = field(default_factory=list)


class Outer(Record):
    name: str = field(check=_no_spaces)
    size: int = field(default=4, ge=1, le=10)
    ratio: float = field(default=1.0, gt=0)
    flag: bool = False
    colour: Colour | None = None
    mode: Mode = Mode.FAST
    when: datetime | None = None
    choice: bool | Literal["ask"] = True
    inner: Inner = field(default_factory=lambda: Inner(path="/"))
    inners: list[Inner] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    copy_files: list[str] = field(default_factory=list, alias="copy")


class Strict(Record, extra="forbid"):
    a: int = 0
    b: str = ""


class Quiet(Record, extra="ignore"):
    a: int = 0


def _error(kind: type[Record], data: object) -> SchemaError:
    with pytest.raises(SchemaError) as caught:
        kind.from_dict(data)
    return caught.value


def test_defaults_and_a_round_trip_through_json() -> None:
    made = Outer.from_dict({"name": "x"})
    assert (made.size, made.ratio, made.flag, made.colour, made.mode) == (
        4,
        1.0,
        False,
        None,
        Mode.FAST,
    )
    assert made.inner == Inner(path="/")
    assert made.inner is not Outer(name="y").inner
    assert made.name == "X"  # what the check returns is kept
    again = Outer.from_dict(json.loads(json.dumps(made.to_dict())))
    assert again == made


def test_what_it_writes() -> None:
    made = Outer(
        name="x", colour=Colour.RED, when=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), copy=["a"]
    )
    assert made.to_dict() == {
        "name": "X",
        "size": 4,
        "ratio": 1.0,
        "flag": False,
        "colour": "red",
        "mode": "FAST",  # a plain Enum by member name
        "when": "2026-01-02T03:04:05Z",
        "choice": True,
        "inner": {"path": "/", "tags": []},
        "inners": [],
        "env": {},
        "copy": ["a"],  # a field written under its alias
    }
    assert made.copy_files == ["a"]


def test_a_plain_enum_reads_by_name_or_value() -> None:
    assert Outer.from_dict({"name": "x", "mode": "FAST"}).mode is Mode.FAST
    assert Outer.from_dict({"name": "x", "mode": "fast and loose"}).mode is Mode.FAST


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({"name": 3}, "name", "name: must be a string, not 3"),
        ({}, "name", "name: is missing; it must be a string"),
        (
            {"name": "x", "colour": "green"},
            "colour",
            "colour: must be 'red' or 'blue', not 'green'",
        ),
        ({"name": "x", "flag": "true"}, "flag", "flag: must be true or false, not 'true'"),
        (
            {"name": "x", "size": True},
            "size",
            "size: must be a whole number from 1 to 10, not true",
        ),
        ({"name": "x", "size": "3"}, "size", "size: must be a whole number from 1 to 10, not '3'"),
        ({"name": "x", "size": 11}, "size", "size: must be a whole number from 1 to 10, not 11"),
        ({"name": "x", "ratio": 0}, "ratio", "ratio: must be a number above 0, not 0"),
        ({"name": "a b"}, "name", "name: 'a b' has a space"),
        (
            {"name": "x", "choice": "maybe"},
            "choice",
            "choice: must be true, false or 'ask', not 'maybe'",
        ),
        (
            {"name": "x", "when": "yesterday"},
            "when",
            "when: must be a time (ISO 8601), not 'yesterday'",
        ),
        (
            {"name": "x", "when": 1700000000},
            "when",
            "when: must be a time (ISO 8601), not 1700000000",
        ),
        ({"name": "x", "inner": 3}, "inner", "inner: must be a table (keys: path, tags), not 3"),
        ({"name": "x", "inner": {}}, "inner.path", "inner.path: is missing; it must be a string"),
        (
            {"name": "x", "inners": [{"path": "/"}, {"path": "/", "tags": ["a", 2]}]},
            "inners[1].tags[1]",
            "inners[1].tags[1]: must be a string, not 2",
        ),
        ({"name": "x", "env": {"A": None}}, "env.A", "env.A: must be a string, not null"),
        ({"name": "x", "copy": "a"}, "copy", "copy: must be a list of strings, not 'a'"),
    ],
)
def test_bad_input_says_where_and_what(data: dict[str, Any], key: str, message: str) -> None:
    error = _error(Outer, data)
    assert error.key == key
    assert str(error) == message


def test_the_constructor_validates_too() -> None:
    with pytest.raises(SchemaError, match="size: must be a whole number from 1 to 10, not 0"):
        Outer(name="x", size=0)


def test_a_document_that_is_not_an_object() -> None:
    assert (
        str(_error(Inner, ["a list"]))
        == "top level: must be a table (keys: path, tags), not a list"
    )


def test_extra_keys_are_kept_refused_or_dropped_as_the_record_says() -> None:
    kept = Inner.from_dict({"tags": ["t"], "newer": {"x": [1]}, "path": "/p"})
    assert list(kept.to_dict().items()) == [("path", "/p"), ("tags", ["t"]), ("newer", {"x": [1]})]
    assert kept != Inner(path="/p", tags=["t"])  # what it keeps is part of it
    error = _error(Strict, {"a": 1, "c": 2})
    assert (error.key, error.reason) == ("c", "unknown")
    assert str(error) == "c: is not a known key; allowed here: a, b"
    assert Quiet.from_dict({"a": 1, "c": 2}).to_dict() == {"a": 1}


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-22T10:07:23.123456Z",
        "2026-11-22T10:07:23.120000Z",
        "2026-11-22T10:07:23Z",
        "2026-11-22T10:07:23.500000+02:00",
    ],
)
def test_times_written_as_q_tmux_always_wrote_them_read_back_identically(text: str) -> None:
    assert Outer.from_dict({"name": "x", "when": text}).to_dict()["when"] == text


def test_times_are_written_in_utc_with_z() -> None:
    assert write_time(datetime(2026, 1, 2, tzinfo=timezone(timedelta(0)))) == "2026-01-02T00:00:00Z"
    assert write_time(datetime(2026, 1, 2, 0, 0, 0, 7, tzinfo=UTC)) == "2026-01-02T00:00:00.000007Z"
    assert Outer.from_dict({"name": "x", "when": "2026-11-22T10:07:23+00:00"}).to_dict()[
        "when"
    ] == ("2026-11-22T10:07:23Z")


def _session() -> SessionRecord:
    return SessionRecord(
        id="abc",
        name="n",
        agent=AgentInfo(preset="q", command=["q", "chat"], resume_command=[]),
        worktree_info=WorktreeInfo(path="/w", branch="n", base_branch="main"),
    )


def test_a_session_file_written_now_reads_identically_in_the_stdlib_reader_of_older_files() -> None:
    """``listing.canonical_record`` answers only for what the pydantic model read and wrote
    byte for byte: what the schema writes is that."""
    record = _session()
    record.set_status(Status.WAITING, "hook", "approval")  # type: ignore[arg-type]
    written = json.loads(json.dumps(record.to_dict()))
    assert listing.canonical_record(written) == written


def test_a_session_file_an_older_q_tmux_wrote_reads_back_identically() -> None:
    older = {
        **_session().to_dict(),
        "status_changed_at": state.timestamp(),  # the hook's spelling
        "created": "2026-11-22T10:07:23Z",
        "last_active": "2026-11-22T10:08:00.500000Z",
        "repos": [WorktreeInfo(path="/w/a", workspace_path="a").to_dict() | {"extra": True}],
        "newer": {"kept": [1, 2.5]},
    }
    assert SessionRecord.from_dict(older).to_dict() == older


def test_a_session_file_of_another_version_is_refused() -> None:
    data = _session().to_dict() | {"version": 2}
    assert str(_error(SessionRecord, data)) == "version: must be 1, not 2"
