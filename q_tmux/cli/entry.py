"""The ``q-tmux`` executable: the status line and ``next`` without click or libtmux.

Those two run on every status refresh and key press; everything else goes
to the click CLI in :mod:`q_tmux.cli.app`, which imports what each command needs.
"""

from __future__ import annotations

import sys

FAST_COMMANDS = ("status-line", "next")
#: The global option that picks the tmux server; cli.py declares it with these names.
SOCKET_OPTION = ("-L", "--socket-name")


def split_socket_option(args: list[str]) -> tuple[str | None, list[str]] | None:
    """Take ``-L NAME`` out of ``args`` wherever it is (before ``--``); the last one wins.

    Returns the name (None when absent) and the other arguments, or None when
    an ``-L`` lacks its value (click then says so).
    """
    name: str | None = None
    rest: list[str] = []
    items = iter(args)
    for arg in items:
        if arg == "--":
            rest += [arg, *items]
            break
        if arg in SOCKET_OPTION:
            value = next(items, None)
            if value is None:
                return None
            name = value
        elif arg.startswith("--socket-name="):
            name = arg.split("=", 1)[1]
        elif arg.startswith("-L") and len(arg) > 2:
            name = arg[2:]
        else:
            rest.append(arg)
    return name, rest


def _fast(argv: list[str]) -> int | None:
    """Run ``status-line|next [options]`` (``-L NAME`` anywhere) directly; None for the rest."""
    split = split_socket_option(argv)
    if split is None:
        return None
    socket_name, args = split
    if not args or args[0] not in FAST_COMMANDS:
        return None
    command, options = args[0], args[1:]
    from q_tmux.adapters import tmuxcmd

    socket = tmuxcmd.socket_path(socket_name)
    if command == "status-line":
        flags = set(options)
        if not flags <= {"--publish", "--tmux"}:
            return None  # let click explain
        return status_line_command(socket, publish="--publish" in flags, markup="--tmux" in flags)
    client = None
    if options[:1] == ["--client"] and len(options) == 2:
        client = options[1]
    elif options:
        return None
    from q_tmux.tracking import jump

    return jump.main(socket, client)


def status_line_command(socket: str, *, publish: bool, markup: bool) -> int:
    """Print the status line (plain, or with tmux markup); ``publish`` also pushes it to tmux."""
    from q_tmux.tracking import status_line

    snap = status_line.snapshot(socket)
    if publish:
        text = status_line.publish(socket, snap)
        if snap.alive:
            from q_tmux.tracking import watchlock

            watchlock.ensure_running(socket, snap.options.get(watchlock.WATCHER_OPTION, ""))
    else:
        text, _ = status_line.render(status_line.sessions_on(socket), snap)
    output = text if markup else status_line.plain(text)
    if output:
        print(output)
    return 0


def main() -> int:
    fast = _fast(sys.argv[1:])
    if fast is not None:
        return fast
    from q_tmux.cli.app import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
