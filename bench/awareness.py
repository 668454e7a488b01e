"""What knowing the other sessions' changes costs: the prompt hook, and the watcher's look.

A throwaway lab (HOME, a 200-file repository, a tmux socket) gets ``--sessions``
sessions (``new --detach --agent shell``). Each commits a change to one file
they all share and to a file of its own, and leaves one more uncommitted, so
every session overlaps with every other one and the hook has the most to say.

Timed, interleaved round by round over ``--runs`` rounds (medians):

- the hook as the agent runs it before each prompt (``q userPromptSubmit``),
  which prints the lines, beside the same hook for an event that prints nothing
  and changes the status the same way (``q preToolUse``): the difference is
  what awareness adds;
- :func:`q_tmux.tracking.awareness.context_for` alone, in this process;
- the watcher's look (:meth:`Gatherer.refresh`) with every agent idle (nothing
  is asked of git again) and with every agent busy (``git status`` in each
  worktree), and the git runs each made.

Usage: .venv/bin/python -m bench.awareness [--sessions 10] [--runs 15]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import Lab, session_data, wait_until
from q_tmux.agents.wiring import hook_command

TARGET_MS = 50.0


def timed_hook(event: str, session_file: Path, lab: Lab) -> tuple[float, float, int]:
    """Wall and CPU seconds (user + system) of one hook run, and the bytes it printed."""
    env = {**lab.env, "Q_TMUX_SESSION_FILE": str(session_file)}
    start = time.perf_counter()
    child = subprocess.Popen(
        hook_command("q", event),  # as the agent runs it
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=session_file.parent.parent,
        env=env,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    child.stdin.write(b'{"prompt": "next"}')
    child.stdin.close()
    out = child.stdout.read()
    _, _, usage = os.wait4(child.pid, 0)  # reaped here, with its resource use
    child.returncode = 0
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, len(out)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    lab = Lab(files=200)
    try:
        works = []
        for n in range(options.sessions):
            work = lab.new(f"s{n}", "--agent", "shell", f"Task number {n}: change the shared file")
            (work / "d00" / "f0.txt").write_text(f"changed by s{n}\n")
            (work / f"own{n}.txt").write_text("mine\n")
            for args in (["add", "-A"], ["commit", "-qm", f"s{n}"]):
                subprocess.run(["git", *args], cwd=work, env=lab.env, check=True)
            (work / "d01" / "f1.txt").write_text(f"uncommitted in s{n}\n")
            works.append(work)
        return measure(lab, works, options.runs)
    finally:
        lab.close()


def measure(lab: Lab, works: list[Path], runs: int) -> int:
    os.environ["HOME"] = lab.env["HOME"]  # this process reads the lab's state folder too
    os.environ.pop("XDG_STATE_HOME", None)
    from q_tmux.store.record import Status
    from q_tmux.tracking import awareness, status_line

    summary = Path(awareness.summary_path(str(lab.repo), lab.socket))

    def complete() -> bool:
        try:
            sessions = json.loads(summary.read_text()).get("sessions") or {}
        except (OSError, ValueError):
            return False
        return len(sessions) == len(works) and all(
            "d01/f1.txt" in s["files"] and "d00/f0.txt" in s["files"] for s in sessions.values()
        )

    if not wait_until(complete, timeout=60):
        print("the watcher never wrote a complete summary", file=sys.stderr)
        return 1
    first = works[0] / ".amazonq" / "session.json"
    with_aware: list[float] = []
    without: list[float] = []
    cpu_with: list[float] = []
    cpu_without: list[float] = []
    printed = 0
    for event in ("userPromptSubmit", "preToolUse"):  # warm the page cache
        timed_hook(event, first, lab)
    for _ in range(runs):
        seconds, cpu, printed = timed_hook("userPromptSubmit", first, lab)
        with_aware.append(seconds)
        cpu_with.append(cpu)
        seconds, cpu, _ = timed_hook("preToolUse", first, lab)
        without.append(seconds)
        cpu_without.append(cpu)
    data = session_data(works[0])
    alone = []
    for _ in range(200):
        start = time.perf_counter()
        text = awareness.context_for(data, str(first))
        alone.append(time.perf_counter() - start)
    sessions = status_line.sessions_on(lab.socket)
    snap = status_line.snapshot(lab.socket)
    from q_tmux.adapters import tmuxcmd

    gatherer = awareness.Gatherer(lab.socket, tmuxcmd.run_program)
    gatherer.refresh(sessions, snap, force=True)
    cold_runs = gatherer.git_runs
    idle_times, idle_runs = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        gatherer.refresh(sessions, snap, force=True)
        idle_times.append(time.perf_counter() - start)
        idle_runs = gatherer.git_runs
    busy = [copy.copy(s) for s in sessions]
    busy_times, busy_runs = [], 0
    for _ in range(runs):
        for session in busy:
            session.status = Status.PROCESSING  # an agent at work: its worktree is asked again
        start = time.perf_counter()
        gatherer.refresh(busy, snap, force=True)
        busy_times.append(time.perf_counter() - start)
        busy_runs = gatherer.git_runs

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:7.1f} ms"

    n = len(works)
    print(f"{n} live sessions, each overlapping with every other; medians of {runs} rounds")
    target = f"target <= {TARGET_MS:g} ms"
    print("                                               wall        CPU")
    print(
        f"  hook before a prompt (q userPromptSubmit)  {ms(with_aware)} {ms(cpu_with)}   {target}"
    )
    print(f"  same hook, no awareness (q preToolUse)     {ms(without)} {ms(cpu_without)}")
    diff = statistics.median(with_aware) - statistics.median(without)
    cpu_diff = statistics.median(cpu_with) - statistics.median(cpu_without)
    share = f"{diff * 1000:7.1f} ms {cpu_diff * 1000:7.1f} ms"
    print(f"  awareness's share                          {share}")
    print(f"  context_for alone, in-process              {ms(alone)}")
    print(f"  printed for the model: {printed} bytes, {len(text.splitlines())} lines")
    print(f"  watcher look, cold (git for each)          git runs: {cold_runs}")
    print(f"  watcher look, all idle                     {ms(idle_times)}   git runs: {idle_runs}")
    print(f"  watcher look, all busy                     {ms(busy_times)}   git runs: {busy_runs}")
    print(f"  load average: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
