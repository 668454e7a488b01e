"""The listing's standard-library reading of a session file is the pydantic model's, or declines."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from q_tmux.sessions import listing
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
    model: type[BaseModel], fields: tuple[tuple[str, object, object], ...]
) -> None:
    """A field added to the model must be added here too, or ``list`` would drop it."""
    assert [name for name, _, _ in fields] == list(model.model_fields)
    for name, kind, default in fields:
        info = model.model_fields[name]
        if default is listing._REQUIRED:  # no default, or one made afresh (now)
            assert info.is_required() or info.default_factory is not None or name == "version"
            continue
        made = info.get_default(call_default_factory=True)
        assert made is not PydanticUndefined
        dumped = made.model_dump(mode="json") if isinstance(made, BaseModel) else made
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
    assert listing.canonical_record(data) == SessionRecord.model_validate(data).model_dump(
        mode="json"
    )


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
