"""Notifications outside tmux, end to end: the stand-in q asks, a webhook on 127.0.0.1 hears."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.store import xdg
from tests.commands.test_live_state import (
    APPROVAL_SCREEN,
    INPUT_HOOK,
    INPUT_SCREEN,
    start,
    type_line,
    until,
    window_of,
)
from tests.conftest import QTmux, wait_for
from tests.webhook_server import Endpoint, endpoint


@pytest.fixture
def hook() -> Iterator[Endpoint]:
    with endpoint() as point:
        yield point


def configure(text: str) -> None:
    """The user's config.toml, as the watcher and the agent's hooks (same HOME) read it."""
    path = Path(xdg.config_dir()) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_an_approval_question_reaches_the_webhook_with_its_request(
    qtmux: QTmux, repo: Path, server: Server, hook: Endpoint
) -> None:
    configure(f"[notify]\nwebhook = '{hook.url}'\n")
    work = start(qtmux, repo, "asker")
    until(work, INPUT_SCREEN, INPUT_HOOK)  # input: not in the default `on`
    type_line(server, window_of(work), "please use a tool")
    until(work, APPROVAL_SCREEN)
    wait_for(lambda: hook.received, what="the webhook to be called")
    sent = hook.received[0]
    assert (sent["session"], sent["reason"], sent["branch"]) == ("asker", "approval", "asker")
    assert sent["repository"] == str(repo)
    assert sent["request"].startswith("Allow this action?")
    assert sent["text"] == f"q-tmux: asker waits for approval: {sent['request']}"
    assert [each["reason"] for each in hook.received] == ["approval"]


def test_the_end_of_a_turn_notifies_input_from_the_agents_hook_when_asked(
    qtmux: QTmux, repo: Path, hook: Endpoint
) -> None:
    configure(f"[notify]\nwebhook = '{hook.url}'\non = ['input']\n")
    work = start(qtmux, repo, "talker", "hello")
    until(work, INPUT_HOOK)
    wait_for(lambda: hook.received, what="the webhook to be called")
    assert hook.received[0]["reason"] == "input"
    assert hook.received[0]["request"] is None


def test_doctor_says_how_notifications_go_and_refuses_a_malformed_url(
    qtmux: QTmux, repo: Path, hook: Endpoint
) -> None:
    configure(f"[notify]\nwebhook = '{hook.url}'\n")
    shown = hook.url.removesuffix("hook") + "…"
    assert f"ok  notifications by webhook {shown}\n" in qtmux("doctor", cwd=repo).stdout
    configure("[notify]\nwebhook = 'localhost:8080'\n")
    result = qtmux("doctor", cwd=repo)
    assert result.returncode == 1
    assert (
        "!!  "
        f"{Path(xdg.config_dir()) / 'config.toml'}: key 'notify.webhook': 'localhost:8080' is not "
        "an http:// or https:// URL.\n"
    ) in result.stdout
