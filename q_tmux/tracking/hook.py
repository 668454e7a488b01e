"""The agents' hook: ``python -m q_tmux.tracking.hook AGENT EVENT [PAYLOAD]``.

What each event means, and where the conversation id sits in its payload, is
in the agent's module (:mod:`q_tmux.agents.catalog`).

Agents run it on every turn, so it stays on the standard library (well
under 100 ms). It prints nothing on stdout but one thing: Q adds a hook's
stdout to the model's context, and Claude reads some hooks' stdout as
decisions. The one thing is what the other sessions of the repository change,
printed by the agent's prompt-submit event when some of it overlaps with this
session's changes (:mod:`q_tmux.tracking.awareness`). It always exits 0, so it
can never block a tool (Q blocks one on exit 2).
"""

from __future__ import annotations

import os
import sys

from q_tmux.agents import catalog
from q_tmux.store import jsontext, xdg
from q_tmux.tracking import state

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more to import than a hook may spend
    from typing import Any

    from q_tmux.agents.base import AgentSpec


def session_file() -> str:
    """The session's file: from the environment q-tmux launched the agent with, else the cwd."""
    return os.environ.get("Q_TMUX_SESSION_FILE") or os.path.join(
        os.getcwd(), ".amazonq", "session.json"
    )


def payload_of(stdin: str, argv: list[str]) -> dict[str, object]:
    """The event's JSON: on stdin, or the last argument (notify-style commands)."""
    for text in (stdin, argv[-1] if argv else ""):
        text = text.strip()
        if text.startswith("{"):
            try:
                data = jsontext.loads(text)
            except ValueError:
                continue
            if isinstance(data, dict):
                return data
    return {}


def handle(agent: str, event: str, payload: dict[str, object] | None = None) -> str:
    """Record what ``event`` means; return what to print for the model (mostly nothing)."""
    spec = catalog.get(agent)
    if spec is None:
        return ""
    seen = track(spec, event, payload or {})
    return prompt_context(spec, seen) if event == spec.context_event else ""


def prompt_context(spec: AgentSpec, data: dict[str, Any] | None = None) -> str:
    """What the other sessions change that this one changes too, as the agent takes it.

    ``data`` is the session file as :func:`track` just read or wrote it (else it is read).
    """
    from q_tmux.tracking import awareness

    path = session_file()
    text = awareness.context_for(state.load(path) if data is None else data, path)
    if not text or not spec.context_json:
        return text
    output = {"hookEventName": spec.context_event, "additionalContext": text}
    return jsontext.dumps({"hookSpecificOutput": output})


def track(spec: AgentSpec, event: str, payload: dict[str, object]) -> dict[str, Any] | None:
    """Write the status and conversation ``event`` reports, and tell tmux; the session
    file as it is now when this read it (None when it did not, or could not)."""
    conversation = spec.conversation_id(payload)
    if conversation:
        transcript = payload.get("transcript_path")
        state.set_conversation(
            session_file(), conversation, transcript if isinstance(transcript, str) else None
        )
    status = spec.status_for(event, payload)
    if status is None:
        return None
    # Where no hook reports a turn's start (aider), the screen may have missed it: a turn
    # end is news even when the status already said "waiting", and work seen before it ends.
    renew = status[0] == state.WAITING and not spec.reports_turn_start
    done = state.set_status(session_file(), status[0], status[1], state.HOOK, renew=renew)
    data = done.data if done is not None else state.load(session_file())
    tmux = data.get("tmux") if data else None
    socket = tmux.get("socket") if isinstance(tmux, dict) else None
    if not isinstance(socket, str) or not socket:
        return data
    from q_tmux.tracking import watchlock

    if done is None:
        # Nothing new: the status line already shows this status (its writer published it,
        # and the watcher publishes whatever else changes). Only make sure a watcher runs:
        # one tmux call instead of reading every session of the server (tool hooks, mostly).
        watchlock.ensure_running(socket)
        return data
    from q_tmux.tracking import status_line

    snap = status_line.snapshot(socket)
    sessions = status_line.sessions_on(socket)  # read once, after our own write
    status_line.publish(socket, snap, sessions)
    waiting = None
    if done.started_waiting:
        for session in sessions:
            pane = snap.panes.get(session.id)
            if session.id == done.data.get("id") and pane is not None:
                status_line.notify_waiting(socket, session, pane.window_id, snap)
                waiting = session
    if snap.alive:
        watchlock.ensure_running(socket, watchlock.named_in(snap.options))
    if waiting is not None:
        # Last: the sender starts once the hook's own tmux calls are done, not beside them.
        from q_tmux.tracking import outside  # only a turn that starts a wait pays for it

        outside.started_waiting(waiting.id, waiting.path, done.after[1] or "input")
    return data


def _log(message: str) -> None:
    try:
        os.makedirs(xdg.state_dir(), exist_ok=True)
        with open(os.path.join(xdg.state_dir(), "hook.log"), "a", encoding="utf-8") as log:
            log.write(f"{state.timestamp()} {message}\n")
    except OSError:
        pass


def main(argv: list[str]) -> int:
    # Nothing may reach stdout but the context returned, whatever happens below.
    model, sys.stdout = sys.stdout, open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    try:
        # The event JSON; reading it all also spares the agent a broken pipe.
        stdin = "" if sys.stdin.isatty() else sys.stdin.read(1 << 20)
        if len(argv) >= 2:
            context = handle(argv[0], argv[1], payload_of(stdin, argv[2:]))
            if context:
                model.write(context)
                model.flush()
    except Exception as error:  # a hook must never fail the agent's turn
        _log(f"{argv[:2]}: {type(error).__name__}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
