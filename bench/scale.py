"""How q-tmux's costs grow from 10 to 50 to 100 sessions, beside issue 16's targets.

One throwaway lab (HOME, a 200-file repository, a tmux socket) grows to each
size in turn. Sessions are made with ``q-tmux new --detach --agent shell``: a
plain shell in each window, idle unless told, so 100 of them cost the machine
little; the first ``--runs`` of them are timed beside a bare ``git worktree
add``. Five sessions commit (two touch the same file), so ``conflicts`` and the
merge preview have something to say.

At each size, every command is run ``--runs`` times, interleaved round by round
so all of them see the same machine noise; the table shows medians. The
watcher's CPU is read from /proc over ``--seconds``, idle and then with ten
sessions printing a line every 50 ms. Memory: the watcher's RSS plus the
largest max-RSS of one ``list``.

Each figure is shown with its target and ``[ratio]`` = measured / target
(``<= 1.00`` meets it). ``list``'s target is 2 x ``--version`` up to 20
sessions and 3 x beyond (the issue names 20 and 100).

Usage: .venv/bin/python -m bench.scale [--sizes 10,50,100] [--runs 7] [--seconds 10]
       [--baseline DIR]   (also time every q-tmux command with the q_tmux package in DIR,
                           interleaved in the same rounds: before/after in one run)
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.harness import ROOT, Lab, session_data, wait_until
from bench.tracking_cpu import cpu_seconds, fresh_watcher_cpu

BUSY_SESSIONS = 10
#: What exited non-zero (a figure of a failed command is no figure): argv -> exit status.
FAILED: dict[str, int] = {}


def measure(
    argv: list[str], cwd: Path, env: dict[str, str], stdin: bytes = b""
) -> tuple[float, int]:
    """Wall seconds and max RSS (KiB) of one run of ``argv``; a failure is noted in FAILED."""
    start = time.perf_counter()
    child = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdin is not None
    child.stdin.write(stdin)
    child.stdin.close()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if child.returncode != 0 and argv[0] != "git":  # merge-tree says "conflicts" with 1
        FAILED[" ".join(argv[2:] if argv[1:2] == ["-m"] else argv)] = child.returncode
    return elapsed, usage.ru_maxrss


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


class Scale:
    def __init__(self, runs: int, baseline: Path | None) -> None:
        self.lab = Lab(files=200)
        # As installed: Python keeps the modules' byte code (a shell with PYTHONDONTWRITEBYTECODE
        # would make every run compile q-tmux again, which no installed copy does).
        self.lab.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.runs = runs
        self.env = self.lab.env
        self.repo = self.lab.repo
        self.baseline_env = (
            {**self.env, "PYTHONPATH": str(baseline.resolve())} if baseline is not None else None
        )
        self.baseline = baseline.resolve() if baseline is not None else None
        self.works: list[Path] = []
        self.new_times: list[float] = []
        self.raw_times: list[float] = []
        self.baseline_new: list[float] = []
        self.baseline_made: list[int] = []
        self.moves = 0

    def q_tmux(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "q_tmux", "-L", self.lab.socket_name, *args]

    def grow(self, size: int) -> None:
        """Sessions up to ``size``; the first ``runs`` timed beside a bare worktree add."""
        while len(self.works) + len(self.baseline_made) < size:
            index = len(self.works)
            new = self.q_tmux("new", f"s{index}", "--detach", "--agent", "shell")
            seconds, _ = measure(new, self.repo, self.env)
            self.works.append(self.repo.parent / "app.worktrees" / f"s{index}")
            if index < self.runs:
                self.new_times.append(seconds)
                raw = self.lab.base / "raw" / f"raw{index}"
                add = ["git", "worktree", "add", "-q", "-b", f"raw{index}", str(raw), "HEAD"]
                self.raw_times.append(measure(add, self.repo, self.env)[0])
                if self.baseline_env is not None:  # a session too, made by the other code
                    other = self.q_tmux("new", f"b{index}", "--detach", "--agent", "shell")
                    self.baseline_new.append(measure(other, self.repo, self.baseline_env)[0])
                    self.baseline_made.append(index)
            if index == 4:
                self._commit_some()

    def _commit_some(self) -> None:
        """s0..s4 commit a file each; s0 and s1 the same one, differently."""
        for index, work in enumerate(self.works[:5]):
            path = "d00/f0.txt" if index < 2 else f"d{index:02d}/f{index}.txt"
            (work / path).write_text(f"changed by s{index}\n")
            git(work, self.env, "commit", "-qam", f"s{index}")

    def move_a_tip(self) -> None:
        """One more commit on s1: one pair's facts are out of date."""
        self.moves += 1
        work = self.works[1]
        (work / "d01/f1.txt").write_text(f"move {self.moves}\n")
        git(work, self.env, "commit", "-qam", f"move {self.moves}")

    def merge_raw(self) -> list[list[str]]:
        """The git commands ``merge s0 --dry-run`` needs (as bench/merge_preview counts them)."""
        main = git(self.repo, self.env, "rev-parse", "main")
        tree = ["git", "merge-tree", "--write-tree", "--name-only", "--no-messages", "-z"]
        others = [
            command
            for index in range(1, 5)
            for command in (
                ["git", "diff", "--numstat", "-z", f"main...s{index}"],
                [*tree, f"s{index}", "s0"],
            )
        ]
        return [
            ["git", "rev-parse", "--verify", "main^{commit}"],
            ["git", "rev-parse", "--verify", "s0^{commit}"],
            ["git", "diff", "--numstat", "-z", "main...s0"],
            ["git", "log", "--format=%H%x00%s", "main..s0"],
            ["git", "-C", str(self.works[0]), "status", "--porcelain=v1", "-z", "-uall"],
            [*tree, main, "s0"],
            *others,
            ["git", "worktree", "list", "--porcelain", "-z"],
            ["git", "status", "--porcelain=v1", "-z", "-uall"],
        ]

    def pair_raw(self) -> list[list[str]]:
        """The merge-tree commands of the one pair whose tip moved (s1 with its base and s0)."""
        tree = ["git", "merge-tree", "--write-tree", "--name-only", "--no-messages", "-z"]
        return [[*tree, "main", "s1"], [*tree, "s0", "s1"]]

    def sequence(self, commands: list[list[str]]) -> float:
        return sum(measure(command, self.repo, self.env)[0] for command in commands)

    def rounds(self) -> tuple[dict[str, list[float]], int]:
        """Every figure's runs at the current size, interleaved; and the largest list max-RSS."""
        hook_env = {
            **self.env,
            "Q_TMUX_SESSION_FILE": str(self.works[0] / ".amazonq/session.json"),
        }
        q_runs: dict[str, tuple[list[str], dict[str, str], bytes]] = {
            "--version": (self.q_tmux("--version"), self.env, b""),
            "list": (self.q_tmux("list"), self.env, b""),
            "conflicts (nothing changed)": (self.q_tmux("conflicts"), self.env, b""),
            "status-line --publish": (self.q_tmux("status-line", "--publish"), self.env, b""),
            "hook (q stop)": (
                [sys.executable, "-m", "q_tmux.tracking.hook", "q", "stop"],
                hook_env,
                b"{}",
            ),
            "merge s0 --dry-run": (self.q_tmux("merge", "s0", "--dry-run"), self.env, b""),
        }
        times: dict[str, list[float]] = {}
        list_rss = 0
        merge_raw, pair_raw = self.merge_raw(), self.pair_raw()
        for argv, env, stdin in q_runs.values():  # warm: files cached, facts known
            measure(argv, self.repo, env, stdin)
        for _ in range(self.runs):
            times.setdefault("python -c pass", []).append(
                measure([sys.executable, "-c", "pass"], self.repo, self.env)[0]
            )
            for name, (argv, env, stdin) in q_runs.items():
                seconds, rss = measure(argv, self.repo, env, stdin)
                times.setdefault(name, []).append(seconds)
                if name == "list":
                    list_rss = max(list_rss, rss)
                if self.baseline_env is not None:
                    before = {**env, "PYTHONPATH": self.baseline_env["PYTHONPATH"]}
                    times.setdefault(f"{name} (baseline)", []).append(
                        measure(argv, self.repo, before, stdin)[0]
                    )
            times.setdefault("merge's raw git", []).append(self.sequence(merge_raw))
            self.move_a_tip()
            seconds, _ = measure(self.q_tmux("conflicts"), self.repo, self.env)
            times.setdefault("conflicts (one tip moved)", []).append(seconds)
            times.setdefault("that pair's merge-trees", []).append(self.sequence(pair_raw))
        return times, list_rss

    def watcher_pid(self) -> int:
        named = self.lab.tmux("show-option", "-gqv", "@q-tmux-watcher").strip()
        return int(named.split(":")[0])

    def watcher_cpu(self, seconds: float, busy: bool) -> tuple[float, float | None]:
        """% of one core the watcher (and the tmux calls it waits for) used over ``seconds``;
        with a baseline, then the baseline's watcher, started afresh on the same sessions."""
        panes = [str(session_data(w)["tmux"]["pane_id"]) for w in self.works[:BUSY_SESSIONS]]
        if busy:
            for pane in panes:
                self.lab.type_line(pane, "while :; do date; sleep 0.05; done")
        time.sleep(2)  # what starting (or stopping) caused settles
        pid = self.watcher_pid()
        before, started = cpu_seconds(pid, children=True), time.monotonic()
        time.sleep(seconds)
        used = cpu_seconds(pid, children=True) - before
        elapsed = time.monotonic() - started
        other: float | None = None
        if self.baseline_env is not None and self.baseline is not None:
            os.kill(pid, signal.SIGTERM)  # the next "new" starts this code's watcher again
            other, _ = fresh_watcher_cpu(
                self.lab.socket, self.baseline, self.baseline_env, seconds, server=None
            )
        if busy:
            for pane in panes:
                self.lab.tmux("send-keys", "-t", pane, "C-c")
        return 100 * used / elapsed, other

    def restart_watcher(self) -> None:
        """Start this code's watcher again (as ``new`` does) and wait until it is named."""
        before = self.lab.tmux("show-option", "-gqv", "@q-tmux-watcher").strip()
        subprocess.Popen(
            [sys.executable, "-m", "q_tmux.tracking.watcher", self.lab.socket],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(
            lambda: self.lab.tmux("show-option", "-gqv", "@q-tmux-watcher").strip() != before
        )

    def watcher_rss_kib(self) -> int:
        with open(f"/proc/{self.watcher_pid()}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,50,100", help="session counts (default 10,50,100)")
    parser.add_argument("--runs", type=int, default=7, help="runs per figure and size")
    parser.add_argument("--seconds", type=float, default=10, help="watcher CPU window")
    parser.add_argument("--baseline", type=Path, help="a checkout whose q_tmux to compare with")
    options = parser.parse_args()
    sizes = sorted(int(size) for size in options.sizes.split(","))
    if sizes[0] < 5:
        parser.error("the smallest size is 5 (five sessions commit)")
    scale = Scale(options.runs, options.baseline)
    results: dict[int, dict[str, float]] = {}
    started = time.monotonic()
    try:
        for size in sizes:
            scale.grow(size)
            wait_until(lambda: bool(scale.lab.tmux("show-option", "-gqv", "@q-tmux-watcher")))
            times, list_rss = scale.rounds()
            row = {name: median(values) * 1000 for name, values in times.items()}
            row["memory MB"] = (scale.watcher_rss_kib() + list_rss) / 1024
            for busy, figure in ((False, "watcher CPU idle %"), (True, "watcher CPU busy %")):
                if busy and scale.baseline is not None:  # the baseline's watcher was stopped
                    scale.restart_watcher()
                row[figure], other = scale.watcher_cpu(options.seconds, busy=busy)
                if other is not None:
                    row[f"{figure} (baseline)"] = other
            results[size] = row
            print(f"... {size} sessions measured ({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        scale.lab.close()
    new, raw = median(scale.new_times) * 1000, median(scale.raw_times) * 1000
    print_table(results, sizes, new, raw, options)
    if scale.baseline_new:
        print(f"{'new --detach (baseline)':<36}{median(scale.baseline_new) * 1000:>19.1f} ms")
    return 0


def print_table(
    results: dict[int, dict[str, float]],
    sizes: list[int],
    new: float,
    raw: float,
    options: argparse.Namespace,
) -> None:
    def target_of(figure: str) -> tuple[str, Callable[[dict[str, float], int], float] | None]:
        version = "--version"
        return {
            "python -c pass": ("(floor)", None),
            "--version": ("4 x python -c pass", lambda r, n: 4 * r["python -c pass"]),
            "list": (
                "2 x --version (<=20), 3 x beyond",
                lambda r, n: (2 if n <= 20 else 3) * r[version],
            ),
            "conflicts (nothing changed)": ("2 x --version", lambda r, n: 2 * r[version]),
            "conflicts (one tip moved)": (
                "--version + 2 x pair's merge-trees",
                lambda r, n: r[version] + 2 * r["that pair's merge-trees"],
            ),
            "merge s0 --dry-run": (
                "--version + 2 x raw git",
                lambda r, n: r[version] + 2 * r["merge's raw git"],
            ),
            "watcher CPU idle %": ("< 1 % (at 100)", lambda r, n: 1.0),
            "watcher CPU idle % (baseline)": ("< 1 % (at 100)", lambda r, n: 1.0),
            "memory MB": ("<= 60 MB (at 50)", lambda r, n: 60.0),
        }.get(figure, ("", None))

    figures = list(results[sizes[0]])
    print()
    print(
        f"medians of {options.runs} interleaved runs per size; "
        f"watcher CPU over {options.seconds:g} s; [measured / target]"
    )
    header = f"{'figure':<36}" + "".join(f"{f'{n} sessions':>22}" for n in sizes)
    print(header + "   target")
    for figure in figures:
        target, compute = target_of(figure)
        unit = "" if "%" in figure or "MB" in figure else " ms"
        cells = ""
        for size in sizes:
            row = results[size]
            value = row[figure]
            ratio = f" [{value / compute(row, size):.2f}]" if compute is not None else ""
            cells += f"{f'{value:.1f}{unit}{ratio}':>22}"
        print(f"{figure:<36}{cells}   {target}")
    new_ratio = new / (raw + 250)
    print(
        f"{'new --detach (size-independent)':<36}{f'{new:.1f} ms [{new_ratio:.2f}]':>22}   "
        f"bare git worktree add + 250 ms (worktree add: {raw:.1f} ms)"
    )
    for command, status in FAILED.items():
        print(f"note: {command} exited {status}")


if __name__ == "__main__":
    sys.exit(main())
