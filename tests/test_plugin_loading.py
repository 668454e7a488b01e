"""Loading the plugin: the TPM way, into servers q-tmux starts, and unloading it again."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from libtmux.server import Server
from libtmux.session import Session

from tests.conftest import QTmux
from tests.test_plugin import PLUGIN, binding, option


def tpm_install(home: Path) -> Path:
    """Put this repository where TPM clones a plugin, file modes as a clone would give them."""
    repo = PLUGIN.parent.parent
    target = home / ".tmux" / "plugins" / "q-tmux"
    listing = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-s", "-z"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for item in filter(None, listing.split("\0")):
        meta, path = item.split("\t", 1)
        mode = meta.split()[0]
        if mode not in ("100644", "100755"):
            continue
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(repo / path, target / path)
        (target / path).chmod(0o755 if mode == "100755" else 0o644)
    return target


def tpm_source(server: Server, plugin_dir: Path) -> None:
    """TPM's source step: every ``*.tmux`` file at the plugin's root, run as an executable."""
    script = (
        f"for tmux_file in {shlex.quote(str(plugin_dir))}/*.tmux; do "
        '[ -f "$tmux_file" ] || continue; $tmux_file >/dev/null 2>&1; done'
    )
    assert server.cmd("run-shell", script).returncode == 0


def test_tpm_loads_the_plugin_from_the_repository_root(
    server: Server, session: Session, fake_q_tmux: Path, isolated_env: Path
) -> None:
    server.cmd("set-option", "-g", "status-right", "%H:%M")
    server.cmd("set-option", "-g", "@q-tmux-bin", str(fake_q_tmux))
    plugin_dir = tpm_install(isolated_env)
    tpm_source(server, plugin_dir)
    assert option(server, "@q-tmux-plugin").startswith(str(plugin_dir))
    assert option(server, "@q-tmux-bin") == str(fake_q_tmux)
    assert option(server, "status-right") == "#{?#{@q-tmux-status},#{@q-tmux-status} ,}%H:%M"
    assert "@q-tmux-mark" in option(server, "-w", "window-status-format")
    assert f"'{fake_q_tmux}' next" in binding(server, "j")
    assert "pick --client" in binding(server, "J")
    assert "new --ask" in binding(server, "N")
    assert "merge --from-key" in binding(server, "G")


def test_a_server_q_tmux_starts_gets_the_plugin(
    qtmux: QTmux, server: Server, repo: Path, fake_q_tmux: Path
) -> None:
    path = f"{fake_q_tmux.parent}{os.pathsep}{os.environ['PATH']}"
    assert not server.is_alive()
    qtmux.ok("new", "feature-a", "--detach", cwd=repo, env={"PATH": path})
    assert option(server, "@q-tmux-plugin") == str(PLUGIN)
    assert option(server, "@q-tmux-bin") == str(fake_q_tmux)
    assert "next --client" in binding(server, "j")
    assert "#{@q-tmux-status}" in option(server, "status-right")

    # Loaded once: a second session on the running server leaves the user's changes alone.
    server.cmd("set-option", "-g", "status-right", "mine")
    qtmux.ok("new", "feature-b", "--detach", cwd=repo, env={"PATH": path})
    assert option(server, "status-right") == "mine"


def test_a_plugin_the_users_conf_loads_is_not_loaded_again(
    qtmux: QTmux, server: Server, repo: Path, fake_q_tmux: Path, isolated_env: Path
) -> None:
    plugin_dir = tpm_install(isolated_env)
    (isolated_env / ".tmux.conf").write_text(
        f"set -g @q-tmux-bin '{fake_q_tmux}'\nrun-shell '{plugin_dir}/q-tmux.tmux'\n"
    )
    qtmux.ok("new", "feature-a", "--detach", cwd=repo)
    assert option(server, "@q-tmux-plugin") == str(plugin_dir / "tmux" / "q-tmux.tmux")


def test_unload_takes_back_keys_and_status_items_and_nothing_of_the_users(
    server: Server, session: Session, fake_q_tmux: Path
) -> None:
    server.cmd("bind-key", "-T", "prefix", "j", "display-message", "mine")
    server.cmd("set-option", "-g", "status-right", "%H:%M")
    server.cmd("set-option", "-g", "status-left", "[#{q_tmux_status}]")
    server.cmd("set-option", "-gw", "window-status-format", "#I:#W")
    server.cmd("set-option", "-gw", "window-status-current-format", "#I:#W#{q_tmux_mark}")
    server.cmd("set-option", "-g", "@q-tmux-bin", str(fake_q_tmux))
    assert server.cmd("run-shell", str(PLUGIN)).returncode == 0
    assert "new --ask" in binding(server, "N")
    server.cmd("set-option", "-g", "@q-tmux-status", "feature-auth")

    assert server.cmd("run-shell", f"{PLUGIN} --unload").returncode == 0
    assert "display-message mine" in binding(server, "j")
    for key in ("J", "N", "G"):
        assert binding(server, key) == ""
    assert option(server, "status-right") == "%H:%M"
    assert option(server, "status-left") == "[#{q_tmux_status}]"
    assert option(server, "-w", "window-status-format") == "#I:#W"
    assert option(server, "-w", "window-status-current-format") == "#I:#W#{q_tmux_mark}"
    for name in ("@q-tmux-status", "@q-tmux-plugin", "@q-tmux-bin"):
        assert option(server, name) == ""
    # Loading again after an unload works as the first time did.
    server.cmd("set-option", "-g", "@q-tmux-bin", str(fake_q_tmux))
    assert server.cmd("run-shell", str(PLUGIN)).returncode == 0
    assert "new --ask" in binding(server, "N")
    assert option(server, "status-left") == "[#{@q-tmux-status}]"
