"""What ``q-tmux new`` was asked, turned into a session: every decision ``new`` makes.

Whether the session gets a worktree, its name, its base, whether the
repository's setup may run, and which repositories a workspace session spans
are decided here; :func:`q_tmux.sessions.create.create_session` then makes
it, all or nothing. The command line only parses, asks and prints: the person
at the terminal is reached through :class:`Person`, never directly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from q_tmux.adapters.git import Repo
    from q_tmux.adapters.tmux import Tmux
    from q_tmux.sessions.create import Created
    from q_tmux.sessions.workspace import RepoStart, WorkspaceRepo
    from q_tmux.store.config import Config, SetupSettings, TypeSettings

#: Session types started by tools, never by a person who could answer a question.
UNATTENDED_TYPES = ("agent", "delegate")


@dataclass(frozen=True)
class NewArgs:
    """The arguments of ``q-tmux new``, as typed (after ``--ask``'s questions)."""

    name: str | None
    message: str | None
    agent: str | None = None
    base: str | None = None
    #: ``--worktree [BRANCH]``: None when not given, "" without a branch name.
    worktree: str | None = None
    no_worktree: bool = False
    session_type: str | None = None
    trust_setup: bool = False
    keep_on_failure: bool = False
    repos: tuple[str, ...] = ()
    # Fan-out and queued starts (q_tmux.sessions.fanout): every ``--agent`` given, ``--count``,
    # and ``--queue`` (start when ``[limits] max_busy`` allows).
    agents: tuple[str, ...] = ()
    count: int | None = None
    queue: bool = False
    #: ``--with-changes``: move this worktree's uncommitted changes into the session.
    with_changes: bool = False


class Person(Protocol):
    """The person who typed ``new`` at a terminal, when there is one to ask."""

    def confirm(self, question: str, *, default: bool) -> bool:
        """A yes or no answer."""
        ...

    def choose_name(self, suggestion: str, taken: Callable[[str], bool]) -> str:
        """``suggestion`` or a valid name of their own that ``taken`` says is free."""
        ...

    def show(self, line: str) -> None:
        """Something to read before a question."""
        ...


@dataclass
class Started:
    """A session ``new`` made, and whether its type keeps it in the background."""

    created: Created
    detach: bool
    #: Every session made, ``created`` first (more than one for a fan-out).
    group: list[Created] = field(default_factory=list)
    #: The names of those whose agent waits for ``[limits] max_busy`` (queued).
    queued: list[str] = field(default_factory=list)


def wanted_name(name: str | None, message: str | None) -> tuple[str | None, str | None, bool]:
    """The name and first message meant, and whether the name is to be made up.

    No name, or "auto", makes one up from the message; so does a lone argument
    that reads as a message (``q-tmux new "Fix the parser crash on empty input"``).
    """
    from q_tmux.sessions.decisions import looks_like_message

    automatic = name is None or name == "auto" or (message is None and looks_like_message(name))
    if automatic and name not in (None, "auto"):
        return None, name, True
    return (None if automatic else name), message, automatic


def start_new(
    args: NewArgs,
    here: Path,
    tmux: Callable[[], Tmux],
    *,
    person: Person | None,
    note: Callable[[str], None],
    report: Callable[[str], None],
) -> Started:
    """Decide everything ``new`` was left to decide, then make the session in ``here``.

    ``person`` is asked when the configuration leaves a choice open (None: take
    the defaults); ``note`` gets what the user should know, ``report`` setup progress.
    """
    from q_tmux.adapters.tmux import require_tmux
    from q_tmux.agents.launch import resolve_agent
    from q_tmux.errors import UsageError
    from q_tmux.sessions import fanout
    from q_tmux.sessions.create import NewSession
    from q_tmux.sessions.decisions import default_branch
    from q_tmux.sessions.names import check_name
    from q_tmux.sessions.recovery import recover
    from q_tmux.store.config import load_config

    if args.no_worktree and (args.worktree is not None):
        raise UsageError("Choose one of --worktree and --no-worktree.")
    fan = fanout.plan(args.agents, args.count)
    if fan is not None and (args.no_worktree or args.worktree):
        raise UsageError(
            "A fan-out makes a branch and worktree per session: "
            "it cannot go with --no-worktree or --worktree BRANCH."
        )
    name, message, automatic = wanted_name(args.name, args.message)
    if name is not None:
        check_name(name)
    require_tmux()
    recover(note)  # what a killed new, rename or sync left half-made
    if args.session_type in UNATTENDED_TYPES:
        person = None
    repo, members = _repositories(here, args.repos, args.no_worktree)
    if args.with_changes and fan is not None:
        raise UsageError(
            "--with-changes moves the changes into one session, so it cannot go with --count"
            " or a repeated --agent."
        )
    if args.with_changes:
        from q_tmux.sessions.carry import check_can_move

        check_can_move(here, repo, no_worktree=args.no_worktree)
    config = load_config(repo_root=repo.main_worktree if repo else None)
    settings = config.session_type(args.session_type) if args.session_type else None
    resolved = resolve_agent(
        args.agents[0] if args.agents else args.agent, message, config.default_agent
    )
    worktree = _wants_worktree(
        args, here, repo, members, config, settings, resolved.preset, person, note
    )
    prefix = (settings.branch_prefix or "") if settings and worktree else ""
    base_name = None
    taken = free_name = _taken(here, repo, worktree, config, prefix)
    if fan is not None:
        if not worktree:
            raise UsageError(
                "A fan-out makes a worktree per session, but this one would have none."
            )
        free_name = fanout.group_taken(fan, taken)
    if automatic:
        base_name = name_base(message, config)
        name = _choose_name(base_name, free_name, person)
    assert name is not None
    if fan is not None:
        fanout.check_members(fan, name, taken)
    base = args.base
    if base is None and settings is not None and settings.base == "default" and repo is not None:
        base = default_branch(repo)
    setup = config.setup if worktree and repo is not None else None
    if setup is not None and repo is not None:
        _allow_setup(repo.main_worktree, args.trust_setup, person)
    workspace: list[RepoStart] = []
    repo_setups: dict[str, SetupSettings] = {}
    if worktree and repo is None:
        workspace, repo_setups = _workspace(members, base, settings, args.trust_setup, person)
    carrying = contextlib.ExitStack()
    moving = None
    if args.with_changes:
        from q_tmux.sessions.carry import changes_to_move

        assert repo is not None  # check_can_move refused the rest
        moving = carrying.enter_context(changes_to_move(repo, base))
    request = NewSession(
        name=name,
        first_message=message,
        agent=resolved,
        cwd=here,
        repo=repo,
        base=base,
        no_worktree=not worktree,
        branch=(args.worktree or f"{prefix}{name}") if worktree else None,
        session_type=args.session_type,
        temporary=bool(settings and settings.temporary),
        setup=setup,
        keep_on_failure=args.keep_on_failure,
        report=report,
        workspace_root=here if workspace else None,
        workspace=workspace,
        repo_setups=repo_setups,
        # A name the user accepted at the prompt is theirs: a clash is told, not counted up.
        automatic=automatic and person is None,
        name_base=base_name,
        branch_prefix=prefix,
        start_at=moving.head if moving is not None else None,
        seed=moving.plant if moving is not None else None,
        check_out=moving is None or not moving.fills_empty_worktree,
    )
    with carrying:
        made = fanout.make(request, fan, args.queue, tmux(), config, note)
        if moving is not None:
            made.created[0].notes.append(moving.finish_move(made.created[0].record.name))
    return Started(made.created[0], bool(settings and settings.detach), made.created, made.queued)


def _repositories(
    here: Path, wanted: tuple[str, ...], no_worktree: bool
) -> tuple[Repo | None, list[WorkspaceRepo]]:
    """The repository ``here`` is in, else the repositories a folder of them holds."""
    from q_tmux.adapters.git import Repo, require_git
    from q_tmux.adapters.process import find_program
    from q_tmux.errors import NotARepositoryError

    if find_program("git") is None:
        return None, []
    require_git()  # a git too old to trust is an error, not "no repository"
    try:
        repo: Repo | None = Repo.discover(here)
    except NotARepositoryError:  # anything else (a bare repository...) is said, not skipped
        repo = None
    return repo, _workspace_repositories(here, repo, wanted, no_worktree)


def _wants_worktree(
    args: NewArgs,
    here: Path,
    repo: Repo | None,
    members: list[WorkspaceRepo],
    config: Config,
    settings: TypeSettings | None,
    preset: str,
    person: Person | None,
    note: Callable[[str], None],
) -> bool:
    """Whether the session gets a worktree and branch: flags, type, agent, config, or asked."""
    from q_tmux.adapters.git import require_git
    from q_tmux.errors import NotARepositoryError, UsageError
    from q_tmux.sessions.decisions import decide_worktree

    decision = decide_worktree(
        no_worktree=args.no_worktree,
        worktree=args.worktree is not None or args.with_changes,  # it moves changes into one
        session_type=args.session_type,
        type_settings=settings,
        agent=config.agents.get(preset),
        in_repository=repo is not None or bool(members),
        ask=(lambda: person.confirm("Make a worktree and branch for this session?", default=True))
        if person is not None
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
    elif args.repos:
        raise UsageError("--repo makes worktrees, but this session would have none.")
    elif not args.no_worktree:
        note(f"no worktree ({decision.because}): the session runs in {here}.")
    return decision.worktree


def _taken(
    here: Path, repo: Repo | None, worktree: bool, config: Config, prefix: str
) -> Callable[[str], bool]:
    """Whether a name is used by a session, a branch or a path where this session goes."""
    from q_tmux.sessions.decisions import NameTaken

    scope = repo.main_worktree if repo else here
    return NameTaken(
        scope=scope,
        repo=repo if worktree else None,
        worktrees_root=config.worktrees_root(scope) if worktree else None,
        branch_prefix=prefix,
    )


def _workspace(
    members: list[WorkspaceRepo],
    base: str | None,
    settings: TypeSettings | None,
    trust_setup: bool,
    person: Person | None,
) -> tuple[list[RepoStart], dict[str, SetupSettings]]:
    """Where each repository of a workspace session starts, and its allowed setup."""
    from q_tmux.sessions.decisions import default_branch
    from q_tmux.sessions.workspace import check_layout, starts
    from q_tmux.store.config import load_config

    check_layout(members)
    workspace = starts(
        members,
        base,
        default_branch if settings is not None and settings.base == "default" else None,
    )
    repo_setups = {}
    for member in members:
        main = member.repo.main_worktree
        _allow_setup(main, trust_setup, person)
        repo_setups[member.relative] = load_config(repo_root=main).setup
    return workspace, repo_setups


def name_base(message: str | None, config: Config) -> str:
    """The name a first message suggests (the LLM's, else its keywords), before any suffix."""
    from q_tmux.sessions.llm_naming import llm_name
    from q_tmux.sessions.names import keyword_name

    limit = config.naming.max_length
    return llm_name(config.naming.llm, message, limit) or keyword_name(message or "", limit)


def _choose_name(base: str, taken: Callable[[str], bool], person: Person | None) -> str:
    """A free, valid name from ``base``; a person may accept it or type their own."""
    from q_tmux.sessions.names import unique_name

    suggestion = unique_name(base, taken)
    return suggestion if person is None else person.choose_name(suggestion, taken)


def _allow_setup(main_worktree: Path, trust_setup: bool, person: Person | None) -> None:
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
        if person is None:
            raise UsageError(
                f"{config_file} asks to run setup commands you have not allowed yet; "
                "run this once in a terminal to review them, or pass --trust-setup."
            )
        for line in setup_lines(config_file, table):
            person.show(line)
        if not person.confirm("Allow this (until it changes)?", default=False):
            raise UsageError("Not started: its setup was not allowed.")
    trust(config_file, table)


def setup_lines(config_file: Path, table: Mapping[str, Any]) -> list[str]:
    """What a repository's setup asks to do, to review before allowing it."""
    lines = [f"{config_file} asks, for every new worktree:"]
    lines += [f"  run: {command}" for command in table.get("run", [])]
    lines += [f"  env: {key}={value}" for key, value in dict(table.get("env", {})).items()]
    return lines


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
