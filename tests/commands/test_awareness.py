"""Each agent hears, before each prompt, which other sessions change the files it changes.

With the Q stand-in, whose ``userPromptSubmit`` hook output goes to its "model"
(``Q_STANDIN_CONTEXT``), on a real tmux server with the real watcher.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from libtmux.server import Server

from q_tmux.agents.aider import AIDER
from q_tmux.agents.launch import Agent
from q_tmux.tracking import awareness
from tests.commands.test_live_state import (
    INPUT_HOOK,
    INPUT_SCREEN,
    start,
    type_line,
    until,
    window_of,
)
from tests.conftest import QTmux, git, make_repo, pane_text, session_json, wait_for


@pytest.fixture
def model(tmp_path: Path) -> Path:
    """What the stand-in's "model" was given by its hooks, one JSON line per prompt."""
    return tmp_path / "model-context.jsonl"


def told(model: Path, work: Path) -> list[str]:
    if not model.exists():
        return []
    lines = [json.loads(line) for line in model.read_text().splitlines()]
    return [line["text"] for line in lines if Path(line["cwd"]) == work]


def summary_of(repo: Path, server: Server) -> dict[str, Any]:
    from q_tmux.adapters.tmux_vocabulary import socket_path

    path = awareness.summary_path(str(repo), socket_path(server.socket_name))
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def names_in(summary: dict[str, Any]) -> dict[str, list[str]]:
    return {s["name"]: s["files"] for s in (summary.get("sessions") or {}).values()}


def commit(work: Path, name: str, text: str) -> None:
    (work / name).write_text(text)
    git(work, "add", name)
    git(work, "commit", "-qm", f"change {name}")


def test_the_agent_hears_of_another_session_changing_its_files(
    qtmux: QTmux, server: Server, tmp_path: Path, model: Path
) -> None:
    repo = make_repo(tmp_path / "src" / "app", {"shared.txt": "one\n", "solo.txt": "a\n"})
    env = {"Q_STANDIN_CONTEXT": str(model)}
    mine = start(qtmux, repo, "mine", "Tidy the greeting", env=env)
    other = start(qtmux, repo, "other", "Rework the shared greeting text", env=env)
    until(mine, INPUT_HOOK)
    until(other, INPUT_HOOK)
    (mine / "shared.txt").write_text("mine\n")  # uncommitted
    (mine / "solo.txt").write_text("only mine\n")
    commit(other, "shared.txt", "theirs\n")  # committed
    wait_for(
        lambda: (
            names_in(summary_of(repo, server)).get("other") == ["shared.txt"]
            and "shared.txt" in names_in(summary_of(repo, server)).get("mine", [])
        ),
        timeout=60,
        what=lambda: f"the watcher's summary naming both, got {summary_of(repo, server)}",
    )
    # ``conflicts`` sees the same: the pair shares no committed file, but an uncommitted one.
    shown = qtmux.ok("conflicts", cwd=repo).stdout
    assert "  mine and other: both change shared.txt (uncommitted too)" in shown
    assert "no two sessions change the same file" not in shown
    overlap = qtmux.ok("conflicts", "--json", cwd=repo).json()[str(repo)]["overlap"]
    assert overlap == [{"first": "mine", "second": "other", "files": ["shared.txt"]}]
    type_line(server, window_of(mine), "what next")
    wait_for(lambda: told(model, mine), timeout=30, what="the prompt hook's output")
    text = told(model, mine)[-1]
    assert text.splitlines() == [
        awareness.HEADER,
        '- other (task: "Rework the shared greeting text"): also changes shared.txt',
    ]
    # The other session hears of this one the same way.
    type_line(server, window_of(other), "and you")
    wait_for(lambda: told(model, other), timeout=30, what="the other's prompt hook output")
    assert '- mine (task: "Tidy the greeting"): also changes shared.txt' in told(model, other)[-1]


def test_nothing_overlapping_the_hook_stays_silent(
    qtmux: QTmux, server: Server, tmp_path: Path, model: Path
) -> None:
    repo = make_repo(tmp_path / "src" / "app", {"a.txt": "a\n", "b.txt": "b\n"})
    env = {"Q_STANDIN_CONTEXT": str(model)}
    mine = start(qtmux, repo, "mine", env=env)
    other = start(qtmux, repo, "other", env=env)
    until(mine, INPUT_SCREEN)  # no first message: no hook ran yet
    until(other, INPUT_SCREEN)
    (mine / "a.txt").write_text("mine\n")
    commit(other, "b.txt", "theirs\n")
    wait_for(
        lambda: names_in(summary_of(repo, server)) == {"mine": ["a.txt"], "other": ["b.txt"]},
        timeout=60,
        what=lambda: f"the watcher's summary, got {summary_of(repo, server)}",
    )
    type_line(server, window_of(mine), "hello there")
    # The hook ran (the stand-in says so once its hooks finished) and printed nothing.
    wait_for(lambda: "Echo: hello there" in pane_text(server, window_of(mine)), timeout=30)
    assert told(model, mine) == []


def test_conflicts_and_the_agents_text_agree(
    qtmux: QTmux, server: Server, tmp_path: Path, model: Path
) -> None:
    """Every pair ``conflicts`` names is in both sessions' text, with the same files and
    the same predicted conflicts, and nothing else is (only committed changes here)."""
    files = {"a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n"}
    repo = make_repo(tmp_path / "src" / "app", files)
    works = {name: start(qtmux, repo, name, f"task {name}") for name in ("s1", "s2", "s3")}
    for work in works.values():
        until(work, INPUT_HOOK)
    commit(works["s1"], "a.txt", "s1\n")
    commit(works["s1"], "b.txt", "s1\n")
    commit(works["s2"], "a.txt", "s2\n")  # conflicts with s1 in a.txt
    commit(works["s3"], "b.txt", "s1\n")  # the same change as s1's: merges cleanly
    commit(works["s3"], "c.txt", "s3\n")
    report = qtmux.ok("conflicts", "--json", cwd=repo).json()[str(repo)]
    ids = {name: session_json(work)["id"] for name, work in works.items()}
    expected: dict[str, dict[str, tuple[list[str], list[str]]]] = {n: {} for n in works}
    for pair in report["pairs"]:
        both = (pair["shared"], pair["conflicts"] or [])
        expected[pair["first"]][pair["second"]] = both
        expected[pair["second"]][pair["first"]] = both
    assert expected["s1"] == {"s2": (["a.txt"], ["a.txt"]), "s3": (["b.txt"], [])}

    def heard() -> dict[str, dict[str, tuple[list[str], list[str]]]]:
        summary = summary_of(repo, server)
        return {
            name: {o[0]: (o[2], o[3]) for o in awareness.overlaps(ids[name], summary)}
            for name in works
        }

    wait_for(lambda: heard() == expected, timeout=60, what=lambda: f"{heard()} == {expected}")
    overlap = qtmux.ok("conflicts", "--json", cwd=repo).json()[str(repo)]["overlap"]
    assert {frozenset((o["first"], o["second"])): o["files"] for o in overlap} == {
        frozenset((pair["first"], pair["second"])): pair["shared"] for pair in report["pairs"]
    }
    for name, work in works.items():
        text = awareness.context_for(session_json(work), str(work / ".amazonq/session.json"))
        for other, (shared, conflicts) in expected[name].items():
            line = next(line for line in text.splitlines() if line.startswith(f"- {other} "))
            assert f"also changes {', '.join(shared)}" in line
            assert ("CONFLICT in a.txt" in line) == bool(conflicts)


def test_aider_reads_the_same_lines_from_a_file_outside_the_repository(
    tmp_path: Path,
) -> None:
    """aider has no prompt hook: ``--read`` names a file in q-tmux's state folder, so a
    repository that tracks its own instructions (AGENTS.md) stays byte for byte as it was."""
    repo = make_repo(tmp_path / "app", {"AGENTS.md": "# our rules\n", "CONVENTIONS.md": "x\n"})
    before = {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}
    agent = Agent(preset="aider", command=["aider"], resume_command=["aider"])
    assert AIDER.wire is not None
    wiring = AIDER.wire(agent, repo, "sid-aider", set())
    path = awareness.instructions_path("sid-aider")
    assert wiring.command[wiring.command.index("--read") + 1] == path
    assert not Path(path).is_relative_to(repo)
    assert Path(path).read_text() == ""  # aider skips a --read file missing at start
    assert {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()} == before
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
