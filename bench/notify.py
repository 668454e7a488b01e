"""How soon a session starting to wait reaches a webhook on 127.0.0.1.

The stand-in q runs turns that end at its prompt (Q's ``stop`` hook: the hook's
path) and turns that ask for approval (no hook: the watcher reads the screen),
with ``[notify] webhook`` pointing at an HTTP server in this process and
``on = ["approval", "input"]``. Two latencies per notification, to the request's
arrival: from the moment the stand-in drew its prompt or question (detection
included), and from ``status_changed_at`` in session.json (the notification alone:
the hot path's decision, the detached sender's start, the POST).
Usage: .venv/bin/python -m bench.notify [--turns 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.harness import Lab, median_ms, p95_ms, session_data, status_of, wait_until
from tests.webhook_server import Endpoint, endpoint


def shown_after(events: Path, count: int, kind: str) -> float | None:
    try:
        lines = events.read_text().splitlines()[count:]
    except OSError:
        return None
    times = [json.loads(line)["time"] for line in lines if json.loads(line)["event"] == kind]
    return float(times[0]) if times else None


def one(
    lab: Lab, work: Path, window: str, events: Path, hook: Endpoint, send: str, kind: str
) -> tuple[float, float] | None:
    """Type ``send``; the latencies of the notification for the wait it leads to."""
    count = len(events.read_text().splitlines()) if events.exists() else 0
    received = len(hook.received)
    lab.type_line(window, send)
    if not wait_until(lambda: len(hook.received) > received, timeout=20):
        return None
    arrived = hook.arrived[received]
    wait_until(lambda: shown_after(events, count, kind) is not None, timeout=3)
    shown = shown_after(events, count, kind)
    changed = datetime.fromisoformat(session_data(work)["status_changed_at"]).timestamp()
    return (arrived - shown, arrived - changed) if shown is not None else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=20)
    options = parser.parse_args()
    lab = Lab()
    events = lab.base / "events.jsonl"
    by_hook: list[tuple[float, float]] = []
    by_screen: list[tuple[float, float]] = []
    with endpoint() as hook:
        config = lab.home / ".config" / "q-tmux" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(f"[notify]\nwebhook = '{hook.url}'\non = ['approval', 'input']\n")
        try:
            work = lab.new("note", env={"Q_STANDIN_EVENTS": str(events), "Q_STANDIN_DELAY": "0.3"})
            window = str(session_data(work)["tmux"]["window_id"])
            wait_until(lambda: status_of(work)[0] == "waiting", timeout=10)
            wait_until(lambda: len(hook.received) >= 1, timeout=10)  # its first prompt
            for turn in range(options.turns):
                got = one(lab, work, window, events, hook, f"answer {turn}", "prompt")
                if got:
                    by_hook.append(got)
                got = one(lab, work, window, events, hook, f"use a tool {turn}", "approval")
                if got:
                    by_screen.append(got)
                lab.type_line(window, "y")
                wait_until(lambda: status_of(work) == ("waiting", "input", "hook"))
                wait_until(lambda: hook.received[-1]["reason"] == "input", timeout=10)
                time.sleep(0.2)
        finally:
            lab.close()
    print(f"{'':36}{'from the screen':>26}{'from session.json':>26}")
    print(f"{'':36}{'median':>13}{'p95':>13}{'median':>13}{'p95':>13}")
    for label, rows in (
        ("turn over → input (stop hook)", by_hook),
        ("approval question (watcher)", by_screen),
    ):
        screen, record = [r[0] for r in rows], [r[1] for r in rows]
        print(
            f"{label:<32}n={len(rows):<2} {median_ms(screen):>13}{p95_ms(screen):>13}"
            f"{median_ms(record):>13}{p95_ms(record):>13}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
