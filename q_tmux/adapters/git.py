"""A small typed facade over git, run through :mod:`q_tmux.adapters.process`.

Only the recipes measured in ``notes/git.md`` are used: branches are made and
deleted with compare-and-swap ``update-ref``, worktrees are listed from
``--porcelain`` output, and q-tmux's own files are hidden through the common
``info/exclude`` (never the user's ``.gitignore``).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NewType

from q_tmux.adapters import counts, merge_tree, numstat, process, refs, versions
from q_tmux.adapters.merge_tree import MERGE_TREE_GIT
from q_tmux.errors import (
    GitError,
    NameInUseError,
    NotARepositoryError,
    QTmuxError,
    ToolMissingError,
    UsageError,
)
from q_tmux.sessions.names import printable

BranchName = NewType("BranchName", str)
CommitOid = NewType("CommitOid", str)

#: ``rev-parse --path-format=absolute`` arrived in 2.31.
MINIMUM_GIT = (2, 31)

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str) -> tuple[int, int, int] | None:
    """``(2, 39, 5)`` from ``git version 2.39.5`` (or similar), else None."""
    match = _VERSION.search(text)
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


#: The versions of the git programs this process asked, by what identifies each program file.
_VERSIONS: dict[tuple[str, int, int, int], tuple[int, int, int]] = {}


def _program_identity(name: str) -> tuple[str, int, int, int] | None:
    """The file ``name`` runs on the live PATH: path, inode, size and change time; None if none."""
    found = shutil.which(name, path=os.environ.get("PATH"))
    if found is None:
        return None
    try:
        info = os.stat(found)
    except OSError:
        return None
    return found, info.st_ino, info.st_size, info.st_mtime_ns


def git_version() -> tuple[int, int, int]:
    """The installed git's version; raise ToolMissingError when absent or unreadable.

    Asked once per git program in a process (several steps of one command check it):
    another PATH, or the program file replaced, asks again.
    """
    identity = _program_identity("git")
    known = _VERSIONS.get(identity) if identity is not None else None
    if known is None and identity is not None:
        kept = versions.known(identity)
        known = parse_version(kept) if kept is not None else None
    if known is not None:
        return known
    result = process.run("git", ["--version"])
    version = parse_version(result.stdout)
    if not result.ok or version is None:
        raise ToolMissingError(f"Could not read git's version from {result.stdout.strip()!r}.")
    if identity is not None:
        _VERSIONS[identity] = version
        versions.remember(identity, ".".join(map(str, version)))
    return version


def require_git() -> tuple[int, int, int]:
    """Check git is present and new enough; return its version."""
    try:
        version = git_version()
    except ToolMissingError as error:
        if process.find_program("git") is None:
            raise ToolMissingError(
                "git is not installed or not on PATH; q-tmux needs git 2.31 or newer."
            ) from error
        raise
    if version[:2] < MINIMUM_GIT:
        shown = ".".join(map(str, version))
        raise ToolMissingError(f"git {shown} is too old; q-tmux needs git 2.31 or newer.")
    return version


@dataclass(frozen=True)
class Worktree:
    """One record of ``git worktree list --porcelain``."""

    path: Path
    head: CommitOid | None
    branch: BranchName | None
    bare: bool = False
    detached: bool = False
    locked: bool = False
    prunable: bool = False


@dataclass(frozen=True)
class Outcome:
    """How a git operation that git may refuse, or stop on conflicts, ended."""

    ok: bool
    #: git's first error line when not ok, to go into one sentence.
    error: str = ""
    #: Files left in conflict; none when git refused before changing anything.
    conflicts: tuple[str, ...] = ()

    @classmethod
    def of(cls, result: process.Completed, conflicts: list[str] | None = None) -> Outcome:
        if result.ok:
            return cls(True)
        return cls(False, result.first_error_line(), tuple(conflicts or ()))


def _finish_removal(path: Path, failed: process.Completed) -> process.Completed:
    """Remove what a write left in a worktree git was removing, when it is only q-tmux's.

    A last write (the watcher marking the closed agent exited) can land while
    git empties the folder: git then fails with "Directory not empty", having
    removed the files and the worktree's registration all the same, so asking
    git again only gets "is not a working tree". When all that is left is the
    session file (or its temporary), it goes and so does the folder; anything
    else is kept, and git's failure is the answer.
    """
    for pause in (0.0, 0.1, 0.3):  # a write may still be landing: look again
        time.sleep(pause)
        found = [
            (Path(folder), names)
            for folder, _, names in os.walk(path, topdown=False)  # the deepest first
        ]
        if any(
            not _is_session_file(folder / name, path) for folder, names in found for name in names
        ):
            return failed
        try:
            for folder, names in found:
                for name in names:
                    (folder / name).unlink(missing_ok=True)
                folder.rmdir()
        except OSError:  # written into again, or changed meanwhile: look again
            continue
        return process.Completed(0, "", "")
    return failed if os.path.lexists(path) else process.Completed(0, "", "")


def _is_session_file(path: Path, work_dir: Path) -> bool:
    """Whether ``path`` is the session file in ``work_dir``, or a temporary of its writes."""
    from fnmatch import fnmatch

    from q_tmux.store.jsonfile import temporary_name_pattern
    from q_tmux.store.words import SESSION_DIR, SESSION_FILE

    return path.parent == work_dir / SESSION_DIR and (
        path.name == SESSION_FILE or fnmatch(path.name, temporary_name_pattern(SESSION_FILE))
    )


def parse_worktree_list(output: str) -> list[Worktree]:
    """Parse NUL-separated ``worktree list --porcelain -z`` output."""
    worktrees: list[Worktree] = []
    fields: dict[str, str] = {}

    def flush() -> None:
        if "worktree" in fields:
            branch = fields.get("branch", "")
            worktrees.append(
                Worktree(
                    path=Path(fields["worktree"]),
                    head=CommitOid(fields["HEAD"]) if "HEAD" in fields else None,
                    branch=BranchName(branch.removeprefix("refs/heads/")) if branch else None,
                    bare="bare" in fields,
                    detached="detached" in fields,
                    locked="locked" in fields,
                    prunable="prunable" in fields,
                )
            )
        fields.clear()

    for item in output.split("\0"):
        if not item:
            flush()
            continue
        key, _, value = item.partition(" ")
        fields[key] = value
    flush()
    return worktrees


class _Answers:
    """What git said during one stretch of a command that only reads (see :func:`remembering`)."""

    def __init__(self) -> None:
        #: ``Repo.discover``'s answer (toplevel, git dir, common dir), by the path asked about.
        self.found: dict[str, tuple[Path, Path, Path]] = {}
        #: ``worktree list``, by common dir: every checkout of one repository lists the same.
        self.worktrees: dict[Path, list[Worktree]] = {}


_answers: _Answers | None = None

#: Subcommands that change nothing a remembered answer depends on; any other one run
#: through :meth:`Repo.git` inside :func:`remembering` forgets the worktree lists.
_READ_ONLY = frozenset(
    {"rev-parse", "status", "diff", "log", "merge-tree", "for-each-ref", "config", "ls-files"}
    | {"symbolic-ref", "merge-base", "rev-list", "cat-file", "show", "check-ref-format"}
    | {"--version", "--no-optional-locks"}
)


@contextmanager
def remembering() -> Iterator[None]:
    """Within the block, each repository is found once and its worktrees are listed once.

    For the stretch of a command that looks before it acts (a merge's preview): several
    steps ask the same questions, and a warm preview asked git for the repository four
    times and the worktree list twice. A command that runs a changing git command through
    :meth:`Repo.git` meanwhile forgets the worktree lists. Nested blocks share the outer one.
    """
    global _answers
    if _answers is not None:
        yield
        return
    _answers = _Answers()
    try:
        yield
    finally:
        _answers = None


class Repo:
    """A git work tree, found from any directory inside it."""

    def __init__(self, toplevel: Path, git_dir: Path, common_dir: Path) -> None:
        self.toplevel = toplevel
        self.git_dir = git_dir
        self.common_dir = common_dir

    @classmethod
    def discover(cls, path: Path) -> Repo:
        """The work tree containing ``path``; raise NotARepositoryError outside one.

        A bare repository, a git directory, or a path git prints on several lines
        is refused with its own sentence: never taken for "no repository".
        """
        known = _answers.found.get(str(path)) if _answers is not None else None
        if known is not None:
            return cls(*known)
        # One rev-parse answers both: in a bare repository or a git directory the first two
        # lines say "true" before --show-toplevel fails.
        result = process.run(
            "git",
            [
                "-C",
                str(path),
                "rev-parse",
                "--is-bare-repository",
                "--is-inside-git-dir",
                "--path-format=absolute",
                "--git-dir",
                "--git-common-dir",
                "--show-toplevel",
            ],
        )
        lines = result.stdout.splitlines()
        if not result.ok:
            if "true" in lines[:2]:
                raise UsageError(
                    f"{path} is a bare repository or inside a git directory, which has no work "
                    "tree for a session; run q-tmux in a checkout of it (git worktree add makes "
                    "one)."
                )
            raise NotARepositoryError(f"{path} is not inside a git work tree.")
        if len(lines) != 5:  # rev-parse has no -z: a line break in a path splits it
            raise UsageError(
                f"q-tmux cannot work in {printable(str(path), 200)}: the path of its repository "
                "has a line break in it."
            )
        git_dir, common_dir, toplevel = (Path(line) for line in lines[2:])
        if _answers is not None:
            _answers.found[str(path)] = (toplevel, git_dir, common_dir)
        return cls(toplevel=toplevel, git_dir=git_dir, common_dir=common_dir)

    @classmethod
    def enclosing(cls, path: Path) -> Repo | None:
        """The work tree ``path`` sits in, or None (also for a bare repository or git dir).

        No git runs where no folder from ``path`` up holds a ``.git``, the usual answer
        for the folder beside a repository that holds its sessions' worktrees.
        """
        if "GIT_DIR" not in os.environ and not any(
            os.path.lexists(folder / ".git") for folder in (path, *path.parents)
        ):
            return None
        try:
            return cls.discover(path)
        except QTmuxError:
            return None

    def git(self, *args: str, cwd: Path | None = None) -> process.Completed:
        """Run git in this repository (or in ``cwd``, one of its worktrees)."""
        changing = args and args[0] not in _READ_ONLY and args[:2] != ("worktree", "list")
        if _answers is not None and changing:
            _answers.worktrees.clear()
        return process.run("git", ["-C", str(cwd or self.toplevel), *args])

    def git_ok(self, *args: str, doing: str, cwd: Path | None = None) -> str:
        """Run git; return stdout, or raise GitError saying what we were ``doing``."""
        result = self.git(*args, cwd=cwd)
        if not result.ok:
            raise GitError(f"Could not {doing}: {result.first_error_line()}.")
        return result.stdout

    @property
    def is_linked_worktree(self) -> bool:
        return self.git_dir != self.common_dir

    @cached_property
    def main_worktree(self) -> Path:
        """The repository's main work tree (the first record git lists).

        A submodule's common dir lives in its superproject's ``.git/modules``,
        and git lists that directory as the main worktree: its work tree is
        then where ``core.worktree`` points.
        """
        if not self.is_linked_worktree:
            return self.toplevel
        worktrees = self.worktrees()
        if not worktrees or worktrees[0].bare:
            return self.toplevel
        first = worktrees[0].path
        if first == self.common_dir:
            configured = self.git(
                "--git-dir", str(self.common_dir), "config", "--get", "core.worktree"
            )
            if configured.ok and configured.stdout.strip():
                return (self.common_dir / configured.stdout.rstrip("\n")).resolve()
        return first

    @property
    def name(self) -> str:
        return self.main_worktree.name

    def current_branch(self, cwd: Path | None = None) -> BranchName | None:
        """The checked-out branch, or None on a detached HEAD."""
        if cwd is None:  # this worktree's HEAD file says it, unless it is not a plain one
            head = head_file_branch(_read_first_line(self.git_dir / "HEAD"))
            if head is not None:
                return head or None
        result = self.git("symbolic-ref", "-q", "--short", "HEAD", cwd=cwd)
        return BranchName(result.stdout.strip()) if result.ok else None

    def resolve_commit(self, rev: str) -> CommitOid | None:
        """The commit ``rev`` names, or None."""
        result = self.git("rev-parse", "--verify", "-q", "--end-of-options", f"{rev}^{{commit}}")
        return CommitOid(result.stdout.strip()) if result.ok else None

    def has_commits(self) -> bool:
        return self.resolve_commit("HEAD") is not None

    def branch_oid(self, branch: str) -> CommitOid | None:
        """Where local branch ``branch`` points, or None when there is no such branch."""
        return self.resolve_commit(f"refs/heads/{branch}")

    def branch_oids(self, *branches: str) -> dict[str, CommitOid]:
        """Where each of the local ``branches`` that exist points, in one git call."""
        wanted = {f"refs/heads/{branch}": branch for branch in branches}
        if not wanted:
            return {}
        out = self.git_ok(
            "for-each-ref",
            "--format=%(objecttype)%00%(objectname)%00%(refname)",
            *wanted,
            doing="read the branches",
        )
        found: dict[str, CommitOid] = {}
        for line in out.splitlines():
            kind, oid, ref = line.split("\0", 2)
            branch = wanted.get(ref)  # patterns also match refs below them: keep exact names
            if branch is None:
                continue
            if kind == "commit":
                found[branch] = CommitOid(oid)
            elif (peeled := self.branch_oid(branch)) is not None:  # a branch at a tag object
                found[branch] = peeled
        return found

    def is_valid_branch_name(self, name: str) -> bool:
        return plainly_valid_branch(name) or self.git("check-ref-format", "--branch", name).ok

    def create_branch(self, branch: str, oid: CommitOid, reason: str) -> None:
        """Create ``branch`` at ``oid`` atomically; refuse when it already exists."""
        # The empty old value makes update-ref fail if the ref exists: no race
        # with another process creating the same branch.
        result = self.git("update-ref", "-m", reason, f"refs/heads/{branch}", oid, "")
        if not result.ok:
            if self.branch_oid(branch) is not None:
                raise NameInUseError(f"A branch named '{branch}' already exists.")
            raise GitError(f"Could not create branch '{branch}': {result.first_error_line()}.")

    def delete_branch(self, branch: str, expected: CommitOid) -> bool:
        """Delete ``branch`` only if it still points at ``expected``; True when deleted."""
        # update-ref -d treats an all-zero old value as "do not check": never pass one.
        if not expected.strip("0"):
            return False
        return self.git("update-ref", "-d", f"refs/heads/{branch}", expected).ok

    def worktrees(self) -> list[Worktree]:
        known = _answers.worktrees.get(self.common_dir) if _answers is not None else None
        if known is not None:
            return list(known)
        found = parse_worktree_list(
            self.git_ok("worktree", "list", "--porcelain", "-z", doing="list worktrees")
        )
        if _answers is not None:
            _answers.worktrees[self.common_dir] = found
        return list(found)

    def add_worktree(self, path: Path, branch: str, *, check_out: bool = True) -> None:
        """Make a worktree at ``path`` on ``branch``; without ``check_out``, empty and indexless."""
        # The main worktree stays what it was: its remembered answer holds.
        self.git_ok(
            "worktree",
            "add",
            "--quiet",
            *([] if check_out else ["--no-checkout"]),
            str(path),
            branch,
            doing=f"create a worktree at {path}",
        )

    def runs_hook(self, name: str) -> bool:
        """Whether git here would run hook ``name`` (``core.hooksPath`` heeded)."""
        path = self.git_ok(
            "rev-parse", "--path-format=absolute", "--git-path", f"hooks/{name}", doing="find hooks"
        ).strip()
        return os.path.isfile(path) and os.access(path, os.X_OK)

    def remove_worktree(self, path: Path, *, force: bool = False) -> process.Completed:
        # A command run inside the worktree (merge from the session, the G key) would
        # be left in a folder that no longer exists: step out to the main checkout first.
        step_out_of(path, self.main_worktree)
        args = ["worktree", "remove", *(["--force"] if force else []), str(path)]
        result = self.git(*args)
        if not result.ok and "not empty" in result.stderr:
            return _finish_removal(path, result)
        return result

    def prune_worktrees(self) -> None:
        self.git("worktree", "prune")

    def add_detached_worktree(self, path: Path, commit: CommitOid, *, doing: str) -> None:
        """A worktree at ``path`` on a detached HEAD at ``commit`` (no branch is made)."""
        self.git_ok("worktree", "add", "--quiet", "--detach", str(path), commit, doing=doing)

    # -- operations in a worktree: each may be refused, or stop on conflicts ----------------

    def conflicted_files(self, worktree: Path) -> list[str]:
        """The files left unmerged in ``worktree`` by a merge or rebase that stopped."""
        out = self.git("diff", "--name-only", "--diff-filter=U", "-z", cwd=worktree).stdout
        return [path for path in out.split("\0") if path]

    def _stopping(self, worktree: Path, *args: str) -> Outcome:
        result = self.git(*args, cwd=worktree)
        return Outcome.of(result, None if result.ok else self.conflicted_files(worktree))

    def rebase(self, worktree: Path, onto: str) -> Outcome:
        """Replay ``worktree``'s checked-out commits onto ``onto``; a stop is left for the user."""
        return self._stopping(worktree, "rebase", "--quiet", onto)

    def abort_rebase(self, worktree: Path) -> None:
        """Undo a rebase stopped in ``worktree`` (nothing to undo is fine)."""
        self.git("rebase", "--abort", cwd=worktree)

    def merge(self, worktree: Path, other: str) -> Outcome:
        """Merge ``other`` into ``worktree``'s branch; a stop is left for the user."""
        return self._stopping(worktree, "merge", "--no-edit", "--quiet", other)

    def fast_forward(self, worktree: Path, commit: CommitOid) -> Outcome:
        """Move ``worktree``'s branch and files to ``commit`` only if it is a fast-forward.

        The user's unrelated uncommitted files are kept; git refuses when they
        overlap, or when the branch no longer leads to ``commit``.
        """
        return Outcome.of(self.git("merge", "--ff-only", "--quiet", commit, cwd=worktree))

    def reset_keep(self, worktree: Path, commit: CommitOid) -> Outcome:
        """Move ``worktree``'s branch and files to ``commit``, keeping uncommitted changes.

        Refused, with nothing moved, when a changed file differs between HEAD and ``commit``.
        """
        return Outcome.of(self.git("reset", "--keep", "--quiet", commit, cwd=worktree))

    def move_files(self, worktree: Path, current: CommitOid, target: CommitOid) -> Outcome:
        """Take every file of ``worktree`` still as in ``current`` to ``target``; refs stay.

        A two-tree ``read-tree -m -u``: index and files change, the user's own
        changes are kept, and HEAD does not move.
        """
        return Outcome.of(self.git("read-tree", "-m", "-u", current, target, cwd=worktree))

    # -- branches and their configuration ---------------------------------------------------

    def rename_branch(self, branch: str, renamed: str) -> None:
        """Rename local ``branch`` (its reflog and config follow); raise GitError when refused."""
        result = self.git("branch", "-m", branch, renamed)
        if not result.ok:
            raise GitError(f"Could not rename branch '{branch}': {result.first_error_line()}.")

    def branch_remote(self, branch: str) -> str | None:
        """The remote ``branch`` tracks (``branch.NAME.remote``), or None."""
        result = self.git("config", "--get", f"branch.{branch}.remote")
        remote = result.stdout.strip() if result.ok else ""
        return remote or None

    def forget_branch_config(self, branch: str) -> None:
        """Remove ``branch.NAME.*`` from the config, once the branch is gone (none is fine)."""
        self.git("config", "--remove-section", f"branch.{branch}")

    def origin_head(self) -> BranchName | None:
        """The branch ``origin``'s HEAD names, as known locally (``main``), or None."""
        result = self.git("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
        name = result.stdout.strip().removeprefix("origin/") if result.ok else ""
        return BranchName(name) if name else None

    def refs_at(self, commit: CommitOid, prefix: str) -> list[str]:
        """The full names of the refs under ``prefix`` that point at ``commit``."""
        out = self.git("for-each-ref", "--points-at", commit, "--format=%(refname)", prefix).stdout
        return out.splitlines()

    def exclude(self, pattern: str) -> None:
        """Hide ``pattern`` from git in every worktree through the common ``info/exclude``."""
        exclude_file = self.common_dir / "info" / "exclude"
        try:
            existing = exclude_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            existing = ""
        if pattern in existing.splitlines():
            return
        exclude_file.parent.mkdir(parents=True, exist_ok=True)
        separator = "" if not existing or existing.endswith("\n") else "\n"
        with exclude_file.open("a", encoding="utf-8") as handle:
            handle.write(f"{separator}{pattern}\n")


_PLAIN_BRANCH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*")


def plainly_valid_branch(name: str) -> bool:
    """Whether ``name`` is a branch name git accepts, seen without asking it.

    Only names of letters, digits, ``.``, ``_``, ``-`` and ``/`` that break none of
    git-check-ref-format's rules for them; for any other name (False) ask git.
    """
    return (
        _PLAIN_BRANCH.fullmatch(name) is not None
        and ".." not in name
        and not name.endswith(".")
        and not any(part.endswith(".lock") for part in name.split("/"))
        and name != "HEAD"
    )


def head_file_branch(head: str | None) -> BranchName | None:
    """The branch a worktree's ``HEAD`` file (its first line) names: "" for a detached HEAD,
    None when git must be asked (no such file, a symbolic ref outside ``refs/heads/``, the
    reftable format's placeholder)."""
    if head is None:
        return None
    if head.startswith("ref: refs/heads/"):
        branch = head.removeprefix("ref: refs/heads/")
        return None if branch in ("", ".invalid") else BranchName(branch)
    if refs.is_object_name(head):
        return BranchName("")
    return None


def step_out_of(folder: Path, to: Path) -> None:
    """Move this process out of ``folder`` (about to be removed) into ``to``, when inside it."""
    try:
        here = Path.cwd().resolve()
    except FileNotFoundError:
        process.leave_vanished_cwd()
        return
    if here == folder.resolve() or folder.resolve() in here.parents:
        os.chdir(to if to.is_dir() and to.resolve() != folder.resolve() else Path.home())


def _entries_not_tracked(repo: Repo, worktree: Path, which: tuple[str, ...], what: str) -> set[str]:
    """``git ls-files --others --directory`` with ``which``: the entries, folders as ``dir/``."""
    out = repo.git_ok(
        "ls-files",
        "--others",
        *which,
        "--directory",
        "-z",
        cwd=worktree,
        doing=f"list {what} {worktree}",
    )
    return {entry for entry in out.split("\0") if entry}


def untracked_entries(repo: Repo, worktree: Path) -> set[str]:
    """Untracked, not ignored entries of ``worktree``; a wholly untracked folder is one ``dir/``."""
    return _entries_not_tracked(repo, worktree, ("--exclude-standard",), "the untracked files of")


def ignored_entries(repo: Repo, worktree: Path) -> set[str]:
    """What git ignores in ``worktree`` (build outputs, caches); a folder as one ``dir/``."""
    return _entries_not_tracked(
        repo, worktree, ("--ignored", "--exclude-standard"), "the ignored files of"
    )


def not_tracked_entries(repo: Repo, worktree: Path) -> set[str]:
    """Everything git does not track in ``worktree``, ignored or not; folders as one ``dir/``.

    Empty folders are left out. git never looks inside a nested repository: it is one entry.
    """
    return _entries_not_tracked(
        repo, worktree, ("--no-empty-directory",), "what git does not track in"
    )


def literal_exclude_pattern(path: str) -> str | None:
    """An info/exclude line matching exactly ``path`` (relative to a worktree's top).

    Glob characters and trailing spaces are escaped; None when no line can say
    it (a newline in the name).
    """
    if "\n" in path or "\r" in path:
        return None
    escaped = re.sub(r"([\\*?\[])", r"\\\1", path)
    stripped = escaped.rstrip(" ")
    escaped = stripped + "\\ " * (len(escaped) - len(stripped))
    return "/" + escaped


#: Files whose presence in a worktree's git dir means an operation is under way.
OPERATION_MARKERS = (
    "MERGE_HEAD",
    "rebase-merge",
    "rebase-apply",
    "CHERRY_PICK_HEAD",
    "REVERT_HEAD",
    "BISECT_LOG",
)


@dataclass(frozen=True)
class MergePrediction:
    """What merging two commits would give, computed without touching a working tree."""

    clean: bool | None  # None: unknown (git older than 2.38)
    tree: str | None
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileChange:
    path: str
    added: int | None  # None for binary files
    deleted: int | None


@dataclass(frozen=True)
class Commit:
    oid: CommitOid
    subject: str


class History:
    """Read-only questions about a repository's commits, cached for one command's life.

    Prediction writes loose objects each time it runs, so results are kept by
    the pair of commits asked about.
    """

    def __init__(self, repo: Repo, version: tuple[int, int, int]) -> None:
        self.repo = repo
        self.version = version
        self._predictions: dict[tuple[str, str], MergePrediction] = {}
        self._branches: dict[str, CommitOid] | None = None
        #: Throwaway merge commits made by :meth:`predict_onto`, by the pair merged.
        self._merged: dict[tuple[str, str], CommitOid] = {}

    def learn(self, tips: Iterable[tuple[CommitOid, CommitOid]]) -> None:
        """Nothing is asked ahead here: each fact is asked of git in its turn (the kept-fact
        histories, :class:`q_tmux.merge.facts.CachedHistory`, ask what they lack at once)."""

    def branch(self, name: str) -> CommitOid | None:
        """Where local branch ``name`` points; every branch is read in one call, once."""
        if self._branches is None:
            out = self.repo.git_ok(
                "for-each-ref",
                "--format=%(objectname) %(refname:lstrip=2)",
                "refs/heads/",
                doing="list branches",
            )
            self._branches = {}
            for line in out.splitlines():
                oid, _, branch = line.partition(" ")
                self._branches[branch] = CommitOid(oid)
        return self._branches.get(name)

    def predict(self, ours: CommitOid, theirs: CommitOid) -> MergePrediction:
        """Would merging ``theirs`` into ``ours`` conflict? Both must be commit ids."""
        key = (ours, theirs)
        if key in self._predictions:
            return self._predictions[key]
        if self.version[:2] < MERGE_TREE_GIT:
            prediction = MergePrediction(None, None)
        else:
            result = self.repo.git(*merge_tree.arguments(ours, theirs))
            answer = merge_tree.parse(result.returncode, result.stdout)
            if answer is None:
                raise GitError(f"Could not predict the merge: {result.first_error_line()}.")
            clean, tree, conflicts = answer
            prediction = MergePrediction(clean, tree, tuple(conflicts))
        self._predictions[key] = prediction
        return prediction

    def predict_onto(
        self, base: CommitOid, merged_first: CommitOid, then: CommitOid
    ) -> MergePrediction | None:
        """Would ``then`` conflict once ``merged_first`` is merged into ``base``?

        The first merge becomes a commit no ref points to (git collects it
        later). None when ``merged_first`` does not merge cleanly into ``base``.
        """
        first = self.predict(base, merged_first)
        if first.clean is None:
            return MergePrediction(None, None)
        if not first.clean or first.tree is None:
            return None
        key = (base, merged_first)
        merged = self._merged.get(key)
        if merged is None:
            merged = CommitOid(
                self.repo.git_ok(
                    *merge_tree.merged_commit_arguments(first.tree, base, merged_first),
                    doing="predict a merge",
                ).strip()
            )
            self._merged[key] = merged
        return self.predict(merged, then)

    def ahead_behind(self, base: CommitOid, tip: CommitOid) -> tuple[int, int]:
        """Commits ``tip`` has that ``base`` lacks, and the other way round."""
        out = self.repo.git_ok(*counts.arguments(base, tip), doing="count commits")
        found = counts.parse(out)
        if found is None:
            raise GitError(f"Could not count commits: git answered {out.strip()[:80]!r}.")
        return found

    def commits(self, base: CommitOid, tip: CommitOid) -> list[Commit]:
        out = self.repo.git_ok("log", "--format=%H%x00%s", f"{base}..{tip}", doing="list commits")
        commits = []
        for line in out.splitlines():
            oid, _, subject = line.partition("\0")
            commits.append(Commit(CommitOid(oid), subject))
        return commits

    def changed_files(self, base: CommitOid, tip: CommitOid) -> list[FileChange]:
        """Files ``tip`` changed since it left ``base``, with line counts."""
        out = self.repo.git_ok(*numstat.arguments(base, tip), doing="list changed files")
        return [FileChange(*row) for row in numstat.parse(out)]

    def is_ancestor(self, older: CommitOid, newer: CommitOid) -> bool:
        return self.repo.git("merge-base", "--is-ancestor", older, newer).ok

    def tree_of(self, commit: CommitOid) -> str:
        return self.repo.git_ok("rev-parse", f"{commit}^{{tree}}", doing="read a tree").strip()

    def is_integrated(self, tip: CommitOid, base: CommitOid) -> bool:
        """Is everything ``tip`` brings already in ``base`` (merged, fast-forwarded or squashed)?"""
        if tip == base or self.is_ancestor(tip, base):
            return True
        prediction = self.predict(base, tip)
        # Merging would add nothing: the squash-merge case.
        return prediction.clean is True and prediction.tree == self.tree_of(base)


def uncommitted(repo: Repo, worktree: Path) -> list[str]:
    """Modified, staged and untracked files in ``worktree`` (ignored files do not count)."""
    out = repo.git_ok(
        "--no-optional-locks",
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        cwd=worktree,
        doing=f"read the status of {worktree}",
    )
    entries, records = [], out.split("\0")
    index = 0
    while index < len(records):
        record = records[index]
        index += 1
        if not record:
            continue
        entries.append(record[3:])
        if record[0] in "RC":  # renames carry their old path as the next record
            index += 1
    return entries


def operation_in_progress(repo: Repo, worktree: Path, git_dir: Path | None = None) -> str | None:
    """The merge, rebase, cherry-pick, revert or bisect under way in ``worktree``, if any.

    ``git_dir``: the worktree's git dir when the caller knows it (saves asking git).
    """
    if git_dir is None:
        git_dir = Path(
            repo.git_ok(
                "rev-parse", "--absolute-git-dir", cwd=worktree, doing="find a worktree's git dir"
            ).strip()
        )
    for marker in OPERATION_MARKERS:
        if (git_dir / marker).exists():
            return marker
    return None


def signs_commits(repo: Repo) -> bool:
    """Does the user's config ask for signed commits (``commit.gpgsign``)?"""
    result = repo.git("config", "--bool", "--get", "commit.gpgsign")
    return result.ok and result.stdout.strip() == "true"


def commit_tree(repo: Repo, tree: str, parents: list[CommitOid], message: str) -> CommitOid:
    """Write a commit object; signed, as ``git commit`` would, when ``commit.gpgsign`` is on.

    ``commit-tree`` ignores ``commit.gpgsign`` by itself; ``-S`` signs with
    ``user.signingkey`` (or the committer's identity) through ``gpg.program``.
    """
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    if signs_commits(repo):
        args.append("-S")
    result = repo.git(*args, "-m", message)
    if not result.ok:
        signing = " (commit.gpgsign is on)" if "-S" in args else ""
        raise GitError(f"Could not write the merge commit{signing}: {result.first_error_line()}.")
    return CommitOid(result.stdout.strip())


def ref_move_refused(repo: Repo, ref: str, new: CommitOid, old: CommitOid) -> str | None:
    """Why git would refuse to move ``ref`` from ``old`` to ``new`` (a hook, say), else None.

    A transaction is prepared, which runs the ``reference-transaction`` hook,
    then aborted: nothing moves either way.
    """
    result = process.run(
        "git",
        ["-C", str(repo.toplevel), "update-ref", "--stdin"],
        stdin=f"start\nupdate {ref} {new} {old}\nprepare\nabort\n",
    )
    return None if result.ok else result.first_error_line()


def worktree_git_dir(worktree: Worktree, common_dir: Path) -> Path | None:
    """The git dir of ``worktree``: the common dir for the main one, else its ``.git`` file's."""
    dot_git = worktree.path / ".git"
    if worktree.bare:
        return common_dir
    if dot_git.is_dir():
        return dot_git
    try:
        text = dot_git.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return common_dir if worktree.path == common_dir.parent else None
    if not text.startswith("gitdir: "):
        return None
    found = Path(text.removeprefix("gitdir: ").strip())
    return found if found.is_absolute() else (worktree.path / found).resolve()


def branch_in_use(repo: Repo, branch: str) -> str | None:
    """The worktree and operation holding ``branch`` while it looks free, if any.

    During ``git rebase`` or ``git bisect`` the worktree is detached, yet the
    branch is in use: the rebase rewrites it at the end, the bisect returns to
    it. A worktree with ``branch`` checked out and a merge under way is using
    it too. Moving the branch then breaks the user's operation.
    """
    ref = f"refs/heads/{branch}"
    for worktree in repo.worktrees():
        git_dir = worktree_git_dir(worktree, repo.common_dir)
        if git_dir is None:
            continue
        for folder in ("rebase-merge", "rebase-apply"):
            if _read_first_line(git_dir / folder / "head-name") == ref:
                return f"{branch} is being rebased in {worktree.path}"
        if _read_first_line(git_dir / "BISECT_START") in (branch, ref):
            return f"{branch} is being bisected in {worktree.path}"
        if worktree.branch == branch and (git_dir / "MERGE_HEAD").exists():
            return f"a merge into {branch} is under way in {worktree.path}"
    return None


def _read_first_line(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline().strip()
    except (OSError, UnicodeDecodeError):
        return None


def update_ref(repo: Repo, ref: str, new: CommitOid, old: CommitOid | None, reason: str) -> bool:
    """Compare-and-swap ``ref`` from ``old`` (None: must not exist) to ``new``; True when done."""
    return repo.git("update-ref", "-m", reason, ref, new, old or "").ok


def commit_all_changes(repo: Repo, worktree: Path, message: str) -> None:
    """Commit every change in ``worktree``; when git refuses, its index is exactly as it was.

    Staged through a copy of the worktree's index (``GIT_INDEX_FILE``): a
    refused commit (a failing pre-commit hook, signing) leaves the real index
    untouched; a commit made puts the copy in its place.
    """
    git_dir = Path(
        repo.git_ok(
            "rev-parse", "--absolute-git-dir", cwd=worktree, doing="find a worktree's git dir"
        ).strip()
    )
    index, scratch = git_dir / "index", git_dir / "q-tmux-commit.index"
    if index.exists():
        shutil.copyfile(index, scratch)
    try:
        for args in (["add", "-A"], ["commit", "--quiet", "-m", message]):
            result = git_through_index(worktree, scratch, *args)
            if not result.ok:
                raise GitError(
                    f"Could not commit the changes in {worktree} ({result.first_error_line()}); "
                    "nothing was committed and its index is as it was."
                )
        os.replace(scratch, index)
    finally:
        scratch.unlink(missing_ok=True)


def snapshot_worktree(repo: Repo, worktree: Path, message: str) -> CommitOid:
    """A commit holding ``worktree``'s files as they are (tracked, changed, untracked).

    Made through a copy of its index, so its index, files and the stash
    (shared by every worktree) stay as they were.
    """
    git_dir = Path(
        repo.git_ok(
            "rev-parse", "--absolute-git-dir", cwd=worktree, doing="find a worktree's git dir"
        ).strip()
    )
    head = repo.git_ok("rev-parse", "HEAD", cwd=worktree, doing="read HEAD").strip()
    import tempfile  # only here: a merge preview never pays its import

    with tempfile.TemporaryDirectory() as scratch:
        index = Path(scratch) / "index"
        source = git_dir / "index"
        if source.exists():
            index.write_bytes(source.read_bytes())
        for args in (["add", "-A"], ["write-tree"]):
            result = git_through_index(worktree, index, *args)
            if not result.ok:
                raise GitError(f"Could not snapshot {worktree}: {result.first_error_line()}.")
        tree = result.stdout.strip()
    return commit_tree(repo, tree, [CommitOid(head)], message)


def head_commit(repo: Repo, worktree: Path) -> CommitOid | None:
    """The commit ``worktree``'s HEAD is at (on a branch or detached), or None when unborn."""
    result = repo.git("rev-parse", "--verify", "-q", "HEAD^{commit}", cwd=worktree)
    return CommitOid(result.stdout.strip()) if result.ok else None


def count_unreached(
    repo: Repo, commit: CommitOid, *, dropping: list[str], keeping: list[str]
) -> int:
    """How many commits of ``commit``'s history no ref but those ``dropping`` reaches.

    Commits ``keeping`` reaches count as reached too. Worktrees' HEADs are not
    refs and do not count: they go with their worktree.
    """
    args = ["rev-list", "--count", commit, "--not", *keeping]
    args += [f"--exclude={ref}" for ref in dropping]
    out = repo.git_ok(*args, "--glob=refs/*", doing="see which commits other refs keep")
    return int(out.strip() or 0)


def snapshot_index(repo: Repo, worktree: Path, message: str) -> CommitOid | None:
    """A commit holding ``worktree``'s staged content, or None when nothing is staged.

    Also None with unmerged entries (mid-conflict), which a tree cannot hold; the
    files snapshot keeps them. Made through a copy: the index itself is not touched.
    """
    git_dir = Path(
        repo.git_ok(
            "rev-parse", "--absolute-git-dir", cwd=worktree, doing="find a worktree's git dir"
        ).strip()
    )
    head = head_commit(repo, worktree)
    source = git_dir / "index"
    if head is None or not source.exists():
        return None
    import tempfile  # only here: a merge preview never pays its import

    with tempfile.TemporaryDirectory() as scratch:
        index = Path(scratch) / "index"
        index.write_bytes(source.read_bytes())
        result = git_through_index(worktree, index, "write-tree")
    tree = result.stdout.strip()
    head_tree = repo.git_ok("rev-parse", f"{head}^{{tree}}", doing="read a tree").strip()
    if not result.ok or tree == head_tree:
        return None
    return commit_tree(repo, tree, [head], message)


# -- for the one safe removal (q_tmux.merge.removal) -------------------------------------


def create_ref(repo: Repo, ref: str, commit: str) -> bool:
    """Make ``ref`` at ``commit`` only if it does not exist yet; True when made."""
    return repo.git("update-ref", ref, commit, "").ok


# --- what a session would bring to its base (``q-tmux diff``) ---


def merge_base(repo: Repo, worktree: Path, base: str) -> CommitOid | None:
    """Where ``worktree``'s HEAD branched from ``base`` (a branch or commit), or None.

    None when ``base`` names nothing or the two share no history.
    """
    result = repo.git("merge-base", "HEAD", "--end-of-options", base, cwd=worktree)
    return CommitOid(result.stdout.strip()) if result.ok and result.stdout.strip() else None


def wants_colour(repo: Repo, worktree: Path, *, terminal: bool) -> bool:
    """Would the user's git colour a diff written to a terminal (``terminal``) or a pipe?"""
    answer = repo.git(
        "config", "--get-colorbool", "color.diff", "true" if terminal else "false", cwd=worktree
    )
    return answer.ok and answer.stdout.strip() == "true"


def user_pager(repo: Repo, worktree: Path) -> str:
    """The pager git would use (``GIT_PAGER``, ``core.pager``, ``PAGER``, else less)."""
    answer = repo.git("var", "GIT_PAGER", cwd=worktree)
    return answer.stdout.strip() if answer.ok and answer.stdout.strip() else "less"


def diff_from(repo: Repo, worktree: Path, since: CommitOid, *, stat: bool, colour: bool) -> str:
    """``git diff`` of ``worktree``'s files (committed, staged, changed, untracked) since ``since``.

    Untracked files (not ignored) show as new files: they are marked intent-to-add
    in a scratch copy of the worktree's index (``GIT_INDEX_FILE``), so the user's
    index is never written, and ``git add -N`` stores no file content.
    """
    git_dir = Path(
        repo.git_ok(
            "rev-parse", "--absolute-git-dir", cwd=worktree, doing="find a worktree's git dir"
        ).strip()
    )
    import tempfile  # only here: a merge preview never pays its import

    with tempfile.TemporaryDirectory() as scratch:
        index = Path(scratch) / "index"
        source = git_dir / "index"
        if source.exists():
            index.write_bytes(source.read_bytes())

        def run(*args: str, stdin: str | None = None) -> str:
            result = git_through_index(worktree, index, "--literal-pathspecs", *args, stdin=stdin)
            if not result.ok:
                raise GitError(f"Could not diff {worktree}: {result.first_error_line()}.")
            return result.stdout

        untracked = run("ls-files", "-z", "--others", "--exclude-standard")
        if untracked:
            run("add", "-N", "--pathspec-from-file=-", "--pathspec-file-nul", stdin=untracked)
        shape = ["--stat"] if stat else []
        return run("diff", f"--color={'always' if colour else 'never'}", *shape, since, "--")


# --- carrying a worktree's uncommitted changes into another (q_tmux.sessions.carry) ---


@dataclass(frozen=True)
class WorktreeTrees:
    """A worktree's state as trees: HEAD, what is staged, and its files as they are."""

    head: CommitOid
    #: The index as a tree; None when it holds unmerged entries (a conflict), which no tree can.
    staged: str | None
    #: Tracked, changed and untracked files (ignored ones left out), as a tree.
    files: str
    #: Untracked git repositories inside (not submodules): the tree holds only their commit.
    embedded: tuple[str, ...] = ()


def read_worktree_trees(repo: Repo, worktree: Path, scratch_index: Path) -> WorktreeTrees:
    """``worktree``'s HEAD, staged tree and files tree, through ``scratch_index``.

    The worktree's index is copied to ``scratch_index`` and only the copy is
    written (``write-tree`` would otherwise refresh the real index's cache), so
    the worktree's index, files and HEAD stay byte for byte as they were. The
    copy is left holding the files tree, with fresh stat data, for
    :func:`restore_head_files`. HEAD is read from the git directory's files
    where they say it plainly; the staged tree is written from a second copy
    while the first takes in the files.
    """
    from q_tmux.background import in_background

    git_dir, head = worktree_head(repo, worktree)
    staged_index = scratch_index.with_name(f"{scratch_index.name}.staged")
    source = git_dir / "index"
    for copy in (scratch_index, staged_index):
        if source.exists():
            shutil.copyfile(source, copy)
        else:
            copy.unlink(missing_ok=True)

    def run(*args: str, index: Path = scratch_index) -> process.Completed:
        # Untranslated, so that the embedded repository warning can be read.
        return git_through_index(worktree, index, *args, env={"LC_ALL": "C"})

    writing = in_background(lambda: run("write-tree", index=staged_index))
    try:
        added = run("add", "-A")
    finally:
        staged = writing()
        staged_index.unlink(missing_ok=True)
    if not staged.ok and "unmerged" not in staged.stderr:
        raise GitError(f"Could not read the index of {worktree}: {staged.first_error_line()}.")
    embedded: list[str] = []
    for files in (added, run("write-tree")):
        if not files.ok:
            raise GitError(f"Could not read the files of {worktree}: {files.first_error_line()}.")
        embedded += [
            line.partition(EMBEDDED_REPOSITORY)[2].strip()
            for line in files.stderr.splitlines()
            if EMBEDDED_REPOSITORY in line
        ]
    return WorktreeTrees(
        CommitOid(head),
        staged.stdout.strip() if staged.ok else None,
        files.stdout.strip(),
        tuple(embedded),
    )


def git_through_index(
    worktree: Path,
    index: Path,
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> process.Completed:
    """git ``args`` in ``worktree`` with ``index`` as its index file (``GIT_INDEX_FILE``):
    most often a scratch copy, so that the worktree's own index is never written."""
    environment = {"GIT_INDEX_FILE": str(index), **(env or {})}
    return process.run("git", ["-C", str(worktree), *args], env=environment, stdin=stdin)


def worktree_head(repo: Repo, worktree: Path) -> tuple[Path, CommitOid]:
    """``worktree``'s git directory and the commit its HEAD names, read from their files
    where they say it plainly (else git is asked)."""
    git_dir = _worktree_git_dir(worktree, repo.common_dir)
    head = head_commit_from_files(git_dir, repo.common_dir) if git_dir is not None else None
    if git_dir is None or head is None:
        found_dir, found_head = repo.git_ok(
            "rev-parse",
            "--absolute-git-dir",
            "HEAD",
            cwd=worktree,
            doing=f"read HEAD in {worktree}",
        ).splitlines()
        git_dir, head = Path(found_dir), CommitOid(found_head)
    return git_dir, head


@dataclass(frozen=True)
class Planted:
    """What a worktree :func:`plant_trees` filled holds, as :func:`check_planted` found it."""

    head: CommitOid
    #: Its index as a tree, once it took the staged tree.
    staged: str
    #: Whether its files are exactly the files tree it was filled with.
    files_match: bool


def check_planted(repo: Repo, worktree: Path, staged: str, scratch_index: Path) -> Planted:
    """Give the ``worktree`` :func:`plant_trees` just filled its index ``staged``, and read
    back what it holds.

    Right after the checkout its index holds the files tree, with fresh stat data. A
    copy of it (``scratch_index``) is what the files are compared with: ``diff``
    (every tracked file's content and mode; git hashes again each file written in the
    same second as the index) and ``ls-files --others`` (no other file but ignored
    ones). Meanwhile the index takes ``staged`` (``read-tree -m`` keeps the stat data
    of every entry whose content matches) and is written as a tree again.
    """
    from q_tmux.background import in_background

    git_dir, head = worktree_head(repo, worktree)
    shutil.copyfile(git_dir / "index", scratch_index)

    def staging() -> process.Completed:
        taken = git_through_index(worktree, git_dir / "index", "read-tree", "-m", staged)
        return git_through_index(worktree, git_dir / "index", "write-tree") if taken.ok else taken

    def untracked() -> process.Completed:
        others = ("ls-files", "--others", "--exclude-standard", "-z")
        return git_through_index(worktree, scratch_index, *others)

    setting, listing = in_background(staging), in_background(untracked)
    try:
        # diff, not diff-files: it refreshes the stat data first, so only content counts.
        compared = git_through_index(worktree, scratch_index, "diff", "--quiet", "--no-ext-diff")
    finally:
        written, extra = setting(), listing()
    if compared.returncode not in (0, 1) or not extra.ok:
        failed = extra if extra.returncode else compared
        raise GitError(f"Could not read the files of {worktree}: {failed.first_error_line()}.")
    if compared.returncode == 1 or extra.stdout:
        # A file not as checked out also makes read-tree refuse ("not uptodate"): the
        # difference, not that refusal, is what to tell.
        return Planted(head, written.stdout.strip() if written.ok else "", files_match=False)
    if not written.ok:
        why = written.first_error_line()
        raise GitError(f"Could not put the carried changes into {worktree}: {why}.")
    return Planted(head, written.stdout.strip(), files_match=True)


def _worktree_git_dir(worktree: Path, common_dir: Path) -> Path | None:
    """The git directory of ``worktree`` (of the repository at ``common_dir``), read from its
    ``.git``; None when git must be asked (the environment names another one)."""
    if "GIT_DIR" in os.environ or "GIT_WORK_TREE" in os.environ:
        return None
    dot_git = worktree / ".git"
    if dot_git.is_dir():
        return dot_git if dot_git.resolve() == common_dir.resolve() else None
    line = _read_first_line(dot_git)
    if line is None or not line.startswith("gitdir: "):
        return None
    found = worktree / line.removeprefix("gitdir: ")  # absolute, or relative to the worktree
    return found if found.is_dir() else None


def head_commit_from_files(git_dir: Path, common_dir: Path) -> CommitOid | None:
    """The commit HEAD of ``git_dir`` names, read from its files; None when git must be asked.

    Only plain answers count: a detached HEAD, or a branch whose ref the files say
    plainly (:func:`q_tmux.adapters.refs.read_branch`). Anything else (the reftable
    format, a symbolic branch, an unborn one) is left to git.
    """
    head = _read_first_line(git_dir / "HEAD")
    branch = head_file_branch(head)
    if branch is None or head is None:
        return None
    if branch == "":
        return CommitOid(head)
    found = refs.read_branch(str(common_dir), branch)
    return None if found is None else CommitOid(found)


#: How ``git add`` warns of a repository inside the work tree that is not a submodule.
EMBEDDED_REPOSITORY = "adding embedded git repository:"


def plant_trees(repo: Repo, worktree: Path, files: str, *, checked_out: bool = True) -> None:
    """Make a new ``worktree``'s files (and index) ``files``, HEAD unchanged.

    In a worktree checked out at HEAD, a two-tree ``read-tree -m -u`` moves the
    files from HEAD's to ``files``, writing only those that differ. In one made
    without a checkout (no files, no index) a one-tree ``read-tree -m -u`` writes
    ``files`` in one pass, as the checkout would have HEAD's, and refuses to
    overwrite anything found there. Its index then takes the staged tree in
    :func:`check_planted`.
    """
    first = ["read-tree", "-m", "-u", *(["HEAD"] if checked_out else []), files]
    repo.git_ok(*first, cwd=worktree, doing=f"put the carried changes into {worktree}")


def restore_head_files(
    repo: Repo, scratch_index: Path, files: str, index_was: bytes | None
) -> str | None:
    """Put the files and index of the worktree ``repo`` was found in back to its HEAD.

    Returns why not, changing nothing. It holds the index's lock as git does
    (``index.lock``), so no git command there runs meanwhile, and refuses when
    the index is no longer ``index_was``. ``scratch_index`` must hold ``files``
    as :func:`read_worktree_trees` left it: git then refuses a file that changed
    since it was read, or a new untracked file where a deleted one would come
    back. The index is replaced only after the files are done.
    """
    index, lock = repo.git_dir / "index", repo.git_dir / "index.lock"
    try:
        held = lock.open("xb")
    except FileExistsError:
        return f"another git command holds {lock}"
    replaced = False
    try:
        with held:
            if index_bytes(repo) != index_was:
                return "its index changed meanwhile"
            result = git_through_index(
                repo.toplevel, scratch_index, "read-tree", "-m", "-u", files, "HEAD"
            )
            if not result.ok:
                return f"git refused: {result.first_error_line()}"
            held.write(scratch_index.read_bytes())
        os.replace(lock, index)
        replaced = True
    finally:
        if not replaced:
            lock.unlink(missing_ok=True)
    return None


def operation_name(marker: str) -> str:
    """What the user would call the operation ``marker`` (one of OPERATION_MARKERS) shows."""
    return {
        "MERGE_HEAD": "merge",
        "rebase-merge": "rebase",
        "rebase-apply": "rebase",
        "CHERRY_PICK_HEAD": "cherry-pick",
        "REVERT_HEAD": "revert",
        "BISECT_LOG": "bisect",
    }.get(marker, marker)


def index_bytes(repo: Repo) -> bytes | None:
    """The index file of the worktree ``repo`` was found in, as it is now (None: it has none)."""
    try:
        return (repo.git_dir / "index").read_bytes()
    except FileNotFoundError:
        return None


def operation_under_way(repo: Repo) -> str | None:
    """What the user would call the operation under way where ``repo`` was found, if any."""
    for marker in OPERATION_MARKERS:
        if (repo.git_dir / marker).exists():
            return operation_name(marker)
    return None
