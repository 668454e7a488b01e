"""What the session-folder lock costs: the lock itself, a status write, and a hook run.

``.venv/bin/python -m bench.write_lock [OTHER_ROOT]`` prints medians for this tree
and, given another q-tmux tree (e.g. ``git archive`` of an older commit), for that
one too, with hook runs interleaved so both see the same machine load. Hook runs
use a session with no tmux server, so the status write is all they do.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 200
HERE = Path(__file__).resolve().parent.parent
_CODE = """
import json, statistics, sys, time
from q_tmux.store import jsonfile
from q_tmux.tracking import state
path, rounds = sys.argv[1], int(sys.argv[2])
writes, locks = [], []
for n in range(rounds):
    start = time.perf_counter()
    state.set_status(path, ("waiting", "processing")[n % 2], ("input", None)[n % 2], "hook")
    writes.append(time.perf_counter() - start)
    if hasattr(jsonfile, "FolderLock"):
        start = time.perf_counter()
        with jsonfile.FolderLock(path.rsplit("/", 1)[0]):
            pass
        locks.append(time.perf_counter() - start)
print(json.dumps([statistics.median(writes), statistics.median(locks) if locks else None]))
"""


def session(folder: Path) -> Path:
    path = folder / ".amazonq" / "session.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "id": "x", "name": "n", "tmux": {}}))
    return path


def main() -> None:
    roots = [HERE, *(Path(arg).resolve() for arg in sys.argv[1:])]
    with tempfile.TemporaryDirectory(prefix="q-tmux-lock-") as tmp:
        paths = {root: session(Path(tmp) / str(index)) for index, root in enumerate(roots)}
        hooks: dict[Path, list[float]] = {root: [] for root in roots}
        for root in roots:
            env = {**os.environ, "PYTHONPATH": str(root)}
            done = subprocess.run(
                [sys.executable, "-c", _CODE, str(paths[root]), str(ROUNDS)],
                env=env,
                cwd=root,  # python -c and -m put the current folder first on sys.path
                capture_output=True,
                text=True,
                check=True,
            )
            write, lock = json.loads(done.stdout)
            locked = f", lock enter+exit {lock * 1e6:.1f} us" if lock is not None else ""
            print(f"{root}: set_status median {write * 1000:.2f} ms{locked}")
        for round_ in range(ROUNDS // 4):
            for root in roots:
                env = {
                    **os.environ,
                    "PYTHONPATH": str(root),
                    "Q_TMUX_SESSION_FILE": str(paths[root]),
                }
                start = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "q_tmux.tracking.hook",
                        "q",
                        ("userPromptSubmit", "stop")[round_ % 2],
                    ],
                    env=env,
                    cwd=root,
                    stdin=subprocess.DEVNULL,
                    check=True,
                )
                hooks[root].append(time.perf_counter() - start)
    for root, times in hooks.items():
        print(f"{root}: hook run median {statistics.median(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
