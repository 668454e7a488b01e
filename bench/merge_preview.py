"""Merge preview on a repository of 2,000 files and 1,000 commits with 5 live sessions,
beside the raw git commands it runs; and ``q-tmux conflicts`` with 10 sessions.

Usage: .venv/bin/python -m bench.merge_preview [--runs 10] [--baseline REV]
(``--baseline REV`` also times the dry-run of the q_tmux of commit REV, in the same rounds.)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import Lab, baseline_env, timed
from q_tmux.adapters.git import History, Repo, require_git
from q_tmux.merge.facts import CachedHistory
from q_tmux.merge.preview import OtherBranch, build_preview
from q_tmux.store.session_file import read_session_file


def fast_import_history(repo: Path, files: int, commits: int, env: dict[str, str]) -> None:
    """``commits`` commits over ``files`` files, written in one git fast-import stream."""
    lines: list[bytes] = []
    for number in range(commits):
        touched = range(files) if number == 0 else [(number * 7 + k * 13) % files for k in range(3)]
        lines.append(b"commit refs/heads/main")
        lines.append(f"committer b <b@b> {1700000000 + number} +0000".encode())
        message = f"commit {number}".encode()
        lines.append(b"data %d" % len(message))
        lines.append(message)
        for index in touched:
            content = f"file {index} version {number}\n".encode() * 5
            lines.append(f"M 100644 inline d{index % 40:02d}/f{index}.txt".encode())
            lines.append(b"data %d" % len(content))
            lines.append(content)
        lines.append(b"")
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=repo,
        input=b"\n".join(lines) + b"\n",
        env=env,
        check=True,
    )
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, env=env, check=True)


def commit_in(work: Path, env: dict[str, str], paths: list[str], tag: str) -> None:
    for path in paths:
        (work / path).write_text(f"changed by {tag}\n")
    subprocess.run(["git", "add", *paths], cwd=work, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", tag], cwd=work, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--baseline", help="a commit whose q_tmux to time beside this one")
    options = parser.parse_args()
    lab = Lab(files=0, commit=False)
    env = lab.env
    try:
        fast_import_history(lab.repo, 2000, 1000, env)
        works = []
        for index in range(10):
            work = lab.new(f"s{index}")
            shared = f"d{index % 3:02d}/f{index % 3}.txt"  # some sessions touch the same file
            commit_in(work, env, [shared, f"d10/f{10 + index * 40}.txt"], f"s{index}")
            works.append(work)
        # Only five sessions are live for the preview figure.
        for index in range(5, 10):
            lab.q_tmux("close", f"s{index}")
        q_tmux = [sys.executable, "-m", "q_tmux", "-L", lab.socket_name]
        timed([*q_tmux, "merge", "s0", "--dry-run"], lab.repo, env)  # the facts become known
        preview_cli: list[float] = []
        startup: list[float] = []
        before: list[float] = []
        old_env = (
            baseline_env(env, options.baseline, lab.base / "baseline") if options.baseline else None
        )
        repo = Repo.discover(lab.repo)
        version = require_git()
        record = read_session_file(works[0] / ".amazonq/session.json")
        others = [
            OtherBranch(r.name, r.worktree_info.branch, r.worktree_info.base_branch)
            for r in (read_session_file(w / ".amazonq/session.json") for w in works[1:5])
        ]
        in_process = []
        for _ in range(options.runs):
            start = time.perf_counter()
            build_preview(record, record.worktree_info, History(repo, version), others)
            in_process.append(time.perf_counter() - start)
        kept = []  # as the dry-run builds it: the facts known, the branch tips from ref files
        for _ in range(options.runs):
            start = time.perf_counter()
            history = CachedHistory(str(lab.repo), version=version)
            build_preview(record, record.worktree_info, history, others)
            history.save()
            kept.append(time.perf_counter() - start)
        main_oid = subprocess.run(
            ["git", "rev-parse", "main"],
            cwd=lab.repo,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        raw: list[float] = []
        for _ in range(options.runs):  # interleaved: each round sees the same machine
            preview_cli.append(timed([*q_tmux, "merge", "s0", "--dry-run"], lab.repo, env))
            startup.append(timed([*q_tmux, "--version"], lab.repo, env))
            if old_env is not None:
                before.append(timed([*q_tmux, "merge", "s0", "--dry-run"], lab.repo, old_env))
            start = time.perf_counter()
            commands = [
                ["git", "rev-parse", "--verify", "main^{commit}"],
                ["git", "rev-parse", "--verify", "s0^{commit}"],
                ["git", "diff", "--numstat", "-z", "main...s0"],
                ["git", "log", "--format=%H%x00%s", "main..s0"],
                ["git", "-C", str(works[0]), "status", "--porcelain=v1", "-z", "-uall"],
                [
                    "git",
                    "merge-tree",
                    "--write-tree",
                    "--name-only",
                    "--no-messages",
                    "-z",
                    main_oid,
                    "s0",
                ],
                *[
                    c
                    for i in range(1, 5)
                    for c in (
                        ["git", "diff", "--numstat", "-z", f"main...s{i}"],
                        [
                            "git",
                            "merge-tree",
                            "--write-tree",
                            "--name-only",
                            "--no-messages",
                            "-z",
                            f"s{i}",
                            "s0",
                        ],
                    )
                ],
                ["git", "worktree", "list", "--porcelain", "-z"],
                ["git", "status", "--porcelain=v1", "-z", "-uall"],
            ]
            for command in commands:
                subprocess.run(command, cwd=lab.repo, env=env, capture_output=True, check=False)
            raw.append(time.perf_counter() - start)
        for index in range(5, 10):
            lab.q_tmux("resume", f"s{index}", "--detach")
        conflicts = [timed([*q_tmux, "conflicts"], lab.repo, env) for _ in range(options.runs)]
    finally:
        lab.close()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:8.1f} ms"

    median = statistics.median
    target = median(startup) + 2 * median(raw)
    print(f"repository: 2,000 files, 1,000 commits; medians of {options.runs} interleaved rounds")
    print(f"merge preview, 5 live sessions (q-tmux merge --dry-run)  {ms(preview_cli)}")
    if before:
        print(f"  the same with the q_tmux of {options.baseline:<22}{ms(before)}")
    print(f"  of which the preview itself, in-process             {ms(in_process)}")
    print(f"  the same with its facts kept, as the dry-run        {ms(kept)}")
    print(f"  the raw git commands it runs, one after another     {ms(raw)}")
    print(f"  q-tmux start-up (q-tmux --version)                  {ms(startup)}")
    print(
        f"  target: --version + 2 x raw git                     {target * 1000:8.1f} ms"
        f"  [measured / target {median(preview_cli) / target:.2f}]"
    )
    print(f"q-tmux conflicts, 10 sessions                         {ms(conflicts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
