"""install.sh in a throwaway HOME: installs, is idempotent, uninstalls, loads the plugin."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PLUGIN_FILE = "from q_tmux.adapters.plugin import plugin_file; print(plugin_file())"


def run_install(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(home),
        "Q_TMUX_INSTALL_METHOD": "venv",
        # No tmux server of the developer's may see this install.
        "TMUX_TMPDIR": str(home),
        "PATH": f"{home / '.local/bin'}{os.pathsep}{os.environ['PATH']}",
    }
    return subprocess.run(
        ["bash", str(REPO / "install.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.install
def test_install_is_idempotent_and_uninstall_undoes_it(isolated_env: Path) -> None:
    home = isolated_env
    first = run_install(home)
    assert first.returncode == 0, first.stderr
    link = home / ".local/bin/q-tmux"
    assert link.is_symlink()
    version = subprocess.run([str(link), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == "q-tmux, version 0.1.0"
    conf = home / ".tmux.conf"
    assert conf.read_text() == f"run-shell '{REPO}/tmux/q-tmux.tmux'\n"
    # The installed program carries the plugin, to load it into servers it starts.
    packaged = subprocess.run(
        [str(home / ".local/share/q-tmux/venv/bin/python"), "-I", "-c", PLUGIN_FILE],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "/site-packages/q_tmux/tmux_plugin/q-tmux.tmux" in packaged.stdout
    assert (home / ".local/share/bash-completion/completions/q-tmux").is_file()

    venv_python = home / ".local/share/q-tmux/venv/bin/python"
    mtime = venv_python.lstat().st_mtime_ns
    second = run_install(home)
    assert second.returncode == 0, second.stderr
    assert "nothing changed" in second.stdout
    assert conf.read_text() == f"run-shell '{REPO}/tmux/q-tmux.tmux'\n"
    assert venv_python.lstat().st_mtime_ns == mtime

    gone = run_install(home, "--uninstall")
    assert gone.returncode == 0, gone.stderr
    assert not link.exists()
    assert not (home / ".local/share/q-tmux").exists()
    assert not conf.exists()


def test_unknown_option_is_refused_and_changes_nothing(isolated_env: Path) -> None:
    result = run_install(isolated_env, "--bogus")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "q-tmux install: unknown option '--bogus'; use --uninstall or --help."
    )
    assert not (isolated_env / ".tmux.conf").exists()
    assert not (isolated_env / ".local").exists()


@pytest.mark.install
def test_tpm_users_get_the_plugin_line_printed_and_their_conf_untouched(isolated_env: Path) -> None:
    home = isolated_env
    conf_text = (
        "set -g mouse on\nset -g @plugin 'tmux-plugins/tpm'\nrun '~/.tmux/plugins/tpm/tpm'\n"
    )
    (home / ".tmux.conf").write_text(conf_text)
    result = run_install(home)
    assert result.returncode == 0, result.stderr
    assert "set -g @plugin '" in result.stdout
    assert (home / ".tmux.conf").read_text() == conf_text
    assert "nothing changed" in run_install(home).stdout


def test_help_prints_the_header_and_no_code(isolated_env: Path) -> None:
    result = run_install(isolated_env, "--help")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Install q-tmux for this user")
    assert "--uninstall" in result.stdout
    assert not any("set -euo" in line or line.startswith("#") for line in lines)
    assert not (isolated_env / ".local").exists()
