"""What the standard-library fast path shares with the click commands: names, and one body.

``status-line`` and ``next`` run on every status refresh and key press, so
:mod:`q_tmux.cli.entry` parses them without click. Their click declarations
(and the global ``-L``) take every command and option name from here, so each
is written once. Standard library only: no click or libtmux.
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
#: The exit status of a bug (sysexits' EX_SOFTWARE), from either path.
INTERNAL_ERROR = 70
ALWAYS_OPTION = "--always"

#: ``conflicts [--json] [--refresh]``: a look when nothing moved reads files and runs no git.
CONFLICTS = "conflicts"
CONFLICTS_OPTIONS = ("--json", "--refresh")

# -- list and pick (their fast bodies: q_tmux.cli.list_fast) --------------------------------
#: ``list [--json] [--refresh]``: a warm listing reads files and asks tmux once per server.
LIST = "list"
JSON_OPTION = "--json"
REFRESH_OPTION = "--refresh"
#: ``pick``: the picker, the input lines of fzf's list (and its reload) and fzf's preview.
PICK = "pick"
NUMBERED_OPTION = "--numbered"
LINES_OPTION = "--lines"
PREVIEW_OPTION = "--preview"

#: The keys of the fzf picker besides Enter (go there), and the q-tmux command each runs.
ACTION_KEYS = {"ctrl-a": "approve", "ctrl-x": "deny", "ctrl-o": "diff", "ctrl-r": "rm"}
PICK_HEADER = (
    "enter: go   ctrl-a: approve   ctrl-x: deny   ctrl-o: diff   ctrl-r: remove   esc: close"
)
#: How fzf's commands run q-tmux again: the interpreter and the server reach fzf's command
#: lines only as environment variables, which the shell expands as single words, so no path
#: is ever spelled in them; ``{1}``, the session name, is quoted by fzf.
_Q = '"$Q_TMUX_PICK_PY" -m q_tmux ${Q_TMUX_PICK_SERVER:+-L "$Q_TMUX_PICK_SERVER"}'
#: fzf's own stdout is the answer's pipe: what a key runs talks to the terminal instead.
_TERMINAL = "exec </dev/tty >/dev/tty 2>&1"
_BACK = "printf '\\n%s' 'Press Enter to go back to the list. '; read -r _"


def fzf_arguments() -> list[str]:
    """fzf's options: the list, the preview, and a binding per action key."""
    reload = f"reload({_Q} {PICK} {LINES_OPTION})"
    arguments = [
        "--delimiter=\t",
        "--with-nth=2..",
        "--no-sort",
        "--layout=reverse",
        "--info=inline",
        "--prompt=session> ",
        f"--header={PICK_HEADER}",
        f"--preview={_Q} {PICK} {PREVIEW_OPTION} {{1}}",
        "--preview-window=down,60%,wrap",
    ]
    for key, verb in ACTION_KEYS.items():
        arguments.append(f"--bind={key}:execute({_TERMINAL}; {_Q} {verb} {{1}}; {_BACK})+{reload}")
    return arguments


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


# -- merge NAME --dry-run (its fast body: q_tmux.cli.merge_preview) --------------------------
#: ``merge NAME --dry-run [--refresh] [--squash|--rebase]``: the preview, without click.
MERGE = "merge"
DRY_RUN_OPTION = "--dry-run"
SQUASH_OPTION = "--squash"
REBASE_OPTION = "--rebase"
