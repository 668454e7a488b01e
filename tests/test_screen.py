"""Screen models per agent: on screens as each agent draws them.

``tests/screens/<agent>/<state>.txt`` are real captures (``tmux capture-pane -p -J``,
120x40) of the real programs talking to a local model server; each must read as
the table says. Hand-made screens cover agents not captured here (Q's stand-in).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from q_tmux.tracking.screen import Screen, classify, read

SCREENS = Path(__file__).parent / "screens"
APPROVAL_Q = (
    "Allow this action? Use 't' to trust (always allow) this tool for the session. [y/n/t]:"
)
IDLE, ASKS, BUSY, OTHER = Screen.IDLE, Screen.APPROVAL, Screen.BUSY, Screen.OTHER

#: Every capture in tests/screens, and how it must read.
CAPTURED: dict[str, Screen] = {
    # Claude Code 2.1.197: prompt in a box between rules, footers below.
    "claude/idle": IDLE,
    "claude/typing": IDLE,  # typing at the prompt is not work
    "claude/booting": OTHER,  # blank
    "claude/booting2": OTHER,
    "claude/streaming": BUSY,  # "esc to interrupt" in the footer, below the box
    "claude/streaming2": IDLE,
    "claude/streaming_before_ctrl_c": BUSY,
    "claude/turn_end_stop_hook": IDLE,  # "running stop hook" + "esc to interrupt": not work
    "claude/after_turn_idle": IDLE,
    "claude/approval": ASKS,
    "claude/approval2": ASKS,
    "claude/after_approve_early": IDLE,  # the stop hook again
    "claude/after_approve": IDLE,
    "claude/after_deny": IDLE,
    "claude/after_ctrl_c_early": IDLE,
    "claude/after_ctrl_c": IDLE,
    "claude/idle_ctrl_c_hint": IDLE,
    "claude/api_error": IDLE,
    "claude/api_error_500_retrying": BUSY,
    "claude/after_esc_retry": IDLE,  # the prompt put back in the box: typing
    "claude/resumed_idle": IDLE,
    "claude/quit": OTHER,
    "claude/quit_ctrl_c": IDLE,  # the last frame is still drawn above the shell's lines
    # Codex 0.169: its composer line is always drawn; "Working" only until output starts.
    "codex/booting": OTHER,
    "codex/booting2": IDLE,
    "codex/idle": IDLE,
    "codex/typing": IDLE,
    "codex/working_no_output": BUSY,
    "codex/streaming": IDLE,  # no marker: its hooks say when a turn starts and ends
    "codex/turn_end_stop_hook": IDLE,  # "Working (…) · Running hook": our Stop hook runs
    "codex/after_stop_hook": IDLE,
    "codex/turn_end": IDLE,
    "codex/after_turn_idle": IDLE,
    "codex/after_wait": IDLE,
    "codex/approval": ASKS,
    "codex/after_approve_early": IDLE,
    "codex/after_approve": IDLE,
    "codex/after_deny": IDLE,
    "codex/ctrl_c_task_still_running_dialog": IDLE,  # a menu at the composer: the user's turn
    "codex/after_ctrl_c_early": IDLE,
    "codex/after_ctrl_c": IDLE,
    "codex/after_ctrl_c_cancel_task": IDLE,
    "codex/after_esc_mid_answer": IDLE,
    "codex/api_error": IDLE,
    "codex/api_error_400": IDLE,
    "codex/idle_ctrl_c": OTHER,
    "codex/idle_ctrl_c_hint": OTHER,  # it quit
    "codex/after_ctrl_c_nodaemon_early": IDLE,
    "codex/resumed_idle": IDLE,
    "codex/quit": OTHER,
    "codex/warnings_f2": OTHER,  # a warnings overlay hides the composer
    # Gemini CLI 0.61: blank while booting; input box with two footer lines below.
    "gemini/booting_blank": OTHER,
    "gemini/booting_blank2": OTHER,
    "gemini/booting_session_start_hook": IDLE,
    "gemini/idle": IDLE,
    "gemini/typing": IDLE,
    "gemini/streaming": BUSY,
    "gemini/turn_end": IDLE,
    "gemini/after_turn_idle": IDLE,
    "gemini/approval": ASKS,
    "gemini/approval2": ASKS,
    "gemini/after_approve_early": IDLE,  # "Executing Hooks: ... AfterAgent (esc to cancel)"
    "gemini/after_approve": IDLE,
    "gemini/after_deny": IDLE,
    "gemini/after_ctrl_c_early": IDLE,  # "Press Ctrl+C again to exit." is not work
    "gemini/after_ctrl_c": IDLE,
    "gemini/idle_ctrl_c_hint": IDLE,
    "gemini/api_error": IDLE,
    "gemini/api_error_500": BUSY,  # it retries for minutes: "stalled" covers that
    "gemini/resumed_idle": IDLE,
    "gemini/quit": OTHER,
    # aider 0.86: "diff> " prompt on the last line; no marker once the answer flows.
    "aider/booting_blank": OTHER,
    "aider/booting_partial": OTHER,
    "aider/resumed_idle": OTHER,  # still booting
    "aider/idle": IDLE,
    "aider/typing": IDLE,
    "aider/streaming": OTHER,  # the user's "diff> ..." line sits above the answer
    "aider/turn_end": IDLE,
    "aider/approval": ASKS,
    "aider/add_output_question": ASKS,
    "aider/after_approve": IDLE,
    "aider/after_deny": IDLE,
    "aider/after_ctrl_c": IDLE,
    "aider/api_error": IDLE,
    "aider/api_error_500": BUSY,  # "Waiting for openai/test-model"
    "aider/resumed_after_turn": IDLE,
    "aider/quit": IDLE,  # "diff> /exit": the last frame before the pane closes
}
#: Captures whose last line above the prompt says the turn is over.
ENDED = {
    "codex/turn_end",
    "codex/after_turn_idle",
    "codex/after_wait",
    "codex/after_approve",
    "codex/after_approve_early",
    "codex/after_deny",
    "codex/after_ctrl_c",
    "codex/after_ctrl_c_cancel_task",
    "codex/after_esc_mid_answer",
    "codex/api_error",
    "codex/api_error_400",
    "codex/after_ctrl_c_nodaemon_early",
    "codex/resumed_idle",
    "codex/after_stop_hook",
}


def _capture(name: str) -> str:
    return (SCREENS / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "expected"), sorted(CAPTURED.items()))
def test_captured_screens(name: str, expected: Screen) -> None:
    assert classify(name.split("/")[0], _capture(name)) is expected


@pytest.mark.parametrize("name", sorted(n for n in CAPTURED if n.startswith("codex/")))
def test_codex_turn_end_line(name: str) -> None:
    assert read("codex", _capture(name)).ended is (name in ENDED)


def test_every_capture_has_an_expectation() -> None:
    found = {f"{p.parent.name}/{p.stem}" for p in SCREENS.glob("*/*.txt")}
    assert found == set(CAPTURED)


def test_typing_changes_the_prompt_not_the_transcript() -> None:
    idle, typing = (
        read("claude", _capture("claude/idle")),
        read("claude", _capture("claude/typing")),
    )
    assert idle.body == typing.body
    assert (
        read("codex", _capture("codex/idle")).body != read("codex", _capture("codex/typing")).body
    )


def test_hooks_running_after_a_turn_are_settling_not_work() -> None:
    assert read("claude", _capture("claude/turn_end_stop_hook")).settling
    assert not read("claude", _capture("claude/streaming")).settling
    assert read("gemini", _capture("gemini/after_approve_early")).settling
    assert not read("gemini", _capture("gemini/streaming")).settling
    asking = "? for shortcutsoks: q-tmux-BeforeAgent, q-tmux-Notification (esc to cancel, 2s)"
    assert read("gemini", asking + "\n >   Type your message").settling  # seen live (R4)


@pytest.mark.parametrize(
    ("preset", "screen", "expected"),
    [
        ("q", "Welcome\n> ", IDLE),
        ("q", "> Echo: hi\n\n> \n\n\n", IDLE),
        ("q", "[dev] !> ", IDLE),
        ("q", "↯ > ", IDLE),
        ("q", "42% > ", IDLE),
        ("q", "> Echo: a reply that is still stream", OTHER),  # replies start with '> '
        ("q", "> what the user is typ", OTHER),
        ("q", "> hi\n⠋ Thinking...", BUSY),
        ("q", f"x\n\n{APPROVAL_Q}\n\n> \n\n", ASKS),
        ("q", f"x\n\n{APPROVAL_Q}\n\n> y\n", OTHER),  # answered: the tool runs
        ("q", f"{APPROVAL_Q}\n\n> \n> Echo: done\n\n> ", IDLE),
        ("kiro-cli", f"{APPROVAL_Q}\n\n[kiro] > ", ASKS),
        ("claude", "│ Do you want to make this edit?\n│ ❯ 1. Yes\n│   2. No", ASKS),  # noqa: RUF001 - what Claude draws
        ("claude", "DO YOU WANT TO PROCEED?\n ❯ 1. yes\n   2. No", ASKS),  # noqa: RUF001 - case-insensitive
        (
            "claude",
            "Do you want to proceed? (a model's reply)\n───\n\u276f \n───\n  ? for shortcuts",
            IDLE,
        ),
        ("claude", "✻ Working… (12s · esc to interrupt)", BUSY),
        ("claude", "╭────╮\n│ >  │\n╰────╯", IDLE),
        ("claude", "│ > ", IDLE),
        ("codex", "Allow command?\n  ls -la\n▌ Yes  No", ASKS),
        ("codex", "• Working (3s • esc to interrupt)", BUSY),
        ("codex", "\u203a ", IDLE),
        ("gemini", "", OTHER),  # blank while it boots
        (
            "gemini",
            "│ > Type your message or @path/to/file │\n~/work  no sandbox  gemini-2.5",
            IDLE,
        ),
        ("gemini", "│ > fix the bug please │\n~/work  no sandbox", IDLE),
        ("gemini", "⠏ Thinking (esc to cancel, 3s)\n│ > Type your message │", BUSY),
        ("gemini", "│ Allow execution of: 'echo'?\n│ ● 1. Yes, allow once\n│   2. No", ASKS),
        ("gemini", "Allow execution?\n● 1. Yes, allow once", ASKS),
        ("aider", "Run shell command? (Y)es/(N)o [Yes]:", ASKS),
        ("aider", "run shell command? (y)es/(n)o/(d)on't ask again [Yes]:", ASKS),
        ("aider", "architect> ", IDLE),
        ("aider", "> add a test for the parser", IDLE),  # typing at the prompt
        ("aider", "diff> add a test\n" + "─" * 40, IDLE),  # a rule redrawn below it
        ("aider", "diff> add a test\nSure, here is the test", OTHER),  # the answer below it
        ("shell", "$ ", OTHER),  # no screen model: decided by its foreground process
        ("q", "", OTHER),
    ],
)
def test_classify(preset: str, screen: str, expected: Screen) -> None:
    assert classify(preset, screen) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("aider/streaming", True),  # "diff> hello …" with the answer below it
        ("aider/api_error_500", True),  # ... or the spinner
        ("aider/typing", False),  # still at the prompt
        ("aider/turn_end", False),
        ("aider/idle", False),
        ("aider/booting_partial", False),  # no prompt yet
        ("codex/streaming", False),  # only agents that echo their input
    ],
)
def test_submitted_input_is_read_where_the_agent_echoes_it(name: str, expected: bool) -> None:
    assert read(name.split("/")[0], _capture(name)).submitted is expected
