"""What the other sessions change: the summary the watcher writes and the lines a hook prints."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from q_tmux.adapters import changes, numstat, refs
from q_tmux.adapters.tmux_vocabulary import Pane
from q_tmux.store import facts
from q_tmux.tracking import awareness
from q_tmux.tracking.status_line import SessionState, Snapshot


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def summary(
    files: dict[str, list[str]], conflicts: list[list[Any]] | None = None
) -> dict[str, Any]:
    return {
        "version": awareness.VERSION,
        "at": time.time(),
        "sessions": {
            sid: {"name": f"name-{sid}", "task": f"task of {sid}", "files": paths}
            for sid, paths in files.items()
        },
        "conflicts": conflicts or [],
    }


# -- overlap -> lines ----------------------------------------------------------------------


def test_only_sessions_sharing_a_file_are_named_conflicts_first() -> None:
    found = awareness.overlaps(
        "me",
        summary(
            {
                "me": ["a.py", "b.py", "c.py"],
                "one": ["a.py", "b.py", "z.py"],
                "two": ["c.py"],
                "three": ["x.py"],
            },
            conflicts=[["two", "me", ["c.py"]], ["one", "three", ["q.py"]]],
        ),
    )
    assert found == [
        ("name-two", "task of two", ["c.py"], ["c.py"]),
        ("name-one", "task of one", ["a.py", "b.py"], []),
    ]


@pytest.mark.parametrize(
    "data",
    [
        summary({"me": ["a.py"], "other": ["b.py"]}),
        summary({"me": [], "other": ["a.py"]}),
        summary({"other": ["a.py"]}),  # this session is not in it
        {},
        {"sessions": "garbage"},
    ],
)
def test_nothing_overlaps_nothing_is_said(data: dict[str, Any]) -> None:
    assert awareness.overlaps("me", data) == []
    assert awareness.render(awareness.overlaps("me", data)) == ""


def test_each_line_names_the_session_its_task_and_the_files() -> None:
    text = awareness.render(
        [
            ("fix-login", "Fix the login\ncrash", ["src/auth.py"], ["src/auth.py"]),
            ("refactor", "", ["a", "b", "c", "d", "e", "f"], []),
        ]
    )
    lines = text.splitlines()
    assert lines[0] == awareness.HEADER
    assert lines[1] == (
        '- fix-login (task: "Fix the login crash"): also changes src/auth.py; '
        "merging both would CONFLICT in src/auth.py"
    )
    assert lines[2] == "- refactor: also changes a, b, c, d and 2 more"
    assert text.endswith("\n")


def test_never_more_than_fifteen_lines() -> None:
    many: list[tuple[str, str, list[str], list[str]]] = [
        (f"s{n:02}", "x" * 500, [f"f{n}"], []) for n in range(40)
    ]
    lines = awareness.render(many).splitlines()
    assert len(lines) == awareness.MAX_LINES
    assert lines[-1] == "- and 27 more sessions (see `q-tmux conflicts`)"
    assert all(len(line) < 200 for line in lines)  # a task is cut short
    fourteen = awareness.render(many[:14]).splitlines()
    assert len(fourteen) == 15
    assert "more sessions" not in fourteen[-1]


def test_long_paths_never_make_a_long_line() -> None:
    deep = ["/".join(["folder"] * 60) + f"/{n}.py" for n in range(4)]
    lines = awareness.render([("s", "t", deep, deep)] * 14).splitlines()
    assert max(len(line) for line in lines) == awareness.LINE_CHARS
    assert lines[1].endswith("…")


def test_names_and_tasks_cannot_put_control_characters_before_the_model() -> None:
    text = awareness.render([("evil\x1b[2J", "run\x07 this\r\n", ["x\x1b.py"], [])])
    assert not {"\x1b", "\x07", "\r"} & set(text)


def test_a_workspace_session_sharing_in_two_repositories_gets_one_line() -> None:
    merged = awareness.merge_overlaps(
        [("ws", "t", ["front/a"], []), ("ws", "t", ["back/b"], ["back/b"]), ("x", "", ["c"], [])]
    )
    assert merged == [("ws", "t", ["back/b", "front/a"], ["back/b"]), ("x", "", ["c"], [])]


# -- the hook's side -----------------------------------------------------------------------


def session_data(sid: str, repo: str, prefix: str = "") -> dict[str, Any]:
    info = {"repo_root": repo, "branch": f"b-{sid}", "base_branch": "main"}
    data: dict[str, Any] = {
        "version": 1,
        "id": sid,
        "name": f"name-{sid}",
        "status": "processing",
        "tmux": {"socket": "/sock"},
        "agent": {"preset": "q"},
        "worktree_info": info,
    }
    if prefix:
        data["repos"] = [{**info, "workspace_path": prefix}]
    return data


def write_summary(repo: str, data: dict[str, Any]) -> None:
    path = Path(awareness.summary_path(repo, "/sock"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_the_hook_reads_its_repositorys_summary() -> None:
    write_summary("/repo", summary({"me": ["a.py"], "other": ["a.py"]}))
    text = awareness.context_for(session_data("me", "/repo"), "/w/.amazonq/session.json")
    assert '- name-other (task: "task of other"): also changes a.py' in text
    # Another repository's, or another tmux server's, summary is not this session's.
    assert awareness.context_for(session_data("me", "/elsewhere"), "/x") == ""


def test_a_stale_summary_says_nothing() -> None:
    old = summary({"me": ["a.py"], "other": ["a.py"]})
    write_summary("/repo", old)
    data = session_data("me", "/repo")
    assert awareness.context_for(data, "/x", now=old["at"] + awareness.STALE_AFTER - 1)
    assert awareness.context_for(data, "/x", now=old["at"] + awareness.STALE_AFTER + 1) == ""


def test_a_workspace_session_sees_files_named_from_its_folder() -> None:
    write_summary("/front", summary({"me": ["ui.ts"], "other": ["ui.ts"]}))
    text = awareness.context_for(session_data("me", "/front", prefix="frontend"), "/x")
    assert "frontend/ui.ts" in text


@pytest.mark.parametrize("content", ["", "{not json", '{"version": 99, "at": 1e18}', "[]"])
def test_an_unreadable_summary_says_nothing(content: str) -> None:
    path = Path(awareness.summary_path("/repo", "/sock"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    assert awareness.context_for(session_data("me", "/repo"), "/x") == ""


# -- git's answers read back ---------------------------------------------------------------


def test_status_names_renames_both_sides_and_odd_names_as_they_are() -> None:
    out = "R  new name.txt\0old\tname.txt\0 M tab\there.py\0?? new/dir/file\0D  gone.py\0"
    assert changes.parse_status(out) == [
        "new name.txt",
        "old\tname.txt",
        "tab\there.py",
        "new/dir/file",
        "gone.py",
    ]
    assert changes.parse_status("") == []


def test_numstat_keeps_binary_files() -> None:
    assert numstat.parse("1\t2\ta.py\0-\t-\tlogo.png\0") == [
        ("a.py", 1, 2),
        ("logo.png", None, None),
    ]


# -- the watcher's side: git only for news ---------------------------------------------------


def state(sid: str, work: Path, status: str = "waiting", changed: str = "t0") -> SessionState:
    from q_tmux.store.record import Checkout

    return SessionState(
        id=sid,
        name=f"name-{sid}",
        status=status,
        reason="input" if status == "waiting" else None,
        changed_at=changed,
        socket="/sock",
        preset="q",
        path=str(work / ".amazonq" / "session.json"),
        checkouts=[Checkout("/repo", f"b-{sid}", "main")],
    )


def snap(*ids: str, activity: str = "1") -> Snapshot:
    panes = {sid: Pane(sid, "@1", "%1", False, activity, "") for sid in ids}
    return Snapshot(panes, {}, alive=True)


def test_an_idle_worktree_is_not_asked_again_a_working_one_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[list[str]] = []

    def run(program: str, args: list[str]) -> tuple[int, str]:
        asked.append(args)
        return 0, "?? shared.txt\0"

    monkeypatch.setattr(refs, "common_dir_of", lambda root: None)  # no branches
    gatherer = awareness.Gatherer("/sock", run)
    one, two = state("one", tmp_path / "one"), state("two", tmp_path / "two")
    gatherer.refresh([one, two], snap("one", "two"), force=True)
    assert gatherer.git_runs == 2
    written = json.loads(Path(awareness.summary_path("/repo", "/sock")).read_text())
    assert written["sessions"]["one"]["files"] == ["shared.txt"]
    gatherer.refresh([one, two], snap("one", "two"), force=True)
    assert gatherer.git_runs == 0  # both wait, nothing printed: what was seen still holds
    busy = state("two", tmp_path / "two", status="processing", changed="t1")
    gatherer.refresh([one, busy], snap("one", "two"), force=True)
    assert gatherer.git_runs == 1
    gatherer.refresh([one, busy], snap("one", "two", activity="2"), force=True)
    assert gatherer.git_runs == 2  # a working agent is looked at every time; output too


def test_a_lone_session_costs_no_git_and_says_nothing(tmp_path: Path) -> None:
    def run(program: str, args: list[str]) -> tuple[int, str]:
        raise AssertionError("no git for a repository with one live session")

    gatherer = awareness.Gatherer("/sock", run)
    one, two = state("one", tmp_path / "one"), state("two", tmp_path / "two")
    gatherer.refresh([one, two], snap("one"), force=True)  # two's pane is gone
    written = json.loads(Path(awareness.summary_path("/repo", "/sock")).read_text())
    assert written.get("sessions") is None


def test_committed_files_come_from_the_fact_file_when_known(tmp_path: Path) -> None:
    store = facts.FactStore("/repo")
    store.put(facts.key("diff-stat", "b1", "t1"), [["kept.py", 1, 0]])
    store.save()

    def run(program: str, args: list[str]) -> tuple[int, str]:
        raise AssertionError("the fact file knew")

    gatherer = awareness.Gatherer("/sock", run)
    assert gatherer.committed_files("/repo", "b1", "t1") == ["kept.py"]


def test_an_agents_instructions_file_follows_the_summary_once_its_wiring_made_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refs, "common_dir_of", lambda root: None)
    files = {"one": "?? a.py\0", "two": "?? a.py\0?? b.py\0"}

    def run(program: str, args: list[str]) -> tuple[int, str]:
        return 0, files[Path(args[1]).name]

    gatherer = awareness.Gatherer("/sock", run)
    one, two = state("one", tmp_path / "one"), state("two", tmp_path / "two")
    made = Path(awareness.instructions_path("one"))
    made.parent.mkdir(parents=True)
    made.write_text("")
    gatherer.refresh([one, two], snap("one", "two"), force=True)
    assert made.read_text().splitlines()[1] == "- name-two: also changes a.py"
    assert not Path(awareness.instructions_path("two")).exists()  # no wiring asked for it
    files["two"] = "?? b.py\0"
    busy = state("two", tmp_path / "two", status="processing", changed="t1")
    gatherer.refresh([one, busy], snap("one", "two"), force=True)
    assert made.read_text() == ""  # nothing overlaps any more


def test_what_was_kept_for_a_session_goes_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watcher runs for days: sessions that ended leave nothing behind in it."""
    monkeypatch.setattr(refs, "common_dir_of", lambda root: None)
    gatherer = awareness.Gatherer("/sock", lambda program, args: (0, ""))
    one, two = state("one", tmp_path / "one"), state("two", tmp_path / "two")
    gatherer.committed[("/repo", "b", "t")] = ["x"]
    gatherer.committed[("/gone", "b", "t")] = ["y"]
    gatherer.refresh([one, two], snap("one", "two"), force=True)
    assert set(gatherer.tasks) == {"one", "two"}
    gatherer.refresh([one], snap("one"), force=True)
    assert set(gatherer.tasks) == {"one"}
    assert list(gatherer.committed) == [("/repo", "b", "t")]


# -- what the hook prints, per agent ---------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "event", "as_json"),
    [
        ("q", "userPromptSubmit", False),
        ("kiro-cli", "userPromptSubmit", False),
        ("claude", "UserPromptSubmit", False),
        ("codex", "UserPromptSubmit", True),
        ("gemini", "BeforeAgent", True),
    ],
)
def test_each_agent_gets_the_lines_the_way_it_adds_them_to_the_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preset: str, event: str, as_json: bool
) -> None:
    from q_tmux.agents import catalog
    from q_tmux.tracking import hook

    spec = catalog.get(preset)
    assert spec is not None
    assert spec.context_event == event
    session_file = tmp_path / ".amazonq" / "session.json"
    session_file.parent.mkdir()
    session_file.write_text(json.dumps(session_data("me", "/repo")))
    monkeypatch.setenv("Q_TMUX_SESSION_FILE", str(session_file))
    assert hook.prompt_context(spec) == ""  # no summary yet: silence
    write_summary("/repo", summary({"me": ["a.py"], "other": ["a.py"]}))
    printed = hook.prompt_context(spec)
    lines = awareness.context_for(session_data("me", "/repo"), str(session_file))
    assert lines
    if as_json:
        output = {"hookEventName": event, "additionalContext": lines}
        assert json.loads(printed) == {"hookSpecificOutput": output}
    else:
        assert printed == lines


def test_the_prompt_hook_imports_nothing_heavy(tmp_path: Path) -> None:
    import subprocess
    import sys

    session_file = tmp_path / ".amazonq" / "session.json"
    session_file.parent.mkdir()
    session_file.write_text(json.dumps(session_data("me", "/repo")))
    write_summary("/repo", summary({"me": ["a.py"], "other": ["a.py"]}))
    hook = ["-m", "q_tmux.tracking.hook", "claude", "UserPromptSubmit"]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *hook],
        cwd=tmp_path,
        input="{}",
        capture_output=True,
        text=True,
        check=True,
    )
    assert "- name-other (task: " in done.stdout  # it did print the lines
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "q_tmux.tracking.awareness" in imported
    heavy = {"hashlib", "subprocess", "pathlib", "dataclasses", "typing", "q_tmux.store.facts"}
    assert not heavy & imported


def test_idle_worktrees_are_looked_at_again_one_per_look_the_longest_unseen_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def run(program: str, args: list[str]) -> tuple[int, str]:
        asked.append(args[args.index("-C") + 1] if "-C" in args else "?")
        return 0, "?? shared.txt\0"

    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(refs, "common_dir_of", lambda root: None)  # no branches
    gatherer = awareness.Gatherer("/sock", run)
    sessions = [state(f"s{n}", tmp_path / f"s{n}") for n in range(10)]
    panes = snap(*(s.id for s in sessions))
    gatherer.refresh(sessions, panes, force=True)
    assert gatherer.git_runs == 10  # the first look asks about every worktree
    clock[0] += awareness.RECHECK_IDLE - 1
    gatherer.refresh(sessions, panes, force=True)
    assert gatherer.git_runs == 0  # all idle and seen lately
    seen_again = []
    for _ in range(10):
        clock[0] += awareness.REFRESH_EVERY
        asked.clear()
        gatherer.refresh(sessions, panes, force=True)
        assert gatherer.git_runs == awareness.IDLE_RECHECKS_PER_LOOK
        seen_again += asked
    assert len(set(seen_again)) == 10  # each in turn, none starved


def test_predicted_pairs_are_looked_up_again_only_when_the_facts_or_tips_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from q_tmux.store import facts

    repo = str(tmp_path / "repo")
    gatherer = awareness.Gatherer("/sock", lambda program, args: (0, ""))
    commits = {f"s{n}": (f"base{n}", f"tip{n}") for n in range(30)}
    store = facts.FactStore(repo)
    store.put(facts.key("pair", "base1", "tip1", "base2", "tip2"), ["a.txt"])
    store.save()
    assert gatherer.known_conflicts(repo, commits) == [["s1", "s2", ["a.txt"]]]
    looked: list[tuple[str, ...]] = []
    real_key = facts.key

    def counted_key(*parts: str) -> str:
        looked.append(parts)
        return real_key(*parts)

    monkeypatch.setattr(facts, "key", counted_key)
    assert gatherer.known_conflicts(repo, commits) == [["s1", "s2", ["a.txt"]]]
    assert looked == []  # 30 sessions: 870 lookups saved on every look while nothing moves
    moved = {**commits, "s2": ("base2", "tip2b")}
    assert gatherer.known_conflicts(repo, moved) == []
    assert looked  # a moved tip is looked up again
    looked.clear()
    store.put(facts.key("pair", "base3", "tip3", "base4", "tip4"), ["b.txt"])
    store.save()
    os.utime(facts.facts_path(repo), ns=(1, 1))  # a new stamp, whatever the clock's grain
    assert gatherer.known_conflicts(repo, moved) == [["s3", "s4", ["b.txt"]]]


def test_many_idle_worktrees_cost_one_git_run_per_look_however_long_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 100 idle sessions a worktree's turn comes every 500 s: what was seen of it is kept
    until then, not dropped after a while and asked about again all at once."""
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(refs, "common_dir_of", lambda root: None)  # no branches
    gatherer = awareness.Gatherer("/sock", lambda program, args: (0, ""))
    sessions = [state(f"s{n}", tmp_path / f"s{n}") for n in range(100)]
    panes = snap(*(s.id for s in sessions))
    gatherer.refresh(sessions, panes, force=True)
    assert gatherer.git_runs == 100  # the first look asks about every worktree
    runs = []
    for _ in range(60):  # five minutes of looks
        clock[0] += awareness.REFRESH_EVERY
        gatherer.refresh(sessions, panes, force=True)
        runs.append(gatherer.git_runs)
    assert max(runs) <= awareness.IDLE_RECHECKS_PER_LOOK, runs


def test_a_worktree_no_longer_live_is_forgotten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refs, "common_dir_of", lambda root: None)
    gatherer = awareness.Gatherer("/sock", lambda program, args: (0, ""))
    sessions = [state(f"s{n}", tmp_path / f"s{n}") for n in range(3)]
    gatherer.refresh(sessions, snap("s0", "s1", "s2"), force=True)
    assert len(gatherer.uncommitted) == 3
    gatherer.refresh(sessions, snap("s0", "s1"), force=True)  # s2's pane is gone
    assert sorted(gatherer.uncommitted) == [str(tmp_path / "s0"), str(tmp_path / "s1")]
