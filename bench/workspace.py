"""Time ``new`` and ``merge`` for a workspace of N repositories beside one repository.

The lab's repository is the single one; the workspace beside it holds N
repositories of the same size. Each run makes a session in both (interleaved,
so both see the same machine noise), commits one file in every worktree, and
merges it with ``--yes``. Prints medians and their ratio.
Usage: .venv/bin/python -m bench.workspace [--runs 8] [--repos 5] [--files 500]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from bench.harness import Lab, median_ms, timed


def _make_repo(path: Path, files: int, env: dict[str, str]) -> None:
    path.mkdir(parents=True)
    for i in range(files):
        sub = path / f"d{i % 40:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"f{i}.txt").write_text(f"line {i}\n" * 20)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=path, env=env, check=True)


def _commit_one_file(worktree: Path, name: str, env: dict[str, str]) -> None:
    (worktree / f"{name}.txt").write_text(f"{name}\n")
    for args in (["add", "-A"], ["commit", "-q", "-m", name]):
        subprocess.run(["git", *args], cwd=worktree, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--repos", type=int, default=5)
    parser.add_argument("--files", type=int, default=500)
    options = parser.parse_args()
    lab = Lab(files=options.files)
    env, single = lab.env, lab.repo
    workspace = lab.base / "src" / "shop"
    members = [f"repo{i}" for i in range(options.repos)]
    for member in members:
        _make_repo(workspace / member, options.files, env)
    q_tmux = [sys.executable, "-m", "q_tmux", "-L", lab.socket_name]
    times: dict[str, list[float]] = {"new1": [], "newN": [], "merge1": [], "mergeN": []}
    try:
        for i in range(options.runs):
            name = f"s{i}"
            times["new1"].append(timed([*q_tmux, "new", name, "--detach"], single, env))
            times["newN"].append(timed([*q_tmux, "new", name, "--detach"], workspace, env))
            _commit_one_file(single.parent / "app.worktrees" / name, name, env)
            for member in members:
                _commit_one_file(workspace.parent / "shop.worktrees" / name / member, name, env)
            times["merge1"].append(timed([*q_tmux, "merge", name, "--yes"], single, env))
            times["mergeN"].append(timed([*q_tmux, "merge", name, "--yes"], workspace, env))
    finally:
        lab.close()

    def ratio(many: str, one: str) -> float:
        return statistics.median(times[many]) / statistics.median(times[one])

    n = options.repos
    print(f"{options.files} files per repository; medians of {options.runs} interleaved runs")
    print(f"new --detach, 1 repository          {median_ms(times['new1'])}")
    print(f"new --detach, workspace of {n}        {median_ms(times['newN'])}")
    print(f"ratio                               {ratio('newN', 'new1'):7.2f}x")
    print(f"merge --yes, 1 repository           {median_ms(times['merge1'])}")
    print(f"merge --yes, workspace of {n} (all)   {median_ms(times['mergeN'])}")
    print(f"ratio                               {ratio('mergeN', 'merge1'):7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
