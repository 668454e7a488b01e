"""A session's agent in its tmux window: wired to q-tmux, started, recorded (new and resume)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from q_tmux.adapters.tmux import Tmux, WindowRef, agent_environment, tmux_session_name_for
from q_tmux.agents.launch import Agent
from q_tmux.agents.q import CONFIG_DIRS
from q_tmux.agents.wiring import Wiring, agent_files_dir, resume_base, wire
from q_tmux.store import journals
from q_tmux.store.session_file import (
    SessionRecord,
    Status,
    StatusSource,
    TmuxInfo,
    session_file_path,
)


def wire_agent(record: SessionRecord, work_dir: Path, undo: contextlib.ExitStack | None) -> Wiring:
    """Hook the session's agent up to q-tmux and record the result in ``record``."""
    info = record.agent
    base = Agent(
        info.preset,
        info.base_command or info.command,
        resume_base(
            info.preset,
            info.base_resume_command or info.resume_command,
            info.conversation_id,
            info.conversation_file,
        ),
    )
    owned = set(info.files)
    if undo is not None:
        before = existing_files(work_dir)
        undo.callback(remove_new_files, work_dir, before)
        undo.callback(remove_tree, agent_files_dir(record.id))
    wiring = wire(base, work_dir, record.id, owned)
    info.command = wiring.command
    info.resume_command = wiring.resume_command
    info.hooks = wiring.hooked
    info.files = wiring.worktree_files
    info.env.update(wiring.env)
    return wiring


def _possible_files(work_dir: Path) -> list[str]:
    found = []
    for directory in CONFIG_DIRS:
        with contextlib.suppress(OSError):
            found += [f"{directory}/{p.name}" for p in (work_dir / directory).iterdir()]
    return found


def existing_files(work_dir: Path) -> set[str]:
    """The agent configuration files ``work_dir`` holds now (relative paths)."""
    return {rel for rel in _possible_files(work_dir) if (work_dir / rel).exists()}


def remove_new_files(work_dir: Path, before: set[str]) -> None:
    """Undo for --no-worktree sessions: remove agent configs this call added, nothing else."""
    for relative in _possible_files(work_dir):
        if relative not in before:
            (work_dir / relative).unlink(missing_ok=True)
            rmdir_if_empty((work_dir / relative).parent)
            rmdir_if_empty((work_dir / relative).parent.parent)


def remove_tree(path: Path) -> None:
    """Remove the files in ``path`` (one level, as q-tmux writes them) and the folder."""
    for child in path.glob("*"):
        child.unlink(missing_ok=True)
    rmdir_if_empty(path)


def rmdir_if_empty(path: Path) -> None:
    """Remove ``path`` only when nothing is left in it."""
    with contextlib.suppress(OSError):
        path.rmdir()


def launch_agent(
    tmux: Tmux,
    record: SessionRecord,
    scope: Path,
    command: list[str],
    typed: str | None = None,
    made: Callable[[WindowRef], None] | None = None,
) -> tuple[WindowRef, bool]:
    """Open the session's window: in the current tmux session inside tmux, else the scope's.

    Outside tmux, finding the scope's tmux session and making it when there is
    none is one step for all q-tmux processes, so parallel ``new`` share one.
    """
    work_dir = Path(record.worktree_info.path)
    current = tmux.current_tmux_session()
    with (
        journals.exclusive(f"tmux-session {tmux.socket_path} {scope}")
        if current is None
        else contextlib.nullcontext()
    ):
        window, made_session = tmux.open_window(
            q_session_id=record.id,
            window_name=record.name,
            cwd=work_dir,
            command=command,
            env=session_env(record),
            tmux_session=current or tmux.find_scope_session(scope),
            new_session_name=tmux_session_name_for(scope),
            scope=scope,
            made=made,
        )
    if typed:
        tmux.type_text(window.pane_id, typed)
    return window, made_session


def session_env(record: SessionRecord) -> dict[str, str]:
    """The caller's environment, the setup's, and what hooks need to find the session file."""
    session_file = session_file_path(Path(record.worktree_info.path))
    return agent_environment(
        {
            **record.agent.env,
            "Q_TMUX_SESSION_ID": record.id,
            "Q_TMUX_SESSION_FILE": str(session_file),
        }
    )


def record_window(record: SessionRecord, window: WindowRef) -> None:
    """Note in ``record`` where the agent now runs, as starting."""
    record.tmux = TmuxInfo(
        socket=window.socket_path,
        session=window.session_name,
        session_id=window.session_id,
        window_id=window.window_id,
        pane_id=window.pane_id,
    )
    record.set_status(Status.STARTING, StatusSource.PROCESS)
