"""``conflicts`` on the standard library alone: sessions, facts and git without pydantic or plumbum.

A look at ``conflicts`` when nothing moved runs no git at all (everything is in
the fact files), so what it would cost is importing pydantic, libtmux and
plumbum to read a few small JSON files. Here the session files are read and
checked by hand, branch tips come from the ref files, facts from
:mod:`q_tmux.store.facts`, and git runs (through
:func:`q_tmux.adapters.tmuxcmd.run_program`) only for a fact not known yet.
The analysis is :func:`q_tmux.merge.conflicts.analyse` itself, so the answer
is the full command's.

Wherever this path cannot be sure to answer exactly as the full command
would (a session file the pydantic model might judge otherwise, a branch not
in a ref file, git failing or too old to predict), it raises :class:`Unsure`
and the full command runs instead; it prints nothing before it is sure.
"""

from __future__ import annotations

import json
import os
from datetime import datetime

from q_tmux.adapters import counts, merge_tree, numstat, refs
from q_tmux.merge.conflicts import Checkout, Report, analyse
from q_tmux.sessions.grouping import group_key, grouped
from q_tmux.store import xdg
from q_tmux.store.facts import FactStore, is_counts, is_prediction, key, prediction_fact
from q_tmux.store.record import SCHEMA_VERSION, Reason, Source, Status, session_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from q_tmux.adapters.git import CommitOid
else:
    CommitOid = str

#: git's longest answer worth waiting for here; a slower one is left to the full command.
GIT_TIMEOUT = 120.0


class Unsure(Exception):
    """This path cannot answer exactly as the full command would: let that one run."""


# -- the sessions -------------------------------------------------------------------------


def _text(value: object) -> bool:
    return isinstance(value, str)


def _optional_text(value: object) -> bool:
    return value is None or isinstance(value, str)


def _flag(value: object) -> bool:
    return isinstance(value, bool)


def _texts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _moment(value: object) -> bool:
    """Whether ``value`` is a datetime as pydantic writes it (``2026-11-22T10:07:24.123Z``);
    other forms are left to pydantic, whose reading of them may differ."""
    if not isinstance(value, str) or len(value) < 19 or value[10] != "T":
        return False
    if not (value[4] == value[7] == "-" and value[13] == value[16] == ":"):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _words(words: type[Status] | type[Reason] | type[Source]) -> Any:
    values = {word.value for word in words}
    return lambda value: isinstance(value, str) and value in values


#: The fields of :class:`q_tmux.store.session_file.SessionRecord` and its parts, each with
#: the JSON its writer gives it; (required, check). Unknown fields are kept by the model.
_WORKTREE = {
    "path": (True, _text),
    **{
        name: (False, _optional_text)
        for name in (
            "branch",
            "repo_root",
            "base_branch",
            "base_oid",
            "merge_target",
            "workspace_root",
            "workspace_path",
        )
    },
    "is_temporary": (False, _flag),
    "owns_worktree": (False, _flag),
}
_AGENT = {
    "preset": (True, _text),
    "command": (True, _texts),
    "resume_command": (True, _texts),
    "base_command": (False, _texts),
    "base_resume_command": (False, _texts),
    "hooks": (False, _flag),
    "files": (False, _texts),
    "env": (False, lambda v: isinstance(v, dict) and all(_text(x) for x in v.values())),
    "conversation_id": (False, _optional_text),
    "conversation_file": (False, _optional_text),
}
_TMUX = {
    name: (False, _optional_text)
    for name in ("socket", "session", "session_id", "window_id", "pane_id")
}


def _fits(value: object, fields: dict[str, tuple[bool, Any]]) -> bool:
    """Whether ``value`` is an object whose known fields hold what their writer gives them."""
    if not isinstance(value, dict):
        return False
    for name, (required, check) in fields.items():
        if name in value:
            if not check(value[name]):
                return False
        elif required:
            return False
    return True


_RECORD = {
    "id": (True, _text),
    "name": (True, _text),
    "status": (False, _words(Status)),
    "waiting_reason": (False, lambda v: v is None or _words(Reason)(v)),
    "status_source": (False, _words(Source)),
    "status_changed_at": (False, _moment),
    "created": (True, _moment),  # its default is the time of reading: pydantic's own
    "last_active": (False, _moment),
    "stalled_since": (False, lambda v: v is None or _moment(v)),
    "first_message": (False, _optional_text),
    "session_type": (False, _optional_text),
    "agent": (True, lambda v: _fits(v, _AGENT)),
    "tmux": (False, lambda v: _fits(v, _TMUX)),
    "worktree_info": (True, lambda v: _fits(v, _WORKTREE)),
    "repos": (False, lambda v: isinstance(v, list) and all(_fits(i, _WORKTREE) for i in v)),
    "merge_conflicts": (False, lambda v: v is None or _texts(v)),
    "group": (False, _optional_text),
    "start_typed": (False, _optional_text),
}


class Branches:
    """A worktree's branch and base, as :class:`q_tmux.merge.conflicts.Checkout` reads them."""

    __slots__ = ("base_branch", "branch")

    def __init__(self, branch: str | None, base_branch: str | None) -> None:
        self.branch = branch
        self.base_branch = base_branch


def _registry() -> list[tuple[str, str, str | None]]:
    """(name, working folder, repository) of each registry entry, in the order of
    :func:`q_tmux.store.registry.load` (oldest file first); files it would report as broken
    are left out, as it does."""
    folder = xdg.registry_dir()
    try:
        files = [item for item in os.scandir(folder) if item.name.endswith(".json")]
        files.sort(key=lambda item: (item.stat().st_mtime, item.name))
    except FileNotFoundError as error:
        if error.filename == folder:
            return []
        raise Unsure from None  # removed while sorted: the full command tells it its way
    except OSError:
        raise Unsure from None
    found = []
    for item in files:
        try:
            with open(item.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        version, repo_root = data.get("version", 1), data.get("repo_root")
        name, work_dir = data.get("name"), data.get("work_dir")
        if type(version) is not int or not _text(data.get("id")) or not _text(name):
            continue
        if not isinstance(work_dir, str) or not _optional_text(repo_root):
            continue
        found.append((str(name), work_dir, repo_root))
    return found


def _record(work_dir: str) -> dict[str, Any] | None:
    """The session file in ``work_dir`` when the pydantic model reads it; None when it
    refuses it. Unsure when this cannot tell."""
    try:
        with open(session_path(work_dir), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):  # ValueError: not JSON, or not UTF-8
        return None
    if not isinstance(data, dict) or "version" not in data or "id" not in data:
        return None
    version = data["version"]
    if isinstance(version, int) and version > SCHEMA_VERSION:
        return None  # written by a newer q-tmux
    if type(version) is not int or version != SCHEMA_VERSION or not _fits(data, _RECORD):
        raise Unsure  # the model may read it, or refuse it: let it judge
    return data


def checkouts_by_repo() -> tuple[dict[str, list[Checkout]], dict[str, str]]:
    """Every session's worktrees, by repository, in the order the full command finds them,
    and the tmux socket of each repository's first session ("" when it has none).

    That order is the sessions' creation time, then their registered name, with a
    fan-out's sessions together; a session whose folder is gone or whose file
    cannot be read takes no part.
    """
    sessions = []
    for name, work_dir, repo_root in _registry():
        if not os.path.isdir(work_dir):
            continue
        data = _record(work_dir)
        if data is not None:
            created = datetime.fromisoformat(data["created"]).timestamp()
            together = group_key(data.get("group"), repo_root, work_dir)
            sessions.append((created, name, together, data))
    sessions.sort(key=lambda session: session[:2])
    by_repo: dict[str, list[Checkout]] = {}
    sockets: dict[str, str] = {}
    for _, _, _, data in grouped(sessions, lambda session: session[2]):
        # A workspace session has a worktree in each of its repositories.
        for info in data.get("repos") or [data["worktree_info"]]:
            root = info.get("repo_root")
            if root and info.get("owns_worktree", True):
                branches = Branches(info.get("branch"), info.get("base_branch"))
                checkout = Checkout(data["name"], branches, data.get("group"))
                by_repo.setdefault(root, []).append(checkout)
                sockets.setdefault(root, data.get("tmux", {}).get("socket") or "")
    return by_repo, sockets


# -- the facts ------------------------------------------------------------------------------


class Prediction:
    """What merging two commits would give (as :class:`q_tmux.adapters.git.MergePrediction`)."""

    __slots__ = ("clean", "conflicts", "tree")

    def __init__(self, clean: bool, tree: str | None, conflicts: tuple[str, ...]) -> None:
        self.clean: bool | None = clean
        self.tree = tree
        self.conflicts = conflicts


class Change:
    """One changed file (as :class:`q_tmux.adapters.git.FileChange`)."""

    __slots__ = ("added", "deleted", "path")

    def __init__(self, path: str, added: int | None, deleted: int | None) -> None:
        self.path = path
        self.added = added
        self.deleted = deleted


def _run(program: str, args: list[str]) -> tuple[int, str]:
    from q_tmux.adapters import tmuxcmd  # only when a fact is unknown: a warm look runs nothing

    return tmuxcmd.run_program(program, args, timeout=GIT_TIMEOUT)


def _is_row(row: object) -> bool:
    """Whether ``row`` is a kept [path, added, deleted] (a bool is no count here)."""
    return (
        isinstance(row, list)
        and len(row) == 3
        and isinstance(row[0], str)
        and all(n is None or (isinstance(n, int) and not isinstance(n, bool)) for n in row[1:])
    )


class LightHistory:
    """The answers :class:`q_tmux.merge.facts.CachedHistory` gives, from the same facts and the
    same git commands, without the git adapter; :class:`Unsure` where it would ask more."""

    def __init__(self, repo_root: str, *, refresh: bool = False) -> None:
        self.root = repo_root
        self.facts = FactStore(repo_root, refresh=refresh)
        self._common_dir = refs.common_dir_of(repo_root)

    def save(self) -> None:
        self.facts.save()

    def branch(self, name: str) -> CommitOid | None:
        """Where ``name`` points, from its ref file (else the full command asks git)."""
        found = refs.read_branch(self._common_dir, name) if self._common_dir and name else None
        if found is None:
            raise Unsure  # a reftable, a symbolic ref, or a branch that is gone
        return CommitOid(found)

    def ahead_behind(self, base: CommitOid, tip: CommitOid) -> tuple[int, int]:
        fact = key("ahead-behind", base, tip)
        known = self.facts.get(fact)
        if not is_counts(known):
            found = counts.ahead_behind(self.root, base, tip, _run)
            if found is None:
                raise Unsure
            known = list(found)
            self.facts.put(fact, known)
        return int(known[0]), int(known[1])

    def predict(self, ours: CommitOid, theirs: CommitOid) -> Prediction:
        fact = key("predict", ours, theirs)
        known = self.facts.get(fact)
        if is_prediction(known):
            return Prediction(known["clean"], known["tree"], tuple(known["conflicts"]))
        answer = merge_tree.ask(self.root, ours, theirs, _run)
        if answer is None:
            raise Unsure  # git older than 2.38, or failing: the full command says which
        clean, tree, conflicts = answer
        self.facts.put(fact, prediction_fact(clean, tree, conflicts))
        return Prediction(clean, tree, tuple(conflicts))

    def predict_onto(
        self, base: CommitOid, merged_first: CommitOid, then: CommitOid
    ) -> Prediction | None:
        """As :meth:`q_tmux.adapters.git.History.predict_onto`, reusing the throwaway merge.

        The commit of ``merged_first`` merged into ``base`` is kept as a fact, so
        a moved ``then`` costs one ``merge-tree`` and no ``commit-tree``. No ref
        keeps that commit: once git has collected it, it is written again.
        """
        first = self.predict(base, merged_first)
        if not first.clean or first.tree is None:
            return None
        fact = key("merged", base, merged_first)
        kept = self.facts.get(fact)
        if isinstance(kept, str) and kept:
            try:
                return self.predict(CommitOid(kept), then)
            except Unsure:
                pass  # collected by git meanwhile (or git failing: asked again below)
        merged = merge_tree.merged_commit(self.root, first.tree, base, merged_first, _run)
        if merged is None:
            raise Unsure
        self.facts.put(fact, merged)
        return self.predict(CommitOid(merged), then)

    def changed_files(self, base: CommitOid, tip: CommitOid) -> list[Change]:
        fact = key("diff-stat", base, tip)
        rows = self.facts.get(fact)
        if not (isinstance(rows, list) and all(_is_row(row) for row in rows)):
            found = numstat.changed_files(self.root, base, tip, _run)
            if found is None:
                raise Unsure
            rows = [list(row) for row in found]
            self.facts.put(fact, rows)
        return [Change(path, added, deleted) for path, added, deleted in rows]


def reports(*, refresh: bool = False) -> tuple[dict[str, Report], dict[str, str]]:
    """Each repository's :class:`Report`, as ``q-tmux conflicts`` shows them, and the tmux
    socket of its first session; Unsure, having shown nothing, where the full command must
    answer."""
    by_repo, sockets = checkouts_by_repo()
    found: dict[str, Report] = {}
    for root, checkouts in sorted(by_repo.items()):
        history = LightHistory(root, refresh=refresh)
        try:
            found[root] = analyse(checkouts, history)
        finally:
            history.save()  # what was learnt holds, whoever answers
    return found, sockets
