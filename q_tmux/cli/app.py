"""The ``q-tmux`` command group: it only assembles the commands.

Each command is declared beside its code, in its own module (``q-tmux new`` in
:mod:`q_tmux.cli.new`), and imported only when named, so ``--version``, TAB
completion and each command import what they use and no more. Heavy libraries
(libtmux, plumbum) are imported inside the commands that need them.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from q_tmux import __version__
from q_tmux.cli.common import AppContext
from q_tmux.cli.fastpath import INTERNAL_ERROR, NEXT, SOCKET_OPTION, STATUS_LINE
from q_tmux.errors import QTmuxError

#: Every command: its name and where it is declared (``module:attribute`` in q_tmux.cli).
COMMANDS = {
    "new": "new:new",
    "fork": "fork:fork",
    "list": "list:list_sessions",
    "switch": "switch:switch",
    "close": "close:close",
    "rename": "rename:rename",
    "resume": "resume:resume",
    "merge": "merge:merge_command",
    "sync": "sync:sync",
    "rebase": "rebase:rebase",
    "conflicts": "conflicts:conflicts",
    "cleanup": "cleanup:cleanup_command",
    "rm": "rm:rm_command",
    "disk-usage": "disk_usage:disk_usage",
    STATUS_LINE: "status_line:status_line",
    NEXT: "next:next_",
    "pick": "pick:pick",
    "diff": "diff:diff",
    "doctor": "doctor:doctor",
    "approve": "approve:approve",
    "deny": "approve:deny",
}


def _select_server(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(AppContext).socket_name = value


#: ``-L NAME``, taken before the command and after it (``q-tmux list -L work``).
socket_option = click.option(
    *SOCKET_OPTION,
    "socket_name",
    metavar="NAME",
    expose_value=False,
    callback=_select_server,
    help="tmux server socket name, as tmux -L (default: the server you are in, "
    "else tmux's default).",
)


class QTmuxGroup(click.Group):
    """Imports a command's module when the command is named, and gives it the global options."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        if cmd_name not in self.commands:
            module, attribute = where.split(":")
            command = getattr(importlib.import_module(f"q_tmux.cli.{module}"), attribute)
            if not isinstance(command, click.Command) or command.name != cmd_name:
                raise TypeError(f"q_tmux.cli.{where} is not the click command {cmd_name!r}")
            socket_option(command)  # so -L may follow the command's name too
            self.commands[cmd_name] = command
        return self.commands[cmd_name]


@click.group(cls=QTmuxGroup, context_settings={"help_option_names": ["-h", "--help"]})
@socket_option
@click.version_option(__version__, prog_name="q-tmux")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Run AI coding chat REPLs in parallel, each in its own git worktree and tmux window."""
    ctx.ensure_object(AppContext)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors become one line on stderr and a non-zero exit."""
    try:
        result = cli.main(args=argv, prog_name="q-tmux", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("q-tmux: interrupted.", err=True)
        return 130
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except QTmuxError as error:
        click.echo(f"q-tmux: {error}", err=True)
        return error.exit_code
    except KeyboardInterrupt:
        click.echo("q-tmux: interrupted.", err=True)
        return 130
    except Exception as error:  # a bug: say so in one line, traceback on request
        if os.environ.get("Q_TMUX_DEBUG"):
            import traceback  # only here: its import costs every TAB press otherwise

            traceback.print_exc()
        click.echo(
            f"q-tmux: internal error ({type(error).__name__}: {error}); "
            "rerun with Q_TMUX_DEBUG=1 for details and please report it.",
            err=True,
        )
        return INTERNAL_ERROR
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
