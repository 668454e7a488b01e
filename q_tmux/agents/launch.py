"""Launching agents: what to run for ``--agent``, how to resume it, how it gets a first prompt.

A preset (built from the agent's module, see :mod:`q_tmux.agents.catalog`)
knows its executable, its resume arguments and how it takes a first message.
Anything that is not a preset name is treated as a command line; ``{prompt}``
in it marks where the first message goes (it is passed as one argument, never
through a shell).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from enum import Enum

from q_tmux.adapters import process
from q_tmux.agents import catalog
from q_tmux.agents.base import AgentSpec
from q_tmux.errors import AgentNotFoundError, UsageError


class PromptStyle(Enum):
    ARGUMENT = "argument"  # appended as the last argument; the REPL stays interactive
    TYPED = "typed"  # typed at the REPL's prompt once it started
    NONE = "none"  # the agent cannot take one


@dataclass(frozen=True)
class Preset:
    name: str
    executable: str
    args: tuple[str, ...] = ()
    resume_args: tuple[str, ...] = ()
    prompt_style: PromptStyle = PromptStyle.ARGUMENT
    description: str = ""
    #: Put before the first message (Gemini's ``-i``: never mistaken for a subcommand).
    prompt_flag: tuple[str, ...] = ()


def _preset(spec: AgentSpec) -> Preset:
    return Preset(
        spec.name,
        spec.executable,
        spec.args,
        spec.resume_args,
        PromptStyle(spec.prompt_style),
        spec.description,
        spec.prompt_flag,
    )


PRESETS: dict[str, Preset] = {name: _preset(spec) for name, spec in catalog.specs().items()}
DETECTION_ORDER = catalog.DETECTION_ORDER
SHELL_PRESET = "shell"
PROMPT_PLACEHOLDER = "{prompt}"


@dataclass(frozen=True)
class Agent:
    """A resolved agent: what to run now, and what to run to resume later."""

    preset: str
    command: list[str]
    resume_command: list[str]
    #: Text to type at the prompt once the agent started (``TYPED`` presets).
    typed_prompt: str | None = None
    #: Said to the user when the choice was not what they might expect.
    notes: list[str] = field(default_factory=list)


def _require(executable: str) -> str:
    found = process.find_program(executable)
    if found is None:
        raise AgentNotFoundError(
            f"The agent command '{executable}' is not installed or not on PATH."
        )
    return found


def _from_preset(preset: Preset, prompt: str | None) -> Agent:
    _require(preset.executable)
    base = [preset.executable, *preset.args]
    command, typed = list(base), None
    if prompt:
        if preset.prompt_style is PromptStyle.ARGUMENT:
            # "--" is not used: several REPLs treat it as a literal prompt word.
            command += [*preset.prompt_flag, prompt]
        elif preset.prompt_style is PromptStyle.TYPED:
            typed = prompt
    return Agent(preset.name, command, [*base, *preset.resume_args], typed)


def _shell(prompt: str | None, notes: list[str]) -> Agent:
    shell = os.environ.get("SHELL") or "/bin/sh"
    if prompt:
        notes.append("The shell agent takes no first message; it is kept in session.json.")
    _require(shell)
    return Agent(SHELL_PRESET, [shell], [shell], None, notes)


def _from_command(spec: str, prompt: str | None) -> Agent:
    try:
        words = shlex.split(spec)
    except ValueError as error:
        raise UsageError(f"The agent command {spec!r} cannot be parsed: {error}.") from None
    if not words:
        raise UsageError("The agent command is empty.")
    _require(words[0])
    resume = [w for w in words if w != PROMPT_PLACEHOLDER]
    if prompt and PROMPT_PLACEHOLDER in words:
        command = [prompt if w == PROMPT_PLACEHOLDER else w for w in words]
    else:
        command = resume
    notes = []
    if prompt and PROMPT_PLACEHOLDER not in words:
        notes.append(
            f"'{words[0]}' is not a preset, so the first message was not passed; "
            f"put {PROMPT_PLACEHOLDER} in the command to pass it."
        )
    return Agent("command", command, resume, None, notes)


def default_agent_name() -> tuple[str, list[str]]:
    """The first preset found on PATH, else the shell (with a note saying so)."""
    for name in DETECTION_ORDER:
        if process.find_program(PRESETS[name].executable):
            return name, []
    shell = os.environ.get("SHELL") or "/bin/sh"
    tried = ", ".join(DETECTION_ORDER)
    return SHELL_PRESET, [f"No agent found on PATH (tried {tried}); starting your shell {shell}."]


def resolve_agent(spec: str | None, prompt: str | None, configured: str | None = None) -> Agent:
    """The agent for ``--agent SPEC``, else the configured default, else the first found."""
    notes: list[str] = []
    if spec is None:
        spec = configured
    if spec is None:
        spec, notes = default_agent_name()
    if spec == SHELL_PRESET:
        return _shell(prompt, notes)
    if spec in PRESETS:
        return _from_preset(PRESETS[spec], prompt)
    return _from_command(spec, prompt)
