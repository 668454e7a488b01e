"""Workspaces: a folder, not itself a repository, that holds several git repositories.

A workspace session mirrors the folder: the session folder holds one
worktree per repository at the same relative path (``frontend``,
``services/api``), each on a branch made from that repository's current
branch. Everything here only looks; nothing is made until every repository
passed every check, so a refusal leaves no repository touched.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from q_tmux.adapters.git import CommitOid, Repo, not_tracked_entries
from q_tmux.errors import NotARepositoryError, QTmuxError, UsageError
from q_tmux.sessions.names import printable

#: Repositories are looked for this many folders deep (``services/api`` is 2).
SEARCH_DEPTH = 2
#: Never searched: dependency and build folders are big and hold no repositories of yours.
NOT_SEARCHED = frozenset({"node_modules", "target", "build", "dist", "venv", "__pycache__"})


@dataclass(frozen=True)
class WorkspaceRepo:
    """One repository of a workspace and where it sits in it."""

    relative: str  # posix path inside the workspace: "frontend", "services/api"
    repo: Repo

    @property
    def name(self) -> str:
        return PurePosixPath(self.relative).name


@dataclass(frozen=True)
class RepoStart:
    """Where one repository's session branch starts: its base branch and commit."""

    member: WorkspaceRepo
    base_branch: str
    base_oid: CommitOid


def find_repositories(root: Path) -> list[WorkspaceRepo]:
    """The repositories in ``root`` (not descending into them or hidden folders), sorted."""
    found: list[WorkspaceRepo] = []
    pending: list[tuple[Path, int]] = [(root, 1)]
    while pending:
        folder, depth = pending.pop()
        try:
            children = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for child in children:
            if child.name.startswith(".") or child.name in NOT_SEARCHED:
                continue
            if child.name.endswith(".worktrees"):
                continue  # q-tmux's own worktrees, put beside each repository by default
            if not child.is_dir():
                continue
            path = Path(child.path)
            if (path / ".git").exists():
                found.append(_repository_at(root, path))
            elif depth < SEARCH_DEPTH:
                pending.append((path, depth + 1))
    return sorted(found, key=lambda member: member.relative)


def _repository_at(root: Path, path: Path) -> WorkspaceRepo:
    relative = path.relative_to(root).as_posix()
    try:
        repo = Repo.discover(path)
    except NotARepositoryError:
        raise QTmuxError(f"{relative} has a .git but git cannot read it as a repository.") from None
    return WorkspaceRepo(relative, repo)


def select(members: list[WorkspaceRepo], wanted: tuple[str, ...]) -> list[WorkspaceRepo]:
    """The repositories ``--repo`` named (by path or folder name); all when none were."""
    if not wanted:
        return members
    chosen: list[WorkspaceRepo] = []
    known = ", ".join(member.relative for member in members)
    for name in wanted:
        clean = name.strip("/")
        matches = [m for m in members if clean == m.relative] or [
            m for m in members if clean == m.name
        ]
        if not matches:
            raise UsageError(
                f"There is no repository {printable(name)} in this workspace (it has: {known})."
            )
        if len(matches) > 1:
            paths = " and ".join(m.relative for m in matches)
            raise UsageError(f"--repo {printable(name)} could be {paths}; give its path.")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return sorted(chosen, key=lambda member: member.relative)


def check_layout(members: list[WorkspaceRepo]) -> None:
    """Refuse repositories that cannot each get their own worktree in the session folder."""
    by_common_dir: dict[Path, WorkspaceRepo] = {}
    by_folded_path: dict[str, WorkspaceRepo] = {}
    for member in members:
        twin = by_common_dir.get(member.repo.common_dir)
        if twin is not None:
            raise UsageError(
                f"{twin.relative} and {member.relative} are checkouts of the same repository, "
                "which cannot have the session's branch twice; pick one with --repo."
            )
        by_common_dir[member.repo.common_dir] = member
        # The session folder may sit on a case-insensitive filesystem (macOS, Windows).
        folded = member.relative.casefold()
        clash = by_folded_path.get(folded)
        if clash is not None:
            raise UsageError(
                f"{clash.relative} and {member.relative} would collide in the session folder "
                "on a case-insensitive filesystem; pick one with --repo."
            )
        by_folded_path[folded] = member
        nested = nested_repository(member)
        if nested is not None:
            raise UsageError(
                f"{member.relative}/{nested} is a repository inside {member.relative} (not a "
                f"submodule), which a worktree of {member.relative} would not contain; move it "
                f"out, or leave {member.relative} out with --repo."
            )


def nested_repository(member: WorkspaceRepo) -> str | None:
    """A repository inside ``member`` that git does not track (path relative to it), or None.

    git lists such a folder as untracked (or ignored) and never looks inside;
    folders it lists are checked one level down as well.
    """
    repo = member.repo
    for relative in sorted(not_tracked_entries(repo, repo.toplevel)):
        if not relative.endswith("/"):
            continue
        folder = repo.toplevel / relative
        if (folder / ".git").exists():
            return relative.rstrip("/")
        try:
            children = [entry for entry in os.scandir(folder) if entry.is_dir()]
        except OSError:
            continue
        for child in children:
            if os.path.exists(os.path.join(child.path, ".git")):
                return f"{relative}{child.name}"
    return None


def starts(
    members: list[WorkspaceRepo],
    base: str | None,
    base_of: Callable[[Repo], str | None] | None = None,
) -> list[RepoStart]:
    """Each repository's base: ``base``, else ``base_of`` it, else its current branch.

    Refuses a repository without commits or on a detached HEAD, naming it.
    """
    result = []
    for member in members:
        repo = member.repo
        if not repo.has_commits():
            raise QTmuxError(
                f"The repository {member.relative} has no commits yet; make a first commit "
                "there, or leave it out with --repo."
            )
        branch = base.removeprefix("refs/heads/") if base else None
        if branch is None and base_of is not None:
            branch = base_of(repo)
        if branch is None:
            branch = repo.current_branch()
        if branch is None:
            raise UsageError(
                f"HEAD is detached in {member.relative}; check out a branch there, "
                "or leave it out with --repo."
            )
        oid = repo.branch_oid(branch) if branch else None
        if oid is None:
            raise UsageError(
                f"There is no local branch {printable(branch)} in {member.relative} "
                "to use as the base."
            )
        result.append(RepoStart(member, branch, oid))
    return result
