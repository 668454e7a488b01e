"""Preparing a new worktree: files copied or linked from the main checkout, setup commands,
and the agent's environment.

Setup commands and environment from a repository's ``.q-tmux.toml`` run code
its authors wrote, so, like direnv, q-tmux runs them only once the user has
allowed that exact table. Allowing is remembered under the state dir, by the
table's hash, until the table changes. The user's own config is trusted.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from q_tmux.adapters import process
from q_tmux.errors import QTmuxError
from q_tmux.store import jsonfile, paths
from q_tmux.store.config import SetupSettings

if TYPE_CHECKING:
    from q_tmux.adapters.git import Repo


class SetupFailed(QTmuxError):
    """A setup step failed; the half-made session is removed unless kept."""


def _trust_file() -> Path:
    return paths.state_dir() / "trusted-setup.json"


def _fingerprint(table: dict[str, Any]) -> str:
    import hashlib  # here: only a repository with a setup to trust pays for OpenSSL

    wanted = {"run": table.get("run", []), "env": table.get("env", {})}
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()


def needs_trust(table: dict[str, Any] | None) -> bool:
    """Does a repository's setup table hold anything that runs code?"""
    return bool(table and (table.get("run") or table.get("env")))


def is_trusted(config_file: Path, table: dict[str, Any]) -> bool:
    try:
        trusted = json.loads(_trust_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(trusted, dict) and trusted.get(str(config_file)) == _fingerprint(table)


def trust(config_file: Path, table: dict[str, Any]) -> None:
    try:
        trusted = json.loads(_trust_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        trusted = {}
    if not isinstance(trusted, dict):
        trusted = {}
    trusted[str(config_file)] = _fingerprint(table)
    jsonfile.write_atomic(_trust_file(), trusted)


def agent_env(setup: SetupSettings, work_dir: Path, name: str, repo: Path) -> dict[str, str]:
    return {
        key: value.format(worktree=str(work_dir), name=name, repo=str(repo))
        for key, value in setup.env.items()
    }


def prepare(
    setup: SetupSettings,
    *,
    work_dir: Path,
    main_worktree: Path,
    name: str,
    report: Callable[[str], None],
) -> list[str]:
    """Copy, link and run what ``setup`` asks in the new worktree; notes for the user.

    ``report`` is called with a line before each step, so progress shows.
    Raises SetupFailed at the first command that fails. Every untracked file
    or folder that appeared meanwhile (copies, links, the commands' output) is
    hidden from git through the common ``info/exclude``, as the session file is.
    """
    from q_tmux.adapters.git import Repo, untracked_entries

    if not (setup.copy_files or setup.link or setup.run):
        return []  # nothing can appear: spare git the two listings
    repo = Repo.discover(work_dir)
    before = untracked_entries(repo, work_dir)
    try:
        return _prepare(
            setup, work_dir=work_dir, main_worktree=main_worktree, name=name, report=report
        )
    finally:
        # What setup made is q-tmux's, not the session's work: hidden from git, so
        # neither merge's check nor --commit sees it (a copied .env stays uncommitted).
        hide_from_git(repo, untracked_entries(repo, work_dir) - before)


def hide_from_git(repo: Repo, entries: set[str]) -> None:
    """Add each untracked entry (``dir/`` for a folder) to the common info/exclude."""
    from q_tmux.adapters.git import literal_exclude_pattern

    for entry in sorted(entries):
        pattern = literal_exclude_pattern(entry)
        if pattern is not None:
            repo.exclude(pattern)


def _prepare(
    setup: SetupSettings,
    *,
    work_dir: Path,
    main_worktree: Path,
    name: str,
    report: Callable[[str], None],
) -> list[str]:
    notes: list[str] = []
    for relative in setup.copy_files:
        source, target = main_worktree / relative, work_dir / relative
        if not source.exists() and not source.is_symlink():
            notes.append(f"setup: {relative} is not in {main_worktree}; not copied.")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir() and not source.is_symlink():
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target, follow_symlinks=False)
        report(f"setup: copied {relative}")
    for relative in setup.link:
        source, target = main_worktree / relative, work_dir / relative
        if target.exists() or target.is_symlink():
            notes.append(f"setup: {relative} already exists in the worktree; not linked.")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(source)
        report(f"setup: linked {relative} to {source}")
    env = agent_env(setup, work_dir, name, main_worktree)
    env["Q_TMUX_SETUP"] = "1"
    for command in setup.run:
        report(f"setup: {command}")
        status = process.run_visible("sh", ["-c", command], cwd=work_dir, env=env)
        if status != 0:
            raise SetupFailed(f"The setup command {command!r} failed (exit status {status}).")
    return notes
