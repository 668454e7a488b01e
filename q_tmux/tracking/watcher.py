"""One watcher per tmux server: fills the gaps hooks leave, and notices agents that died.

Hooks report most changes the moment they happen. The watcher covers what
they cannot see: Q's approval question (no hook), a Ctrl-C (no ``stop``),
agents without hooks, and agents that exit or are killed. It is a single
process per tmux server, started by whoever needs it (``new``, ``resume``, a
hook, the plugin) and ending by itself once no q-tmux agent is left. Each tick
costs one ``list-panes`` call; panes are captured only while their agent is
busy or asking for approval, or after tmux saw output in an idle one, all in
one more tmux call. Standard library only.

Run as ``python -m q_tmux.tracking.watcher SOCKET``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from q_tmux.adapters import counts, merge_tree, refs, tmuxcmd
from q_tmux.agents import catalog
from q_tmux.agents.shell import SHELL, is_busy
from q_tmux.store import facts, jsonfile, paths, record, xdg
from q_tmux.store.record import Reason, Source, Status
from q_tmux.tracking import awareness, outside, queue, state, status_line, watchlock
from q_tmux.tracking.screen import Screen, read
from q_tmux.tracking.stamps import StatKey, Tips, stat_key, unchanged
from q_tmux.tracking.status_line import SessionState, Snapshot

BUSY_TICK = 0.4  # seconds between looks while any agent works or asks
IDLE_TICK = 1.0  # ... while every agent waits
STABLE_TICKS = 2  # identical captures before a prompt counts as idle
QUIET_TICKS = 3  # identical captures, without a busy marker, before the turn counts as over
SILENT_TICKS = 25  # ... for an agent that draws no busy marker (aider thinking before it answers)
#: How long a busy marker must stay on screen before it undoes a "waiting": the redraws
#: right after a turn ended (Claude's stop hook, Codex's last frame) are not new work.
BUSY_PERSIST = 1.0
HOOK_SETTLE = 3.0  # ... and how long output alone must keep coming after a hook's turn end
QUESTION_WAIT = 5.0  # seconds a hook's "asking" waits for its question to be drawn
ACTIVITY_TAIL = 2.5  # seconds a waiting pane is still looked at after its last output
EMPTY_TICKS = 3  # ticks without any live q-tmux agent before the watcher ends
CONFLICT_EVERY = 10.0  # seconds between looks at branch tips for merge conflicts
STALLED_MINUTES = 10.0  # default of the ``stalled_minutes`` config key
UPGRADE_EVERY = 10.0  # seconds between looks at whether q-tmux's code changed under us
_CAPTURE_MARK = "\x1eq-tmux-capture "
_NOT_LETTERS = re.compile(r"[^A-Za-z]+")

Decision = tuple[Status, Reason | None, Source]


@dataclass
class Seen:
    """What the watcher remembers of one session's screen."""

    digest: str = ""
    stable: int = 0
    activity: str = ""
    #: When tmux's activity time last moved (it counts whole seconds only).
    activity_moved: float = 0.0
    #: When the screen (or the status) last changed, and since when a busy marker shows.
    changed_at: float = field(default_factory=time.monotonic)
    busy_since: float | None = None
    status: str = ""
    still: str = ""  # the screen's letters only, for "stalled"
    #: Since when the session asks, and whether its question has been on screen since.
    asking_since: float | None = None
    asked: bool = False
    #: The prompt has been on screen since the status last changed (aider's new turn).
    prompted: bool = False
    #: When the session file says its status last changed (a hook may renew it).
    status_at: str = ""


def stalled_minutes() -> float:
    """``stalled_minutes`` from the user's config.toml (validated by ``q-tmux doctor``)."""
    import tomllib

    try:
        with (paths.config_dir() / "config.toml").open("rb") as handle:
            value = tomllib.load(handle).get("stalled_minutes", STALLED_MINUTES)
    except (OSError, ValueError):
        return STALLED_MINUTES
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    return float(value) if ok else STALLED_MINUTES


class SessionFiles:
    """The registry's and the session files' contents, read again only when a file changed.

    An idle tick used to open and parse every registry file and every session file
    twice: at 100 sessions most of the watcher's CPU. A stat per file now tells
    whether the last reading still holds (writers replace files atomically, so any
    write changes the inode as well as the time); one written just now is read anyway.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        #: By registry file: (its stamp, the session file of the work_dir it names).
        self._work_dirs: dict[str, tuple[StatKey, str | None]] = {}
        self._records: dict[str, tuple[StatKey, SessionState | None]] = {}
        self._listed: tuple[StatKey, list[str]] | None = None

    def sessions_on(self, socket: str) -> list[SessionState]:
        """:func:`status_line.sessions_on`, from what is remembered where nothing changed."""
        now = self.clock()
        sessions = []
        records = self._records
        for path in self._registry_session_paths(now):
            # The common case inline (one stat, one comparison): this runs twice a tick.
            key = stat_key(path)
            known = records.get(path)
            if known is not None and unchanged(known[0], key, now):
                session = known[1]
            else:
                session = self._read(path, key)
            if session is not None and session.socket == socket:
                sessions.append(session)
        return sessions

    def _registry_session_paths(self, now: float) -> list[str]:
        # Registry files are only ever replaced whole (write, then rename into the folder),
        # which changes the folder's own time: an unchanged folder holds the same pointers.
        folder = xdg.registry_dir()
        key = stat_key(folder)
        if self._listed is not None and unchanged(self._listed[0], key, now):
            return self._listed[1]
        found = self._scan(folder, now)
        self._listed = (key, found) if key is not None else None
        return found

    def _scan(self, folder: str, now: float) -> list[str]:
        try:
            entries = [e for e in os.scandir(folder) if e.name.endswith(".json")]
        except OSError:
            return []
        found, seen = [], set()
        for entry in entries:
            seen.add(entry.path)
            key = stat_key(entry.path)
            known = self._work_dirs.get(entry.path)
            if known is None or key is None or not unchanged(known[0], key, now):
                work_dir = _registry_work_dir(entry.path)
                session_path = record.session_path(work_dir) if work_dir is not None else None
                if key is not None:
                    self._work_dirs[entry.path] = (key, session_path)
            else:
                session_path = known[1]
            if session_path is not None:
                found.append(session_path)
        for gone in self._work_dirs.keys() - seen:
            del self._work_dirs[gone]
        return found

    def _read(self, path: str, key: StatKey | None) -> SessionState | None:
        session = SessionState.read(path)
        if key is None:
            self._records.pop(path, None)
        else:
            self._records[path] = (key, session)
        return session


def _registry_work_dir(path: str) -> str | None:
    """The ``work_dir`` a registry file names; None when it cannot be read."""
    data = jsonfile.load_object(path)
    work_dir = data.get("work_dir") if data is not None else None
    return str(work_dir) if work_dir is not None else None


@dataclass
class Watcher:
    socket: str
    seen: dict[str, Seen] = field(default_factory=dict)
    #: (base commit, tip commit) last checked for conflicts, by session id.
    checked: dict[str, tuple[str, str]] = field(default_factory=dict)
    next_conflict_check: float = 0.0
    stall_after: float = STALLED_MINUTES * 60
    clock: Callable[[], float] = time.monotonic
    #: The server's ``@q-tmux-watcher`` as the last tick saw it (None: no answer).
    named: str | None = None
    #: What each live session changes, for the other sessions' agents.
    aware: awareness.Gatherer | None = None
    files: SessionFiles = field(default_factory=SessionFiles)
    #: What the status line was last worked out from: the same again publishes nothing.
    published: tuple[object, ...] | None = None
    #: Whether this tick wrote a session file (what it read before is then out of date).
    wrote: bool = False
    #: Branch tips, read again only when a ref file changed (for conflicts and awareness).
    tips: Tips = field(default_factory=Tips)

    def check_conflicts(self, sessions: list[SessionState]) -> None:
        """Note in each session file whether merging it would conflict.

        A workspace session is checked in each of its repositories, and its
        conflicts are named by their place in the workspace (``frontend/ui.txt``).
        Branch tips are read from files (no process); ``git merge-tree`` runs
        only when some (base, tip) pair changed since the last look.
        """
        if time.monotonic() < self.next_conflict_check:
            return
        self.next_conflict_check = time.monotonic() + CONFLICT_EVERY
        self.stall_after = stalled_minutes() * 60  # read again now and then: no restart needed
        read = self.tips.look()
        for session in sessions:
            commits = [self.base_and_tip(checkout, read) for checkout in session.checkouts]
            if not commits or None in commits:
                continue  # nothing to merge, or a branch is gone
            known = [pair for pair in commits if pair is not None]
            key = (" ".join(base for base, _ in known), " ".join(tip for _, tip in known))
            if self.checked.get(session.id) == key:
                continue
            self.checked[session.id] = key
            conflicts: list[str] = []
            for checkout, (base, tip) in zip(session.checkouts, known, strict=True):
                found = self.merge_conflicts(checkout.repo_root, base, tip)
                if found is None:
                    break  # git cannot say: leave it unknown
                conflicts += [checkout.prefix + path for path in found]
            else:
                state.set_field(session.path, "merge_conflicts", conflicts)
                self.wrote = True

    @staticmethod
    def base_and_tip(
        checkout: status_line.Checkout, read: Callable[[str, str], str | None]
    ) -> tuple[str, str] | None:
        common = refs.common_dir_of(checkout.repo_root)
        base = read(common, checkout.base) if common else None
        tip = read(common, checkout.branch) if common else None
        return None if base is None or tip is None else (base, tip)

    @staticmethod
    def merge_conflicts(repo_root: str, base: str, tip: str) -> list[str] | None:
        """The files merging ``tip`` into ``base`` would conflict in; None when git cannot say.

        What is predicted is kept in the repository's fact file, for ``list``,
        ``conflicts`` and the merge preview; a prediction already there is reused.
        """
        store = facts.FactStore(repo_root)
        fact = facts.key("predict", base, tip)
        known = store.get(fact)
        if facts.is_prediction(known):
            return list(known["conflicts"])
        answer = merge_tree.ask(repo_root, base, tip, tmuxcmd.run_program)
        if answer is None:
            return None
        clean, tree, conflicts = answer
        store.put(fact, facts.prediction_fact(clean, tree, conflicts))
        # What list shows beside it, so the next list after a commit runs no git either.
        counted = facts.key("ahead-behind", base, tip)
        if store.get(counted) is None:
            found = counts.ahead_behind(repo_root, base, tip, tmuxcmd.run_program)
            if found is not None:
                store.put(counted, list(found))
        store.save()
        return conflicts

    def tick(self) -> tuple[bool, bool]:
        """Look once; return (any live q-tmux agent, any agent working or asking)."""
        # Records first, panes second: a record is then never judged by a pane older than
        # it (a ``resume`` landing between the two reads would otherwise be marked exited).
        sessions = self.files.sessions_on(self.socket)
        snap = status_line.snapshot(self.socket)
        self.wrote = False
        self.named = watchlock.named_in(snap.options) if snap.alive else None
        if not snap.alive:
            # The server is gone (its last session closed, or it was killed):
            # every agent it ran has exited.
            if not tmuxcmd.server_alive(self.socket):
                for session in sessions:
                    if session.status not in (state.EXITED, state.COMPLETED):
                        state.set_status(session.path, state.EXITED, None, state.PROCESS)
            return False, False
        wanted = [s for s in sessions if self._wants_capture(s, snap)]
        screens = self._capture([snap.panes[s.id].pane_id for s in wanted])
        started_waiting: list[SessionState] = []
        for session in sessions:
            decision = self._decide(session, snap, screens)
            if decision is None:
                continue
            done = state.set_status(session.path, *decision, expected_changed_at=session.changed_at)
            self.wrote = True
            if done is not None and done.started_waiting:
                started_waiting.append(session)
        for session in sessions:
            pane = snap.panes.get(session.id)
            if pane is not None:
                seen = self.seen.setdefault(session.id, Seen())
                if seen.activity != pane.activity:
                    seen.activity, seen.activity_moved = pane.activity, self.clock()
        self.check_conflicts(sessions)
        if self.aware is None:
            self.aware = awareness.Gatherer(self.socket, tmuxcmd.run_program, self.tips)
        self.aware.refresh(sessions, snap)
        # Read again just before publishing: a hook may have written since the tick began.
        # Not when this tick wrote nothing and what it read is what was last published: a
        # hook publishes what it writes itself, and the next tick sees it anyway.
        if self.wrote or self.inputs(snap, sessions) != self.published:
            fresh = self.files.sessions_on(self.socket)
        else:
            fresh = sessions
        # Queued agents start as busy ones finish (``[limits] max_busy``); this tick's
        # statuses are written, so a turn that just ended frees its place at once.
        if queue.start_due(self.socket, fresh, snap):
            fresh = self.files.sessions_on(self.socket)
        self.publish(snap, fresh)
        if started_waiting:
            by_id = {s.id: s for s in fresh}
            for session in started_waiting:
                pane = snap.panes.get(session.id)
                if pane is not None and session.id in by_id:
                    waiting = by_id[session.id]
                    status_line.notify_waiting(self.socket, waiting, pane.window_id, snap)
                    if waiting.status == state.WAITING:
                        reason = waiting.reason or state.INPUT
                        outside.started_waiting(waiting.id, waiting.path, reason)
        live = any(not pane.dead for pane in snap.panes.values())
        busy = any(
            s.status in (state.PROCESSING, state.STARTING)
            or (s.status == state.WAITING and s.reason == state.APPROVAL)
            for s in sessions
        ) or any(seen.busy_since is not None for seen in self.seen.values())
        return live, busy

    def publish(self, snap: Snapshot, sessions: list[SessionState]) -> None:
        """Push the status line and window marks, unless nothing they come from changed.

        They depend only on the sessions' files and on what tmux said (its options, and each
        window's mark as set now), so the same inputs as last time have nothing to change:
        working it out again was the other half of an idle tick at 100 sessions.
        """
        inputs = self.inputs(snap, sessions)
        if inputs == self.published:
            return
        status_line.publish(self.socket, snap, sessions)
        self.published = inputs

    @staticmethod
    def inputs(snap: Snapshot, sessions: list[SessionState]) -> tuple[object, ...]:
        """Everything the status line and the window marks are worked out from."""
        return (
            tuple(
                (s.id, s.name, s.status, s.reason, s.stalled_since, s.changed_at, s.conflicts)
                for s in sessions
            ),
            tuple(sorted(snap.options.items())),
            tuple((p.session_id, p.window_id, p.dead, p.mark) for p in snap.panes.values()),
        )

    def _wants_capture(self, session: SessionState, snap: Snapshot) -> bool:
        pane = snap.panes.get(session.id)
        if pane is None or pane.dead or session.status in (state.EXITED, state.COMPLETED):
            return False
        if session.preset == SHELL.name or session.status == Status.QUEUED:
            return False  # told by its foreground process, not its screen; or not started
        if session.status != state.WAITING or session.reason == state.APPROVAL:
            return True
        # Waiting for input: look only when tmux saw output since the last look.
        seen = self.seen.get(session.id)
        # tmux's activity time has whole seconds: output in the same second as the last
        # look leaves it unchanged, so look a little longer after it last moved.
        return (
            seen is None
            or seen.activity != pane.activity
            or self.clock() - seen.activity_moved < ACTIVITY_TAIL
        )

    def _capture(self, pane_ids: list[str]) -> dict[str, str]:
        """The visible screen of each pane, all in one tmux call."""
        if not pane_ids:
            return {}
        args: list[str] = []
        for index, pane_id in enumerate(pane_ids):
            # The marker holds an index, not the pane id: display-message runs
            # its text through strftime, which would eat the "%" of "%3".
            args += ["display-message", "-p", "-t", pane_id, f"{_CAPTURE_MARK}{index}", ";"]
            args += ["capture-pane", "-p", "-J", "-t", pane_id, ";"]  # -J: unwrap long lines
        _, out = tmuxcmd.run(self.socket, *args[:-1])
        screens: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line in out.split("\n"):
            if line.startswith(_CAPTURE_MARK):
                index = int(line[len(_CAPTURE_MARK) :])
                current = screens.setdefault(pane_ids[index], [])
            elif current is not None:
                current.append(line)
        return {pane_id: "\n".join(lines) for pane_id, lines in screens.items()}

    def _decide(
        self, session: SessionState, snap: Snapshot, screens: dict[str, str]
    ) -> Decision | None:
        if session.status in (state.EXITED, state.COMPLETED):
            return None
        pane = snap.panes.get(session.id)
        if pane is None or pane.dead:
            return state.EXITED, None, state.PROCESS
        if session.status == Status.QUEUED:
            return None  # its pane runs the waiter, not the agent (see q_tmux.tracking.queue)
        if session.preset == SHELL.name:
            return decide_shell(session, pane.command)
        screen = screens.get(pane.pane_id)
        if screen is None:
            return None
        now = self.clock()
        seen = self.seen.setdefault(session.id, Seen(changed_at=now))
        look = read(session.preset, screen)
        # Compare the transcript only: typing in the input box and footers that come and
        # go are not output.
        digest = _digest(look.body)
        changed = digest != seen.digest
        seen.stable = 0 if changed else seen.stable + 1
        seen.digest = digest
        # Work goes on while a busy marker shows, or while the transcript keeps changing
        # for an agent whose hooks miss the start of a turn (Codex streams without one).
        spec = catalog.get(session.preset)
        full_hooks = session.hooked and spec is not None and spec.reports_turn_start
        if session.status != seen.status or session.changed_at != seen.status_at:
            # Work must persist since the status last changed (or a hook renewed it): output
            # streamed before a hook said "turn over" is no sign of work after it.
            seen.busy_since, seen.prompted, seen.status_at = None, False, session.changed_at
        # Input submitted once the prompt was back (aider echoes it): a new turn.
        submitted = seen.prompted and look.submitted and look.screen is not Screen.APPROVAL
        seen.prompted = seen.prompted or look.screen is Screen.IDLE
        active = (
            look.screen is Screen.BUSY
            or submitted
            or (
                changed
                and not full_hooks
                and not look.settling
                and look.screen is not Screen.APPROVAL
            )
        )
        if active:
            seen.busy_since = now if seen.busy_since is None else seen.busy_since
        else:
            seen.busy_since = None
        active_for = 0.0 if seen.busy_since is None else now - seen.busy_since
        # Stalled: the same screen for too long, spinners and running clocks aside.
        still = _digest(_NOT_LETTERS.sub("", screen))
        if still != seen.still or session.status != seen.status:
            seen.still, seen.changed_at, seen.status = still, now, session.status
        self._mark_stalled(session, now - seen.changed_at)
        # A hook may say "asking" before the question is drawn (Gemini's runs as the box
        # appears, and the screen says the hook is running): the question's absence means
        # it was answered only once it has been seen.
        if (session.status, session.reason) != (state.WAITING, state.APPROVAL):
            seen.asking_since, seen.asked = None, False
        else:
            seen.asking_since = now if seen.asking_since is None else seen.asking_since
            seen.asked = seen.asked or look.screen is Screen.APPROVAL
        shown = (
            seen.asked
            or session.source != state.HOOK
            or now - (seen.asking_since or now) >= QUESTION_WAIT
        )
        return decide(
            session, look.screen, changed, seen.stable, active_for, look.ended, shown, submitted
        )

    def _mark_stalled(self, session: SessionState, unchanged_for: float) -> None:
        """Note in the file when a busy agent's screen has not changed for too long."""
        busy = session.status in (state.PROCESSING, state.STARTING)
        if busy and unchanged_for >= self.stall_after and not session.stalled_since:
            state.set_field(session.path, "stalled_since", state.timestamp())
            self.wrote = True
        elif session.stalled_since and not (busy and unchanged_for >= self.stall_after):
            state.set_field(session.path, "stalled_since", None)
            self.wrote = True


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def decide_shell(session: SessionState, foreground: str) -> Decision | None:
    """The shell agent works while a command runs in the foreground, and waits otherwise."""
    if not foreground:
        return None  # tmux did not say: keep what we had
    if is_busy(session.program or os.environ.get("SHELL", "sh"), foreground):
        wanted: Decision = (state.PROCESSING, None, state.PROCESS)
    else:
        wanted = (state.WAITING, state.INPUT, state.PROCESS)
    return None if (session.status, session.reason) == wanted[:2] else wanted


def decide(
    session: SessionState,
    screen: Screen,
    changed: bool,
    stable: int,
    active_for: float = 0.0,
    ended: bool = False,
    question_shown: bool = True,
    submitted: bool = False,
) -> Decision | None:
    """The status a screen implies, given what the session file says now; None to keep it.

    ``changed`` and ``stable`` are about the transcript (the screen above the
    prompt): whether it changed since the last look, and for how many looks in
    a row it has not. ``active_for`` is how long (seconds) the agent has been
    seen at work without a break: a busy marker, or (where hooks miss the start
    of a turn) a transcript that keeps changing. ``ended`` says a line just
    above the prompt marks the turn as over. ``question_shown`` is False while a
    hook says the agent asks but its question has not been drawn yet.
    ``submitted`` says the user's input left the prompt after the prompt came back
    (aider echoes it above its answer): a new turn, where no hook reports one.
    """
    spec = catalog.get(session.preset)
    model = spec.screen if spec is not None else None
    full_hooks = session.hooked and spec is not None and spec.reports_turn_start
    #: The busy marker shows for the whole of every turn: its absence is meaningful.
    marked = model is not None and model.busy_always_visible
    status, reason = session.status, session.reason
    # A prompt counts once it held still; where the agent streams without a busy
    # marker (Codex), a pause in the answer looks the same, so it must hold longer
    # unless the line above it says the turn ended.
    patient = model is not None and model.turn_over is not None and not ended
    idle = screen is Screen.IDLE and stable >= (SILENT_TICKS if patient else STABLE_TICKS)
    # After a hook said the turn is over, output alone (no busy marker) must keep coming
    # for longer: aider prints its token count, a rule and its prompt after the hook. So
    # must a busy marker where no hook reports a turn's start; not once the user's input
    # was seen submitted after the prompt came back (aider's tail is all drawn by then).
    after_hook = (status, reason, session.source) == (state.WAITING, state.INPUT, state.HOOK)
    settle = after_hook and not submitted and (screen is not Screen.BUSY or not full_hooks)
    working = active_for >= (HOOK_SETTLE if settle else BUSY_PERSIST)
    quiet = screen is not Screen.BUSY and stable >= QUIET_TICKS
    if screen is Screen.APPROVAL:
        if status == state.WAITING and reason == state.APPROVAL:
            return None
        return state.WAITING, state.APPROVAL, state.SCREEN
    if status == state.WAITING and reason == state.APPROVAL:  # the question is gone: answered
        if not question_shown:
            return None
        if screen is not Screen.IDLE:
            return state.PROCESSING, None, state.SCREEN  # the tool runs
        if idle:
            return state.WAITING, state.INPUT, state.SCREEN  # denied: back at the prompt
        # At a prompt that is always drawn (Codex), the tool's output keeping on is work.
        return (state.PROCESSING, None, state.SCREEN) if working else None
    if status == state.STARTING and model is not None:
        # Booting: never "waiting" before the prompt appeared once (Gemini boots on a
        # blank screen for half a minute; aider prints its banner in bursts).
        # Output is no sign of work yet: a resumed conversation is redrawn as it boots.
        if screen is Screen.IDLE and stable >= STABLE_TICKS:
            return state.WAITING, state.INPUT, state.SCREEN
        busy = screen is Screen.BUSY and working
        return (state.PROCESSING, None, state.SCREEN) if busy else None
    if status in (state.PROCESSING, state.STARTING):
        if idle:
            return state.WAITING, state.INPUT, state.SCREEN  # e.g. after Ctrl-C: no hook fires
        # Output stopped and nothing says the agent still works. Where a busy marker shows
        # all turn long, its absence says so (an error, or a screen the model does not
        # know, never stays "processing"); a plain command has only its output to go by;
        # an agent without a hook for the start of a turn gets longer.
        if marked or (model is None and not full_hooks):
            return (state.WAITING, state.INPUT, state.SCREEN) if quiet else None
        if not full_hooks and screen is Screen.OTHER and stable >= SILENT_TICKS:
            return state.WAITING, state.INPUT, state.SCREEN
        return None
    if status == state.WAITING and working:
        # A busy marker (or output) that persisted: new work. The redraws right after
        # a turn ended, and typing at the prompt, never get this far.
        return state.PROCESSING, None, state.SCREEN
    return None


def _log(message: str) -> None:
    path = paths.state_dir() / "watcher.log"
    with contextlib.suppress(OSError):
        if path.exists() and path.stat().st_size > 1_000_000:
            path.unlink()
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"{state.timestamp()} {message}\n")


def _code_version() -> tuple[int, ...]:
    """When this package's hot modules last changed."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stamps = []
    names = [
        os.path.join("tracking", name)
        for name in (
            "watcher.py",
            "screen.py",
            "status_line.py",
            "state.py",
            "outside.py",
            "queue.py",
            "awareness.py",
            "stamps.py",
        )
    ]
    names += [
        os.path.join("adapters", name)
        for name in (
            "tmuxcmd.py",
            "tmux_vocabulary.py",
            "merge_tree.py",
            "refs.py",
            "counts.py",
            "changes.py",
        )
    ]
    names.append(os.path.join("store", "facts.py"))
    names += [
        os.path.join("agents", name) for name in sorted(os.listdir(os.path.join(here, "agents")))
    ]
    for name in names:
        with contextlib.suppress(OSError):
            stamps.append(os.stat(os.path.join(here, name)).st_mtime_ns)
    return tuple(stamps)


def run(socket: str) -> int:
    me = watchlock.token(os.getpid())  # the same after execv: same pid, same start time
    if not watchlock.claim(socket, me):
        return 0  # the server names another live watcher (or is gone)
    watcher = Watcher(socket)
    version = _code_version()
    while True:
        watch(watcher, version, me)
        # A session that started while we were leaving saw us named and counted on
        # us: give up the name, then look once more.
        watchlock.release(socket, me)
        if not still_needed(watcher) or not watchlock.claim(socket, me):
            return 0  # nothing to watch, or a new watcher took over


def watch(watcher: Watcher, version: tuple[int, ...], me: str) -> None:
    """Tick until no q-tmux agent has been alive for ``EMPTY_TICKS`` ticks, or until the
    server names another live watcher (``me`` is how it names this one)."""
    empty = 0
    next_upgrade_check = 0.0
    while empty < EMPTY_TICKS:
        if time.monotonic() >= next_upgrade_check:
            # Some thirty stats: every tick, they were a tenth of an idle tick's cost.
            next_upgrade_check = time.monotonic() + UPGRADE_EVERY
            if _code_version() != version:
                # q-tmux was upgraded under us: carry on as the new code (same pid, so
                # the server still names this process).
                tmuxcmd.replace_process(watchlock.watcher_command(watcher.socket))
        try:
            live, busy = watcher.tick()
        except Exception as error:  # keep watching: one bad tick must not end tracking
            _log(f"{watcher.socket}: {type(error).__name__}: {error}")
            live, busy = True, False
        renamed = watcher.named is not None and watcher.named != me
        if renamed and not watchlock.claim(watcher.socket, me):
            return  # another live watcher serves this server
        empty = 0 if live else empty + 1
        time.sleep(BUSY_TICK if busy else IDLE_TICK)


def still_needed(watcher: Watcher) -> bool:
    """Whether a live q-tmux agent runs on the server (one look, no status changes)."""
    snap = status_line.snapshot(watcher.socket)
    return snap.alive and any(not pane.dead for pane in snap.panes.values())


def main(argv: list[str]) -> int:
    """The watcher's entry point (:func:`q_tmux.tracking.watchlock.watcher_command`)."""
    return run(argv[0]) if len(argv) == 1 else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
