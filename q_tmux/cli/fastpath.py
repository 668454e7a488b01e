"""What the standard-library fast path shares with the click commands: names, and one body.

``status-line`` and ``next`` run on every status refresh and key press, so
:mod:`q_tmux.cli.entry` parses them without click. Their click declarations
(and the global ``-L``) take every command and option name from here, so each
is written once. Standard library only: no click, libtmux or pydantic.
"""

from __future__ import annotations

#: The global option that picks the tmux server, taken before or after the command.
SOCKET_OPTION = ("-L", "--socket-name")
#: The tmux client a key binding ran for (hidden: the plugin passes it).
CLIENT_OPTION = "--client"

STATUS_LINE = "status-line"
#: ``status-line``'s flags: also push the line to tmux, and print tmux markup.
PUBLISH_OPTION = "--publish"
MARKUP_OPTION = "--tmux"

NEXT = "next"

#: ``approve [--always] [NAME]`` and ``deny [NAME]``: an answer should reach the agent at once.
APPROVE, DENY = "approve", "deny"
ALWAYS_OPTION = "--always"

#: ``conflicts [--json] [--refresh]``: a look when nothing moved reads files and runs no git.
CONFLICTS = "conflicts"
CONFLICTS_OPTIONS = ("--json", "--refresh")


def status_line_command(socket: str, *, publish: bool, markup: bool) -> int:
    """Print the status line (plain, or with tmux markup); ``publish`` also pushes it to tmux."""
    from q_tmux.tracking import status_line

    snap = status_line.snapshot(socket)
    if publish:
        text = status_line.publish(socket, snap)
        if snap.alive:
            from q_tmux.tracking import watchlock

            watchlock.ensure_running(socket, watchlock.named_in(snap.options))
    else:
        text, _ = status_line.render(status_line.sessions_on(socket), snap)
    output = text if markup else status_line.plain(text)
    if output:
        print(output)
    return 0


def next_command(socket: str, client: str | None) -> int:
    """Go to the session that has waited longest (``client``: the key binding's)."""
    from q_tmux.tracking import jump

    return jump.main(socket, client)


def answer_command(socket_name: str | None, command: str, options: list[str]) -> int | None:
    """Run ``approve``/``deny`` with ``options``; None when click should read them (``--help``)."""
    always = command == APPROVE and ALWAYS_OPTION in options
    words = [word for word in options if not (always and word == ALWAYS_OPTION)]
    if len(words) > 1 or any(word.startswith("-") for word in words):
        return None  # let click explain
    import os
    from pathlib import Path

    from q_tmux.adapters.tmux_vocabulary import socket_path
    from q_tmux.errors import QTmuxError
    from q_tmux.sessions import approval

    try:
        here = Path.cwd().resolve()
    except FileNotFoundError:  # removed under us: where the user was still says which session
        here = Path(os.environ.get("PWD") or Path.home())
    socket = socket_path(socket_name) if socket_name is not None else None
    answer = approval.DENY if command == DENY else approval.APPROVE
    answer = approval.ALWAYS if always else answer
    try:
        approval.run(words[0] if words else None, answer, socket=socket, cwd=here)
    except QTmuxError as error:
        import sys

        print(f"q-tmux: {error}", file=sys.stderr)
        return error.exit_code
    return 0
