"""The user's configuration: ``$XDG_CONFIG_HOME/q-tmux/config.toml``, validated with pydantic."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from q_tmux import paths
from q_tmux.errors import ConfigError

DEFAULT_WORKTREES_DIR = "{repo_parent}/{repo}.worktrees"


class Config(BaseModel):
    """Every key is optional; unknown keys are refused so typos are caught."""

    model_config = ConfigDict(extra="forbid")

    #: A preset name (``q``, ``claude``, ...) or a command line.
    default_agent: str | None = None
    #: Where worktrees go; ``{repo_parent}`` and ``{repo}`` are filled in; ``~`` is expanded.
    worktrees_dir: str = DEFAULT_WORKTREES_DIR

    @field_validator("worktrees_dir")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            value.format(repo_parent="", repo="")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"only {{repo_parent}} and {{repo}} may appear ({error})") from None
        return value

    def worktrees_root(self, main_worktree: Path) -> Path:
        filled = self.worktrees_dir.format(
            repo_parent=str(main_worktree.parent), repo=main_worktree.name
        )
        return Path(filled).expanduser()


def config_path() -> Path:
    return paths.config_dir() / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read the config; a missing file means defaults, a broken one a ConfigError."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({error}).") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML ({error}).") from None
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{path}: key '{key}': {message}.") from None
