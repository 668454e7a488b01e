"""What ``new`` decides before making anything: worktree or not, the base, a free name.

Whether to make a worktree is decided in layers, the first answer winning:
explicit flags (``--worktree``, ``--no-worktree``, ``--type``) > the agent's
config (``requires_worktree``) > git state (not a repository: no worktree)
> asking, when the config says ``worktree = "ask"`` and there is a terminal
> the configured default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from q_tmux.adapters.git import Repo
from q_tmux.store import registry
from q_tmux.store.config import AgentSettings, Config, TypeSettings


@dataclass(frozen=True)
class WorktreeDecision:
    worktree: bool
    #: Which layer decided, said to the user when it is not what they asked for.
    because: str


def decide_worktree(
    *,
    no_worktree: bool,
    worktree: bool,
    session_type: str | None,
    type_settings: TypeSettings | None,
    agent: AgentSettings | None,
    in_repository: bool,
    ask: Callable[[], bool] | None,
    config: Config,
) -> WorktreeDecision:
    """Make a worktree or not; ``ask`` is None when nobody can be asked."""
    if no_worktree:
        return WorktreeDecision(False, "--no-worktree")
    if worktree:
        return WorktreeDecision(True, "--worktree")
    if type_settings is not None and type_settings.worktree is not None:
        return WorktreeDecision(type_settings.worktree, f"--type {session_type}")
    if agent is not None and agent.requires_worktree is not None:
        return WorktreeDecision(agent.requires_worktree, "the agent's requires_worktree")
    if not in_repository:
        return WorktreeDecision(False, "not a git repository")
    if config.worktree == "ask":
        if ask is not None:
            return WorktreeDecision(ask(), "your answer")
        return WorktreeDecision(True, "nobody to ask; the default")
    return WorktreeDecision(config.worktree, "the configured default")


def default_branch(repo: Repo) -> str | None:
    """The repository's default branch: origin's HEAD if known locally, else main/master."""
    origin = repo.origin_head()
    candidates: list[str] = [origin] if origin is not None else []
    candidates += ["main", "master", "trunk", "develop"]
    for candidate in candidates:
        if candidate and repo.branch_oid(candidate) is not None:
            return candidate
    return None


def looks_like_message(text: str) -> bool:
    """``q-tmux new "Fix the parser crash"``: a lone argument with spaces is a message."""
    return len(text.split()) > 1


@dataclass
class NameTaken:
    """Whether a session name is used by a branch, a worktree path or a session in the scope."""

    scope: Path
    repo: Repo | None = None
    worktrees_root: Path | None = None
    branch_prefix: str = ""

    def __post_init__(self) -> None:
        entries, _ = registry.load()
        self._sessions = {
            entry.name for entry in entries if Path(entry.repo_root or entry.work_dir) == self.scope
        }

    def __call__(self, name: str) -> bool:
        if name in self._sessions:
            return True
        if self.repo is not None and self.repo.branch_oid(self.branch_prefix + name) is not None:
            return True
        return self.worktrees_root is not None and (self.worktrees_root / name).exists()
