"""The real agents hear, with each prompt, which other sessions change the files they change.

One real agent in a session, and beside it a second session of the same
repository (a plain shell: it only has to be live) whose branch changed a file
the agent's worktree changes too. The request the model server receives for the
agent's next prompt must name that session, its task and the file: through the
prompt hook (Claude Code, Codex, Gemini CLI), or the ``--read`` file the
watcher keeps (aider, which reads it again for each message).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.adapters.tmux_vocabulary import socket_path
from q_tmux.tracking import awareness
from tests.conftest import QTmux, git, wait_for
from tests.real_agents import scenario
from tests.real_agents.agents_ui import AIDER, CLAUDE, CODEX, GEMINI
from tests.real_agents.conftest import MakeConversation
from tests.real_agents.conversation import AgentUI

pytestmark = pytest.mark.real_agents

TASK = "Rewrite the shared greeting for the launch"


def summary_names(repo: Path, server: Server) -> dict[str, list[str]]:
    path = Path(awareness.summary_path(str(repo), socket_path(server.socket_name)))
    try:
        sessions = json.loads(path.read_text()).get("sessions") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    return {s["name"]: s["files"] for s in sessions.values()}


@pytest.mark.parametrize("ui", [CLAUDE, CODEX, GEMINI, AIDER], ids=lambda ui: ui.preset)
def test_the_model_is_told_which_other_session_changes_the_agents_files(
    conversation: MakeConversation, qtmux: QTmux, server: Server, repo: Path, ui: AgentUI
) -> None:
    (repo / "shared.txt").write_text("hello\n")
    git(repo, "add", "shared.txt")
    git(repo, "commit", "-qm", "a file both sessions change")
    conv = conversation(ui, "aware")
    conv.start()
    scenario.boot(conv, "idle")
    qtmux.ok("new", "greeter", "--agent", "shell", "--detach", TASK, cwd=repo)
    greeter = repo.parent / f"{repo.name}.worktrees" / "greeter"
    (greeter / "shared.txt").write_text("hello, launch\n")
    git(greeter, "commit", "-qam", "new greeting")
    (conv.work_dir / "shared.txt").write_text("hello there\n")  # uncommitted, in the agent's
    wait_for(
        lambda: (
            "shared.txt" in summary_names(repo, server).get("aware", [])
            and summary_names(repo, server).get("greeter") == ["shared.txt"]
        ),
        timeout=60,
        what=lambda: f"the watcher's summary naming both, got {summary_names(repo, server)}",
    )
    started = time.monotonic()
    conv.type("what should I mind [[quick]]")
    request = conv.main_request_after(started)
    sent = "\n".join(scenario.texts_in_all(request.body)) or request.text
    line = f'- greeter (task: "{TASK}"): also changes shared.txt'
    # Gemini writes < and > of hook context as entities; nothing else is changed.
    assert line in sent or line in request.text, f"{ui.preset} sent: {sent[-2000:]}"
