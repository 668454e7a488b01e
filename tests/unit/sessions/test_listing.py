"""The listing's standard-library reading of a session file is the pydantic model's, or declines."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from q_tmux.sessions import listing
from q_tmux.store import registry, xdg
from q_tmux.store.schema import Record
from q_tmux.store.session_file import AgentInfo, SessionRecord, TmuxInfo, WorktreeInfo


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (SessionRecord, listing.RECORD_FIELDS),
        (AgentInfo, listing.AGENT_FIELDS),
        (TmuxInfo, listing.TMUX_FIELDS),
        (WorktreeInfo, listing.WORKTREE_FIELDS),
    ],
)
def test_the_fields_are_the_models_in_its_order_with_its_defaults(
    model: type[Record], fields: tuple[tuple[str, object, object], ...]
) -> None:
    """A field added to the model must be added here too, or ``list`` would drop it."""
    assert [name for name, _, _ in fields] == list(model.fields())
    for name, kind, default in fields:
        info = model.fields()[name]
        if default is listing._REQUIRED:  # no default, or one made afresh (now)
            assert info.required or info.default_factory is not None or name == "version"
            continue
        made = info.made()
        dumped = made.to_dict() if isinstance(made, Record) else made
        assert dumped == (listing._model(default, kind) if listing._is_model(kind) else default)  # type: ignore[arg-type]


GOOD: dict[str, Any] = {
    "version": 1,
    "id": "abc123",
    "name": "one",
    "status": "waiting",
    "waiting_reason": "approval",
    "status_source": "hook",
    "status_changed_at": "2026-11-22T10:07:23.123456Z",
    "created": "2026-11-22T10:07:23Z",
    "last_active": "2026-11-22T10:08:00.500000Z",
    "first_message": None,
    "session_type": "feature",
    "agent": {"preset": "q", "command": ["q", "chat"], "resume_command": [], "env": {"A": "b"}},
    "tmux": {"socket": "/tmp/tmux-0/default", "window_id": "@1"},
    "worktree_info": {"path": "/w", "branch": "one", "repo_root": "/r", "base_branch": "main"},
    "repos": [{"path": "/w/a", "workspace_path": "a", "extra": True}],
    "merge_conflicts": ["x.txt"],
    "stalled_since": None,
    "newer": {"kept": [1, 2.5]},
}


def _with(path: tuple[str, ...], value: object) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    where = data
    for key in path[:-1]:
        where = where[key]
    if value is _GONE:
        del where[path[-1]]
    else:
        where[path[-1]] = value
    return data


_GONE = object()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("name",), "two"),
        (("status",), "processing"),
        (("waiting_reason",), None),
        (("tmux",), _GONE),
        (("stalled_since",), _GONE),
        (("stalled_since",), "2026-11-22T10:07:23.000001Z"),
        (("agent", "hooks"), True),
        (("repos",), []),
        (("merge_conflicts",), None),
    ],
)
def test_what_it_reads_is_what_the_model_dumps(path: tuple[str, ...], value: object) -> None:
    data = _with(path, value)
    assert listing.canonical_record(data) == SessionRecord.from_dict(data).to_dict()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("status",), "sleeping"),  # the model rejects it
        (("name",), 5),
        (("version",), True),
        (("version",), 1.0),
        (("agent", "hooks"), "true"),  # the model converts it: it would be written differently
        (("agent", "command"), "q chat"),
        (("created",), "2026-11-22T10:07:23+00:00"),
        (("created",), "2026-11-22T10:07:23.000000Z"),
        (("created",), "2026-11-22T10:07:23.5Z"),
        (("created",), "2026-11-22T10:07:23"),
        (("created",), "2026-02-30T10:07:23Z"),
        (("created",), _GONE),  # the model would make it now
        (("worktree_info", "path"), _GONE),
        (("repos",), {"a": 1}),
    ],
)
def test_what_it_cannot_be_sure_of_it_leaves_to_the_model(
    path: tuple[str, ...], value: object
) -> None:
    assert listing.canonical_record(_with(path, value)) is None


def test_a_file_that_is_no_record_is_declined() -> None:
    assert listing.canonical_record(None) is None
    assert listing.canonical_record([1]) is None
    assert listing.canonical_record({"version": 1}) is None


def test_the_registry_is_read_as_the_registry_module_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    assert listing.read_registry() == ([], [])
    registry.add(registry.RegistryEntry(id="a", name="one", work_dir="/w/one", repo_root="/r"))
    registry.add(registry.RegistryEntry(id="b", name="two", work_dir="/w/two"))
    folder = Path(xdg.registry_dir())
    for name, text in {
        "odd.json": "[1]",
        "bad.json": '{"id": "c", "name": 3, "work_dir": "/"}',
        "old.json": '{"version": "1", "id": "d", "name": "x", "work_dir": "/"}',
        "root.json": '{"id": "e", "name": "x", "work_dir": "/", "repo_root": 5}',
        "torn.json": '{"id": ',
        "latin.json": b'{"id": "\xe9"}'.decode("latin-1"),
        "newer.json": '{"id": "f", "name": "y", "work_dir": "/w/y", "later": 1}',
        "notes.txt": "not a registry file",
    }.items():
        (folder / name).write_text(text, encoding="latin-1" if name == "latin.json" else "utf-8")
    entries, broken = registry.load()
    fast_entries, problems = listing.read_registry()
    assert problems == [item.problem for item in broken]
    assert len(problems) == 6
    assert [(e.id, e.name, e.work_dir, e.repo_root) for e in fast_entries] == [
        (e.id, e.name, e.work_dir, e.repo_root) for e in entries
    ]


@pytest.mark.parametrize(
    "text",
    [
        "1970-01-01T00:00:00Z",
        "2026-11-22T10:07:23.123456Z",
        "2024-02-29T23:59:59.000001Z",
        "2000-03-01T00:00:00Z",
        "1900-02-28T12:00:00Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
    ],
)
def test_times_are_read_as_datetime_reads_them(text: str) -> None:
    expected = datetime.fromisoformat(text)
    assert listing.timestamp(text) == expected.timestamp()
    assert listing._micros(text) == (expected - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
        microseconds=1
    )
    assert listing._micros(text.replace("Z", "+00:00")) is None


def test_ago_counts_whole_seconds_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2026, 11, 22, 10, 7, 23, 500000, tzinfo=UTC)
    monkeypatch.setattr(listing, "now_micros", lambda: int(now.timestamp() * 10**6))
    assert listing.ago("2026-11-22T10:07:22.600000Z") == "0s ago"
    assert listing.ago("2026-11-22T10:07:22.500000Z") == "1s ago"
    assert listing.ago("2026-11-22T10:02:23Z") == "5m ago"
    assert listing.ago("2026-11-20T10:07:23Z") == "2d ago"
    assert listing.ago("2026-11-22T10:08:00Z") == "0s ago"  # ahead of the clock
    assert listing.ago(None) == "-"
