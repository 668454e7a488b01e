"""Making a session, all or nothing: its place, branch, worktree, setup, record and window.

A session is a name, a working directory (its own worktree and branch, or an
existing directory with ``--no-worktree``), a tmux window running the agent,
``.amazonq/session.json`` in the working directory, and a registry entry
pointing at it. A journal names each part before it is made, so a ``new``
killed midway is finished or undone by :func:`q_tmux.sessions.recovery.recover`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from q_tmux.adapters.git import CommitOid, Repo
from q_tmux.adapters.tmux import Tmux, WindowRef
from q_tmux.agents.launch import Agent
from q_tmux.agents.wiring import agent_files_dir
from q_tmux.errors import (
    NameInUseError,
    NotARepositoryError,
    QTmuxError,
    SessionFileError,
    ToolMissingError,
    UsageError,
)
from q_tmux.sessions.agent_window import (
    existing_files,
    launch_agent,
    record_window,
    remove_new_files,
    remove_tree,
    rmdir_if_empty,
    wire_agent,
)
from q_tmux.sessions.names import check_name, printable, unique_name
from q_tmux.sessions.workspace import RepoStart
from q_tmux.store import journals, registry
from q_tmux.store.config import Config, SetupSettings
from q_tmux.store.journals import step_done
from q_tmux.store.jsonfile import temporary_name_pattern
from q_tmux.store.registry import RegistryEntry
from q_tmux.store.session_file import (
    AgentInfo,
    SessionRecord,
    Status,
    StatusSource,
    WorktreeInfo,
    read_session_file,
    session_file_path,
    write_session_file,
)
from q_tmux.tracking.queue import waiter_command

#: Hidden through info/exclude by exact path: never the user's own ``.amazonq/`` content.
SESSION_FILE = ".amazonq/session.json"


class NameClash(NameInUseError):
    """The session's name (or its branch or folder) is taken; another name may be free."""


@dataclass
class NewSession:
    """What ``q-tmux new`` was asked for."""

    name: str
    first_message: str | None
    agent: Agent
    cwd: Path
    base: str | None = None
    no_worktree: bool = False
    #: The branch to make (default: the name); may hold a prefix such as ``feature/``.
    branch: str | None = None
    session_type: str | None = None
    #: Remove the worktree on close when nothing was committed or changed.
    temporary: bool = False
    #: Files, commands and environment a new worktree gets; None: no setup.
    setup: SetupSettings | None = None
    #: Keep a session whose setup failed (else it is removed).
    keep_on_failure: bool = False
    #: Shows setup progress.
    report: Callable[[str], None] | None = None
    #: A workspace session: the folder of repositories it mirrors, and where each starts.
    workspace_root: Path | None = None
    workspace: list[RepoStart] = field(default_factory=list)
    #: A workspace's setup, per repository (by its path in the workspace).
    repo_setups: dict[str, SetupSettings] = field(default_factory=dict)
    #: The name was made up from the message: on a clash take the next free ``-2``, ``-3``...
    automatic: bool = False
    #: The repository ``cwd`` is in, when the caller found it already (spares a git call).
    repo: Repo | None = None
    #: What an automatic name is counted up from (default: the name itself).
    name_base: str | None = None
    #: Put before an automatic name to make its branch (a session type's ``feature/``).
    branch_prefix: str = ""
    #: The fan-out this session belongs to (see :mod:`q_tmux.sessions.fanout`).
    group: str | None = None
    #: Made queued: its window runs the waiter of :mod:`q_tmux.tracking.queue` until released.
    queued: bool = False
    #: The commit the branch starts at (and is recorded as ``base_oid``) instead of the
    #: base's tip: a fork starts at the forked session's HEAD.
    start_at: CommitOid | None = None
    #: Fills the new worktree right after its checkout, before setup (carried changes);
    #: raising undoes the whole session.
    seed: Callable[[Repo, Path], None] | None = None
    #: False: the worktree is made without files (``--no-checkout``), for ``seed`` to
    #: check them out in one pass instead of HEAD's first and then its own.
    check_out: bool = True


@dataclass
class Created:
    record: SessionRecord
    window: WindowRef
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Checkout:
    """One branch and worktree a new session makes."""

    repo: Repo
    work_dir: Path
    branch: str
    base_branch: str
    base_oid: CommitOid
    #: Where the repository sits in the workspace (workspace sessions only).
    workspace_path: str | None = None


@dataclass(frozen=True)
class Place:
    """Where a new session will live, decided before anything is made."""

    work_dir: Path
    scope: Path  # the repository's main work tree, or the directory: names are unique in it
    repo: Repo | None  # the one repository (None: no repository, or a workspace)
    #: The branches and worktrees to make: one, one per workspace repository, or none.
    checkouts: tuple[Checkout, ...] = ()
    #: ``--no-worktree`` in a repository: the branch checked out there, for the record.
    current_branch: str | None = None

    @property
    def is_workspace(self) -> bool:
        return any(checkout.workspace_path is not None for checkout in self.checkouts)


def _decide_place(request: NewSession, config: Config) -> Place:
    if request.no_worktree:
        return _place_in_directory(request)
    if request.workspace_root is not None:
        return _place_in_workspace(request, request.workspace_root, config)
    return _place_in_new_worktree(request, config)


def _place_in_workspace(request: NewSession, root: Path, config: Config) -> Place:
    """A session folder mirroring the workspace, with a new branch and worktree per repository."""
    _check_name_free(request.name, root)
    if not request.workspace:
        raise NotARepositoryError(f"{root} holds no git repositories to make worktrees of.")
    folder = config.worktrees_root(root) / request.name
    if folder.exists() or folder.is_symlink():
        raise NameClash(f"{folder} already exists; choose another name.")
    branch = request.branch or request.name
    if not request.workspace[0].member.repo.is_valid_branch_name(branch):  # the same in all
        raise UsageError(f"git does not accept {printable(branch)} as a branch name.")
    checkouts = []
    for start in request.workspace:
        member = start.member
        if member.repo.branch_oid(branch) is not None:
            raise NameClash(
                f"A branch named '{branch}' already exists in {member.relative}; "
                "choose another name."
            )
        checkouts.append(
            Checkout(
                member.repo,
                folder / member.relative,
                branch,
                start.base_branch,
                start.base_oid,
                workspace_path=member.relative,
            )
        )
    return Place(folder, root, None, checkouts=tuple(checkouts))


def _place_in_directory(request: NewSession) -> Place:
    """``--no-worktree``: the session lives in the current directory, repository or not."""
    try:
        repo: Repo | None = Repo.discover(request.cwd)
    except (NotARepositoryError, ToolMissingError):  # fine here; a bare repository is not
        repo = None
    scope = repo.main_worktree if repo else request.cwd
    session_file = session_file_path(request.cwd)
    if session_file.exists():
        raise NameInUseError(
            f"{request.cwd} already holds a q-tmux session ({session_file}); "
            "resume it with 'q-tmux resume' or start the new one elsewhere."
        )
    _check_name_free(request.name, scope)
    branch = repo.current_branch() if repo else None
    return Place(request.cwd, scope, repo, current_branch=branch)


def _place_in_new_worktree(request: NewSession, config: Config) -> Place:
    """A new branch from the base and its worktree outside the repository."""
    try:
        repo = request.repo or Repo.discover(request.cwd)
    except NotARepositoryError:
        raise NotARepositoryError(
            f"{request.cwd} is not inside a git repository; "
            "pass --no-worktree to start a session here without a branch."
        ) from None
    _check_name_free(request.name, repo.main_worktree)
    # Both branches in one git call; the rarer questions only when their answer matters.
    current = repo.current_branch() if request.base is None else None
    base_branch = request.base.removeprefix("refs/heads/") if request.base is not None else current
    branch = request.branch or request.name
    oids = repo.branch_oids(*{name for name in (base_branch, branch) if name})
    base_oid = oids.get(base_branch) if base_branch else None
    if base_oid is None and not repo.has_commits():
        raise QTmuxError(
            f"The repository at {repo.toplevel} has no commits yet; "
            "make a first commit before starting a session."
        )
    if request.base is not None:
        if base_oid is None:
            raise UsageError(
                f"There is no local branch {printable(request.base)} to use as the base."
            )
    elif current is None:
        raise UsageError(
            f"HEAD is detached in {repo.toplevel}; pass --base BRANCH to choose "
            "the branch the session starts from and merges back into."
        )
    elif base_oid is None:  # an unborn branch in a repository that has other commits
        raise QTmuxError(f"The current branch '{current}' has no commits yet.")
    assert base_branch is not None  # each way to None was refused above
    assert base_oid is not None
    if request.start_at is not None:
        base_oid = request.start_at
    if not repo.is_valid_branch_name(branch):
        raise UsageError(f"git does not accept {printable(branch)} as a branch name.")
    if branch in oids:
        raise NameClash(f"A branch named '{branch}' already exists; choose another name.")
    work_dir = config.worktrees_root(repo.main_worktree) / request.name
    if work_dir.exists() or work_dir.is_symlink():
        raise NameClash(f"{work_dir} already exists; choose another name.")
    checkout = Checkout(repo, work_dir, branch, base_branch, base_oid)
    return Place(work_dir, repo.main_worktree, repo, checkouts=(checkout,))


def _check_name_free(name: str, scope: Path) -> None:
    entries, _ = registry.load()
    for entry in entries:
        if entry.name == name and Path(entry.repo_root or entry.work_dir) == scope:
            raise NameClash(f"A session named '{name}' already exists for {scope}.")


def create_session(request: NewSession, tmux: Tmux, config: Config) -> Created:
    """Make every part of a session, or, when any step fails, none of them.

    A journal names each part before it is made, so a ``new`` killed midway
    is undone (or, once its agent runs, finished) by :func:`q_tmux.sessions.recovery.recover`.
    """
    check_name(request.name)
    session_id = uuid.uuid4().hex[:12]
    # Choosing the name and claiming it (the journal) is one step for all
    # q-tmux processes: parallel automatic names count up instead of clashing.
    with journals.exclusive("new"):
        place = _claim(request, config)
        journal = journals.begin("new", session_id, **_new_intent(request, place, session_id))
    with journal:
        step_done("new:journal")
        return _create(request, tmux, place, session_id, journal)


def _create(
    request: NewSession, tmux: Tmux, place: Place, session_id: str, journal: journals.Intent
) -> Created:
    record = SessionRecord(
        id=session_id,
        name=request.name,
        first_message=request.first_message,
        session_type=request.session_type,
        agent=AgentInfo(
            preset=request.agent.preset,
            command=request.agent.command,
            resume_command=request.agent.resume_command,
            base_command=request.agent.command,
            base_resume_command=request.agent.resume_command,
        ),
        worktree_info=_worktree_info(request, place),
        repos=[_checkout_info(c) for c in place.checkouts] if place.is_workspace else [],
        group=request.group,
        status=Status.QUEUED if request.queued else Status.STARTING,
        start_typed=request.agent.typed_prompt if request.queued else None,
    )
    file_path = session_file_path(place.work_dir)

    with contextlib.ExitStack() as undo:
        seed = request.seed if place.repo is not None and place.checkouts else None
        # Only a seed can fill a worktree made empty, and it fills one worktree.
        check_out = request.check_out or seed is None or place.is_workspace
        _make_checkouts(place.checkouts, request.name, undo, check_out=check_out)
        if place.checkouts and not place.is_workspace:
            _hide_in_enclosing_repository(place.work_dir.parent)
        if seed is not None and place.repo is not None:
            seed(place.repo, place.work_dir)
        setup_notes = _run_setup(request, place, record)
        step_done("new:setup")
        if not place.checkouts or place.is_workspace:  # in a directory git does not own
            undo.callback(_remove_session_file, file_path)
        journal.record_unsynced(files_before=sorted(existing_files(place.work_dir)))
        wiring = wire_agent(record, place.work_dir, undo)
        journal.record_unsynced(files=wiring.worktree_files)
        step_done("new:wiring")
        repo = place.repo
        if repo is not None:
            for relative in [SESSION_FILE, *wiring.worktree_files]:
                # Its temporaries too, or a status write racing `git worktree remove` would
                # look like the user's untracked file and block it.
                for pattern in (relative, temporary_name_pattern(relative)):
                    repo.exclude(
                        _exclude_pattern(repo, place.work_dir, not request.no_worktree, pattern)
                    )

        def made(window: WindowRef) -> None:
            """The window exists, its agent not yet: the record is written once, whole.

            Hooks and the listing find the session file (with its window) and its
            registry entry before the agent can run a hook.
            """
            journal.record_unsynced(window=_window_fields(window))
            step_done("new:window")
            undo.callback(tmux.kill_window, window.window_id)  # also when typing fails
            record_window(record, window)
            if request.queued:
                record.set_status(Status.QUEUED, StatusSource.PROCESS)
            write_session_file(file_path, record)
            step_done("new:session-file")
            registry.add(_registry_entry(record, place))
            undo.callback(registry.remove, session_id)
            step_done("new:registry")

        window, made_session = launch_agent(
            tmux,
            record,
            place.scope,
            waiter_command() if request.queued else record.agent.command,
            typed=None if request.queued else request.agent.typed_prompt,
            made=made,
        )
        if made_session:
            undo.callback(tmux.kill_session, window.session_id)
        journal.record_unsynced(started=True)
        step_done("new:agent")
        step_done("new:recorded")
        undo.pop_all()
    # The status line and the watcher hear of it from the caller (session_changed), once the
    # window is shown: they can wait, the user should not.
    return Created(record, window, [*request.agent.notes, *setup_notes, *wiring.notes])


def _hide_in_enclosing_repository(worktrees_root: Path) -> None:
    """Keep the worktrees folder out of ``git status`` of a repository it sits in.

    A submodule's worktrees go beside it, inside its superproject's work tree.
    """
    outer = Repo.enclosing(worktrees_root.parent)
    if outer is None:  # in no repository: nothing to hide from
        return
    with contextlib.suppress(ValueError):
        outer.exclude("/" + worktrees_root.relative_to(outer.toplevel).as_posix() + "/")


def _claim(request: NewSession, config: Config) -> Place:
    """Where the session goes, under a name no session, branch, path or running ``new`` has.

    An automatic name that turns out taken moves on to the next free suffix.
    """
    tried: set[str] = set()
    base = request.name_base or request.name
    while True:
        try:
            place = _decide_place(request, config)
            _check_not_claimed(request, place)
            return place
        except NameClash:
            if not request.automatic or len(tried) >= 100:
                raise
            tried.add(request.name)
        old = request.name
        request.name = unique_name(base, tried.__contains__)
        if request.branch == f"{request.branch_prefix}{old}":
            request.branch = f"{request.branch_prefix}{request.name}"


def _check_not_claimed(request: NewSession, place: Place) -> None:
    """Refuse what another ``new``, still running or interrupted, is making."""
    branches = {(str(c.repo.main_worktree), c.branch) for c in place.checkouts}
    for other in journals.pending("new"):
        same_name = other.get("name") == request.name and other.get("scope") == str(place.scope)
        theirs = {(c.get("repo"), c.get("branch")) for c in other.get("checkouts", [])}
        if same_name or branches & theirs or other.get("work_dir") == str(place.work_dir):
            raise NameClash(
                f"Another 'q-tmux new' is making a session named '{request.name}' "
                f"for {place.scope}; choose another name."
            )


def _new_intent(request: NewSession, place: Place, session_id: str) -> dict[str, Any]:
    """Everything a half-made session may hold, for :func:`settle_new` to find."""
    return {
        "id": session_id,
        "name": request.name,
        "scope": str(place.scope),
        "work_dir": str(place.work_dir),
        "owns_session_file": not place.checkouts or place.is_workspace,
        "checkouts": [
            {
                "repo": str(c.repo.main_worktree),
                "branch": c.branch,
                "base_oid": c.base_oid,
                "work_dir": str(c.work_dir),
                "parents": [str(p) for p in reversed(c.work_dir.parents) if not p.exists()],
            }
            for c in place.checkouts
        ],
    }


def _window_fields(window: WindowRef) -> dict[str, str]:
    return {
        "socket_path": window.socket_path,
        "session_name": window.session_name,
        "session_id": window.session_id,
        "window_id": window.window_id,
        "pane_id": window.pane_id,
    }


def settle_new(data: dict[str, Any]) -> str:
    """Finish a ``new`` killed after its agent started; else undo every part it made.

    Nothing the user may have put there since is lost: a branch that moved is
    kept as it is, and a worktree holding anything but q-tmux's files is saved
    in an archive ref before it is removed.
    """
    session_id, name = str(data["id"]), str(data["name"])
    window = data.get("window")
    if data.get("started") and isinstance(window, dict):
        path = session_file_path(Path(str(data["work_dir"])))
        with contextlib.suppress(SessionFileError):  # its file is gone: undo it all instead
            record = read_session_file(path)
            record_window(record, WindowRef(**window))
            write_session_file(path, record)
            return f"finished making session '{name}' (its 'new' was interrupted)."
    if isinstance(window, dict):
        Tmux(socket_path=str(window["socket_path"])).kill_window(str(window["window_id"]))
    registry.remove(session_id)
    work_dir = Path(str(data["work_dir"]))
    files = [str(f) for f in data.get("files") or []]
    before = data.get("files_before")
    if isinstance(before, list):
        remove_new_files(work_dir, {str(f) for f in before})
    remove_tree(agent_files_dir(session_id))
    if data.get("owns_session_file"):
        _remove_own_session_file(session_file_path(work_dir), session_id)
    kept = []
    for checkout in reversed(data.get("checkouts") or []):
        kept += _undo_checkout(checkout, name, [SESSION_FILE, *files])
    done = f"undid the interrupted 'new {name}'"
    return f"{done}; " + "; ".join(kept) + "." if kept else f"{done}."


def _undo_checkout(checkout: dict[str, Any], name: str, ours: list[str]) -> list[str]:
    """Remove one branch and worktree a killed ``new`` made; what was kept, and why."""
    from q_tmux.adapters.git import snapshot_worktree, uncommitted
    from q_tmux.merge.removal import save_archive_ref

    branch, base_oid = str(checkout["branch"]), CommitOid(str(checkout["base_oid"]))
    work_dir = Path(str(checkout["work_dir"]))
    try:
        repo = Repo.discover(Path(str(checkout["repo"])))
    except QTmuxError:
        return [f"its repository {checkout['repo']} is gone"]
    tip = repo.branch_oid(branch)
    if tip is not None and tip != base_oid:
        return [f"kept branch '{branch}' and {work_dir}: the branch has new commits"]
    listed = next((w for w in repo.worktrees() if w.path == work_dir), None)
    notes = []
    if listed is not None:
        changed = [
            path
            for path in uncommitted(repo, work_dir)
            if not any(path == p or fnmatch(path, temporary_name_pattern(p)) for p in ours)
        ]
        if changed or listed.head != base_oid:
            snapshot = snapshot_worktree(repo, work_dir, f"q-tmux: unfinished session {name}")
            ref = save_archive_ref(repo, name, "unfinished", snapshot)
            notes.append(f"saved what {work_dir} held in {ref}")
        repo.remove_worktree(work_dir, force=True)
    repo.prune_worktrees()
    for directory in [work_dir, *map(Path, reversed(checkout.get("parents") or []))]:
        rmdir_if_empty(directory)
    if tip is not None:
        repo.delete_branch(branch, base_oid)
    return notes


def _remove_own_session_file(path: Path, session_id: str) -> None:
    """The session file of a --no-worktree session, when it is this session's."""
    with contextlib.suppress(SessionFileError, OSError):
        if read_session_file(path).id == session_id:
            _remove_session_file(path)


def _worktree_info(request: NewSession, place: Place) -> WorktreeInfo:
    if place.is_workspace:
        # The session folder is q-tmux's, but no repository's: its worktrees are in ``repos``.
        return WorktreeInfo(
            path=str(place.work_dir), owns_worktree=False, workspace_root=str(place.scope)
        )
    if place.checkouts:
        info = _checkout_info(place.checkouts[0])
        info.is_temporary = request.temporary
        return info
    return WorktreeInfo(
        path=str(place.work_dir),
        branch=place.current_branch,
        repo_root=str(place.repo.main_worktree) if place.repo else None,
        owns_worktree=False,
    )


def _checkout_info(checkout: Checkout) -> WorktreeInfo:
    return WorktreeInfo(
        path=str(checkout.work_dir),
        branch=checkout.branch,
        repo_root=str(checkout.repo.main_worktree),
        base_branch=checkout.base_branch,
        base_oid=checkout.base_oid,
        merge_target=checkout.base_branch,
        workspace_path=checkout.workspace_path,
    )


def _make_checkouts(
    checkouts: tuple[Checkout, ...], name: str, undo: contextlib.ExitStack, *, check_out: bool
) -> None:
    """Every branch and worktree, each undone by ``undo`` unless it is popped.

    The worktrees of a workspace's repositories are checked out side by side:
    each is its own repository, and checking out files is most of the time.
    """
    for checkout in checkouts:
        repo = checkout.repo
        repo.create_branch(checkout.branch, checkout.base_oid, f"q-tmux: session {name}")
        undo.callback(repo.delete_branch, checkout.branch, checkout.base_oid)
        step_done("new:branch")
        for made in _make_parents(checkout.work_dir):
            undo.callback(rmdir_if_empty, made)
        undo.callback(_remove_worktree, checkout.repo, checkout.work_dir)
    if len(checkouts) <= 1:
        for checkout in checkouts:
            checkout.repo.add_worktree(checkout.work_dir, checkout.branch, check_out=check_out)
        step_done("new:worktree")
        return
    from concurrent.futures import ThreadPoolExecutor  # workspaces only: not every new's cost

    with ThreadPoolExecutor(max_workers=min(len(checkouts), 8)) as pool:
        adding = [pool.submit(c.repo.add_worktree, c.work_dir, c.branch) for c in checkouts]
    for added in adding:
        added.result()  # the first failure, once all are done, so undo finds them all
    step_done("new:worktree")


def _run_setup(request: NewSession, place: Place, record: SessionRecord) -> list[str]:
    """Each worktree's setup; a failure removes the half-made session unless kept."""
    from q_tmux.sessions.setup import SetupFailed, agent_env, prepare

    notes: list[str] = []
    for checkout in place.checkouts:
        setup = (
            request.repo_setups.get(checkout.workspace_path)
            if checkout.workspace_path is not None
            else request.setup
        )
        if setup is None:
            continue
        main = checkout.repo.main_worktree
        record.agent.env.update(agent_env(setup, checkout.work_dir, request.name, main))
        try:
            notes += prepare(
                setup,
                work_dir=checkout.work_dir,
                main_worktree=main,
                name=request.name,
                report=request.report or (lambda _line: None),
            )
        except SetupFailed as error:
            if not request.keep_on_failure:
                raise SetupFailed(
                    f"{error} The session was not made (--keep-on-failure keeps it)."
                ) from None
            notes.append(f"{error} Kept the session anyway (--keep-on-failure).")
    return notes


def _exclude_pattern(repo: Repo, work_dir: Path, owns_worktree: bool, relative: str) -> str:
    """The info/exclude line for ``relative`` (a file in ``work_dir``).

    Patterns in info/exclude are relative to each worktree's top: a worktree
    session's files sit below its top, a --no-worktree one's may be deeper.
    """
    top = work_dir if owns_worktree else repo.toplevel
    return "/" + (work_dir / relative).relative_to(top).as_posix()


def _make_parents(path: Path) -> list[Path]:
    """Create ``path``'s missing parent directories; return them, outermost first."""
    missing = [p for p in reversed(path.parents) if not p.exists()]
    for directory in missing:
        directory.mkdir()
    return missing


def _remove_worktree(repo: Repo, path: Path) -> None:
    # Only ever called to undo a worktree made moments ago in this same call.
    if path.exists():
        repo.remove_worktree(path, force=True)
    repo.prune_worktrees()


def _remove_session_file(path: Path) -> None:
    path.unlink(missing_ok=True)
    rmdir_if_empty(path.parent)  # only when q-tmux's file was all it held


def _registry_entry(record: SessionRecord, place: Place) -> RegistryEntry:
    return RegistryEntry(
        id=record.id,
        name=record.name,
        work_dir=str(place.work_dir),
        repo_root=str(place.scope),
    )
