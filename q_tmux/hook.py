"""The agents' hook: ``python -m q_tmux.hook AGENT EVENT [PAYLOAD]``.

Agents run it on every turn, so it stays on the standard library (well
under 100 ms). It prints nothing on stdout, ever: Q adds a hook's stdout to
the model's context, and Claude reads some hooks' stdout as decisions. It
always exits 0, so it can never block a tool (Q blocks one on exit 2).
"""

from __future__ import annotations

import os
import sys

from q_tmux import state, xdg

_WORKING = (state.PROCESSING, None)
_TURN_OVER = (state.WAITING, state.INPUT)
_ASKING = (state.WAITING, state.APPROVAL)

#: (agent, event) -> the status that event means.
EVENTS: dict[tuple[str, str], tuple[str, str | None]] = {
    **{
        (agent, event): status
        for agent in ("q", "kiro-cli")
        for event, status in (
            ("userPromptSubmit", _WORKING),
            ("preToolUse", _WORKING),
            ("postToolUse", _WORKING),
            ("stop", _TURN_OVER),
        )
    },
    ("claude", "UserPromptSubmit"): _WORKING,
    ("claude", "PreToolUse"): _WORKING,
    ("claude", "PostToolUse"): _WORKING,
    ("claude", "PermissionRequest"): _ASKING,
    ("claude", "Stop"): _TURN_OVER,
    ("claude", "StopFailure"): _TURN_OVER,
    ("codex", "notify"): _TURN_OVER,
    ("aider", "notify"): _TURN_OVER,
}


def session_file() -> str:
    """The session's file: from the environment q-tmux launched the agent with, else the cwd."""
    return os.environ.get("Q_TMUX_SESSION_FILE") or os.path.join(
        os.getcwd(), ".amazonq", "session.json"
    )


def handle(agent: str, event: str) -> None:
    status = EVENTS.get((agent, event))
    if status is None:
        return
    done = state.set_status(session_file(), status[0], status[1], state.HOOK)
    data = done.data if done is not None else state.load(session_file())
    tmux = data.get("tmux") if data else None
    socket = tmux.get("socket") if isinstance(tmux, dict) else None
    if not isinstance(socket, str) or not socket:
        return
    from q_tmux import status_line, watchlock

    snap = status_line.snapshot(socket)
    sessions = status_line.sessions_on(socket)  # read once, after our own write
    status_line.publish(socket, snap, sessions)
    if done is not None and done.started_waiting:
        for session in sessions:
            pane = snap.panes.get(session.id)
            if session.id == done.data.get("id") and pane is not None:
                status_line.notify_waiting(socket, session, pane.window_id, snap)
    watchlock.ensure_running(socket)


def _log(message: str) -> None:
    try:
        os.makedirs(xdg.state_dir(), exist_ok=True)
        with open(os.path.join(xdg.state_dir(), "hook.log"), "a", encoding="utf-8") as log:
            log.write(f"{state.timestamp()} {message}\n")
    except OSError:
        pass


def main(argv: list[str]) -> int:
    # Nothing may reach stdout, whatever happens below.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    try:
        if not sys.stdin.isatty():
            sys.stdin.read(1 << 20)  # the event JSON; reading it spares the agent a broken pipe
        if len(argv) >= 2:
            handle(argv[0], argv[1])
    except Exception as error:  # a hook must never fail the agent's turn
        _log(f"{argv[:2]}: {type(error).__name__}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
