"""The hot path's half of notifications outside tmux: cache, filter, quiet period, hand-off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from q_tmux.adapters import tmuxcmd
from q_tmux.tracking import outside


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "config" / "q-tmux").mkdir(parents=True)
    return tmp_path


def write_config(text: str) -> None:
    Path(outside.config_file()).write_text(text)


def write_cache(**settings: Any) -> None:
    os.makedirs(outside.folder(), exist_ok=True)
    data: dict[str, Any] = {"desktop": False, "webhook": None, "on": ["approval"]}
    data["quiet_seconds"] = 0
    data |= settings
    data |= {"key": outside.config_key(), "file": outside.config_file()}
    Path(outside.cache_file()).write_text(json.dumps(data))


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def spawn(argv: list[str]) -> int:
        calls.append(argv)
        return 1

    monkeypatch.setattr(tmuxcmd, "spawn_detached", spawn)
    return calls


@pytest.mark.parametrize(
    ("settings", "reason", "wanted"),
    [
        ({"webhook": "http://x", "on": ["approval"]}, "approval", True),
        ({"webhook": "http://x", "on": ["approval"]}, "input", False),
        ({"desktop": True, "on": ["approval", "input"]}, "input", True),
        ({"desktop": False, "webhook": None, "on": ["approval"]}, "approval", False),
        ({"webhook": "http://x", "on": "approval"}, "approval", False),  # not a list: off
    ],
)
def test_only_the_configured_reasons_notify(
    settings: dict[str, Any], reason: str, wanted: bool
) -> None:
    assert outside.enabled(settings, reason) is wanted


def test_the_quiet_period_is_per_session_and_per_reason(folders: Path) -> None:
    assert outside.claim("s1", "input", 60, now=1000)
    assert not outside.claim("s1", "input", 60, now=1030)  # quiet
    assert outside.claim("s1", "approval", 60, now=1030)  # input never silences approval
    assert outside.claim("s2", "input", 60, now=1030)  # nor one session another
    assert not outside.claim("s1", "approval", 60, now=1050)
    assert outside.claim("s1", "input", 60, now=1061)  # the period is over


def test_without_a_quiet_period_every_start_of_waiting_notifies(folders: Path) -> None:
    assert outside.claim("s1", "approval", 0, now=1000)
    assert outside.claim("s1", "approval", 0, now=1000)


def test_no_config_file_means_nothing_is_started(folders: Path, spawned: list[list[str]]) -> None:
    outside.started_waiting("s1", "/w/session.json", "approval")
    assert spawned == []


def test_a_fresh_cache_decides_in_the_hot_path(folders: Path, spawned: list[list[str]]) -> None:
    write_config("[notify]\nwebhook = 'http://127.0.0.1:9/'\n")
    write_cache(webhook="http://127.0.0.1:9/", quiet_seconds=600)
    outside.started_waiting("s1", "/w/session.json", "input")  # not in `on`
    assert spawned == []
    outside.started_waiting("s1", "/w/session.json", "approval")
    outside.started_waiting("s1", "/w/session.json", "approval")  # quiet now
    assert [argv[1:] for argv in spawned] == [
        ["-P", "-m", outside.SENDER, "/w/session.json", "approval", outside.DECIDED]
    ]


def test_a_config_changed_since_the_cache_hands_the_decision_to_the_sender(
    folders: Path, spawned: list[list[str]]
) -> None:
    write_config("[notify]\n")
    write_cache()  # everything off ...
    write_config("[notify]\nwebhook = 'http://127.0.0.1:9/'\n")  # ... until now
    outside.started_waiting("s1", "/w/session.json", "approval")
    assert [argv[4:] for argv in spawned] == [["/w/session.json", "approval"]]


def test_a_sender_that_cannot_start_is_no_error(
    folders: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config("[notify]\n")

    def refuse(argv: list[str]) -> int:
        raise OSError("no processes left")

    monkeypatch.setattr(tmuxcmd, "spawn_detached", refuse)
    outside.started_waiting("s1", "/w/session.json", "approval")  # no exception


def test_the_hot_path_half_imports_nothing_heavy() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import q_tmux.tracking.outside"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "q_tmux.tracking.outside" in imported
    heavy = {"httpx", "pydantic", "tomllib", "q_tmux.store.config", "subprocess", "typing"}
    assert not heavy & imported
    assert not {name for name in imported if name.startswith("q_tmux.sessions")}
