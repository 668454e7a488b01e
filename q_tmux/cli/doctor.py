"""``q-tmux doctor``: is everything q-tmux needs in place? One line per finding."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from q_tmux.adapters.tmux_vocabulary import PLUGIN_OPTION
from q_tmux.cli.common import AppContext, say

OK, INFO, PROBLEM = "ok", "--", "!!"


def _check_tools() -> list[tuple[str, str]]:
    from q_tmux.adapters.git import require_git
    from q_tmux.adapters.tmux import require_tmux
    from q_tmux.errors import QTmuxError

    lines = []
    try:
        version = require_git()
        shown = ".".join(map(str, version))
        extra = (
            "" if version >= (2, 38) else " (conflict prediction needs 2.38; it will say 'unknown')"
        )
        lines.append((OK, f"git {shown}{extra}"))
    except QTmuxError as error:
        lines.append((PROBLEM, str(error)))
    try:
        lines.append((OK, f"tmux {require_tmux()}"))
    except QTmuxError as error:
        lines.append((PROBLEM, str(error)))
    return lines


def _check_install() -> list[tuple[str, str]]:
    import q_tmux
    from q_tmux.adapters.process import find_program

    package = Path(q_tmux.__file__).parent
    lines = [(OK, f"q-tmux {q_tmux.__version__} from {package} (python {sys.executable})")]
    on_path = find_program("q-tmux")
    if on_path is None:
        lines.append(
            (PROBLEM, "q-tmux is not on PATH; add ~/.local/bin to PATH or rerun ./install.sh")
        )
    else:
        lines.append((OK, f"q-tmux on PATH at {on_path}"))
    return lines


def _check_server(app: AppContext) -> list[tuple[str, str]]:
    from q_tmux.errors import QTmuxError

    try:
        tmux = app.tmux()
        if not tmux.is_running():
            return [(INFO, f"no tmux server on {tmux.socket_path}; plugin not checked")]
        loaded = tmux.global_option(PLUGIN_OPTION)
    except QTmuxError as error:
        return [(PROBLEM, str(error))]
    plugin = (
        (OK, f"tmux plugin loaded from {loaded}")
        if loaded
        else (
            PROBLEM,
            "the q-tmux tmux plugin is not loaded in this server; run ./install.sh, "
            "then 'tmux source-file ~/.tmux.conf'",
        )
    )
    return [plugin, _check_watcher(tmux.socket_path)]


def _check_watcher(socket: str) -> tuple[str, str]:
    from q_tmux.tracking import watchlock

    if watchlock.running(socket):
        return OK, "state watcher running for this server"
    return INFO, "no state watcher for this server (it starts with the next session)"


def _check_agents() -> list[tuple[str, str]]:
    from q_tmux.adapters.process import find_program
    from q_tmux.agents import catalog

    found = []
    for name in catalog.DETECTION_ORDER:
        spec = catalog.specs()[name]
        path = find_program(spec.executable)
        if path:
            found.append(f"{name} {agent_version(path, spec.version_args)} ({path})")
    if found:
        return [(OK, "agents: " + ", ".join(found))]
    return [
        (
            INFO,
            "no agent found on PATH (q, kiro-cli, claude, codex, gemini, aider); "
            "new sessions will start your shell",
        )
    ]


def agent_version(path: str, args: tuple[str, ...], timeout: float = 5.0) -> str:
    """The first line ``PROGRAM --version`` prints, or why there is none (never hangs)."""
    from q_tmux.adapters import process

    result = process.run(path, list(args), timeout=timeout)
    line = next((line.strip() for line in result.stdout.splitlines() if line.strip()), "")
    if not result.ok or not line:
        return "(version unknown: it did not answer --version)"
    return line[:60]


def _check_config_and_sessions(app: AppContext) -> list[tuple[str, str]]:
    from q_tmux.errors import QTmuxError
    from q_tmux.sessions.views import load_views
    from q_tmux.store.config import config_path, load_config

    lines = []
    try:
        config = load_config()
        path = config_path()
        lines.append((OK, f"config {path}" + ("" if path.exists() else " (not present: defaults)")))
        lines.extend(_check_notify(config.notify.desktop, config.notify.webhook))
    except QTmuxError as error:
        lines.append((PROBLEM, str(error)))
    try:
        views, problems = load_views(app.tmux())
    except QTmuxError as error:
        return [*lines, (PROBLEM, str(error))]
    lines.append((OK, f"{len(views)} session(s) registered"))
    lines.extend((PROBLEM, problem) for problem in problems)
    lines.extend((PROBLEM, f"session '{v.entry.name}': {v.problem}") for v in views if v.problem)
    return lines


def _check_notify(desktop: bool, webhook: str | None) -> list[tuple[str, str]]:
    from q_tmux.sessions.notify_outside import findings

    return [(PROBLEM if problem else OK, text) for problem, text in findings(desktop, webhook)]


def _settle_interrupted() -> list[tuple[str, str]]:
    """Finish or undo what a killed new, rename or sync left half-made, and say so."""
    from q_tmux.sessions.recovery import recover

    return [(PROBLEM if line.startswith("could not") else INFO, line) for line in recover()]


@click.command()
@click.pass_obj
def doctor(app: AppContext) -> int:
    """Check tmux, git, the plugin, agents, config and sessions."""
    lines = [
        *_settle_interrupted(),
        *_check_install(),
        *_check_tools(),
        *_check_server(app),
        *_check_agents(),
        *_check_config_and_sessions(app),
    ]
    for mark, text in lines:
        say(f"{mark}  {text}")
    return 1 if any(mark == PROBLEM for mark, _ in lines) else 0
