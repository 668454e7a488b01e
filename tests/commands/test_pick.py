"""``q-tmux pick``: the fzf picker in a real popup on a real client, and its numbered fallback."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.cli import pick
from tests.conftest import CLIENT_ESCAPES, Client, QTmux, attached_client, wait_for, worktree

needs_fzf = pytest.mark.skipif(shutil.which("fzf") is None, reason="fzf is not installed")

#: What the popup's q-tmux needs of the test's sealed environment.
PASSED_ON = ("HOME", "PATH", "SHELL", *(k for k in os.environ if k.startswith("XDG_")))


def popup_command(qtmux: QTmux, client: Client, *extra: str) -> str:
    """The shell command the plugin's key runs in its popup, in the test's environment."""
    env = {**{k: os.environ[k] for k in PASSED_ON if k in os.environ}, **qtmux.env}
    return shlex.join(
        [
            "env",
            *(f"{key}={value}" for key, value in env.items()),
            sys.executable,
            "-m",
            "q_tmux",
            "-L",
            str(qtmux.server.socket_name),
            "pick",
            "--client",
            client.name,
            *extra,
        ]
    )


def open_picker(
    server: Server, qtmux: QTmux, client: Client, *extra: str, ready: str = "session>"
) -> subprocess.Popen[bytes]:
    """Open the picker in a popup on ``client``; the returned process ends when the popup does."""
    drawn_before = len(client.chunks)
    # A command client's display-popup lasts as long as the popup: it is left to run.
    popup = ["display-popup", "-c", client.name, "-E", "-w", "100%", "-h", "100%"]
    popup_client = subprocess.Popen(
        ["tmux", "-L", str(server.socket_name), *popup, popup_command(qtmux, client, *extra)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(
        lambda: ready in b"".join(client.chunks[drawn_before:]).decode(errors="replace"),
        what=lambda: f"the picker to draw, drawn: {client.drawn()[-2000:]!r}",
    )
    return popup_client


def after(client: Client, marked: int) -> str:
    """What the client drew since it had drawn ``marked`` chunks."""
    return CLIENT_ESCAPES.sub("", b"".join(client.chunks[marked:]).decode(errors="replace"))


def flat(text: str) -> str:
    """``text`` with the runs of spaces tmux may draw as cursor moves made single spaces."""
    return " ".join(text.split())


def window_of(server: Server, name: str) -> str:
    for line in server.cmd("list-windows", "-a", "-F", "#{window_id} #{window_name}").stdout:
        window_id, _, window_name = line.partition(" ")
        if window_name == name:
            return window_id
    raise AssertionError(f"no window named {name}")


def client_window(server: Server) -> str:
    return str(server.cmd("display-message", "-p", "#{window_id}").stdout[0])


@needs_fzf
def test_the_picker_filters_as_you_type_and_enter_goes_there(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    for name in ("alpha", "beta", "gamma"):
        qtmux.ok("new", name, "--detach", cwd=repo)
    with attached_client(server, columns=120, rows=40) as client:
        start = client_window(server)
        popup = open_picker(server, qtmux, client)
        wait_for(
            lambda: all(name in client.drawn() for name in ("alpha", "beta", "gamma")),
            what="the sessions to be listed",
        )
        # The preview shows the selected session's diff stat and screen.
        wait_for(lambda: "── " in client.drawn(), what="the preview to draw")
        client.type("bet")
        wait_for(lambda: "1/3" in client.drawn(), what="the filter to leave one of three")
        client.type("\r")
        target = window_of(server, "beta")
        wait_for(
            lambda: client_window(server) == target,
            what=lambda: f"the client to be on beta's window (from {start})",
        )
        wait_for(lambda: popup.poll() is not None, what="the popup to close")


@needs_fzf
def test_the_picker_keys_run_remove_and_approve(qtmux: QTmux, repo: Path, server: Server) -> None:
    for name in ("keep", "drop"):
        qtmux.ok("new", name, "--detach", cwd=repo)
    with attached_client(server, columns=120, rows=40) as client:
        popup = open_picker(server, qtmux, client)
        client.type("drop")
        wait_for(lambda: "1/2" in client.drawn(), what="the filter to leave one of two")
        client.type("\x12")  # Ctrl-R: q-tmux rm drop (no work in it: removed)
        wait_for(lambda: not worktree(repo, "drop").exists(), what="drop's worktree to go")
        wait_for(
            lambda: "Enter to go back" in flat(client.drawn()),
            what=lambda: f"the pause, drawn: {flat(client.drawn())[-1500:]!r}",
        )
        marked = len(client.chunks)
        client.type("\r")
        # Back in the list, reloaded: only keep is left, and the filter still says "drop".
        wait_for(
            lambda: "0/1" in after(client, marked),
            what=lambda: f"the reloaded list, drawn: {client.drawn()[-1500:]!r}",
        )
        marked = len(client.chunks)
        client.type("\x15")  # Ctrl-U: clear the filter
        # fzf filters in the background and an action key finds no selected row until it is
        # done (it then runs only the reload): wait until keep is selected, its preview shown.
        wait_for(
            lambda: "── keep · " in after(client, marked),
            what=lambda: f"keep selected, drawn: {after(client, marked)[-1500:]!r}",
        )
        marked = len(client.chunks)
        client.type("\x01")  # Ctrl-A in the same picker: q-tmux approve keep
        # keep waits for input, not approval: approve refuses, and the key pauses on its answer
        # (the terminal first shows again what the last key's command left there).
        wait_for(
            lambda: "not asking for approval" in flat(after(client, marked)),
            what=lambda: f"approve to run, drawn: {flat(after(client, marked))[-1500:]!r}",
        )
        client.type("\r")
        client.type("\x1b")  # Esc closes the picker
        wait_for(lambda: popup.poll() is not None, what="the popup to close")
    assert worktree(repo, "keep").exists()


def test_fzf_commands_spell_no_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The interpreter and server reach fzf's commands only as variables the shell expands."""
    monkeypatch.setattr(sys, "executable", "/opt/it's (odd)/python")
    arguments = " ".join(pick.fzf_arguments())
    assert "odd" not in arguments
    for verb in ("approve", "deny", "diff", "rm"):
        assert f'-m q_tmux ${{Q_TMUX_PICK_SERVER:+-L "$Q_TMUX_PICK_SERVER"}} {verb} {{1}}' in (
            arguments
        )


def test_without_fzf_the_numbered_list_goes_to_the_chosen_session(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    for name in ("one", "two"):
        qtmux.ok("new", name, "--detach", cwd=repo)
    with attached_client(server, columns=120, rows=40) as client:
        popup = open_picker(server, qtmux, client, "--numbered", ready="(number")
        drawn = client.drawn()
        assert "1  one" in drawn
        assert "2  two" in drawn
        client.type("2\r")
        target = window_of(server, "two")
        wait_for(lambda: client_window(server) == target, what="the client to be on two")
        wait_for(lambda: popup.poll() is not None, what="the popup to close")


def test_preview_shows_the_diff_stat_and_the_screen(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    qtmux.ok("new", "shown", "--detach", cwd=repo)
    (worktree(repo, "shown") / "added.txt").write_text("x\n")
    out = qtmux.ok("pick", "--preview", "shown").stdout
    assert "added.txt | 1 +" in out
    assert "── shown · " in out
    gone = qtmux("pick", "--preview", "nobody")
    assert gone.returncode != 0
    assert gone.stderr.startswith("q-tmux: There is no session named")
