"""Literal values of Django settings assigned in the project's settings modules.

A settings module here is any project module that assigns the setting at
module level (under ``if``/``try`` too). Candidate modules are found with one
byte scan of the project's files per run, then parsed with ``ast`` once each;
only literals are evaluated, nothing is imported. A value that is
not a literal (``os.environ[...]``, a function call) is :data:`UNKNOWN`, and
rules treat unknown as "cannot tell": no finding.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asynclint.settings_literals import (  # noqa: F401  (re-exported for the rules)
    UNKNOWN, assignments, django_root, literal,
)

if TYPE_CHECKING:
    from asynclint.project import Project


#: the byte strings :func:`candidates` looks for (one read of each project file per run)
NEEDLES = (b"CACHES", b"CACHE_MIDDLEWARE_ALIAS", b"DATABASES", b"async def")


def candidates(project: "Project", needle: bytes) -> list[str]:
    """Project modules whose source contains ``needle`` (one of :data:`NEEDLES`): a
    whole-project scan (``~needle:...``), valid while the files holding it are unchanged."""
    if needle not in NEEDLES:
        raise ValueError(f"not a settings needle: {needle!r}")
    index = project.index
    return index.scan(f"needle:{needle.decode()}", (needle,),
                      lambda: sorted(m for m, _ in index.files_with((needle,))))


def module_tree(project: "Project", modname: str) -> ast.Module | None:
    """The parsed module (``ast``), read once per run; None when it cannot be read."""
    from asynclint.source import read_source

    trees = project.__dict__.setdefault("_dja67_trees", {})
    path = project.index.module_paths.get(modname)
    if path is not None:
        project.index.recorder.note((path,))  # what is read of it: its content
    if modname not in trees:
        trees[modname] = None
        if path is not None:
            try:
                source, _ = read_source(Path(path))
                trees[modname] = ast.parse(source)
            except (OSError, SyntaxError, ValueError, UnicodeDecodeError, LookupError, RecursionError, MemoryError):
                trees[modname] = None
    return trees[modname]


def same_site(project: "Project", modname: str, near: str | None) -> bool:
    """Is module ``modname`` part of the Django project of file ``near``?

    A repository may hold several Django projects (each with its ``manage.py``);
    settings and views of one say nothing about another. Without a ``manage.py``
    above ``near`` every module counts.
    """
    if near is None:
        return True
    root = django_root(near)
    if root is None:
        return True
    path = project.index.module_paths.get(modname)
    if path is None:
        return False
    try:
        Path(path).resolve().relative_to(root)
    except ValueError:
        return False
    return True


def setting_values(project: "Project", name: str, near: str | None = None) -> list[tuple[str, Any]]:
    """(module, literal value) for every module-level assignment of setting ``name`` in the project
    (in the Django project of file ``near``, when it has a ``manage.py``)."""
    def compute() -> list[tuple[str, Any]]:
        result: list[tuple[str, Any]] = []
        for modname in candidates(project, name.encode()):
            tree = module_tree(project, modname)
            if tree is None:
                continue
            for value in assignments(tree, name):
                result.append((modname, literal(value)))
        return result

    values = project.index.scan(f"setting:{name}", (name.encode(),), compute)
    return [(m, v) for m, v in values if same_site(project, m, near)]
