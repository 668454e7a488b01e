"""``q-tmux approve`` / ``deny`` and ``list --json``'s ``pending_request``, on a real tmux server
with the stand-in Q asking for approval as Q does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.sessions import approval
from tests.commands.test_live_state import (
    APPROVAL_SCREEN,
    INPUT_HOOK,
    INPUT_SCREEN,
    start,
    type_line,
    until,
    window_of,
)
from tests.conftest import QTmux, pane_text, wait_for


def asking(qtmux: QTmux, repo: Path, name: str, command: str) -> Path:
    """A session whose stand-in asks to run ``command``."""
    work = start(qtmux, repo, name)
    until(work, INPUT_SCREEN, INPUT_HOOK)
    type_line(qtmux.server, window_of(work), f"please use a tool: {command}")
    until(work, APPROVAL_SCREEN)
    return work


def answers(server: Server, work: Path) -> list[str]:
    """The answers typed at the stand-in's approval prompt so far."""
    screen = server.cmd("capture-pane", "-p", "-J", "-S", "-", "-t", window_of(work)).stdout
    lines = [line.strip() for line in screen if line.strip()]
    return [
        lines[i + 1]
        for i, line in enumerate(lines[:-1])
        if line.startswith("Allow this action?") and lines[i + 1] != ">"
    ]


def test_approve_prints_the_request_and_answers_with_the_agents_key(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = asking(qtmux, repo, "asker", "echo hi-there")
    result = qtmux("approve", "asker", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["asker asks (execute_bash): echo hi-there", "Approved."]
    until(work, INPUT_HOOK)
    assert "Echo: please use a tool: echo hi-there" in pane_text(server, window_of(work))
    assert answers(server, work) == ["> y"]


def test_deny_answers_no(qtmux: QTmux, repo: Path, server: Server) -> None:
    work = asking(qtmux, repo, "refuse", "rm -rf build")
    result = qtmux("deny", "refuse", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "refuse asks (execute_bash): rm -rf build"
    until(work, INPUT_HOOK)
    assert "I will not run it" in pane_text(server, window_of(work))
    assert answers(server, work) == ["> n"]


def test_approve_always_trusts_the_tool_so_the_next_use_is_not_asked(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = asking(qtmux, repo, "truster", "echo one")
    assert qtmux("approve", "--always", "truster", cwd=repo).returncode == 0
    until(work, INPUT_HOOK)
    assert answers(server, work) == ["> t"]
    type_line(server, window_of(work), "again a tool: echo two")
    wait_for(
        lambda: "Echo: again a tool: echo two" in pane_text(server, window_of(work)),
        what="the second tool to run unasked",
    )
    assert pane_text(server, window_of(work)).count("Allow this action?") == 1


def test_a_session_that_is_not_asking_is_refused_and_nothing_is_typed(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = start(qtmux, repo, "idle", "hello")
    until(work, INPUT_HOOK)
    wait_for(  # the stop hook's line, then the bare prompt: the screen is still
        lambda: (
            "hooks finished" in pane_text(server, window_of(work))
            and pane_text(server, window_of(work)).rstrip().endswith("\n>")
        ),
        what="the prompt after the stop hook",
    )
    before = pane_text(server, window_of(work))
    for verb in ("approve", "deny"):
        result = qtmux(verb, "idle", cwd=repo)
        assert result.returncode == 1
        assert result.stderr == (
            "q-tmux: Session 'idle' is not asking for approval; nothing was typed.\n"
        )
    assert pane_text(server, window_of(work)) == before


def test_unknown_gone_and_exited_sessions_are_refused(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    result = qtmux("approve", "nobody", cwd=repo)
    assert (result.returncode, result.stderr) == (
        1,
        "q-tmux: There is no session named 'nobody'; see 'q-tmux list'.\n",
    )
    quitter = asking(qtmux, repo, "quitter", "true")
    server.cmd("send-keys", "-t", window_of(quitter), "C-d")  # EOF at the question: it exits
    until(quitter, ("exited", None, "process"))
    result = qtmux("approve", "quitter", cwd=repo)
    assert (result.returncode, result.stderr) == (
        1,
        "q-tmux: Session 'quitter''s agent is not running; nothing was typed.\n",
    )
    gone = asking(qtmux, repo, "gone", "true")
    window = window_of(gone)
    before = pane_text(server, window)
    shutil.rmtree(gone)
    result = qtmux("approve", "gone", cwd=repo)
    assert result.returncode == 1
    assert result.stderr.startswith("q-tmux: Session 'gone' is gone (its directory ")
    assert result.stderr.count("\n") == 1
    assert pane_text(server, window) == before


def test_a_question_answered_between_the_two_reads_is_not_answered_again(
    qtmux: QTmux, repo: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = asking(qtmux, repo, "racer", "echo race")
    window = window_of(work)
    real_capture = approval.capture

    def capture(socket: str, pane_id: str) -> str | None:
        # The read again before typing (the first read was approval.look's): the user
        # answers in the window just before it.
        type_line(server, window, "y")
        wait_for(
            lambda: approval.read_request("q", real_capture(socket, pane_id) or "") is None,
            what="the question to go",
        )
        return real_capture(socket, pane_id)

    monkeypatch.setattr(approval, "capture", capture)
    result = qtmux("deny", "racer", cwd=repo)
    assert result.returncode == 1
    assert result.stdout == "racer asks (execute_bash): echo race\n"
    assert result.stderr == (
        "q-tmux: Session 'racer''s screen changed since it was read; nothing was typed.\n"
    )
    until(work, INPUT_HOOK)
    assert answers(server, work) == ["> y"]  # the user's answer only: no "n" after it


def test_without_a_name_the_session_here_first_then_the_longest_asking(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    first = asking(qtmux, repo, "first", "echo first")
    second = asking(qtmux, repo, "second", "echo second")
    result = qtmux("deny", cwd=second)  # inside second's worktree: second, though first is older
    assert result.stdout.splitlines()[0] == "second asks (execute_bash): echo second"
    result = qtmux("approve", cwd=repo)
    assert result.stdout.splitlines()[0] == "first asks (execute_bash): echo first"
    until(first, INPUT_HOOK)
    until(second, INPUT_HOOK)
    assert answers(server, first) == ["> y"]
    assert answers(server, second) == ["> n"]
    result = qtmux("approve", cwd=repo)
    assert (result.returncode, result.stderr) == (
        1,
        "q-tmux: No session is asking for approval; nothing was typed.\n",
    )


def test_list_json_carries_the_pending_request_only_while_asking(
    qtmux: QTmux, repo: Path, server: Server
) -> None:
    work = asking(qtmux, repo, "lister", "touch notes.txt")
    start(qtmux, repo, "quiet", "hello")

    def items() -> dict[str, dict[str, object]]:
        return {item["name"]: item for item in qtmux.ok("list", "--json", cwd=repo).json()}

    listed = items()
    assert listed["lister"]["pending_request"] == {
        "text": "touch notes.txt",
        "tool": "execute_bash",
    }
    assert "pending_request" not in listed["quiet"]
    qtmux.ok("approve", "lister", cwd=repo)
    until(work, INPUT_HOOK)
    assert "pending_request" not in items()["lister"]
