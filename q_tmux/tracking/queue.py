"""Queued starts: sessions made while ``max_busy`` agents worked, started as busy ones finish.

Standard library only: the watcher looks here on every tick that sees a queued session.

A queued session has its worktree, record and window; its pane runs this module
as a *waiter* (``python -m q_tmux.tracking.queue``), which shows one line, waits
for a line on its terminal, and then becomes the agent (exec). The agent so gets
exactly the pane, working directory and environment ``new`` gave it, which the
watcher (started by whoever came first) could not give it. To start it, the
watcher or ``new`` marks the session ``starting`` (a compare-and-set on its
status, so it happens once) and presses Enter in its pane; a person who presses
Enter there starts it at once, past the limit, on purpose.

:func:`due` is the decision (pure); :func:`start_due` and :func:`release` its effect.
"""

from __future__ import annotations

import contextlib
import os
import sys

from q_tmux.adapters import python_command, tmuxcmd
from q_tmux.store import paths, xdg
from q_tmux.store.record import BUSY, Source, Status
from q_tmux.tracking import state

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more to import than a hook may spend
    from collections.abc import Iterable

    from q_tmux.tracking.status_line import SessionState, Snapshot

#: The module a queued session's pane runs (``python -m``).
WAITER_MODULE = "q_tmux.tracking.queue"


class Candidate:
    """One session as the queue sees it: its status, whether its pane lives, when it queued."""

    __slots__ = ("alive", "id", "name", "since", "status")

    def __init__(self, id: str, status: str, alive: bool, since: str = "", name: str = "") -> None:
        self.id = id
        self.status = status
        self.alive = alive
        #: When it was queued (its ``status_changed_at``, ISO 8601: sorts as text).
        self.since = since
        self.name = name


def due(sessions: Iterable[Candidate], max_busy: int | None) -> list[str]:
    """The queued sessions to start now, first queued first.

    Busy means starting or processing with a live pane (an agent asking for
    approval waits for its user, not for the model). Without a limit every
    queued session is due; a queued session whose pane is gone is not.
    """
    busy = 0
    waiting: list[Candidate] = []
    for session in sessions:
        if not session.alive:
            continue
        if session.status in BUSY:
            busy += 1
        elif session.status == Status.QUEUED:
            waiting.append(session)
    waiting.sort(key=lambda s: (s.since, s.name, s.id))
    free = len(waiting) if max_busy is None else max(0, max_busy - busy)
    return [session.id for session in waiting[:free]]


def max_busy() -> int | None:
    """``[limits] max_busy`` from the user's config.toml (validated by ``q-tmux doctor`` and
    ``new``); None when unset or unreadable, so a broken file never holds agents back forever."""
    import tomllib

    try:
        with (paths.config_dir() / "config.toml").open("rb") as handle:
            limits = tomllib.load(handle).get("limits", {})
    except (OSError, ValueError):
        return None
    value = limits.get("max_busy") if isinstance(limits, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class QueueLock:
    """``with QueueLock(wait=...):`` who may start queued agents now, one process at a time.

    ``new`` holds it while it makes a group and starts its first agents, so the
    watcher never starts a member of a group that may yet be undone, nor counts
    busy agents at the same moment. The watcher does not wait: it tries again on
    its next tick (``acquired`` False). A lock file in the state folder; the
    kernel drops the lock when its holder exits.
    """

    __slots__ = ("acquired", "fd", "wait")

    def __init__(self, wait: bool) -> None:
        self.wait = wait
        self.fd = -1
        self.acquired = False

    def __enter__(self) -> QueueLock:
        import fcntl

        folder = xdg.state_dir()
        os.makedirs(folder, exist_ok=True)
        self.fd = os.open(os.path.join(folder, "queue.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
            self.acquired = True
        except BlockingIOError:
            self.acquired = False
        return self

    def __exit__(self, *_: object) -> None:
        os.close(self.fd)  # drops the lock; the file stays (a waiter may hold it open)


def release(socket: str, path: str, pane_id: str, changed_at: str | None = None) -> bool:
    """Start a queued session's agent: mark it starting, then press Enter in its pane.

    With ``changed_at`` the mark is a compare-and-set: False (nothing done) when
    its status changed since the caller read it.
    """
    done = state.set_status(
        path, Status.STARTING, None, Source.PROCESS, expected_changed_at=changed_at
    )
    if done is None or done.before[0] != Status.QUEUED:
        return False
    tmuxcmd.run(socket, "send-keys", "-t", pane_id, "Enter")
    return True


def start_due(socket: str, sessions: list[SessionState], snap: Snapshot) -> list[str]:
    """The watcher's part: start the queued sessions :func:`due` names; their ids."""
    if not any(s.status == Status.QUEUED for s in sessions):
        return []  # the common case: no config read, nothing to do
    candidates = []
    for session in sessions:
        pane = snap.panes.get(session.id)
        alive = pane is not None and not pane.dead
        candidates.append(Candidate(session.id, session.status, alive, session.changed_at))
    by_id = {s.id: s for s in sessions}
    started: list[str] = []
    with QueueLock(wait=False) as lock:
        if not lock.acquired:
            return started  # a new is making a group: next tick
        for session_id in due(candidates, max_busy()):
            session, pane = by_id[session_id], snap.panes[session_id]
            if release(socket, session.path, pane.pane_id, session.changed_at):
                started.append(session_id)
    return started


def waiter_command() -> list[str]:
    """What a queued session's pane runs until its agent starts."""
    return python_command.stdlib_module(WAITER_MODULE)


def wait_and_start(path: str) -> int:
    """The waiter: one line on screen, then, at a line on the terminal, become the agent."""
    data = state.load(path)
    name = data.get("name") if data is not None else None
    print(
        f"q-tmux: session '{name}' is queued: its agent starts when a busy one finishes "
        "([limits] max_busy). Press Enter to start it now.",
        flush=True,
    )
    with contextlib.suppress(OSError):
        os.read(0, 4096)  # a terminal in canonical mode gives one line at a time
    data = state.load(path)  # again: a resume may have wired the agent anew meanwhile
    agent = data.get("agent") if data is not None else None
    command = agent.get("command") if isinstance(agent, dict) else None
    if data is None or not isinstance(command, list) or not command:
        print(f"q-tmux: cannot start the agent: {path} holds no command.", file=sys.stderr)
        return 1
    if data.get("status") == Status.QUEUED:  # started by a person: say so, as the watcher would
        state.set_status(path, Status.STARTING, None, Source.PROCESS)
    typed, pane = data.get("start_typed"), os.environ.get("TMUX_PANE")
    tmux = data.get("tmux")
    socket = tmux.get("socket") if isinstance(tmux, dict) else None
    if isinstance(typed, str) and typed and pane and isinstance(socket, str):
        # Queued in the pane's input until the agent reads its prompt, as ``new`` types it.
        text = ["send-keys", "-t", pane, "-l", "--", tmuxcmd.argument(typed), ";"]
        tmuxcmd.run(socket, *text, "send-keys", "-t", pane, "Enter")
    sys.stdout.write("\x1b[H\x1b[2J")  # the agent draws on a clean screen
    try:
        tmuxcmd.replace_process([str(word) for word in command])
    except OSError as error:
        print(f"q-tmux: cannot start {command[0]}: {error}.", file=sys.stderr)
        return 1
    return 0  # not reached: replace_process returns only by raising


def main(argv: list[str]) -> int:
    """The waiter's entry point (:func:`waiter_command`): the session comes from the environment."""
    return wait_and_start(os.environ.get("Q_TMUX_SESSION_FILE", "")) if not argv else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
