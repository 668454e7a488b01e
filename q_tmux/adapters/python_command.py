"""The command lines that start q-tmux's own modules in a new Python (hooks, watcher, waiter).

``python -m MODULE`` puts the folder it starts in first on ``sys.path``. A hook
starts in the agent's worktree, so a ``json.py`` at the top of a repository
would run inside every hook (and silence the tracking). These command lines
never import from the starting folder: ``-P`` for modules that need the
installed packages, and for the standard-library-only ones (the hook, the
watcher, the waiter of a queued session) ``-I -S`` with q-tmux's own folder
appended after the standard library, which also skips ``site`` and ``runpy``
(about 5 ms of every hook). A hook also turns the cyclic garbage collector off
before its imports: its passes over the objects they make cost ~1.5 ms, and the
hook exits before any cycle matters (the watcher, which runs for days, keeps it).

Standard library only: the hook path builds these.
"""

from __future__ import annotations

import os
import sys

#: The folder holding the ``q_tmux`` package (site-packages, or a source checkout).
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def stdlib_module(module: str, *args: str, collect_cycles: bool = True) -> list[str]:
    """Run ``main(sys.argv[1:])`` of ``module``, which imports only the stdlib and q_tmux.

    ``collect_cycles=False`` for a process that lives for a moment (a hook).
    """
    code = (
        ("" if collect_cycles else "import gc; gc.disable(); ")
        + f"import sys; sys.path.append({PACKAGE_ROOT!r}); "
        + f"from {module} import main; sys.exit(main(sys.argv[1:]))"
    )
    return [sys.executable, "-I", "-S", "-c", code, *args]


def module(module: str, *args: str) -> list[str]:
    """Run ``module`` as ``python -m`` does, with the installed packages, not the current folder."""
    return [sys.executable, "-P", "-m", module, *args]
