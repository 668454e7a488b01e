"""No module of q-tmux imports pydantic: every file it reads is validated by ``store/schema``.

Read from the source's syntax tree, in milliseconds (pydantic is no dependency
any more, so an import of it would fail only where it is installed by chance).
"""

from __future__ import annotations

import ast
from pathlib import Path

import q_tmux

PACKAGE = Path(q_tmux.__file__).parent
GONE = frozenset({"pydantic", "pydantic_core", "annotated_types"})


def imported(source: str) -> list[tuple[int, str]]:
    """The lines of ``source`` that import one of :data:`GONE`, with the module's name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.split(".")[0] in GONE]


def test_the_check_finds_an_import() -> None:
    source = "import os\nfrom pydantic import BaseModel\ndef f():\n    import pydantic_core.core\n"
    assert imported(source) == [(2, "pydantic"), (4, "pydantic_core.core")]
    assert imported("from q_tmux.store import schema\nimport pydantics\n") == []


def test_no_module_imports_pydantic() -> None:
    found = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := imported(path.read_text(encoding="utf-8")))
    }
    assert found == {}
