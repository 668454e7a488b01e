"""Time ``q-tmux new --detach`` beside a bare ``git worktree add``, and ``q-tmux list``.

Runs in a throwaway HOME, repository (2,000 files) and tmux socket; prints
medians of interleaved runs, so both sides see the same machine noise. Each
command starts after a sync, and the sessions made are closed once timed (the
watcher's looks at 2,000-file worktrees would otherwise add up over the rounds).
Issue 16's target: ``new --detach`` within a bare ``git worktree add`` + 250 ms.
Usage: .venv/bin/python -m bench.new_and_list [--runs 10] [--files 2000] [--sessions 20]
       [--baseline REV]  (also times ``new --detach`` of commit REV's q_tmux, in the same rounds)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

from bench.harness import Lab, baseline_env, median_ms, timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--baseline", help="a commit whose q_tmux to time beside this one")
    options = parser.parse_args()
    lab = Lab(files=options.files)
    env, repo = lab.env, lab.repo
    q_tmux = [sys.executable, "-m", "q_tmux", "-L", lab.socket_name]
    try:
        new_times: list[float] = []
        raw_times: list[float] = []
        before: list[float] = []
        old_env = (
            baseline_env(env, options.baseline, lab.base / "baseline") if options.baseline else None
        )
        made = 0
        for i in range(options.runs):
            raw = [
                "git",
                "worktree",
                "add",
                "-q",
                "-b",
                f"raw{i}",
                str(lab.base / "raw" / f"raw{i}"),
            ]
            steps: list[tuple[list[float], list[str], dict[str, str]]] = [
                (new_times, [*q_tmux, "new", f"s{i}", "--detach", "hello"], env),
                (raw_times, [*raw, "HEAD"], env),
            ]
            if old_env is not None:
                steps.append((before, [*q_tmux, "new", f"b{i}", "--detach", "hello"], old_env))
            # Each round starts with another one, and each command with nothing left to
            # flush to disk: else it pays for writing out the 2,000 files of the one before.
            for times, argv, step_env in steps[i % len(steps) :] + steps[: i % len(steps)]:
                os.sync()
                times.append(timed(argv, repo, step_env))
            for name in (f"s{i}", *([f"b{i}"] if old_env is not None else [])):
                lab.q_tmux("close", name)  # untimed: the watcher stops looking at its worktree
            made += len(steps) - 1
        for i in range(made, options.sessions):
            lab.new(f"s{i}")
        list_times = [timed([*q_tmux, "list"], repo, env) for _ in range(options.runs)]
        json_times = [timed([*q_tmux, "list", "--json"], repo, env) for _ in range(options.runs)]
        imports = [
            timed([sys.executable, "-c", "import q_tmux.cli.app"], repo, env)
            for _ in range(options.runs)
        ]
    finally:
        lab.close()
    ratio = statistics.median(new_times) / statistics.median(raw_times)
    target = statistics.median(raw_times) + 0.250
    # Per round, new less the worktree add beside it: the figure against its 250 ms.
    over = statistics.median(n - r for n, r in zip(new_times, raw_times, strict=True)) * 1000
    print(f"repository: {options.files} files; medians of {options.runs} interleaved runs")
    print(f"q-tmux new --detach          {median_ms(new_times)}")
    if before:
        print(f"  the same, q_tmux of {options.baseline:<8}{median_ms(before)}")
    print(f"git worktree add (bare)      {median_ms(raw_times)}")
    print(f"ratio new / worktree add     {ratio:7.2f}x")
    print(
        f"target: worktree add + 250 ms {target * 1000:6.1f} ms"
        f"  [measured / target {statistics.median(new_times) / target:.2f}]"
    )
    print(f"new - worktree add           {over:7.1f} ms  (median of each round's; target ≤ 250 ms)")
    print(f"q-tmux list ({options.sessions} sessions)     {median_ms(list_times)}")
    print(f"q-tmux list --json           {median_ms(json_times)}")
    print(
        f"python -c 'import q_tmux.cli.app' {median_ms(imports)}  (start-up floor of any command)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
