"""Shell completion: session names from the registry, fast, through a real bash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from q_tmux.cli.completion import session_names

REPO = Path(__file__).resolve().parent.parent


def register(home: Path, **names: str) -> None:
    """Registry files as ``new`` writes them: ``id=name``."""
    directory = home / ".local/state/q-tmux/sessions"
    directory.mkdir(parents=True, exist_ok=True)
    for session_id, name in names.items():
        entry = {"version": 1, "id": session_id, "name": name, "work_dir": f"/w/{name}"}
        (directory / f"{session_id}.json").write_text(json.dumps(entry))


def test_session_names_match_the_prefix_and_skip_broken_files(isolated_env: Path) -> None:
    assert session_names("") == []
    register(isolated_env, a1="feature-auth", a2="fix-parser", a3="feature-ui", a4="feature-ui")
    (isolated_env / ".local/state/q-tmux/sessions/broken.json").write_text("{not json")
    (isolated_env / ".local/state/q-tmux/sessions/list.json").write_text("[1]")
    assert session_names("fe") == ["feature-auth", "feature-ui"]
    assert session_names("") == ["feature-auth", "feature-ui", "fix-parser"]
    assert session_names("x") == []


@pytest.fixture
def q_tmux_on_path(tmp_path: Path) -> Path:
    """A ``q-tmux`` command on PATH that runs this checkout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "q-tmux"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m q_tmux "$@"\n')
    wrapper.chmod(0o755)
    return bin_dir


def bash_complete(bin_dir: Path, words: str, cword: int) -> list[str]:
    """Source the script click generates into a real bash and run it as TAB would."""
    script = (
        "source <(_Q_TMUX_COMPLETE=bash_source q-tmux) || exit 9\n"
        f"COMP_WORDS=({words}); COMP_CWORD={cword}\n"
        "_q_tmux_completion q-tmux\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_bash_completes_commands_options_and_session_names(
    isolated_env: Path, q_tmux_on_path: Path
) -> None:
    register(isolated_env, a1="feature-auth", a2="fix-parser", a3="feature-ui")
    assert bash_complete(q_tmux_on_path, "q-tmux switch fe", 2) == ["feature-auth", "feature-ui"]
    assert bash_complete(q_tmux_on_path, "q-tmux merge f", 2) == [
        "feature-auth",
        "feature-ui",
        "fix-parser",
    ]
    assert "switch" in bash_complete(q_tmux_on_path, "q-tmux sw", 1)
    assert bash_complete(q_tmux_on_path, "q-tmux list --j", 2) == ["--json"]
    assert bash_complete(q_tmux_on_path, "q-tmux new --type hot", 3) == ["hotfix"]


def test_completion_imports_no_pydantic_and_runs_no_git(isolated_env: Path, tmp_path: Path) -> None:
    register(isolated_env, a1="feature-auth")
    spy = tmp_path / "spy"
    spy.mkdir()
    for program in ("git", "tmux"):
        (spy / program).write_text(f"#!/bin/sh\ntouch {tmp_path}/ran-{program}\n")
        (spy / program).chmod(0o755)
    code = (
        "import sys\n"
        "from q_tmux.cli import entry\n"
        "sys.argv = ['q-tmux']\n"
        "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
        "heavy = {'pydantic', 'libtmux', 'plumbum', 'httpx'} & set(sys.modules)\n"
        "print('heavy:', sorted(heavy), file=sys.stderr)\n"
    )
    env = {
        **os.environ,
        "PATH": f"{spy}{os.pathsep}{os.environ['PATH']}",
        "_Q_TMUX_COMPLETE": "bash_complete",
        "COMP_WORDS": "q-tmux switch fe",
        "COMP_CWORD": "2",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.stdout.split() == ["plain,feature-auth"]
    assert "heavy: []" in done.stderr
    assert not list(tmp_path.glob("ran-*"))
