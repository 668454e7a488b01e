"""State tracking with the real agents: a scripted run of many steps per agent.

Each agent (installed by scripts/install-agents) runs in a q-tmux session
against the scripted model server. Steps are drawn in a seeded random order:
quick answers, streamed answers, approvals approved and denied, and Ctrl-C
mid-answer. A sampler reads session.json and the screen every ~20 ms.

Measured per agent:
- right at the end of each step: the state the step must end in
  (``waiting``/``input``) was reached within 10 s of the agent finishing, and held;
- flips: changes away from that right state while nothing happened (1 s hold);
- ``waiting`` while an answer streamed: samples saying waiting between the
  first ``processing`` of a streamed step and the server sending its last word;
- approval detected: from the question appearing on screen to session.json
  saying ``waiting``/``approval`` (by the source that said it);
- turn end detected: from the server's last word to ``waiting``/``input``.

Usage: .venv/bin/python -m bench.real_agents [--steps 100] [--seed 7] [--agents claude,codex]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field

from bench.harness import Lab, median_ms, session_data, status_of
from tests.real_agents.model_server import ModelServer, Recorded
from tests.real_agents.sandbox import (
    AGENTS,
    installed,
    outside_tmp_home,
    prepare_home,
    trusted_dirs,
)

#: Text that shows the agent asks to run a command (the ground truth for approvals).
QUESTION = {
    "claude": "Do you want to proceed?",
    "codex": "Would you like to run",
    "gemini": "Allow execution",
    "aider": "Run shell command?",
}
READY = {"claude": "❯", "codex": "›", "gemini": "Type your message", "aider": "> "}  # noqa: RUF001
APPROVE = {"claude": ["Enter"], "codex": ["Enter"], "gemini": ["Enter"], "aider": ["y", "Enter"]}
DENY = {"claude": ["Escape"], "codex": ["Escape"], "gemini": ["Escape"], "aider": ["n", "Enter"]}
KINDS = ("quick", "quick", "stream", "stream", "approve", "deny", "interrupt")
SETTLE = 10.0
HOLD = 1.0
State = tuple[str, str | None, str]


class Sampler(threading.Thread):
    """session.json and the screen every ~20 ms, with when each was seen."""

    def __init__(self, lab: Lab, work: object, pane: str, question: str) -> None:
        super().__init__(daemon=True)
        self.lab, self.work, self.pane, self.question = lab, work, pane, question
        self.states: list[tuple[float, State]] = []
        self.questions: list[float] = []  # when the question (re)appeared on screen
        self.running = True

    def run(self) -> None:
        asking = False
        while self.running:
            state = status_of(self.work)  # type: ignore[arg-type]
            now = time.monotonic()
            if not self.states or self.states[-1][1] != state:
                self.states.append((now, state))
            screen = self.lab.tmux("capture-pane", "-p", "-J", "-t", self.pane)
            # Old questions stay in the scrollback: only the bottom of the screen asks.
            # (aider's questions stay put above its prompt: for it only the last line asks).
            reach = 1 if self.question == QUESTION["aider"] else 12
            bottom = [line for line in screen.splitlines() if line.strip()][-reach:]
            shown = any(self.question in line for line in bottom)
            if shown and not asking:
                self.questions.append(time.monotonic())
            asking = shown
            time.sleep(0.02)

    def first(self, after: float, wanted: tuple[str, str | None]) -> tuple[float, State] | None:
        for at, state in self.states:
            if at >= after and state[:2] == wanted:
                return at, state
        return None

    def between(self, start: float, end: float) -> list[State]:
        return [state for at, state in self.states if start <= at <= end]


@dataclass
class Figures:
    agent: str
    steps: int = 0
    right: int = 0
    flips: int = 0
    waiting_while_streaming: int = 0
    approval: dict[str, list[float]] = field(default_factory=lambda: {"hook": [], "screen": []})
    turn_end: dict[str, list[float]] = field(default_factory=lambda: {"hook": [], "screen": []})
    wrong: list[str] = field(default_factory=list)


def wait(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


class Run:
    def __init__(self, agent: str, steps: int, seed: int) -> None:
        self.agent, self.steps, self.random = agent, steps, random.Random(seed)
        self.model = ModelServer().start()
        self.lab = Lab(files=5)
        self.home = outside_tmp_home()  # Gemini CLI ignores settings below /tmp
        env = prepare_home(agent, self.home, self.model.url, trusted_dirs(self.lab.repo, ["b"]))
        self.lab.env.update(env)
        self.work = self.lab.new("b", "--agent", agent)
        self.pane = str(session_data(self.work)["tmux"]["pane_id"])
        self.sampler = Sampler(self.lab, self.work, self.pane, QUESTION[agent])
        self.figures = Figures(agent)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.lab.tmux("send-keys", "-t", self.pane, key)
            time.sleep(0.1)

    def say(self, text: str) -> float:
        self.lab.tmux("send-keys", "-t", self.pane, "-l", text)
        time.sleep(0.3)
        sent = time.monotonic()
        self.lab.tmux("send-keys", "-t", self.pane, "Enter")
        return sent

    def request_after(self, moment: float, timeout: float = 60) -> Recorded | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in self.model.main_requests() if r.at > moment]
            if found:
                return found[0]
            time.sleep(0.05)
        return None

    def settled(self, since: float, kind: str) -> bool:
        """The step ended waiting for input (within SETTLE s) and held; count flips."""
        if not wait(lambda: status_of(self.work)[:2] == ("waiting", "input"), SETTLE):
            self.figures.wrong.append(f"{kind}: ended {status_of(self.work)}")
            return False
        held_from = time.monotonic()
        time.sleep(HOLD)
        after = self.sampler.between(held_from, time.monotonic())
        flips = sum(1 for state in after if state[:2] != ("waiting", "input"))
        self.figures.flips += flips
        if flips:
            self.figures.wrong.append(f"{kind}: flipped {after}")
        return not flips

    def turn_end(self, request: Recorded | None) -> None:
        if request is None or not wait(lambda: request.done_at is not None, 120):
            return
        done = request.done_at
        assert done is not None
        wait(lambda: self.sampler.first(done, ("waiting", "input")), SETTLE)
        seen = self.sampler.first(done, ("waiting", "input"))
        if seen:
            at, state = seen
            self.figures.turn_end.setdefault(state[2], []).append(at - done)

    def step(self, kind: str) -> None:
        start = time.monotonic()
        ok = True
        if kind in ("quick", "stream"):
            seconds = self.random.choice((2, 3, 4))
            text = "[[quick]]" if kind == "quick" else f"[[stream {seconds}]]"
            sent = self.say(f"step {self.figures.steps} {text}")
            request = self.request_after(sent)
            self.turn_end(request)
            if kind == "stream" and request and request.done_at:
                busy = self.sampler.first(sent, ("processing", None))
                if busy:
                    streaming = self.sampler.between(busy[0], request.done_at - 0.05)
                    bad = [s for s in streaming if s[0] == "waiting"]
                    self.figures.waiting_while_streaming += len(bad)
                    ok = ok and not bad
        elif kind in ("approve", "deny"):
            target = self.lab.base / f"ran-{self.figures.steps}.txt"
            asked = self.say(f"run [[tool echo {kind} > {target}]]")
            if not wait(lambda: self.sampler.questions and self.sampler.questions[-1] > asked, 60):
                self.figures.wrong.append(f"{kind}: the agent never asked")
                ok = False
            else:
                shown = self.sampler.questions[-1]
                # A hook may say so before the question is drawn (Gemini draws it after its hooks).
                if wait(lambda: self.sampler.first(asked, ("waiting", "approval")), SETTLE):
                    seen = self.sampler.first(asked, ("waiting", "approval"))
                    if seen:
                        at, state = seen
                        self.figures.approval.setdefault(state[2], []).append(max(0.0, at - shown))
                else:
                    self.figures.wrong.append(
                        f"{kind}: approval not detected {status_of(self.work)}"
                    )
                    ok = False
                answered = time.monotonic()
                self.keys(*(APPROVE if kind == "approve" else DENY)[self.agent])
                if kind == "approve":
                    self.turn_end(self.request_after(answered))
        else:  # interrupt
            sent = self.say("[[stream 30]]")
            # Interrupt only once this answer is streaming (old words may be on screen).
            request = self.request_after(sent)
            wait(lambda: self.sampler.first(sent, ("processing", None)), 60)
            if request is not None:
                time.sleep(1.5)
            # Ctrl-C at an idle prompt quits some agents: only while the answer streams.
            if request is not None and request.done_at is None:
                self.keys("C-c")
        ok = self.settled(start, kind) and ok
        self.figures.steps += 1
        self.figures.right += ok

    def run(self) -> Figures:
        self.sampler.start()
        booted = wait(lambda: status_of(self.work)[:2] == ("waiting", "input"), 240)
        if not booted:
            self.figures.wrong.append(f"boot: {status_of(self.work)}")
            return self.figures
        time.sleep(1)
        for _ in range(self.steps):
            self.step(self.random.choice(KINDS))
        return self.figures

    def close(self) -> None:
        self.sampler.running = False
        self.lab.close()
        self.model.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def ms(values: list[float]) -> str:
    return median_ms(values).strip() if values else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--agents", default=",".join(AGENTS))
    args = parser.parse_args()
    results = []
    for agent in args.agents.split(","):
        if not installed(agent):
            print(f"{agent}: not installed (scripts/install-agents)", file=sys.stderr)
            continue
        run = Run(agent, args.steps, args.seed)
        started = time.monotonic()
        try:
            figures = run.run()
        finally:
            run.close()
        took = time.monotonic() - started
        results.append(figures)
        print(f"{agent}: {figures.steps} steps in {took:.0f}s", file=sys.stderr)
        for line in figures.wrong[:10]:
            print(f"  {line}", file=sys.stderr)
    print("| agent | right at step end | flips | waiting while streaming | approval: hook / screen"
          " | turn end: hook / screen |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for f in results:
        right = f"{100 * f.right / f.steps:.1f}% of {f.steps}" if f.steps else "n/a"
        approval = f"{ms(f.approval['hook'])} / {ms(f.approval['screen'])}"
        turn = f"{ms(f.turn_end['hook'])} / {ms(f.turn_end['screen'])}"
        print(f"| {f.agent} | {right} | {f.flips} | {f.waiting_while_streaming} | {approval}"
              f" | {turn} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
