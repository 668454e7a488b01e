"""Time ``q-tmux new --detach`` beside a bare ``git worktree add``, and ``q-tmux list``.

Runs in a throwaway HOME, repository (2,000 files) and tmux socket; prints
medians of interleaved runs, so both sides see the same machine noise.
Usage: .venv/bin/python -m bench.new_and_list [--runs 10] [--files 2000] [--sessions 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys

from bench.harness import Lab, median_ms, timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=20)
    options = parser.parse_args()
    lab = Lab(files=options.files)
    env, repo = lab.env, lab.repo
    q_tmux = [sys.executable, "-m", "q_tmux", "-L", lab.socket_name]
    try:
        new_times, raw_times = [], []
        for i in range(options.runs):
            new_times.append(timed([*q_tmux, "new", f"s{i}", "--detach", "hello"], repo, env))
            raw = [
                "git",
                "worktree",
                "add",
                "-q",
                "-b",
                f"raw{i}",
                str(lab.base / "raw" / f"raw{i}"),
            ]
            raw_times.append(timed([*raw, "HEAD"], repo, env))
        for i in range(options.runs, options.sessions):
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
    print(f"repository: {options.files} files; medians of {options.runs} interleaved runs")
    print(f"q-tmux new --detach          {median_ms(new_times)}")
    print(f"git worktree add (bare)      {median_ms(raw_times)}")
    print(f"ratio new / worktree add     {ratio:7.2f}x")
    print(f"q-tmux list ({options.sessions} sessions)     {median_ms(list_times)}")
    print(f"q-tmux list --json           {median_ms(json_times)}")
    print(
        f"python -c 'import q_tmux.cli.app' {median_ms(imports)}  (start-up floor of any command)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
