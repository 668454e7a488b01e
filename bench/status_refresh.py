"""One status-line refresh with 20 sessions, and one hook run, wall and CPU, beside baselines.

tmux draws the status line from the @q-tmux-status option, so a redraw runs
no process at all; the work is the publish step (read the session files, one
list-panes, and a set-option when something changed), done inside a hook or
the watcher. Shown in-process, then as the standalone commands with Python's
start-up included. Bytecode caching is on, as in a real install (pip
compiles at install time), whatever PYTHONDONTWRITEBYTECODE says here.
Usage: .venv/bin/python -m bench.status_refresh [--runs 20] [--sessions 20]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import ROOT, Lab, status_of, wait_until
from q_tmux.agents.wiring import hook_command
from q_tmux.tracking import status_line


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True, input=b"{}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def in_process(socket: str, runs: int) -> list[tuple[float, float]]:
    """Publish with one session's status flipped each time, so tmux really gets a change."""
    samples = []
    for _ in range(runs):
        before = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        start = time.perf_counter()
        status_line.publish(socket)
        wall = time.perf_counter() - start
        after = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        cpu = sum(
            (a.ru_utime - b.ru_utime) + (a.ru_stime - b.ru_stime)
            for a, b in zip(after, before, strict=True)
        )
        samples.append((wall, cpu))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=20)
    options = parser.parse_args()
    compileall.compile_dir(ROOT / "q_tmux", quiet=1)
    lab = Lab(extra_env={"PYTHONDONTWRITEBYTECODE": ""})
    lab.env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        works = [lab.new(f"s{i}", "hi") for i in range(options.sessions)]
        for work in works:
            wait_until(lambda w=work: status_of(w)[0] == "waiting", timeout=30)
        env = {**lab.env, "TMUX": f"{lab.socket},1,0"}
        q_tmux = str(Path(sys.executable).parent / "q-tmux")
        hook_env = {**env, "Q_TMUX_SESSION_FILE": str(works[0] / ".amazonq/session.json")}
        cases = {
            "python -c pass (floor)": ([sys.executable, "-c", "pass"], env),
            "tmux list-panes -a (one tmux call)": (
                ["tmux", "-S", lab.socket, "list-panes", "-a"],
                env,
            ),
            "q-tmux status-line --publish": ([q_tmux, "status-line", "--publish"], env),
            "q-tmux status-line (print only)": ([q_tmux, "status-line"], env),
            "hook: q stop (file + status line)": (
                hook_command("q", "stop"),  # as the agent runs it
                hook_env,
            ),
        }
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        os.environ["HOME"] = str(lab.home)  # in-process publish reads this lab's registry
        results["publish, in a hook or the watcher"] = in_process(lab.socket, options.runs)
        for _ in range(options.runs):  # interleaved, so every case sees the same noise
            for name, (argv, case_env) in cases.items():
                results[name].append(timed(argv, case_env, works[0]))
    finally:
        lab.close()
    print(f"{options.sessions} sessions; medians of {options.runs} interleaved runs")
    print(f"{'':40}{'wall':>10}{'cpu':>10}")
    for name, values in results.items():
        wall = statistics.median(v[0] for v in values) * 1000
        cpu = statistics.median(v[1] for v in values) * 1000
        print(f"{name:<40}{wall:>7.1f} ms{cpu:>7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
