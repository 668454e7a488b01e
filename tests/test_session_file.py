from __future__ import annotations

import json
from pathlib import Path

import pytest

from q_tmux.errors import SessionFileError
from q_tmux.store.session_file import (
    AgentInfo,
    SessionRecord,
    Status,
    StatusSource,
    WaitingReason,
    WorktreeInfo,
    read_session_file,
    session_file_path,
    write_session_file,
)


def record() -> SessionRecord:
    return SessionRecord(
        id="abc123",
        name="feature-auth",
        agent=AgentInfo(
            preset="q", command=["q", "chat"], resume_command=["q", "chat", "--resume"]
        ),
        worktree_info=WorktreeInfo(path="/w", branch="feature-auth", base_branch="main"),
    )


def test_round_trip_and_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    path = session_file_path(tmp_path)
    original = record()
    original.set_status(Status.WAITING, StatusSource.HOOK, WaitingReason.APPROVAL)
    write_session_file(path, original)
    loaded = read_session_file(path)
    assert loaded == original
    assert loaded.status is Status.WAITING
    assert loaded.waiting_reason is WaitingReason.APPROVAL
    assert [p.name for p in path.parent.iterdir()] == ["session.json"]


def test_unknown_fields_of_the_same_version_are_kept(tmp_path: Path) -> None:
    path = session_file_path(tmp_path)
    data = record().to_dict() | {"from_the_future": 1}
    path.parent.mkdir()
    path.write_text(json.dumps(data))
    loaded = read_session_file(path)
    write_session_file(path, loaded)
    assert json.loads(path.read_text())["from_the_future"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ('{"version": 1, "id": "x", "na', "not valid JSON"),
        ('["a list"]', "is not a q-tmux session file"),
        ('{"name": "someone else\'s"}', "is not a q-tmux session file"),
        ('{"version": 2, "id": "x"}', "schema version 2, written by a newer q-tmux"),
        ('{"version": 1, "id": "x", "name": "n"}', "is not a valid session file (agent"),
        ('{"version": 1, "id": "x", "name": "n", "status": "dancing"}', "not a valid session file"),
        (b"\xff\xfe\x00", "cannot be read"),
    ],
)
def test_bad_files_give_one_clear_sentence(
    tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    path = session_file_path(tmp_path)
    if content is not None:
        path.parent.mkdir()
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    with pytest.raises(SessionFileError) as caught:
        read_session_file(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
