"""Time ``q-tmux fork`` beside a bare ``git worktree add`` and ``q-tmux new`` (issue 15's figure).

Runs in a throwaway HOME, repository (2,000 files) and tmux socket. The forked
session's worktree holds staged, changed and untracked files, so each fork
carries them. Each round runs the three side by side, each first in turn and
after a sync, so all see the same machine noise (and the sessions made are closed,
so the watcher's looks at them do not add up over the rounds); prints medians, and the median
of each round's differences. The target: fork ≤ worktree add + 300 ms.
Usage: .venv/bin/python -m bench.fork [--runs 10] [--files 2000] [--changed 50]
       [--baseline REV]  (also times ``fork`` of commit REV's q_tmux, in the same rounds)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

from bench.harness import Lab, Step, baseline_env, median_ms, timed_round

TARGET_MS = 300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--changed", type=int, default=50, help="files changed in the source")
    parser.add_argument("--baseline", help="a commit whose q_tmux to time beside this one")
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
        fork_times: list[float] = []
        before: list[float] = []
        raw_times: list[float] = []
        new_times: list[float] = []
        old_env = (
            baseline_env(env, options.baseline, lab.base / "baseline") if options.baseline else None
        )
        for i in range(options.runs):
            add = ["git", "worktree", "add", "-q", "-b", f"raw{i}"]
            steps: list[Step] = [
                (fork_times, [*q_tmux, "fork", "work", f"f{i}", "--detach"], env),
                (raw_times, [*add, str(lab.base / "raw" / f"raw{i}"), "HEAD"], env),
                (new_times, [*q_tmux, "new", f"n{i}", "--detach", "--agent", "shell"], env),
            ]
            if old_env is not None:
                steps.append((before, [*q_tmux, "fork", "work", f"b{i}", "--detach"], old_env))
            timed_round(steps, i, repo)
            for made in (f"f{i}", f"n{i}", *([f"b{i}"] if old_env is not None else [])):
                lab.q_tmux("close", made)  # untimed: the watcher stops looking at it
    finally:
        lab.close()
    # The figure: per round, fork less the worktree add run beside it; the median of those.
    over = statistics.median(f - r for f, r in zip(fork_times, raw_times, strict=True)) * 1000
    print(
        f"repository: {options.files} files, {options.changed} changed and "
        f"{options.changed} untracked in the source; medians of {options.runs} interleaved "
        f"runs, load {os.getloadavg()[0]:.1f}"
    )
    print(f"q-tmux fork --detach         {median_ms(fork_times)}")
    if before:
        print(f"  the same, q_tmux of {options.baseline:<8}{median_ms(before)}")
    print(f"q-tmux new --detach          {median_ms(new_times)}")
    print(f"git worktree add (bare)      {median_ms(raw_times)}")
    print(
        f"fork - worktree add          {over:7.1f} ms  (median of each round's; target ≤ "
        f"{TARGET_MS} ms: "
        f"{'met' if over <= TARGET_MS else 'not met'})"
    )
    carrying = statistics.median(f - n for f, n in zip(fork_times, new_times, strict=True)) * 1000
    print(f"fork - new (carrying)        {carrying:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
