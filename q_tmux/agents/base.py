"""What q-tmux knows about one agent, as plain data: standard library only.

Hooks and the watcher read these on every turn and every tick, so this
module (and the data half of each agent module) imports nothing heavy: no
dataclasses, no typing, no pathlib. The wiring half of an agent module
imports what it needs inside its functions. Even :mod:`re` waits: a screen's
patterns are compiled the first time they are read (the hook never reads them).
"""

from __future__ import annotations

from q_tmux.store.record import Reason, Status

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs more to import than a hook may spend
    import re
    from collections.abc import Callable
    from pathlib import Path

    from q_tmux.agents.launch import Agent
    from q_tmux.agents.wiring import Wiring

    Wire = Callable[[Agent, Path, str, set[str]], Wiring]
    #: What an approval question asks: (text, tool or None), from the screen's lines
    #: (blank ones kept) and the index of the question among them.
    Extract = Callable[[list[str], int], tuple[str, str | None] | None]
    StatusFor = Callable[[str, dict[str, object]], tuple[str, str | None] | None]
    #: Prepares a forked conversation's files for a new working directory (from the
    #: conversation's file and that directory); False when it cannot.
    ForkFiles = Callable[[str, Path], bool]

# What a hook event means, in the record's vocabulary.
WORKING: tuple[str, str | None] = (Status.PROCESSING, None)
TURN_OVER: tuple[str, str | None] = (Status.WAITING, Reason.INPUT)
ASKING: tuple[str, str | None] = (Status.WAITING, Reason.APPROVAL)

ARGUMENT, TYPED, NONE = "argument", "typed", "none"  # how an agent takes its first message


class ScreenModel:
    """How an agent draws its screen; :func:`q_tmux.tracking.screen.classify` reads it.

    Every pattern is matched case-insensitively on the stable words, one line at a time.
    """

    __slots__ = (
        "_compiled",
        "_sources",
        "approval_reach",
        "busy_always_visible",
        "busy_reach",
        "echoes_input",
        "only_prompt_below",
        "prompt_last_line",
        "prompt_reach",
    )

    def __init__(
        self,
        *,
        prompt: str,
        prompt_reach: int = 0,
        prompt_below: str | None = None,
        busy: str | None = None,
        busy_reach: int = 12,
        not_busy: str | None = None,
        busy_always_visible: bool = False,
        approval: str | None = None,
        approval_choice: str | None = None,
        approval_reach: int = 3,
        only_prompt_below: bool = False,
        turn_over: str | None = None,
        echoes_input: bool = False,
    ) -> None:
        # The patterns as given; see the properties of the same names for what each means.
        self._sources = {
            "prompt": prompt,
            "prompt_below": prompt_below,
            "busy": busy,
            "not_busy": not_busy,
            "approval": approval,
            "approval_choice": approval_choice,
            "turn_over": turn_over,
        }
        self._compiled: dict[str, re.Pattern[str] | None] = {}
        #: How many non-blank lines (rules, footers, hints) may sit below the prompt.
        self.prompt_reach = prompt_reach
        #: The prompt must be the very last non-blank line (Q and aider draw no box).
        self.prompt_last_line = prompt_reach == 0
        #: How many of the last non-blank lines the busy marker is searched in.
        self.busy_reach = busy_reach
        #: The busy marker is on screen for the whole of every turn: a screen without it
        #: that holds still means the turn is over, whatever else it shows.
        self.busy_always_visible = busy_always_visible
        #: How many of the last non-blank lines the approval question is searched in.
        self.approval_reach = approval_reach
        #: Q prints its bare prompt below the question; once answered, ``> y`` follows it.
        self.only_prompt_below = only_prompt_below
        #: Submitted input stays on screen as a prompt line with the agent's output below
        #: it, and nothing is drawn below the prompt until then (aider): that is how a
        #: new turn shows where no hook reports one.
        self.echoes_input = echoes_input

    def _pattern(self, name: str) -> re.Pattern[str] | None:
        """The pattern ``name``, compiled case-insensitive on first use; None when not given."""
        if name not in self._compiled:
            import re

            source = self._sources[name]
            self._compiled[name] = None if source is None else re.compile(source, re.IGNORECASE)
        return self._compiled[name]

    @property
    def prompt(self) -> re.Pattern[str]:
        """A line that is the agent's input prompt, empty or with typed text in it."""
        found = self._pattern("prompt")
        assert found is not None  # always given
        return found

    @property
    def prompt_below(self) -> re.Pattern[str] | None:
        """When set, every line below the prompt must match it (aider's redrawn rule)."""
        return self._pattern("prompt_below")

    @property
    def busy(self) -> re.Pattern[str] | None:
        """A busy marker, searched in the last ``busy_reach`` non-blank lines."""
        return self._pattern("busy")

    @property
    def not_busy(self) -> re.Pattern[str] | None:
        """Lines that carry a busy marker but are not new work (Claude's stop hook running)."""
        return self._pattern("not_busy")

    @property
    def approval(self) -> re.Pattern[str] | None:
        """The approval question, within the last ``approval_reach`` non-blank lines."""
        return self._pattern("approval")

    @property
    def approval_choice(self) -> re.Pattern[str] | None:
        """When set, a line below the question that offers the choices must match too."""
        return self._pattern("approval_choice")

    @property
    def turn_over(self) -> re.Pattern[str] | None:
        """A line just above the prompt that says the turn is over (Codex's ``Worked for``),
        for agents that draw no busy marker while they stream."""
        return self._pattern("turn_over")


#: tmux's names for the keys an answer may press; any other word is typed as text.
NAMED_KEYS = frozenset({"Enter", "Escape", "Tab", "Up", "Down", "Space"})


class Approval:
    """How to answer an agent's approval question, and how to read what it asks.

    Each answer is a key sequence: words in :data:`NAMED_KEYS` are pressed as keys,
    others typed as text. ``always`` (allow this kind of request from now on) is
    None where the agent offers no such answer; ``no_always`` then says why.
    """

    __slots__ = ("always", "approve", "deny", "no_always", "request")

    def __init__(
        self,
        *,
        approve: tuple[str, ...],
        deny: tuple[str, ...],
        always: tuple[str, ...] | None = None,
        no_always: str = "",
        request: Extract,
    ) -> None:
        self.approve = approve
        self.deny = deny
        self.always = always
        self.no_always = no_always
        self.request = request


def unwrap(lines: list[str]) -> str:
    """Lines an agent wrapped itself, joined again where it cut inside a word.

    A line as long as the longest one was cut at the width and is joined to the next
    as it is; a shorter one ended there (a line break, or a word wrap: which one cannot
    be told), so its break is kept.
    """
    parts = [line.strip() for line in lines if line.strip()]
    width = max((len(part) for part in parts), default=0)
    text = ""
    for index, part in enumerate(parts):
        text += part if index == 0 else ("" if len(parts[index - 1]) >= width else "\n") + part
    return text


def _session_id(payload: dict[str, object]) -> str | None:
    value = payload.get("session_id")
    return value if isinstance(value, str) and value else None


class AgentSpec:
    """One agent: how to launch and resume it, its hooks, and its screen."""

    __slots__ = (
        "approval",
        "args",
        "context_event",
        "context_json",
        "conversation_id",
        "description",
        "events",
        "executable",
        "fork_args",
        "fork_files",
        "name",
        "prompt_flag",
        "prompt_style",
        "reports_turn_start",
        "resume_args",
        "resume_by_id",
        "screen",
        "status_for",
        "version_args",
        "wire",
    )

    def __init__(
        self,
        name: str,
        executable: str,
        *,
        description: str,
        args: tuple[str, ...] = (),
        resume_args: tuple[str, ...] = (),
        prompt_style: str = ARGUMENT,
        prompt_flag: tuple[str, ...] = (),
        events: dict[str, tuple[str, str | None]] | None = None,
        status_for: StatusFor | None = None,
        reports_turn_start: bool = False,
        screen: ScreenModel | None = None,
        resume_by_id: Callable[[list[str], str], list[str] | None] | None = None,
        conversation_id: Callable[[dict[str, object]], str | None] = _session_id,
        wire: Wire | None = None,
        version_args: tuple[str, ...] = ("--version",),
        approval: Approval | None = None,
        context_event: str | None = None,
        context_json: bool = False,
        fork_args: Callable[[str], list[str]] | None = None,
        fork_files: ForkFiles | None = None,
    ) -> None:
        self.name = name
        self.executable = executable
        self.description = description
        self.args = args
        #: Appended to ``executable args`` to resume the last conversation in this folder.
        self.resume_args = resume_args
        self.prompt_style = prompt_style
        #: Put before the first message when it is passed as an argument (Gemini's ``-i``).
        self.prompt_flag = prompt_flag
        #: Hook event name -> (status, waiting reason) it means.
        self.events = events or {}
        #: What an event means given its payload (default: ``events`` alone).
        self.status_for: StatusFor = status_for or (lambda event, _payload: self.events.get(event))
        #: Whether its hooks, once wired, also say when a turn starts (else only its end).
        self.reports_turn_start = reports_turn_start
        self.screen = screen
        #: The resume command for one conversation, from the "resume the last one" command.
        self.resume_by_id = resume_by_id
        #: The agent's conversation id in a hook's payload, if it carries one.
        self.conversation_id = conversation_id
        #: Hooks the agent up for a session (its heavy imports happen inside, when called).
        self.wire = wire
        self.version_args = version_args
        #: How to answer its approval questions (None: q-tmux cannot answer them).
        self.approval = approval
        #: The hook event, fired before each prompt, whose output the agent adds to the
        #: model's context (what the other sessions change: q_tmux.tracking.awareness).
        self.context_event = context_event
        #: That output must be JSON (``hookSpecificOutput.additionalContext``), not plain text.
        self.context_json = context_json
        #: Arguments that start a copy of a conversation (by its id), for ``q-tmux fork``;
        #: None where the agent cannot fork one.
        self.fork_args = fork_args
        #: What a forked conversation needs in place before the agent starts elsewhere.
        self.fork_files = fork_files
