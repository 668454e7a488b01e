"""``list`` and ``pick`` without click or libtmux: what the user types most, and the
popup's key.

Each returns None, having printed nothing, when it cannot answer as the click
command would (a session file the model must judge, a fact that needs git,
``--refresh``, an option it does not read); :mod:`q_tmux.cli.entry` then runs
the click command. Standard library only (tests/test_startup_imports.py).
"""

from __future__ import annotations

import os
import sys

from q_tmux.adapters import tmuxcmd
from q_tmux.adapters.tmux_vocabulary import socket_path
from q_tmux.cli.fastpath import CLIENT_OPTION, JSON_OPTION, LINES_OPTION, fzf_arguments
from q_tmux.sessions import listing

#: What click would print differently (it strips terminal escapes from what is not a terminal).
_ESCAPE = "\x1b"


def _here() -> str | None:
    try:
        return os.path.realpath(os.getcwd())
    except FileNotFoundError:  # removed under us: the click path knows what to do
        return None


def list_command(socket_name: str | None, options: list[str]) -> int | None:
    """``list [--json]``; None when the click command should answer."""
    if options not in ([], [JSON_OPTION]):
        return None  # --refresh needs git, --help click
    socket = socket_path(socket_name)
    here = _here()
    loaded = listing.load(socket)
    if here is None or loaded is None:
        return None
    listed, problems = loaded
    if socket_name is not None:  # the server asked for first; sort() keeps the rest in order
        listed.sort(key=lambda item: item.socket != socket)
    facts = listing.all_known_facts(listed)
    if facts is None:
        return None
    current = listing.current_session_id(socket, listed, here)
    notes = [f"warning: {problem}" for problem in problems]
    if options:
        out = [listing.render_json(listed, current, facts, listing.pending_requests(listed))]
    else:
        out = listing.render_table(listed, current, facts, socket, chosen=socket_name is not None)
        notes += [f"{item.entry.name}: {item.problem}" for item in listed if item.problem]
    if any(_ESCAPE in line for line in (*out, *notes)):
        return None
    if out:
        print("\n".join(out))
    for note in notes:
        print(f"q-tmux: {note}", file=sys.stderr)
    return 0


def pick_command(socket_name: str | None, options: list[str]) -> int | None:
    """``pick --lines`` (fzf's input and reload) and ``pick [--client C]`` with fzf; None
    for the rest (the numbered list, the preview, ``--help``) and when the click command
    should answer."""
    client = None
    if options[:1] == [CLIENT_OPTION] and len(options) == 2:
        client = options[1]
    elif options not in ([], [LINES_OPTION]):
        return None
    socket = socket_path(socket_name)
    loaded = listing.load(socket)
    if loaded is None:
        return None
    lines = listing.pick_lines(loaded[0])
    if options == [LINES_OPTION]:
        if any(_ESCAPE in line for line in lines):
            return None
        if lines:
            print("\n".join(lines))
        return 0
    fzf = tmuxcmd.find("fzf")
    if fzf is None or not lines or not sys.stdin.isatty():
        return None  # the numbered list, which also says how to start a session
    env = {"Q_TMUX_PICK_PY": sys.executable, "SHELL": "/bin/sh"}
    if socket_name is not None:
        env["Q_TMUX_PICK_SERVER"] = socket_name
    try:
        os.getcwd()
    except FileNotFoundError:  # fzf's commands could not start from a removed folder
        os.chdir(os.path.expanduser("~"))
    try:
        code, out = tmuxcmd.run_on_terminal(fzf, fzf_arguments(), "\n".join(lines) + "\n", env)
    except OSError:  # it could not start: the click command says why
        return None
    name = out.partition("\t")[0].strip()
    if code != 0 or not name:  # Esc, Ctrl-C, or nothing matched
        return 0
    if _switch(socket, client, name):
        return 0
    from q_tmux.cli.pick import go_named  # resume, attach, errors: the click path's work

    return go_named(socket_name, client, name)


def _switch(socket: str, client: str | None, name: str) -> bool:
    """Show session ``name``'s window to ``client`` when it is that simple: one session of
    that name, whose window is on this server. False when the click path should go there."""
    loaded = listing.load(socket)  # again: an action key may have changed them
    if loaded is None or client is None:
        return False
    matches = [item for item in loaded[0] if name in (item.entry.name, item.entry.id)]
    if len(matches) != 1 or matches[0].window is None or matches[0].worktree_missing:
        return False
    found = matches[0]
    if (found.socket or socket) != socket:
        return False
    window = found.window
    assert window is not None
    if tmuxcmd.run(socket, "select-window", "-t", window.window_id)[0] != 0:
        return False  # the click path says why
    tmuxcmd.run(socket, "switch-client", "-c", client, "-t", window.window_id)
    return True
