"""The ``q-tmux`` command line. Commands are thin: the work is in the modules they call.

Heavy libraries (libtmux, plumbum, pydantic) are imported inside the commands
that need them, so ``--help`` and the cheap paths stay fast.
"""

from __future__ import annotations

import os
import sys

import click

from q_tmux import __version__
from q_tmux.cli.common import AppContext
from q_tmux.cli.entry import SOCKET_OPTION as SOCKET_OPTION_NAMES
from q_tmux.errors import QTmuxError
from q_tmux.store.session_types import SESSION_TYPES

INTERNAL_ERROR = 70


def _select_server(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(AppContext).socket_name = value


#: ``-L NAME``, taken before the command and after it (``q-tmux list -L work``).
SOCKET_OPTION = click.option(
    *SOCKET_OPTION_NAMES,
    "socket_name",
    metavar="NAME",
    expose_value=False,
    callback=_select_server,
    help="tmux server socket name, as tmux -L (default: the server you are in, "
    "else tmux's default).",
)


class QTmuxGroup(click.Group):
    """Gives every command the global options too, so they may follow the command's name."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        SOCKET_OPTION(cmd)
        super().add_command(cmd, name)


@click.group(cls=QTmuxGroup, context_settings={"help_option_names": ["-h", "--help"]})
@SOCKET_OPTION
@click.version_option(__version__, prog_name="q-tmux")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Run AI coding chat REPLs in parallel, each in its own git worktree and tmux window."""
    ctx.ensure_object(AppContext)


def complete_session_name(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[str]:
    """Shell completion for a NAME argument: the registry read with the standard library."""
    from q_tmux.cli.completion import session_names

    return session_names(incomplete)


CLIENT_OPTION = click.option(
    "--client", metavar="CLIENT", hidden=True, help="The tmux client a key binding ran for."
)


@cli.command()
@click.argument("name", required=False)
@click.argument("message", nargs=-1)
@click.option(
    "--agent",
    metavar="PRESET|COMMAND",
    help="q, kiro-cli, claude, codex, gemini, aider, shell, or a command line "
    "({prompt} marks where the first message goes).",
)
@click.option(
    "--base",
    metavar="BRANCH",
    help="Start from (and later merge into) BRANCH instead of the current branch.",
)
@click.option(
    "--worktree",
    metavar="[BRANCH]",
    is_flag=False,
    flag_value="",
    default=None,
    help="Make a worktree whatever else says; BRANCH names its branch (may hold '/').",
)
@click.option(
    "--no-worktree", is_flag=True, help="Run in the current directory: no branch, no worktree."
)
@click.option(
    "--type",
    "session_type",
    type=click.Choice(SESSION_TYPES),
    help="What kind of work: sets worktree, base, branch prefix and cleanup (see README).",
)
@click.option("-d", "--detach", is_flag=True, help="Do not switch to or attach the new window.")
@click.option("--ask", is_flag=True, help="Ask for the first message and the name (key binding).")
@click.option(
    "--trust-setup",
    is_flag=True,
    help="Allow the repository's .q-tmux.toml setup commands and environment.",
)
@click.option("--keep-on-failure", is_flag=True, help="Keep the session if its setup fails.")
@click.option(
    "--repo",
    "repos",
    metavar="REPO",
    multiple=True,
    help="In a folder of repositories: take only REPO (a path or folder name; repeatable).",
)
@CLIENT_OPTION
@click.pass_obj
def new(
    app: AppContext,
    name: str | None,
    message: tuple[str, ...],
    agent: str | None,
    base: str | None,
    worktree: str | None,
    no_worktree: bool,
    session_type: str | None,
    detach: bool,
    ask: bool,
    trust_setup: bool,
    keep_on_failure: bool,
    repos: tuple[str, ...],
    client: str | None,
) -> int:
    """Start a session with an optional first MESSAGE for the agent.

    NAME may be left out, or given as "auto": a name is made from the message.
    A lone argument with spaces is taken as the message:
    q-tmux new "Fix the parser crash on empty input".

    In a folder holding several repositories, the session gets a folder that
    mirrors it, with a worktree and branch in each repository (or each --repo).
    """
    from q_tmux.cli.new import ask_for_session
    from q_tmux.cli.new import new as run

    app.client = client
    text = " ".join(message).strip() or None
    if ask:
        asked = ask_for_session(name, text)
        if asked is None:
            return 0
        name, text = asked
    return run(
        app,
        name,
        text,
        agent=agent,
        base=base,
        no_worktree=no_worktree,
        worktree=worktree,
        session_type=session_type,
        detach=detach,
        trust_setup=trust_setup,
        keep_on_failure=keep_on_failure,
        repos=repos,
    )


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_(app: AppContext, as_json: bool) -> int:
    """List sessions: status, branch → base, worktree, window, last activity."""
    from q_tmux.cli.list import list_sessions

    return list_sessions(app, as_json=as_json)


@cli.command()
@click.argument("name", shell_complete=complete_session_name)
@click.pass_obj
def switch(app: AppContext, name: str) -> int:
    """Go to session NAME's window."""
    from q_tmux.cli.switch import switch as run

    return run(app, name)


@cli.command()
@click.argument("name", shell_complete=complete_session_name)
@click.pass_obj
def close(app: AppContext, name: str) -> int:
    """Close session NAME's window; keep its worktree, branch and conversation."""
    from q_tmux.cli.close import close as run

    return run(app, name)


@cli.command()
@click.argument("old", shell_complete=complete_session_name)
@click.argument("new")
@click.pass_obj
def rename(app: AppContext, old: str, new: str) -> int:
    """Rename session OLD to NEW: its window, and its branch when it has no upstream."""
    from q_tmux.cli.rename import rename as run

    return run(app, old, new)


@cli.command()
@click.argument("name", required=False, shell_complete=complete_session_name)
@click.option("--all", "all_sessions", is_flag=True, help="Every session that is not running.")
@click.option("-d", "--detach", is_flag=True, help="Do not switch to or attach the window.")
@click.pass_obj
def resume(app: AppContext, name: str | None, all_sessions: bool, detach: bool) -> int:
    """Start NAME's agent again (with its resume flag), e.g. after a tmux restart."""
    from q_tmux.cli.resume import resume as run

    return run(app, name, all_sessions=all_sessions, detach=detach)


@cli.command()
@click.argument("name", required=False, shell_complete=complete_session_name)
@click.option("--squash", is_flag=True, help="One commit on the base instead of a merge commit.")
@click.option("--rebase", is_flag=True, help="Replay the session's commits onto the base.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Show the preview only.")
@click.option("--keep", is_flag=True, help="Keep the window, worktree and branch afterwards.")
@click.option("--commit", is_flag=True, help="Commit the session's uncommitted changes first.")
@click.option("--from-key", is_flag=True, hidden=True, help="Run from the plugin's key.")
@CLIENT_OPTION
@click.pass_obj
def merge(
    app: AppContext,
    name: str | None,
    squash: bool,
    rebase: bool,
    yes: bool,
    dry_run: bool,
    keep: bool,
    commit: bool,
    from_key: bool,
    client: str | None,
) -> int:
    """Merge session NAME (default: this one) into the branch it started from, then clean up.

    Shows a preview first: commits, changed files, uncommitted changes, and the
    conflicts predicted with the base and with every other live session.
    """
    from q_tmux.cli.merge import merge as run
    from q_tmux.errors import UsageError

    if squash and rebase:
        raise UsageError("Choose one of --squash and --rebase.")
    app.client = client
    mode = "squash" if squash else "rebase" if rebase else "merge"
    return run(app, name, mode_name=mode, yes=yes, dry_run=dry_run, keep=keep, commit=commit)


@cli.command()
@click.argument("name", required=False, shell_complete=complete_session_name)
@click.option("--rebase", is_flag=True, help="Rebase the session's branch instead of merging.")
@click.option(
    "--ask-agent", is_flag=True, help="On conflicts, ask the session's agent to fix them."
)
@click.pass_obj
def sync(app: AppContext, name: str | None, rebase: bool, ask_agent: bool) -> int:
    """Bring the base's new commits into session NAME (default: this one)."""
    from q_tmux.cli.sync import sync as run

    return run(app, name, rebase=rebase, ask_agent=ask_agent)


@cli.command()
@click.argument("name", required=False)
@click.option("--onto", metavar="BRANCH", required=True, help="The session's new base branch.")
@click.pass_obj
def rebase(app: AppContext, name: str | None, onto: str) -> int:
    """Give session NAME (default: this one) a new base: replay its commits onto BRANCH.

    Nothing changes when the replay would conflict.
    """
    from q_tmux.cli.rebase import rebase as run

    return run(app, name, onto)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def conflicts(app: AppContext, as_json: bool) -> int:
    """Which live sessions touch the same files, and which would conflict, with a merge order."""
    from q_tmux.cli.conflicts import conflicts as run

    return run(app, as_json=as_json)


@cli.command()
@click.argument("names", nargs=-1, required=False, metavar="")
@click.option("--merged", is_flag=True, help="Sessions whose branch is in its base (squash too).")
@click.option("--older-than", type=float, metavar="DAYS", help="Sessions inactive this long.")
@click.option(
    "--orphans",
    is_flag=True,
    help="Registry entries without a worktree, worktrees without a session, stale records.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Remove even unmerged or changed work, after saving it in an archive ref.",
)
@click.option("--all", "everywhere", is_flag=True, help="Every repository, not only this one.")
@click.pass_obj
def cleanup(
    app: AppContext,
    names: tuple[str, ...],
    everywhere: bool,
    merged: bool,
    older_than: float | None,
    orphans: bool,
    dry_run: bool,
    force: bool,
) -> int:
    """Remove finished sessions (default: --merged --orphans); never loses work without --force."""
    from q_tmux.cli.cleanup import cleanup as run

    return run(
        app,
        merged=merged,
        older_than=older_than,
        orphans=orphans,
        dry_run=dry_run,
        force=force,
        everywhere=everywhere,
        names=names,
    )


@cli.command()
@click.argument("name")
@click.option("--force", is_flag=True, help="Remove even work not in the base, after archiving it.")
@click.option("--dry-run", is_flag=True, help="Say whether it would be removed; remove nothing.")
@click.pass_obj
def rm(app: AppContext, name: str, force: bool, dry_run: bool) -> int:
    """Remove one session: its window, worktree and branch (every repository's in a workspace)."""
    from q_tmux.cli.rm import rm as run

    return run(app, name, force=force, dry_run=dry_run)


@cli.command("disk-usage")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (sizes in bytes).")
@click.pass_obj
def disk_usage(app: AppContext, as_json: bool) -> int:
    """Disk used by each session's worktree and its build outputs, and the total."""
    from q_tmux.cli.disk_usage import disk_usage as run

    return run(app, as_json=as_json)


@cli.command("status-line")
@click.option("--publish", is_flag=True, help="Also push it to tmux (the plugin does this).")
@click.option("--tmux", "markup", is_flag=True, help="Print tmux style markup, not plain text.")
@click.pass_obj
def status_line(app: AppContext, publish: bool, markup: bool) -> int:
    """Which sessions wait (! for approval) and how many are busy."""
    from q_tmux.adapters import tmux_vocabulary
    from q_tmux.cli.entry import status_line_command

    socket = tmux_vocabulary.socket_path(app.socket_name)
    return status_line_command(socket, publish=publish, markup=markup)


@cli.command("next")
@CLIENT_OPTION
@click.pass_obj
def next_(app: AppContext, client: str | None) -> int:
    """Go to the session that has waited longest; run again for the next one."""
    from q_tmux.adapters import tmux_vocabulary
    from q_tmux.tracking import jump

    return jump.main(tmux_vocabulary.socket_path(app.socket_name), client)


@cli.command()
@CLIENT_OPTION
@click.pass_obj
def pick(app: AppContext, client: str | None) -> int:
    """Choose a session from a list and go to it (the plugin shows this in a popup)."""
    from q_tmux.cli.pick import pick as run

    app.client = client
    return run(app)


@cli.command()
@click.pass_obj
def doctor(app: AppContext) -> int:
    """Check tmux, git, the plugin, agents, config and sessions."""
    from q_tmux.cli.doctor import doctor as run

    return run(app)


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
