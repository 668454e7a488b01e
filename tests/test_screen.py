"""Screen patterns per agent, on screens as each agent draws them (see notes/agents.md)."""

from __future__ import annotations

import pytest

from q_tmux.screen import Screen, classify

APPROVAL_Q = (
    "Allow this action? Use 't' to trust (always allow) this tool for the session. [y/n/t]:"
)


@pytest.mark.parametrize(
    ("preset", "screen", "expected"),
    [
        ("q", "Welcome\n> ", Screen.IDLE),
        ("q", "> Echo: hi\n\n> \n\n\n", Screen.IDLE),
        ("q", "[dev] !> ", Screen.IDLE),
        ("q", "↯ > ", Screen.IDLE),
        ("q", "42% > ", Screen.IDLE),
        ("q", "> Echo: a reply that is still stream", Screen.OTHER),  # replies start with '> '
        ("q", "> what the user is typ", Screen.OTHER),
        ("q", "> hi\n⠋ Thinking...", Screen.BUSY),
        ("q", f"x\n\n{APPROVAL_Q}\n\n> \n\n", Screen.APPROVAL),
        ("q", f"x\n\n{APPROVAL_Q}\n\n> y\n", Screen.OTHER),  # answered: the tool runs
        ("q", f"{APPROVAL_Q}\n\n> \n> Echo: done\n\n> ", Screen.IDLE),
        ("kiro-cli", f"{APPROVAL_Q}\n\n[kiro] > ", Screen.APPROVAL),
        ("claude", "│ Do you want to make this edit?\n│ ❯ 1. Yes\n│   2. No", Screen.APPROVAL),  # noqa: RUF001 - what Claude draws
        ("claude", "✻ Working… (12s · esc to interrupt)", Screen.BUSY),
        ("claude", "╭────╮\n│ >  │\n╰────╯", Screen.OTHER),
        ("claude", "│ > ", Screen.IDLE),
        ("codex", "Allow command?\n  ls -la\n▌ Yes  No", Screen.APPROVAL),
        ("codex", "• Working (3s • esc to interrupt)", Screen.BUSY),
        ("codex", "\u203a ", Screen.IDLE),
        ("gemini", "Allow execution?\n● 1. Yes, allow once", Screen.APPROVAL),
        ("aider", "Run shell command? (Y)es/(N)o [Yes]:", Screen.APPROVAL),
        ("aider", "architect> ", Screen.IDLE),
        ("shell", "$ ", Screen.OTHER),  # no patterns: decided by output alone
        ("q", "", Screen.OTHER),
    ],
)
def test_classify(preset: str, screen: str, expected: Screen) -> None:
    assert classify(preset, screen) is expected
