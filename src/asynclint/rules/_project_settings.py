"""Literal values of Django settings assigned in the project's settings modules.

A settings module here is any project module that assigns the setting at
module level (under ``if``/``try`` too). Modules are read through the run's
middleware model (:func:`asynclint.middleware_resolve.model_for`), which parses
each module once per run; this file only evaluates literals. A value that is
not a literal (``os.environ[...]``, a function call) is :data:`UNKNOWN`, and
rules treat unknown as "cannot tell": no finding.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from asynclint.project import Project


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


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try)) or type(node).__name__ == "TryStar":
            for attr in ("body", "orelse", "finalbody"):
                yield from _module_level(getattr(node, attr, []) or [])
            for handler in getattr(node, "handlers", []) or []:
                yield from _module_level(handler.body)


def assignments(tree: ast.Module, name: str) -> list[ast.expr]:
    found = []
    for stmt in _module_level(tree.body):
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            found.append(stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name \
                and stmt.value is not None:
            found.append(stmt.value)
    return found


def setting_values(project: "Project", name: str) -> list[tuple[str, Any]]:
    """(module, literal value) for every module-level assignment of setting ``name`` in the project."""
    cache = project.__dict__.setdefault("_asynclint_setting_values", {})
    if name in cache:
        return cache[name]
    from asynclint.middleware_resolve import model_for

    model = model_for(project)
    result: list[tuple[str, Any]] = []
    try:
        candidates = model._candidates((name.encode(),))
    except Exception:  # noqa: BLE001 - no settings readable: nothing known
        candidates = []
    for modname in candidates:
        mod = model.module(modname)
        if mod is None or mod.tree is None:
            continue
        for value in assignments(mod.tree, name):
            result.append((modname, literal(value)))
    cache[name] = result
    return result
