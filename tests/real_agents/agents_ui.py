"""How each real agent is driven in the tests, and where q-tmux must get each step's state from.

``sources`` is the contract of issue 10: a hook where the agent has one for that
moment (Claude's Stop and PermissionRequest, Codex's Stop, PermissionRequest and
Interrupt, Gemini's AfterAgent and ToolPermission notification, aider's
notifications command), the screen where it has none (Esc and Ctrl-C fire no hook
in Claude; aider has no approval hook), the process for exits.
"""

from __future__ import annotations

from tests.real_agents.conversation import AgentUI

HOOK = frozenset({"hook"})
SCREEN = frozenset({"screen"})
EITHER = frozenset({"hook", "screen"})
PROCESS = frozenset({"process"})

CLAUDE = AgentUI(
    preset="claude",
    ready="❯",  # noqa: RUF001 - the glyph Claude Code draws
    approve=("Enter",),
    deny=("Escape",),
    interrupt=("C-c",),
    quit_line="/exit",
    sources={
        "idle": EITHER,
        "stream": EITHER,
        "quick": HOOK,
        "turn_end": HOOK,
        # The hook and the screen race for an approval; both are right.
        "approval": EITHER,
        "after_approve": HOOK,
        "after_deny": SCREEN,
        "interrupt": SCREEN,
        "quit": PROCESS,
        "resume": EITHER,
        "kill": PROCESS,
    },
)

CODEX = AgentUI(
    preset="codex",
    ready="›",  # noqa: RUF001 - the glyph Codex draws
    approve=("Enter",),
    deny=("Escape",),
    interrupt=("C-c",),
    quit_line="/quit",
    sources={
        "idle": SCREEN,
        # Its UserPromptSubmit hook, unless "Working" held on screen before the hook ran.
        "stream": EITHER,
        "quick": HOOK,
        "turn_end": HOOK,
        "approval": EITHER,  # PermissionRequest races the screen
        "after_approve": HOOK,
        "after_deny": HOOK,  # Interrupt fires on Esc at the question
        "interrupt": HOOK,  # ... and on Ctrl-C mid-answer
        "quit": PROCESS,
        "resume": SCREEN,
        "kill": PROCESS,
    },
)

GEMINI = AgentUI(
    preset="gemini",
    ready="Type your message",
    approve=("Enter",),
    deny=("Escape",),
    interrupt=("C-c",),
    quit_line="/quit",
    sources={
        "idle": EITHER,
        "stream": EITHER,
        "quick": HOOK,
        "turn_end": HOOK,
        # The hook and the screen race for an approval; both are right.
        "approval": EITHER,
        "after_approve": HOOK,
        "after_deny": SCREEN,
        "interrupt": EITHER,
        "quit": PROCESS,
        "resume": EITHER,
        "kill": PROCESS,
    },
)

AIDER = AgentUI(
    preset="aider",
    ready="diff> ",
    approve=("y", "Enter"),
    deny=("n", "Enter"),
    interrupt=("C-c",),
    quit_line="/exit",
    sources={
        "idle": SCREEN,
        "stream": SCREEN,
        "quick": EITHER,
        "turn_end": EITHER,
        "approval": SCREEN,
        "after_approve": EITHER,
        "after_deny": EITHER,
        "interrupt": EITHER,
        "quit": PROCESS,
        "resume": SCREEN,
        "kill": PROCESS,
    },
)

ALL = (CLAUDE, CODEX, GEMINI, AIDER)
