"""Configuration: the user's ``config.toml``, then a repository's ``.q-tmux.toml`` over it.

Both are TOML, validated by :mod:`q_tmux.store.schema`; an error names the file,
the key and what is wrong. Every key is optional and unknown keys are refused, so typos
are caught.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from q_tmux.errors import ConfigError
from q_tmux.store import paths
from q_tmux.store.schema import Record, SchemaError, field, shown
from q_tmux.store.session_types import SESSION_TYPES

DEFAULT_WORKTREES_DIR = "{repo_parent}/{repo}.worktrees"
REPO_CONFIG = ".q-tmux.toml"
_BRANCH_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*/")


# Every table refuses keys it does not know (typos are caught), and every value is
# taken as written: ``desktop = "yes"`` or ``max_busy = "2"`` is refused, not converted.
def _http(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


class LLMNaming(Record, extra="forbid"):
    """An OpenAI-compatible chat-completions endpoint that suggests session names."""

    base_url: str = field(check=_http)
    model: str
    #: Name of the environment variable holding the API key (never the key itself).
    api_key_env: str | None = None
    #: The longest the user ever waits for a name, in seconds.
    timeout: float = field(default=2.0, gt=0, le=30)


class Naming(Record, extra="forbid"):
    max_length: int = field(default=20, ge=4, le=64)
    llm: LLMNaming | None = None


def _prefix(value: str | None) -> str | None:
    if value and (not _BRANCH_PREFIX.fullmatch(value) or ".." in value or "//" in value):
        raise ValueError(
            "must look like 'feature/': letters, digits, '.', '_', '-', '/' ending in '/'"
        )
    return value


class TypeSettings(Record, extra="forbid"):
    """What a session type means; unset fields keep the built-in default."""

    worktree: bool | None = None
    branch_prefix: str | None = field(default=None, check=_prefix)
    #: Start from the current branch, or from the repository's default branch.
    base: Literal["current", "default"] | None = None
    #: Remove the worktree on close when nothing was committed or changed.
    temporary: bool | None = None
    #: Start in the background (do not switch to the window).
    detach: bool | None = None


#: The documented defaults of each type.
BUILT_IN_TYPES: dict[str, TypeSettings] = {
    "exploration": TypeSettings(worktree=False),  # look around in place: no branch
    "feature": TypeSettings(worktree=True),
    "hotfix": TypeSettings(worktree=True, base="default"),  # from the default branch
    "refactor": TypeSettings(worktree=True),
    "experiment": TypeSettings(worktree=True, temporary=True),  # gone on close if unused
    "agent": TypeSettings(worktree=True),  # started by a tool: never asks anything
    "delegate": TypeSettings(worktree=True, detach=True),  # handed off: runs in the background
}


def _inside(value: list[str]) -> list[str]:
    for path in value:
        parts = Path(path).parts
        if not path or Path(path).is_absolute() or ".." in parts or parts[:1] == (".git",):
            raise ValueError(f"{path!r} must be a path inside the repository")
    return value


def _placeholders(value: dict[str, str]) -> dict[str, str]:
    for key, text in value.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"{key!r} is not an environment variable name")
        try:
            text.format(worktree="", name="", repo="")
        except (KeyError, IndexError, ValueError):
            raise ValueError(
                f"{key}: only {{worktree}}, {{name}} and {{repo}} may appear"
            ) from None
    return value


class SetupSettings(Record, extra="forbid"):
    """What a new worktree needs before its agent starts (usually in a repo's ``.q-tmux.toml``)."""

    #: Paths, relative to the repository, copied from the main checkout (``.env``, say).
    #: Written ``copy`` in the file (and to the constructor); named otherwise here.
    copy_files: list[str] = field(default_factory=list, alias="copy", check=_inside)
    #: Paths symlinked to the main checkout's (shared on purpose: caches, large data).
    link: list[str] = field(default_factory=list, check=_inside)
    #: Shell commands run in the new worktree, in order; a failure removes the session.
    run: list[str] = field(default_factory=list)
    #: Environment for the agent; ``{worktree}``, ``{name}`` and ``{repo}`` are filled in,
    #: e.g. CARGO_TARGET_DIR = "{worktree}/target" so builds never share output.
    env: dict[str, str] = field(default_factory=dict, check=_placeholders)


NotifyReason = Literal["approval", "input"]


def _url(value: str | None) -> str | None:
    if value is None:
        return value
    try:
        parts = urlsplit(value)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        usable = False
    if not usable or any(ch.isspace() for ch in value):
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    return value


class NotifySettings(Record, extra="forbid"):
    """Notifications that reach the user outside tmux when a session starts waiting.

    Read from the user's ``config.toml`` only: where the user is told is theirs, not a
    repository's. The hot path reads a cache of it (:mod:`q_tmux.tracking.outside`).
    """

    #: A desktop notification (``notify-send`` on Linux, ``osascript`` on macOS).
    desktop: bool = False
    #: An http(s) URL that gets a JSON POST (ntfy-, Slack- or Telegram-style endpoints).
    webhook: str | None = field(default=None, check=_url)
    #: The reasons for waiting that notify.
    on: list[NotifyReason] = field(default_factory=lambda: list[NotifyReason](["approval"]))
    #: Seconds after a notification in which the same session, for the same reason, stays quiet.
    quiet_seconds: float = field(default=0.0, ge=0)


class LimitsSettings(Record, extra="forbid"):
    """How many sessions and busy agents at once (the user's ``config.toml`` only).

    The watcher reads ``max_busy`` on its own (:mod:`q_tmux.tracking.queue`).
    """

    #: Live sessions (agent running, or queued) per repository or workspace; None: no limit.
    max_sessions: int | None = field(default=None, ge=1)
    #: Agents working at once on one tmux server; past it, fan-outs and ``--queue`` wait.
    max_busy: int | None = field(default=None, ge=1)


class AgentSettings(Record, extra="forbid"):
    #: Whether sessions of this agent need a worktree of their own.
    requires_worktree: bool | None = None


def _known_placeholders(value: str) -> str:
    try:
        value.format(repo_parent="", repo="")
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"only {{repo_parent}} and {{repo}} may appear ({error})") from None
    return value


def _known_types(value: dict[str, TypeSettings]) -> dict[str, TypeSettings]:
    unknown = sorted(set(value) - set(SESSION_TYPES))
    if unknown:
        raise ValueError(f"unknown session type {unknown[0]!r}; known: {', '.join(SESSION_TYPES)}")
    return value


class Config(Record, extra="forbid"):
    #: A preset name (``q``, ``claude``, ...) or a command line.
    default_agent: str | None = None
    #: Where worktrees go; ``{repo_parent}`` and ``{repo}`` are filled in; ``~`` is expanded.
    worktrees_dir: str = field(default=DEFAULT_WORKTREES_DIR, check=_known_placeholders)
    #: Make a worktree when nothing else decides: yes, no, or ask (in a terminal).
    worktree: bool | Literal["ask"] = True
    naming: Naming = field(default_factory=Naming)
    types: dict[str, TypeSettings] = field(default_factory=dict, check=_known_types)
    agents: dict[str, AgentSettings] = field(default_factory=dict)
    setup: SetupSettings = field(default_factory=SetupSettings)
    #: Minutes a busy agent's screen may stay unchanged before it is shown as stalled
    #: (read by the state watcher; see q_tmux.tracking.watcher.stalled_minutes).
    stalled_minutes: float = field(default=10.0, gt=0)
    notify: NotifySettings = field(default_factory=NotifySettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)

    def worktrees_root(self, main_worktree: Path) -> Path:
        filled = self.worktrees_dir.format(
            repo_parent=str(main_worktree.parent), repo=main_worktree.name
        )
        return Path(filled).expanduser()

    def session_type(self, name: str) -> TypeSettings:
        """The built-in meaning of type ``name`` with the configured fields over it."""
        built_in = BUILT_IN_TYPES[name].to_dict()
        configured = self.types.get(name)
        if configured is not None:
            built_in.update((k, v) for k, v in configured.to_dict().items() if v is not None)
        return TypeSettings.from_dict(built_in)


def config_path() -> Path:
    return paths.config_dir() / "config.toml"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({error}).") from None
    import tomllib  # only with a file to parse: most users have none, and every command reads it

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML ({error}).") from None


def _validated(path: Path, data: dict[str, Any]) -> Config:
    try:
        return Config.from_dict(data)
    except SchemaError as error:
        raise ConfigError(f"{path}: {explain(error)}") from None


def explain(error: SchemaError) -> str:
    """One validation error in q-tmux's words: the dotted key, and what it may hold."""
    dotted = error.key or "(top level)"
    if error.reason == "unknown" and error.record is not None:
        return f"unknown key '{dotted}'; allowed here: {', '.join(error.record.keys())}."
    if error.reason == "refused":
        return f"key '{dotted}': {error.detail}."
    if error.reason == "missing":
        return f"key '{dotted}' is missing; it must be {error.expected}."
    return f"key '{dotted}' must be {error.expected}, not {shown(error.value)}."


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(path: Path | None = None, repo_root: Path | None = None) -> Config:
    """The user's config (missing: defaults), with ``repo_root/.q-tmux.toml`` over it."""
    path = path or config_path()
    user = _read(path) or {}
    config = _validated(path, user)
    if repo_root is None:
        return config
    repo_path = repo_root / REPO_CONFIG
    repo = _read(repo_path)
    if repo is None:
        return config
    _validated(repo_path, repo)
    if "notify" in repo:
        raise ConfigError(
            f"{repo_path}: key 'notify' belongs in your own {path.name} ({path}), "
            "not in a repository's file."
        )
    if "limits" in repo:  # a repository must not raise the limits the user set for themselves
        raise ConfigError(
            f"{repo_path}: key 'limits' belongs in your own {path.name} ({path}), "
            "not in a repository's file."
        )
    return _validated(repo_path, _merge(user, repo))


def repo_setup_table(repo_root: Path) -> dict[str, Any] | None:
    """The ``[setup]`` table of the repository's own config file, as written there."""
    data = _read(repo_root / REPO_CONFIG)
    table = data.get("setup") if data else None
    return table if isinstance(table, dict) else None
