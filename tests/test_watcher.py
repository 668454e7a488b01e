"""The watcher's rules: what a screen implies, given what the session file says."""

from __future__ import annotations

from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.store.record import Reason, Source, Status
from q_tmux.tracking.screen import Screen, read
from q_tmux.tracking.status_line import Pane, SessionState, Snapshot
from q_tmux.tracking.watcher import (
    ACTIVITY_TAIL,
    BUSY_PERSIST,
    HOOK_SETTLE,
    QUIET_TICKS,
    SILENT_TICKS,
    STABLE_TICKS,
    Decision,
    Seen,
    SessionFiles,
    Watcher,
    decide,
    decide_shell,
)

IDLE, ASKS, BUSY, OTHER = Screen.IDLE, Screen.APPROVAL, Screen.BUSY, Screen.OTHER
SCREENS = Path(__file__).parent / "screens"
P = ("processing", None, "screen")
W = ("waiting", "input", "screen")
ASK = ("waiting", "approval", "screen")


def session(
    status: str,
    reason: str | None = None,
    preset: str = "q",
    hooked: bool = True,
    source: str = "hook",
    program: str = "",
) -> SessionState:
    return SessionState(
        "id", "n", status, reason, "t", "/s", preset, "/p", hooked=hooked, source=source,
        program=program,
    )  # fmt: skip


def test_a_hooks_question_must_be_drawn_before_its_absence_counts() -> None:
    asking = session("waiting", "approval", "gemini")  # from the Notification hook
    assert decide(asking, BUSY, True, 0, 1.0, False, question_shown=False) is None
    assert decide(asking, BUSY, True, 0, 1.0, False, question_shown=True) == P


def test_gemini_approval_hook_before_its_box_is_drawn() -> None:
    """Live: the hook said 'asking' while the screen still showed the hooks running."""
    state = session("waiting", "approval", "gemini")
    running = capture("gemini/after_approve_early").replace(  # as seen: our own hooks run
        "/tmp/lab/gemini/hook.sh AfterTool, /tmp/lab/gemini/hook.sh AfterAgent",
        "q-tmux-BeforeAgent, q-tmux-Notification",
    )
    assert read("gemini", running).screen is not ASKS  # no question on screen yet
    asked = capture("gemini/approval")
    decisions = run_ticks(
        state, [running, running, asked, asked, *[capture("gemini/streaming")] * 4]
    )
    assert decisions[:4] == [None] * 4  # still "approval" while the box is being drawn
    assert P in decisions[4:]  # answered: the question was seen, and is gone


@pytest.mark.parametrize(
    ("state", "screen", "changed", "stable", "active_for", "ended", "expected"),
    [
        # Q's approval question has no hook: the screen tells.
        (session("processing"), ASKS, True, 0, 0, False, ASK),
        (session("waiting", "approval"), ASKS, False, 5, 0, False, None),
        (session("processing", preset="codex"), ASKS, True, 0, 0, False, ASK),
        # The question went away: answered (the tool runs), or denied (back at the prompt).
        (session("waiting", "approval"), OTHER, True, 0, 0, False, P),
        (session("waiting", "approval", "claude"), IDLE, False, STABLE_TICKS, 0, False, W),
        (session("waiting", "approval", "claude"), IDLE, True, 0, 0, False, None),
        # ... Codex's composer stays drawn while the approved command and the answer run.
        (session("waiting", "approval", "codex"), IDLE, True, 0, BUSY_PERSIST, False, P),
        (session("waiting", "approval", "codex"), IDLE, False, 1, 0, False, None),
        # A prompt after Ctrl-C (no hook fires), once it holds still.
        (session("processing"), IDLE, False, STABLE_TICKS, 0, False, W),
        (session("processing"), IDLE, True, 0, 0, False, None),
        (session("processing"), IDLE, False, STABLE_TICKS - 1, 0, False, None),
        (session("processing", preset="claude"), IDLE, False, STABLE_TICKS, 0, False, W),
        # Streaming output is never "waiting".
        (session("processing"), OTHER, True, 0, 0, False, None),
        (session("processing"), BUSY, False, 9, 9, False, None),
        (session("processing", preset="claude"), BUSY, False, 50, 30, False, None),
        # Q's hooks report every turn's start and end: a silent tool run stays busy.
        (session("processing"), OTHER, False, 50, 0, False, None),
        # Claude draws its busy marker all turn long: without it, a still screen is over,
        # whatever it shows (an error, a screen the model does not know).
        (session("processing", preset="claude"), OTHER, False, QUIET_TICKS, 0, False, W),
        (session("processing", preset="claude"), OTHER, True, 0, 0, False, None),
        # Codex streams with no marker and its composer drawn: a pause in the answer is
        # not the end, unless the line above the composer says so.
        (session("processing", preset="codex"), IDLE, False, STABLE_TICKS, 0, False, None),
        (session("processing", preset="codex"), IDLE, False, STABLE_TICKS, 0, True, W),
        (session("processing", preset="codex"), IDLE, False, SILENT_TICKS, 0, False, W),
        # An unknown screen ends a turn only where no hook will: Codex's Stop hook does.
        (session("processing", None, "codex", False), OTHER, False, SILENT_TICKS, 0, False, W),
        (session("processing", preset="codex"), OTHER, False, SILENT_TICKS, 0, False, None),
        # Booting: never "waiting" before the prompt appeared once.
        (session("starting", preset="gemini"), OTHER, False, 100, 0, False, None),
        (session("starting", preset="aider"), OTHER, False, 100, 0, False, None),
        (session("starting", preset="gemini"), IDLE, False, STABLE_TICKS, 0, False, W),
        (session("starting", preset="claude"), BUSY, True, 0, BUSY_PERSIST, False, P),
        (session("starting", preset="claude"), BUSY, True, 0, 0.2, False, None),
        # ... and a resumed conversation redrawn while it boots is not work.
        (session("starting", preset="codex"), OTHER, True, 0, 2.0, False, None),
        (session("starting", preset="codex"), IDLE, True, 0, 2.0, False, None),
        (session("starting", preset="codex"), IDLE, False, STABLE_TICKS, 0, False, W),
        # ... a plain command has no prompt to wait for: its output stopping is all there is.
        (session("starting", "", "my-repl", False), OTHER, False, QUIET_TICKS, 0, False, W),
        # A hook's "turn ended" is not undone by the redraws after it: Claude's stop
        # hook keeps "esc to interrupt" up for a moment; Codex redraws "Worked for".
        (session("waiting", "input", "claude"), BUSY, True, 0, 0.4, False, None),
        (session("waiting", "input", "claude"), BUSY, True, 0, BUSY_PERSIST, False, P),
        (session("waiting", "input", "codex"), IDLE, True, 0, 0.0, True, None),
        (session("waiting", "input", "codex"), IDLE, True, 0, 0.4, False, None),
        # ... only work that persists does: a busy marker (Codex's hooks report a turn's
        # start, so its output is never counted as work: see the tick tests below).
        (session("waiting", "input", "codex"), BUSY, True, 0, 0.4, False, None),
        (session("waiting", "input", "codex"), BUSY, True, 0, BUSY_PERSIST, False, P),
        # ... or, where no hook reports a turn's start, output that keeps coming.
        (session("waiting", "input", "codex", False), IDLE, True, 0, BUSY_PERSIST, False, None),
        (session("waiting", "input", "codex", False), IDLE, True, 0, HOOK_SETTLE, False, P),
        # Typing at the prompt is not work: the transcript did not change.
        (session("waiting", "input", "codex"), IDLE, False, 3, 0, False, None),
        (session("waiting", "input", "claude"), IDLE, False, 3, 0, False, None),
        # Hooked agents leave "waiting" by their hook, or a busy marker.
        (session("waiting", "input"), OTHER, True, 0, 0, False, None),
        (session("waiting", "input"), BUSY, True, 0, BUSY_PERSIST, False, P),
        # aider: no marker, no hook for a turn's start: output that keeps coming is work;
        # silence ends a turn only after a while (it thinks before it answers).
        (session("waiting", "input", "aider", source="screen"), OTHER, True, 0, 1.0, False, P),
        # ... but after its hook the tail of the turn (token count, rule, prompt) is drawn:
        # output must keep coming for longer, unless a busy marker shows.
        (session("waiting", "input", "aider"), OTHER, True, 0, BUSY_PERSIST, False, None),
        (session("waiting", "input", "aider"), OTHER, True, 0, HOOK_SETTLE, False, P),
        # aider has no hook for a turn's start: after its turn-end hook, even a busy marker
        # must hold for longer.
        (session("waiting", "input", "aider"), BUSY, True, 0, BUSY_PERSIST, False, None),
        (session("waiting", "input", "aider"), BUSY, True, 0, HOOK_SETTLE, False, P),
        (session("waiting", "input", "aider", source="screen"), BUSY, True, 0, 1.0, False, P),
        (session("processing", preset="aider"), OTHER, False, QUIET_TICKS, 0, False, None),
        (session("processing", preset="aider"), OTHER, False, SILENT_TICKS, 0, False, W),
        (session("processing", preset="aider"), IDLE, False, STABLE_TICKS, 0, False, W),
        # Without hooks and without a screen model, output decides both ways.
        (
            session("waiting", "input", "my-repl", False, "screen"),
            OTHER,
            True,
            0,
            BUSY_PERSIST,
            False,
            P,
        ),
        (session("processing", None, "my-repl", False), OTHER, False, QUIET_TICKS, 0, False, W),
        (session("exited"), IDLE, False, 9, 0, False, None),
    ],
)
def test_decide(
    state: SessionState,
    screen: Screen,
    changed: bool,
    stable: int,
    active_for: float,
    ended: bool,
    expected: tuple[str, str | None, str] | None,
) -> None:
    assert decide(state, screen, changed, stable, active_for, ended) == expected


@pytest.mark.parametrize(
    ("state", "foreground", "expected"),
    [
        (session("waiting", "input", "shell", False, program="/bin/bash"), "sleep", P[:2]),
        (session("starting", None, "shell", False, program="/bin/bash"), "bash", W[:2]),
        (session("processing", None, "shell", False, program="/bin/bash"), "bash", W[:2]),
        (session("processing", None, "shell", False, program="/bin/bash"), "-bash", W[:2]),
        (session("processing", None, "shell", False, program="/usr/bin/zsh"), "vim", None),
        (session("waiting", "input", "shell", False, program="/bin/bash"), "bash", None),
        (session("waiting", "input", "shell", False, program="/bin/bash"), "", None),
    ],
)
def test_the_shell_is_busy_while_a_command_runs(
    state: SessionState, foreground: str, expected: tuple[str, str | None] | None
) -> None:
    decision = decide_shell(state, foreground)
    assert (decision[:2] if decision else None) == expected
    assert decision is None or decision[2] == "process"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_ticks(state: SessionState, screens: list[str], tick: float = 0.4) -> list[Decision | None]:
    """Feed captures to one watcher, one per tick; apply each decision as the file would."""
    clock = Clock()
    watcher = Watcher("/nonexistent", clock=clock)
    snap = Snapshot({"id": Pane("id", "@1", "%1", False, "1", "")}, {}, alive=True)
    decisions = []
    for screen in screens:
        decision = watcher._decide(state, snap, {"%1": screen})
        decisions.append(decision)
        if decision is not None:
            state.status, state.reason, state.source = decision
        clock.now += tick
    return decisions


def capture(name: str) -> str:
    return (SCREENS / f"{name}.txt").read_text(encoding="utf-8")


def test_claude_stop_hook_redraws_never_undo_the_turn_end() -> None:
    state = session("waiting", "input", "claude")  # the Stop hook said so
    screens = [capture("claude/turn_end_stop_hook")] * 10 + [capture("claude/after_turn_idle")] * 3
    assert run_ticks(state, screens) == [None] * 13


def test_codex_worked_for_redraw_after_notify_is_not_work() -> None:
    state = session("waiting", "input", "codex")  # the notify hook said so
    screens = [capture("codex/streaming"), *[capture("codex/turn_end")] * 10]
    assert run_ticks(state, screens) == [None] * 11


def test_codex_tail_of_a_streamed_turn_after_its_stop_hook_is_not_work() -> None:
    """3 flips in 100 steps live: Codex draws no busy marker while it streams, so the last
    frames of an answer, still changing after the Stop hook, were taken for new work.
    Its hooks report a turn's start: only that (or a busy marker that holds) is new work."""
    state = session("waiting", "input", "codex")  # the Stop hook said so
    composer = "\u203a Ask Codex"
    base = capture("codex/streaming")
    growing = [base.replace(composer, "• more\n" * n + composer) for n in range(1, 12)]
    hook_running = capture("codex/turn_end_stop_hook")  # "Working (…) · Running hook"
    screens = [*growing, *[hook_running] * 5, *[capture("codex/after_stop_hook")] * 3]
    assert len(growing) * 0.4 > HOOK_SETTLE  # longer than any settling allowance
    assert run_ticks(state, screens) == [None] * len(screens)


def test_codex_streaming_after_a_turn_end_is_work_once_it_keeps_coming_without_hooks() -> None:
    state = session("waiting", "input", "codex", hooked=False, source="screen")
    base = capture("codex/streaming")
    growing = [base.replace("word15", "word15 " + "more " * n) for n in range(8)]
    decisions = run_ticks(state, [capture("codex/turn_end"), *growing])
    assert P in decisions
    assert decisions.index(P) * 0.4 >= BUSY_PERSIST  # not on the first change


def test_codex_typing_is_not_work() -> None:
    state = session("waiting", "input", "codex")
    typing = capture("codex/typing")
    screens = [typing.replace("[[stream 12]]", "x" * n) for n in range(10)]
    assert run_ticks(state, screens) == [None] * 10


def test_claude_ctrl_c_goes_back_to_waiting() -> None:
    state = session("processing", None, "claude")
    screens = [capture("claude/streaming_before_ctrl_c"), *[capture("claude/after_ctrl_c")] * 4]
    decisions = run_ticks(state, screens)
    assert W in decisions
    assert state.status == "waiting"


def test_gemini_blank_boot_is_never_waiting() -> None:
    state = session("starting", None, "gemini")
    assert run_ticks(state, [""] * 60, tick=1.0) == [None] * 60
    assert state.status == "starting"


def test_a_busy_screen_that_stops_changing_is_marked_stalled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from q_tmux.tracking import state as state_module

    written: list[object] = []
    busy = session("processing", None, "claude")

    def set_field(_path: str, key: str, value: object) -> bool:
        assert key == "stalled_since"
        written.append(value)
        busy.stalled_since = value if isinstance(value, str) else None
        return True

    monkeypatch.setattr(state_module, "set_field", set_field)
    clock = Clock()
    watcher = Watcher("/nonexistent", clock=clock, stall_after=60.0)
    snap = Snapshot({"id": Pane("id", "@1", "%1", False, "1", "")}, {}, alive=True)
    screen = capture("claude/streaming")
    for seconds in range(0, 70, 5):
        # The spinner's clock runs, but nothing else changes.
        watcher._decide(busy, snap, {"%1": screen.replace("esc", f"{seconds}s esc")})
        clock.now += 5
    assert len(written) == 1
    assert isinstance(written[0], str)
    watcher._decide(busy, snap, {"%1": capture("claude/streaming_before_ctrl_c")})
    assert written[-1] is None  # the screen moved again


def test_gemini_ctrl_c_hint_and_after_agent_hook_keep_it_waiting() -> None:
    state = session("waiting", "input", "gemini")  # AfterAgent fires on Ctrl-C too
    screens = [capture("gemini/after_ctrl_c_early")] * 8 + [capture("gemini/after_ctrl_c")] * 3
    assert run_ticks(state, screens) == [None] * 11


def test_aider_boot_is_starting_until_its_prompt_then_waiting() -> None:
    state = session("starting", None, "aider")
    boot = ["", capture("aider/booting_blank"), capture("aider/booting_partial")]
    decisions = run_ticks(state, [*boot * 4, *[capture("aider/idle")] * 3])
    assert decisions[:12] == [None] * 12  # neither waiting nor processing while it boots
    assert decisions[12:] == [None, None, W]


def test_aider_streaming_after_its_notify_is_work() -> None:
    state = session("waiting", "input", "aider")
    base = capture("aider/streaming")
    growing = [base + " more" * n for n in range(1, 12)]
    decisions = run_ticks(state, growing)
    assert P in decisions


def test_codex_approved_command_and_answer_are_work_without_hooks() -> None:
    state = session("waiting", "approval", "codex", hooked=False, source="screen")
    after = capture("codex/after_approve").replace("Worked for 4s", "")  # not over yet
    composer = "\u203a Ask Codex"
    growing = [after.replace(composer, "• more\n" * n + composer) for n in range(1, 8)]
    assert all(read("codex", screen).screen is IDLE for screen in growing)
    decisions = run_ticks(state, [capture("codex/approval"), *growing])
    assert P in decisions
    assert state.status == "processing"


def test_a_hooks_turn_end_is_not_undone_by_the_output_before_it() -> None:
    """Codex streamed, its notify said the turn ended, then it redrew once (seen live)."""
    clock = Clock()
    watcher = Watcher("/nonexistent", clock=clock)
    state = session("processing", None, "codex")
    snap = Snapshot({"id": Pane("id", "@1", "%1", False, "1", "")}, {}, alive=True)
    composer = "\u203a Ask Codex"
    base = capture("codex/streaming")
    for n in range(1, 8):  # streaming for 2.8 s
        screen = base.replace(composer, "• more\n" * n + composer)
        assert watcher._decide(state, snap, {"%1": screen}) is None
        clock.now += 0.4
    state.status, state.reason, state.source = Status.WAITING, Reason.INPUT, Source.HOOK  # notify
    assert watcher._decide(state, snap, {"%1": capture("codex/turn_end")}) is None
    clock.now += 0.4
    assert watcher._decide(state, snap, {"%1": capture("codex/turn_end")}) is None


def test_a_waiting_pane_is_looked_at_a_little_after_its_last_output() -> None:
    """tmux's activity time counts seconds: output in the same second as the last look
    (aider's approval question right after its token count) must not be missed."""
    clock = Clock()
    watcher = Watcher("/nonexistent", clock=clock)
    waiting = session("waiting", "input", "aider")
    snap = Snapshot({"id": Pane("id", "@1", "%1", False, "100", "")}, {}, alive=True)
    assert watcher._wants_capture(waiting, snap)  # never looked at
    watcher.seen["id"] = Seen(activity="100", activity_moved=clock.now)
    clock.now += 1.0
    assert watcher._wants_capture(waiting, snap)  # same second, but output just came
    clock.now += ACTIVITY_TAIL
    assert not watcher._wants_capture(waiting, snap)  # quiet: no capture, no cost
    snap.panes["id"].activity = "104"
    assert watcher._wants_capture(waiting, snap)


def test_a_watcher_leaving_as_a_session_starts_looks_once_more(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live on Gemini: 'resume' came while the last watcher was leaving (still named),
    so no watcher was started, and the resumed session stayed 'starting' for good."""
    from q_tmux.tracking import watcher as module
    from q_tmux.tracking import watchlock

    server.new_session("main", window_command="sleep 300")
    socket = str(server.cmd("display-message", "-p", "-t", "main:", "#{socket_path}").stdout[0])
    rounds: list[str] = []

    def watch(watcher: object, version: object, me: str) -> None:
        rounds.append("watched as named" if watchlock.named(socket) == me else "watched")

    monkeypatch.setattr(module, "watch", watch)
    answers = iter([True, False])  # a session came back; then none is left
    monkeypatch.setattr(module, "still_needed", lambda watcher: next(answers))
    assert module.run(socket) == 0
    assert rounds == ["watched as named"] * 2
    assert watchlock.named(socket) == ""  # released on the way out


@pytest.mark.parametrize(
    ("state", "screen", "active_for", "submitted", "expected"),
    [
        # aider after its notify: output alone must keep coming for HOOK_SETTLE ...
        (session("waiting", "input", "aider"), OTHER, BUSY_PERSIST, False, None),
        (session("waiting", "input", "aider"), BUSY, BUSY_PERSIST, False, None),
        # ... but input submitted once the prompt was back is a new turn: a second will do.
        (session("waiting", "input", "aider"), OTHER, BUSY_PERSIST, True, P),
        (session("waiting", "input", "aider"), BUSY, BUSY_PERSIST, True, P),
        (session("waiting", "input", "aider"), OTHER, 0.4, True, None),
    ],
)
def test_decide_submitted_input(
    state: SessionState,
    screen: Screen,
    active_for: float,
    submitted: bool,
    expected: tuple[str, str | None, str] | None,
) -> None:
    assert decide(state, screen, True, 0, active_for, False, True, submitted) == expected


def aider_turn(prompt: str, words: int) -> str:
    """aider's screen after a finished turn, with the next prompt submitted and answered."""
    finished = capture("aider/turn_end").rstrip().removesuffix("diff>").rstrip()
    answer = " ".join(f"word{n}" for n in range(words))
    return f"{finished}\ndiff> {prompt}\n{answer}\n"


def test_aider_new_turn_after_its_notify_is_work_within_a_second() -> None:
    """Live, 3 flips in 100 steps: after the notify, a new turn counted as work only after
    3 s of output, so a 2-3 s answer was seen `processing` only after it had ended.
    Input submitted once the prompt was back is a new turn: it needs only BUSY_PERSIST."""
    state = session("waiting", "input", "aider")  # the notify said so
    prompt = capture("aider/turn_end")
    typed = prompt.rstrip() + " step 2 [[stream 3]]\n"
    assert read("aider", typed).screen is IDLE  # typing: not work
    new_turn = [aider_turn("step 2 [[stream 3]]", n) for n in range(1, 12)]
    assert read("aider", new_turn[0]).submitted
    decisions = run_ticks(state, [prompt, prompt, typed, typed, *new_turn])
    assert decisions[:4] == [None] * 4
    at = [d == P for d in decisions].index(True) - 4  # ticks of 0.4 s into the new turn
    assert BUSY_PERSIST <= at * 0.4 < HOOK_SETTLE


def test_aider_tail_of_a_turn_after_its_notify_is_not_work() -> None:
    """The rule and the prompt drawn after the notify, and typing: never work."""
    state = session("waiting", "input", "aider")
    finished = capture("aider/turn_end").rstrip().removesuffix("diff>").rstrip()
    assert read("aider", finished).submitted  # the old turn's input, with its answer below
    prompt = capture("aider/turn_end")
    typing = [prompt.rstrip() + " " + "x" * n + "\n" for n in range(1, 8)]
    screens = [finished, finished, prompt, *typing, prompt]
    assert run_ticks(state, screens) == [None] * len(screens)


def test_aider_turn_end_renewed_by_its_notify_drops_the_work_seen_before_it() -> None:
    """Live: a short answer was still being taken up (input submitted, 0.8 s of work) when
    the notify said the turn was over again; the work carried on counting through the
    tail drawn before the prompt, and ended 'processing' after the turn (4 flips)."""
    clock = Clock()
    watcher = Watcher("/nonexistent", clock=clock)
    snap = Snapshot({"id": Pane("id", "@1", "%1", False, "1", "")}, {}, alive=True)
    state = session("waiting", "input", "aider")  # the last turn's notify
    state.changed_at = "t1"
    prompt = capture("aider/turn_end")
    new_turn = [aider_turn("step 2 [[stream 2]]", n) for n in range(1, 4)]
    tail = new_turn[-1] + "Tokens: 2.3k sent, 105 received.\n" + "─" * 40 + "\n"
    decisions = []
    for screen in [prompt, prompt, *new_turn[:2]]:
        decisions.append(watcher._decide(state, snap, {"%1": screen}))
        clock.now += 0.4
    state.changed_at = "t2"  # the notify renewed "waiting": this turn is over
    for screen in [new_turn[2], tail, tail, tail, tail, prompt, prompt]:
        decisions.append(watcher._decide(state, snap, {"%1": screen}))
        clock.now += 0.4
    assert decisions == [None] * len(decisions)


def test_a_tick_never_judges_a_newer_record_by_an_older_pane(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seen under load: ``resume`` respawned a dead agent between the watcher's two reads.
    Panes read first (dead) and the record second (``starting``, written by resume) made
    the tick mark the resumed session ``exited`` for good. The record is read first, so the
    panes a tick judges it by are never older than it."""
    from q_tmux.tracking import state as state_module
    from q_tmux.tracking import status_line

    written: list[object] = []
    old_world = {
        "pane": Pane("id", "@1", "%1", True, "0", ""),
        "record": session("exited", None, source="process"),
    }
    new_world = {
        "pane": Pane("id", "@1", "%1", False, "0", ""),
        "record": session("starting", None, source="process"),
    }
    reads: list[str] = []

    def world() -> dict[str, object]:
        return old_world if len(reads) < 2 else new_world  # resume lands after the first read

    def snapshot(socket: str) -> status_line.Snapshot:
        reads.append("panes")
        pane = world()["pane"]
        assert isinstance(pane, Pane)
        return status_line.Snapshot({"id": pane}, {}, alive=True)

    def sessions_on(socket: str) -> list[SessionState]:
        reads.append("records")
        current = world()["record"]
        assert isinstance(current, SessionState)
        return [current]

    monkeypatch.setattr(status_line, "snapshot", snapshot)
    monkeypatch.setattr(status_line, "sessions_on", sessions_on)
    # The watcher reads the files through its stat-checked copy of sessions_on.
    monkeypatch.setattr(SessionFiles, "sessions_on", lambda self, socket: sessions_on(socket))
    monkeypatch.setattr(status_line, "publish", lambda *args: None)
    monkeypatch.setattr(state_module, "set_status", lambda *args, **kw: written.append(args))
    watcher = Watcher("/nonexistent", clock=Clock())
    monkeypatch.setattr(watcher, "_capture", lambda pane_ids: {})
    monkeypatch.setattr(watcher, "check_conflicts", lambda sessions: None)
    reads.append("start")  # the world changes after the tick's first read
    watcher.tick()
    assert reads[1] == "records"
    assert written == []
