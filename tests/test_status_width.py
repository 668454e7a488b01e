"""The status line fits its room: read from what a real attached client draws."""

from __future__ import annotations

import re
import time
from pathlib import Path

from libtmux.server import Server

from q_tmux.store.session_file import Status, WaitingReason
from q_tmux.tracking import status_line
from tests.conftest import CLIENT_ESCAPES, attached, wait_for
from tests.test_plugin import PLUGIN
from tests.test_status_line import add_session, socket  # noqa: F401  (fixture)

SENTINEL = "q-tmux-drawn"


def drawn_status_line(server: Server) -> str:
    """The status line a real client draws, from ``<<`` (status-left) to its end."""
    with attached(server, columns=200) as chunks:

        def text() -> str:
            return CLIENT_ESCAPES.sub("", b"".join(chunks).decode(errors="replace"))

        wait_for(lambda: "<<" in text(), what="the client to draw its status line")
        # Everything drawn before the message is complete once the message shows.
        client = server.cmd("list-clients", "-F", "#{client_name}").stdout[0]
        server.cmd("display-message", "-c", client, SENTINEL)
        wait_for(lambda: SENTINEL in text(), what="the client to draw a message")
        before = text().split(SENTINEL)[0]
    line = before[before.rindex("<<") :]
    return line.splitlines()[0] if line.strip() else line


def test_nine_sessions_fit_and_the_users_items_stay(
    server: Server,
    socket: str,  # noqa: F811
    tmp_path: Path,
    fake_q_tmux: Path,
) -> None:
    server.cmd("set-option", "-g", "status-left", "<<")
    server.cmd("set-option", "-g", "status-right", "mine %Y>>")  # tmux's default length: 40
    server.cmd("set-option", "-g", "@q-tmux-bin", str(fake_q_tmux))
    assert server.cmd("run-shell", str(PLUGIN)).returncode == 0
    names = [
        f"feature-{word}"
        for word in ["auth", "cart", "docs", "edit", "feed", "grid", "help", "icon"]
    ]
    add_session(server, socket, tmp_path, "fix-parser", Status.WAITING, WaitingReason.APPROVAL)
    for name in names:
        add_session(server, socket, tmp_path, name, Status.WAITING, WaitingReason.INPUT)
    add_session(server, socket, tmp_path, "busy-1", Status.PROCESSING)
    add_session(server, socket, tmp_path, "busy-2", Status.PROCESSING)
    text = status_line.plain(status_line.publish(socket))
    assert text.startswith("!fix-parser feature-auth ")  # approval first, then input
    assert re.search(r" \+[0-9] more 2 busy$", text)
    assert status_line.width(text) <= 50
    drawn = drawn_status_line(server)
    assert drawn.endswith(f"{text} mine {time.strftime('%Y')}>>"), drawn


def test_fit_keeps_the_busy_count_and_counts_the_rest() -> None:
    snap = status_line.Snapshot({}, {"@q-tmux-status-width": "20"}, alive=True)
    names = ["alpha", "bravo", "charlie", "delta"]
    assert status_line.plain(status_line.fit(names, ["3 busy"], snap)) == "alpha +3 more 3 busy"
    assert status_line.fit(names[:2], ["3 busy"], snap) == "alpha bravo 3 busy"
    assert status_line.plain(status_line.fit(["a" * 30], [], snap)) == "+1 more"
    unlimited = status_line.Snapshot({}, {"@q-tmux-status-width": "0"}, alive=True)
    assert status_line.fit(names, [], unlimited) == "alpha bravo charlie delta"
    typo = status_line.Snapshot({}, {"@q-tmux-status-width": "fifty"}, alive=True)
    assert status_line.fit(names, [], typo) == "alpha bravo charlie delta"  # the default, 50
    wide = status_line.Snapshot({}, {"@q-tmux-status-width": "5"}, alive=True)
    assert status_line.width("漢字") == 4
    assert status_line.plain(status_line.fit(["漢字漢字"], [], wide)) == "+1 more"
