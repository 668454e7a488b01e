"""Reading an agent's screen where its hooks are blind.

Q CLI has no hook for its approval question and Ctrl-C fires no ``stop``;
some agents have no hooks at all. Each preset has patterns for its bare idle
prompt, its approval question and its busy indicator. Only the bottom of the
screen counts: Q's replies also begin with ``> ``, so only a *bare* prompt as
the last line means idle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Screen(Enum):
    IDLE = "idle"  # a bare prompt at the bottom
    APPROVAL = "approval"  # asking whether to run a tool
    BUSY = "busy"  # a busy indicator at the bottom
    OTHER = "other"  # output, or the user typing


@dataclass(frozen=True)
class Patterns:
    prompt: re.Pattern[str]
    approval: re.Pattern[str] | None = None
    busy: re.Pattern[str] | None = None
    #: How many non-blank lines above the bottom an approval question may sit.
    approval_reach: int = 3
    #: Q prints its bare prompt below the question; once the user answers,
    #: their ``> y`` follows it. TUI agents draw option lines below instead.
    only_prompt_below: bool = False


# Q CLI: "[agent] " + "NN% " + "↯ " + "!" + "> " (prompt_parser.rs).
_Q = Patterns(
    prompt=re.compile(r"^(\[[^\]\s]+\] )?(\d+% )?(↯ )?!?>\s*$"),
    approval=re.compile(r"^Allow this action\?"),
    busy=re.compile(r"Thinking\.\.\.\s*$"),
    only_prompt_below=True,
)
PATTERNS: dict[str, Patterns] = {
    "q": _Q,
    "kiro-cli": _Q,
    "claude": Patterns(
        prompt=re.compile(r"^[│|]?\s*>\s*[│|]?\s*$"),
        approval=re.compile(r"Do you want to|No, and tell Claude what to do differently"),
        busy=re.compile(r"(esc|ctrl\+c) to interrupt"),
        approval_reach=8,
    ),
    "codex": Patterns(
        prompt=re.compile(r"^\s*\u203a\s*$"),  # codex draws its prompt as U+203A
        approval=re.compile(r"[Aa]llow command\?|press enter to confirm or esc to cancel"),
        busy=re.compile(r"esc to interrupt"),
        approval_reach=8,
    ),
    "gemini": Patterns(
        prompt=re.compile(r"^[│|]?\s*>\s.*Type your message|^[│|]?\s*>\s*[│|]?\s*$"),
        approval=re.compile(r"Yes, allow once|Allow execution"),
        busy=re.compile(r"esc to cancel"),
        approval_reach=8,
    ),
    "aider": Patterns(
        prompt=re.compile(r"^([\w-]+)?>\s*$"),  # "> ", "architect> ", "ask> "
        approval=re.compile(r"\(Y\)es/\(N\)o"),
        approval_reach=0,
    ),
}


def classify(preset: str, screen: str) -> Screen:
    """What the bottom of ``screen`` (a captured pane) says about the agent."""
    lines = [line.rstrip() for line in screen.splitlines()]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return Screen.OTHER
    patterns = PATTERNS.get(preset)
    if patterns is None:
        return Screen.OTHER
    last = lines[-1]
    if patterns.approval is not None and _asks_approval(patterns, lines):
        return Screen.APPROVAL
    if patterns.busy is not None and patterns.busy.search(last):
        return Screen.BUSY
    if patterns.prompt.match(last):
        return Screen.IDLE
    return Screen.OTHER


def _asks_approval(patterns: Patterns, lines: list[str]) -> bool:
    assert patterns.approval is not None
    bottom = [line for line in lines if line.strip()][-(patterns.approval_reach + 1) :]
    for index, line in enumerate(bottom):
        if patterns.approval.search(line):
            below = bottom[index + 1 :]
            return not patterns.only_prompt_below or all(patterns.prompt.match(b) for b in below)
    return False
