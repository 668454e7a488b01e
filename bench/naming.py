"""How long naming takes: keywords only (no LLM), and the longest wait for a bad endpoint.

The keyword path is timed in-process (name made from the message, checked
against the registry, branches and worktree paths of a real repository).
The LLM path is timed against an unreachable port and a server on loopback
that accepts the request and never answers, with the default timeout (2 s).
Usage: .venv/bin/python -m bench.naming [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import threading
import time

from bench.harness import Lab
from q_tmux.adapters.git import Repo
from q_tmux.sessions.decisions import NameTaken
from q_tmux.sessions.llm_naming import llm_name
from q_tmux.sessions.names import keyword_name, unique_name
from q_tmux.store.config import LLMNaming

MESSAGE = "Fix the parser crash on empty input and add a regression test for it"


def hanging_server() -> tuple[str, socket.socket]:
    """Accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/v1", listener


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    lab = Lab()
    try:
        os.environ["HOME"] = str(lab.home)  # the in-process checks read this lab's registry
        for index in range(5):
            lab.new(f"fix-parser-crash{'' if index == 0 else f'-{index + 1}'}")
        repo = Repo.discover(lab.repo)
        keyword: list[float] = []
        for _ in range(options.runs):
            start = time.perf_counter()
            taken = NameTaken(
                scope=repo.main_worktree,
                repo=repo,
                worktrees_root=lab.repo.parent / "app.worktrees",
            )
            name = unique_name(keyword_name(MESSAGE), taken)
            keyword.append(time.perf_counter() - start)
        url, listener = hanging_server()
        waits: dict[str, list[float]] = {"unreachable endpoint": [], "hanging endpoint": []}
        for _ in range(3):
            for label, base in (
                ("unreachable endpoint", "http://127.0.0.1:9/v1"),
                ("hanging endpoint", url),
            ):
                start = time.perf_counter()
                llm_name(LLMNaming(base_url=base, model="m"), MESSAGE, 20)
                waits[label].append(time.perf_counter() - start)
        listener.close()
    finally:
        lab.close()
    print(f"name chosen: {name} (5 sessions already use the name, so it counts up)")
    print(
        f"keyword naming, no LLM: median {statistics.median(keyword) * 1000:.1f} ms "
        f"over {options.runs} runs (includes the registry, branch and path checks)"
    )
    for label, values in waits.items():
        print(f"{label} (timeout 2.0 s): longest wait {max(values):.2f} s over {len(values)} tries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
