"""The tmux vocabulary's pure parts: formats, the ``list-panes -a`` parser, ``$TMUX``."""

from __future__ import annotations

import os

import pytest

from q_tmux.adapters import tmux_vocabulary as vocab

SEP = vocab.SEPARATOR


def pane_line(*values: str) -> str:
    return SEP.join(values)


def test_formats_name_each_field_once() -> None:
    assert vocab.field(vocab.ID_OPTION) == "#{@q-tmux-id}"
    assert vocab.format_of(("window_id", vocab.JUMPED_OPTION)) == (
        f"#{{window_id}}{SEP}#{{@q-tmux-jumped}}"
    )
    args = vocab.list_panes(("@q-tmux-status",))
    assert args[:3] == ["list-panes", "-a", "-F"]
    assert args[3].split(SEP)[0] == "#{@q-tmux-id}"
    assert args[3].split(SEP)[-1] == "#{@q-tmux-status}"
    assert len(args[3].split(SEP)) == len(vocab.PANE_FIELDS) + 1


def test_split_line_refuses_torn_lines() -> None:
    assert vocab.split_line(f"a{SEP}b", 2) == ["a", "b"]
    assert vocab.split_line(f"a{SEP}b", 3) is None
    assert vocab.split_line(f"a{SEP}b{SEP}c", 2) is None


def test_parse_panes_keeps_q_tmux_windows_first_pane_and_the_options() -> None:
    out = "\n".join(
        [
            pane_line("", "@9", "%9", "0", "1", "", "bash", "other", "status text"),  # not ours
            pane_line("s1", "@1", "%1", "0", "100", "?", "q", "app", "status text"),
            pane_line("s1", "@1", "%2", "1", "100", "?", "sh", "app", "status text"),  # 2nd pane
            pane_line("s2", "@2", "%3", "1", "200", "x", "", "app", "status text"),
            "torn" + SEP + "line",
        ]
    )
    panes, options = vocab.parse_panes(out, ("@q-tmux-status",))
    assert options == {"@q-tmux-status": "status text"}
    assert list(panes) == ["s1", "s2"]
    first = panes["s1"]
    assert (first.window_id, first.pane_id, first.dead) == ("@1", "%1", False)
    assert (first.activity, first.mark, first.command, first.tmux_session) == (
        "100",
        "?",
        "q",
        "app",
    )
    assert panes["s2"].dead


def test_parse_panes_of_nothing() -> None:
    assert vocab.parse_panes("") == ({}, {})


def test_values_may_hold_tabs_and_hashes() -> None:
    # The separator is the unit separator, so a tab or a # in a value stays inside it.
    line = pane_line("s1", "@1", "%1", "0", "1", "#[fg=red]?\t", "q", "my\tapp")
    panes, _ = vocab.parse_panes(line)
    assert panes["s1"].mark == "#[fg=red]?\t"
    assert panes["s1"].tmux_session == "my\tapp"


@pytest.mark.parametrize(
    ("tmux", "pane", "socket", "expected_socket", "expected_pane"),
    [
        ("/tmp/tmux-1/default,123,0", "%4", "/tmp/tmux-1/default", "/tmp/tmux-1/default", "%4"),
        ("/tmp/tmux-1/default,123,0", "%4", "/tmp/tmux-1/other", "/tmp/tmux-1/default", None),
        ("/tmp/tmux-1/default,123,0", "", "/tmp/tmux-1/default", "/tmp/tmux-1/default", None),
        ("", "%4", "/tmp/tmux-1/default", None, None),
        (None, None, "/tmp/tmux-1/default", None, None),
    ],
)
def test_where_this_process_runs(
    monkeypatch: pytest.MonkeyPatch,
    tmux: str | None,
    pane: str | None,
    socket: str,
    expected_socket: str | None,
    expected_pane: str | None,
) -> None:
    for name, value in (("TMUX", tmux), ("TMUX_PANE", pane)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert vocab.socket_from_environment() == expected_socket
    assert vocab.pane_inside(socket) == expected_pane


def test_socket_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMUX_TMPDIR", "/run/t")
    monkeypatch.setenv("TMUX", "/tmp/inside,1,0")
    uid = os.geteuid()
    assert vocab.socket_path("work") == f"/run/t/tmux-{uid}/work"
    assert vocab.socket_path() == "/tmp/inside"
    monkeypatch.delenv("TMUX")
    monkeypatch.delenv("TMUX_TMPDIR")
    assert vocab.socket_path() == f"/tmp/tmux-{uid}/default"


def test_attach() -> None:
    assert vocab.attach_argv("/usr/bin/tmux", "/s", "$1") == [
        "/usr/bin/tmux",
        "-S",
        "/s",
        "attach-session",
        "-t",
        "$1",
    ]
    assert vocab.attach_hint("/s", "app") == "tmux -S /s attach -t app"


def test_parse_clients() -> None:
    out = "\n".join(
        [f"/dev/pts/1{SEP}@1{SEP}/dev/pts/1", f"{SEP}@2{SEP}/dev/pts/2", "torn", f"c{SEP}@3{SEP}"]
    )
    assert vocab.list_clients()[:2] == ["list-clients", "-F"]
    assert vocab.parse_clients(out) == [("/dev/pts/1", "@1", "/dev/pts/1"), ("c", "@3", "")]
