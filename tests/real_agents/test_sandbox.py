"""The sandbox HOME each real agent runs in: first-run dialogs skipped, pointed at the server."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from tests.conftest import worktree
from tests.real_agents.sandbox import ANTHROPIC_KEY, prepare_home, trusted_dirs


def test_the_worktrees_q_tmux_makes_are_trusted(tmp_path: Path) -> None:
    repo = tmp_path / "src" / "app"
    assert worktree(repo, "talk") in trusted_dirs(repo, ["talk"])


def test_claude_skips_onboarding_key_and_trust_dialogs(tmp_path: Path) -> None:
    dirs = trusted_dirs(tmp_path / "src" / "app", ["talk"])
    env = prepare_home("claude", tmp_path, "http://127.0.0.1:9", dirs)
    config = json.loads((tmp_path / ".claude.json").read_text())
    assert config["hasCompletedOnboarding"] is True
    assert config["customApiKeyResponses"]["approved"] == [ANTHROPIC_KEY[-20:]]
    for folder in dirs:
        assert config["projects"][str(folder)]["hasTrustDialogAccepted"] is True
    assert env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9"


def test_codex_runs_in_process_against_the_server_with_trusted_folders(tmp_path: Path) -> None:
    dirs = trusted_dirs(tmp_path / "src" / "app", ["talk"])
    env = prepare_home("codex", tmp_path, "http://127.0.0.1:9", dirs)
    config = tomllib.loads((Path(env["CODEX_HOME"]) / "config.toml").read_text())
    assert (
        config["model_providers"][config["model_provider"]]["base_url"] == "http://127.0.0.1:9/v1"
    )
    assert config["approval_policy"] == "on-request"
    assert config["features"]["daemon_auto_start"] is False
    assert {str(d) for d in dirs} <= set(config["projects"])


def test_gemini_and_aider_need_no_network(tmp_path: Path) -> None:
    env = prepare_home("gemini", tmp_path, "http://127.0.0.1:9", [])
    settings = json.loads((tmp_path / ".gemini" / "settings.json").read_text())
    assert settings["security"]["auth"]["selectedType"] == "gemini-api-key"
    assert env["GOOGLE_GEMINI_BASE_URL"] == "http://127.0.0.1:9"
    prepare_home("aider", tmp_path, "http://127.0.0.1:9", [])
    conf = (tmp_path / ".aider.conf.yml").read_text()
    assert 'openai-api-base: "http://127.0.0.1:9/v1"' in conf
    prices = tmp_path / ".aider" / "caches" / "model_prices_and_context_window.json"
    assert json.loads(prices.read_text())  # non-empty: aider fetches the list otherwise
