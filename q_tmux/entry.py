"""The ``q-tmux`` executable: the status line and ``next`` without click or libtmux.

Those two run on every status refresh and key press; everything else goes
to the click CLI in :mod:`q_tmux.cli`, which imports what each command needs.
"""

from __future__ import annotations

import sys

FAST_COMMANDS = ("status-line", "next")


def _fast(argv: list[str]) -> int | None:
    """Run ``[-L NAME] status-line|next [options]`` directly; None for anything else."""
    socket_name = None
    args = list(argv)
    if args[:1] in (["-L"], ["--socket-name"]) and len(args) >= 2:
        socket_name, args = args[1], args[2:]
    elif args and args[0].startswith("--socket-name="):
        socket_name, args = args[0].split("=", 1)[1], args[1:]
    if not args or args[0] not in FAST_COMMANDS:
        return None
    command, options = args[0], args[1:]
    from q_tmux import tmuxcmd

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
    from q_tmux import jump

    return jump.main(socket, client)


def status_line_command(socket: str, *, publish: bool, markup: bool) -> int:
    """Print the status line (plain, or with tmux markup); ``publish`` also pushes it to tmux."""
    from q_tmux import status_line

    snap = status_line.snapshot(socket)
    if publish:
        text = status_line.publish(socket, snap)
        if snap.alive:
            from q_tmux import watchlock

            watchlock.ensure_running(socket)
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
    from q_tmux.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
