"""Fan-out, limits and queued starts for ``q-tmux new``: one task to several sessions.

``new NAME --count N`` makes ``NAME-1`` … ``NAME-N``; repeated ``--agent`` makes
``NAME-<preset>`` (``NAME-<n>`` for a command line, by its place among the
``--agent`` options); both together make ``NAME-<preset>-<i>``, N of each agent.
Every session gets the same first message and records ``group = NAME``.

A group is made all or nothing: every name is checked free before anything is
made, and every session is made queued (its window runs the waiter of
:mod:`q_tmux.tracking.queue`, no agent yet). If one fails, those made before it
are removed by ``rm``'s rules (they hold nothing: no agent ever ran there).
Only then are the agents started, as many as ``[limits] max_busy`` allows; the
watcher starts the rest as busy ones finish.

The pure parts (:func:`members`, :func:`plan`) have unit tests.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from q_tmux.errors import NameInUseError, UsageError

if TYPE_CHECKING:
    from q_tmux.adapters.tmux import Tmux
    from q_tmux.sessions.create import Created, NewSession
    from q_tmux.sessions.views import SessionView
    from q_tmux.store.config import Config


@dataclass(frozen=True)
class Member:
    """One session of a fan-out: its name and the ``--agent`` it runs (None: the default)."""

    name: str
    agent: str | None


@dataclass(frozen=True)
class FanOut:
    """What ``--agent`` (repeated) and ``--count`` asked for; None when it is one session."""

    agents: tuple[str, ...] = ()
    count: int | None = None

    def members(self, name: str, presets: Collection[str] | None = None) -> list[Member]:
        return members(name, self.agents, self.count, _presets() if presets is None else presets)


def _presets() -> set[str]:
    from q_tmux.agents.launch import PRESETS, SHELL_PRESET

    return {*PRESETS, SHELL_PRESET}


def group_taken(fan: FanOut, taken: Callable[[str], bool]) -> Callable[[str], bool]:
    """Whether a made-up group name is unusable: it, or any of its sessions' names, is taken
    (a group named like another session would read as that session's)."""
    return lambda name: taken(name) or any(taken(m.name) for m in fan.members(name))


def check_members(fan: FanOut, name: str, taken: Callable[[str], bool]) -> None:
    """Refuse, before anything is made, a group whose session names are invalid or taken."""
    from q_tmux.sessions.names import check_name

    for member in fan.members(name):
        check_name(member.name)
        if taken(member.name):
            raise NameInUseError(
                f"'{member.name}' (of the group '{name}') is already used by a branch, a path "
                "or a session; choose another name."
            )


def plan(agents: Sequence[str], count: int | None) -> FanOut | None:
    """The fan-out ``--agent``/``--count`` ask for; None for one session. Bad input: UsageError."""
    if count is not None and count < 1:
        raise UsageError(f"--count {count} makes no session; give --count 1 or more.")
    if len(agents) <= 1 and count is None:
        return None
    duplicate = next((a for i, a in enumerate(agents) if a in agents[:i]), None)
    if duplicate is not None:
        raise UsageError(
            f"--agent {duplicate} is given twice; for several sessions of one agent, "
            "give it once with --count N."
        )
    return FanOut(tuple(agents), count)


def members(
    name: str, agents: Sequence[str], count: int | None, presets: Collection[str]
) -> list[Member]:
    """The sessions of a fan-out, in order (see the module's docstring for the names)."""
    if len(agents) <= 1:
        agent = agents[0] if agents else None
        return [Member(f"{name}-{i}", agent) for i in range(1, (count or 1) + 1)]
    labels = [a if a in presets else str(n) for n, a in enumerate(agents, start=1)]
    if count is None:
        return [Member(f"{name}-{label}", a) for label, a in zip(labels, agents, strict=True)]
    return [
        Member(f"{name}-{label}-{i}", a)
        for label, a in zip(labels, agents, strict=True)
        for i in range(1, count + 1)
    ]


def group_of(view: SessionView) -> str | None:
    """The key :func:`q_tmux.sessions.grouping.grouped` orders a view by (None: no group)."""
    from q_tmux.sessions.grouping import group_key

    group = view.record.group if view.record is not None else None
    return group_key(group, view.entry.repo_root, str(view.entry.work_dir))


# -- limits --------------------------------------------------------------------------


def check_max_sessions(views: list[SessionView], scope: Path, adding: int, config: Config) -> None:
    """Refuse, in one sentence, ``adding`` sessions past ``[limits] max_sessions``.

    Counted: sessions of ``scope`` (the repository or workspace) whose window's
    pane lives: an agent running, or a queued one. Closed and exited do not count.
    """
    from q_tmux.store.config import config_path

    limit = config.limits.max_sessions
    if limit is None:
        return
    live = sum(1 for v in views if v.alive and Path(v.entry.repo_root or v.entry.work_dir) == scope)
    if live + adding <= limit:
        return
    made = "this session" if adding == 1 else f"these {adding} sessions"
    raise UsageError(
        f"{live} session(s) of {scope} run already and {made} would pass [limits] "
        f"max_sessions = {limit}; close or remove one, or raise max_sessions in {config_path()}."
    )


def starts_now(views: list[SessionView], socket: str, new: int, max_busy: int | None) -> int:
    """How many of ``new`` queued sessions may start at once on the server at ``socket``.

    The queue's own rule (:func:`q_tmux.tracking.queue.due`), with those already
    queued there first in line.
    """
    from q_tmux.tracking.queue import Candidate, due

    candidates = [
        Candidate(v.entry.id, v.record.status, v.alive, v.record.status_changed_at.isoformat())
        for v in views
        if v.record is not None and v.record.tmux.socket == socket
    ]
    candidates += [Candidate(f"new-{i}", "queued", True, f"~{i:06d}") for i in range(new)]
    return sum(1 for session_id in due(candidates, max_busy) if session_id.startswith("new-"))


# -- making a group ------------------------------------------------------------------


@dataclass
class Made:
    """The sessions ``new`` made, and how many were left queued."""

    created: list[Created] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)


def make(
    request: NewSession,
    fan: FanOut | None,
    queue: bool,
    tmux: Tmux,
    config: Config,
    note: Callable[[str], None],
) -> Made:
    """Make ``request``'s session, or its fan-out's, within the limits; start what may start."""
    from q_tmux.agents.launch import resolve_agent
    from q_tmux.sessions.create import create_session
    from q_tmux.sessions.views import load_views
    from q_tmux.tracking.queue import QueueLock, release

    limits = config.limits
    wanted = fan.members(request.name) if fan else [Member(request.name, None)]
    views: list[SessionView] = []
    scope = request.workspace_root or (
        request.repo.main_worktree if request.repo is not None else request.cwd
    )
    if limits.max_sessions is not None or fan is not None or queue:
        views, _ = load_views(tmux)
        check_max_sessions(views, scope, len(wanted), config)
    if fan is None and not queue:
        return Made([create_session(request, tmux, config)])
    if fan is not None:
        _check_group_free(views, request, scope)
    made = Made()
    # The watcher starts no queued agent while the group is made and its first ones started.
    with QueueLock(wait=True):
        for member in wanted:
            agent = request.agent
            if fan is not None and member.agent is not None:
                agent = resolve_agent(member.agent, request.first_message, None)
            one = replace(
                request,
                name=member.name,
                agent=agent,
                branch=f"{request.branch_prefix}{member.name}"
                if fan is not None and request.branch
                else request.branch,
                # A group's names were all checked free: a clash now is an error.
                automatic=request.automatic and fan is None,
                group=request.name if fan is not None else None,
                queued=True,
            )
            try:
                made.created.append(create_session(one, tmux, config))
            except BaseException:  # an error, or Ctrl-C: no group is left half-made
                undone = _undo(made.created, tmux)
                if undone:
                    note(undone)
                raise
        free = starts_now(views, tmux.socket_path, len(made.created), limits.max_busy)
        for index, created in enumerate(made.created):
            path = str(Path(created.record.worktree_info.path) / ".amazonq" / "session.json")
            if index < free:
                release(tmux.socket_path, path, created.window.pane_id)
            else:
                made.queued.append(created.record.name)
    if made.queued:
        note(
            f"queued {', '.join(made.queued)}: [limits] max_busy = {limits.max_busy} agents "
            "work already; each starts when a busy one finishes."
        )
    return made


def _check_group_free(views: list[SessionView], request: NewSession, scope: Path) -> None:
    """A group's name names one fan-out: refuse a second while sessions of the first remain."""
    same = [
        v.entry.name
        for v in views
        if v.record is not None
        and v.record.group == request.name
        and Path(v.entry.repo_root or v.entry.work_dir) == scope
    ]
    if same:
        raise NameInUseError(
            f"The sessions of group '{request.name}' ({', '.join(same)}) are still there; "
            "choose another name."
        )


def _undo(created: list[Created], tmux: Tmux) -> str:
    """Remove the group's sessions made so far, by ``rm``'s rules; what was done, in a sentence."""
    if not created:
        return ""
    from q_tmux.adapters.git import require_git
    from q_tmux.merge.cleanup import Histories, apply, session_action
    from q_tmux.sessions.views import load_views

    ids = {c.record.id for c in created}
    views, _ = load_views(tmux)
    histories = Histories(require_git())
    removed: list[str] = []
    kept: list[str] = []
    for view in views:
        if view.entry.id not in ids or view.record is None:
            continue
        action = session_action(view, "undoing a fan-out", histories, False, closing=True)
        if not action.blocked:
            apply(action, False)
        (kept if action.blocked else removed).append(view.entry.name)
    text = f"Removed the group's sessions made before it ({', '.join(removed)})." if removed else ""
    if kept:
        text += f" Kept {', '.join(kept)}: they hold work."
    return text
