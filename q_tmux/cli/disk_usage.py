"""``q-tmux disk-usage``: how much disk each session's worktree and its build outputs take."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from q_tmux.cli.common import AppContext, say


def tree_size(path: Path) -> int:
    """Bytes on disk under ``path`` (allocated blocks), not following links."""
    total = 0
    stack = [path]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += info.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
    return total


@dataclass
class Usage:
    name: str
    work_dir: str
    total: int  # the whole worktree (a --no-worktree session: not counted, it is your directory)
    build_outputs: int  # files git ignores: builds, caches, dependencies


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@click.command("disk-usage")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (sizes in bytes).")
@click.pass_obj
def disk_usage(app: AppContext, *, as_json: bool) -> int:
    """Disk used by each session's worktree and its build outputs, and the total."""
    from q_tmux.sessions.views import load_views

    views, _ = load_views(app.tmux())
    usages: list[Usage] = []
    for view in views:
        record = view.record
        if view.worktree_missing or record is None:
            continue
        info = record.worktree_info
        if record.repos:  # a workspace session: its folder holds a worktree per repository
            worktrees = [Path(each.path) for each in record.repos]
        elif info.owns_worktree and info.repo_root:
            worktrees = [view.work_dir]
        else:
            continue
        build = sum(_ignored_size(worktree) for worktree in worktrees)
        usages.append(Usage(view.entry.name, str(view.work_dir), tree_size(view.work_dir), build))
    total = sum(u.total for u in usages)
    if as_json:
        say(json.dumps({"sessions": [asdict(u) for u in usages], "total": total}, indent=2))
        return 0
    if not usages:
        say("No session has a worktree of its own.")
        return 0
    width = max(len(u.name) for u in usages)
    for usage in usages:
        say(
            f"{usage.name:<{width}}  {human(usage.total):>10}  "
            f"(build outputs {human(usage.build_outputs)})  {usage.work_dir}"
        )
    say(f"{'total':<{width}}  {human(total):>10}")
    return 0


def _ignored_size(worktree: Path) -> int:
    """Bytes of what git ignores in ``worktree``: build outputs, caches, dependencies."""
    from q_tmux.adapters.git import Repo, ignored_entries
    from q_tmux.errors import QTmuxError

    try:
        ignored = ignored_entries(Repo.discover(worktree), worktree)
    except QTmuxError:
        return 0
    size = 0
    for relative in ignored:
        target = worktree / relative
        size += tree_size(target) if target.is_dir() else _file_size(target)
    return size


def _file_size(path: Path) -> int:
    try:
        return path.lstat().st_blocks * 512
    except OSError:
        return 0
