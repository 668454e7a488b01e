"""The package's import graph has no cycles, and the CLI group declares no command itself.

An import is an edge whether it sits at the top of a module or inside a
function: both run, and a function-level import only hides a cycle from
Python's loader, not from the reader. Imports under ``if TYPE_CHECKING:``
never run and are not edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import click

PACKAGE = Path(__file__).resolve().parent.parent / "q_tmux"

#: Imports that close a cycle another change on issue 13 removes: (importer, imported, why).
#: With them left out the graph must have no cycle at all, so any new cycle fails.
KNOWN_CYCLE_EDGES: list[tuple[str, str, str]] = []


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runs(node: ast.AST) -> bool:
    """False for ``if TYPE_CHECKING:`` (its imports are for the type checker only)."""
    return not (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test))


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """Every module name ``node`` may load: ``from a import b`` may load ``a`` and ``a.b``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph(root: Path, package: str, *, inside_functions: bool = True) -> dict[str, set[str]]:
    """Module → the package's modules it imports (``inside_functions``: there too)."""
    files = {module_name(path, root): path for path in (root / package).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        pending: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
        while pending:
            node = pending.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.Import | ast.ImportFrom):
                    for target in _imported(child, name, path.name == "__init__.py"):
                        while target and target not in files:
                            target = target.rpartition(".")[0]
                        if target and target != name:
                            graph[name].add(target)
                elif _runs(child) and (
                    inside_functions
                    or not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                ):
                    pending.append(child)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.add(member)
                    if member == node:
                        break
                if len(members) > 1:
                    found.append(frozenset(members))
    return found


def write_package(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)


def test_the_cycle_finder_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "p/__init__.py": "",
            "p/a.py": "def f():\n    from p import b\n",
            "p/b.py": "from .a import f\n",
            "p/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from p import d\n",
            "p/d.py": "import p.c\n",
            "p/sub/__init__.py": "from . import e\n",
            "p/sub/e.py": "from ..sub import e as _\nfrom p.sub import *\n",
        },
    )
    graph = import_graph(tmp_path, "p")
    assert graph["p.b"] == {"p.a"}
    assert graph["p.c"] == set()  # type-checking only
    assert graph["p.sub"] == {"p.sub.e"}
    assert cycles(graph) == [frozenset({"p.a", "p.b"}), frozenset({"p.sub", "p.sub.e"})]
    assert cycles(import_graph(tmp_path, "p", inside_functions=False)) == [
        frozenset({"p.sub", "p.sub.e"})
    ]


def test_no_import_cycles_among_module_level_imports() -> None:
    assert cycles(import_graph(PACKAGE.parent, "q_tmux", inside_functions=False)) == []


def test_no_import_cycles_but_the_known_ones_counting_imports_inside_functions() -> None:
    graph = import_graph(PACKAGE.parent, "q_tmux")
    for importer, imported, _why in KNOWN_CYCLE_EDGES:
        graph[importer].discard(imported)
    assert [sorted(cycle) for cycle in cycles(graph)] == []


def test_the_click_group_never_leads_back_to_the_entry_point() -> None:
    graph = import_graph(PACKAGE.parent, "q_tmux")
    reached: set[str] = set()
    pending = ["q_tmux.cli.app"]
    while pending:
        for target in graph[pending.pop()] - reached:
            reached.add(target)
            pending.append(target)
    assert "q_tmux.cli.entry" not in reached


def test_every_command_is_declared_in_its_own_module_with_the_name_the_group_lists() -> None:
    from q_tmux.cli.app import COMMANDS, cli

    context = click.Context(cli, info_name="q-tmux")
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        assert command is not None
        assert command.name == name
        assert command.callback is not None
        assert command.callback.__module__ == f"q_tmux.cli.{COMMANDS[name].split(':')[0]}"
        # the global -L is given to each command once, however often it is looked up
        cli.get_command(context, name)
        assert [p.name for p in command.params].count("socket_name") == 1
    app_source = (PACKAGE / "cli" / "app.py").read_text(encoding="utf-8")
    assert "@cli.command" not in app_source
    assert "click.argument" not in app_source
