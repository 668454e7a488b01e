"""A command imports only what it uses: ``--version`` and a warm ``list`` no click nor pydantic.

Each runs in a fresh interpreter under ``-X importtime``, which names every
module imported; HOME (and the XDG folders) point at an empty temp dir.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from q_tmux.store import registry
from tests.conftest import QTmux

HEAVY = {"pydantic", "libtmux", "plumbum", "httpx"}
#: What a command that only reads JSON files does without: json imports re, which imports enum
#: (and compiles its patterns), a quarter of a Python start (see q_tmux.store.jsontext).
READER_NEEDLESS = {"json", "re", "enum"}


def _imports(tmp_path: Path, *args: str) -> tuple[str, set[str]]:
    """What ``q-tmux ARGS`` prints, and every module it imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "TMUX"))}
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "q_tmux", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return done.stdout, imported


def test_version_imports_neither_click_nor_anything_heavy(tmp_path: Path) -> None:
    out, imported = _imports(tmp_path, "--version")
    assert out == "q-tmux, version 0.1.0\n"
    assert "q_tmux" in imported
    assert not (HEAVY | {"click", "subprocess"}) & imported


def test_version_says_what_clicks_version_option_says(capsys: pytest.CaptureFixture[str]) -> None:
    from q_tmux.cli.app import main as click_main
    from q_tmux.cli.entry import _fast

    assert _fast(["-L", "elsewhere", "--version"]) == 0
    fast = capsys.readouterr().out
    assert click_main(["--version"]) == 0
    assert capsys.readouterr().out == fast


def test_list_without_sessions_imports_no_pydantic_nor_libtmux(tmp_path: Path) -> None:
    out, imported = _imports(tmp_path, "-L", f"q-tmux-no-server-{os.getpid()}", "list")
    assert out.startswith("No sessions yet.")
    assert "q_tmux.sessions.listing" in imported
    assert not (HEAVY | {"click"}) & imported


def test_a_registry_file_with_a_wrong_field_is_reported_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    registry.add(registry.RegistryEntry(id="good", name="a", work_dir=str(tmp_path)))
    registry.entry_path("bad").write_text(json.dumps({"id": "bad", "name": 3, "work_dir": "/"}))
    registry.entry_path("odd").write_text("[1]")
    entries, broken = registry.load()
    assert [entry.id for entry in entries] == ["good"]
    assert sorted(item.path.name for item in broken) == ["bad.json", "odd.json"]
    assert registry.update("good", name="b")
    assert registry.load()[0][0].name == "b"


def test_conflicts_imports_neither_click_nor_anything_heavy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from q_tmux.store.session_file import AgentInfo, SessionRecord, WorktreeInfo
    from tests.conftest import git, make_repo

    app = make_repo(tmp_path / "app", {"a.txt": "a\n"})
    work = tmp_path / "topic"
    git(app, "worktree", "add", "-q", "-b", "topic", str(work))
    (work / "a.txt").write_text("topic\n")
    git(work, "commit", "-qam", "topic")
    record = SessionRecord(
        id="s1",
        name="topic",
        agent=AgentInfo(preset="q", command=["q"], resume_command=["q"]),
        worktree_info=WorktreeInfo(
            path=str(work), branch="topic", repo_root=str(app), base_branch="main"
        ),
    )
    monkeypatch.setenv("HOME", str(tmp_path))  # after the commits: git's identity is the old HOME's
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    (work / ".amazonq").mkdir()
    (work / ".amazonq" / "session.json").write_text(json.dumps(record.to_dict()))
    registry.add(registry.RegistryEntry(id="s1", name="topic", work_dir=str(work)))
    for look in ("cold", "warm"):  # nothing known yet (git runs), then all from the facts
        out, imported = _imports(tmp_path, "conflicts")
        assert "topic" in out, look
        assert "1 file(s), +1/-0 vs main: merges cleanly" in out, look
        assert "q_tmux.merge.conflicts_fast" in imported
        assert not (HEAVY | {"click"}) & imported, look
    # The warm look reads files and writes none (enum still comes with the watcher's summary).
    assert not (READER_NEEDLESS - {"enum"}) & imported
    (work / "b.txt").write_text("b\n")  # the tip moves: git runs, and the fact file is written
    git(work, "add", "b.txt")
    git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "moved")
    out, imported = _imports(tmp_path, "conflicts")
    assert "2 file(s), +2/-0 vs main: merges cleanly" in out
    assert not (READER_NEEDLESS - {"enum"}) & imported  # kept facts are written without json


def test_list_and_the_pickers_rows_import_nothing_heavy_once_facts_are_known(
    qtmux: QTmux, repo: Path
) -> None:
    """A warm ``list`` (text and JSON) and ``pick --lines`` read files and ask tmux, no more."""
    for name in ("one", "two"):
        qtmux.ok("new", name, "--detach", cwd=repo)
    socket = str(qtmux.server.socket_name)
    qtmux.ok("list", cwd=repo)  # the facts, computed once
    for args in (["list"], ["list", "--json"], ["pick", "--lines"]):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "q_tmux", "-L", socket, *args],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "one" in done.stdout
        imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
        assert "q_tmux.sessions.listing" in imported
        assert not (HEAVY | {"click", "subprocess"}) & imported, args
        if args != ["list", "--json"]:  # which writes JSON
            assert not READER_NEEDLESS & imported, args


def test_new_and_merge_dry_run_import_no_pydantic(qtmux: QTmux, repo: Path) -> None:
    """The session file and the config are read and written by :mod:`q_tmux.store.schema`:
    the commands a user types pay for no validation library."""
    socket = str(qtmux.server.socket_name)
    for args in (["new", "one", "--detach"], ["merge", "one", "--dry-run"]):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "q_tmux", "-L", socket, *args],
            cwd=repo,
            env={**os.environ, **qtmux.env},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
        assert "q_tmux.store.schema" in imported, args
        assert not {"pydantic", "pydantic_core", "annotated_types"} & imported, args
