from __future__ import annotations

from pathlib import Path

import pytest

from q_tmux.config import Config, load_config
from q_tmux.errors import ConfigError


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.toml") == Config()


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
        ("defualt_agent = 'q'", "key 'defualt_agent': Extra inputs are not permitted"),
        ("default_agent = 3", "key 'default_agent'"),
        ("worktrees_dir = '{home}/x'", "key 'worktrees_dir': only {repo_parent} and {repo}"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
