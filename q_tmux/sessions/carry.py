"""Carrying uncommitted changes into a new session: ``fork`` and ``new --with-changes``.

A worktree's state is read as three things: its HEAD, its index as a tree
(what is staged) and its files as a tree (tracked, changed and untracked;
ignored files are left out), all through a scratch copy of its index, so the
worktree itself is not written. The new worktree starts at that HEAD, gets
those files and that index (staged stays staged, unstaged stays unstaged,
untracked stays untracked), and is read back: the session is made only when
its trees equal the source's. ``new --with-changes`` then puts the source back
to its HEAD, and git refuses that (changing nothing) for any file that
changed since it was read, so the changes are never in neither place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from q_tmux.errors import QTmuxError, UsageError

if TYPE_CHECKING:
    from q_tmux.adapters.git import CommitOid, Planted, Repo, WorktreeTrees
    from q_tmux.adapters.tmux import Tmux
    from q_tmux.agents.launch import Agent
    from q_tmux.sessions.create import Created
    from q_tmux.store.config import Config, SetupSettings
    from q_tmux.store.session_file import SessionRecord

#: Put after the forked session's name when the fork is not named.
FORK_SUFFIX = "-fork"


#: The hook ``git worktree add`` runs after checking out; made empty, it runs none.
POST_CHECKOUT_HOOK = "post-checkout"


class CarryError(QTmuxError):
    """The changes could not be carried; nothing was made and the source is as it was."""


# --- decisions (pure) ---


def fork_name_base(name: str) -> str:
    """What an unnamed fork of ``name`` is called (``-2``, ``-3``... when taken)."""
    return f"{name}{FORK_SUFFIX}"


def fork_refusal(
    name: str,
    *,
    worktree_missing: bool,
    owns_worktree: bool,
    workspace: bool,
    operation: str | None,
    work_dir: Path,
) -> str | None:
    """Why session ``name`` cannot be forked (one sentence), or None when it can."""
    if worktree_missing:
        return f"Session '{name}' cannot be forked: its worktree {work_dir} is gone."
    if workspace:
        return f"Session '{name}' spans several repositories; fork works on one worktree."
    if not owns_worktree:
        return (
            f"Session '{name}' runs in {work_dir} without a worktree of its own; "
            "fork starts from a session's branch and worktree."
        )
    if operation is not None:
        return (
            f"Session '{name}' cannot be forked while a {operation} is under way "
            f"in {work_dir}; finish or abort it first."
        )
    return None


def fork_message(name: str, branch: str | None, head: str, task: str | None) -> str:
    """The first message of a fork whose agent cannot continue a copy of the conversation."""
    where = f"branch {branch} at {head[:8]}" if branch else f"commit {head[:8]}"
    text = (
        f"This session is a fork of session '{name}' ({where}): its uncommitted changes "
        "are in this worktree too."
    )
    return f"{text} Its task was: {task}" if task else text


def mismatch(expected: WorktreeTrees, found: Planted) -> str | None:
    """What differs between the source's trees and the copy's, or None when they are equal."""
    differs = [
        what
        for what, same in (
            ("HEAD", expected.head == found.head),
            ("staged changes", expected.staged == found.staged),
            ("files", found.files_match),
        )
        if not same
    ]
    return " and ".join(differs) if differs else None


@dataclass(frozen=True)
class ForkAgent:
    """How a fork's agent starts: the agent, and the first message recorded for it."""

    agent: Agent
    first_message: str | None
    #: The conversation file to put in place for the new worktree (a continued copy).
    conversation_file: str | None = None


def fork_agent(
    record: SessionRecord,
    message: str,
    resolve: Callable[[str, str], Agent],
    exists: Callable[[str], bool] = os.path.exists,
) -> ForkAgent:
    """The forked session's agent: a copy of its conversation where the agent can fork one.

    Otherwise the same agent starts fresh with ``message`` (``resolve`` makes a
    preset's agent); a custom command line is started as it was given, without
    a message, since where it takes one is not known any more.
    """
    from q_tmux.agents import catalog
    from q_tmux.agents.launch import PRESETS, Agent

    info = record.agent
    spec = catalog.get(info.preset)
    preset = PRESETS.get(info.preset)
    conversation, kept_in = info.conversation_id, info.conversation_file
    if (
        spec is not None
        and spec.fork_args
        and preset is not None
        and conversation
        and kept_in
        and exists(kept_in)
    ):
        start = [preset.executable, *preset.args]
        return ForkAgent(
            Agent(
                info.preset, [*start, *spec.fork_args(conversation)], [*start, *preset.resume_args]
            ),
            record.first_message,
            info.conversation_file,
        )
    if info.preset in PRESETS or info.preset == "shell":
        return ForkAgent(resolve(info.preset, message), message)
    command = info.base_resume_command or info.resume_command
    note = f"'{command[0]}' is a custom command: the fork starts it without a first message."
    return ForkAgent(Agent(info.preset, command, command, None, [note]), message)


# --- reading, planting and cleaning worktrees ---


@dataclass(frozen=True)
class Captured:
    """A source worktree's state, read without writing to it."""

    repo: Repo
    worktree: Path
    trees: WorktreeTrees
    #: Scratch copy of its index, holding ``trees.files`` with fresh stat data.
    scratch_index: Path
    #: Its real index as it was read (None: it had none), to tell whether it moved since.
    index_bytes: bytes | None
    #: Whether :meth:`plant` checks the files out into a worktree made without any
    #: (one pass instead of two); not when that would skip a ``post-checkout`` hook.
    fills_empty_worktree: bool = False

    @property
    def head(self) -> CommitOid:
        return self.trees.head

    def plant(self, repo: Repo, work_dir: Path) -> None:
        """Give the new worktree these changes, then check it holds exactly them."""
        from q_tmux.adapters.git import check_planted, plant_trees

        assert self.trees.staged is not None  # refused when reading
        plant_trees(repo, work_dir, self.trees.files, checked_out=not self.fills_empty_worktree)
        with tempfile.TemporaryDirectory(prefix="q-tmux-carry-") as scratch:
            found = check_planted(repo, work_dir, self.trees.staged, Path(scratch) / "index")
        differs = mismatch(self.trees, found)
        if differs is not None:
            raise CarryError(
                f"The copy of {self.worktree}'s changes in {work_dir} differs in its {differs}; "
                "nothing was made."
            )

    def clean_source(self) -> str | None:
        """Put the source back to its HEAD; None when done, else why it was left as it is."""
        from q_tmux.adapters.git import restore_head_files

        refused = restore_head_files(
            self.repo, self.scratch_index, self.trees.files, self.index_bytes
        )
        if refused is not None:
            return f"{self.worktree} was left as it is ({refused})"
        return None

    def finish_move(self, new_name: str) -> str:
        """Clean the source once the session holding the copy is made; what to tell the user."""
        problem = self.clean_source()
        if problem is None:
            return f"moved the uncommitted changes of {self.worktree} into session '{new_name}'."
        return (
            f"copied the uncommitted changes into session '{new_name}', but {problem}: "
            "both now hold them."
        )


@contextlib.contextmanager
def capture(repo: Repo, *, what: str) -> Iterator[Captured]:
    """The state of the worktree ``repo`` was found in, for the ``with`` block.

    ``what`` names the worktree in refusals.
    A conflict (unmerged paths) is refused: no tree can hold it.
    """
    from q_tmux.adapters.git import index_bytes, read_worktree_trees

    with tempfile.TemporaryDirectory(prefix="q-tmux-carry-") as scratch:
        index = Path(scratch) / "index"
        worktree = repo.toplevel
        before = index_bytes(repo)
        trees = read_worktree_trees(repo, worktree, index)
        if trees.staged is None:
            raise CarryError(
                f"{what} has unresolved conflicts in {worktree}; resolve them "
                "(git add or git checkout) first."
            )
        if trees.embedded:
            raise CarryError(
                f"{what} holds git repositories that are not submodules "
                f"({', '.join(trees.embedded[:3])}) in {worktree}, whose files cannot be "
                "carried; move them out or list them in .gitignore first."
            )
        yield Captured(
            repo,
            worktree,
            trees,
            index,
            before,
            fills_empty_worktree=not repo.runs_hook(POST_CHECKOUT_HOOK),
        )


# --- the commands ---


def check_can_move(here: Path, repo: Repo | None, *, no_worktree: bool) -> None:
    """Refuse ``--with-changes`` where there is nothing to move them from or into."""
    if no_worktree:
        raise UsageError(
            "--with-changes moves changes into the new session's worktree; "
            "it cannot go with --no-worktree."
        )
    if repo is None:
        raise UsageError(
            f"--with-changes moves the changes of the git worktree you are in, but {here} "
            "is not inside a git repository."
        )


@contextlib.contextmanager
def changes_to_move(repo: Repo, base: str | None) -> Iterator[Captured]:
    """The current worktree's changes, for ``new --with-changes`` to start a session with.

    The session starts at this worktree's HEAD, so its base (``base``, else
    the branch checked out here) must be there too.
    """
    from q_tmux.adapters.git import operation_under_way

    operation = operation_under_way(repo)
    if operation is not None:
        raise UsageError(
            f"A {operation} is under way in {repo.toplevel}; finish or abort it "
            "before moving its changes."
        )
    with capture(repo, what="This worktree") as captured:
        branch = base.removeprefix("refs/heads/") if base else repo.current_branch()
        if branch is not None:  # on a detached HEAD without --base, new refuses by itself
            refuse_mismatched_start(captured.head, repo.branch_oid(branch), branch)
        yield captured


def fork_session(
    name: str, new_name: str | None, here: Path, tmux: Tmux, note: Callable[[str], None]
) -> Created:
    """Make session ``new_name`` (default ``NAME-fork``) from session ``name``'s worktree.

    It starts at ``name``'s HEAD with its uncommitted changes, has ``name``'s
    base (a sibling, merged into the same branch), and its agent continues a
    copy of ``name``'s conversation where it can. ``name`` is not written to.
    """
    from q_tmux.adapters.git import Repo, operation_under_way, require_git
    from q_tmux.agents.launch import resolve_agent
    from q_tmux.sessions.create import NewSession, create_session
    from q_tmux.sessions.names import check_name
    from q_tmux.sessions.recovery import recover
    from q_tmux.sessions.views import find_session, load_views, session_record
    from q_tmux.store.config import load_config

    if new_name is not None:
        check_name(new_name)
    require_git()
    recover(note)
    views, _ = load_views(tmux)
    view = find_session(views, name, tmux, here)
    record = session_record(view) if not view.worktree_missing else None
    info = record.worktree_info if record else None
    operation = None
    repo = None
    if record is not None and info is not None and info.owns_worktree and not record.repos:
        repo = Repo.discover(view.work_dir)
        operation = operation_under_way(repo)
    refusal = fork_refusal(
        view.entry.name,
        worktree_missing=view.worktree_missing,
        owns_worktree=bool(info and info.owns_worktree),
        workspace=bool(record and record.repos),
        operation=operation,
        work_dir=view.work_dir,
    )
    if refusal is not None:
        raise UsageError(refusal)
    assert record is not None
    assert info is not None
    assert repo is not None
    if not info.base_branch:
        raise UsageError(f"Session '{view.entry.name}' has no recorded base branch to fork from.")
    config = load_config(repo_root=repo.main_worktree)
    with capture(repo, what=f"Session '{view.entry.name}'") as captured:
        message = fork_message(view.entry.name, info.branch, captured.head, record.first_message)
        plan = fork_agent(record, message, lambda preset, text: resolve_agent(preset, text, None))

        def seed(new_repo: Repo, work_dir: Path) -> None:
            captured.plant(new_repo, work_dir)
            if plan.conversation_file is not None:
                _copy_conversation(record, plan.conversation_file, work_dir)

        wanted = new_name or fork_name_base(view.entry.name)
        request = NewSession(
            name=wanted,
            first_message=plan.first_message,
            agent=plan.agent,
            cwd=view.work_dir,
            repo=repo,
            base=info.base_branch,
            branch=wanted,
            session_type=record.session_type,
            temporary=info.is_temporary,
            setup=_allowed_setup(repo.main_worktree, config, note),
            automatic=new_name is None,
            name_base=wanted,
            start_at=captured.head,
            seed=seed,
            check_out=not captured.fills_empty_worktree,
        )
        return create_session(request, tmux, config)


def _copy_conversation(record: SessionRecord, conversation_file: str, work_dir: Path) -> None:
    from q_tmux.agents import catalog

    spec = catalog.get(record.agent.preset)
    if (
        spec is not None
        and spec.fork_files is not None
        and not spec.fork_files(conversation_file, work_dir)
    ):
        raise CarryError(
            f"Session '{record.name}''s conversation file {conversation_file} is gone, "
            "so it cannot be continued; nothing was made."
        )


def _allowed_setup(
    main_worktree: Path, config: Config, note: Callable[[str], None]
) -> SetupSettings | None:
    """The repository's setup for the fork's worktree, when the user allowed it already."""
    from q_tmux.sessions.setup import is_trusted, needs_trust
    from q_tmux.store.config import REPO_CONFIG, repo_setup_table

    table = repo_setup_table(main_worktree)
    config_file = main_worktree / REPO_CONFIG
    if table is not None and needs_trust(table) and not is_trusted(config_file, table):
        note("the repository's setup was not run: it has not been allowed yet (see 'new').")
        return None
    return config.setup


def refuse_mismatched_start(head: CommitOid, base_tip: CommitOid | None, base: str) -> None:
    """``new --with-changes`` starts at HEAD: the base must be there too."""
    if base_tip != head:
        raise UsageError(
            f"--with-changes carries changes made on top of HEAD ({head[:8]}), but the base "
            f"{base} is at {(base_tip or 'nothing')[:8]}; start from the branch checked out here."
        )
