"""A throwaway lab for benchmarks: HOME, a repository, a tmux socket, the stand-in agent on PATH."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def compile_bytecode() -> None:
    """Write q_tmux's bytecode, as installing the package does.

    With PYTHONDONTWRITEBYTECODE set (as on the shared machine), a checkout never
    gets its .pyc files, and every timed command compiled its modules again: a
    third of ``merge --dry-run`` under load, which no installed q-tmux pays.
    """
    import compileall

    compileall.compile_dir(ROOT / "q_tmux", quiet=1)


def baseline_env(env: dict[str, str], revision: str, into: Path) -> dict[str, str]:
    """``env`` running the q_tmux of ``revision`` (a commit of this checkout), compiled as
    installed: for timing the code before a change beside it, in the same rounds."""
    import compileall

    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "q_tmux"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    compileall.compile_dir(into / "q_tmux", quiet=1)
    return {**env, "PYTHONPATH": str(into)}


class Lab:
    def __init__(
        self, files: int = 20, extra_env: dict[str, str] | None = None, commit: bool = True
    ) -> None:
        compile_bytecode()
        self._tmp = tempfile.TemporaryDirectory(prefix="q-tmux-bench-")
        self.base = Path(self._tmp.name)
        self.home = self.base / "home"
        self.home.mkdir()
        self.socket_name = f"q-tmux-bench-{os.getpid()}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")},
            "HOME": str(self.home),
            "SHELL": "/bin/sh",
            "GIT_AUTHOR_NAME": "b",
            "GIT_AUTHOR_EMAIL": "b@b",
            "GIT_COMMITTER_NAME": "b",
            "GIT_COMMITTER_EMAIL": "b@b",
            "PATH": f"{ROOT / 'tests' / 'agents'}{os.pathsep}{os.environ['PATH']}",
            **(extra_env or {}),
        }
        self.repo = self.base / "src" / "app"
        self.repo.mkdir(parents=True)
        for i in range(files):
            sub = self.repo / f"d{i % 40:02d}"
            sub.mkdir(exist_ok=True)
            (sub / f"f{i}.txt").write_text(f"line {i}\n" * 20)
        steps = [["init", "-q", "-b", "main"]]
        if commit:
            steps += [["add", "-A"], ["commit", "-q", "-m", "init"]]
        for args in steps:
            subprocess.run(["git", *args], cwd=self.repo, env=self.env, check=True)

    @property
    def socket(self) -> str:
        tmpdir = os.environ.get("TMUX_TMPDIR") or "/tmp"
        return f"{tmpdir}/tmux-{os.geteuid()}/{self.socket_name}"

    def q_tmux(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "q_tmux", "-L", self.socket_name, *args],
            cwd=self.repo,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            check=True,
        )

    def new(self, name: str, *words: str, env: dict[str, str] | None = None) -> Path:
        self.q_tmux("new", name, *words, "--detach", env=env)
        return self.repo.parent / "app.worktrees" / name

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket_name, *args], capture_output=True, text=True, check=False
        )
        return done.stdout

    def type_line(self, target: str, text: str) -> None:
        self.tmux("send-keys", "-t", target, "-l", text)
        self.tmux("send-keys", "-t", target, "Enter")

    def close(self) -> None:
        self.tmux("kill-server")
        time.sleep(1.5)  # the watcher marks sessions exited once the server is gone
        shutil.rmtree(self.base, ignore_errors=True)


def timed(argv: list[str], cwd: Path, env: dict[str, str], *, check: bool = True) -> float:
    """Wall seconds of one run of ``argv``."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=check, capture_output=True)
    return time.perf_counter() - start


#: One command of a round: where its time goes, its argv and its environment.
Step = tuple[list[float], list[str], dict[str, str]]


def timed_round(steps: list[Step], round_index: int, cwd: Path) -> None:
    """Time each step once, appending to its list; round ``round_index`` starts with the
    step after the one the previous round started with, and each step after a sync.

    Else the first would always run with nothing to flush, and each other while the
    disk still writes out the files the one before it checked out.
    """
    first = round_index % len(steps)
    for times, argv, env in steps[first:] + steps[:first]:
        os.sync()
        times.append(timed(argv, cwd, env))


def git_seconds(trace: Path, *words: str) -> float:
    """How long the git processes whose arguments start with ``words`` ran, from the
    ``GIT_TRACE2_EVENT`` file ``trace`` (sub-processes they start are counted within)."""
    started: set[str] = set()
    seconds = 0.0
    for line in trace.read_text().splitlines():
        event = json.loads(line)
        sid = event.get("sid", "")
        if event["event"] == "start" and "/" not in sid:
            args = event["argv"][1:]
            while args and args[0].startswith("-"):  # git's own options: -C DIR, -c NAME=VALUE
                args = args[2:] if args[0] in ("-C", "-c") else args[1:]
            if args[: len(words)] == [*words]:
                started.add(sid)
        elif event["event"] == "atexit" and sid in started:
            seconds += event["t_abs"]
    return seconds


def status_of(work: Path) -> tuple[str, str | None, str]:
    try:
        data = json.loads((work / ".amazonq" / "session.json").read_text())
    except (OSError, ValueError):
        return ("?", None, "?")
    return data["status"], data["waiting_reason"], data["status_source"]


def session_data(work: Path) -> dict[str, Any]:
    data = json.loads((work / ".amazonq" / "session.json").read_text())
    assert isinstance(data, dict)
    return data


def wait_until(predicate: Any, timeout: float = 20.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} ms" if values else "    n/a"


def p95_ms(values: list[float]) -> str:
    if not values:
        return "    n/a"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000:7.1f} ms"
