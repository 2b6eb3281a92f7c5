"""Reading Django settings as written: module-level literals, and which site a file belongs to.

Shared by the project index (``AUTH_USER_MODEL``) and the rules that read
settings (``CACHES``, ``DATABASES``, ``MIDDLEWARE``). Nothing is imported or run:
a value that is not a literal is :data:`UNKNOWN`, and unknown means "cannot tell".
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Iterator


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


def literal(node: ast.AST | None) -> Any:
    """A partial literal: dicts, lists, tuples and constants; anything else is UNKNOWN."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Dict):
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values):
            if key is None:  # **spread: the dict may hold more than we see
                result[UNKNOWN] = UNKNOWN
                continue
            k = literal(key)
            if k is UNKNOWN:
                result[UNKNOWN] = UNKNOWN
                continue
            result[k] = literal(value)
        return result
    if isinstance(node, (ast.List, ast.Tuple)):
        return [literal(e) for e in node.elts]
    return UNKNOWN


def module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try)) or type(node).__name__ == "TryStar":
            for attr in ("body", "orelse", "finalbody"):
                yield from module_level(getattr(node, attr, []) or [])
            for handler in getattr(node, "handlers", []) or []:
                yield from module_level(handler.body)


def assignments(tree: ast.Module, name: str) -> list[ast.expr]:
    found = []
    for stmt in module_level(tree.body):
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            found.append(stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name \
                and stmt.value is not None:
            found.append(stmt.value)
    return found


def django_root(path: str | Path) -> Path | None:
    """The nearest folder above ``path`` that holds a ``manage.py``: the Django project it belongs to."""
    here = Path(path).resolve()
    for folder in here.parents:
        if (folder / "manage.py").is_file():
            return folder
    return None
