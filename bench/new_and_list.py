"""Time ``q-tmux new --detach`` beside a bare ``git worktree add``, and ``q-tmux list``.

Runs in a throwaway HOME, repository (2,000 files) and tmux socket; prints
medians of interleaved runs, so both sides see the same machine noise.
Usage: .venv/bin/python bench/new_and_list.py [--runs 10] [--files 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def make_repo(path: Path, files: int, env: dict[str, str]) -> None:
    path.mkdir(parents=True)
    for i in range(files):
        sub = path / f"d{i % 40:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"f{i}.txt").write_text(f"line {i}\n" * 20)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=path, env=env, check=True)


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=20)
    options = parser.parse_args()

    # The watcher marks sessions exited once the server is gone: let it finish writing.
    with tempfile.TemporaryDirectory(prefix="q-tmux-bench-", ignore_cleanup_errors=True) as tmp:
        base = Path(tmp)
        home = base / "home"
        home.mkdir()
        socket = f"q-tmux-bench-{os.getpid()}"
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")},
            "HOME": str(home),
            "SHELL": "/bin/sh",
            "GIT_AUTHOR_NAME": "b",
            "GIT_AUTHOR_EMAIL": "b@b",
            "GIT_COMMITTER_NAME": "b",
            "GIT_COMMITTER_EMAIL": "b@b",
            "PATH": f"{ROOT / 'tests' / 'agents'}{os.pathsep}{os.environ['PATH']}",
        }
        repo = base / "src" / "app"
        make_repo(repo, options.files, env)
        q_tmux = [sys.executable, "-m", "q_tmux", "-L", socket]
        try:
            new_times, raw_times = [], []
            for i in range(options.runs):
                new_times.append(timed([*q_tmux, "new", f"s{i}", "--detach", "hello"], repo, env))
                raw_times.append(
                    timed(
                        [
                            "git",
                            "worktree",
                            "add",
                            "-q",
                            "-b",
                            f"raw{i}",
                            str(base / "raw" / f"raw{i}"),
                            "HEAD",
                        ],
                        repo,
                        env,
                    )
                )
            for i in range(options.runs, options.sessions):
                subprocess.run(
                    [*q_tmux, "new", f"s{i}", "--detach"],
                    cwd=repo,
                    env=env,
                    check=True,
                    capture_output=True,
                )
            list_times = [timed([*q_tmux, "list"], repo, env) for _ in range(options.runs)]
            json_times = [
                timed([*q_tmux, "list", "--json"], repo, env) for _ in range(options.runs)
            ]
            import_times = [
                timed([sys.executable, "-c", "import q_tmux.cli"], repo, env)
                for _ in range(options.runs)
            ]
        finally:
            subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False)
            time.sleep(1.5)

    ratio = statistics.median(new_times) / statistics.median(raw_times)
    print(f"repository: {options.files} files; medians of {options.runs} interleaved runs")
    print(f"q-tmux new --detach          {ms(new_times)}")
    print(f"git worktree add (bare)      {ms(raw_times)}")
    print(f"ratio new / worktree add     {ratio:7.2f}x")
    print(f"q-tmux list ({options.sessions} sessions)     {ms(list_times)}")
    print(f"q-tmux list --json           {ms(json_times)}")
    print(f"python -c 'import q_tmux.cli' {ms(import_times)}  (start-up floor of any command)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
