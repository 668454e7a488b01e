"""How soon a change reaches session.json and the status line after it reaches the screen.

Hook-detected: the end of a turn (Q's ``stop`` hook). Screen-detected: Q's
approval question (no hook exists) and the prompt after Ctrl-C (no ``stop``).
Latency runs from the stand-in drawing its prompt or question to the first
sample (every ~5 ms) where session.json, then the @q-tmux-status option that
the status line shows, say so. Negative: the hook reported before the prompt
was drawn (Q fires ``stop`` just before it redraws its prompt).
Usage: .venv/bin/python -m bench.detection_latency [--turns 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.harness import Lab, median_ms, p95_ms, status_of, wait_until
from q_tmux.tracking.status_line import plain


def events_after(path: Path, count: int, kind: str) -> float | None:
    try:
        lines = path.read_text().splitlines()[count:]
    except OSError:
        return None
    for line in lines:
        event = json.loads(line)
        if event["event"] == kind:
            return float(event["time"])
    return None


def measure(
    lab: Lab,
    work: Path,
    window: str,
    events: Path,
    send: str,
    kind: str,
    want_file: tuple[str, str | None],
    want_status: str,
) -> tuple[float, float] | None:
    count = len(events.read_text().splitlines()) if events.exists() else 0
    lab.type_line(window, send) if send != "C-c" else lab.tmux("send-keys", "-t", window, "C-c")
    file_at = status_at = None
    deadline = time.monotonic() + 20
    while (file_at is None or status_at is None) and time.monotonic() < deadline:
        now = time.time()
        if file_at is None and status_of(work)[:2] == want_file:
            file_at = now
        if (
            status_at is None
            and plain(lab.tmux("show-option", "-gqv", "@q-tmux-status").strip()) == want_status
        ):
            status_at = now
        time.sleep(0.002)
    # The stop hook fires just before the prompt is drawn: give the event a moment.
    wait_until(lambda: events_after(events, count, kind) is not None, timeout=3)
    shown = events_after(events, count, kind)
    if file_at is None or status_at is None or shown is None:
        return None
    return file_at - shown, status_at - shown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=20)
    options = parser.parse_args()
    lab = Lab()
    events = lab.base / "events.jsonl"
    try:
        work = lab.new("lat", env={"Q_STANDIN_EVENTS": str(events), "Q_STANDIN_DELAY": "0.3"})
        window = str(json.loads((work / ".amazonq/session.json").read_text())["tmux"]["window_id"])
        wait_until(lambda: status_of(work)[0] == "waiting", timeout=10)
        hook: list[tuple[float, float]] = []
        screen: list[tuple[float, float]] = []
        interrupt: list[tuple[float, float]] = []
        for turn in range(options.turns):
            got = measure(
                lab, work, window, events, f"answer {turn}", "prompt", ("waiting", "input"), "lat"
            )
            if got:
                hook.append(got)
            got = measure(
                lab,
                work,
                window,
                events,
                f"use a tool {turn}",
                "approval",
                ("waiting", "approval"),
                "!lat",
            )
            if got:
                screen.append(got)
            lab.type_line(window, "y")
            wait_until(lambda: status_of(work) == ("waiting", "input", "hook"))
        slow = {"Q_STANDIN_DELAY": "30"}
        lab.type_line(window, "/quit")
        wait_until(lambda: status_of(work)[0] == "exited")
        lab.q_tmux("resume", "lat", "--detach", env={**slow, "Q_STANDIN_EVENTS": str(events)})
        wait_until(lambda: status_of(work)[0] == "waiting", timeout=10)
        for turn in range(max(5, options.turns // 4)):
            lab.type_line(window, f"think {turn}")
            wait_until(lambda: status_of(work)[0] == "processing")
            time.sleep(0.3)
            got = measure(lab, work, window, events, "C-c", "prompt", ("waiting", "input"), "lat")
            if got:
                interrupt.append(got)
    finally:
        lab.close()

    print(f"{'':34}{'session.json':>26}{'status line':>26}")
    print(f"{'':34}{'median':>13}{'p95':>13}{'median':>13}{'p95':>13}")
    for label, rows in (
        ("turn over (stop hook)", hook),
        ("approval question (screen)", screen),
        ("prompt after Ctrl-C (screen)", interrupt),
    ):
        files = [r[0] for r in rows]
        lines = [r[1] for r in rows]
        print(
            f"{label:<30}n={len(rows):<2} {median_ms(files):>13}{p95_ms(files):>13}"
            f"{median_ms(lines):>13}{p95_ms(lines):>13}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
