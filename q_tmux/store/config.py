"""Configuration: the user's ``config.toml``, then a repository's ``.q-tmux.toml`` over it.

Both are TOML, validated with pydantic; an error names the file, the key and
what is wrong. Every key is optional and unknown keys are refused, so typos
are caught.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo

from q_tmux.errors import ConfigError
from q_tmux.store import paths
from q_tmux.store.session_types import SESSION_TYPES

DEFAULT_WORKTREES_DIR = "{repo_parent}/{repo}.worktrees"
REPO_CONFIG = ".q-tmux.toml"
_BRANCH_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*/")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMNaming(_Strict):
    """An OpenAI-compatible chat-completions endpoint that suggests session names."""

    base_url: str
    model: str
    #: Name of the environment variable holding the API key (never the key itself).
    api_key_env: str | None = None
    #: The longest the user ever waits for a name, in seconds.
    timeout: float = Field(default=2.0, gt=0, le=30)

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class Naming(_Strict):
    max_length: int = Field(default=20, ge=4, le=64)
    llm: LLMNaming | None = None


class TypeSettings(_Strict):
    """What a session type means; unset fields keep the built-in default."""

    worktree: bool | None = None
    branch_prefix: str | None = None
    #: Start from the current branch, or from the repository's default branch.
    base: Literal["current", "default"] | None = None
    #: Remove the worktree on close when nothing was committed or changed.
    temporary: bool | None = None
    #: Start in the background (do not switch to the window).
    detach: bool | None = None

    @field_validator("branch_prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value and (not _BRANCH_PREFIX.fullmatch(value) or ".." in value or "//" in value):
            raise ValueError(
                "must look like 'feature/': letters, digits, '.', '_', '-', '/' ending in '/'"
            )
        return value


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


class SetupSettings(_Strict):
    """What a new worktree needs before its agent starts (usually in a repo's ``.q-tmux.toml``)."""

    #: Paths, relative to the repository, copied from the main checkout (``.env``, say).
    #: Written ``copy`` in the file; named otherwise here, since models have a copy().
    copy_files: list[str] = Field(default_factory=list, alias="copy")
    #: Paths symlinked to the main checkout's (shared on purpose: caches, large data).
    link: list[str] = Field(default_factory=list)
    #: Shell commands run in the new worktree, in order; a failure removes the session.
    run: list[str] = Field(default_factory=list)
    #: Environment for the agent; ``{worktree}``, ``{name}`` and ``{repo}`` are filled in,
    #: e.g. CARGO_TARGET_DIR = "{worktree}/target" so builds never share output.
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("copy_files", "link")
    @classmethod
    def _inside(cls, value: list[str]) -> list[str]:
        for path in value:
            parts = Path(path).parts
            if not path or Path(path).is_absolute() or ".." in parts or parts[:1] == (".git",):
                raise ValueError(f"{path!r} must be a path inside the repository")
        return value

    @field_validator("env")
    @classmethod
    def _placeholders(cls, value: dict[str, str]) -> dict[str, str]:
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


NotifyReason = Literal["approval", "input"]


class NotifySettings(_Strict):
    """Notifications that reach the user outside tmux when a session starts waiting.

    Read from the user's ``config.toml`` only: where the user is told is theirs, not a
    repository's. The hot path reads a cache of it (:mod:`q_tmux.tracking.outside`).
    Strict: ``desktop = "yes"`` is refused rather than read as true.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    #: A desktop notification (``notify-send`` on Linux, ``osascript`` on macOS).
    desktop: bool = False
    #: An http(s) URL that gets a JSON POST (ntfy-, Slack- or Telegram-style endpoints).
    webhook: str | None = None
    #: The reasons for waiting that notify.
    on: list[NotifyReason] = Field(default_factory=lambda: list[NotifyReason](["approval"]))
    #: Seconds after a notification in which the same session, for the same reason, stays quiet.
    quiet_seconds: float = Field(default=0, ge=0)

    @field_validator("webhook")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
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


class LimitsSettings(_Strict):
    """How many sessions and busy agents at once (the user's ``config.toml`` only).

    Strict, as ``[notify]``: ``max_busy = "2"`` is refused rather than read as 2.
    The watcher reads ``max_busy`` without pydantic (:mod:`q_tmux.tracking.queue`).
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    #: Live sessions (agent running, or queued) per repository or workspace; None: no limit.
    max_sessions: int | None = Field(default=None, ge=1)
    #: Agents working at once on one tmux server; past it, fan-outs and ``--queue`` wait.
    max_busy: int | None = Field(default=None, ge=1)


class AgentSettings(_Strict):
    #: Whether sessions of this agent need a worktree of their own.
    requires_worktree: bool | None = None


class Config(_Strict):
    #: A preset name (``q``, ``claude``, ...) or a command line.
    default_agent: str | None = None
    #: Where worktrees go; ``{repo_parent}`` and ``{repo}`` are filled in; ``~`` is expanded.
    worktrees_dir: str = DEFAULT_WORKTREES_DIR
    #: Make a worktree when nothing else decides: yes, no, or ask (in a terminal).
    worktree: bool | Literal["ask"] = True
    naming: Naming = Field(default_factory=Naming)
    types: dict[str, TypeSettings] = Field(default_factory=dict)
    agents: dict[str, AgentSettings] = Field(default_factory=dict)
    setup: SetupSettings = Field(default_factory=SetupSettings)
    #: Minutes a busy agent's screen may stay unchanged before it is shown as stalled
    #: (read by the state watcher; see q_tmux.tracking.watcher.stalled_minutes).
    stalled_minutes: float = Field(default=10, gt=0)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)

    @field_validator("worktrees_dir")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            value.format(repo_parent="", repo="")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"only {{repo_parent}} and {{repo}} may appear ({error})") from None
        return value

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: dict[str, TypeSettings]) -> dict[str, TypeSettings]:
        unknown = sorted(set(value) - set(SESSION_TYPES))
        if unknown:
            raise ValueError(
                f"unknown session type {unknown[0]!r}; known: {', '.join(SESSION_TYPES)}"
            )
        return value

    def worktrees_root(self, main_worktree: Path) -> Path:
        filled = self.worktrees_dir.format(
            repo_parent=str(main_worktree.parent), repo=main_worktree.name
        )
        return Path(filled).expanduser()

    def session_type(self, name: str) -> TypeSettings:
        """The built-in meaning of type ``name`` with the configured fields over it."""
        built_in = BUILT_IN_TYPES[name].model_dump()
        configured = self.types.get(name)
        if configured is not None:
            built_in.update(configured.model_dump(exclude_none=True))
        return TypeSettings.model_validate(built_in)


def config_path() -> Path:
    return paths.config_dir() / "config.toml"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({error}).") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML ({error}).") from None


def _validated(path: Path, data: dict[str, Any]) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {explain(error.errors()[0])}") from None


def explain(error: Any) -> str:
    """One validation error in q-tmux's words: the dotted key, and what it may hold."""
    key, annotation, field, model = _locate(error["loc"])
    dotted = key or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden" and model is not None:
        return f"unknown key '{dotted}'; allowed here: {', '.join(_keys(model))}."
    if kind == "value_error":
        message = str(error["msg"]).removeprefix("Value error, ")
        return f"key '{dotted}': {message}."
    allowed = _describe(annotation, field)
    if kind == "missing":
        return f"key '{dotted}' is missing; it must be {allowed}."
    return f"key '{dotted}' must be {allowed}, not {_shown(error.get('input'))}."


def _locate(
    loc: tuple[int | str, ...],
) -> tuple[str, Any, FieldInfo | None, type[BaseModel] | None]:
    """Follow an error's location through the models: its dotted key, type and field.

    The model is the one the last part was looked up in (for an unknown key).
    Union members add tags to the location; the walk stops at the first one.
    """
    key = ""
    annotation: Any = Config
    field: FieldInfo | None = None
    model: type[BaseModel] | None = None
    for part in loc:
        inner = _model_in(annotation)
        origin = get_origin(annotation)
        if inner is not None:
            model = inner
            name = next((n for n, f in inner.model_fields.items() if part in (n, f.alias)), None)
            key = f"{key}.{part}" if key else str(part)
            if name is None:
                return key, None, None, model
            field = inner.model_fields[name]
            annotation = field.annotation
        elif origin is dict:
            key, annotation, field = f"{key}.{part}", get_args(annotation)[1], None
        elif origin is list and isinstance(part, int):
            key, annotation, field = f"{key}[{part}]", get_args(annotation)[0], None
        else:
            break
    return key, annotation, field, model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds (``LLMNaming | None`` holds LLMNaming)."""
    members = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    for each in (annotation, *members):
        if isinstance(each, type) and issubclass(each, BaseModel):
            return each
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _describe(annotation: Any, field: FieldInfo | None) -> str:
    """What a key may hold, for a person: ``true, false or 'ask'``, ``a list of strings``."""
    choices = _choices(annotation)
    if len(choices) > 1:
        return ", ".join(choices[:-1]) + " or " + choices[-1]
    text = choices[0] if choices else "something else"
    if field is not None and annotation in (int, float):
        text += _bounds(field)
    return text


def _choices(annotation: Any) -> list[str]:
    origin = get_origin(annotation)
    if origin is Literal:
        return [repr(value) for value in get_args(annotation)]
    if origin in (Union, UnionType):
        return [c for a in get_args(annotation) if a is not type(None) for c in _choices(a)]
    if origin is list:
        inner = _choices(get_args(annotation)[0])
        return [f"a list of {inner[0].removeprefix('a ')}s" if len(inner) == 1 else "a list"]
    if origin is dict:
        return ["a table"]
    model = _model_in(annotation)
    if model is not None:
        return [f"a table (keys: {', '.join(_keys(model))})"]
    names = {bool: ["true", "false"], str: ["a string"], int: ["a whole number"]}
    return names.get(annotation, ["a number"] if annotation is float else [])


def _bounds(field: FieldInfo) -> str:
    """`` from 4 to 64``, `` above 0 and at most 30``: the field's numeric limits."""
    low = high = ""
    inclusive = 0
    for limit in field.metadata:
        if isinstance(limit, annotated_types.Ge):
            low, inclusive = f"at least {limit.ge:g}", inclusive + 1
        elif isinstance(limit, annotated_types.Gt):
            low = f"above {limit.gt:g}"
        elif isinstance(limit, annotated_types.Le):
            high, inclusive = f"at most {limit.le:g}", inclusive + 1
        elif isinstance(limit, annotated_types.Lt):
            high = f"below {limit.lt:g}"
    if inclusive == 2:
        return f" from {low.removeprefix('at least ')} to {high.removeprefix('at most ')}"
    parts = [part for part in (low, high) if part]
    return " " + " and ".join(parts) if parts else ""


def _shown(value: Any) -> str:
    """A value as it was written in TOML, roughly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


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
    _validated(path, user)
    if repo_root is None:
        return Config.model_validate(user)
    repo_path = repo_root / REPO_CONFIG
    repo = _read(repo_path)
    if repo is None:
        return Config.model_validate(user)
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
