"""q-tmux's own Python processes never import from the folder they start in (a worktree)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from q_tmux.adapters import python_command

#: A module a repository could hold at its top; importing it leaves a mark.
SHADOW = 'open("PWNED", "w").write("ran from the worktree")\nraise SystemExit(9)\n'


@pytest.mark.parametrize(
    "command",
    [
        python_command.stdlib_module("q_tmux.tracking.hook", "q", "stop"),
        python_command.module("q_tmux", "--version"),
    ],
    ids=["stdlib module (hook, watcher, waiter)", "module with packages (sender)"],
)
def test_a_json_py_in_the_starting_folder_is_never_imported(
    tmp_path: Path, command: list[str]
) -> None:
    # json for the sender; the rest the hook imports (it reads JSON through _json).
    for name in ("json", "_json", "enum", "fcntl", "select"):
        (tmp_path / f"{name}.py").write_text(SHADOW)
    (tmp_path / "q_tmux").mkdir()
    (tmp_path / "q_tmux" / "__init__.py").write_text(SHADOW)
    done = subprocess.run(
        command,
        cwd=tmp_path,
        input="{}",
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "Q_TMUX_SESSION_FILE": str(tmp_path / "none.json")},
        check=False,
    )
    assert not (tmp_path / "PWNED").exists()
    assert done.returncode == 0, done.stderr


def test_the_hook_finds_q_tmux_without_site_packages() -> None:
    command = python_command.stdlib_module("q_tmux.tracking.hook", "q", "stop")
    assert command[1:4] == ["-I", "-S", "-c"]
    assert repr(python_command.PACKAGE_ROOT) in command[4]
    assert (Path(python_command.PACKAGE_ROOT) / "q_tmux" / "__init__.py").is_file()


def test_a_hook_runs_without_the_cycle_collector_and_the_watcher_with_it() -> None:
    """A hook lives for a moment: the collector's passes over its imports only cost it
    time. The watcher runs for days, so it keeps collecting."""
    from q_tmux.agents.wiring import hook_command
    from q_tmux.tracking.watchlock import watcher_command

    hook = hook_command("claude", "Stop")
    assert hook[4].startswith("import gc; gc.disable(); ")
    assert "gc" not in watcher_command("/tmp/socket")[4]
    done = subprocess.run(
        [
            *hook[:4],  # python -I -S -c
            hook[4]
            .replace("from q_tmux.tracking.hook import main", "import gc")
            .replace("sys.exit(main(sys.argv[1:]))", "print(gc.isenabled())"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == "False\n"
