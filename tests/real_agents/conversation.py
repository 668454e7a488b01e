"""Driving one real agent through a q-tmux session, and watching the state q-tmux gives it.

A ``Conversation`` starts the agent with ``q-tmux new NAME --agent PRESET --detach``,
types into its pane, and waits (polling, with generous deadlines) for the
``status``/``waiting_reason``/``status_source`` q-tmux writes to the session file.
A ``Timeline`` records every state the session file held, with when it was seen,
so a test can say the state never flipped and was never ``waiting`` while an
answer streamed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from libtmux.server import Server

from tests.conftest import QTmux
from tests.real_agents.model_server import ModelServer

#: Booting a real agent on a loaded 2-core machine (Gemini CLI: 15-40 s idle).
BOOT_TIMEOUT = 180.0
#: One step of a conversation (a turn, an answer to a question, a quit).
STEP_TIMEOUT = 90.0
#: How long a settled state must hold before the next step (a flip in it is a bug).
HOLD = 2.0

State = tuple[str, str | None, str]
WAITING_INPUT = ("waiting", "input")
WAITING_APPROVAL = ("waiting", "approval")
PROCESSING = ("processing", None)
EXITED = ("exited", None)
STARTING = ("starting", None)


@dataclass(frozen=True)
class AgentUI:
    """What a test needs to know to drive one agent's UI, and where its states come from."""

    preset: str
    #: Text that is on the screen once the agent's prompt is drawn.
    ready: str
    approve: tuple[str, ...]
    deny: tuple[str, ...]
    interrupt: tuple[str, ...]
    quit_line: str
    #: Allowed ``status_source`` for each step's settled state.
    sources: dict[str, frozenset[str]]
    #: Text the agent shows for the model's error (``[[error 400]]``).
    error_text: str = "test server error"


def session_state(work_dir: Path) -> State | None:
    try:
        data = json.loads((work_dir / ".amazonq" / "session.json").read_text())
    except (OSError, ValueError):
        return None  # not written yet, or caught mid-write
    return data["status"], data.get("waiting_reason"), data["status_source"]


@dataclass
class Seen:
    at: float
    state: State
    step: str


@dataclass
class Timeline:
    """Polls the session file in a thread and keeps every change, tagged with the step."""

    work_dir: Path
    seen: list[Seen] = field(default_factory=list)
    step: str = "start"
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Timeline:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            state = session_state(self.work_dir)
            if state is not None and (not self.seen or self.seen[-1].state != state):
                self.seen.append(Seen(time.monotonic(), state, self.step))
            time.sleep(0.05)

    def current(self) -> State | None:
        return session_state(self.work_dir)

    def since(self, moment: float) -> list[Seen]:
        """The states seen after ``moment``, with the one in force at ``moment`` first."""
        before = [s for s in self.seen if s.at <= moment]
        return before[-1:] + [s for s in self.seen if s.at > moment]

    def describe(self) -> str:
        start = self.seen[0].at if self.seen else 0.0
        return "\n".join(
            f"  {s.at - start:7.2f}s [{s.step}] {s.state[0]}"
            f"{'/' + s.state[1] if s.state[1] else ''} ({s.state[2]})"
            for s in self.seen
        )


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def processes_with_home(home: Path) -> list[int]:
    """Our processes that run with ``HOME=home`` (the sandbox of one test)."""
    marker = f"HOME={home}\0".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def kill_all(pids: Iterable[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@dataclass
class Conversation:
    """One q-tmux session running a real agent, driven through its tmux pane."""

    ui: AgentUI
    qtmux: QTmux
    server: Server
    repo: Path
    name: str
    env: dict[str, str]
    model: ModelServer
    timeline: Timeline | None = None
    step_started: float = 0.0

    @property
    def work_dir(self) -> Path:
        return self.repo.parent / f"{self.repo.name}.worktrees" / self.name

    # -- launching ------------------------------------------------------------
    def start(self, message: str | None = None) -> None:
        words = [message] if message else []
        self.qtmux.ok(
            "new", self.name, "--agent", self.ui.preset, "--detach", *words,
            cwd=self.repo, env=self.env, timeout=120,
        )  # fmt: skip
        self.timeline = Timeline(self.work_dir).start()

    def resume(self) -> None:
        self.qtmux.ok("resume", self.name, "--detach", cwd=self.repo, env=self.env, timeout=120)

    def stop(self) -> None:
        if self.timeline is not None:
            self.timeline.stop()

    # -- the pane ---------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        data = json.loads((self.work_dir / ".amazonq" / "session.json").read_text())
        assert isinstance(data, dict)
        return data

    @property
    def pane(self) -> str:
        return str(self.record()["tmux"]["pane_id"])

    def screen(self) -> str:
        result = self.server.cmd("capture-pane", "-p", "-J", "-t", self.pane)
        return "\n".join(result.stdout)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.server.cmd("send-keys", "-t", self.pane, key)
            time.sleep(0.1)  # some TUIs drop a key that arrives with the one before

    def type(self, text: str, enter: bool = True) -> None:
        self.server.cmd("send-keys", "-t", self.pane, "-l", text)
        if enter:
            time.sleep(0.3)  # let the TUI take the text as typed, not as a paste with Enter
            self.server.cmd("send-keys", "-t", self.pane, "Enter")

    def agent_pid(self) -> int:
        out = self.server.cmd("display-message", "-p", "-t", self.pane, "#{pane_pid}").stdout
        return int(out[0])

    def kill_agent(self) -> None:
        """``kill -9`` the agent and everything it started."""
        kill_all(descendants(self.agent_pid()))

    # -- waiting ------------------------------------------------------------------
    def step(self, name: str) -> float:
        """Start a named step; returns when it started."""
        assert self.timeline is not None
        self.timeline.step = name
        self.step_started = time.monotonic()
        return self.step_started

    def fail(self, what: str) -> None:
        timeline = self.timeline.describe() if self.timeline else "(none)"
        pytest.fail(
            f"{self.ui.preset}: {what}\nstates seen:\n{timeline}\n"
            f"screen:\n{self.screen()}\nrequests: {[r.reply for r in self.model.main_requests()]}"
        )

    def until(
        self, wanted: tuple[str, str | None], step: str, timeout: float = STEP_TIMEOUT
    ) -> State:
        """Wait for ``wanted`` (status, reason) from a source this step allows."""
        allowed = self.ui.sources.get(step)
        deadline = time.monotonic() + timeout
        while True:
            state = session_state(self.work_dir)
            right = state is not None and state[:2] == wanted
            if state is not None and right and (allowed is None or state[2] in allowed):
                return state
            if time.monotonic() > deadline:
                sources = f" from {sorted(allowed)}" if allowed else ""
                self.fail(
                    f"step {step!r}: no {wanted}{sources} within {timeout:.0f}s (now {state})"
                )
            time.sleep(0.05)

    def holds(self, step: str, seconds: float = HOLD) -> None:
        """The settled state stays put for ``seconds``: any change in it is a flip."""
        first = session_state(self.work_dir)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            state = session_state(self.work_dir)
            if state is not None and first is not None and state[:2] != first[:2]:
                self.fail(f"step {step!r}: flipped from {first} to {state} with nothing going on")
            time.sleep(0.05)

    def settle(
        self, wanted: tuple[str, str | None], step: str, timeout: float = STEP_TIMEOUT
    ) -> None:
        """The step's end state, once the agent stopped drawing, and it holds."""
        self.quiet()
        self.until(wanted, step, timeout)
        self.holds(step)
        self.hook_state_kept(wanted, step)

    def hook_state_kept(self, wanted: tuple[str, str | None], step: str) -> None:
        """Once a hook said ``wanted`` in this step, nothing may have undone it since."""
        assert self.timeline is not None
        seen = [s for s in self.timeline.seen if s.at >= self.step_started]
        hooked = next((i for i, s in enumerate(seen) if s.state == (*wanted, "hook")), None)
        if hooked is None:
            return
        undone = [s.state for s in seen[hooked:] if s.state[:2] != wanted]
        if undone:
            self.fail(f"step {step!r}: the hook's {wanted} was undone by {undone}")

    def quiet(self, seconds: float = 1.0, at_most: float = 15.0) -> None:
        """Wait until the screen stayed the same for ``seconds`` (at most ``at_most``).

        A state read from the screen may lag the drawing by a moment; the hold after a
        step starts once the agent is done drawing, so that lag is not taken for a flip.
        """
        deadline = time.monotonic() + at_most
        last, since = self.screen(), time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - since < seconds:
            time.sleep(0.1)
            now = self.screen()
            if now != last:
                last, since = now, time.monotonic()

    def wait_screen(self, predicate: Callable[[str], bool], what: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                self.fail(f"the screen never showed {what} within {timeout:.0f}s")
            time.sleep(0.1)

    def never_waiting_during(self, start: float, end: float, step: str) -> None:
        """No ``waiting`` was seen while the model was still sending the answer."""
        assert self.timeline is not None
        wrong = [s for s in self.timeline.since(start) if s.at < end and s.state[0] == "waiting"]
        # The state in force at ``start`` is the one before the message was sent.
        wrong = [s for s in wrong if s.at > start]
        if wrong:
            self.fail(f"step {step!r}: `waiting` while the answer was still streaming: {wrong}")

    def main_request_after(self, moment: float, timeout: float = STEP_TIMEOUT) -> Any:
        """The first turn the server got after ``moment``."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.model.main_requests() if r.at > moment]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                self.fail(f"the agent sent no request within {timeout:.0f}s")
            time.sleep(0.1)
