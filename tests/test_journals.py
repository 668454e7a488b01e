"""Journals: a running job is left alone, an abandoned one is settled once, failures are kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from q_tmux.errors import QTmuxError
from q_tmux.store import journals

settled: list[dict[str, Any]] = []


@journals.recovers("test-job")
def _settle_test_job(data: dict[str, Any]) -> str:
    if data.get("fails"):
        raise QTmuxError("the repository is gone")
    settled.append(data)
    return f"settled {data['key']}"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    settled.clear()


def abandoned(key: str, **data: Any) -> Path:
    """A journal as a killed process leaves it: written, nobody holding its lock."""
    path = journals.journal_dir() / f"test-job-{key}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"kind": "test-job", "key": key, **data}))
    return path


def test_a_running_job_is_never_touched_and_a_finished_one_leaves_nothing() -> None:
    with journals.begin("test-job", "live", step=1) as journal:
        assert journals.recover() == []
        assert journal.path.exists()
        assert journals.pending("test-job") == [{"kind": "test-job", "key": "live", "step": 1}]
    assert settled == []
    assert list(journals.journal_dir().iterdir()) == []


def test_an_abandoned_job_is_settled_once() -> None:
    path = abandoned("dead", step=3)
    lines: list[str] = []
    assert journals.recover(lines.append) == ["settled dead"]
    assert lines == ["settled dead"]
    assert [d["step"] for d in settled] == [3]
    assert not path.exists()
    assert journals.recover() == []


def test_a_job_that_cannot_be_settled_is_kept_and_said() -> None:
    path = abandoned("stuck", fails=True)
    (line,) = journals.recover()
    assert line == "could not settle an interrupted test-job: the repository is gone"
    assert path.exists()


def test_unreadable_and_unknown_journals_are_dropped() -> None:
    folder = journals.journal_dir()
    folder.mkdir(parents=True)
    (folder / "test-job-junk.json").write_text("{")
    (folder / "other-x.json").write_text('{"kind": "nobody-knows"}')
    assert journals.recover() == []
    assert list(folder.iterdir()) == []


def test_an_error_drops_the_journal_unless_the_job_must_be_finished() -> None:
    with pytest.raises(RuntimeError), journals.begin("test-job", "undone"):
        raise RuntimeError("the caller undid its steps")
    assert journals.pending("test-job") == []
    with pytest.raises(RuntimeError), journals.begin("test-job", "half", keep_on_error=True):
        raise RuntimeError("half done")
    assert journals.recover() == ["settled half"]


def test_every_command_settles_through_one_place_that_knows_every_kind() -> None:
    from q_tmux.sessions import recovery

    assert recovery.recover() == []
    assert {"new", "rename", "sync"} <= set(journals._RECOVERIES)
