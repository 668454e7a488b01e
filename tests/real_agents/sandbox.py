"""Setting up a sandbox HOME in which each real agent runs offline against the model server.

Everything here follows ``notes/real-agents.md``: first-run dialogs are skipped
by the agents' own settings files, and each agent is pointed at the server by
its own environment variables. Nothing touches a real user's settings.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from q_tmux.agents.gemini import writable_by_others

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Where scripts/install-agents puts the agents' entry points.
AGENTS_BIN = REPO_ROOT / ".agents" / "bin"
AGENTS = ("claude", "codex", "gemini", "aider")
#: Any value works offline; Claude Code remembers the last 20 characters as approved.
ANTHROPIC_KEY = "sk-ant-api03-test-key-for-the-local-model-server-0123456789abcdef"
MODEL = "test-model"


#: The user's HOME as the test run found it (tests pin HOME to a temp dir later).
_REAL_HOME = Path(os.environ.get("HOME") or Path.home())


def outside_tmp_home() -> Path:
    """A fresh private HOME (mode 700) with no folder above it writable by others.

    Gemini CLI skips a settings file when any folder above it is writable by others
    (as /tmp is), and q-tmux keeps Gemini's hook settings under HOME. The homes go
    under .agents/homes/ in this checkout, or under the user's ~/.cache when the
    checkout itself lies below such a folder (a clone in /tmp).
    """
    candidates = [AGENTS_BIN.parent / "homes", _REAL_HOME / ".cache" / "q-tmux-test-homes"]
    base = next((c for c in candidates if writable_by_others(c) is None), candidates[0])
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="home-", dir=base))


def agent_path(agent: str) -> Path:
    return AGENTS_BIN / agent


def installed(agent: str) -> bool:
    return agent_path(agent).exists()


def trusted_dirs(repo: Path, worktree_names: Iterable[str]) -> list[Path]:
    """The folders an agent will run in: the repo, and q-tmux's worktrees of it.

    q-tmux makes worktrees at ``<repo-parent>/<repo>.worktrees/NAME``.
    """
    base = repo.parent / f"{repo.name}.worktrees"
    dirs = [repo, base, *(base / name for name in worktree_names)]
    # Temp dirs may sit behind a symlink (macOS /var -> /private/var): trust both spellings.
    return list(dict.fromkeys([*dirs, *(d.resolve() for d in dirs)]))


def prepare_home(agent: str, home: Path, url: str, dirs: Iterable[Path]) -> dict[str, str]:
    """Write ``agent``'s settings into ``home``; return the environment it needs."""
    folders = [str(d) for d in dirs]
    env = {
        "HOME": str(home),
        "PATH": f"{AGENTS_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "TERM": "xterm-256color",
    }
    if agent == "claude":
        env |= _claude(home, url, folders)
    elif agent == "codex":
        env |= _codex(home, url, folders)
    elif agent == "gemini":
        env |= _gemini(home, url)
    elif agent == "aider":
        env |= _aider(home, url)
    else:
        raise ValueError(f"unknown agent {agent}")
    return env


def _claude(home: Path, url: str, dirs: list[str]) -> dict[str, str]:
    project = {
        "hasTrustDialogAccepted": True,
        "hasCompletedProjectOnboarding": True,
        "allowedTools": [],
        "projectOnboardingSeenCount": 1,
    }
    config = {
        "hasCompletedOnboarding": True,
        "theme": "dark",
        "autoUpdates": False,
        "customApiKeyResponses": {"approved": [ANTHROPIC_KEY[-20:]], "rejected": []},
        "projects": {d: project for d in dirs},
    }
    (home / ".claude.json").write_text(json.dumps(config, indent=2))
    (home / ".claude").mkdir(exist_ok=True)
    return {
        "ANTHROPIC_BASE_URL": url,
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }


def _codex(home: Path, url: str, dirs: list[str]) -> dict[str, str]:
    codex_home = home / ".codex"
    codex_home.mkdir(exist_ok=True)
    lines = [
        f'model = "{MODEL}"',
        'model_provider = "local"',
        'approval_policy = "on-request"',
        'sandbox_mode = "workspace-write"',
        "check_for_update_on_startup = false",
        "",
        "[model_providers.local]",
        'name = "local"',
        f'base_url = "{url}/v1"',
        'env_key = "LOCAL_MODEL_KEY"',
        'wire_api = "responses"',
        "request_max_retries = 0",
        "stream_max_retries = 0",
        "",
        "[features]",
        "# 0.169 otherwise runs the conversation in a daemon that outlives the pane.",
        "daemon_auto_start = false",
    ]
    for d in dirs:
        lines += ["", f"[projects.{json.dumps(d)}]", 'trust_level = "trusted"']
    (codex_home / "config.toml").write_text("\n".join(lines) + "\n")
    return {"CODEX_HOME": str(codex_home), "LOCAL_MODEL_KEY": "test-key"}


def _gemini(home: Path, url: str) -> dict[str, str]:
    gemini_dir = home / ".gemini"
    gemini_dir.mkdir(exist_ok=True)
    settings = {
        "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": False}},
        "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
        "telemetry": {"enabled": False},
        "privacy": {"usageStatisticsEnabled": False},
    }
    (gemini_dir / "settings.json").write_text(json.dumps(settings, indent=2))
    return {"GEMINI_API_KEY": "test-key", "GOOGLE_GEMINI_BASE_URL": url}


def _aider(home: Path, url: str) -> dict[str, str]:
    conf = {
        "model": f"openai/{MODEL}",
        "openai-api-base": f"{url}/v1",
        "openai-api-key": "test-key",
        "edit-format": "diff",
        "check-update": False,
        "show-release-notes": False,
        "analytics-disable": True,
        "show-model-warnings": False,
        "gitignore": False,
        "auto-commits": False,
        "detect-urls": False,
    }
    text = "".join(f"{k}: {json.dumps(v)}\n" for k, v in conf.items())
    (home / ".aider.conf.yml").write_text(text)
    # aider fetches a model price list unless its cache holds something fresh.
    caches = home / ".aider" / "caches"
    caches.mkdir(parents=True, exist_ok=True)
    info = {
        "max_input_tokens": 128000,
        "max_output_tokens": 8192,
        "input_cost_per_token": 0,
        "output_cost_per_token": 0,
        "litellm_provider": "openai",
        "mode": "chat",
    }
    prices = {f"openai/{MODEL}": info, MODEL: info}
    (caches / "model_prices_and_context_window.json").write_text(json.dumps(prices))
    return {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}
