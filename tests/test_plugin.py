"""The tmux plugin: it registers itself, fills placeholders and binds keys without clobbering."""

from __future__ import annotations

from pathlib import Path

from libtmux._internal.control_mode import ControlMode
from libtmux.server import Server
from libtmux.session import Session

PLUGIN = Path(__file__).resolve().parent.parent / "tmux" / "q-tmux.tmux"


def load(server: Server, q_tmux: Path | None = None) -> None:
    if q_tmux is not None:
        server.cmd("set-option", "-g", "@q-tmux-bin", str(q_tmux))
    assert server.cmd("run-shell", str(PLUGIN)).returncode == 0


def option(server: Server, *args: str) -> str:
    values = server.cmd("show-option", "-gqv", *args).stdout
    return values[0] if values else ""


def binding(server: Server, key: str) -> str:
    result = server.cmd("list-keys", "-T", "prefix", key)
    return " ".join(result.stdout) if result.returncode == 0 else ""


def test_plugin_registers_itself_and_finds_q_tmux(
    server: Server, session: Session, fake_q_tmux: Path
) -> None:
    load(server, fake_q_tmux)
    assert option(server, "@q-tmux-plugin") == str(PLUGIN)
    assert option(server, "@q-tmux-bin") == str(fake_q_tmux)


def test_plugin_says_when_q_tmux_is_missing(server: Server, session: Session) -> None:
    server.cmd("set-environment", "-g", "PATH", "/usr/bin:/bin")
    server.cmd("set-option", "-g", "@q-tmux-bin", "/nonexistent/q-tmux")
    with ControlMode(server=server, session=session):  # display-message needs a client
        load(server)
        assert option(server, "@q-tmux-plugin") == ""
        messages = "\n".join(server.cmd("show-messages").stdout)
    assert "q-tmux command was not found" in messages


def test_placeholders_become_the_options_q_tmux_keeps(
    server: Server, session: Session, fake_q_tmux: Path
) -> None:
    server.cmd("set-option", "-g", "status-right", "#{q_tmux_status} | %H:%M")
    server.cmd("set-option", "-gw", "window-status-format", "#I:#W#{q_tmux_mark}")
    load(server, fake_q_tmux)
    load(server, fake_q_tmux)  # loading twice changes nothing more
    assert option(server, "status-right") == "#{@q-tmux-status} | %H:%M"
    assert option(server, "-w", "window-status-format") == "#I:#W#{@q-tmux-mark}"
    current = option(server, "-w", "window-status-current-format")
    assert current.count("#{?#{@q-tmux-mark},#{@q-tmux-mark},}") == 1


def test_without_a_placeholder_the_status_goes_first_in_status_right(
    server: Server, session: Session, fake_q_tmux: Path
) -> None:
    server.cmd("set-option", "-g", "status-right", "%H:%M")
    load(server, fake_q_tmux)
    load(server, fake_q_tmux)
    assert option(server, "status-right") == "#{?#{@q-tmux-status},#{@q-tmux-status} ,}%H:%M"


def test_auto_status_and_marks_can_be_turned_off(
    server: Server, session: Session, fake_q_tmux: Path
) -> None:
    server.cmd("set-option", "-g", "status-right", "%H:%M")
    server.cmd("set-option", "-gw", "window-status-format", "#I:#W")
    server.cmd("set-option", "-g", "@q-tmux-status-auto", "off")
    server.cmd("set-option", "-g", "@q-tmux-window-marks", "off")
    load(server, fake_q_tmux)
    assert option(server, "status-right") == "%H:%M"
    assert option(server, "-w", "window-status-format") == "#I:#W"


def test_default_keys(server: Server, session: Session, fake_q_tmux: Path) -> None:
    load(server, fake_q_tmux)
    assert f"'{fake_q_tmux}' next --client '#{{client_name}}'" in binding(server, "j")
    assert "display-popup" in binding(server, "J")
    assert "pick --client" in binding(server, "J")
    assert "new --ask" in binding(server, "N")
    assert "merge --from-key" in binding(server, "G")


def test_keys_never_clobber_and_can_be_moved_or_disabled(
    server: Server, session: Session, fake_q_tmux: Path
) -> None:
    server.cmd("bind-key", "-T", "prefix", "j", "display-message", "mine")
    server.cmd("set-option", "-g", "@q-tmux-key-pick", "none")
    server.cmd("set-option", "-g", "@q-tmux-key-new", "C-n")
    load(server, fake_q_tmux)
    assert "display-message mine" in binding(server, "j")
    assert binding(server, "J") == ""
    assert binding(server, "N") == ""
    assert "new --ask" in binding(server, "C-n")


def test_the_plugin_makes_room_for_the_status_it_adds(
    server: Server, session: Session, fake_q_tmux: Path
) -> None:
    server.cmd("set-option", "-g", "status-right", "%H:%M")
    assert option(server, "status-right-length") == "40"  # tmux's default
    load(server, fake_q_tmux)
    assert option(server, "status-right-length") == "91"  # 40 + 50 cells + a space
    load(server, fake_q_tmux)
    assert option(server, "status-right-length") == "91"
    # The user's config is sourced again: its status-right, not its length, is back.
    server.cmd("set-option", "-g", "status-right", "%H:%M")
    load(server, fake_q_tmux)
    assert option(server, "status-right-length") == "91"


def test_room_is_added_to_a_larger_length_and_where_the_placeholder_is(
    server: Server, session: Session, fake_q_tmux: Path
) -> None:
    server.cmd("set-option", "-g", "status-right", "%H:%M")
    server.cmd("set-option", "-g", "status-right-length", "120")
    server.cmd("set-option", "-g", "status-left", "[#S] #{q_tmux_status}")
    server.cmd("set-option", "-g", "@q-tmux-status-width", "30")
    load(server, fake_q_tmux)
    assert option(server, "status-left-length") == "40"  # tmux's 10, and 30 cells
    assert option(server, "status-right-length") == "120"  # the status is not there
    assert option(server, "status-right") == "%H:%M"


def test_unloading_gives_back_the_room_unless_the_user_changed_it(
    server: Server, session: Session, fake_q_tmux: Path
) -> None:
    server.cmd("set-option", "-g", "status-right", "%H:%M")
    server.cmd("set-option", "-g", "status-left", "[#{q_tmux_status}]")
    load(server, fake_q_tmux)
    assert (option(server, "status-left-length"), option(server, "status-right-length")) == (
        "60",
        "40",
    )
    server.cmd("set-option", "-g", "@q-tmux-jumped", "client @1 then")  # left by next
    assert server.cmd("run-shell", f"{PLUGIN} --unload").returncode == 0
    assert option(server, "status-left-length") == "10"
    assert option(server, "@q-tmux-jumped") == ""
    server.cmd("set-option", "-g", "status-left", "%H:%M")
    load(server, fake_q_tmux)
    assert option(server, "status-right-length") == "91"
    server.cmd("set-option", "-g", "status-right-length", "150")  # the user's own choice since
    assert server.cmd("run-shell", f"{PLUGIN} --unload").returncode == 0
    assert option(server, "status-right-length") == "150"


def test_a_q_tmux_path_tmux_would_expand_binds_nothing(
    server: Server, session: Session, tmp_path: Path
) -> None:
    # Key bindings' commands are expanded as formats when the key is pressed,
    # so a "#(...)" in q-tmux's path would run then.
    fake = tmp_path / "x#(touch PWNED)y" / "q-tmux"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    with ControlMode(server=server, session=session):
        load(server, fake)
        messages = "\n".join(server.cmd("show-messages").stdout)
    assert "contains a quote or a #" in messages
    assert option(server, "@q-tmux-plugin") == ""
    assert binding(server, "j") == ""
