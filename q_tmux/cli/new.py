"""``q-tmux new``: a session in its own worktree, branch and tmux window.

The command parses, asks and prints; what ``new`` decides is in
:mod:`q_tmux.sessions.request`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, client_option, cwd, go_to, note, say
from q_tmux.store.session_types import SESSION_TYPES

if TYPE_CHECKING:
    from q_tmux.adapters.tmux import Tmux, WindowRef
    from q_tmux.sessions.create import Created


def ask_for_session(name: str | None, message: str | None) -> tuple[str | None, str | None] | None:
    """From the plugin's key: a first message, then a name (empty: derive one); None: cancelled."""
    if message is None:
        message = click.prompt("First message (optional)", default="", show_default=False).strip()
    if name is None:
        name = click.prompt(
            "Session name (empty: from the message)", default="", show_default=False
        ).strip()
        if not name and not message:
            return None
    return name or None, message or None


class Terminal:
    """The person at the terminal, as :class:`q_tmux.sessions.request.Person` asks them."""

    def confirm(self, question: str, *, default: bool) -> bool:
        return click.confirm(question, default=default)

    def show(self, line: str) -> None:
        say(line)

    def choose_name(self, suggestion: str, taken: Callable[[str], bool]) -> str:
        """The suggested name, or one of their own that is valid and free."""
        from q_tmux.errors import InvalidNameError
        from q_tmux.sessions.names import check_name

        while True:
            answer = click.prompt("Session name", default=suggestion).strip()
            try:
                check_name(answer)
            except InvalidNameError as error:
                click.echo(str(error), err=True)
                continue
            if answer != suggestion and taken(answer):
                click.echo(
                    f"'{answer}' is already used by a branch, a path or a session.", err=True
                )
                continue
            return answer


def _at_a_terminal(client: str | None) -> bool:
    """A person who can be asked: a terminal on both ends, and not a key binding's run."""
    return client is None and sys.stdin.isatty() and sys.stdout.isatty()


def started_line(created: Created, session_type: str | None, *, queued: bool = False) -> str:
    """The one line that says what ``new`` made and where (``queued``: its agent waits)."""
    info = created.record.worktree_info
    window = created.window
    if created.record.repos:
        starts_text = ", ".join(
            f"{each.workspace_path} from {each.base_branch}" for each in created.record.repos
        )
        where = f"branch {created.record.repos[0].branch} in {starts_text}; folder {info.path}"
    elif info.branch and info.owns_worktree:
        base_text = f"{info.base_branch} ({(info.base_oid or '')[:8]})"
        where = f"branch {info.branch} from {base_text} in {info.path}"
    else:
        where = f"in {info.path} (no worktree)"
    kind = f" ({session_type})" if session_type else ""
    return (
        f"Session '{created.record.name}'{kind} {'queued' if queued else 'started'}: {where}; "
        f"window {window.window_id} "
        f"in tmux session '{window.session_name}', agent {created.record.agent.preset}."
    )


@click.command()
@click.argument("name", required=False)
@click.argument("message", nargs=-1)
@click.option(
    "--agent",
    "agents",
    metavar="PRESET|COMMAND",
    multiple=True,
    help="q, kiro-cli, claude, codex, gemini, aider, shell, or a command line "
    "({prompt} marks where the first message goes). Repeat it to give the task to "
    "several agents, a session each (NAME-claude, NAME-codex).",
)
@click.option(
    "--count",
    type=int,
    metavar="N",
    help="Give the task to N sessions (NAME-1 … NAME-N); with repeated --agent, N of each.",
)
@click.option(
    "--queue",
    is_flag=True,
    help="Start the agent only when [limits] max_busy allows (until then: queued).",
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
@click.option(
    "--with-changes",
    is_flag=True,
    help="Move this worktree's uncommitted and untracked changes into the new session.",
)
@client_option
@click.pass_obj
def new(
    app: AppContext,
    name: str | None,
    message: tuple[str, ...],
    agents: tuple[str, ...],
    count: int | None,
    queue: bool,
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
    with_changes: bool = False,
) -> int:
    """Start a session with an optional first MESSAGE for the agent.

    NAME may be left out, or given as "auto": a name is made from the message.
    A lone argument with spaces is taken as the message:
    q-tmux new "Fix the parser crash on empty input".

    In a folder holding several repositories, the session gets a folder that
    mirrors it, with a worktree and branch in each repository (or each --repo).
    """
    from q_tmux.sessions.request import NewArgs, start_new

    app.client = client
    text = " ".join(message).strip() or None
    if ask:
        asked = ask_for_session(name, text)
        if asked is None:
            return 0
        name, text = asked
    args = NewArgs(
        name,
        text,
        agent=agents[0] if len(agents) == 1 else None,
        agents=agents,
        count=count,
        queue=queue,
        base=base,
        worktree=worktree,
        no_worktree=no_worktree,
        session_type=session_type,
        trust_setup=trust_setup,
        keep_on_failure=keep_on_failure,
        repos=repos,
        with_changes=with_changes,
    )
    person = Terminal() if _at_a_terminal(client) else None
    started = start_new(args, cwd(), app.tmux, person=person, note=note, report=say)
    for created in started.group or [started.created]:
        for line in created.notes:
            note(line)
        say(started_line(created, session_type, queued=created.record.name in started.queued))
    show_window(app.tmux(), started.created.window, detach=detach or started.detach)
    return 0


def show_window(tmux: Tmux, window: WindowRef, *, detach: bool) -> None:
    """Show the new session's window, and have the status line and the watcher told.

    They are told by a process of their own that ``new`` does not wait for
    (attaching replaces this process, so it is started first).
    """
    from q_tmux.sessions.notify import session_changed_soon

    session_changed_soon(window.socket_path)
    go_to(tmux, window, detach=detach)
