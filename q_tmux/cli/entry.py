"""The ``q-tmux`` executable: the status line, ``next`` and ``--version`` without click or libtmux.

The first two run on every status refresh and key press, and ``--version`` is
what scripts and the plugin ask first; importing click alone costs several times
a bare Python start. Everything else goes to the click CLI in
:mod:`q_tmux.cli.app`, which imports what each command needs.
The option names parsed here are the click declarations' own (:mod:`q_tmux.cli.fastpath`).
"""

from __future__ import annotations

import sys

from q_tmux.cli.fastpath import (
    APPROVE,
    CLIENT_OPTION,
    CONFLICTS,
    DENY,
    INTERNAL_ERROR,
    LIST,
    MARKUP_OPTION,
    MERGE,
    NEXT,
    PICK,
    PUBLISH_OPTION,
    SOCKET_OPTION,
    STATUS_LINE,
    answer_command,
    next_command,
    status_line_command,
)

FAST_COMMANDS = (STATUS_LINE, NEXT, APPROVE, DENY)
VERSION_OPTION = "--version"


def split_socket_option(args: list[str]) -> tuple[str | None, list[str]] | None:
    """Take ``-L NAME`` out of ``args`` wherever it is (before ``--``); the last one wins.

    Returns the name (None when absent) and the other arguments, or None when
    an ``-L`` lacks its value (click then says so).
    """
    short, long = SOCKET_OPTION
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
        elif arg.startswith(f"{long}="):
            name = arg.split("=", 1)[1]
        elif arg.startswith(short) and len(arg) > len(short):
            name = arg[len(short) :]
        else:
            rest.append(arg)
    return name, rest


def _fast(argv: list[str]) -> int | None:
    """Run ``status-line|next [options]`` or ``--version`` (``-L NAME`` anywhere) directly;
    None for the rest."""
    split = split_socket_option(argv)
    if split is None:
        return None
    socket_name, args = split
    if args == [VERSION_OPTION]:
        from q_tmux import __version__

        print(f"q-tmux, version {__version__}")  # click's version_option words it so
        return 0
    if args[:1] == [CONFLICTS]:
        from q_tmux.cli.conflicts_fast import conflicts_command

        return conflicts_command(args[1:])
    if args[:1] == [MERGE]:  # only its --dry-run: the preview, read-only
        from q_tmux.cli.merge_preview import dry_run_command

        return dry_run_command(args[1:])
    if args and args[0] in LISTING_COMMANDS:
        return _listing(socket_name, args[0], args[1:])
    if not args or args[0] not in FAST_COMMANDS:
        return None
    command, options = args[0], args[1:]
    if command in (APPROVE, DENY):
        return answer_command(socket_name, command, options)
    from q_tmux.adapters import tmux_vocabulary

    socket = tmux_vocabulary.socket_path(socket_name)
    if command == STATUS_LINE:
        flags = set(options)
        if not flags <= {PUBLISH_OPTION, MARKUP_OPTION}:
            return None  # let click explain
        return status_line_command(
            socket, publish=PUBLISH_OPTION in flags, markup=MARKUP_OPTION in flags
        )
    client = None
    if options[:1] == [CLIENT_OPTION] and len(options) == 2:
        client = options[1]
    elif options:
        return None
    return next_command(socket, client)


# -- list and pick: a warm listing without click or libtmux --------------------------------------
LISTING_COMMANDS = (LIST, PICK)


def _listing(socket_name: str | None, command: str, options: list[str]) -> int | None:
    """``list`` and ``pick`` from the session files; None when the click command answers."""
    from q_tmux.cli import list_fast

    if command == LIST:
        return list_fast.list_command(socket_name, options)
    return list_fast.pick_command(socket_name, options)


def skip_the_final_collection() -> None:
    """At exit, let the process's end free its memory without the cycle collector's walk.

    Python's shutdown walks every object left (a command keeps ~18,000 of
    click's, git's and its own) looking for cycles, which cost ``new`` ~30 ms
    after its work was done. Frozen objects are skipped; the memory goes back with
    the process all the same. Registered at exit, not done here, so that tests
    calling :func:`main` many times in one process keep collecting.
    """
    import atexit
    import gc

    atexit.unregister(gc.freeze)  # once, however often main runs in one process
    atexit.register(gc.freeze)


def main() -> int:
    skip_the_final_collection()
    try:
        fast = _fast(sys.argv[1:])
    except KeyboardInterrupt:
        print("q-tmux: interrupted.", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: one line, as the click CLI says it
        import os

        if os.environ.get("Q_TMUX_DEBUG"):
            import traceback

            traceback.print_exc()
        print(
            f"q-tmux: internal error ({type(error).__name__}: {error}); "
            "rerun with Q_TMUX_DEBUG=1 for details and please report it.",
            file=sys.stderr,
        )
        return INTERNAL_ERROR
    if fast is not None:
        return fast
    from q_tmux.cli.app import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
