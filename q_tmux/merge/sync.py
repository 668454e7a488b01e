"""Syncing a session: bringing its base's new commits into its branch, in its worktree.

A journal names the branches to bring the base into before the first is
touched; a sync killed midway (a workspace's repositories half done) is
finished by the next q-tmux command where that merges cleanly, and reported
where it does not (see :mod:`q_tmux.sessions.recovery`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from q_tmux.store import journals

if TYPE_CHECKING:
    from q_tmux.adapters.git import Repo
    from q_tmux.adapters.tmux import Tmux
    from q_tmux.sessions.views import SessionView
    from q_tmux.store.session_file import WorktreeInfo


def conflict_request(base: str, files: list[str], rebase: bool) -> str:
    """What to ask the agent when bringing the base in stopped on conflicts."""
    finish = "git rebase --continue" if rebase else "git commit --no-edit"
    return (
        f"Bringing the latest {base} into this branch stopped on conflicts in: {', '.join(files)}. "
        f"Please resolve the conflict markers in those files, keeping both sides' intent, "
        f"then run git add on them and {finish}."
    )


def sync(
    tmux: Tmux,
    choose: Callable[[list[SessionView]], SessionView],
    *,
    rebase: bool,
    ask_agent: bool,
    say: Callable[[str], None],
) -> int:
    """Bring the base's new commits into the session ``choose`` picks; the exit code."""
    from q_tmux.adapters.git import Repo
    from q_tmux.merge.engine import session_repo
    from q_tmux.sessions.views import load_views, server_for, session_record

    views, _ = load_views(tmux)
    view = choose(views)
    record = session_record(view)
    if record.repos:  # a workspace session: each repository in turn
        branches = [
            (Repo.discover(Path(info.repo_root or "")), info, f" in {info.workspace_path}")
            for info in record.repos
        ]
    else:
        branches = [(session_repo(record)[0], record.worktree_info, "")]
    with journals.begin(
        "sync",
        record.id,
        name=record.name,
        rebase=rebase,
        branches=[
            {
                "repo": str(repo.main_worktree),
                "path": info.path,
                "branch": info.branch,
                "base": info.base_branch,
                "where": where,
            }
            for repo, info, where in branches
        ],
    ):
        journals.step_done("sync:journal")
        for repo, info, where in branches:
            stopped = bring_base_in(repo, info, f"'{record.name}'{where}", rebase, say)
            journals.step_done("sync:merged")
            if not stopped:
                continue
            base = info.base_branch or ""
            if ask_agent:
                if view.alive and view.window is not None:
                    owner = server_for(tmux, record.tmux.socket)
                    owner.type_text(view.window.pane_id, conflict_request(base, stopped, rebase))
                    say(f"Asked the agent of '{record.name}' to resolve them.")
                else:
                    say(
                        f"The agent of '{record.name}' is not running; "
                        f"'q-tmux resume {record.name}' first."
                    )
            return 1
    return 0


def settle(data: dict[str, Any]) -> str:
    """Bring the base into each journaled branch still behind it, where that merges cleanly."""
    from q_tmux.adapters.git import History, Repo, operation_in_progress, require_git
    from q_tmux.errors import QTmuxError
    from q_tmux.store.session_file import WorktreeInfo

    name, left = data.get("name", "?"), []
    for each in data.get("branches") or []:
        repo = Repo.discover(Path(each["repo"]))
        work_dir, branch, base = Path(each["path"]), each["branch"] or "", each["base"] or ""
        base_oid, tip = repo.branch_oid(base), repo.branch_oid(branch)
        if base_oid is None or tip is None or not work_dir.is_dir():
            continue  # nothing left to bring in there
        history = History(repo, require_git())
        if history.ahead_behind(base_oid, tip)[1] == 0:
            continue
        busy = operation_in_progress(repo, work_dir)
        if busy is not None or history.predict(tip, base_oid).clean is not True:
            left.append(f"{work_dir}" + (f" ({busy} under way)" if busy else ""))
            continue
        info = WorktreeInfo(path=str(work_dir), branch=branch, base_branch=base)
        try:
            who = f"'{name}'{each.get('where', '')}"
            bring_base_in(repo, info, who, bool(data["rebase"]), print)
        except QTmuxError as error:
            left.append(f"{work_dir} ({error})")
    if left:
        return (
            f"an interrupted 'sync {name}' left {', '.join(left)} behind its base; "
            f"finish it there, or run 'q-tmux sync {name}' again."
        )
    return f"finished the interrupted 'sync {name}'."


def bring_base_in(
    repo: Repo, info: WorktreeInfo, who: str, rebase: bool, say: Callable[[str], None]
) -> list[str]:
    """Merge (or rebase onto) the base in the branch's worktree; the files left in conflict."""
    from q_tmux.adapters.git import History, operation_in_progress, require_git
    from q_tmux.errors import QTmuxError

    branch, base, work_dir = info.branch or "", info.base_branch or "", Path(info.path)
    busy = operation_in_progress(repo, work_dir)
    if busy is not None:
        raise QTmuxError(
            f"{work_dir} is already in the middle of an operation ({busy}); "
            "finish or abort it first."
        )
    base_oid, tip = repo.branch_oid(base), repo.branch_oid(branch)
    if base_oid is None or tip is None:
        raise QTmuxError(f"Branch '{base if base_oid is None else branch}' no longer exists.")
    history = History(repo, require_git())
    _, behind = history.ahead_behind(base_oid, tip)
    if behind == 0:
        say(f"{who} already has everything in {base}.")
        return []
    result = repo.rebase(work_dir, base) if rebase else repo.merge(work_dir, base)
    if result.ok:
        how = "rebased onto" if rebase else "merged"
        say(f"Brought {behind} new commit(s) of {base} into {who} ({how} {base}).")
        return []
    files = list(result.conflicts)
    if not files:  # git refused before starting: nothing changed
        why, hint = result.error, ""
        if not rebase and "fast-forward" in why:  # merge.ff=only in the user's config
            why = "merge.ff=only allows only fast-forwards, and the branches have diverged"
            hint = " ('q-tmux sync --rebase' replays the session's commits instead)"
        raise QTmuxError(f"Could not bring {base} into {who}: {why}; nothing was changed{hint}.")
    say(f"Bringing {base} into {who} stopped on conflicts in {len(files)} file(s):")
    for path in files:
        say(f"  {path}")
    abort = "git rebase --abort" if rebase else "git merge --abort"
    say(f"They are left in {work_dir} to resolve; '{abort}' there undoes the attempt.")
    return files
