"""Time ``q-tmux new --detach`` beside a bare ``git worktree add``, and ``q-tmux list``.

Runs in a throwaway HOME, repository (2,000 files) and tmux socket; prints
medians of interleaved runs, so both sides see the same machine noise. Each
command starts after a sync, and the sessions made are closed once timed (the
watcher's looks at 2,000-file worktrees would otherwise add up over the rounds).
Issue 16's target: ``new --detach`` within a bare ``git worktree add`` + 250 ms,
timed as a user in tmux meets it (the server runs and q-tmux has a session there),
then as the server's first session, which also starts tmux and loads the plugin.
Each ``new`` also leaves a git trace2 file, from which its own ``worktree add``
is taken: new less that is q-tmux's own cost, free of the disk's noise.
Usage: .venv/bin/python -m bench.new_and_list [--runs 10] [--files 2000] [--sessions 20]
       [--baseline REV]  (also times ``new --detach`` of commit REV's q_tmux, in the same rounds)
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import Lab, Step, baseline_env, git_seconds, median_ms, timed, timed_round


@dataclass
class Rounds:
    """One condition's timings, in seconds, a value per round."""

    new: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)  # the bare git worktree add
    before: list[float] = field(default_factory=list)  # new of --baseline's q_tmux
    own: list[float] = field(default_factory=list)  # new less its own git worktree add

    def report(self, title: str, baseline: str | None) -> None:
        # Per round, new less the worktree add beside it: the figure against its 250 ms.
        over = statistics.median(n - r for n, r in zip(self.new, self.raw, strict=True)) * 1000
        print(title)
        print(f"  q-tmux new --detach          {median_ms(self.new)}")
        if self.before:
            print(f"    the same, q_tmux of {baseline:<8}{median_ms(self.before)}")
        print(f"  git worktree add (bare)      {median_ms(self.raw)}")
        print(f"  new - worktree add           {over:7.1f} ms  (median of each round's; ≤ 250 ms)")
        print(
            f"  new less its own worktree add {median_ms(self.own)}  (git's trace2: no disk noise)"
        )


def time_new(
    lab: Lab, runs: int, prefix: str, old_env: dict[str, str] | None, *, server_running: bool
) -> Rounds:
    """``new --detach`` beside a bare ``git worktree add``, ``runs`` rounds.

    ``server_running``: as when a user types it in tmux, where q-tmux already has a
    session; else each ``new`` starts the tmux server and loads the plugin.
    """
    q_tmux = [sys.executable, "-m", "q_tmux", "-L", lab.socket_name]
    if server_running:  # a session in the repository itself: no worktree for the watcher
        lab.q_tmux("new", f"{prefix}keeper", "--no-worktree", "--agent", "shell", "--detach")
    rounds = Rounds()
    for i in range(runs):
        raw = ["git", "worktree", "add", "-q", "-b", f"{prefix}raw{i}"]
        trace = lab.base / f"{prefix}trace{i}.json"
        steps: list[Step] = [
            (
                rounds.new,
                [*q_tmux, "new", f"{prefix}{i}", "--detach", "hello"],
                traced(lab.env, trace),
            ),
            (rounds.raw, [*raw, str(lab.base / "raw" / f"{prefix}{i}"), "HEAD"], lab.env),
        ]
        if old_env is not None:
            steps.append(
                (rounds.before, [*q_tmux, "new", f"{prefix}b{i}", "--detach", "hello"], old_env)
            )
        timed_round(steps, i, lab.repo)
        rounds.own.append(rounds.new[-1] - git_seconds(trace, "worktree", "add"))
        for name in (f"{prefix}{i}", *([f"{prefix}b{i}"] if old_env is not None else [])):
            lab.q_tmux("close", name)  # untimed: the watcher stops looking at its worktree
    if server_running:
        lab.q_tmux("close", f"{prefix}keeper")
    return rounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--baseline", help="a commit whose q_tmux to time beside this one")
    options = parser.parse_args()
    lab = Lab(files=options.files)
    q_tmux = [sys.executable, "-m", "q_tmux", "-L", lab.socket_name]
    try:
        old_env = (
            baseline_env(lab.env, options.baseline, lab.base / "baseline")
            if options.baseline
            else None
        )
        running = time_new(lab, options.runs, "s", old_env, server_running=True)
        first = time_new(lab, options.runs, "f", old_env, server_running=False)
        for i in range(options.sessions):
            lab.new(f"l{i}")
        list_times = [timed([*q_tmux, "list"], lab.repo, lab.env) for _ in range(options.runs)]
        json_times = [
            timed([*q_tmux, "list", "--json"], lab.repo, lab.env) for _ in range(options.runs)
        ]
        imports = [
            timed([sys.executable, "-c", "import q_tmux.cli.app"], lab.repo, lab.env)
            for _ in range(options.runs)
        ]
    finally:
        lab.close()
    print(f"repository: {options.files} files; medians of {options.runs} interleaved runs")
    running.report("new in a tmux server where q-tmux has a session (the figure)", options.baseline)
    first.report(
        "new as the server's first session (starts tmux, loads the plugin)", options.baseline
    )
    print(f"q-tmux list ({options.sessions} sessions)     {median_ms(list_times)}")
    print(f"q-tmux list --json           {median_ms(json_times)}")
    print(
        f"python -c 'import q_tmux.cli.app' {median_ms(imports)}  (start-up floor of any command)"
    )
    return 0


def traced(env: dict[str, str], trace: Path) -> dict[str, str]:
    """``env`` with git writing its trace2 events to ``trace``: how long each git ran."""
    return {**env, "GIT_TRACE2_EVENT": str(trace)}


if __name__ == "__main__":
    sys.exit(main())
