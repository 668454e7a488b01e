"""Root conftest: every test runs in a sealed-off environment.

HOME, SHELL and the XDG dirs point into a temporary directory so that neither
a developer's ``~/.tmux.conf`` (read by the tmux servers tests start) nor their
git config, q-tmux config or session registry can leak in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AGENTS_DIR = Path(__file__).parent / "tests" / "agents"

# Cleared at import, before plumbum (imported by q_tmux) copies os.environ.
_LEAKY = ("TMUX", "TMUX_PANE", "Q_TMUX_SESSION_ID", "Q_TMUX_SESSION_FILE", "Q_TMUX_DEBUG")
for _name in [*_LEAKY, *(k for k in os.environ if k.startswith("GIT_"))]:
    os.environ.pop(_name, None)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SHELL", "/bin/sh")
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    for var in _LEAKY:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("PATH", f"{AGENTS_DIR}{os.pathsep}{os.environ['PATH']}")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
    )
    return home
