"""One watcher per tmux server: fills the gaps hooks leave, and notices agents that died.

Hooks report most changes the moment they happen. The watcher covers what
they cannot see: Q's approval question (no hook), a Ctrl-C (no ``stop``),
agents without hooks, and agents that exit or are killed. It is a single
process per tmux server, started by whoever needs it (``new``, ``resume``, a
hook, the plugin) and ending by itself once no q-tmux agent is left. Each tick
costs one ``list-panes`` call; panes are captured only while their agent is
busy or asking for approval, or after tmux saw output in an idle one, all in
one more tmux call. Standard library only.

Run as ``python -m q_tmux.watcher SOCKET``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from dataclasses import dataclass, field

from q_tmux import paths, refs, state, status_line, tmuxcmd, watchlock
from q_tmux.screen import Screen, classify
from q_tmux.status_line import SessionState, Snapshot

BUSY_TICK = 0.4  # seconds between looks while any agent works or asks
IDLE_TICK = 1.0  # ... while every agent waits
STABLE_TICKS = 2  # identical captures before a bare prompt counts as idle
QUIET_TICKS = 3  # identical captures before a hookless agent counts as waiting
EMPTY_TICKS = 3  # ticks without any live q-tmux agent before the watcher ends
CONFLICT_EVERY = 10.0  # seconds between looks at branch tips for merge conflicts
#: Agents whose hooks, once wired, report when they start working too (Codex's and
#: aider's report only the end of a turn).
FULL_HOOKS = frozenset({"q", "kiro-cli", "claude"})
_CAPTURE_MARK = "\x1eq-tmux-capture "

Decision = tuple[str, str | None, str]


@dataclass
class Seen:
    """What the watcher remembers of one session's screen."""

    digest: str = ""
    stable: int = 0
    activity: str = ""


@dataclass
class Watcher:
    socket: str
    seen: dict[str, Seen] = field(default_factory=dict)
    #: (base commit, tip commit) last checked for conflicts, by session id.
    checked: dict[str, tuple[str, str]] = field(default_factory=dict)
    next_conflict_check: float = 0.0

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
        for session in sessions:
            commits = [self.base_and_tip(checkout) for checkout in session.checkouts]
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

    @staticmethod
    def base_and_tip(checkout: status_line.Checkout) -> tuple[str, str] | None:
        common = refs.common_dir_of(checkout.repo_root)
        base = refs.read_branch(common, checkout.base) if common else None
        tip = refs.read_branch(common, checkout.branch) if common else None
        return None if base is None or tip is None else (base, tip)

    @staticmethod
    def merge_conflicts(repo_root: str, base: str, tip: str) -> list[str] | None:
        """The files merging ``tip`` into ``base`` would conflict in; None when git cannot say."""
        args = ["-C", repo_root, "merge-tree", "--write-tree", "--name-only", "--no-messages"]
        code, out = tmuxcmd.run_program("git", [*args, "-z", base, tip])
        if code not in (0, 1):
            return None  # git too old for --write-tree, or no answer
        return [path for path in out.split("\0")[1:] if path] if code == 1 else []

    def tick(self) -> tuple[bool, bool]:
        """Look once; return (any live q-tmux agent, any agent working or asking)."""
        snap = status_line.snapshot(self.socket)
        sessions = status_line.sessions_on(self.socket)
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
            if done is not None and done.started_waiting:
                started_waiting.append(session)
        for session in sessions:
            pane = snap.panes.get(session.id)
            if pane is not None:
                self.seen.setdefault(session.id, Seen()).activity = pane.activity
        self.check_conflicts(sessions)
        # Read again just before publishing: a hook may have written since the tick began.
        fresh = status_line.sessions_on(self.socket)
        status_line.publish(self.socket, snap, fresh)
        if started_waiting:
            by_id = {s.id: s for s in fresh}
            for session in started_waiting:
                pane = snap.panes.get(session.id)
                if pane is not None and session.id in by_id:
                    status_line.notify_waiting(self.socket, by_id[session.id], pane.window_id, snap)
        live = any(not pane.dead for pane in snap.panes.values())
        busy = any(
            s.status in (state.PROCESSING, state.STARTING)
            or (s.status == state.WAITING and s.reason == state.APPROVAL)
            for s in sessions
        )
        return live, busy

    def _wants_capture(self, session: SessionState, snap: Snapshot) -> bool:
        pane = snap.panes.get(session.id)
        if pane is None or pane.dead or session.status in (state.EXITED, state.COMPLETED):
            return False
        if session.status != state.WAITING or session.reason == state.APPROVAL:
            return True
        # Waiting for input: look only when tmux saw output since the last look.
        seen = self.seen.get(session.id)
        return seen is None or seen.activity != pane.activity

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
        screen = screens.get(pane.pane_id)
        if screen is None:
            return None
        seen = self.seen.setdefault(session.id, Seen())
        digest = hashlib.blake2b(screen.encode(), digest_size=16).hexdigest()
        changed = digest != seen.digest
        seen.stable = 0 if changed else seen.stable + 1
        seen.digest = digest
        return decide(session, classify(session.preset, screen), changed, seen.stable)


def decide(session: SessionState, screen: Screen, changed: bool, stable: int) -> Decision | None:
    """The status a screen implies, given what the session file says now; None to keep it."""
    status, reason = session.status, session.reason
    hooked = session.hooked and session.preset in FULL_HOOKS
    asking = status == state.WAITING and reason == state.APPROVAL
    if screen is Screen.APPROVAL:
        return None if asking else (state.WAITING, state.APPROVAL, state.SCREEN)
    if asking:  # the question is gone: it was answered
        if screen is Screen.IDLE and stable >= STABLE_TICKS:
            return state.WAITING, state.INPUT, state.SCREEN
        return state.PROCESSING, None, state.SCREEN
    if status in (state.PROCESSING, state.STARTING):
        if screen is Screen.IDLE and stable >= STABLE_TICKS:
            return state.WAITING, state.INPUT, state.SCREEN  # e.g. after Ctrl-C: no stop hook
        if not hooked and screen is Screen.OTHER and stable >= QUIET_TICKS:
            return state.WAITING, state.INPUT, state.SCREEN  # output stopped
        return None
    if status == state.WAITING:
        if screen is Screen.BUSY:
            return state.PROCESSING, None, state.SCREEN
        if not hooked and changed and screen is Screen.OTHER:
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
    here = os.path.dirname(os.path.abspath(__file__))
    stamps = []
    for name in ("watcher.py", "screen.py", "status_line.py", "state.py", "tmuxcmd.py"):
        with contextlib.suppress(OSError):
            stamps.append(os.stat(os.path.join(here, name)).st_mtime_ns)
    return tuple(stamps)


def run(socket: str) -> int:
    lock = watchlock.acquire(socket)
    if lock is None:
        return 0  # another watcher serves this server; the lock is held until we exit
    watcher = Watcher(socket)
    empty = 0
    version = _code_version()
    while empty < EMPTY_TICKS:
        if _code_version() != version:
            # q-tmux was upgraded under us: carry on as the new code (the lock
            # is close-on-exec, so the new image takes it again).
            os.execv(sys.executable, [sys.executable, "-m", "q_tmux.watcher", socket])
        try:
            live, busy = watcher.tick()
        except Exception as error:  # keep watching: one bad tick must not end tracking
            _log(f"{socket}: {type(error).__name__}: {error}")
            live, busy = True, False
        empty = 0 if live else empty + 1
        time.sleep(BUSY_TICK if busy else IDLE_TICK)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1]) if len(sys.argv) == 2 else 2)
