"""The project index: what every rule may ask about the project's code.

Built with the stdlib ``ast`` (ten times cheaper than a libcst parse), lazily: a
module is read the first time a question needs it, and once. It is plain data
(dataclasses of strings, tuples and dicts), so it pickles to worker processes and
to an on-disk cache.

Precision first: a name the index cannot resolve comes back as ``None``
("unknown"), and unknown is never a finding.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from asynclint import knowledge as K
from asynclint.deps import FACTS, SCAN, SCAN_TRIGGERS, Recorder, content_digest, fingerprint, trigger_hits
from asynclint.source import read_source

MAX_RESOLVE_DEPTH = 12
#: a module that may define a model names one (``models.Model``, a project base model)
MODEL_TRIGGERS = (b"Model", b"models")
USER_MODEL_SETTING = frozenset({"django.conf.settings.AUTH_USER_MODEL", "settings.AUTH_USER_MODEL"})


@dataclass
class FunctionInfo:
    fqn: str
    module: str
    name: str
    line: int
    is_async: bool
    is_generator: bool = False
    class_fqn: str | None = None
    decorators: tuple[str, ...] = ()
    is_static: bool = False
    params: tuple[str, ...] = ()
    #: may a ``return`` of it carry a value of a Django type (False: it returns only
    #: literals or nothing, so its call has no type worth summarizing the module for)
    typed_return: bool = True

    @property
    def returns_coroutine(self) -> bool:
        """Calling it makes a coroutine: ``async def``, or wrapped by sync_to_async & co."""
        return (self.is_async and not self.is_generator) or any(d in K.OFFLOADERS for d in self.decorators)


@dataclass
class FieldInfo:
    name: str
    kind: str  # fk, o2o, m2m, generic
    target: str | None  # model fqn, or None when unresolvable
    related_name: str | None = None
    null: bool = False
    unique: bool = False


@dataclass
class ClassInfo:
    fqn: str
    module: str
    name: str
    line: int
    bases: tuple[str, ...]  # resolved where possible, else the dotted source text
    methods: dict[str, str] = field(default_factory=dict)  # name -> function fqn
    async_methods: frozenset[str] = frozenset()
    attrs: dict[str, str] = field(default_factory=dict)  # class attribute -> value kind
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    managers: dict[str, str] = field(default_factory=dict)  # attr -> manager/queryset class fqn
    queryset_class: str | None = None  # for managers built with from_queryset / as_manager
    abstract: bool = False
    meta_model: str | None = None  # class Meta: model = X (ModelForms)
    meta_fields: tuple[str, ...] | None = None  # class Meta: fields = [...] ("__all__",)


@dataclass(frozen=True)
class Route:
    """One ``path()``/``re_path()`` entry of a ``urlpatterns`` list."""

    module: str  # the urls module
    line: int
    pattern: str | None
    view: str | None  # fqn of the view function or class (None: unresolvable)
    is_class: bool  # routed with ``View.as_view()``


@dataclass
class ModuleInfo:
    name: str
    path: str
    is_package: bool
    imports: dict[str, str] = field(default_factory=dict)  # local name -> fqn
    star_imports: tuple[str, ...] = ()
    defined: dict[str, str] = field(default_factory=dict)  # name -> "function"|"class"|"variable"
    assigned_calls: dict[str, str] = field(default_factory=dict)  # name = <call of fqn>(...)
    syntax_error: bool = False


def module_name_for(path: Path, roots: list[Path]) -> str | None:
    path = path.resolve()
    for root in sorted(roots, key=lambda r: -len(r.parts)):
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        if all(p.isidentifier() for p in parts) and parts:
            return ".".join(parts)
    return None


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class ProjectIndex:
    """Modules, functions, classes and models of the project, found on demand."""

    def __init__(self, roots: list[Path], files: dict[str, str] | None = None) -> None:
        self.roots = [r.resolve() for r in roots]
        #: (folder, dotted name as imported with that folder on sys.path) -> module key
        self.aliases: dict[tuple[str, str], str] = {}
        #: module key -> folders an import from that module may be resolved against, nearest first
        self.chains: dict[str, tuple[str, ...]] = {}
        #: file path -> module key
        self.path_keys: dict[str, str] = {}
        # module key -> path, for every .py under the roots (names only: cheap)
        self.module_paths: dict[str, str] = files if files is not None else self._scan()
        self.modules: dict[str, ModuleInfo] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        #: files read while linting a file (see asynclint.deps), and per module
        #: the files its index entry was built from (itself, re-exports it followed)
        self.recorder = Recorder()
        self._deps: dict[str, frozenset[str]] = {}
        #: path -> its module's index entry as built, and its fingerprint once asked
        #: (see asynclint.deps; entries are never changed after they are built)
        self._entries: dict[str, tuple] = {}
        self._facts: dict[str, str] = {}
        #: (class fqn, field) -> the field with its string-named target resolved
        self._resolved_fields: dict[tuple[str, str], FieldInfo] = {}
        #: path -> (content digest, scan triggers its bytes hold): one read per file per run
        self._files: dict[str, tuple[str | None, frozenset[bytes]]] = {}
        #: whole-project scans: name -> value, and what each read (see :meth:`scan`)
        self._scans: dict[str, object] = {}
        self.scan_states: dict[str, tuple[tuple[bytes, ...], str, frozenset[str]]] = {}

    # -- building -------------------------------------------------------------

    def _scan(self) -> dict[str, str]:
        """Name every module as Python would import it.

        A file's module name counts from its nearest folder that is not a package
        (has no ``__init__.py``): the folder Django's ``manage.py`` puts on
        ``sys.path``. A tree holding several projects (each with its own
        ``shop.models``) keeps them apart: the first keeps the plain names, the
        others get keys prefixed with their folder (``other/site::shop.models``),
        and an import is resolved against the importing file's own folders first.

        The walk is ``os.walk`` (top-down, sorted, symlinked folders not entered)
        over :func:`asynclint.discovery.listing`, so a command-line run lists each
        folder once for discovery and this scan together; paths stay strings.
        """
        from asynclint.discovery import listing

        skip = {".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox",
                "build", "dist", ".asynclint_cache", "site-packages", ".mypy_cache"}
        # package root folder -> [(natural name, path, chain of folders)]
        by_root: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
        for src in self.roots:
            top = os.fspath(src)
            # (folder, its parent's package root and package path, folders from top down to it)
            stack: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [(top, top, (), (top,))]
            while stack:
                folder, package_root, prefix, ancestors = stack.pop()
                _, dirs, py, _ = listing(folder)  # sub-folders, and the rest named *.py, by name
                if not dirs and not py:
                    continue  # (most folders of a large tree: locale, static, templates)
                if folder == top:
                    package_root, prefix = top, ()
                elif any(name == "__init__.py" and is_file for name, _, is_file in py):
                    prefix = (*prefix, os.path.basename(folder))  # a package: named from its parent's root
                else:
                    package_root, prefix = folder, ()
                if py:
                    # the package root and the folders above it, up to the source root
                    chain = ancestors[len(ancestors) - 1 - len(prefix)::-1]
                    for name, path, _ in py:
                        parts = [*prefix, name[:-3]] if name != "__init__.py" else list(prefix)
                        if not parts or not all(p.isidentifier() for p in parts):
                            continue
                        by_root.setdefault(package_root, []).append((".".join(parts), path, chain))
                # os.walk's order: this folder, then each subfolder's whole tree, by name
                stack.extend((path, package_root, prefix, (*ancestors, path))
                             for name, path in reversed(dirs)
                             if name not in skip and not name.endswith(".egg-info"))
        found: dict[str, str] = {}
        for package_root in sorted(by_root, key=lambda r: (len(Path(r).parts), r)):
            src = next((r for r in self.roots if Path(package_root) == r or r in Path(package_root).parents), None)
            rel = Path(package_root).relative_to(src).as_posix() if src else package_root
            for natural, path, chain in by_root[package_root]:
                # Only a module whose name is taken already gets a folder-qualified key.
                key = natural if natural not in found else f"{rel}::{natural}"
                if key in found:
                    continue
                found[key] = path
                self.path_keys[path] = key
                self.chains[key] = chain
                stem = path[:-3]  # every path here ends in ".py"
                for folder in chain:
                    # (each folder of the chain is above the file)
                    base = folder if folder.endswith(os.sep) else folder + os.sep
                    rel_parts = stem[len(base):].split(os.sep)
                    if rel_parts and rel_parts[-1] == "__init__":
                        rel_parts = rel_parts[:-1]
                    if rel_parts and all(p.isidentifier() for p in rel_parts):
                        self.aliases.setdefault((folder, ".".join(rel_parts)), key)
        return found

    def localize(self, dotted: str, from_key: str) -> str:
        """``dotted`` (an absolute name as imported in module ``from_key``) with its
        module part replaced by the key of the module Python would import there."""
        chain = self.chains.get(from_key)
        if not chain:
            return dotted
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            mod = ".".join(parts[:cut])
            for folder in chain:
                key = self.aliases.get((folder, mod))
                if key is not None:
                    rest = ".".join(parts[cut:])
                    return f"{key}.{rest}" if rest else key
        return dotted

    def add_source(self, modname: str, path: str, source: str, tree: ast.Module | None = None) -> ModuleInfo:
        """Index one module from its text (used for files outside the scanned roots too),
        or from its ``tree`` when the caller parsed it already."""
        scope = self.recorder.push()
        try:
            return self._add_source(modname, path, source, tree)
        finally:
            self._deps[modname] = self.recorder.pop(scope) | {FACTS + path}
            self.recorder.note(self._deps[modname])

    def _note_module(self, modname: str) -> None:
        """A memoized answer about ``modname`` was used: note what it was built from."""
        if self.recorder.active:
            self.recorder.note(self._deps.get(modname) or ())

    def _add_source(self, modname: str, path: str, source: str, tree: ast.Module | None = None) -> ModuleInfo:
        self.module_paths.setdefault(modname, path)
        is_package = Path(path).name == "__init__.py"
        info = ModuleInfo(modname, path, is_package)
        self.modules[modname] = info
        try:
            if tree is None:
                tree = ast.parse(source)
        except (SyntaxError, ValueError):
            info.syntax_error = True
            self._entries[path] = (info,)
            return info
        indexer = _ModuleIndexer(self, info, source)
        indexer.run(tree)
        # what other files can learn from this module (fingerprinted when the cache asks)
        self._entries[path] = (info, [self.functions[f] for f in indexer.functions],
                               [self.classes[c] for c in indexer.classes])
        return info

    def facts(self, path: str) -> str | None:
        """Fingerprint of the index entry of the module at ``path`` (None: not indexed)."""
        found = self._facts.get(path)
        if found is None and path in self._entries:
            found = self._facts[path] = fingerprint(*self._entries[path])
        return found

    def module(self, modname: str) -> ModuleInfo | None:
        info = self.modules.get(modname)
        if info is not None:
            self._note_module(modname)
            return info
        path = self.module_paths.get(modname)
        if path is None:
            return None
        try:
            source, _ = read_source(Path(path))
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
            self.modules[modname] = info = ModuleInfo(modname, path, False, syntax_error=True)
            self._deps[modname] = frozenset({path})
            self.recorder.note((path,))
            return info
        return self.add_source(modname, path, source)

    # -- whole-project scans ------------------------------------------------------

    def file_facts(self, path: str) -> tuple[str | None, frozenset[bytes]]:
        """(content digest, the :data:`~asynclint.deps.SCAN_TRIGGERS` its bytes hold),
        read once per run and shared by every scan; (None, {}) when unreadable."""
        found = self._files.get(path)
        if found is None:
            try:
                data = Path(path).read_bytes()
            except OSError:
                found = (None, frozenset())
            else:
                found = (content_digest(data), trigger_hits(data))
            self._files[path] = found
        return found

    def files_with(self, triggers: tuple[bytes, ...]) -> list[tuple[str, str]]:
        """(module key, path) of every project module whose bytes hold one of ``triggers``."""
        unknown = set(triggers) - set(SCAN_TRIGGERS)
        if unknown:
            raise ValueError(f"scan triggers must be listed in deps.SCAN_TRIGGERS: {sorted(unknown)}")
        wanted = frozenset(triggers)
        return [(modname, path) for modname, path in list(self.module_paths.items())
                if self.file_facts(path)[1] & wanted]

    def scan(self, name: str, triggers: tuple[bytes, ...], compute, *, by: str = "content"):
        """A whole-project answer, computed once per run.

        A file that uses it depends on the token ``~name``. The cache takes the
        answer to be unchanged while the files holding one of ``triggers`` are the
        same files, with the same content (``by="content"``) or the same index
        entries (``by="facts"``), and every token noted while computing it is
        unchanged. Inputs noted after the answer was built (a lazy model that
        reads more as it is asked) are added to its state.
        """
        token = SCAN + name
        self.recorder.note((token,))
        if name not in self._scans:
            if by not in ("content", "facts"):
                raise ValueError(f"scan {name!r}: by must be 'content' or 'facts'")
            self.files_with(triggers)  # checks the triggers
            outer = self.recorder.isolate()
            try:
                self._scans[name] = compute()
            finally:
                inputs = self.recorder.restore(outer)
                self.scan_states[name] = (tuple(sorted(triggers)), by, inputs - {token})
        return self._scans[name]

    def note_scan_input(self, name: str, tokens) -> None:
        """Add to scan ``name``'s inputs what it read after it was built (lazy answers)."""
        state = self.scan_states.get(name)
        if state is not None:
            self.scan_states[name] = (state[0], state[1], state[2] | frozenset(tokens))

    # -- resolving names --------------------------------------------------------

    def resolve(self, modname: str, dotted: str, _depth: int = 0) -> str | None:
        """Fully qualified name of ``dotted`` as written in module ``modname``."""
        head, _, rest = dotted.partition(".")
        info = self.module(modname)
        if info is None:
            return None
        if head in info.defined:
            target = f"{modname}.{head}"
        elif head in info.imports:
            target = info.imports[head]
        else:
            target = None
            for star in info.star_imports:
                star_info = self.module(star)
                if star_info and (head in star_info.defined or head in star_info.imports):
                    target = self.resolve(star, head, _depth + 1)
                    break
            if target is None:
                return None
        full = f"{target}.{rest}" if rest else target
        return self.canonical(full, _depth + 1)

    def canonical(self, fqn: str, _depth: int = 0) -> str:
        """Follow re-exports (``from .models import Book`` in a package ``__init__``)."""
        if _depth > MAX_RESOLVE_DEPTH:
            return fqn
        parts = fqn.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            mod = ".".join(parts[:cut])
            if mod in self.module_paths:
                info = self.module(mod)
                attr = parts[cut]
                rest = ".".join(parts[cut + 1 :])
                if info is None or attr in info.defined:
                    return fqn
                if attr in info.imports or info.star_imports:
                    target = self.resolve(mod, attr, _depth + 1)
                    if target and target != f"{mod}.{attr}":
                        return f"{target}.{rest}" if rest else target
                return fqn
        return fqn

    def function(self, fqn: str | None) -> FunctionInfo | None:
        if fqn is None:
            return None
        if fqn not in self.functions:
            self._load_owner(fqn)
        info = self.functions.get(fqn)
        if info is not None:
            self._note_module(info.module)
        return info

    def class_(self, fqn: str | None) -> ClassInfo | None:
        if fqn is None:
            return None
        if fqn not in self.classes:
            self._load_owner(fqn)
        info = self.classes.get(fqn)
        if info is not None:
            self._note_module(info.module)
        return info

    def _load_owner(self, fqn: str) -> None:
        parts = fqn.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            mod = ".".join(parts[:cut])
            if mod in self.module_paths:
                self.module(mod)
                return

    # -- questions about classes ------------------------------------------------

    def mro(self, fqn: str) -> list[str]:
        """The class and its ancestors (project classes expanded, others as names)."""
        seen: list[str] = []
        stack = [fqn]
        while stack and len(seen) < 64:
            current = stack.pop(0)
            if current in seen:
                continue
            seen.append(current)
            info = self.class_(current)
            if info is not None:
                stack.extend(info.bases)
        return seen

    def inherits(self, fqn: str, bases: frozenset[str]) -> bool:
        return any(c in bases for c in self.mro(fqn))

    def is_model(self, fqn: str | None) -> bool:
        if not fqn:
            return False
        if fqn in K.DJANGO_BUILTIN_MODELS:
            return True
        info = self.class_(fqn)
        return info is not None and self.inherits(fqn, K.DJANGO_MODEL_BASES | K.DJANGO_BUILTIN_MODELS)

    def is_queryset_class(self, fqn: str | None) -> bool:
        return bool(fqn) and self.inherits(fqn, K.DJANGO_QUERYSET_BASES)

    def is_manager_class(self, fqn: str | None) -> bool:
        if not fqn:
            return False
        info = self.class_(fqn)
        if info is not None and info.queryset_class:
            return True
        return self.inherits(fqn, K.DJANGO_MANAGER_BASES)

    def is_modelform(self, fqn: str | None) -> bool:
        return bool(fqn) and self.inherits(fqn, K.DJANGO_MODELFORM_BASES)

    def find_method(self, class_fqn: str, name: str) -> str | None:
        for cls in self.mro(class_fqn):
            info = self.class_(cls)
            if info is not None and name in info.methods:
                return info.methods[name]
        return None

    def model_fields(self, model: str) -> dict[str, FieldInfo]:
        fields: dict[str, FieldInfo] = {}
        for cls in reversed(self.mro(model)):
            for name, (kind, target) in K.DJANGO_BUILTIN_RELATIONS.get(cls, {}).items():
                fields[name] = FieldInfo(name, kind, target)
            info = self.class_(cls)
            if info is not None:
                for name, f in info.fields.items():
                    if f.target and (f.target.startswith("label:") or f.target in USER_MODEL_SETTING):
                        f = self._resolved_field(info, f)
                    fields[name] = f
        return fields

    def _resolved_field(self, info: ClassInfo, f: FieldInfo) -> FieldInfo:
        """``f`` with the model its string target names (a copy: entries stay as built)."""
        key = (info.fqn, f.name)
        if key not in self._resolved_fields:
            if f.target.startswith("label:"):  # type: ignore[union-attr]
                target = self.model_by_label(f.target[6:], info.module)  # type: ignore[index]
                scans = {SCAN + "models"}
            else:
                target = self.user_model(info.module)
                scans = {SCAN + "models", SCAN + "user-model"}
            # the class's entry now depends on the project's models
            self._deps[info.module] = self._deps.get(info.module, frozenset()) | scans
            self._resolved_fields[key] = replace(f, target=target)
        return self._resolved_fields[key]

    def model_manager(self, model: str, attr: str) -> str | None:
        """The manager class behind ``Model.<attr>``: '' for a plain Manager, None if not a manager."""
        for cls in self.mro(model):
            info = self.class_(cls)
            if info is not None and attr in info.managers:
                return info.managers[attr]
        if attr in ("objects", "_default_manager", "_base_manager"):
            return ""
        return None

    def queryset_class_of_manager(self, manager: str) -> str | None:
        for cls in self.mro(manager):
            info = self.class_(cls)
            if info is not None and info.queryset_class:
                return info.queryset_class
        return None

    def model_by_label(self, label: str, near_module: str) -> str | None:
        """A model named in a string: "Book", "shop.Book" or "self"."""
        self.scan_models()
        app, _, name = label.rpartition(".")
        candidates = [c for c in list(self.classes.values()) if c.name == name and self.is_model(c.fqn)]
        if app:
            candidates = [c for c in candidates if app in c.module.split(".")] or candidates
        near_pkg = near_module.rpartition(".")[0]
        candidates.sort(key=lambda c: (not c.module.startswith(near_pkg), c.module))
        return candidates[0].fqn if candidates else None

    def user_model(self, near_module: str) -> str | None:
        """The model ``settings.AUTH_USER_MODEL`` names for the Django site of ``near_module``
        (the site: the folder with ``manage.py``); Django's User when no settings set it."""
        from asynclint.settings_literals import assignments, django_root, literal

        def compute() -> list[tuple[Path | None, str]]:
            found: list[tuple[Path | None, str]] = []
            for _, path in self.files_with((b"AUTH_USER_MODEL",)):
                try:
                    tree = ast.parse(Path(path).read_bytes())
                except (OSError, SyntaxError, ValueError):
                    continue
                for value in assignments(tree, "AUTH_USER_MODEL"):
                    label = literal(value)
                    if isinstance(label, str):
                        found.append((django_root(path), label))
            return found

        user_models = self.scan("user-model", (b"AUTH_USER_MODEL",), compute)
        if not user_models:
            return "django.contrib.auth.models.User"
        site = django_root(self.module_paths.get(near_module, "."))
        labels = {label for root, label in user_models if site is not None and root == site}
        if not labels:
            labels = {label for _, label in user_models}
        return self.model_by_label(labels.pop(), near_module) if len(labels) == 1 else None

    def routes(self) -> list[Route]:
        """Every view the project's ``urlpatterns`` route to (``include()`` is followed by
        reading the included module's own ``urlpatterns``, as every urls module is read)."""
        def compute() -> list[Route]:
            found: list[Route] = []
            for modname, path in self.files_with((b"urlpatterns",)):
                try:
                    tree = ast.parse(Path(path).read_bytes())
                except (OSError, SyntaxError, ValueError):
                    continue
                for node in tree.body:
                    targets = (node.targets if isinstance(node, ast.Assign)
                               else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
                    if not any(isinstance(t, ast.Name) and t.id == "urlpatterns" for t in targets):
                        continue
                    value = getattr(node, "value", None)
                    for element in (value.elts if isinstance(value, (ast.List, ast.Tuple)) else []):
                        route = self._route(modname, element)
                        if route is not None:
                            found.append(route)
            return found

        return self.scan("routes", (b"urlpatterns",), compute)

    def _route(self, modname: str, element: ast.expr) -> Route | None:
        if not (isinstance(element, ast.Call) and len(element.args) >= 2):
            return None
        func = _dotted(element.func) or ""
        if func.rpartition(".")[2] not in ("path", "re_path", "url"):
            return None
        pattern = element.args[0].value if isinstance(element.args[0], ast.Constant) else None
        target = element.args[1]
        is_class = False
        if isinstance(target, ast.Call) and isinstance(target.func, ast.Attribute) and target.func.attr == "as_view":
            target, is_class = target.func.value, True
        elif isinstance(target, ast.Call):
            return None  # include(...) and other factories: their own urls modules are read too
        dotted = _dotted(target)
        view = self.resolve(modname, dotted) if dotted else None
        return Route(modname, element.lineno, pattern if isinstance(pattern, str) else None, view, is_class)

    def routed_views(self) -> frozenset[str]:
        return frozenset(r.view for r in self.routes() if r.view)

    def scan_models(self) -> None:
        """Index every module that may define models (cheap byte prefilter first)."""

        def compute() -> None:
            for modname, _ in self.files_with(MODEL_TRIGGERS):
                self.module(modname)  # notes the module's entry, loaded now or before

        self.scan("models", MODEL_TRIGGERS, compute, by="facts")

    def reverse_relations(self, model: str) -> dict[str, str]:
        """Accessor name on ``model`` -> related model fqn, for FKs and M2Ms pointing at it."""
        reverse = self.scan("reverse-relations", MODEL_TRIGGERS, self._reverse_relations, by="facts")
        result: dict[str, str] = {}
        for cls in self.mro(model):
            result.update(reverse.get(cls, {}))
        return result

    def _reverse_relations(self) -> dict[str, dict[str, str]]:
        self.scan_models()
        reverse: dict[str, dict[str, str]] = {}
        for cls in list(self.classes.values()):
            if not cls.fields:
                continue
            self._note_module(cls.module)
            resolved = self.model_fields(cls.fqn)  # string targets resolved
            for name in cls.fields:
                f = resolved[name]
                if f.target and f.kind in ("fk", "m2m", "o2o"):
                    if f.related_name == "+" or (f.related_name or "").endswith("+"):
                        continue
                    default = cls.name.lower() if f.kind == "o2o" else f"{cls.name.lower()}_set"
                    reverse.setdefault(f.target, {})[f.related_name or default] = f"{f.kind}:{cls.fqn}"
        return reverse


class _ModuleIndexer:
    def __init__(self, index: ProjectIndex, info: ModuleInfo, source: str = "") -> None:
        self.index = index
        self.info = info
        #: fqns of the functions and classes this module defines (for its fingerprint)
        self.functions: list[str] = []
        self.classes: list[str] = []
        # lines holding the word `yield`: a function with none of them in its span is
        # no generator, without walking its body (most functions). Numbered as ast
        # numbers them; a file with bare \r line ends is walked function by function.
        self.yield_lines: list[int] | None = []
        lines = None if "\r" in source.replace("\r\n", "") else source.split("\n")
        if "yield" in source:
            self.yield_lines = (None if lines is None else
                                [n for n, line in enumerate(lines, 1) if "yield" in line])
        # lines returning something other than a literal (None: cannot tell)
        self.typed_return_lines: list[int] | None = None if lines is None else [
            n for n, line in enumerate(lines, 1)
            if "return" in line and (m := _RETURN_LINE.match(line)) and not _LITERAL_RETURN.fullmatch(m.group(1).strip())]
        natural = info.name.rpartition("::")[2]  # folder-qualified keys resolve like their plain name
        parts = natural.split(".")
        self.package = natural if info.is_package else ".".join(parts[:-1])

    def absolute(self, module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        base = self.package.split(".") if self.package else []
        if level > 1:
            base = base[: len(base) - (level - 1)]
        return ".".join([*base, module] if module else base)

    def run(self, tree: ast.Module) -> None:
        info = self.info
        stars: list[str] = []
        for node in self._top_level(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        info.imports[alias.asname] = self.index.localize(alias.name, info.name)
                    else:
                        top = alias.name.split(".")[0]
                        info.imports.setdefault(top, self.index.localize(top, info.name))
            elif isinstance(node, ast.ImportFrom):
                mod = self.absolute(node.module, node.level)
                if mod:
                    mod = self.index.localize(mod, info.name)
                for alias in node.names:
                    if alias.name == "*":
                        stars.append(mod)
                    else:
                        info.imports[alias.asname or alias.name] = f"{mod}.{alias.name}" if mod else alias.name
        info.star_imports = tuple(stars)
        for node in tree.body:
            self._statement(node)

    def _top_level(self, tree: ast.Module):
        """Imports at module level, including those under if/try (TYPE_CHECKING, fallbacks)."""
        stack = list(tree.body)
        while stack:
            node = stack.pop(0)
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node
            elif isinstance(node, (ast.If, ast.Try)) or type(node).__name__ == "TryStar":
                for attr in ("body", "orelse", "finalbody"):
                    stack.extend(getattr(node, attr, []))
                for handler in getattr(node, "handlers", []):
                    stack.extend(handler.body)

    def _statement(self, node: ast.stmt) -> None:
        info = self.info
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            info.defined[node.name] = "function"
            self._function(node, None)
        elif isinstance(node, ast.ClassDef):
            info.defined[node.name] = "class"
            self._class(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    info.defined.setdefault(target.id, "variable")
                    if isinstance(node.value, ast.Call):
                        self._module_level_call(target.id, node.value)
        elif isinstance(node, (ast.If, ast.Try)):
            for attr in ("body", "orelse", "finalbody"):
                for child in getattr(node, attr, []):
                    self._statement(child)

    def _module_level_call(self, name: str, call: ast.Call) -> None:
        dotted = _dotted(call.func)
        if dotted:
            self.info.assigned_calls[name] = dotted
        # BookManager = models.Manager.from_queryset(BookQuerySet)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "from_queryset" and call.args:
            qs = _dotted(call.args[0])
            fqn = f"{self.info.name}.{name}"
            self.classes.append(fqn)
            self.index.classes[fqn] = ClassInfo(
                fqn, self.info.name, name, call.lineno,
                bases=(self._resolve_later(_dotted(call.func.value) or ""),),
                queryset_class=self._resolve_later(qs) if qs else None,
            )
            self.info.defined[name] = "class"

    def _resolve_later(self, dotted: str) -> str:
        """Resolve a dotted name through this module's own imports (no recursion into others)."""
        head, _, rest = dotted.partition(".")
        if head in self.info.imports:
            target = self.info.imports[head]
        elif head in self.info.defined or head:
            target = f"{self.info.name}.{head}" if head in self.info.defined else head
        else:
            return dotted
        full = f"{target}.{rest}" if rest else target
        return self.index.canonical(full) if head in self.info.imports else full

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None) -> str:
        fqn = f"{cls or self.info.name}.{node.name}"
        decorators = tuple(self._resolve_later(d) for d in (_dotted(_strip_call(x)) for x in node.decorator_list) if d)
        self.functions.append(fqn)
        self.index.functions[fqn] = FunctionInfo(
            fqn, self.info.name, node.name, node.lineno,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            is_generator=self._may_yield(node) and _is_generator(node),
            typed_return=self._may_return_typed(node),
            class_fqn=cls,
            decorators=decorators,
            is_static="staticmethod" in decorators,
            params=tuple(a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]),
        )
        return fqn

    def _may_return_typed(self, node: ast.AST) -> bool:
        if self.typed_return_lines is None:
            return True
        end = getattr(node, "end_lineno", None) or 10**9
        return any(node.lineno <= n <= end for n in self.typed_return_lines)

    def _may_yield(self, node: ast.AST) -> bool:
        if self.yield_lines is None:
            return True
        end = getattr(node, "end_lineno", None) or 10**9
        return any(node.lineno <= n <= end for n in self.yield_lines)

    def _class(self, node: ast.ClassDef) -> None:
        fqn = f"{self.info.name}.{node.name}"
        bases: list[str] = []
        queryset_class = None
        for base in node.bases:
            # class OrderManager(models.Manager.from_queryset(OrderQuerySet)): ...
            if (isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute)
                    and base.func.attr == "from_queryset"):
                manager = _dotted(base.func.value)
                if manager:
                    bases.append(self._resolve_later(manager))
                qs = _dotted(base.args[0]) if base.args else None
                if qs:
                    queryset_class = self._resolve_later(qs)
                continue
            dotted = _dotted(_strip_call(base))
            if dotted:
                bases.append(self._resolve_later(dotted))
        info = ClassInfo(fqn, self.info.name, node.name, node.lineno, tuple(bases), queryset_class=queryset_class)
        async_methods = set()
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info.methods[stmt.name] = self._function(stmt, fqn)
                if isinstance(stmt, ast.AsyncFunctionDef):
                    async_methods.add(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        self._class_attr(info, target.id, stmt.value)
            elif isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
                for meta in stmt.body:
                    if not isinstance(meta, ast.Assign):
                        continue
                    names = {t.id for t in meta.targets if isinstance(t, ast.Name)}
                    if "abstract" in names and isinstance(meta.value, ast.Constant) and meta.value.value is True:
                        info.abstract = True
                    elif "model" in names and (dotted := _dotted(meta.value)):
                        info.meta_model = self._resolve_later(dotted)
                    elif "fields" in names:
                        if isinstance(meta.value, ast.Constant) and meta.value.value == "__all__":
                            info.meta_fields = ("__all__",)
                        elif isinstance(meta.value, (ast.List, ast.Tuple)):
                            info.meta_fields = tuple(e.value for e in meta.value.elts
                                                     if isinstance(e, ast.Constant) and isinstance(e.value, str))
        info.async_methods = frozenset(async_methods)
        self.classes.append(fqn)
        self.index.classes[fqn] = info

    def _class_attr(self, info: ClassInfo, name: str, value: ast.expr) -> None:
        if isinstance(value, ast.Constant):
            info.attrs[name] = repr(value.value)
            return
        if not isinstance(value, ast.Call):
            info.attrs[name] = "expr"
            return
        func = value.func
        dotted = _dotted(func) or ""
        last = dotted.rpartition(".")[2]
        info.attrs[name] = "call"
        if last in K.RELATION_FIELDS:
            target_node = value.args[0] if value.args else next((k.value for k in value.keywords if k.arg == "to"), None)
            related = next((k.value for k in value.keywords if k.arg == "related_name"), None)
            related_name = related.value if isinstance(related, ast.Constant) and isinstance(related.value, str) else None
            null = any(k.arg == "null" and isinstance(k.value, ast.Constant) and k.value.value is True
                       for k in value.keywords)
            info.fields[name] = FieldInfo(name, K.RELATION_FIELDS[last], self._field_target(target_node, info),
                                          related_name, null)
        elif last.endswith("Field") and last[:1].isupper():
            unique = any(k.arg in ("unique", "primary_key") and isinstance(k.value, ast.Constant) and k.value.value is True
                         for k in value.keywords)
            info.fields[name] = FieldInfo(name, "field", None, unique=unique)
        elif last == "as_manager" and isinstance(func, ast.Attribute):
            qs = _dotted(func.value)
            if qs:
                qs_fqn = self._resolve_later(qs)
                mgr_fqn = f"{info.fqn}.{name}__manager"
                self.classes.append(mgr_fqn)
                self.index.classes[mgr_fqn] = ClassInfo(
                    mgr_fqn, self.info.name, f"{name}__manager", value.lineno,
                    bases=("django.db.models.Manager",), queryset_class=qs_fqn)
                info.managers[name] = mgr_fqn
        elif isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute) and func.func.attr == "from_queryset":
            qs = _dotted(func.args[0]) if func.args else None
            mgr_fqn = f"{info.fqn}.{name}__manager"
            self.classes.append(mgr_fqn)
            self.index.classes[mgr_fqn] = ClassInfo(
                mgr_fqn, self.info.name, f"{name}__manager", value.lineno,
                bases=(self._resolve_later(_dotted(func.func.value) or ""),),
                queryset_class=self._resolve_later(qs) if qs else None)
            info.managers[name] = mgr_fqn
        elif dotted and (last.endswith("Manager") or "manager" in last.lower()):
            info.managers[name] = self._resolve_later(dotted)

    def _field_target(self, node: ast.expr | None, info: ClassInfo) -> str | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value == "self":
                return info.fqn
            return "label:" + node.value
        dotted = _dotted(node)
        return self._resolve_later(dotted) if dotted else None


_RETURN_LINE = re.compile(r"\s*return\b(.*)$")
#: what a ``return`` line may hold and still return no Django value: nothing, a
#: constant, a string literal, an empty display (a trailing comment allowed)
_LITERAL_RETURN = re.compile(
    r"""(?:|None|True|False|-?\d[\w.]*|\(\)|\[\]|\{\}|[rRbBuUfF]{0,2}'[^'\\]*'|[rRbBuUfF]{0,2}"[^"\\]*")\s*(?:\#.*)?""")


def _strip_call(node: ast.expr) -> ast.expr:
    return node.func if isinstance(node, ast.Call) else node


def _is_generator(node: ast.AST) -> bool:
    """Does the function's own body yield (not a nested function, lambda or class)?"""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(child))
    return False

