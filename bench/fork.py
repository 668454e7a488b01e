"""Time ``q-tmux fork`` beside a bare ``git worktree add`` and ``q-tmux new`` (issue 15's figure).

Runs in a throwaway HOME, repository (2,000 files) and tmux socket. The forked
session's worktree holds staged, changed and untracked files, so each fork
carries them. Each round runs the three side by side (interleaved), so all see
the same machine noise; prints medians. The target: fork ≤ worktree add + 300 ms.
Usage: .venv/bin/python -m bench.fork [--runs 10] [--files 2000] [--changed 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

from bench.harness import Lab, median_ms, timed

TARGET_MS = 300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--changed", type=int, default=50, help="files changed in the source")
    options = parser.parse_args()
    lab = Lab(files=options.files)
    env, repo = lab.env, lab.repo
    q_tmux = [sys.executable, "-m", "q_tmux", "-L", lab.socket_name]
    try:
        work = lab.new("work", "--agent", "shell")
        tracked = sorted(p for p in work.rglob("f*.txt"))[: options.changed]
        for index, path in enumerate(tracked):
            path.write_text(f"changed {index}\n")
            if index % 2:
                subprocess.run(["git", "add", str(path)], cwd=work, env=env, check=True)
            (work / f"untracked-{index}.txt").write_text(f"new {index}\n")
        fork_times, raw_times, new_times = [], [], []
        for i in range(options.runs):
            fork_times.append(timed([*q_tmux, "fork", "work", f"f{i}", "--detach"], repo, env))
            add = ["git", "worktree", "add", "-q", "-b", f"raw{i}"]
            raw_times.append(timed([*add, str(lab.base / "raw" / f"raw{i}"), "HEAD"], repo, env))
            new = [*q_tmux, "new", f"n{i}", "--detach", "--agent", "shell"]
            new_times.append(timed(new, repo, env))
    finally:
        lab.close()
    fork, raw = statistics.median(fork_times), statistics.median(raw_times)
    over = (fork - raw) * 1000
    print(
        f"repository: {options.files} files, {options.changed} changed and "
        f"{options.changed} untracked in the source; medians of {options.runs} interleaved "
        f"runs, load {os.getloadavg()[0]:.1f}"
    )
    print(f"q-tmux fork --detach         {median_ms(fork_times)}")
    print(f"q-tmux new --detach          {median_ms(new_times)}")
    print(f"git worktree add (bare)      {median_ms(raw_times)}")
    print(
        f"fork - worktree add          {over:7.1f} ms  (target ≤ {TARGET_MS} ms: "
        f"{'met' if over <= TARGET_MS else 'not met'})"
    )
    carrying = (fork - statistics.median(new_times)) * 1000
    print(f"fork - new (carrying)        {carrying:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
