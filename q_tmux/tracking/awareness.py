"""Each agent knows what the other sessions of its repository change.

The watcher looks every :data:`REFRESH_EVERY` seconds at the live sessions of
each repository: the files each one's branch changed since it left its base
(as ``q-tmux conflicts`` counts them, kept in the fact file) and the files
uncommitted in its worktree (``git status``). It writes one small summary per
repository (and tmux server): every live session's name, task (its first
message) and changed files, and the conflicts already predicted between two of
them. Before each prompt, the agent's prompt-submit hook reads the summary of
its own repositories, and prints a few lines naming the other sessions that
change a file this one changes too (:func:`context_for`). Agents without such a
hook get the same lines in a file they read (:func:`instructions_path`).

Nothing is printed when nothing overlaps, or when the summary is older than
:data:`STALE_AFTER` (the watcher stopped): every byte a hook prints goes to the
model, so silence is the default. Standard library only; the hook reads one
small file per repository and runs no process.
"""

from __future__ import annotations

import os
import time
import zlib

from q_tmux.store import jsonfile, xdg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from q_tmux.adapters.changes import Run
    from q_tmux.store import record
    from q_tmux.tracking.status_line import SessionState, Snapshot

    #: What one other session shares with this one: (name, task, shared files, conflicts).
    Overlap = tuple[str, str, list[str], list[str]]

VERSION = 1
#: Seconds between the watcher's looks at what each session changes.
REFRESH_EVERY = 5.0
#: A summary older than this is not shown: the watcher that wrote it stopped looking.
STALE_AFTER = 15.0
#: An idle session's worktree (its agent waits, no output) is looked at again after this long
#: at the soonest (for edits made by hand),
RECHECK_IDLE = 30.0
#: and this many idle worktrees per look at most, the longest unseen first: with many idle
#: sessions the watcher's idle cost stays flat (up to six are still seen every 30 s).
IDLE_RECHECKS_PER_LOOK = 1
MAX_LINES = 15
#: Files named per session; the rest are counted.
MAX_FILES = 4
TASK_CHARS = 60
#: A line longer than this (long paths) is cut: all 15 stay well within Q's 10 KiB of hook output.
LINE_CHARS = 300
HEADER = (
    "q-tmux: other live sessions of this repository change files that you change too "
    "(committed or not); mind their work:"
)


def summary_path(repo_root: str, socket: str) -> str:
    """The summary of the repository at ``repo_root`` for the sessions of tmux server ``socket``."""
    # zlib, not hashlib: hashlib loads OpenSSL, which costs the hook more than all the rest.
    key = f"{os.path.abspath(repo_root)}\0{socket}".encode()
    digest = f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}"
    return os.path.join(xdg.state_dir(), "awareness", f"{digest}.json")


def instructions_path(session_id: str) -> str:
    """The file an agent without a prompt hook reads the same lines from (outside the worktree)."""
    return os.path.join(xdg.state_dir(), "agents", session_id, "other-sessions.md")


# -- the text: pure ----------------------------------------------------------------------


def overlaps(me: str, summary: dict[str, Any]) -> list[Overlap]:
    """The other sessions in ``summary`` that change a file session ``me`` changes too.

    Those whose merge would conflict with this one come first, then those sharing most.
    """
    sessions = summary.get("sessions")
    if not isinstance(sessions, dict) or not isinstance(sessions.get(me), dict):
        return []
    mine = set(_strings(sessions[me].get("files")))
    predicted: dict[str, list[str]] = {}
    for entry in summary.get("conflicts") or []:
        if isinstance(entry, list) and len(entry) == 3 and me in entry[:2]:
            other = entry[1] if entry[0] == me else entry[0]
            predicted[str(other)] = _strings(entry[2])
    found: list[Overlap] = []
    for other, about in sessions.items():
        if other == me or not isinstance(about, dict):
            continue
        shared = sorted(mine & set(_strings(about.get("files"))))
        if shared:
            name, task = about.get("name"), about.get("task")
            found.append(
                (
                    name if isinstance(name, str) else "?",
                    task if isinstance(task, str) else "",
                    shared,
                    sorted(set(predicted.get(other, [])) & set(shared)),
                )
            )
    found.sort(key=lambda item: (not item[3], -len(item[2]), item[0]))
    return found


def render(found: list[Overlap]) -> str:
    """At most :data:`MAX_LINES` lines naming each session of ``found``; empty for none."""
    if not found:
        return ""
    room = MAX_LINES - 1
    shown = found if len(found) <= room else found[: room - 1]
    lines = [HEADER]
    for name, task, shared, conflicts in shown:
        line = f"- {_clean(name)}"
        if task.strip():
            line += f' (task: "{_short(task)}")'
        line += f": also changes {_files(shared)}"
        if conflicts:
            line += f"; merging both would CONFLICT in {_files(conflicts)}"
        lines.append(line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…")
    if len(shown) < len(found):
        lines.append(f"- and {len(found) - len(shown)} more sessions (see `q-tmux conflicts`)")
    return "\n".join(lines) + "\n"


def merge_overlaps(found: list[Overlap]) -> list[Overlap]:
    """One entry per session name (a workspace session shares files in several repositories)."""
    merged: dict[str, Overlap] = {}
    for name, task, shared, conflicts in found:
        if name in merged:
            _, known_task, known_shared, known_conflicts = merged[name]
            merged[name] = (
                name,
                known_task or task,
                sorted({*known_shared, *shared}),
                sorted({*known_conflicts, *conflicts}),
            )
        else:
            merged[name] = (name, task, shared, conflicts)
    return sorted(merged.values(), key=lambda item: (not item[3], -len(item[2]), item[0]))


def pairs(summary: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """Every two sessions of ``summary`` that change a same file, committed or not:
    (name, other name, files), in name order."""
    sessions = summary.get("sessions")
    if not isinstance(sessions, dict):
        return []
    named = sorted(
        (about["name"], set(_strings(about.get("files"))))
        for about in sessions.values()
        if isinstance(about, dict) and isinstance(about.get("name"), str)
    )
    found = []
    for index, (first, mine) in enumerate(named):
        for second, theirs in named[index + 1 :]:
            if mine & theirs:
                found.append((first, second, sorted(mine & theirs)))
    return found


def fresh_summary(repo_root: str, socket: str, now: float | None = None) -> dict[str, Any]:
    """The repository's summary as the watcher last wrote it; empty when none or stale."""
    summary = jsonfile.load_object(summary_path(repo_root, socket)) or {}
    return summary if _fresh(summary, time.time() if now is None else now) else {}


def _fresh(summary: dict[str, Any], now: float) -> bool:
    """Whether ``summary`` is one this version writes, and its watcher looked lately."""
    at = summary.get("at")
    return (
        summary.get("version") == VERSION
        and isinstance(at, int | float)
        and now - at <= STALE_AFTER
    )


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _clean(text: str) -> str:
    """``text`` on one line, with no control characters (they would reach the model's terminal)."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _short(task: str) -> str:
    words = " ".join(_clean(task).split())
    return words if len(words) <= TASK_CHARS else words[: TASK_CHARS - 1].rstrip() + "…"


def _files(paths: list[str]) -> str:
    named = ", ".join(_clean(path) for path in paths[:MAX_FILES])
    rest = len(paths) - MAX_FILES
    return f"{named} and {rest} more" if rest > 0 else named


# -- the hook's side: read the summaries, print the lines ------------------------------------


def context_for(data: dict[str, Any] | None, path: str, now: float | None = None) -> str:
    """The lines for the session whose file (at ``path``) holds ``data``; empty for none.

    Reads only the summaries of the session's own repositories, written by the
    watcher; one older than :data:`STALE_AFTER` counts as none.
    """
    from q_tmux.store import record  # here: conflicts reads summaries without the enums

    session = record.Summary.parse(data, path) if data else None
    if session is None or not session.socket:
        return ""
    socket = session.socket
    return text_for(session, lambda root: jsonfile.load_object(summary_path(root, socket)), now)


def text_for(
    session: record.Summary,
    summary_of: Callable[[str], dict[str, Any] | None],
    now: float | None = None,
) -> str:
    """The lines for ``session``, from ``summary_of(repo_root)`` for each of its repositories."""
    now = time.time() if now is None else now
    found: list[Overlap] = []
    for checkout in session.checkouts:
        summary = summary_of(checkout.repo_root)
        if summary is None or not _fresh(summary, now):
            continue
        for name, task, shared, conflicts in overlaps(session.id, summary):
            prefix = checkout.prefix  # a workspace's files are named from its folder
            found.append(
                (name, task, [prefix + p for p in shared], [prefix + p for p in conflicts])
            )
    return render(merge_overlaps(found))


# -- the watcher's side: look, and write the summaries -------------------------------------


def _work_dir(session: SessionState) -> str:
    """The session's folder: where its ``.amazonq/session.json`` sits."""
    return os.path.dirname(os.path.dirname(session.path))


if TYPE_CHECKING:
    from q_tmux.tracking.stamps import Tips


class Gatherer:
    """What the watcher remembers between its looks, so that a look runs git only for news.

    ``run(program, args)`` returns (exit status, stdout), as
    :func:`q_tmux.adapters.tmuxcmd.run_program` does. (Its modules are imported in its
    methods: the hook, which imports this module too, never needs them.)
    """

    def __init__(self, socket: str, run: Run, tips: Tips | None = None) -> None:
        from q_tmux.tracking import stamps

        self.socket = socket
        self.run = run
        #: Branch tips, read again only when their ref file changed (the watcher's, shared).
        self.tips = tips if tips is not None else stamps.Tips()
        self.next_look = 0.0
        #: Files a branch changed, by (repository, base commit, tip commit): never stale.
        self.committed: dict[tuple[str, str, str], list[str]] = {}
        #: By worktree: (when looked, what the session looked like then, its uncommitted files).
        self.uncommitted: dict[str, tuple[float, tuple[str, ...], list[str]]] = {}
        self.tasks: dict[str, str] = {}
        #: Each repository's fact file as last read: (its mtime, its facts).
        self.facts: dict[str, tuple[int, dict[str, Any]]] = {}
        #: How many ``git`` runs the last look made (for the benchmark and the tests).
        self.git_runs = 0
        #: The text last written into each agent's instructions file.
        self.instructions: dict[str, str] = {}
        #: The idle worktrees this look may ask git about again (see IDLE_RECHECKS_PER_LOOK).
        self.recheck: set[str] = set()
        #: The worktrees the last look asked about (what is kept of the others is dropped).
        self.looked: set[str] = set()
        #: Each repository's last :meth:`known_conflicts`: (fact file stamp, commits, answer).
        self.pairs: dict[str, tuple[int, tuple[tuple[str, str, str], ...], list[list[Any]]]] = {}

    def refresh(self, sessions: list[SessionState], snap: Snapshot, force: bool = False) -> None:
        """Write the summary of every repository with a live session, at most every few seconds."""
        from q_tmux.store.record import Status

        clock = time.monotonic()
        if clock < self.next_look and not force:
            return
        self.next_look = clock + REFRESH_EVERY
        self.git_runs = 0
        self.looked = set()
        due = [(seen[0], tree) for tree, seen in self.uncommitted.items()]
        due = sorted(item for item in due if time.monotonic() - item[0] >= RECHECK_IDLE)
        self.recheck = {tree for _, tree in due[:IDLE_RECHECKS_PER_LOOK]}
        members: dict[str, list[tuple[SessionState, record.Checkout, str]]] = {}
        for session in sessions:
            pane = snap.panes.get(session.id)
            if pane is None or pane.dead or session.status in (Status.EXITED, Status.COMPLETED):
                continue
            for checkout in session.checkouts:
                members.setdefault(checkout.repo_root, []).append(
                    (session, checkout, pane.activity)
                )
        written: dict[str, dict[str, Any]] = {}
        for repo_root, live in members.items():
            summary = self.summarize(repo_root, live) if len(live) > 1 else {}
            written[repo_root] = {"version": VERSION, "at": time.time(), **summary}
            try:
                jsonfile.write_atomic(
                    summary_path(repo_root, self.socket), written[repo_root], cache=True
                )
            except OSError:
                continue  # a full disk: the hooks then find the summary stale and stay silent
        live_ids = {session.id for live in members.values() for session, _, _ in live}
        wired = _wired_sessions()
        for session in sessions:
            if session.id in live_ids and session.id in wired:
                self.write_instructions(session, written)
        self.forget(live_ids, set(members))

    def forget(self, live_ids: set[str], repositories: set[str]) -> None:
        """Drop what was kept for sessions no longer live: a watcher runs for days."""
        self.tasks = {sid: task for sid, task in self.tasks.items() if sid in live_ids}
        self.committed = {k: v for k, v in self.committed.items() if k[0] in repositories}
        if len(self.committed) > 4 * len(live_ids) + 16:  # tips moved on: keep the newest
            self.committed = dict(list(self.committed.items())[-(2 * len(live_ids) + 8) :])
        self.facts = {k: v for k, v in self.facts.items() if k in repositories}
        self.pairs = {k: v for k, v in self.pairs.items() if k in repositories}
        # Kept for as long as its session lives: with many idle sessions an idle worktree's
        # turn comes seldom, and dropping it sooner asked git about dozens at once.
        self.uncommitted = {k: v for k, v in self.uncommitted.items() if k in self.looked}

    def write_instructions(self, session: SessionState, written: dict[str, dict[str, Any]]) -> None:
        """Keep the lines in the file an agent without a prompt hook reads (aider's ``--read``).

        Only a file the agent's wiring made is kept up to date; it is written
        only when its text changes, empty when nothing overlaps.
        """
        path = instructions_path(session.id)
        if not os.path.exists(path):  # most agents have a prompt hook, and no such file
            return
        text = text_for(session, written.get)
        if self.instructions.get(path) == text:
            return
        temporary = f"{path}.{os.getpid()}.tmp"
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, path)  # the agent reads the old text or the new, never half
        except OSError:
            return
        self.instructions[path] = text

    def summarize(
        self, repo_root: str, live: list[tuple[SessionState, record.Checkout, str]]
    ) -> dict[str, Any]:
        """Each live session's changed files in one repository, and the conflicts known."""
        from q_tmux.adapters import refs

        found: dict[str, Any] = {}
        commits: dict[str, tuple[str, str]] = {}
        common = refs.common_dir_of(repo_root)
        read = self.tips.look()
        for session, checkout, activity in live:
            files: set[str] = set()
            base = read(common, checkout.base) if common else None
            tip = read(common, checkout.branch) if common else None
            if base is not None and tip is not None:
                commits[session.id] = (base, tip)
                files |= set(self.committed_files(repo_root, base, tip))
            worktree = os.path.join(_work_dir(session), checkout.prefix.rstrip("/"))
            files |= set(self.uncommitted_files(worktree.rstrip("/"), session, activity))
            found[session.id] = {
                "name": session.name,
                "task": self.task(session),
                "files": sorted(files),
            }
        return {"sessions": found, "conflicts": self.known_conflicts(repo_root, commits)}

    def committed_files(self, repo_root: str, base: str, tip: str) -> list[str]:
        """The files ``tip`` changed since it left ``base``: from memory, the fact file, or git.

        What git says is kept in the fact file, as ``conflicts`` keeps it, so each
        reuses the other's answer.
        """
        from q_tmux.adapters import numstat
        from q_tmux.store import facts

        known = self.committed.get((repo_root, base, tip))
        if known is not None:
            return known
        fact = facts.key("diff-stat", base, tip)
        rows = self.fact_file(repo_root).get(fact)
        if facts.is_diff_stat(rows):
            paths = [str(row[0]) for row in rows]
        else:
            self.git_runs += 1
            found = numstat.changed_files(repo_root, base, tip, self.run)
            if found is None:
                return []  # a branch git cannot read now: looked at again next time
            store = facts.FactStore(repo_root)
            store.put(fact, [list(change) for change in found])
            store.save()
            paths = [path for path, _, _ in found]
        self.committed[(repo_root, base, tip)] = paths
        return paths

    def uncommitted_files(self, worktree: str, session: SessionState, activity: str) -> list[str]:
        """The worktree's uncommitted files; git asked again only when the session may have
        changed them (it worked, or printed something) or after :data:`RECHECK_IDLE`."""
        from q_tmux.adapters import changes
        from q_tmux.store.record import Status

        self.looked.add(worktree)
        look = (str(session.status), session.changed_at, activity)
        idle = session.status == Status.WAITING
        known = self.uncommitted.get(worktree)
        now = time.monotonic()
        if known is not None and idle and known[1] == look and worktree not in self.recheck:
            return known[2]
        self.git_runs += 1
        found = changes.uncommitted(worktree, self.run)
        paths = found if found is not None else []
        self.uncommitted[worktree] = (now, look, paths)
        return paths

    def task(self, session: SessionState) -> str:
        """The session's first message (read once: it never changes)."""
        if session.id not in self.tasks:
            data = jsonfile.load_object(session.path) or {}
            message = data.get("first_message")
            self.tasks[session.id] = message if isinstance(message, str) else ""
        return self.tasks[session.id]

    def fact_file(self, repo_root: str) -> dict[str, Any]:
        """The repository's facts, read again only when the file changed."""
        from q_tmux.store import facts

        path = facts.facts_path(repo_root)
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            self.facts.pop(repo_root, None)  # gone: nothing kept says otherwise
            return {}
        cached = self.facts.get(repo_root)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        data = jsonfile.load_object(path) or {}
        known = data.get("facts") if data.get("version") == facts.VERSION else None
        self.facts[repo_root] = (stamp, known if isinstance(known, dict) else {})
        return self.facts[repo_root][1]

    def known_conflicts(
        self, repo_root: str, commits: dict[str, tuple[str, str]]
    ) -> list[list[Any]]:
        """[first id, second id, files] for each pair whose own conflicts were predicted.

        ``q-tmux conflicts`` (and the merge preview) predict them and keep them in
        the fact file under the four commits; the watcher reuses them, never
        predicts them itself.
        """
        from q_tmux.store import facts

        known = self.fact_file(repo_root)
        stamp = self.facts[repo_root][0] if repo_root in self.facts else 0  # 0: no fact file
        asked = tuple(sorted((sid, *pair) for sid, pair in commits.items()))
        last = self.pairs.get(repo_root)
        if last is not None and last[:2] == (stamp, asked):
            return last[2]  # nothing moved: every pair of n sessions is not looked up again
        found: list[list[Any]] = []
        ids = sorted(commits)
        for index, first in enumerate(ids):
            for second in ids[index + 1 :]:
                for one, two in ((first, second), (second, first)):
                    value = known.get(facts.key("pair", *commits[one], *commits[two]))
                    if isinstance(value, list) and value:
                        found.append([first, second, _strings(value)])
                        break
        self.pairs[repo_root] = (stamp, asked, found)
        return found


def _wired_sessions() -> set[str]:
    """The sessions that may have an instructions file: one folder listing, not a look per
    session (most agents have a prompt hook, and no such file)."""
    folder = os.path.dirname(os.path.dirname(instructions_path("-")))
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()
