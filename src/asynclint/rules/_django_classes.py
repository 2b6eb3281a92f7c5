"""Class hierarchies that mix the project's classes with Django's own.

Class-based view rules need to know which HTTP handlers a view class ends up
with, including the ones it inherits from Django's generic views. The project
index knows the project's classes; Django's classes are read the same way (with
``ast``, lazily) from the installed Django's source files, located without
importing Django. When Django is not installed next to asynclint, a small table
of the generic views (checked against the installed Django by a test) stands in.

Everything here answers "unknown" (``None``) rather than guess: a base class
that neither index knows, a handler wrapped by a decorator whose effect on
async-ness is not known, or an ``http_method_names`` whose value cannot be read
make the whole class unknown, and unknown is never a finding.
"""

from __future__ import annotations

import ast
import importlib.util
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from asynclint.index import ProjectIndex

VIEW = "django.views.generic.base.View"
METHOD_DECORATOR = "django.utils.decorators.method_decorator"
DEFAULT_HTTP_METHOD_NAMES = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
IGNORED_BASES = frozenset({"object", "typing.Generic", "abc.ABC", "builtins.object"})

# Used only when the installed Django's source cannot be read (asynclint installed
# without Django, e.g. in a pre-commit environment). Read from Django 5.2's
# source; tests/test_runtime_views.py checks it against the installed Django.
# class -> (bases, {method: is_async}, http_method_names or None)
FALLBACK_CLASSES: dict[str, tuple[tuple[str, ...], dict[str, bool], tuple[str, ...] | None]] = {
    VIEW: ((), {"dispatch": False, "options": False, "http_method_not_allowed": False, "setup": False},
           DEFAULT_HTTP_METHOD_NAMES),
    "django.views.generic.base.ContextMixin": ((), {}, None),
    "django.views.generic.base.TemplateResponseMixin": ((), {}, None),
    "django.views.generic.base.TemplateView": (
        ("django.views.generic.base.TemplateResponseMixin", "django.views.generic.base.ContextMixin", VIEW),
        {"get": False}, None),
    "django.views.generic.base.RedirectView": (
        (VIEW,), {"get": False, "head": False, "post": False, "options": False, "delete": False,
                  "put": False, "patch": False}, None),
    "django.views.generic.edit.ProcessFormView": ((VIEW,), {"get": False, "post": False, "put": False}, None),
    "django.views.generic.edit.BaseFormView": (
        ("django.views.generic.edit.FormMixin", "django.views.generic.edit.ProcessFormView"), {}, None),
    "django.views.generic.edit.FormMixin": (("django.views.generic.base.ContextMixin",), {}, None),
    "django.views.generic.edit.FormView": (
        ("django.views.generic.base.TemplateResponseMixin", "django.views.generic.edit.BaseFormView"), {}, None),
    "django.views.generic.edit.ModelFormMixin": (
        ("django.views.generic.edit.FormMixin", "django.views.generic.detail.SingleObjectMixin"), {}, None),
    "django.views.generic.detail.SingleObjectMixin": (("django.views.generic.base.ContextMixin",), {}, None),
    "django.views.generic.edit.BaseCreateView": (
        ("django.views.generic.edit.ModelFormMixin", "django.views.generic.edit.ProcessFormView"),
        {"get": False, "post": False}, None),
    "django.views.generic.edit.CreateView": (
        ("django.views.generic.detail.SingleObjectTemplateResponseMixin", "django.views.generic.edit.BaseCreateView"),
        {}, None),
    "django.views.generic.detail.SingleObjectTemplateResponseMixin": (
        ("django.views.generic.base.TemplateResponseMixin",), {}, None),
    "django.views.generic.edit.BaseUpdateView": (
        ("django.views.generic.edit.ModelFormMixin", "django.views.generic.edit.ProcessFormView"),
        {"get": False, "post": False}, None),
    "django.views.generic.edit.UpdateView": (
        ("django.views.generic.detail.SingleObjectTemplateResponseMixin", "django.views.generic.edit.BaseUpdateView"),
        {}, None),
    "django.views.generic.edit.DeletionMixin": ((), {"delete": False, "post": False}, None),
    "django.views.generic.edit.BaseDeleteView": (
        ("django.views.generic.edit.DeletionMixin", "django.views.generic.edit.FormMixin",
         "django.views.generic.detail.BaseDetailView"), {"post": False}, None),
    "django.views.generic.edit.DeleteView": (
        ("django.views.generic.detail.SingleObjectTemplateResponseMixin", "django.views.generic.edit.BaseDeleteView"),
        {}, None),
    "django.views.generic.detail.BaseDetailView": (
        ("django.views.generic.detail.SingleObjectMixin", VIEW), {"get": False}, None),
    "django.views.generic.detail.DetailView": (
        ("django.views.generic.detail.SingleObjectTemplateResponseMixin", "django.views.generic.detail.BaseDetailView"),
        {}, None),
    "django.views.generic.list.MultipleObjectMixin": (("django.views.generic.base.ContextMixin",), {}, None),
    "django.views.generic.list.BaseListView": (
        ("django.views.generic.list.MultipleObjectMixin", VIEW), {"get": False}, None),
    "django.views.generic.list.MultipleObjectTemplateResponseMixin": (
        ("django.views.generic.base.TemplateResponseMixin",), {}, None),
    "django.views.generic.list.ListView": (
        ("django.views.generic.list.MultipleObjectTemplateResponseMixin", "django.views.generic.list.BaseListView"),
        {}, None),
    "django.contrib.auth.mixins.AccessMixin": ((), {}, None),
    "django.contrib.auth.mixins.LoginRequiredMixin": (
        ("django.contrib.auth.mixins.AccessMixin",), {"dispatch": False}, None),
    "django.contrib.auth.mixins.PermissionRequiredMixin": (
        ("django.contrib.auth.mixins.AccessMixin",), {"dispatch": False}, None),
    "django.contrib.auth.mixins.UserPassesTestMixin": (
        ("django.contrib.auth.mixins.AccessMixin",), {"dispatch": False}, None),
}
FALLBACK_ALIASES = {
    "django.views.View": VIEW,
    "django.views.generic.View": VIEW,
    "django.views.generic.TemplateView": "django.views.generic.base.TemplateView",
    "django.views.generic.RedirectView": "django.views.generic.base.RedirectView",
    "django.views.generic.FormView": "django.views.generic.edit.FormView",
    "django.views.generic.CreateView": "django.views.generic.edit.CreateView",
    "django.views.generic.UpdateView": "django.views.generic.edit.UpdateView",
    "django.views.generic.DeleteView": "django.views.generic.edit.DeleteView",
    "django.views.generic.DetailView": "django.views.generic.detail.DetailView",
    "django.views.generic.ListView": "django.views.generic.list.ListView",
}


@dataclass
class Method:
    name: str
    owner: str
    is_async: bool
    decorators: tuple[str, ...] = ()
    line: int = 0


@dataclass
class KnownClass:
    fqn: str
    bases: tuple[str, ...]
    methods: dict[str, Method] = field(default_factory=dict)
    #: class attributes that are not methods (name -> True)
    attrs: frozenset[str] = frozenset()
    #: the literal value of ``http_method_names`` when this class sets it (None: unreadable)
    http_method_names: tuple[str, ...] | None = None
    sets_http_method_names: bool = False
    from_django: bool = False
    module: str = ""


@lru_cache(maxsize=1)
def django_index() -> ProjectIndex | None:
    """An index over the installed Django's source files (None when Django is not installed)."""
    try:
        spec = importlib.util.find_spec("django")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(list(spec.submodule_search_locations)[0])
    files: dict[str, str] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", "locale", "static", "templates")]
        rel = Path(folder).relative_to(root.parent)
        for name in names:
            if name.endswith(".py"):
                parts = [*rel.parts, name[:-3]]
                if parts[-1] == "__init__":
                    parts.pop()
                files[".".join(parts)] = str(Path(folder) / name)
    if not files:
        return None
    return ProjectIndex([root.parent], files=files)


@lru_cache(maxsize=256)
def _django_class_literal(path: str, class_name: str, attr: str) -> tuple[str, ...] | None:
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    return class_literal_in(tree, class_name, attr)


def class_literal_in(tree: ast.Module, class_name: str, attr: str) -> tuple[str, ...] | None:
    """The literal list of strings assigned to ``attr`` in module-level class ``class_name``."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets):
                    return literal_strings(stmt.value)
    return None


def literal_strings(node: ast.expr) -> tuple[str, ...] | None:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


class ClassWorld:
    """Project classes and Django classes behind one lookup (one per checker)."""

    def __init__(self, index: ProjectIndex, class_literal=None) -> None:
        self.index = index
        #: (module, class name, attribute) -> literal list of strings, for project classes of
        #: other modules (None: cannot read them)
        self.class_literal = class_literal
        self._known: dict[str, KnownClass | None] = {}
        self._mro: dict[str, list[str] | None] = {}
        #: literal http_method_names of classes in the module being checked (set by the rule)
        self.local_http_method_names: dict[str, tuple[str, ...] | None] = {}

    def canonical(self, fqn: str) -> str:
        if fqn.startswith("django."):
            dj = django_index()
            if dj is not None:
                return dj.canonical(fqn)
            return FALLBACK_ALIASES.get(fqn, fqn)
        return fqn

    def known(self, fqn: str) -> KnownClass | None:
        fqn = self.canonical(fqn)
        if fqn in self._known:
            return self._known[fqn]
        self._known[fqn] = None  # cycle guard
        result = self._load(fqn)
        self._known[fqn] = result
        return result

    def _load(self, fqn: str) -> KnownClass | None:
        if fqn.startswith("django."):
            dj = django_index()
            if dj is None:
                return self._fallback(fqn)
            info = dj.class_(fqn)
            if info is None:
                return None
            return self._from_info(dj, info, from_django=True)
        info = self.index.class_(fqn)
        if info is None:
            return None
        return self._from_info(self.index, info, from_django=False)

    def _fallback(self, fqn: str) -> KnownClass | None:
        entry = FALLBACK_CLASSES.get(fqn)
        if entry is None:
            return None
        bases, methods, names = entry
        return KnownClass(fqn, bases, {m: Method(m, fqn, a) for m, a in methods.items()}, frozenset(
            {"http_method_names"} if names else ()), names, names is not None, True, fqn.rpartition(".")[0])

    def _from_info(self, index: ProjectIndex, info, from_django: bool) -> KnownClass:
        methods: dict[str, Method] = {}
        for name, func_fqn in info.methods.items():
            func = index.function(func_fqn)
            methods[name] = Method(name, info.fqn, name in info.async_methods,
                                   func.decorators if func else (), func.line if func else 0)
        sets_names = "http_method_names" in info.attrs
        names = None
        if sets_names and from_django:
            path = index.module_paths.get(info.module)
            names = _django_class_literal(path, info.name, "http_method_names") if path else None
        elif sets_names:
            if info.fqn in self.local_http_method_names:
                names = self.local_http_method_names[info.fqn]
            elif self.class_literal is not None:
                names = self.class_literal(info.module, info.name, "http_method_names")
        bases = tuple(b for b in (self.canonical(b) for b in info.bases) if b not in IGNORED_BASES)
        return KnownClass(info.fqn, bases, methods, frozenset(info.attrs), names, sets_names, from_django, info.module)

    def mro(self, fqn: str) -> list[str] | None:
        """C3 linearization, as Python computes it; None if any class in it is unknown."""
        fqn = self.canonical(fqn)
        if fqn in self._mro:
            return self._mro[fqn]
        self._mro[fqn] = None  # cycle guard
        cls = self.known(fqn)
        result: list[str] | None = None
        if cls is not None:
            seqs: list[list[str]] = []
            ok = True
            for base in cls.bases:
                sub = self.mro(base)
                if sub is None:
                    ok = False
                    break
                seqs.append(list(sub))
            if ok:
                result = _c3_merge([[fqn], *seqs, list(cls.bases)])
        self._mro[fqn] = result
        return result


def _c3_merge(seqs: list[list[str]]) -> list[str] | None:
    result: list[str] = []
    seqs = [s for s in seqs if s]
    while seqs:
        for seq in seqs:
            head = seq[0]
            if not any(head in s[1:] for s in seqs):
                break
        else:
            return None  # inconsistent hierarchy: Python would refuse the class
        result.append(head)
        seqs = [s[1:] if s[0] == head else s for s in seqs]
        seqs = [s for s in seqs if s]
    return result


@dataclass
class ViewShape:
    """What ``View.view_is_async`` sees on a class."""

    fqn: str
    order: list[str]  # the MRO
    #: handler name -> (owning class fqn, is async)
    handlers: dict[str, tuple[str, bool]]

    @property
    def async_handlers(self) -> list[str]:
        return [m for m, (_, a) in self.handlers.items() if a]

    @property
    def sync_handlers(self) -> list[str]:
        return [m for m, (_, a) in self.handlers.items() if not a]

    @property
    def mixed(self) -> bool:
        return bool(self.async_handlers) and bool(self.sync_handlers)

    @property
    def is_async(self) -> bool:
        return bool(self.handlers) and not self.sync_handlers

    def find(self, world: ClassWorld, name: str) -> tuple[KnownClass, Method | None] | None:
        """The class that provides attribute ``name``, and its method (None: a plain attribute)."""
        for owner in self.order:
            cls = world.known(owner)
            if cls is None:
                return None
            if name in cls.methods:
                return cls, cls.methods[name]
            if name in cls.attrs:
                return cls, None
        return None


def method_is_async(method: Method, target: tuple[int, int] | None) -> bool | None:
    """Whether Django sees ``method`` as a coroutine function (None: cannot tell)."""
    if not method.decorators:
        return method.is_async
    for decorator in method.decorators:
        if decorator == METHOD_DECORATOR:
            # Since 5.2 method_decorator marks its wrapper when the method is async.
            if target is None:
                return None
            if target < (5, 2):
                return False
            continue
        return None
    return method.is_async


def view_shape(world: ClassWorld, fqn: str, target: tuple[int, int] | None,
               aliases: dict[str, dict[str, str]] | None = None) -> ViewShape | None:
    """Mirror ``View.view_is_async`` for class ``fqn``; None when it is not a view or unknown.

    ``aliases`` maps class fqn -> {attribute: method name} for handlers assigned in
    a class body of the module being checked (``head = get``).
    """
    mro = world.mro(fqn)
    if mro is None or VIEW not in mro:
        return None
    shape = ViewShape(fqn, mro, {})
    names_owner = shape.find(world, "http_method_names")
    if names_owner is None:
        return None
    names = names_owner[0].http_method_names
    if names is None:
        return None
    for name in names:
        if name == "options":
            continue
        found = shape.find(world, name)
        if found is None:
            # hasattr() is False only when no class in the MRO has it (and every class is known)
            if all(world.known(c) is not None for c in mro):
                continue
            return None
        owner, method = found
        if method is None:
            target_name = (aliases or {}).get(owner.fqn, {}).get(name)
            method = owner.methods.get(target_name) if target_name else None
            if method is None:
                return None
        is_async = method_is_async(method, target)
        if is_async is None:
            return None
        shape.handlers[name] = (owner.fqn, is_async)
    return shape
