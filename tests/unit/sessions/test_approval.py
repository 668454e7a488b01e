"""What each agent's approval question asks, read from real captured screens; the keys it
takes; and the tmux command line that presses them. Milliseconds, no tmux."""

from __future__ import annotations

from pathlib import Path

import pytest

from q_tmux.errors import UsageError
from q_tmux.sessions.approval import ALWAYS, APPROVE, DENY, keys_for, read_request, send_keys_args

TESTS = Path(__file__).resolve().parents[2]
#: Both folders hold real captures (tmux capture-pane -p -J, 120x40).
FOLDERS = [TESTS / "screens", TESTS / "real_agents" / "screens"]

ASKS: dict[str, tuple[str, str | None]] = {
    "claude/approval": ("echo approved-run > /tmp/lab/claude/ran.txt", "Bash"),
    "claude/approval2": ("echo denied-run > /tmp/lab/claude/denied.txt", "Bash"),
    "codex/approval": ("echo second-run > /tmp/lab/codex/ran2.txt", None),
    "gemini/approval": ("echo approved-run > /tmp/lab/gemini/ran.txt", "Shell"),
    "gemini/approval2": ("echo denied > /tmp/lab/gemini/denied.txt", "Shell"),
    "aider/approval": ("echo approved-run > /tmp/lab/aider/ran.txt", "shell"),
    "aider/add_output_question": ("Add command output to the chat?", None),
}


def screen(folder: Path, name: str) -> str:
    return (folder / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("folder", FOLDERS, ids=["screens", "real_agents"])
@pytest.mark.parametrize("name", sorted(ASKS))
def test_the_request_is_read_from_a_real_approval_screen(folder: Path, name: str) -> None:
    assert read_request(name.split("/")[0], screen(folder, name)) == ASKS[name]


@pytest.mark.parametrize("folder", FOLDERS, ids=["screens", "real_agents"])
def test_no_other_captured_screen_asks_anything(folder: Path) -> None:
    for path in sorted(folder.glob("*/*.txt")):
        name = f"{path.parent.name}/{path.stem}"
        if name not in ASKS and not name.endswith(".ansi"):
            assert read_request(path.parent.name, path.read_text(encoding="utf-8")) is None, name


def test_claudes_call_wrapped_at_80_columns_is_joined_again() -> None:
    """A real capture (tests/real_agents/test_approve.py) in an 80-column pane."""
    shown = (Path(__file__).parent / "screens" / "claude_approval_80_columns.txt").read_text()
    folder = "/tmp/pytest-of-root/pytest-604/test_claude_is_approved_and_de0/src/app.worktrees"
    assert read_request("claude", shown) == (f"echo approve > {folder}/ask-approve.txt", "Bash")


@pytest.mark.parametrize(
    ("agent", "tool"), [("codex", None), ("gemini", "Shell"), ("aider", "shell")]
)
def test_a_command_the_agent_wrapped_at_80_columns_is_joined_where_it_was_cut(
    agent: str, tool: str | None
) -> None:
    """Real captures (tests/real_agents/test_approve.py): each agent broke the command
    after ``>`` (kept: it may be a line break) and cut the path at the width (joined)."""
    shown = (Path(__file__).parent / "screens" / f"{agent}_approval_80_columns.txt").read_text()
    text, found_tool = read_request(agent, shown) or ("", "")
    first, path = text.split("\n")
    assert (first, found_tool) == ("echo approve >", tool)
    assert path.startswith("/tmp/pytest-of-root/")
    assert path.endswith("/app.worktrees/ask-approve.txt")
    assert " " not in path


QUESTION = "Allow this action? Use 't' to trust (always allow) this tool for the session. [y/n/t]:"


def q_screen(*tool_lines: str) -> str:
    """A screen as Q draws a tool it asks about (lines from its README's transcripts)."""
    return "\n".join(["> Let me look.", "", *tool_lines, "", "", QUESTION, "", "> "])


def test_q_shows_the_command_of_a_shell_tool() -> None:
    shown = q_screen(
        "🛠️  Using tool: execute_bash",
        " ⋮ ",
        " ● I will run the following shell command: ",
        "chmod +x /home/me/list_nodes.py",
        " ⋮ ",
        " ↳ Purpose: make it runnable",
    )
    assert read_request("q", shown) == ("chmod +x /home/me/list_nodes.py", "execute_bash")
    assert read_request("kiro-cli", shown) == ("chmod +x /home/me/list_nodes.py", "execute_bash")


def test_q_shows_the_path_of_a_file_tool_and_a_trusted_tools_name_alone() -> None:
    shown = q_screen("🛠️  Using tool: fs_write", " ⋮ ", " ● Path: src/app.py")
    assert read_request("q", shown) == ("Path: src/app.py", "fs_write")
    assert read_request("q", q_screen("🛠️  Using tool: knowledge")) == ("knowledge", "knowledge")


def test_a_question_without_a_tool_above_it_stands_for_itself() -> None:
    assert read_request("q", q_screen()) == (QUESTION, None)


def test_an_answered_question_asks_nothing() -> None:
    assert read_request("q", q_screen("🛠️  Using tool: execute_bash") + "y\n> Echo") is None


def test_each_agent_answers_with_its_own_keys() -> None:
    assert keys_for("q", APPROVE) == ("y", "Enter")
    assert keys_for("kiro-cli", ALWAYS) == ("t", "Enter")
    assert keys_for("claude", DENY) == ("Escape",)
    assert keys_for("codex", APPROVE) == ("y",)
    assert keys_for("gemini", ALWAYS) == ("2",)
    assert keys_for("aider", DENY) == ("n", "Enter")


def test_always_is_refused_where_the_agent_has_no_such_answer() -> None:
    with pytest.raises(UsageError, match=r"^aider's questions have no answer that always allows"):
        keys_for("aider", ALWAYS)
    with pytest.raises(UsageError, match="cannot answer the questions of agent 'shell'"):
        keys_for("shell", APPROVE)


def test_text_is_typed_literally_and_named_keys_are_pressed_in_one_tmux_call() -> None:
    assert send_keys_args("%3", ("y;", "Enter")) == [
        *("send-keys", "-t", "%3", "-l", "--", "y\\;", ";"),
        *("send-keys", "-t", "%3", "Enter"),
    ]


def test_an_answer_imports_neither_click_nor_libtmux_nor_pydantic(tmp_path: Path) -> None:
    """The 150 ms figure rests on it: ``approve`` runs on the standard library only."""
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "q_tmux", "approve", "nobody"],
        env={**os.environ, "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.endswith("q-tmux: There is no session named 'nobody'; see 'q-tmux list'.\n")
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "q_tmux.sessions.approval" in imported
    assert not {"click", "libtmux", "pydantic", "plumbum", "subprocess"} & imported
