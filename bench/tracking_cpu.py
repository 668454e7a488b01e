"""CPU used by q-tmux's state tracking: the watcher, plus what it costs the tmux server.

Measured from /proc over a window (60 s by default) with 10 and 50 idle
sessions (agents at their prompt) and with 10 busy ones (agents streaming
a long reply). The agents' own CPU is not counted: it is theirs.
Usage: .venv/bin/python -m bench.tracking_cpu [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench.harness import Lab, session_data, status_of, wait_until

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, children: bool = False) -> float:
    """CPU time of ``pid``; with ``children``, also of the children it waited for.

    The watcher's children are the tmux clients it runs: part of its cost.
    """
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    used = int(fields[11]) + int(fields[12])  # utime + stime
    if children:
        used += int(fields[13]) + int(fields[14])  # cutime + cstime
    return used / TICKS


def watcher_pid(socket: str) -> int | None:
    done = subprocess.run(
        ["pgrep", "-f", f"q_tmux.tracking.watcher {socket}$"],
        capture_output=True,
        text=True,
        check=False,
    )
    pids = [int(p) for p in done.stdout.split()]
    return pids[0] if pids else None


def measure(sessions: int, busy: bool, seconds: float) -> tuple[float, float, int]:
    lab = Lab(extra_env={"Q_STANDIN_DELAY": "0.05", "Q_STANDIN_STREAM": "0.05"})
    try:
        works = [lab.new(f"s{i}") for i in range(sessions)]
        for work in works:
            wait_until(lambda w=work: status_of(w)[0] == "waiting", timeout=30)
        if busy:
            words = int(seconds * 20) + 1000  # outlasts the window at ~20 words a second
            for work in works:
                lab.type_line(str(session_data(work)["tmux"]["window_id"]), f"stream {words}")
            wait_until(lambda: all(status_of(w)[0] == "processing" for w in works), timeout=30)
        time.sleep(3)  # let start-up work settle
        watcher = watcher_pid(lab.socket)
        server = int(lab.tmux("display-message", "-p", "#{pid}").strip() or 0)
        assert watcher, "no watcher found"
        assert server, "no tmux server found"
        before_w, before_s = cpu_seconds(watcher, children=True), cpu_seconds(server)
        started = time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - started
        still_busy = sum(status_of(w)[0] == "processing" for w in works)
        used_w = cpu_seconds(watcher, children=True) - before_w
        used_s = cpu_seconds(server) - before_s
        return 100 * used_w / elapsed, 100 * used_s / elapsed, still_busy
    finally:
        lab.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    options = parser.parse_args()
    print(
        f"% of one core over {options.seconds:.0f} s; tmux server = all its work, agents included"
    )
    print(f"{'sessions':<26}{'watcher+its tmux calls':>24}{'tmux server':>14}")
    for sessions, busy in ((10, False), (50, False), (10, True)):
        watcher, server, still_busy = measure(sessions, busy, options.seconds)
        label = f"{sessions} {'busy' if busy else 'idle'}" + (
            f" ({still_busy} busy at end)" if busy else ""
        )
        print(f"{label:<26}{watcher:>23.2f}%{server:>13.2f}%", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
