"""The record's vocabulary and its light reader, against what the pydantic model writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from q_tmux.store import record
from q_tmux.store.record import Reason, Source, Status, Summary, Urgency, urgency
from q_tmux.store.session_file import (
    AgentInfo,
    SessionRecord,
    TmuxInfo,
    WorktreeInfo,
    session_file_path,
    write_session_file,
)


def test_urgency_order() -> None:
    order = [
        urgency(Status.WAITING, Reason.APPROVAL),
        urgency(Status.WAITING, Reason.INPUT),
        urgency(Status.PROCESSING, stalled=True),
        urgency(Status.STARTING),
        urgency(Status.EXITED),
    ]
    assert order == [Urgency.ASKING, Urgency.WAITING, Urgency.STALLED, Urgency.BUSY, Urgency.QUIET]
    assert order == sorted(order)
    assert urgency(Status.PROCESSING) == urgency(Status.STARTING) == Urgency.BUSY
    assert urgency(Status.COMPLETED) == urgency("gone") == urgency(None) == Urgency.QUIET
    assert urgency(Status.WAITING, None) == Urgency.WAITING  # a reason-less wait is for input
    assert urgency(Status.EXITED, stalled=True) == Urgency.QUIET  # only the busy stall


def test_the_words_on_disk() -> None:
    """The JSON keeps the strings every q-tmux so far wrote."""
    assert [s.value for s in Status] == [
        "starting",
        "processing",
        "waiting",
        "exited",
        "completed",
        "queued",
    ]
    assert [r.value for r in Reason] == ["input", "approval"]
    assert [s.value for s in Source] == ["hook", "screen", "process"]
    assert json.dumps([Status.WAITING, Reason.APPROVAL, Source.HOOK]) == (
        '["waiting", "approval", "hook"]'
    )


def written(tmp_path: Path, conflicts: list[str] | None = None) -> Path:
    work_dir = tmp_path / "work"
    model = SessionRecord(
        id="abc",
        name="fix-parser",
        agent=AgentInfo(preset="claude", command=["claude", "--x"], resume_command=[], hooks=True),
        tmux=TmuxInfo(socket="/tmp/tmux-1/default"),
        worktree_info=WorktreeInfo(
            path=str(work_dir), branch="q/fix", repo_root="/src/app", base_branch="main"
        ),
        merge_conflicts=conflicts,
    )
    model.set_status(Status.WAITING, Source.HOOK, Reason.APPROVAL)
    path = session_file_path(work_dir)
    write_session_file(path, model)
    return path


def test_the_light_reader_reads_what_the_model_writes(tmp_path: Path) -> None:
    path = written(tmp_path, ["a.txt"])
    model = SessionRecord.from_dict(json.loads(path.read_text()))
    summary = Summary.read(str(path))
    assert summary is not None
    assert (summary.status, summary.reason, summary.source) == (
        model.status,
        model.waiting_reason,
        model.status_source,
    )
    assert (type(summary.status), type(summary.reason)) == (Status, Reason)
    assert summary.urgency is Urgency.ASKING
    assert summary.changed_at == json.loads(path.read_text())["status_changed_at"]
    assert (summary.id, summary.name, summary.preset, summary.socket) == (
        "abc",
        "fix-parser",
        "claude",
        "/tmp/tmux-1/default",
    )
    assert (summary.hooked, summary.program, summary.conflicts) == (True, "claude", ["a.txt"])
    assert (summary.repo_root, summary.branch, summary.base) == ("/src/app", "q/fix", "main")
    [checkout] = summary.checkouts
    assert (checkout.repo_root, checkout.branch, checkout.base, checkout.prefix) == (
        "/src/app",
        "q/fix",
        "main",
        "",
    )
    assert summary.path == str(path) == record.session_path(str(tmp_path / "work"))


def test_every_status_round_trips(tmp_path: Path) -> None:
    path = written(tmp_path)
    model = SessionRecord.from_dict(json.loads(path.read_text()))
    for status in Status:
        for reason in (None, *Reason):
            for source in Source:
                model.set_status(status, source, reason)
                data = json.loads(json.dumps(model.to_dict()))
                summary = Summary.parse(data, "p")
                assert summary is not None
                assert (summary.status, summary.reason, summary.source) == (status, reason, source)


def test_missing_status_fields_take_the_models_defaults(tmp_path: Path) -> None:
    data = json.loads(written(tmp_path).read_text())
    for field in record.STATUS_FIELDS:
        del data[field]
    summary = Summary.parse(data, "p")
    model = SessionRecord.from_dict(data)
    assert summary is not None
    assert (summary.status, summary.reason, summary.source) == (
        model.status,
        model.waiting_reason,
        model.status_source,
    )
    assert summary.changed_at == ""


@pytest.mark.parametrize(
    "change",
    [
        {"status": "sleeping"},
        {"status": 3},
        {"status": ["waiting"]},
        {"waiting_reason": "coffee"},
        {"status_source": "guess"},
        {"version": 2},
        {"id": 7},
    ],
)
def test_records_the_model_rejects_are_not_read(tmp_path: Path, change: dict[str, object]) -> None:
    data = {**json.loads(written(tmp_path).read_text()), **change}
    assert Summary.parse(data, "p") is None


@pytest.mark.parametrize(
    "content", ["", "{", "[]", "null", '{"version": 1}', '{"id": "x"}', "\x00\xff"]
)
def test_bad_and_partial_files_are_not_read(tmp_path: Path, content: str) -> None:
    path = tmp_path / "session.json"
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    assert Summary.read(str(path)) is None
    assert Summary.read(str(tmp_path / "missing.json")) is None


def test_a_sparse_record_is_read_leniently() -> None:
    """Fields of the wrong type count as absent: one odd field never hides a session."""
    data = {
        "version": 1,
        "id": "x",
        "status": "processing",
        "name": 5,
        "tmux": "nope",
        "agent": {"command": "q chat", "hooks": "yes"},
        "worktree_info": {
            "repo_root": "/r",
            "branch": "b",
            "base_branch": "main",
            "owns_worktree": False,
        },
        "merge_conflicts": "a.txt",
    }
    summary = Summary.parse(data, "p")
    assert summary is not None
    assert (summary.name, summary.socket, summary.program, summary.hooked) == ("?", "", "", False)
    assert (summary.repo_root, summary.checkouts, summary.conflicts) == (None, [], None)
    assert summary.urgency is Urgency.BUSY


def test_the_constructor_takes_plain_words_and_refuses_others() -> None:
    summary = Summary("id", "n", "waiting", "approval", "t", "/s", "q", "/p", source="screen")
    assert (summary.status, summary.reason, summary.source) == (
        Status.WAITING,
        Reason.APPROVAL,
        Source.SCREEN,
    )
    with pytest.raises(ValueError, match="sleeping"):
        Summary("id", "n", "sleeping", None, "t", "/s", "q", "/p")


@pytest.mark.parametrize(
    ("status", "reason", "alive", "gone", "shown"),
    [
        ("processing", None, True, False, "processing"),
        ("waiting", "approval", True, False, "waiting:approval"),
        ("waiting", None, True, False, "waiting"),
        ("processing", None, False, False, "exited"),  # the file says busy, the pane is dead
        ("completed", None, False, False, "completed"),
        ("queued", None, True, False, "queued"),
        (None, None, True, False, "unreadable"),
        ("waiting", "input", True, True, "gone"),  # a vanished folder says it first
    ],
)
def test_the_state_list_shows(
    status: str | None, reason: str | None, alive: bool, gone: bool, shown: str
) -> None:
    assert record.shown_state(status, reason, alive=alive, gone=gone) == shown
    if status is not None:  # the typed words say the same
        typed = record.shown_state(
            Status(status), Reason(reason) if reason else None, alive=alive, gone=gone
        )
        assert typed == shown
