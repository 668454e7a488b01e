"""Time ``q-tmux approve NAME`` and ``q-tmux approve`` (no name) from command to keys sent.

In a throwaway HOME, repository and tmux socket, with ``--sessions`` stand-in Q
sessions of which one asks for approval before every run. A run is the whole
process: start, finding the session, reading its screen twice, printing the
request and ``send-keys``; it ends right after tmux took the keys. Prints medians.
Python's bytecode caches are on (in the lab's own folder), as in an installed
q-tmux, even where the environment sets PYTHONDONTWRITEBYTECODE.
Usage: .venv/bin/python -m bench.approve [--runs 20] [--sessions 5]
"""

from __future__ import annotations

import argparse
import sys

from bench.harness import Lab, median_ms, p95_ms, session_data, status_of, timed, wait_until


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=5)
    options = parser.parse_args()
    lab = Lab(files=10)
    env = {k: v for k, v in lab.env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(lab.base / "pycache")
    q_tmux = [sys.executable, "-m", "q_tmux", "-L", lab.socket_name]
    named: list[float] = []
    unnamed: list[float] = []
    floor: list[float] = []  # an interpreter that starts and exits, for the machine's load
    try:
        works = [lab.new(f"s{i}", "hello") for i in range(options.sessions)]
        work = works[0]
        window = str(session_data(work)["tmux"]["window_id"])
        for work_dir in works:
            wait_until(lambda w=work_dir: status_of(w)[:2] == ("waiting", "input"), timeout=60)
        for run in range(options.runs * 2):
            lab.type_line(window, f"use a tool: echo run-{run}")
            if not wait_until(lambda: status_of(work)[:2] == ("waiting", "approval"), 30):
                print("the stand-in never asked", file=sys.stderr)
                return 1
            argv = [*q_tmux, "approve", "s0"] if run % 2 == 0 else [*q_tmux, "approve"]
            (named if run % 2 == 0 else unnamed).append(timed(argv, lab.repo, env))
            wait_until(lambda: status_of(work)[:2] == ("waiting", "input"), 30)
            floor.append(timed([sys.executable, "-c", "pass"], lab.repo, env))
    finally:
        lab.close()
    print(f"{options.sessions} sessions, one asking; medians of {options.runs} runs each")
    print(f"q-tmux approve NAME      {median_ms(named)}  (p95 {p95_ms(named)})")
    print(f"q-tmux approve (no name) {median_ms(unnamed)}  (p95 {p95_ms(unnamed)})")
    print(f"python -c pass           {median_ms(floor)}  (the interpreter's start, same moments)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
