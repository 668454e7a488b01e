"""The global ``-L NAME`` anywhere on the line, and ``list`` across tmux servers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.cli.entry import split_socket_option
from tests.conftest import QTmux


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["status-line"], (None, ["status-line"])),
        (["-L", "work", "next"], ("work", ["next"])),
        (["next", "-L", "work", "--client", "c"], ("work", ["next", "--client", "c"])),
        (["status-line", "--tmux", "-Lwork"], ("work", ["status-line", "--tmux"])),
        (["status-line", "--socket-name=work"], ("work", ["status-line"])),
        (["--socket-name", "a", "next", "-L", "b"], ("b", ["next"])),
        (["next", "-L"], None),  # no value: click explains
        (["-L", "a", "new", "x", "--", "-L", "b"], ("a", ["new", "x", "--", "-L", "b"])),
    ],
)
def test_split_socket_option(
    argv: list[str], expected: tuple[str | None, list[str]] | None
) -> None:
    assert split_socket_option(argv) == expected


@pytest.fixture
def other_server(server: Server) -> Iterator[Server]:
    other = Server(socket_name=f"{server.socket_name}-other")
    yield other
    if other.is_alive():
        other.kill()


def test_socket_option_after_the_command(qtmux: QTmux, repo: Path, server: Server) -> None:
    made = qtmux("new", "there", "--detach", "-L", str(server.socket_name), cwd=repo, socket=False)
    assert made.returncode == 0, made.stderr
    assert server.cmd("list-windows", "-a", "-F", "#{window_name}").stdout == ["there"]
    fast = subprocess.run(
        [sys.executable, "-m", "q_tmux", "status-line", "--tmux", "-L", str(server.socket_name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert fast.returncode == 0, fast.stderr


def test_list_under_L_shows_that_servers_sessions_first_and_names_the_others_server(
    qtmux: QTmux, repo: Path, server: Server, other_server: Server
) -> None:
    other = str(other_server.socket_name)
    qtmux.ok("new", "first", "--detach", cwd=repo)
    qtmux.ok("new", "second", "--detach", cwd=repo)
    qtmux.ok("new", "third", "--detach", "-L", other, cwd=repo, socket=False)
    rows = qtmux.ok("list", "-L", other, cwd=repo, socket=False).stdout.splitlines()
    assert rows[0].split()[:2] == ["NAME", "STATUS"]
    assert rows[0].rstrip().endswith("SERVER")
    names = [row.split()[0] for row in rows[1:]]
    assert names == ["third", "first", "second"]
    by_name = {row.split()[0]: row.rstrip() for row in rows[1:]}
    assert by_name["first"].endswith(f"-L {server.socket_name}")
    assert by_name["second"].endswith(f"-L {server.socket_name}")
    assert not by_name["third"].endswith(f"-L {other}")
    listed = qtmux.ok("list", "--json", "-L", other, cwd=repo, socket=False).json()
    assert [item["name"] for item in listed] == ["third", "first", "second"]
    assert [item["server"] for item in listed] == [other, server.socket_name, server.socket_name]
    # Without -L nothing moves and no column is added (listing starts no server).
    plain = qtmux.ok("list", cwd=repo, socket=False).stdout.splitlines()
    assert [row.split()[0] for row in plain[1:]] == ["first", "second", "third"]
    assert "SERVER" not in plain[0]
