"""``list`` and the picker's rows without click print what the click command prints, byte for byte.

Each comparison runs the same command twice on the same sessions: through the
executable's fast path (with the click CLI made to fail, so it must answer alone),
and with the fast path switched off (the click command). The clock is frozen so
"5s ago" cannot tick between the two; sessions whose agents still change state are
compared until two fast runs and the click run agree.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from libtmux.server import Server

from q_tmux.adapters.tmux_vocabulary import socket_path
from q_tmux.cli import entry, list_fast
from q_tmux.sessions import listing
from q_tmux.store import xdg
from tests.commands.test_merge import session_with_commits
from tests.commands.test_socket_option import other_server as other_server
from tests.conftest import QTmux, Result, remove_folder, session_json, wait_for, worktree


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    monkeypatch.setattr(listing, "now_micros", lambda: int(moment) * 10**6)


def _click_must_not_run(*_: object, **__: object) -> int:
    raise AssertionError("the fast path handed over to click")


def fast(qtmux: QTmux, monkeypatch: pytest.MonkeyPatch, *args: str, **kwargs: Any) -> Result:
    """``q-tmux ARGS`` answered by the fast path alone (it fails if click runs)."""
    with monkeypatch.context() as patch:
        patch.setattr("q_tmux.cli.app.main", _click_must_not_run)
        return qtmux(*args, **kwargs)


def slow(qtmux: QTmux, monkeypatch: pytest.MonkeyPatch, *args: str, **kwargs: Any) -> Result:
    """``q-tmux ARGS`` answered by the click command."""
    with monkeypatch.context() as patch:
        patch.setattr(entry, "_listing", lambda *_: None)
        return qtmux(*args, **kwargs)


def either(qtmux: QTmux, monkeypatch: pytest.MonkeyPatch, *args: str, **kwargs: Any) -> Result:
    """``q-tmux ARGS`` as a user runs it (the fast path, or click when it hands over)."""
    return qtmux(*args, **kwargs)


def agree(qtmux: QTmux, monkeypatch: pytest.MonkeyPatch, *args: str, **kwargs: Any) -> Result:
    """The fast run of ``ARGS``, once it equals the click run's (stdout, stderr, exit)."""
    seen: list[tuple[Result, Result]] = []

    def same() -> Result | None:
        first = fast(qtmux, monkeypatch, *args, **kwargs)
        click_run = slow(qtmux, monkeypatch, *args, **kwargs)
        seen.append((first, click_run))
        return first if first == click_run == fast(qtmux, monkeypatch, *args, **kwargs) else None

    found: Result = wait_for(same, what=lambda: f"fast and click to agree: {seen[-1]!r}")
    return found


def test_list_fast_and_click_print_the_same(
    qtmux: QTmux, repo: Path, server: Server, other_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = str(other_server.socket_name)
    session_with_commits(qtmux, repo, "ahead", {"a.txt": "a\n"})
    session_with_commits(qtmux, repo, "clash", {"README.md": "mine\n"})
    session_with_commits(qtmux, repo, "clash2", {"README.md": "theirs\n"})
    qtmux.ok("new", "closed", "--detach", cwd=repo)
    qtmux.ok("close", "closed", cwd=repo)
    qtmux.ok("new", "elsewhere", "--detach", "-L", other, cwd=repo, socket=False)
    qtmux.ok("new", "lost", "--detach", cwd=repo)
    remove_folder(worktree(repo, "lost"))
    either(qtmux, monkeypatch, "list", cwd=repo)  # computes the facts once
    table = agree(qtmux, monkeypatch, "list", cwd=repo)
    assert "+1/-0" in table.stdout
    assert "resumable" in table.stdout
    assert "q-tmux: lost: its directory" in table.stderr
    as_json = agree(qtmux, monkeypatch, "list", "--json", cwd=repo)
    assert {item["name"] for item in as_json.json()} >= {"ahead", "closed", "elsewhere"}
    # Under -L before or after the command, and the session this runs in marked.
    inside = worktree(repo, "ahead")
    assert (
        "SERVER" in agree(qtmux, monkeypatch, "-L", other, "list", cwd=inside, socket=False).stdout
    )
    agree(qtmux, monkeypatch, "list", "-L", other, "--json", cwd=inside, socket=False)
    assert agree(qtmux, monkeypatch, "list", cwd=inside).stdout.count("* ") == 1
    # The picker's rows (fzf's input and its reload).
    assert "ahead" in agree(qtmux, monkeypatch, "pick", "--lines", cwd=repo).stdout


def test_what_the_fast_path_cannot_answer_goes_to_click_unchanged(
    qtmux: QTmux, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = session_with_commits(qtmux, repo, "one", {"one.txt": "1\n"})
    qtmux.ok("new", "two", "--detach", cwd=repo)
    qtmux.ok("close", "two", cwd=repo)
    # Compared run by run below: the agent must be done starting, so its state holds.
    wait_for(lambda: session_json(work)["status"] == "waiting", what="one's agent to wait")
    # Facts never computed: git is needed, so click computes them (and keeps them).
    shutil.rmtree(Path(xdg.state_dir()) / "facts", ignore_errors=True)
    real = list_fast.list_command
    handed: list[list[str]] = []

    def spy(name: str | None, options: list[str]) -> int | None:
        answer = real(name, options)
        if answer is None:
            handed.append(options)
        return answer

    for args in (["list"], ["list", "--refresh"], ["list", "--json", "--refresh"], ["list", "-x"]):
        handed.clear()
        with monkeypatch.context() as patch:
            patch.setattr(list_fast, "list_command", spy)
            shutil.rmtree(Path(xdg.state_dir()) / "facts", ignore_errors=True)
            first = either(qtmux, monkeypatch, *args, cwd=repo)
        assert handed == [args[1:]]
        assert first == slow(qtmux, monkeypatch, *args, cwd=repo)
    assert "no such option" in either(qtmux, monkeypatch, "list", "-x").stderr.lower()
    # A session file the model must judge: what it rejects, or would write differently.
    path = work / ".amazonq" / "session.json"
    good = json.loads(path.read_text())
    for changed in (
        {**good, "status_changed_at": good["status_changed_at"].replace("Z", "+00:00")},
        {**good, "agent": {**good["agent"], "hooks": "yes"}},
        {**good, "version": 2},
        {**good, "repos": [{"branch": "no path"}]},
    ):
        path.write_text(json.dumps(changed))
        assert listing.load(socket_path(None)) is None
        for args in (["list"], ["list", "--json"]):
            assert either(qtmux, monkeypatch, *args, cwd=repo) == slow(
                qtmux, monkeypatch, *args, cwd=repo
            )
    # A field left out (the model's default) and one a newer q-tmux added: read as the model would.
    path.write_text(json.dumps({**{k: v for k, v in good.items() if k != "tmux"}, "later": [1]}))
    assert listing.load(socket_path(None)) is not None
    assert '"later": [' in agree(qtmux, monkeypatch, "list", "--json", cwd=repo).stdout
    path.write_text("{ not json")
    broken = either(qtmux, monkeypatch, "list", cwd=repo)
    assert broken == slow(qtmux, monkeypatch, "list", cwd=repo)
    assert "unreadable" in broken.stdout
    assert "not valid JSON" in broken.stderr
    path.write_text(json.dumps(good))
    # A registry file that cannot be read is a warning either way, from the fast path too.
    (Path(xdg.registry_dir()) / "odd.json").write_text("[1]")
    either(qtmux, monkeypatch, "list", cwd=repo)
    warned = agree(qtmux, monkeypatch, "list", cwd=repo)
    assert "q-tmux: warning: registry file odd.json" in warned.stderr


def test_an_empty_list_is_the_same_from_both(
    qtmux: QTmux, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (["list"], ["list", "--json"], ["pick", "--lines"]):
        assert fast(qtmux, monkeypatch, *args, cwd=repo) == slow(
            qtmux, monkeypatch, *args, cwd=repo
        )


def test_a_fan_out_is_listed_together_alike_by_both(
    qtmux: QTmux, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    qtmux.ok("new", "before", "--detach", cwd=repo)
    qtmux.ok("new", "fix", "--count", "2", "--detach", "task", cwd=repo)
    qtmux.ok("new", "after", "--detach", cwd=repo)
    qtmux.ok("list", cwd=repo)  # the facts, computed once
    text = agree(qtmux, monkeypatch, "list", cwd=repo).stdout
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["NAME", "GROUP", "STATUS"]
    assert [line.split()[0] for line in lines[1:]] == ["before", "fix-1", "fix-2", "after"]
    assert [line.split()[1] for line in lines[2:4]] == ["fix", "fix"]
    listed = json.loads(agree(qtmux, monkeypatch, "list", "--json", cwd=repo).stdout)
    assert [(item["name"], item["group"]) for item in listed] == [
        ("before", None),
        ("fix-1", "fix"),
        ("fix-2", "fix"),
        ("after", None),
    ]
