"""What reusing the facts of commits buys: ``list``, ``conflicts`` and ``merge --dry-run``
against ``q-tmux --version``, measured side by side (interleaved rounds), as issue 16 asks.

A repository of 2,000 files and 1,000 commits; 10 sessions (s0 and s1 change the same
file), then 20 for ``list``. Sessions are closed once made, so no agent or watcher runs
beside the figures. Each round times, one after the other: ``--version``, a warm
``list``, a warm ``conflicts``, ``conflicts`` after s0's tip moved (a commit made before
it, untimed), the git commands that one move needs run raw, a warm ``merge s0
--dry-run`` and the raw git commands a preview needs computed from scratch.

Usage: .venv/bin/python -m bench.facts [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import Lab, timed
from bench.merge_preview import commit_in, fast_import_history

MERGE_TREE = ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z"]


def git(lab: Lab, *args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd or lab.repo, env=lab.env, capture_output=True, text=True
    )
    return done.stdout


def raw(lab: Lab, commands: list[list[str]]) -> float:
    """Wall seconds of ``commands`` run one after another, as q-tmux would run them."""
    start = time.perf_counter()
    for command in commands:
        subprocess.run(["git", *command], cwd=lab.repo, env=lab.env, capture_output=True)
    return time.perf_counter() - start


def move_commands(lab: Lab) -> list[list[str]]:
    """The git commands ``conflicts`` needs once s0's tip moved (s1 shares a file with it)."""
    main, s0, s1 = (git(lab, "rev-parse", name).strip() for name in ("main", "s0", "s1"))
    tree = git(lab, *MERGE_TREE, main, s1).split("\0")[0]  # s1 merged first, as q-tmux does
    merged = git(lab, "commit-tree", tree, "-p", main, "-p", s1, "-m", "bench").strip()
    return [
        ["rev-list", "--left-right", "--count", f"{main}...{s0}"],
        ["diff", "--numstat", "-z", "--no-renames", f"{main}...{s0}"],
        [*MERGE_TREE, main, s0],
        ["commit-tree", tree, "-p", main, "-p", s1, "-m", "bench"],
        [*MERGE_TREE, merged, s0],
    ]


def preview_commands(lab: Lab, work: Path) -> list[list[str]]:
    """The git commands a merge preview of s0 needs when nothing is known yet."""
    main = git(lab, "rev-parse", "main").strip()
    commands = [
        ["rev-parse", "--verify", "main^{commit}"],
        ["rev-parse", "--verify", "s0^{commit}"],
        ["diff", "--numstat", "-z", "main...s0"],
        ["log", "--format=%H%x00%s", "main..s0"],
        ["-C", str(work), "status", "--porcelain=v1", "-z", "-uall"],
        [*MERGE_TREE, main, "s0"],
    ]
    for index in range(1, 10):
        commands += [["diff", "--numstat", "-z", f"main...s{index}"]]
    commands += [[*MERGE_TREE, "s1", "s0"]]  # the one other session sharing a file
    commands += [["worktree", "list", "--porcelain", "-z"], ["status", "--porcelain=v1", "-z"]]
    return commands


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    options = parser.parse_args()
    lab = Lab(files=0, commit=False)
    # As installed: Python keeps the modules' byte code (a shell with PYTHONDONTWRITEBYTECODE
    # would make every run compile q-tmux again, which no installed copy does).
    lab.env.pop("PYTHONDONTWRITEBYTECODE", None)
    env = lab.env
    # Timed as installed, with compiled bytecode: without it every run compiles q_tmux anew.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    figures: dict[str, list[float]] = {}

    def note(name: str, seconds: float) -> None:
        figures.setdefault(name, []).append(seconds)

    q_tmux = [sys.executable, "-m", "q_tmux", "-L", lab.socket_name]
    try:
        fast_import_history(lab.repo, 2000, 1000, env)
        works = []
        for index in range(10):  # 10 sessions for conflicts and the preview, then 20
            work = lab.new(f"s{index}")
            # s0 and s1 change the same file; the others a file of their own.
            shared = "d00/f0.txt" if index < 2 else f"d{index:02d}/f{index}.txt"
            commit_in(work, env, [shared], f"s{index}")
            works.append(work)
            lab.q_tmux("close", f"s{index}")
        ten = works
        for argv in (["list"], ["conflicts"], ["merge", "s0", "--dry-run"]):
            timed([*q_tmux, *argv], lab.repo, env)  # warm the facts once
        for moved in range(options.runs):
            note("version", timed([*q_tmux, "--version"], lab.repo, env))
            note("list 10", timed([*q_tmux, "list"], lab.repo, env))
            note("conflicts warm", timed([*q_tmux, "conflicts"], lab.repo, env))
            commit_in(ten[0], env, [f"d39/moved{moved}.txt"], f"s0 moves {moved}")
            note("conflicts moved", timed([*q_tmux, "conflicts"], lab.repo, env))
            note("moved raw", raw(lab, move_commands(lab)))
            note("dry-run warm", timed([*q_tmux, "merge", "s0", "--dry-run"], lab.repo, env))
            note("dry-run raw", raw(lab, preview_commands(lab, ten[0])))
        for index in range(10, 20):
            work = lab.new(f"t{index}")
            commit_in(work, env, [f"d{index:02d}/t{index}.txt"], f"t{index}")
            lab.q_tmux("close", f"t{index}")
        timed([*q_tmux, "list"], lab.repo, env)
        for _ in range(options.runs):
            note("version (20)", timed([*q_tmux, "--version"], lab.repo, env))
            note("list 20", timed([*q_tmux, "list"], lab.repo, env))
    finally:
        lab.close()

    def ms(name: str) -> float:
        return statistics.median(figures[name]) * 1000

    version = ms("version")
    print(f"medians of {options.runs} interleaved rounds; 2,000 files, 1,000 commits")
    print(f"q-tmux --version                              {version:7.1f} ms")
    print(
        f"list, 20 sessions, warm                       {ms('list 20'):7.1f} ms"
        f"  = {ms('list 20') / ms('version (20)'):.2f} x --version ({ms('version (20)'):.1f} ms)"
    )
    print(f"list, 10 sessions, warm                       {ms('list 10'):7.1f} ms")
    print(
        f"conflicts, 10 sessions, nothing changed       {ms('conflicts warm'):7.1f} ms"
        f"  = {ms('conflicts warm') / version:.2f} x --version"
    )
    budget = version + 2 * ms("moved raw")
    print(
        f"conflicts, 10 sessions, one tip moved         {ms('conflicts moved'):7.1f} ms"
        f"  target --version + 2 x {ms('moved raw'):.1f} ms raw = {budget:.1f} ms"
    )
    budget = version + 2 * ms("dry-run raw")
    print(
        f"merge --dry-run, warm                         {ms('dry-run warm'):7.1f} ms"
        f"  target --version + 2 x {ms('dry-run raw'):.1f} ms raw = {budget:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
