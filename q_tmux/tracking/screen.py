"""Reading an agent's screen where its hooks are blind.

Q CLI has no hook for its approval question, Ctrl-C fires no hook in any
agent, and some agents report only the end of a turn. Each agent's module
describes its screen (:class:`q_tmux.agents.base.ScreenModel`); this reads a
captured pane with it, bottom first:

1. an approval question on its stable words, near the bottom (and, where the
   agent draws them, with its choices below it);
2. a busy marker anywhere near the bottom (above or below the input box),
   unless a line there says the marker is about to go (Claude's stop hook);
3. the input prompt: on the last line for Q and aider; for agents that draw an
   input box, anywhere among the box, its rules and the footers below it,
   with or without text typed into it (typing is not work).

Standard library only: the watcher reads screens several times a second.
"""

from __future__ import annotations

from enum import Enum

from q_tmux.agents import catalog
from q_tmux.agents.base import ScreenModel


class Screen(Enum):
    IDLE = "idle"  # the input prompt, with no busy marker
    APPROVAL = "approval"  # asking whether to run a tool
    BUSY = "busy"  # a busy marker near the bottom
    OTHER = "other"  # output, a blank boot screen, or a screen the model does not know


#: Each agent's screen model, by preset name.
PATTERNS: dict[str, ScreenModel] = {
    name: spec.screen for name, spec in catalog.specs().items() if spec.screen is not None
}


class Look:
    """What one capture says: its classification, and the parts the watcher compares."""

    __slots__ = ("body", "ended", "screen", "settling", "submitted")

    def __init__(
        self, screen: Screen, body: str, ended: bool, settling: bool, submitted: bool = False
    ) -> None:
        self.screen = screen
        #: The lines above the prompt (the transcript): what changes when the agent
        #: writes, and not when the user types or a footer toggles.
        self.body = body
        #: The line above the prompt says the turn is over (Codex's ``Worked for``).
        self.ended = ended
        #: A line says the busy marker is about to go (Claude's stop hook): no new work.
        self.settling = settling
        #: The prompt left the bottom with the user's input in it, and the agent went
        #: on below it: input was submitted (for agents that echo it, like aider).
        self.submitted = submitted


def read(preset: str, screen: str) -> Look:
    """Read ``screen`` (a captured pane) with the screen model of ``preset``."""
    model = PATTERNS.get(preset)
    lines = [line.rstrip() for line in screen.splitlines() if line.strip()]
    if model is None or not lines:
        return Look(Screen.OTHER, "\n".join(lines), False, False)
    at = _prompt_at(model, lines)
    body = lines[:at] if at is not None else lines
    ended = model.turn_over is not None and any(model.turn_over.search(b) for b in body[-2:])
    settling = model.not_busy is not None and any(
        model.not_busy.search(line) for line in lines[-model.busy_reach :]
    )
    if model.approval is not None and _asks_approval(model, lines):
        looks = Screen.APPROVAL
    elif _busy(model, lines) and not settling:
        looks = Screen.BUSY
    elif at is not None:
        looks = Screen.IDLE
    else:
        looks = Screen.OTHER
    submitted = model.echoes_input and at is None and _echoed_input(model, lines)
    return Look(looks, "\n".join(body), ended, settling, submitted)


def classify(preset: str, screen: str) -> Screen:
    """What the bottom of ``screen`` (a captured pane) says about the agent."""
    return read(preset, screen).screen


def _busy(model: ScreenModel, lines: list[str]) -> bool:
    if model.busy is None:
        return False
    return any(model.busy.search(line) for line in lines[-model.busy_reach :])


def _prompt_at(model: ScreenModel, lines: list[str]) -> int | None:
    """Index of the prompt line (the lowest one in the bottom region), or None."""
    reach = 1 if model.prompt_last_line else model.prompt_reach + 1
    for index in range(len(lines) - 1, max(len(lines) - reach, 0) - 1, -1):
        if model.prompt.search(lines[index]):
            return index
        if model.prompt_below is not None and not model.prompt_below.search(lines[index]):
            return None  # under the prompt, a line that may not be there: output
    return None


def _echoed_input(model: ScreenModel, lines: list[str]) -> bool:
    """Whether the lowest prompt line on screen holds input, with the agent's output below."""
    for index in range(len(lines) - 1, -1, -1):
        found = model.prompt.search(lines[index])
        if found is not None:
            below = lines[index + 1 :]
            rules = model.prompt_below
            output = [b for b in below if rules is None or not rules.search(b)]
            return bool(lines[index][found.end() :].strip()) and bool(output)
    return False


def _asks_approval(model: ScreenModel, lines: list[str]) -> bool:
    return _question_at(model, lines) is not None


def _question_at(model: ScreenModel, lines: list[str]) -> int | None:
    """Index in ``lines`` (non-blank) of the approval question on screen, or None."""
    assert model.approval is not None
    start = max(len(lines) - (model.approval_reach + 1), 0)
    for index in range(start, len(lines)):
        if not model.approval.search(lines[index]):
            continue
        below = lines[index + 1 :]
        if model.only_prompt_below and not all(model.prompt.search(b) for b in below):
            continue
        if model.approval_choice is not None and not any(
            model.approval_choice.search(b) for b in below
        ):
            continue
        return index
    return None


def approval_question(preset: str, screen: str) -> tuple[list[str], int] | None:
    """The screen's lines (blank ones kept) and the index of its approval question.

    None when the screen (read with ``preset``'s model) asks no approval question.
    """
    model = PATTERNS.get(preset)
    if model is None or model.approval is None:
        return None
    lines = [line.rstrip() for line in screen.splitlines()]
    where = [index for index, line in enumerate(lines) if line.strip()]
    at = _question_at(model, [lines[index] for index in where])
    return None if at is None else (lines, where[at])
