"""The conversation every real agent goes through, and the state each step must end in.

Steps: start (boot, idle), a quick answer, a streaming answer, an approval that is
approved and one that is denied, Ctrl-C mid-answer, quit, ``resume`` (which must
bring the conversation back) and ``kill -9``. Each step waits for its state with a
generous deadline, checks where the state came from, and that it then holds.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from tests.real_agents.conversation import (
    BOOT_TIMEOUT,
    EXITED,
    PROCESSING,
    STEP_TIMEOUT,
    WAITING_APPROVAL,
    WAITING_INPUT,
    Conversation,
    session_state,
)
from tests.real_agents.model_server import Recorded, Reply

#: Said in the first turn; a resumed conversation must send it to the model again.
MARKER = "alpha-marker-4711"


def boot(conv: Conversation, step: str) -> None:
    """Wait for the prompt; ``waiting`` before the prompt was ever drawn is wrong."""
    deadline = time.monotonic() + BOOT_TIMEOUT
    ready_seen = False
    while True:
        state = session_state(conv.work_dir)
        ready_seen = ready_seen or conv.ui.ready in conv.screen()
        if state is not None and state[0] == "waiting":
            if not ready_seen:
                conv.fail(f"step {step!r}: {state} while booting, before the prompt was drawn")
            break
        if state is not None and state[0] in ("processing", "exited", "completed"):
            conv.fail(f"step {step!r}: {state} while booting")
        if time.monotonic() > deadline:
            conv.fail(f"step {step!r}: not at its prompt within {BOOT_TIMEOUT:.0f}s ({state})")
        time.sleep(0.1)
    conv.settle(WAITING_INPUT, step, BOOT_TIMEOUT)


def texts_in(body: object) -> list[str]:
    """The short texts in a request body (its messages), to say what the model got."""
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ("text", "content") and isinstance(value, str) and len(value) < 300:
                found.append(value)
            elif key not in ("tools", "system", "systemInstruction", "instructions"):
                found.extend(texts_in(value))
    elif isinstance(body, list):
        for item in body:
            found.extend(texts_in(item))
    return found


def texts_in_all(body: object) -> list[str]:
    """Every text in the messages of a request body, however long."""
    if isinstance(body, dict):
        return [
            text
            for key, value in body.items()
            if key not in ("tools", "system", "systemInstruction", "instructions")
            for text in ([value] if key in ("text", "content") and isinstance(value, str)
                         else texts_in_all(value))
        ]  # fmt: skip
    if isinstance(body, list):
        return [text for item in body for text in texts_in_all(item)]
    return []


def answered(conv: Conversation, request: Recorded) -> None:
    """Wait until the server sent the whole answer to ``request``."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while request.done_at is None:
        if time.monotonic() > deadline:
            conv.fail("the model server never finished its answer")
        time.sleep(0.05)


def streaming_turn(conv: Conversation, seconds: float) -> None:
    started = conv.step("stream")
    # The marker again: Gemini CLI 0.61 can drop the first prompt of a resumed conversation.
    conv.type(f"please stream {MARKER} [[stream {seconds:g}]]")
    conv.until(PROCESSING, "stream")
    request = conv.main_request_after(started)
    answered(conv, request)
    conv.settle(WAITING_INPUT, "turn_end")  # still the step "stream": its Stop hook counts
    conv.never_waiting_during(started, request.done_at or time.monotonic(), "stream")


def approval(conv: Conversation, work_dir: Path, approve: bool) -> None:
    name = "approved" if approve else "denied"
    target = work_dir.parent / f"{conv.name}-{name}.txt"
    conv.step(f"ask_{name}")
    conv.type(f"run it [[tool echo {name} > {target}]]")
    conv.settle(WAITING_APPROVAL, "approval")
    step = "after_approve" if approve else "after_deny"
    conv.step(step)
    conv.keys(*(conv.ui.approve if approve else conv.ui.deny))
    conv.settle(WAITING_INPUT, step)
    if approve:
        conv.wait_screen(lambda _: target.exists(), f"{target} written", STEP_TIMEOUT)
    else:
        assert not target.exists(), f"{conv.ui.preset} ran the denied command"


def interrupt(conv: Conversation) -> None:
    conv.step("interrupt")
    conv.type("a long one [[stream 60]]")
    conv.until(PROCESSING, "stream")
    conv.wait_screen(lambda text: "word2" in text, "the answer streaming", STEP_TIMEOUT)
    conv.keys(*conv.ui.interrupt)
    conv.settle(WAITING_INPUT, "interrupt")


def run(conv: Conversation) -> None:
    """The whole conversation; fails naming the agent, the step and the states seen."""
    conv.start()
    boot(conv, "idle")

    asked = conv.step("quick")
    conv.type(f"remember {MARKER} [[quick]]")
    answered(conv, conv.main_request_after(asked))
    conv.settle(WAITING_INPUT, "quick")

    streaming_turn(conv, 8)
    approval(conv, conv.work_dir, approve=True)
    approval(conv, conv.work_dir, approve=False)
    interrupt(conv)

    conv.step("quit")
    conv.type(conv.ui.quit_line)
    conv.until(EXITED, "quit")

    resumed = conv.step("resume")
    conv.resume()
    boot(conv, "resume")
    conv.type("are you back [[quick]]")
    request = conv.main_request_after(resumed)
    if MARKER not in request.text:
        conv.fail(
            "`resume` started a new conversation: the model never saw the earlier turns;"
            f" it got {texts_in(request.body)}; the first turn had"
            f" {[t[-200:] for t in texts_in_all(conv.model.main_requests()[0].body)]}"
        )
    answered(conv, request)
    conv.settle(WAITING_INPUT, "quick")

    conv.step("kill")
    conv.kill_agent()
    conv.until(EXITED, "kill")


def model_errors(conv: Conversation) -> None:
    """Every request fails (HTTP 400): the session ends waiting with the error shown, or exited."""
    conv.model.force = Reply("error", status=400)
    conv.start("hello there [[quick]]")
    conv.wait_screen(lambda text: conv.ui.error_text in text, "the model's error", BOOT_TIMEOUT)
    conv.step("error")
    deadline = time.monotonic() + STEP_TIMEOUT
    while (state := session_state(conv.work_dir)) is None or state[:2] not in (
        WAITING_INPUT,
        EXITED,
    ):
        if time.monotonic() > deadline:
            conv.fail(f"the model's error left the session {state}, not waiting or exited")
        time.sleep(0.1)
    conv.holds("error")


OTHER = "other-conversation-0815"


def resume_picks_its_own_conversation(conv: Conversation, other: list[str]) -> None:
    """Two conversations in one worktree: ``resume`` brings back the session's, not the newest.

    ``other`` runs the agent once more in the worktree, outside q-tmux, which makes
    a newer conversation there ("the last one in this folder").
    """
    conv.start()
    boot(conv, "idle")
    asked = conv.step("quick")
    conv.type(f"remember {MARKER} [[quick]]")
    answered(conv, conv.main_request_after(asked))
    conv.settle(WAITING_INPUT, "quick")
    conv.step("quit")
    conv.type(conv.ui.quit_line)
    conv.until(EXITED, "quit")

    before = time.monotonic()
    done = subprocess.run(
        [*other, f"{OTHER} [[quick]]"], cwd=conv.work_dir, env={**os.environ, **conv.env},
        capture_output=True, text=True, timeout=STEP_TIMEOUT * 2, stdin=subprocess.DEVNULL,
        check=False,
    )  # fmt: skip
    assert any(OTHER in r.text for r in conv.model.main_requests() if r.at > before), (
        f"the second conversation never reached the model: {done.stdout}{done.stderr}"
    )

    resumed = conv.step("resume")
    conv.resume()
    boot(conv, "resume")
    conv.type("are you back [[quick]]")
    request = conv.main_request_after(resumed)
    if MARKER not in request.text or OTHER in request.text:
        conv.fail("`resume` brought back the newest conversation in the folder, not the session's")
    answered(conv, request)
    conv.settle(WAITING_INPUT, "quick")


def short_answers_after_a_turn_end(conv: Conversation, seconds: float = 3, rounds: int = 3) -> None:
    """Short streamed answers, each right after a turn a hook said was over.

    Neither Codex nor aider draws a busy marker while it streams. Each answer must
    be seen at work before the server sent its last word (not only after it ended,
    which was then taken for new work and flipped), end ``waiting`` and hold.
    """
    conv.start()
    boot(conv, "idle")
    asked = conv.step("quick")
    conv.type("hello [[quick]]")
    answered(conv, conv.main_request_after(asked))
    conv.settle(WAITING_INPUT, "quick")
    assert conv.timeline is not None
    for round_ in range(rounds):
        started = conv.step("stream")
        conv.type(f"short answer {round_} [[stream {seconds:g}]]")
        request = conv.main_request_after(started)
        answered(conv, request)
        done = request.done_at or time.monotonic()
        seen = [s.state for s in conv.timeline.since(started) if s.at < done]
        if not any(state[0] == "processing" for state in seen[1:]):
            conv.fail(f"answer {round_}: never seen at work while it streamed ({seen})")
        conv.settle(WAITING_INPUT, "turn_end")
