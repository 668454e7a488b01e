"""``q-tmux new``: a session in its own worktree, branch and tmux window."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from q_tmux.cli.common import AppContext, client_option, cwd, go_to, note, say
from q_tmux.store.session_types import SESSION_TYPES

if TYPE_CHECKING:
    from q_tmux.adapters.git import Repo
    from q_tmux.sessions.workspace import RepoStart, WorkspaceRepo
    from q_tmux.store.config import Config, SetupSettings


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


def _interactive(client: str | None, session_type: str | None) -> bool:
    """A person at a terminal who can be asked (never from a key binding or for tools)."""
    return (
        client is None
        and session_type not in ("agent", "delegate")
        and sys.stdin.isatty()
        and sys.stdout.isatty()
    )


def name_base(message: str | None, config: Config) -> str:
    """The name a first message suggests (the LLM's, else its keywords), before any suffix."""
    from q_tmux.sessions.llm_naming import llm_name
    from q_tmux.sessions.names import keyword_name

    limit = config.naming.max_length
    return llm_name(config.naming.llm, message, limit) or keyword_name(message or "", limit)


def choose_name(base: str, taken: Callable[[str], bool], interactive: bool) -> str:
    """A free, valid name from ``base`` (see :func:`name_base`).

    In a terminal the suggestion is offered to accept or replace.
    """
    from q_tmux.errors import InvalidNameError
    from q_tmux.sessions.names import check_name, unique_name

    suggestion = unique_name(base, taken)
    if not interactive:
        return suggestion
    while True:
        answer = click.prompt("Session name", default=suggestion).strip()
        try:
            check_name(answer)
        except InvalidNameError as error:
            click.echo(str(error), err=True)
            continue
        if answer != suggestion and taken(answer):
            click.echo(f"'{answer}' is already used by a branch, a path or a session.", err=True)
            continue
        return answer


def _allow_setup(main_worktree: Path, trust_setup: bool, interactive: bool) -> None:
    """Refuse a repository's setup commands and environment until the user allowed them."""
    from q_tmux.errors import UsageError
    from q_tmux.sessions.setup import is_trusted, needs_trust, trust
    from q_tmux.store.config import REPO_CONFIG, repo_setup_table

    table = repo_setup_table(main_worktree)
    if table is None or not needs_trust(table):
        return
    config_file = main_worktree / REPO_CONFIG
    if is_trusted(config_file, table):
        return
    if not trust_setup:
        if not interactive:
            raise UsageError(
                f"{config_file} asks to run setup commands you have not allowed yet; "
                "run this once in a terminal to review them, or pass --trust-setup."
            )
        say(f"{config_file} asks, for every new worktree:")
        for command in table.get("run", []):
            say(f"  run: {command}")
        for key, value in dict(table.get("env", {})).items():
            say(f"  env: {key}={value}")
        if not click.confirm("Allow this (until it changes)?", default=False):
            raise UsageError("Not started: its setup was not allowed.")
    trust(config_file, table)


def _workspace_repositories(
    here: Path, repo: Repo | None, wanted: tuple[str, ...], no_worktree: bool
) -> list[WorkspaceRepo]:
    """The repositories a session in ``here`` spans when ``here`` is a folder of them."""
    from q_tmux.errors import NotARepositoryError, UsageError
    from q_tmux.sessions.workspace import find_repositories, select

    if wanted and no_worktree:
        raise UsageError("--repo makes worktrees; it cannot go with --no-worktree.")
    if repo is not None:
        if wanted:
            raise UsageError(
                f"--repo picks repositories in a folder of them, but {here} is inside "
                f"the repository {repo.toplevel}."
            )
        return []
    if no_worktree:
        return []
    members = find_repositories(here)
    if wanted and not members:
        raise NotARepositoryError(
            f"{here} is not a git repository and holds none, so --repo has nothing to pick."
        )
    return select(members, wanted)


@click.command()
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
@client_option
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


def run(
    app: AppContext,
    name: str | None,
    message: str | None,
    *,
    agent: str | None,
    base: str | None,
    no_worktree: bool,
    worktree: str | None,
    session_type: str | None,
    detach: bool,
    trust_setup: bool = False,
    keep_on_failure: bool = False,
    repos: tuple[str, ...] = (),
) -> int:
    from q_tmux.adapters.git import Repo, require_git
    from q_tmux.adapters.process import find_program
    from q_tmux.adapters.tmux import require_tmux
    from q_tmux.agents import resolve_agent
    from q_tmux.errors import NotARepositoryError, UsageError
    from q_tmux.sessions.decisions import (
        NameTaken,
        decide_worktree,
        default_branch,
        looks_like_message,
    )
    from q_tmux.sessions.lifecycle import NewSession, create_session
    from q_tmux.sessions.names import check_name
    from q_tmux.sessions.workspace import check_layout, starts
    from q_tmux.store.config import load_config
    from q_tmux.store.journals import recover

    if no_worktree and (worktree is not None):
        raise UsageError("Choose one of --worktree and --no-worktree.")
    automatic = name is None or name == "auto" or (message is None and looks_like_message(name))
    if automatic and name not in (None, "auto"):
        name, message = None, name  # q-tmux new "Fix the parser crash on empty input"
    elif not automatic:
        assert name is not None
        check_name(name)
    require_tmux()
    recover(note)  # what a killed new, rename or sync left half-made
    here = cwd()
    repo: Repo | None = None
    members: list[WorkspaceRepo] = []
    if find_program("git") is not None:
        require_git()  # a git too old to trust is an error, not "no repository"
        try:
            repo = Repo.discover(here)
        except NotARepositoryError:  # anything else (a bare repository...) is said, not skipped
            repo = None
        members = _workspace_repositories(here, repo, repos, no_worktree)
    config = load_config(repo_root=repo.main_worktree if repo else None)
    settings = config.session_type(session_type) if session_type else None
    resolved = resolve_agent(agent, message, config.default_agent)
    interactive = _interactive(app.client, session_type)
    decision = decide_worktree(
        no_worktree=no_worktree,
        worktree=worktree is not None,
        session_type=session_type,
        type_settings=settings,
        agent=config.agents.get(resolved.preset),
        in_repository=repo is not None or bool(members),
        ask=(lambda: click.confirm("Make a worktree and branch for this session?", default=True))
        if interactive
        else None,
        config=config,
    )
    if decision.worktree:
        require_git()
        if repo is None and not members:
            raise NotARepositoryError(
                f"{here} is not inside a git repository; "
                "pass --no-worktree to start a session here without a branch."
            )
    elif repos:
        raise UsageError("--repo makes worktrees, but this session would have none.")
    elif not no_worktree:
        note(f"no worktree ({decision.because}): the session runs in {here}.")
    prefix = (settings.branch_prefix or "") if settings and decision.worktree else ""
    base_name = None
    if automatic:
        scope = repo.main_worktree if repo else here
        taken = NameTaken(
            scope=scope,
            repo=repo if decision.worktree else None,
            worktrees_root=config.worktrees_root(scope) if decision.worktree else None,
            branch_prefix=prefix,
        )
        base_name = name_base(message, config)
        name = choose_name(base_name, taken, interactive)
    assert name is not None
    if base is None and settings is not None and settings.base == "default" and repo is not None:
        base = default_branch(repo)
    setup = config.setup if decision.worktree and repo is not None else None
    if setup is not None and repo is not None:
        _allow_setup(repo.main_worktree, trust_setup, interactive)
    workspace: list[RepoStart] = []
    repo_setups: dict[str, SetupSettings] = {}
    if decision.worktree and repo is None:
        check_layout(members)
        workspace = starts(
            members,
            base,
            default_branch if settings is not None and settings.base == "default" else None,
        )
        for member in members:
            main = member.repo.main_worktree
            _allow_setup(main, trust_setup, interactive)
            repo_setups[member.relative] = load_config(repo_root=main).setup
    request = NewSession(
        name=name,
        first_message=message,
        agent=resolved,
        cwd=here,
        base=base,
        no_worktree=not decision.worktree,
        branch=(worktree or f"{prefix}{name}") if decision.worktree else None,
        session_type=session_type,
        temporary=bool(settings and settings.temporary),
        setup=setup,
        keep_on_failure=keep_on_failure,
        report=say,
        workspace_root=here if workspace else None,
        workspace=workspace,
        repo_setups=repo_setups,
        # A name the user accepted at the prompt is theirs: a clash is told, not counted up.
        automatic=automatic and not interactive,
        name_base=base_name,
        branch_prefix=prefix,
    )
    created = create_session(request, app.tmux(), config)
    for line in created.notes:
        note(line)
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
    say(
        f"Session '{name}'{kind} started: {where}; window {window.window_id} "
        f"in tmux session '{window.session_name}', agent {created.record.agent.preset}."
    )
    go_to(app.tmux(), window, detach=detach or bool(settings and settings.detach))
    return 0
