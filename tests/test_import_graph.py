"""Imports between apps run one way: review → accountability → videos → faces → departments, accounts below them all.

Every module of each app is parsed with `ast` (function-local imports included, since a
local import is how a cycle usually hides), and any import of an app that sits above the
importing one fails the test, naming the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# For each app, the apps it must never import (the ones above it).
FORBIDDEN = {
    "accounts": {"departments", "faces", "videos", "accountability", "review"},
    "departments": {"faces", "videos", "accountability", "review"},
    "faces": {"videos", "accountability", "review"},
    "videos": {"accountability", "review"},
    "accountability": {"review"},
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in a file, at any depth."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def upward_imports(app: str) -> list[str]:
    forbidden = FORBIDDEN[app]
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / app).rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] in forbidden
    ]


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_never_imports_the_apps_above_it(app):
    assert upward_imports(app) == []


def test_the_checker_sees_function_local_imports(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def purge():\n    from faces.models import Face\n    import review.services\n")
    assert imported_modules(module) == [(2, "faces.models.Face"), (3, "review.services")]
