"""Listing sessions for ``list`` and the picker, standard library only.

``list`` and the picker's rows read every session file and ask each tmux server
once which windows are q-tmux's. Importing libtmux and click costs several
times that, and even the session file's schema (:mod:`q_tmux.store.schema`
brings :mod:`typing`, :mod:`datetime` and :mod:`enum`) a sixth of such a run, so
this module reads the files with :mod:`q_tmux.store.jsontext`, judges them as
the schema would (:func:`canonical_record`; a unit test holds its field tables
to the schema's), and renders the
table and the JSON. The click ``list`` renders through the same functions, so
both paths print the same bytes.

:func:`load` answers only when it can prove its answer equals the click path's:
every session file as the model would dump it, every fact known. Otherwise it
returns None and the caller runs the click command, which validates, explains
a broken file and computes what is missing with git.
"""

from __future__ import annotations

import os
import time

from q_tmux.adapters import refs
from q_tmux.adapters.tmux_vocabulary import (
    ID_OPTION,
    field,
    list_panes,
    parse_panes,
    socket_from_environment,
    socket_path,
)
from q_tmux.sessions.grouping import group_key, grouped
from q_tmux.store import facts as fact_files
from q_tmux.store import jsonfile, registry_files
from q_tmux.store.words import (
    APPROVAL,
    BUSY,
    PROCESS,
    REASONS,
    SOURCES,
    STARTING,
    STATUSES,
    WAITING,
    rank,
    session_path,
    shown_state,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

NO_SESSIONS = 'No sessions yet. Start one with: q-tmux new NAME "first message"'
HEADER = [" ", "NAME", "STATUS", "BRANCH → BASE", "WORKTREE", "WINDOW", "ACTIVE"]

# -- the session file, as its schema writes it ----------------------------------------------------

_DATETIME, _TEXT, _TEXTS, _FLAG, _TEXT_MAP = "datetime", "str", "list[str]", "bool", "dict[str,str]"
_REQUIRED = object()  # no default, or one the model makes afresh (now): the file must say it
_Fields = tuple[tuple[str, object, object], ...]  # (name, kind, default), in declaration order

#: :class:`~q_tmux.store.session_file.AgentInfo`, :class:`TmuxInfo` and :class:`WorktreeInfo`:
#: each field's name, kind and default, in the model's order (tests/unit/sessions compares them).
AGENT_FIELDS: _Fields = (
    ("preset", _TEXT, _REQUIRED),
    ("command", _TEXTS, _REQUIRED),
    ("resume_command", _TEXTS, _REQUIRED),
    ("base_command", _TEXTS, []),
    ("base_resume_command", _TEXTS, []),
    ("hooks", _FLAG, False),
    ("files", _TEXTS, []),
    ("env", _TEXT_MAP, {}),
    ("conversation_id", (_TEXT, None), None),
    ("conversation_file", (_TEXT, None), None),
)
TMUX_FIELDS: _Fields = tuple(
    (name, (_TEXT, None), None)
    for name in ("socket", "session", "session_id", "window_id", "pane_id")
)
WORKTREE_FIELDS: _Fields = (
    ("path", _TEXT, _REQUIRED),
    ("branch", (_TEXT, None), None),
    ("repo_root", (_TEXT, None), None),
    ("base_branch", (_TEXT, None), None),
    ("base_oid", (_TEXT, None), None),
    ("is_temporary", _FLAG, False),
    ("merge_target", (_TEXT, None), None),
    ("owns_worktree", _FLAG, True),
    ("workspace_root", (_TEXT, None), None),
    ("workspace_path", (_TEXT, None), None),
)
#: :class:`~q_tmux.store.session_file.SessionRecord`'s fields.
RECORD_FIELDS: _Fields = (
    ("version", frozenset({1}), _REQUIRED),  # read_session_file wants it written
    ("id", _TEXT, _REQUIRED),
    ("name", _TEXT, _REQUIRED),
    ("status", frozenset(STATUSES), STARTING),
    ("waiting_reason", (frozenset(REASONS), None), None),
    ("status_source", frozenset(SOURCES), PROCESS),
    ("status_changed_at", _DATETIME, _REQUIRED),
    ("created", _DATETIME, _REQUIRED),
    ("last_active", _DATETIME, _REQUIRED),
    ("first_message", (_TEXT, None), None),
    ("session_type", (_TEXT, None), None),
    ("agent", AGENT_FIELDS, _REQUIRED),
    ("tmux", TMUX_FIELDS, {}),
    ("worktree_info", WORKTREE_FIELDS, _REQUIRED),
    ("repos", [WORKTREE_FIELDS], []),
    ("merge_conflicts", (_TEXTS, None), None),
    ("stalled_since", (_DATETIME, None), None),
    ("group", (_TEXT, None), None),
    ("start_typed", (_TEXT, None), None),
)


class _NotCanonical(Exception):
    """A value the model would reject, or would dump differently from how it is written."""


def canonical_record(data: object) -> dict[str, Any] | None:
    """``data`` as ``SessionRecord.from_dict(data).to_dict()`` would give it,
    or None when that is not certain (the click path then reads the file with the model).

    Stricter than the schema: a datetime not written as q-tmux writes it (``+00:00``,
    ``.000000Z``), which the schema would normalise, makes the answer None, never a guess.
    """
    if type(data) is not dict or "version" not in data or "id" not in data:
        return None
    try:
        return _RECORD(data)  # type: ignore[no-any-return]
    except _NotCanonical:
        return None


def _model(data: object, fields: _Fields) -> dict[str, Any]:
    """``data`` checked as the model of ``fields``; what the model dumps."""
    return _checker(fields)(data)  # type: ignore[no-any-return]


def _is_model(kind: object) -> bool:
    """Whether ``kind`` is a nested model's fields (as opposed to ``(kind, None)``)."""
    return isinstance(kind, tuple) and bool(kind) and isinstance(kind[0], tuple)


def _checker(kind: object) -> Callable[[Any], Any]:
    """A function checking a value against ``kind`` and giving what the model dumps for it,
    raising :class:`_NotCanonical` when the two may differ. Made once per kind: a listing
    checks every field of every session file."""
    if _is_model(kind):
        fields = [(name, _checker(each), default) for name, each, default in kind]  # type: ignore[attr-defined]

        def model(data: Any) -> dict[str, Any]:
            if type(data) is not dict:
                raise _NotCanonical
            dumped: dict[str, Any] = {}
            present = 0
            for name, check, default in fields:
                if name in data:
                    dumped[name] = check(data[name])
                    present += 1
                elif default is _REQUIRED:
                    raise _NotCanonical
                else:  # the default, as the model makes it
                    fresh = default.copy() if isinstance(default, list | dict) else default
                    dumped[name] = check(fresh) if isinstance(fresh, dict) else fresh
            if present < len(data):  # extra fields are kept, after the declared ones
                for name, value in data.items():
                    if name not in dumped:
                        dumped[name] = value
            return dumped

        return model
    if isinstance(kind, tuple):  # (kind, None): optional
        inner = _checker(kind[0])
        return lambda value: None if value is None else inner(value)
    if isinstance(kind, list):  # a list of a nested model
        item = _checker(kind[0])

        def items(value: Any) -> list[Any]:
            if type(value) is not list:
                raise _NotCanonical
            return [item(each) for each in value]

        return items
    if isinstance(kind, frozenset):  # words of a vocabulary, or the schema version
        words = kind
        return lambda value: _ok(type(value) in (str, int) and value in words, value)
    return {
        _TEXT: lambda value: _ok(type(value) is str, value),
        _FLAG: lambda value: _ok(type(value) is bool, value),
        _TEXTS: lambda value: _ok(
            type(value) is list and all(type(each) is str for each in value), value
        ),
        _TEXT_MAP: lambda value: _ok(
            type(value) is dict and all(type(each) is str for each in value.values()), value
        ),
        _DATETIME: lambda value: _ok(type(value) is str and _as_written(value), value),
    }[kind]  # type: ignore[index]


def _ok(good: bool, value: Any) -> Any:
    if not good:
        raise _NotCanonical
    return value


_RECORD = _checker(RECORD_FIELDS)


def _as_written(text: str) -> bool:
    """Whether ``text`` is a UTC time exactly as q-tmux writes one (so it reads it back so)."""
    return _micros(text) is not None


def _micros(text: str) -> int | None:
    """Microseconds since the epoch of a UTC time written as q-tmux writes one
    (``2026-11-22T10:07:23.123456Z``, no fraction when it is 0); None for any other text.

    Computed by hand: :mod:`datetime` costs a warm ``list`` a tenth of its run to import.
    """
    if text in _MICROS:
        return _MICROS[text]
    _MICROS[text] = micros = _read_micros(text)
    return micros


#: What :func:`_micros` read already: each time is read to check it, and again to show it.
_MICROS: dict[str, int | None] = {}


def _read_micros(text: str) -> int | None:
    if len(text) not in (20, 27) or text[-1] != "Z" or text[4:20:3] != "--T::" + text[19]:
        return None
    fields = [text[:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19]]
    if len(text) == 27:  # microseconds: q-tmux writes none rather than .000000
        if text[19] != "." or text[20:26] == "000000":
            return None
        fields.append(text[20:26])
    if not all(field.isascii() and field.isdigit() for field in fields):
        return None
    year, month, day, hour, minute, second = (int(field) for field in fields[:6])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days_in_month = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not (year and 1 <= month <= 12 and 1 <= day <= days_in_month[month - 1]):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    seconds = _days_since_epoch(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return seconds * 10**6 + (int(fields[6]) if len(fields) == 7 else 0)


def _days_since_epoch(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to this date of the proleptic Gregorian calendar."""
    year -= month <= 2
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468


def now_micros() -> int:
    """Now, in microseconds since the epoch (as :meth:`datetime.datetime.now` reads the clock)."""
    return time.time_ns() // 1000


def timestamp(text: str) -> float:
    """``datetime.fromisoformat(text).timestamp()`` of a datetime field of a dumped record."""
    micros = _micros(text)
    if micros is not None:
        return micros / 10**6
    from datetime import datetime  # written otherwise: only the click path meets these

    return datetime.fromisoformat(text).timestamp()


# -- sessions, as listed ---------------------------------------------------------------------


class Unsure(Exception):
    """Something :mod:`pathlib` or the registry reader would see differently: leave it to click."""


def _plain(path: str) -> str:
    """``path`` when ``str(Path(path))`` is ``path`` itself (no ``//``, ``.``, trailing ``/``)."""
    if os.path.normpath(path) != path or path.startswith("//"):
        raise Unsure
    return path


class Entry:
    """Where one session lives, as its registry file says (see :mod:`q_tmux.store.registry`)."""

    __slots__ = ("folder", "id", "name", "repo_root", "work_dir")

    def __init__(
        self, id: str, name: str, work_dir: str, repo_root: str | None, folder: str | None = None
    ) -> None:
        self.id = id
        self.name = name
        #: As the registry file says it.
        self.work_dir = work_dir
        self.repo_root = repo_root
        #: ``work_dir`` as :mod:`pathlib` writes it (shown in the table and messages).
        self.folder = folder if folder is not None else work_dir


def read_registry() -> tuple[list[Entry], list[str]]:
    """What :func:`q_tmux.store.registry.load` reads (the same reader), without :mod:`pathlib`
    and :mod:`dataclasses`: every entry, oldest file first, and a line per file that cannot
    be read. Raises :class:`Unsure` where the two could differ."""
    try:
        entries, problems = registry_files.read(strict=True)
    except registry_files.Unsure:
        raise Unsure from None
    return [
        Entry(each["id"], each["name"], each["work_dir"], each["repo_root"]) for each in entries
    ], [problem for _, problem in problems]


class Window:
    """A q-tmux window seen on a running server."""

    __slots__ = ("pane_dead", "pane_id", "tmux_session", "window_id")

    def __init__(self, window_id: str, pane_id: str, pane_dead: bool, tmux_session: str) -> None:
        self.window_id = window_id
        self.pane_id = pane_id
        self.pane_dead = pane_dead
        self.tmux_session = tmux_session


class Listed:
    """A registry entry, its session file as the model dumps it (None: unreadable), its window."""

    __slots__ = ("entry", "problem", "record", "window", "worktree_missing")

    def __init__(
        self,
        entry: Entry,
        record: dict[str, Any] | None,
        problem: str | None,
        window: Window | None,
        worktree_missing: bool,
    ) -> None:
        self.entry = entry
        self.record = record
        self.problem = problem
        self.window = window
        self.worktree_missing = worktree_missing

    @property
    def alive(self) -> bool:
        return self.window is not None and not self.window.pane_dead

    @property
    def socket(self) -> str | None:
        """The tmux server the session file names, as written (None: none)."""
        socket: str | None = self.record["tmux"]["socket"] if self.record is not None else None
        return socket

    @property
    def state(self) -> str:
        """The status to show: the file's, corrected by what tmux knows of the process."""
        record = self.record
        return shown_state(
            record["status"] if record is not None else None,
            record["waiting_reason"] if record is not None else None,
            alive=self.alive,
            gone=self.worktree_missing,
        )

    @property
    def stalled(self) -> bool:
        """Busy, but its screen has not changed for ``stalled_minutes`` (the watcher says)."""
        return (
            self.state in BUSY
            and self.record is not None
            and self.record["stalled_since"] is not None
        )

    def order(self) -> tuple[int, float]:
        """The picker's order: most urgent first, then longest in that state."""
        changed = timestamp(self.record["status_changed_at"]) if self.record else 0.0
        status, _, reason = self.state.partition(":")
        return rank(status, reason or None), changed


def load(socket: str) -> tuple[list[Listed], list[str]] | None:
    """Every registered session, oldest first, and one line per registry problem; None when
    a session file is not one the model would read back as written (see :func:`canonical_record`).

    ``socket`` is the server the command runs for (the others come from the records).
    """
    try:
        entries, problems = read_registry()
        for entry in entries:
            _plain(entry.work_dir)
    except Unsure:
        return None
    found: list[tuple[Entry, dict[str, Any] | None, str | None, bool]] = []
    for entry in entries:
        if not os.path.isdir(entry.work_dir):
            found.append((entry, None, f"its directory {entry.folder} is gone", True))
            continue
        record = canonical_record(jsonfile.load_object(session_path(entry.work_dir)))
        if record is None:
            return None  # the model explains what is wrong with it
        found.append((entry, record, None, False))
    windows: dict[str, dict[str, Window]] = {}
    for _, record, _, _ in found:
        where = record["tmux"]["socket"] if record else None
        if where and where not in windows:
            windows[where] = windows_at(where)
    listed = [
        Listed(
            entry, record, problem, windows.get(where, {}).get(entry.id) if where else None, gone
        )
        for entry, record, problem, gone in found
        for where in [record["tmux"]["socket"] if record else None]
    ]
    listed.sort(
        key=lambda item: (
            timestamp(item.record["created"]) if item.record else 0.0,
            item.entry.name,
        )
    )
    return grouped(listed, _group_key), problems


def _group_key(item: Listed) -> str | None:
    """A fan-out's sessions are listed together (:mod:`q_tmux.sessions.grouping`)."""
    group = item.record["group"] if item.record is not None else None
    return group_key(group, item.entry.repo_root, item.entry.work_dir)


def windows_at(socket: str) -> dict[str, Window]:
    """Every q-tmux window on the server at ``socket``, by session id, in one tmux call."""
    if not os.path.exists(socket):
        return {}
    from q_tmux.adapters import tmuxcmd  # here: conflicts reads sessions without tmux

    code, out = tmuxcmd.run(socket, *list_panes())
    if code != 0:
        return {}
    panes, _ = parse_panes(out)
    return {
        pane.session_id: Window(pane.window_id, pane.pane_id, pane.dead, pane.tmux_session)
        for pane in panes.values()
    }


def current_session_id(socket: str, listed: list[Listed], cwd: str) -> str | None:
    """The session this command runs in: by environment, by tmux window, else by directory."""
    from_env = os.environ.get("Q_TMUX_SESSION_ID")
    if from_env:
        return from_env
    pane = os.environ.get("TMUX_PANE") or None
    if pane is not None and socket_from_environment() == socket:
        from q_tmux.adapters import tmuxcmd

        code, out = tmuxcmd.run(socket, "display-message", "-p", "-t", pane, field(ID_OPTION))
        from_window = out.split("\n")[0] if code == 0 else ""
        if from_window:
            return from_window
    best: Listed | None = None
    for item in listed:  # work folders are plain (see load): compared as strings
        work_dir = item.entry.work_dir
        if _inside(cwd, work_dir) and (
            best is None or _depth(work_dir) > _depth(best.entry.work_dir)
        ):
            best = item
    return best.entry.id if best else None


def _inside(path: str, folder: str) -> bool:
    """``Path(path).is_relative_to(folder)`` for plain paths."""
    return path == folder or path.startswith(folder if folder.endswith("/") else folder + "/")


def _depth(path: str) -> int:
    """``len(Path(path).parts)`` for a plain path."""
    return len([part for part in path.split("/") if part]) + path.startswith("/")


# -- facts about branches ------------------------------------------------------------------


class BranchFacts:
    """Ahead/behind a branch's base and its predicted merge conflicts (None: unknown)."""

    __slots__ = ("ahead", "behind", "conflicts")

    def __init__(self, ahead: int, behind: int, conflicts: tuple[str, ...] | None) -> None:
        self.ahead = ahead
        self.behind = behind
        self.conflicts = conflicts


def facts_key(session_id: str, workspace_path: str | None = None) -> str:
    """Where a session's facts are kept in a listing, or one workspace repository's."""
    return f"{session_id}/{workspace_path}" if workspace_path is not None else session_id


def branches(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each worktree of a session whose branch facts a listing shows, by :func:`facts_key`."""
    found = [(facts_key(record["id"], each["workspace_path"]), each) for each in record["repos"]]
    if record["worktree_info"]["owns_worktree"]:
        found.append((facts_key(record["id"]), record["worktree_info"]))
    return [(key, info) for key, info in found if info["repo_root"]]


def known_facts(
    store: fact_files.FactStore,
    repo_root: str,
    branch: str | None,
    base: str | None,
    tips: dict[tuple[str, str], str | None] | None = None,
) -> BranchFacts | None:
    """A branch's facts when every one is known already: no process, no git adapter.

    ``tips`` keeps the branch tips read (sessions share their base) for the next call.
    """
    common = refs.common_dir_of(repo_root)
    if common is None or not branch or not base:
        return None
    tips = {} if tips is None else tips
    for name in (branch, base):
        if (common, name) not in tips:
            tips[common, name] = refs.read_branch(common, name)
    tip, base_tip = tips[common, branch], tips[common, base]
    if tip is None or base_tip is None:
        return None
    counts = store.get(fact_files.key("ahead-behind", base_tip, tip))
    prediction = store.get(fact_files.key("predict", base_tip, tip))
    if not fact_files.is_counts(counts) or not fact_files.is_prediction(prediction):
        return None  # unknown, or a file not of our making: git computes it
    return BranchFacts(counts[0], counts[1], tuple(prediction["conflicts"]))


def all_known_facts(listed: list[Listed]) -> dict[str, BranchFacts] | None:
    """Every fact the listing shows, by :func:`facts_key`; None when one would need git."""
    found: dict[str, BranchFacts] = {}
    stores: dict[str, fact_files.FactStore] = {}
    tips: dict[tuple[str, str], str | None] = {}
    for item in listed:
        if item.worktree_missing or item.record is None:
            continue
        for key, info in branches(item.record):
            root = info["repo_root"]
            store = stores.setdefault(root, fact_files.FactStore(root))
            known = known_facts(store, root, info["branch"], info["base_branch"], tips)
            if known is None:
                return None
            found[key] = known
    return found


# -- rendering -------------------------------------------------------------------------------


def ago(moment: str | None) -> str:
    """``42s ago``, ``5m ago``, ``3h ago``, ``2d ago``: since ``moment``, a datetime field of a
    dumped record."""
    if moment is None:
        return "-"
    micros = _micros(moment)
    if micros is not None:
        seconds = max(0, int((now_micros() - micros) / 10**6))
    else:  # written otherwise (only the click path meets these): as datetime computes it
        from datetime import UTC, datetime

        elapsed = datetime.now(UTC) - datetime.fromisoformat(moment)
        seconds = max(0, int(elapsed.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def short_path(path: str) -> str:
    """``path`` under the home folder as ``~/...``."""
    home = os.path.normpath(os.path.expanduser("~"))
    if path == home:
        return "~/."
    return "~/" + path[len(home) :].lstrip("/") if _inside(path, home) else path


def server_label(socket: str | None) -> str:
    """How a user names a server: ``-L NAME`` for tmux's own socket folder, else the path."""
    if socket is None:
        return "-"
    folder, name = os.path.split(socket)
    return f"-L {name}" if folder == os.path.dirname(socket_path("default")) else socket


def _branch_text(info: dict[str, Any], facts: BranchFacts | None) -> str:
    text = f"{info['branch']} → {info['base_branch']}"
    if facts is not None:
        text += f" +{facts.ahead}/-{facts.behind}"
        if facts.conflicts:
            text += " CONFLICT"
    return text


def _row(item: Listed, current: bool, facts: dict[str, BranchFacts]) -> list[str]:
    record = item.record
    info = record["worktree_info"] if record else None
    if record and record["repos"]:
        branch = f"{record['repos'][0]['branch']} in {len(record['repos'])} repositories"
    elif record and info and info["branch"] and info["base_branch"] and info["owns_worktree"]:
        branch = _branch_text(info, facts.get(facts_key(record["id"])))
    elif info and info["branch"]:
        branch = f"({info['branch']})"
    else:
        branch = "-"
    if item.window is not None:
        window = item.window.window_id + ("" if item.alive else " (dead)")
    else:
        window = "-" if item.worktree_missing or record is None else "resumable"
    return [
        "*" if current else " ",
        item.entry.name,
        item.state + (" (stalled)" if item.stalled else ""),
        branch,
        short_path(item.entry.folder),
        window,
        ago(record["last_active"] if record else None),
    ]


def _repo_rows(item: Listed, facts: dict[str, BranchFacts]) -> list[list[str]]:
    """One line per repository of a workspace session, under its row."""
    if item.record is None:
        return []
    return [
        [
            "",
            "",
            "",
            f"  {each['workspace_path']}: " + _branch_text(each, facts.get(key)),
            "",
            "",
            "",
        ]
        for each in item.record["repos"]
        for key in [facts_key(item.record["id"], each["workspace_path"])]
    ]


def render_table(
    listed: list[Listed],
    current: str | None,
    facts: dict[str, BranchFacts],
    socket: str,
    *,
    chosen: bool,
) -> list[str]:
    """``list``'s table (``chosen``: the server was named with ``-L``)."""
    if not listed:
        return [NO_SESSIONS]
    header = list(HEADER)
    # A fan-out's sessions say which group they are in, in a column shown only then.
    groups = any(item.record and item.record["group"] for item in listed)
    if groups:
        header.insert(2, "GROUP")
    # Under -L, sessions of other servers say where they are.
    elsewhere = chosen and any(item.socket not in (None, socket) for item in listed)
    if elsewhere:
        header.append("SERVER")
    rows = [header]
    for item in listed:
        row = _row(item, item.entry.id == current, facts)
        repo_rows = _repo_rows(item, facts)
        if groups:
            row.insert(2, (item.record["group"] or "") if item.record else "")
            repo_rows = [[*each[:2], "", *each[2:]] for each in repo_rows]
        if elsewhere:
            row.append("" if item.socket == socket else server_label(item.socket))
            repo_rows = [[*each, ""] for each in repo_rows]
        rows += [row, *repo_rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _facts_json(facts: BranchFacts | None) -> dict[str, Any]:
    return {
        "ahead": facts.ahead if facts else None,
        "behind": facts.behind if facts else None,
        "merge_conflicts": (
            list(facts.conflicts) if facts and facts.conflicts is not None else None
        ),
    }


def _server_json(socket: str | None) -> str | None:
    """The server's ``-L`` name, or its socket path when it lives elsewhere."""
    return None if socket is None else server_label(socket).removeprefix("-L ")


def render_json(
    listed: list[Listed],
    current: str | None,
    facts: dict[str, BranchFacts],
    pending: dict[str, dict[str, str | None]],
) -> str:
    """``list --json``: one object per session."""
    import json  # only here: reading needs no json (see q_tmux.store.jsontext)

    items = []
    for item in listed:
        record, window, entry = item.record, item.window, item.entry
        items.append(
            {
                **_facts_json(facts.get(entry.id)),
                "id": entry.id,
                "name": entry.name,
                "group": record["group"] if record else None,
                "state": item.state,
                "stalled": item.stalled,
                "current": entry.id == current,
                "work_dir": entry.work_dir,
                "repo_root": entry.repo_root,
                "worktree_missing": item.worktree_missing,
                "problem": item.problem,
                "window": None
                if window is None
                else {
                    "window_id": window.window_id,
                    "pane_id": window.pane_id,
                    "pane_dead": window.pane_dead,
                    "tmux_session": window.tmux_session,
                },
                "repos": [
                    {
                        "path": each["workspace_path"],
                        "worktree": each["path"],
                        "repo_root": each["repo_root"],
                        "branch": each["branch"],
                        "base": each["base_branch"],
                        **_facts_json(facts.get(facts_key(entry.id, each["workspace_path"]))),
                    }
                    for each in (record["repos"] if record else [])
                ],
                "session": record,
                "server": _server_json(item.socket),
                **({"pending_request": pending[entry.id]} if entry.id in pending else {}),
            }
        )
    return json.dumps(items, indent=2)


def pending_requests(listed: list[Listed]) -> dict[str, dict[str, str | None]]:
    """``pending_request`` of each session waiting for approval, by id: read from its screen
    now (one capture each), so it is the very request ``q-tmux approve`` would answer."""
    found: dict[str, dict[str, str | None]] = {}
    for item in listed:
        record, window = item.record, item.window
        if record is None or window is None or not item.alive or not item.socket:
            continue
        if (record["status"], record["waiting_reason"]) != (WAITING, APPROVAL):
            continue
        from q_tmux.sessions.approval import pending_request  # only when one asks

        request = pending_request(item.socket, window.pane_id, record["agent"]["preset"])
        if request is not None:
            found[item.entry.id] = {"text": request[0], "tool": request[1]}
    return found


def describe(item: Listed) -> str:
    """The picker's row: name, state, branch → base, how long in that state."""
    assert item.record is not None
    info = item.record["worktree_info"]
    branch = (
        f"{info['branch']} → {info['base_branch']}"
        if info["branch"] and info["owns_worktree"]
        else "-"
    )
    changed = ago(item.record["status_changed_at"])
    return f"{item.entry.name:<24} {item.state:<17} {branch:<32} {changed}"


def choices(listed: list[Listed]) -> list[Listed]:
    """The sessions the picker offers, most urgent first."""
    return sorted(
        (item for item in listed if not item.worktree_missing and item.record), key=Listed.order
    )


def pick_lines(listed: list[Listed]) -> list[str]:
    """fzf's input: the name (fzf's ``{1}``), a tab, the row shown."""
    return [f"{item.entry.name}\t{describe(item)}" for item in choices(listed)]
