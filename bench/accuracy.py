"""Accuracy of state tracking over a scripted run of many turns.

Turns mix plain answers, approvals (y), trusting (t), refusals (n),
interrupts (Ctrl-C while thinking) and exits followed by resume, in a seeded
random order. A sampler reads session.json and the screen every ~20 ms.
Counted: every change the turn should cause and whether it was seen, and
any sample where the session was called waiting while output was still
streaming (screen-sourced waiting without the bare prompt on screen, or the
stop hook's waiting before the reply had fully arrived).
Usage: .venv/bin/python -m bench.accuracy [--turns 100] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from pathlib import Path

from bench.harness import Lab, session_data, status_of, wait_until
from q_tmux.tracking.screen import PATTERNS

PROMPT = PATTERNS["q"].prompt


class Sampler(threading.Thread):
    def __init__(self, lab: Lab, work: Path, window: str) -> None:
        super().__init__(daemon=True)
        self.lab, self.work, self.window = lab, work, window
        self.seen: list[tuple[str, str | None, str]] = []
        self.violations: list[str] = []
        self.reply_marker = ""
        self.running = True
        # Until the agent is seen working, "waiting" is the previous turn's
        # (true) state while the user's new line is already on screen.
        self.working = False

    def run(self) -> None:
        while self.running:
            status = status_of(self.work)
            screen = self.lab.tmux("capture-pane", "-p", "-J", "-t", self.window)
            lines = [line for line in screen.splitlines() if line.strip()]
            self.working = self.working or status[0] == "processing"
            if not self.working:
                pass
            elif status[0] == "waiting" and status[2] == "screen" and lines:
                asking = status[1] == "approval"
                if not asking and not PROMPT.match(lines[-1]):
                    self.violations.append(f"screen said waiting at: {lines[-1]!r}")
            early = self.reply_marker and self.reply_marker not in screen
            if self.working and status == ("waiting", "input", "hook") and early:
                self.violations.append(f"stop hook before the reply {self.reply_marker!r}")
            if not self.seen or self.seen[-1] != status:
                self.seen.append(status)
            time.sleep(0.02)

    def observed(self, since: int, wanted: tuple[str, str | None]) -> bool:
        return any(s[:2] == wanted for s in self.seen[since:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    kinds = (
        ["answer"] * 8
        + ["approve"] * 3
        + ["trust"]
        + ["refuse"] * 3
        + ["interrupt"] * 3
        + ["exit"] * 2
    )
    env = {"Q_STANDIN_DELAY": "0.15", "Q_STANDIN_STREAM": "0.02"}
    lab = Lab(extra_env=env)
    expected = detected = 0
    counts: dict[str, int] = {}
    started = time.monotonic()
    try:
        work = lab.new("acc")
        window = str(session_data(work)["tmux"]["window_id"])
        wait_until(lambda: status_of(work)[:2] == ("waiting", "input"), timeout=10)
        sampler = Sampler(lab, work, window)
        sampler.start()
        trusted = False
        for turn in range(options.turns):
            kind = rng.choice(kinds)
            counts[kind] = counts.get(kind, 0) + 1
            sampler.working = False
            mark = len(sampler.seen)
            wants: list[tuple[str, str | None]] = []
            if kind == "answer":
                sampler.reply_marker = f"Echo: answer {turn}"
                lab.type_line(window, f"answer {turn}")
                wants = [("processing", None), ("waiting", "input")]
            elif kind in ("approve", "trust", "refuse"):
                sampler.reply_marker = ""
                lab.type_line(window, f"use a tool {turn}")
                if trusted:
                    wants = [("processing", None), ("waiting", "input")]
                else:
                    wait_until(lambda: status_of(work)[:2] == ("waiting", "approval"), timeout=5)
                    lab.type_line(window, {"approve": "y", "trust": "t", "refuse": "n"}[kind])
                    trusted = trusted or kind == "trust"
                    wants = [("processing", None), ("waiting", "approval"), ("waiting", "input")]
            elif kind == "interrupt":
                sampler.reply_marker = ""
                lab.type_line(window, f"think {turn}")  # the stand-in thinks 30 s
                wait_until(lambda: status_of(work)[0] == "processing", timeout=5)
                time.sleep(0.3)
                lab.tmux("send-keys", "-t", window, "C-c")
                wants = [("processing", None), ("waiting", "input")]
            else:  # exit, then resume
                sampler.reply_marker = ""
                lab.type_line(window, "/quit")
                wait_until(lambda: status_of(work)[0] == "exited", timeout=5)
                wants = [("exited", None)]
                lab.q_tmux("resume", "acc", "--detach", env=env)
                trusted = False
                wants.append(("waiting", "input"))
            if kind != "exit":  # the turn's end counts only once the agent has started it
                wait_until(lambda: sampler.working, timeout=10)
            final = wants[-1]
            wait_until(lambda f=final: status_of(work)[:2] == f, timeout=10)
            time.sleep(0.1)
            for want in wants:
                expected += 1
                detected += sampler.observed(mark, want)
        sampler.running = False
        sampler.join()
    finally:
        lab.close()
    elapsed = time.monotonic() - started
    print(
        f"{options.turns} turns in {elapsed:.0f} s: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    print(f"changes expected {expected}, detected {detected}, missed {expected - detected}")
    print(f"waiting claimed while output streamed: {len(sampler.violations)}")
    for violation in sampler.violations[:10]:
        print(f"  {violation}")
    return 0 if detected == expected and not sampler.violations else 1


if __name__ == "__main__":
    sys.exit(main())
