"""CPU used by q-tmux's state tracking: the watcher, plus what it costs the tmux server.

Measured from /proc over a window (60 s by default) with 10, 50 and 100 idle
sessions (agents at their prompt) and with 10 busy ones (agents streaming
a long reply). The agents' own CPU is not counted: it is theirs. Issue 16's
target: under 1 % of one core at 100 idle sessions.
Usage: .venv/bin/python -m bench.tracking_cpu [--seconds 60] [--idle 10,50,100] [--busy 10]
       [--baseline REV [--rounds 3]]  (on the same sessions, this code's watcher and commit
       REV's, each started afresh, in alternating windows; medians)
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import ROOT, Lab, baseline_env, session_data, status_of, wait_until

TICKS = os.sysconf("SC_CLK_TCK")
SETTLE = 6.0  # seconds a freshly started watcher gets before it is measured


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
        # "-m q_tmux.tracking.watcher SOCKET" (a baseline), or "... import main; ... SOCKET"
        ["pgrep", "-f", f"q_tmux[.]tracking[.]watcher.* {re.escape(socket)}$"],
        capture_output=True,
        text=True,
        check=False,
    )
    pids = [int(p) for p in done.stdout.split()]
    return pids[0] if pids else None


def measure(
    sessions: int, busy: bool, seconds: float, baseline: str | None = None, rounds: int = 1
) -> tuple[float, float, int, float | None]:
    """Watcher and tmux server CPU %, sessions still busy, and the baseline watcher's CPU %.

    With a baseline, each round starts this code's watcher and then the baseline's afresh
    on the same sessions (each settles, then is measured for ``seconds``): the medians
    compare the two under the same machine noise.
    """
    lab = Lab(extra_env={"Q_STANDIN_DELAY": "0.05", "Q_STANDIN_STREAM": "0.05"})
    try:
        works = [lab.new(f"s{i}") for i in range(sessions)]
        for work in works:
            wait_until(lambda w=work: status_of(w)[0] == "waiting", timeout=30)
        if busy:
            words = int(seconds * 20 * (2 * rounds if baseline else 1)) + 1000  # outlasts it all
            for work in works:
                lab.type_line(str(session_data(work)["tmux"]["window_id"]), f"stream {words}")
            wait_until(lambda: all(status_of(w)[0] == "processing" for w in works), timeout=30)
        time.sleep(3)  # let start-up work settle
        watcher = watcher_pid(lab.socket)
        server = int(lab.tmux("display-message", "-p", "#{pid}").strip() or 0)
        assert watcher, "no watcher found"
        assert server, "no tmux server found"
        if baseline is None:
            used_w, used_s = watcher_cpu(watcher, seconds, server)
            return used_w, used_s, busy_now(works), None
        os.kill(watcher, signal.SIGTERM)
        other = baseline_env(lab.env, baseline, lab.base / "baseline")
        codes = [(ROOT, lab.env), (lab.base / "baseline", other)]
        found: list[list[tuple[float, float]]] = [[], []]
        for _ in range(rounds):
            for index, (folder, env) in enumerate(codes):
                found[index].append(fresh_watcher_cpu(lab.socket, folder, env, seconds, server))
        ours, theirs = ([w for w, _ in side if w == w] for side in found)
        used_s = statistics.median(s for side in found for _, s in side)
        before = statistics.median(theirs) if theirs else None
        return statistics.median(ours) if ours else float("nan"), used_s, busy_now(works), before
    finally:
        lab.close()


def busy_now(works: list[Path]) -> int:
    return sum(status_of(w)[0] == "processing" for w in works)


def fresh_watcher_cpu(
    socket: str, folder: Path, env: dict[str, str], seconds: float, server: int | None
) -> tuple[float, float]:
    """Start the watcher of the q_tmux in ``folder``, let it settle, measure it, stop it.

    NaN when it did not stay (it found another watcher named).
    """
    # Run from the code's own folder: "-m" puts the current folder first on sys.path,
    # ahead of PYTHONPATH (so a baseline started from here would run this code).
    child = subprocess.Popen(
        [sys.executable, "-m", "q_tmux.tracking.watcher", socket],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(SETTLE)  # its first look reads everything and asks git about every worktree
        used = watcher_cpu(child.pid, seconds, server)
        return used if child.poll() is None else (float("nan"), used[1])
    finally:
        child.terminate()
        child.wait()


def watcher_cpu(pid: int, seconds: float, server: int | None = None) -> tuple[float, float]:
    """% of one core used by ``pid`` (with its tmux calls), and by ``server``, over ``seconds``."""
    before_w = cpu_seconds(pid, children=True)
    before_s = cpu_seconds(server) if server else 0.0
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    used_w = cpu_seconds(pid, children=True) - before_w
    used_s = (cpu_seconds(server) - before_s) if server else 0.0
    return 100 * used_w / elapsed, 100 * used_s / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--idle", default="10,50,100", help="idle session counts")
    parser.add_argument("--busy", default="10", help="busy session counts")
    parser.add_argument("--baseline", help="a commit whose watcher to time on the same sessions")
    parser.add_argument(
        "--rounds", type=int, default=3, help="with --baseline: alternating windows of each"
    )
    options = parser.parse_args()
    print(
        f"% of one core over {options.seconds:.0f} s; tmux server = all its work, agents included"
    )
    header = f"{'sessions':<26}{'watcher+its tmux calls':>24}{'tmux server':>14}"
    print(header + (f"{'baseline watcher':>20}" if options.baseline else ""))
    runs = [(int(n), False) for n in options.idle.split(",") if n]
    runs += [(int(n), True) for n in options.busy.split(",") if n]
    for sessions, busy in runs:
        watcher, server, still_busy, before = measure(
            sessions, busy, options.seconds, options.baseline, options.rounds
        )
        label = f"{sessions} {'busy' if busy else 'idle'}" + (
            f" ({still_busy} busy at end)" if busy else ""
        )
        line = f"{label:<26}{watcher:>23.2f}%{server:>13.2f}%"
        if before is not None:
            line += f"{before:>19.2f}%"
        if sessions == 100 and not busy:
            line += f"  [target < 1 %: {watcher:.2f} / 1.00]"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
