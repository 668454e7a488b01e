"""Key press to picker drawn, with 20 sessions: the plugin's popup key on a real client.

A tmux client on a pseudo-terminal, the pick key bound as the plugin binds it
(``display-popup -E … q-tmux pick --client …``); each run types the key and
waits until the client has drawn fzf's list with every session counted
(``20/20``), then Esc closes it. The median is printed, and the same without
fzf (the numbered list's prompt) and for a popup running no Python (tmux's own
part), then ``python -c pass`` and ``q-tmux --version`` to show the machine's state.
Usage: .venv/bin/python -m bench.picker [--runs 9] [--sessions 20]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import shlex
import struct
import subprocess
import sys
import termios
import threading
import time

from bench.harness import Lab, median_ms, timed, wait_until

ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\(B|[=>])")
KEY = "F12"
#: What an xterm sends for F12.
F12 = b"\x1b[24~"


def attach(lab: Lab) -> tuple[subprocess.Popen[bytes], int, list[bytes]]:
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    client = subprocess.Popen(
        ["tmux", "-L", lab.socket_name, "attach"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**lab.env, "TERM": "xterm"},
    )
    os.close(terminal)
    chunks: list[bytes] = []

    def read() -> None:
        try:
            while data := os.read(controller, 65536):
                chunks.append(data)
        except OSError:
            pass

    threading.Thread(target=read, daemon=True).start()
    return client, controller, chunks


def measure(
    lab: Lab, controller: int, chunks: list[bytes], ready: str, close: bytes, runs: int
) -> list[float]:
    samples = []
    for _ in range(runs):
        marked = len(chunks)
        runs_before = closed(lab)

        def drawn(since: int = marked) -> str:
            return ESCAPES.sub("", b"".join(chunks[since:]).decode(errors="replace"))

        start = time.perf_counter()
        os.write(controller, F12)
        if not wait_until(lambda: ready in drawn(), timeout=30, step=0.002):
            raise SystemExit(f"the picker never drew {ready!r}: {drawn()[-800:]!r}")
        samples.append(time.perf_counter() - start)
        os.write(controller, close)
        if not wait_until(lambda before=runs_before: closed(lab) > before):
            raise SystemExit(f"the picker did not close: {drawn()[-600:]!r}")
        time.sleep(0.3)  # let the closed popup's redraw settle before the next press
    return samples


def closed(lab: Lab) -> int:
    """How many pickers have ended (each popup's command notes its end in a file)."""
    marker = lab.base / "closed"
    return len(marker.read_text().splitlines()) if marker.exists() else 0


def client_name(lab: Lab) -> str:
    return lab.tmux("list-clients", "-F", "#{client_name}").strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--sessions", type=int, default=20)
    options = parser.parse_args()
    lab = Lab()
    # As installed: Python keeps the modules' byte code (a shell with PYTHONDONTWRITEBYTECODE
    # would make every run compile q-tmux again, which no installed copy does).
    lab.env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        for number in range(options.sessions):
            lab.new(f"s{number:02d}")
        n = options.sessions
        command = shlex.join(
            [sys.executable, "-m", "q_tmux", "-L", lab.socket_name, "pick", "--client"]
        )
        client, controller, chunks = attach(lab)
        wait_until(lambda: bool(client_name(lab)))
        results = {}
        marker = shlex.quote(str(lab.base / "closed"))
        for label, popup_command, ready, close in (
            ("fzf picker", f"{command} '#{{client_name}}'", f"{n}/{n}", b"\x1b"),  # Esc
            (
                "numbered list (no fzf)",
                f"{command} '#{{client_name}}' --numbered",
                "(number",
                b"\r",
            ),
            # What tmux's popup costs by itself: a shell drawing a word, no Python.
            ("a popup with no Python", "printf 'popup-ready'; read -r _", "popup-ready", b"\r"),
        ):
            popup = f"{popup_command}; echo closed >> {marker}"
            lab.tmux("bind-key", "-n", KEY, "display-popup", "-E", "-w", "90%", "-h", "80%", popup)
            results[label] = measure(lab, controller, chunks, ready, close, options.runs)
        for label, samples in results.items():
            print(f"key press to {label} drawn, {options.sessions} sessions: {median_ms(samples)}")
        bare, version = [], []
        for _ in range(options.runs):  # the machine's state, for reading the figures above
            bare.append(timed([sys.executable, "-c", "pass"], lab.repo, lab.env))
            version.append(timed([*shlex.split(command)[:-2], "--version"], lab.repo, lab.env))
        print(f"python -c pass: {median_ms(bare)}; q-tmux --version: {median_ms(version)}")
        lab.tmux("detach-client", "-s", "app")
        client.terminate()  # ours; in case the detach did not reach it
        client.wait(timeout=10)
        os.close(controller)
    finally:
        lab.close()


if __name__ == "__main__":
    main()
