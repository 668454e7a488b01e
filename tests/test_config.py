from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from q_tmux.errors import ConfigError
from q_tmux.store.config import Config, load_config


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.toml") == Config()


def test_toml_is_loaded_only_to_parse_a_file(tmp_path: Path) -> None:
    """Every command reads the config; without a file it does not import tomllib."""
    present = tmp_path / "c.toml"
    present.write_text('default_agent = "claude"\n')
    code = (
        "import sys; from pathlib import Path; from q_tmux.store.config import load_config\n"
        f"load_config(Path({str(tmp_path / 'absent.toml')!r}))\n"
        "print('tomllib' in sys.modules)\n"
        f"print(load_config(Path({str(present)!r})).default_agent, 'tomllib' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert (done.stdout, done.stderr) == ("False\nclaude True\n", "")


def test_worktrees_dir_template(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('worktrees_dir = "/trees/{repo}"\ndefault_agent = "claude"\n')
    config = load_config(path)
    assert config.default_agent == "claude"
    assert config.worktrees_root(Path("/src/app")) == Path("/trees/app")
    assert Config().worktrees_root(Path("/src/app")) == Path("/src/app.worktrees")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("default_agent = ", "invalid TOML"),
        (
            "defualt_agent = 'q'",
            "unknown key 'defualt_agent'; allowed here: default_agent, worktrees_dir, worktree, "
            "naming, types, agents, setup, stalled_minutes, notify, limits.",
        ),
        ("default_agent = 3", "key 'default_agent' must be a string, not 3."),
        ("worktrees_dir = '{home}/x'", "key 'worktrees_dir': only {repo_parent} and {repo}"),
        ("worktree = 'maybe'", "key 'worktree' must be true, false or 'ask', not 'maybe'."),
        (
            "[naming]\nmax_length = 100",
            "key 'naming.max_length' must be a whole number from 4 to 64, not 100.",
        ),
        (
            "[naming]\nmax_length = '20'",
            "key 'naming.max_length' must be a whole number from 4 to 64, not '20'.",
        ),
        ("naming = 3", "key 'naming' must be a table (keys: max_length, llm), not 3."),
        (
            "[limits]\nmax_busy = 0",
            "key 'limits.max_busy' must be a whole number at least 1, not 0.",
        ),
        (
            "[limits]\nmax_busy = '2'",
            "key 'limits.max_busy' must be a whole number at least 1, not '2'.",
        ),
        (
            "[naming.llm]\nbase_url = 'http://x'",
            "key 'naming.llm.model' is missing; it must be a string.",
        ),
        (
            "[naming.llm]\nbase_url = 'http://x'\nmodel = 'm'\ntimeout = 0",
            "key 'naming.llm.timeout' must be a number above 0 and at most 30, not 0.",
        ),
        (
            "[types.feature]\nbase = 'main'",
            "key 'types.feature.base' must be 'current' or 'default', not 'main'.",
        ),
        (
            "[types.nonsense]\nworktree = true",
            "key 'types': unknown session type 'nonsense'; known: exploration,",
        ),
        (
            "[agents.claude]\nrequire_worktree = true",
            "unknown key 'agents.claude.require_worktree'; allowed here: requires_worktree.",
        ),
        ("[setup]\ncopy = '.env'", "key 'setup.copy' must be a list of strings, not '.env'."),
        ("[setup]\nenv = { A = 3 }", "key 'setup.env.A' must be a string, not 3."),
        ("[setup]\nrun = ['ok', 3]", "key 'setup.run[1]' must be a string, not 3."),
        (
            "[notify]\nwebhook = 'ntfy.sh/mine'",
            "key 'notify.webhook': 'ntfy.sh/mine' is not an http:// or https:// URL.",
        ),
        (
            "[notify]\nwebhook = 'http://host:port/x'",
            "key 'notify.webhook': 'http://host:port/x' is not an http:// or https:// URL.",
        ),
        (
            "[notify]\non = ['approval', 'bored']",
            "key 'notify.on[1]' must be 'approval' or 'input', not 'bored'.",
        ),
        ("[notify]\ndesktop = 'yes'", "key 'notify.desktop' must be true or false, not 'yes'."),
        (
            "[notify]\nquiet_seconds = -1",
            "key 'notify.quiet_seconds' must be a number at least 0, not -1.",
        ),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "Input should" not in str(caught.value)
    assert "Extra inputs" not in str(caught.value)


def test_notify_defaults_to_approvals_only_and_reads_every_key(tmp_path: Path) -> None:
    assert Config().notify.on == ["approval"]
    assert not Config().notify.desktop
    assert Config().notify.webhook is None
    path = tmp_path / "config.toml"
    path.write_text(
        "[notify]\ndesktop = true\nwebhook = 'https://ntfy.sh/mine'\n"
        "on = ['approval', 'input']\nquiet_seconds = 30\n"
    )
    notify = load_config(path).notify
    assert (notify.desktop, notify.webhook) == (True, "https://ntfy.sh/mine")
    assert (notify.on, notify.quiet_seconds) == (["approval", "input"], 30)


def test_notify_in_a_repositorys_file_is_refused_with_where_it_belongs(tmp_path: Path) -> None:
    user, repo = tmp_path / "config.toml", tmp_path / "repo"
    repo.mkdir()
    (repo / ".q-tmux.toml").write_text("[notify]\nwebhook = 'https://example.com/x'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(user, repo_root=repo)
    assert str(caught.value) == (
        f"{repo / '.q-tmux.toml'}: key 'notify' belongs in your own config.toml ({user}), "
        "not in a repository's file."
    )
