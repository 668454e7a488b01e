"""What knowing the other sessions' changes costs: the prompt hook, and the watcher's look.

A throwaway lab (HOME, a 200-file repository, a tmux socket) gets ``--sessions``
sessions (``new --detach --agent shell``). Each commits a change to one file
they all share and to a file of its own, and leaves one more uncommitted, so
every session overlaps with every other one and the hook has the most to say.

Timed, interleaved round by round over ``--runs`` rounds (medians):

- the hook as the agent runs it, in the order of a turn: the turn ends (``q
  stop``), the user types a prompt (``q userPromptSubmit``, which prints the
  lines), a tool runs (``q preToolUse``, status unchanged), a prompt hook again
  with the status unchanged (how this bench timed it first), an approval question
  (``claude PermissionRequest``); the prompt hook minus the tool's, both with the
  status unchanged, is what awareness adds;
- :func:`q_tmux.tracking.awareness.context_for` alone, in this process;
- the watcher's look (:meth:`Gatherer.refresh`) with every agent idle (nothing
  is asked of git again) and with every agent busy (``git status`` in each
  worktree), and the git runs each made.

With ``--baseline REV`` the hooks of the q_tmux of commit REV (as its own command
line runs them) are timed in the same rounds, each round's order alternating.

Usage: .venv/bin/python -m bench.awareness [--sessions 10] [--runs 15] [--baseline REV]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import Lab, baseline_env, session_data, wait_until
from q_tmux.agents.wiring import hook_command

TARGET_MS = 50.0


#: The hooks timed, in a turn's order: (label, agent, event).
EVENTS = (
    ("turn end (q stop)", "q", "stop"),
    ("before a prompt, after a turn end", "q", "userPromptSubmit"),
    ("tool use, status unchanged", "q", "preToolUse"),
    ("before a prompt, status unchanged", "q", "userPromptSubmit"),
    ("approval (claude PermissionRequest)", "claude", "PermissionRequest"),
)


def timed_hook(argv: list[str], session_file: Path, lab: Lab) -> tuple[float, float, bytes]:
    """Wall and CPU seconds (user + system) of one hook run, and what it printed."""
    env = {**lab.env, "Q_TMUX_SESSION_FILE": str(session_file)}
    start = time.perf_counter()
    child = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=session_file.parent.parent, env=env
    )
    assert child.stdin is not None
    assert child.stdout is not None
    child.stdin.write(b'{"prompt": "next"}')
    child.stdin.close()
    out = child.stdout.read()
    _, _, usage = os.wait4(child.pid, 0)  # reaped here, with its resource use
    child.returncode = 0
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, out


def baseline_commands(lab: Lab, revision: str) -> list[list[str]]:
    """The hook command lines of :data:`EVENTS` as the q_tmux of ``revision`` spells them."""
    env = baseline_env(lab.env, revision, lab.base / "baseline")
    code = (
        "import json, sys; from q_tmux.agents.wiring import hook_command; "
        "print(json.dumps([hook_command(a, e) for a, e in json.loads(sys.argv[1])]))"
    )
    wanted = json.dumps([[agent, event] for _, agent, event in EVENTS])
    done = subprocess.run(
        [sys.executable, "-P", "-c", code, wanted],
        cwd=lab.base,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    commands = json.loads(done.stdout)
    assert isinstance(commands, list)
    return commands


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", help="a commit whose hook to time beside this one")
    options = parser.parse_args()
    lab = Lab(files=200)
    try:
        works = []
        for n in range(options.sessions):
            work = lab.new(f"s{n}", "--agent", "shell", f"Task number {n}: change the shared file")
            (work / "d00" / "f0.txt").write_text(f"changed by s{n}\n")
            (work / f"own{n}.txt").write_text("mine\n")
            for args in (["add", "-A"], ["commit", "-qm", f"s{n}"]):
                subprocess.run(["git", *args], cwd=work, env=lab.env, check=True)
            (work / "d01" / "f1.txt").write_text(f"uncommitted in s{n}\n")
            works.append(work)
        return measure(lab, works, options.runs, options.baseline)
    finally:
        lab.close()


def measure(lab: Lab, works: list[Path], runs: int, baseline: str | None = None) -> int:
    os.environ["HOME"] = lab.env["HOME"]  # this process reads the lab's state folder too
    os.environ.pop("XDG_STATE_HOME", None)
    from q_tmux.store.record import Status
    from q_tmux.tracking import awareness, status_line

    summary = Path(awareness.summary_path(str(lab.repo), lab.socket))

    def complete() -> bool:
        try:
            sessions = json.loads(summary.read_text()).get("sessions") or {}
        except (OSError, ValueError):
            return False
        return len(sessions) == len(works) and all(
            "d01/f1.txt" in s["files"] and "d00/f0.txt" in s["files"] for s in sessions.values()
        )

    if not wait_until(complete, timeout=60):
        print("the watcher never wrote a complete summary", file=sys.stderr)
        return 1
    first = works[0] / ".amazonq" / "session.json"
    variants = {"this": [hook_command(agent, event) for _, agent, event in EVENTS]}
    if baseline:
        variants[baseline] = baseline_commands(lab, baseline)
    wall: dict[str, list[list[float]]] = {name: [[] for _ in EVENTS] for name in variants}
    cpu: dict[str, list[list[float]]] = {name: [[] for _ in EVENTS] for name in variants}
    printed: dict[str, bytes] = {}
    for commands in variants.values():  # warm the page cache
        for argv in commands:
            timed_hook(argv, first, lab)
    for round_ in range(runs):
        order = list(variants) if round_ % 2 == 0 else list(reversed(variants))
        for name in order:
            for index, argv in enumerate(variants[name]):
                seconds, used, out = timed_hook(argv, first, lab)
                wall[name][index].append(seconds)
                cpu[name][index].append(used)
                if index == 1:
                    printed[name] = out
    data = session_data(works[0])
    alone = []
    for _ in range(200):
        start = time.perf_counter()
        text = awareness.context_for(data, str(first))
        alone.append(time.perf_counter() - start)
    sessions = status_line.sessions_on(lab.socket)
    snap = status_line.snapshot(lab.socket)
    from q_tmux.adapters import tmuxcmd

    gatherer = awareness.Gatherer(lab.socket, tmuxcmd.run_program)
    gatherer.refresh(sessions, snap, force=True)
    cold_runs = gatherer.git_runs
    idle_times, idle_runs = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        gatherer.refresh(sessions, snap, force=True)
        idle_times.append(time.perf_counter() - start)
        idle_runs = gatherer.git_runs
    busy = [copy.copy(s) for s in sessions]
    busy_times, busy_runs = [], 0
    for _ in range(runs):
        for session in busy:
            session.status = Status.PROCESSING  # an agent at work: its worktree is asked again
        start = time.perf_counter()
        gatherer.refresh(busy, snap, force=True)
        busy_times.append(time.perf_counter() - start)
        busy_runs = gatherer.git_runs

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:7.1f} ms"

    n = len(works)
    print(f"{n} live sessions, each overlapping with every other; medians of {runs} rounds")
    print(f"  target for the prompt hook <= {TARGET_MS:g} ms; wall, then CPU")
    print(f"  {'hook':44}" + "".join(f"{name[:20]:>22}" for name in variants))
    for index, (label, _, _) in enumerate(EVENTS):
        cells = "".join(f"{ms(wall[name][index])} {ms(cpu[name][index])}" for name in variants)
        print(f"  {label:44}{cells}")
    shares = ""
    for name in variants:
        prompt, tool = (statistics.median(wall[name][i]) for i in (3, 2))
        shares += f"{(prompt - tool) * 1000:7.1f} ms {'':10}"
    share = "awareness's share (both status unchanged)"
    print(f"  {share:44}{shares}")
    for name in variants:
        same = "" if name == "this" else f", the same as this: {printed[name] == printed['this']}"
        print(f"  printed for the model ({name}): {len(printed[name])} bytes{same}")
    print(f"  context_for alone, in-process              {ms(alone)}")
    print(f"  lines for the model: {len(text.splitlines())}")
    print(f"  watcher look, cold (git for each)          git runs: {cold_runs}")
    print(f"  watcher look, all idle                     {ms(idle_times)}   git runs: {idle_runs}")
    print(f"  watcher look, all busy                     {ms(busy_times)}   git runs: {busy_runs}")
    print(f"  load average: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
