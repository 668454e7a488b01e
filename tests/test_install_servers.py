"""install.sh without the package registry: a stand-in pipx installs this checkout.

Checks what install.sh does around the program: shell completion, and taking the
plugin out of every running tmux server on --uninstall.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake_pipx(tmp_path: Path) -> Path:
    """``pipx install``/``uninstall`` that put a q-tmux running this checkout in ~/.local/bin."""
    bin_dir = tmp_path / "pipx-bin"
    bin_dir.mkdir()
    pipx = bin_dir / "pipx"
    pipx.write_text(
        "#!/bin/sh\n"
        'target="$HOME/.local/bin/q-tmux"\n'
        'case "$1" in\n'
        '  install) mkdir -p "$HOME/.local/bin"\n'
        f"    printf '#!/bin/sh\\nPYTHONPATH={REPO} exec {sys.executable} -m q_tmux \"$@\"\\n'"
        ' > "$target"; chmod +x "$target" ;;\n'
        '  uninstall) rm -f "$target" ;;\n'
        "esac\n"
    )
    pipx.chmod(0o755)
    return bin_dir


def env_for(home: Path, fake_pipx: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(home),
        "Q_TMUX_INSTALL_METHOD": "pipx",
        "TMUX_TMPDIR": str(home),  # the user's tmux socket folder is inside the test
        "PATH": f"{home / '.local/bin'}{os.pathsep}{fake_pipx}{os.pathsep}{os.environ['PATH']}",
    }


def install(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["bash", str(REPO / "install.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def tmux(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", *args], env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def servers(isolated_env: Path, fake_pipx: Path) -> Iterator[list[list[str]]]:
    """Three servers: the default, a ``-L`` one, and one at a socket only a session records."""
    env = env_for(isolated_env, fake_pipx)
    elsewhere = isolated_env / "sockets" / "work.sock"
    elsewhere.parent.mkdir()
    chosen = [[], ["-L", "second"], ["-S", str(elsewhere)]]
    yield chosen
    for args in chosen:
        tmux(env, *args, "kill-server")


def record_session(home: Path, socket: Path) -> None:
    """A session whose file says its window is on the server at ``socket``."""
    work = home / "work"
    (work / ".amazonq").mkdir(parents=True)
    (work / ".amazonq" / "session.json").write_text(json.dumps({"tmux": {"socket": str(socket)}}))
    registry = home / ".local/state/q-tmux/sessions"
    registry.mkdir(parents=True)
    entry = {"version": 1, "id": "s1", "name": "work", "work_dir": str(work)}
    (registry / "s1.json").write_text(json.dumps(entry))


def test_uninstall_unloads_the_plugin_from_every_running_server(
    isolated_env: Path, fake_pipx: Path, servers: list[list[str]]
) -> None:
    env = env_for(isolated_env, fake_pipx)
    (isolated_env / ".tmux.conf").write_text("set -g status-right '%H:%M'\n")
    install(env)
    record_session(isolated_env, Path(servers[2][1]))
    for args in servers:
        assert tmux(env, *args, "new-session", "-d").returncode == 0
        # The user's own key, which uninstall must leave alone.
        tmux(env, *args, "bind-key", "-T", "prefix", "j", "display-message", "mine")
        assert tmux(env, *args, "source-file", str(isolated_env / ".tmux.conf")).returncode == 0
        keys = tmux(env, *args, "list-keys", "-T", "prefix").stdout
        assert "new --ask" in keys
        assert "@q-tmux-status" in tmux(env, *args, "show-option", "-gqv", "status-right").stdout

    install(env, "--uninstall")
    for args in servers:
        keys = tmux(env, *args, "list-keys", "-T", "prefix").stdout
        assert "q-tmux" not in keys, args
        assert "display-message mine" in keys
        right = tmux(env, *args, "show-option", "-gqv", "status-right").stdout.strip()
        assert right == "%H:%M"
        assert tmux(env, *args, "show-option", "-gqv", "@q-tmux-plugin").stdout.strip() == ""


def zsh_lines(zshrc: Path) -> list[str]:
    return [line for line in zshrc.read_text().splitlines() if "q-tmux" in line]


def test_install_sets_up_completion_and_uninstall_removes_it(
    isolated_env: Path, fake_pipx: Path
) -> None:
    env = env_for(isolated_env, fake_pipx)
    zshrc = isolated_env / ".zshrc"
    zshrc.write_text("autoload -U compinit && compinit\n")
    (isolated_env / ".config/fish").mkdir(parents=True)
    first = install(env)
    zsh_file = isolated_env / ".local/share/q-tmux/completion/_q-tmux"
    zsh_line = (
        f"(( $+functions[compdef] )) && [ -f '{zsh_file}' ] && source '{zsh_file}'"
        "  # q-tmux completion"
    )
    bash_file = isolated_env / ".local/share/bash-completion/completions/q-tmux"
    fish_file = isolated_env / ".config/fish/completions/q-tmux.fish"
    assert "_q_tmux_completion" in bash_file.read_text()
    assert "complete --no-files --command q-tmux" in fish_file.read_text()
    assert "#compdef q-tmux" in zsh_file.read_text()
    assert zsh_lines(zshrc) == [zsh_line]
    assert "completion" in first.stdout

    second = install(env)
    assert "nothing changed" in second.stdout
    assert zsh_lines(zshrc) == [zsh_line]

    install(env, "--uninstall")
    assert not bash_file.exists()
    assert not fish_file.exists()
    assert not zsh_file.exists()
    assert zshrc.read_text() == "autoload -U compinit && compinit\n"
