"""What the ``MIDDLEWARE`` settings of a project hold, read without importing anything.

Used by the DJA5xx rules. Everything here reads source files with the stdlib
``ast``; no project or third-party code runs:

* **Locating modules.** Project modules come from the project index, under its
  keys: an absolute name is first localized from the importing module (a tree
  of several projects keeps each project's ``config.settings`` apart). Other
  modules (Django, third-party packages) are located with
  ``importlib.util.find_spec`` on the *top-level* name only (a top-level lookup
  imports nothing), then ``importlib.machinery.PathFinder.find_spec`` on each
  submodule with its parent's search locations (which, unlike
  ``importlib.util.find_spec("a.b")``, does not import ``a``).
* **Resolving a dotted path** the way ``django.utils.module_loading.import_string``
  does: module ``a.b``, attribute ``C``, following imports, re-exports, aliases
  and star imports.
* **Capability flags** (``sync_capable`` / ``async_capable``): looked up along the
  class's C3 MRO (bases followed across modules and into Django), with class
  decorators and ``Cls.flag = ...`` assignments applied. A decorator counts when
  its source sets constant flags on its argument and returns it (that is what
  Django's ``sync_only_middleware`` & co. do), so no decorator is known by name.
  Django's defaults apply when nothing sets a flag: ``sync_capable=True``,
  ``async_capable=False`` (``BaseHandler.load_middleware`` uses ``getattr``).
* **Settings modules**: module-level ``MIDDLEWARE = [...]``, ``BASE + [...]``,
  ``[*BASE, ...]``, ``list(BASE)``, ``+=``, ``.append``, ``.insert``, ``.extend``,
  ``.remove``, star and named imports from other settings modules. Every list
  entry keeps the module and line where its string literal is written.
* **Which settings modules serve ASGI** (see :meth:`MiddlewareModel.is_asgi`), and
  the mode ``load_middleware(is_async=True)`` picks for each entry (``_modes``).

Anything that cannot be known is ``UNKNOWN`` and never becomes a finding. The
model is built once per run and cached on the :class:`~asynclint.project.Project`.
"""

from __future__ import annotations

import ast
import builtins
import importlib.machinery
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Union

from asynclint.source import read_source

if TYPE_CHECKING:
    from asynclint.project import Project

MAX_DEPTH = 16
FLAGS = ("sync_capable", "async_capable")
#: Django's defaults when a middleware sets no flag (``getattr(mw, flag, default)``).
DEFAULT_FLAGS = {"sync_capable": True, "async_capable": False}
#: Where Django defines ``MiddlewareMixin`` (6.2 moves it to ``django.middleware.base``).
MIDDLEWARE_MIXINS = frozenset({"django.utils.deprecation.MiddlewareMixin", "django.middleware.base.MiddlewareMixin"})
ASGI_FACTORIES = frozenset({"django.core.asgi.get_asgi_application", "django.core.handlers.asgi.ASGIHandler"})


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"  # unpickles as the one UNKNOWN (identity checks keep working)


#: "The analysis cannot know": never a finding.
UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Missing:
    """A module or attribute that does not exist: importing it fails."""

    reason: str
    #: the top-level package is not installed where asynclint runs (an optional
    #: dependency may be installed where the site runs)
    not_installed: bool = False


@dataclass
class Mod:
    name: str
    path: str
    is_package: bool
    tree: ast.Module | None
    #: name -> the statements that bind it at module level: ("class", ClassDef),
    #: ("function", FunctionDef), ("import", fqn), ("assign", value expr)
    bindings: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    stars: list[str] = field(default_factory=list)
    #: (name, attribute) -> value of ``name.attribute = value`` at module level
    attr_sets: dict[tuple[str, str], ast.expr] = field(default_factory=dict)
    #: module ``__getattr__`` or ``globals()`` writes: absent names may still exist
    dynamic: bool = False


@dataclass(frozen=True)
class Target:
    """A class or function found in a module's source."""

    fqn: str
    kind: str  # "class" | "function"
    mod: Mod
    node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef

    @property
    def line(self) -> int:
        return self.node.lineno


@dataclass(frozen=True)
class Opaque:
    """A class in an MRO whose source cannot be read (its name, when known)."""

    name: str


@dataclass(frozen=True)
class Capability:
    target: Target | None  # None: known without reading source (Django not installed here)
    sync_capable: bool
    async_capable: bool
    #: why the middleware is (not) async-capable, for messages
    why: str

    @property
    def sync_only(self) -> bool:
        return self.sync_capable and not self.async_capable


Resolved = Union[Target, Missing, _Unknown]


@dataclass(frozen=True)
class Entry:
    """One string in a MIDDLEWARE list, where it is written."""

    path: str
    module: str
    line: int
    col: int
    #: added under an ``if`` / ``try`` (``if DEBUG: MIDDLEWARE += [...]``)
    conditional: bool = False


@dataclass
class EntryFinding:
    entry: Entry
    kind: str  # "sync-only" | "unresolvable" | "no-mode"
    capability: Capability | None = None
    reason: str = ""
    settings: str = ""  # the settings module whose MIDDLEWARE holds the entry
    above: list[str] = field(default_factory=list)  # async-capable entries forced to run sync
    above_unknown: bool = False  # the walk upward met an entry it could not resolve
    position: int = 0
    total: int = 0


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _walk_module_level(body: list[ast.stmt]):
    """Module-level statements in order, including those under if / try / with."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)) or type(node).__name__ == "TryStar":
            for attr in ("body", "orelse", "finalbody"):
                yield from _walk_module_level(getattr(node, attr, []) or [])
            for handler in getattr(node, "handlers", []) or []:
                yield from _walk_module_level(handler.body)


class MiddlewareModel:
    """Per-run knowledge about middleware; build with :func:`model_for`."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self.index = project.index
        self._mods: dict[str, Mod | None] = {}
        self._located: dict[str, object] = {}
        self._caps: dict[tuple[str, str | None], Capability | Missing | _Unknown] = {}
        self._mro: dict[str, list] = {}
        self._envs: dict[str, dict[str, list | None]] = {}
        self._env_busy: set[str] = set()
        self._findings: dict[str, dict[tuple[int, str], list[EntryFinding]]] | None = None
        self._asgi: dict[str, bool] = {}
        self._asgi_direct: set[str] | None = None
        self._settings: list[str] | None = None
        self._needles: dict[str, frozenset[bytes]] | None = None
        self._tops: set[str] | None = None
        #: middleware (class or factory fqn) that Django runs async in some ASGI stack
        self._async_run: set[str] = set()
        self.django_installed = isinstance(self._spec("django"), importlib.machinery.ModuleSpec)

    # -- locating and reading modules ----------------------------------------------

    @staticmethod
    def _spec(top: str):
        """The spec of a top-level module (None: not installed; UNKNOWN: cannot tell).

        ``find_spec`` on a top-level name runs the finders only: nothing is imported.
        """
        try:
            return importlib.util.find_spec(top)
        except ValueError:  # in sys.modules without a __spec__: it exists
            return UNKNOWN
        except (ImportError, AttributeError, TypeError):
            return UNKNOWN

    def locate(self, modname: str) -> object:
        """Path of ``modname``'s source, or Missing, or UNKNOWN (exists, unreadable)."""
        if modname in self._located:
            return self._located[modname]
        result = self._locate(modname)
        self._located[modname] = result
        return result

    def _locate(self, modname: str) -> object:
        path = self.index.module_paths.get(modname)
        if path is not None:
            return path
        if "::" in modname:  # a folder-qualified project key (a tree of several projects)
            return Missing(f"no module named {modname.rpartition('::')[2]!r}")
        parts = modname.split(".")
        if not all(p.isidentifier() for p in parts):
            return Missing(f"{modname!r} is not a module name")
        if parts[0] in self._project_tops():
            # a project package: the index has every module of it
            return Missing(f"no module named {modname!r}")
        spec = self._spec(parts[0])
        if spec is UNKNOWN:
            return UNKNOWN
        if spec is None:
            if not self.django_installed:
                return UNKNOWN  # not the project's environment: installed packages are unknown
            return Missing(f"no module named {parts[0]!r} is installed", not_installed=True)
        for i in range(1, len(parts)):
            locations = spec.submodule_search_locations
            if locations is None:
                return Missing(f"no module named {modname!r}")
            try:
                spec = importlib.machinery.PathFinder.find_spec(".".join(parts[: i + 1]), list(locations))
            except (ImportError, ValueError, OSError):
                return UNKNOWN
            if spec is None:
                return Missing(f"no module named {modname!r}")
        origin = spec.origin
        if isinstance(origin, str) and origin.endswith(".py"):
            return origin
        return UNKNOWN  # namespace package, extension module, frozen, zip...

    def _project_tops(self) -> set[str]:
        """Top-level names of the project's modules (as imported, any project of the tree)."""
        if self._tops is None:
            self._tops = {key.rpartition("::")[2].split(".")[0] for key in self.index.module_paths}
        return self._tops

    def localize(self, dotted: str, from_module: str) -> str:
        """An absolute dotted name imported in ``from_module``, as the index keys it."""
        localize = getattr(self.index, "localize", None)
        return localize(dotted, from_module) if localize is not None else dotted

    def module(self, modname: str) -> Mod | None:
        if modname in self._mods:
            return self._mods[modname]
        self._mods[modname] = None
        path = self.locate(modname)
        if not isinstance(path, str):
            return None
        try:
            source, _ = read_source(Path(path))
            tree = ast.parse(source)
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError, LookupError):
            return None
        mod = Mod(modname, path, Path(path).name == "__init__.py", tree)
        if path in self.index.path_keys:  # a project file: the model depends on its content
            note = getattr(self.index, "note_scan_input", None)
            if note is not None:
                note(SCAN_NAME, (path,))
        self._index_module(mod, tree)
        self._mods[modname] = mod
        return mod

    def _absolute(self, mod: Mod, module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        package = mod.name if mod.is_package else mod.name.rpartition(".")[0]
        base = package.split(".") if package else []
        if level > 1:
            base = base[: len(base) - (level - 1)]
        return ".".join([*base, module] if module else base)

    def _index_module(self, mod: Mod, tree: ast.Module) -> None:
        def bind(name: str, what: tuple[str, object]) -> None:
            mod.bindings.setdefault(name, []).append(what)

        for node in _walk_module_level(tree.body):
            if isinstance(node, ast.ClassDef):
                bind(node.name, ("class", node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                bind(node.name, ("function", node))
                if node.name == "__getattr__":
                    mod.dynamic = True
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        bind(alias.asname, ("import", self.localize(alias.name, mod.name)))
                    else:
                        top = alias.name.split(".")[0]
                        bind(top, ("import", self.localize(top, mod.name)))
            elif isinstance(node, ast.ImportFrom):
                base = self._absolute(mod, node.module, node.level)
                if node.level == 0:
                    base = self.localize(base, mod.name)
                for alias in node.names:
                    if alias.name == "*":
                        mod.stars.append(base)
                    else:
                        bind(alias.asname or alias.name, ("import", f"{base}.{alias.name}" if base else alias.name))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        bind(target.id, ("assign", node.value))
                    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                        mod.attr_sets[(target.value.id, target.attr)] = node.value
                    elif isinstance(target, (ast.Tuple, ast.List)):
                        for element in ast.walk(target):
                            if isinstance(element, ast.Name):
                                bind(element.id, ("assign", None))
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                bind(node.target.id, ("assign", None))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _dotted(node.func) in ("globals", "exec"):
                mod.dynamic = True
            elif isinstance(node, ast.Call) and _dotted(node.func) == "setattr" and node.args \
                    and "sys.modules" in ast.unparse(node.args[0]):
                mod.dynamic = True

    # -- resolving names -------------------------------------------------------------

    def resolve_path(self, dotted: str, from_module: str | None = None) -> Resolved:
        """What ``import_string(dotted)`` would return (run with ``from_module``'s project
        on ``sys.path``): a Target, Missing, or UNKNOWN."""
        module_path, _, attr = dotted.rpartition(".")
        if not module_path or not attr:
            return Missing(f"{dotted!r} is not a dotted path")
        if from_module:
            module_path = self.localize(module_path, from_module)
        located = self.locate(module_path)
        if isinstance(located, Missing):
            return located
        if located is UNKNOWN:
            return UNKNOWN
        return self.lookup(module_path, attr, 0)

    def lookup(self, modname: str, name: str, depth: int) -> Resolved:
        """The class or function bound to ``name`` in module ``modname``."""
        if depth > MAX_DEPTH:
            return UNKNOWN
        mod = self.module(modname)
        if mod is None:
            located = self.locate(modname)
            return located if isinstance(located, Missing) else UNKNOWN
        binds = mod.bindings.get(name)
        if binds:
            distinct = {(kind, id(value) if kind != "import" else value) for kind, value in binds}
            if len(distinct) > 1:
                return UNKNOWN  # bound more than once (try/except fallbacks, redefinitions)
            kind, value = binds[-1]
            if kind in ("class", "function"):
                return Target(f"{modname}.{name}", kind, mod, value)  # type: ignore[arg-type]
            if kind == "import":
                return self.resolve_fqn(str(value), depth + 1)
            if isinstance(value, (ast.Name, ast.Attribute)):
                dotted = _dotted(value)
                if dotted and dotted != name:
                    return self.resolve_in(mod, dotted, depth + 1)
            return UNKNOWN
        unknown = False
        for star in mod.stars:
            found = self.lookup(star, name, depth + 1)
            if isinstance(found, Target):
                return found
            if found is UNKNOWN:
                unknown = True
        if unknown or mod.dynamic:
            return UNKNOWN
        if mod.is_package and isinstance(self.locate(f"{modname}.{name}"), str):
            return UNKNOWN  # a submodule: import_string gives a module object
        return Missing(f"module {modname!r} does not define {name!r}")

    def resolve_fqn(self, fqn: str, depth: int = 0) -> Resolved:
        """``a.b.C`` written in an import: module ``a.b``, name ``C`` (or a module)."""
        parts = fqn.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            modname = ".".join(parts[:cut])
            located = self.locate(modname)
            if isinstance(located, Missing):
                continue
            if located is UNKNOWN:
                return UNKNOWN
            if cut != len(parts) - 1:
                return UNKNOWN  # an attribute of a class: not followed
            return self.lookup(modname, parts[cut], depth + 1)
        located = self.locate(fqn)
        return UNKNOWN if not isinstance(located, Missing) else located

    def resolve_in(self, mod: Mod, dotted: str, depth: int = 0) -> Resolved | Opaque:
        """A dotted name as written in ``mod`` (a base class, a decorator)."""
        head, _, rest = dotted.partition(".")
        if head in mod.bindings or any(self._star_binds(s, head) for s in mod.stars):
            if not rest:
                return self.lookup(mod.name, head, depth + 1)
            binds = mod.bindings.get(head) or []
            if len(binds) == 1 and binds[0][0] == "import":
                return self.resolve_fqn(f"{binds[0][1]}.{rest}", depth + 1)
            return UNKNOWN
        if not rest and not mod.stars and hasattr(builtins, head):
            return Opaque(f"builtins.{head}")
        return UNKNOWN

    def _star_binds(self, star: str, name: str) -> bool:
        other = self.module(star)
        return other is None or other.dynamic or name in other.bindings or bool(other.stars)

    def qualify(self, mod: Mod, dotted: str) -> str | None:
        """The fully qualified name a dotted name refers to, from the imports alone."""
        head, _, rest = dotted.partition(".")
        binds = mod.bindings.get(head) or []
        if len(binds) == 1 and binds[0][0] == "import":
            target = str(binds[0][1])
        elif len(binds) == 1 and binds[0][0] in ("class", "function"):
            target = f"{mod.name}.{head}"
        else:
            return None
        return f"{target}.{rest}" if rest else target

    # -- classes -----------------------------------------------------------------------

    def bases(self, target: Target) -> list[Target | Opaque]:
        result: list[Target | Opaque] = []
        for base in target.node.bases if isinstance(target.node, ast.ClassDef) else []:
            dotted = _dotted(base)
            if dotted is None:
                result.append(Opaque("<expression>"))
                continue
            found = self.resolve_in(target.mod, dotted)
            if isinstance(found, (Target, Opaque)) and (not isinstance(found, Target) or found.kind == "class"):
                result.append(found)
            else:
                result.append(Opaque(self.qualify(target.mod, dotted) or dotted))
        return result

    def mro(self, target: Target, depth: int = 0) -> list[Target | Opaque]:
        """C3 linearisation; a base that cannot be read stays in it as Opaque."""
        if target.fqn in self._mro:
            return self._mro[target.fqn]
        if depth > MAX_DEPTH:
            return [target, Opaque("<too deep>")]
        self._mro[target.fqn] = [target, Opaque("<cycle>")]
        bases = self.bases(target)
        seqs = [self.mro(b, depth + 1) if isinstance(b, Target) else [b] for b in bases]
        seqs = [list(s) for s in seqs] + [list(bases)]
        result: list[Target | Opaque] = [target]
        key = _key
        while True:
            seqs = [s for s in seqs if s]
            if not seqs:
                break
            for seq in seqs:
                head = seq[0]
                if not any(key(head) in {key(x) for x in s[1:]} for s in seqs):
                    break
            else:  # inconsistent MRO: Python would refuse the class
                result.append(Opaque("<inconsistent mro>"))
                break
            result.append(head)
            seqs = [s[1:] if key(s[0]) == key(head) else s for s in seqs]
        self._mro[target.fqn] = result
        return result

    def mro_names(self, target: Target) -> list[str]:
        return [c.fqn if isinstance(c, Target) else c.name for c in self.mro(target)]

    def _decorator_flags(self, mod: Mod, decorator: ast.expr) -> dict[str, bool] | _Unknown:
        """Flags a decorator sets on what it decorates, read from its source."""
        dotted = _dotted(decorator)
        if dotted is None:
            return UNKNOWN
        found = self.resolve_in(mod, dotted)
        if not isinstance(found, Target) or found.kind != "function":
            return UNKNOWN
        node = found.node
        args = node.args
        params = [*args.posonlyargs, *args.args]
        if isinstance(node, ast.AsyncFunctionDef) or len(params) != 1 or args.vararg or args.kwonlyargs:
            return UNKNOWN
        param = params[0].arg
        flags: dict[str, bool] = {}
        body = list(node.body)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # docstring
        for stmt in body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Attribute)
                    and _dotted(stmt.targets[0].value) == param
                    and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, bool)):
                flags[stmt.targets[0].attr] = stmt.value.value
            elif isinstance(stmt, ast.Return) and stmt.value is not None and _dotted(stmt.value) == param:
                return flags
            else:
                return UNKNOWN
        return UNKNOWN

    def own_flags(self, target: Target) -> tuple[dict[str, tuple[bool, str]], bool]:
        """Flags ``target`` itself sets (value, how), and whether some may be unknown."""
        flags: dict[str, tuple[bool, str]] = {}
        unknown = False
        node = target.node
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    for t in targets:
                        if isinstance(t, ast.Name) and t.id in FLAGS:
                            if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, bool):
                                flags[t.id] = (stmt.value.value, f"sets `{t.id} = {stmt.value.value}`")
                            else:
                                unknown = True
        for decorator in reversed(node.decorator_list):
            set_by = self._decorator_flags(target.mod, decorator)
            if set_by is UNKNOWN:
                unknown = True
                continue
            for flag, value in set_by.items():  # type: ignore[union-attr]
                if flag in FLAGS:
                    flags[flag] = (value, f"is decorated `@{_dotted(decorator)}`")
        for flag in FLAGS:
            value = target.mod.attr_sets.get((node.name, flag))
            if value is not None:
                if isinstance(value, ast.Constant) and isinstance(value.value, bool):
                    flags[flag] = (value.value, f"is given `{node.name}.{flag} = {value.value}`")
                else:
                    unknown = True
        return flags, unknown

    def capability(self, dotted: str, from_module: str | None = None) -> Capability | Missing | _Unknown:
        """The capability flags of the middleware ``dotted`` names (an entry of the
        settings module ``from_module``)."""
        key = (dotted, from_module)
        if key in self._caps:
            return self._caps[key]
        self._caps[key] = UNKNOWN
        found = self.resolve_path(dotted, from_module)
        result: Capability | Missing | _Unknown
        if found is UNKNOWN and not self.django_installed and dotted.startswith("django.") \
                and dotted.rpartition(".")[2].endswith("Middleware"):
            # Not the project's environment: every middleware bundled with Django is
            # async-capable (a MiddlewareMixin, or explicit flags) since Django 3.1.
            result = Capability(None, True, True, "Django's bundled middleware is async-capable")
        elif not isinstance(found, Target):
            result = found
        else:
            result = self._capability(found)
        self._caps[key] = result
        return result

    def _capability(self, target: Target) -> Capability | _Unknown:
        values: dict[str, bool] = {}
        why: dict[str, str] = {}
        chain = self.mro(target) if target.kind == "class" else [target]
        for flag in FLAGS:
            for cls in chain:
                if isinstance(cls, Opaque):
                    if cls.name in ("builtins.object",):
                        continue
                    if cls.name in MIDDLEWARE_MIXINS:  # Django not readable here; its definition is fixed
                        values[flag] = True
                        why[flag] = f"inherits `{flag} = True` from `MiddlewareMixin`"
                        break
                    return UNKNOWN
                own, unknown = self.own_flags(cls)
                if flag in own:
                    values[flag] = own[flag][0]
                    where = "" if cls is target else f" (inherited from `{cls.fqn}`)"
                    why[flag] = own[flag][1] + where
                    break
                if unknown:
                    return UNKNOWN
            else:
                values[flag] = DEFAULT_FLAGS[flag]
                why[flag] = ""
        if not values["sync_capable"] and not values["async_capable"]:
            reason = f"it {why['sync_capable']} and " + (
                f"{why['async_capable']}" if why["async_capable"] else "never sets `async_capable = True`")
        elif why["async_capable"]:
            reason = f"it {why['async_capable']}"
        elif target.kind == "class":
            reason = "it is a plain class: no `async_capable = True`, not a `MiddlewareMixin` subclass"
        else:
            reason = "it is a plain factory function, not decorated `@sync_and_async_middleware`"
        return Capability(target, values["sync_capable"], values["async_capable"], reason)

    # -- settings modules --------------------------------------------------------------

    NEEDLES = (b"MIDDLEWARE", b"ASGI_APPLICATION", b"get_asgi_application", b"ASGIHandler")

    def _candidates(self, needles: tuple[bytes, ...]) -> list[str]:
        """Project modules whose bytes contain one of ``needles`` (each file is read once per run)."""
        if self._needles is None:
            self._needles = {}
            for modname, path in self.index.files_with(self.NEEDLES):
                self._needles[modname] = self.index.file_facts(path)[1]
        return sorted(m for m, found in self._needles.items() if any(n in found for n in needles))

    def settings_modules(self) -> list[str]:
        """Project modules that assign or change ``MIDDLEWARE`` at module level."""
        if self._settings is None:
            self._settings = []
            for modname in self._candidates((b"MIDDLEWARE",)):
                mod = self.module(modname)
                if mod is not None and mod.tree is not None and _assigns(mod.tree, "MIDDLEWARE"):
                    self._settings.append(modname)
        return self._settings

    def env(self, modname: str, depth: int = 0) -> dict[str, list | None]:
        """Final module-level values of the list-valued names of a module."""
        if modname in self._envs:
            return self._envs[modname]
        if modname in self._env_busy or depth > MAX_DEPTH:
            return {}
        mod = self.module(modname)
        if mod is None or mod.tree is None:
            return {}
        self._env_busy.add(modname)
        try:
            env = _Evaluator(self, mod, depth).run()
        finally:
            self._env_busy.discard(modname)
        self._envs[modname] = env
        return env

    def is_asgi(self, settings_module: str) -> bool:
        """Does this settings module configure a site served over ASGI?

        A settings module serves ASGI when

        1. it assigns ``ASGI_APPLICATION``, or star-imports (transitively) a
           module that does;
        2. a project module that builds an ASGI application
           (``get_asgi_application()`` or ``ASGIHandler()``: the ``asgi.py`` of
           ``startproject``) names it as ``DJANGO_SETTINGS_MODULE``
           (``os.environ.setdefault`` or ``os.environ[...] =``), or it
           star-imports (transitively) such a module;
        3. an ASGI module names no settings module that can be read: then every
           settings module in the same top-level package counts.
        """
        if settings_module not in self._asgi:
            self._asgi[settings_module] = self._star_reaches(settings_module, self.asgi_settings(), set())
        return self._asgi[settings_module]

    def asgi_settings(self) -> set[str]:
        """The settings modules tied to an ASGI application directly (rules 1-3 without star imports)."""
        if self._asgi_direct is None:
            self._asgi_direct = self._compute_asgi_direct()
        return self._asgi_direct

    def _compute_asgi_direct(self) -> set[str]:
        direct: set[str] = set()
        for modname in self._candidates((b"ASGI_APPLICATION",)):
            mod = self.module(modname)
            if mod is not None and mod.tree is not None and _assigns(mod.tree, "ASGI_APPLICATION"):
                direct.add(modname)
        for modname in self._candidates((b"get_asgi_application", b"ASGIHandler")):
            mod = self.module(modname)
            if mod is None or mod.tree is None or not self._builds_asgi(mod):
                continue
            named = [self.localize(n, modname) for n in _settings_named(mod.tree)]
            named = [n for n in named if n in self.index.module_paths]
            if named:
                direct.update(named)
            else:
                top = modname.split(".")[0]
                direct.update(s for s in self.settings_modules() if s.split(".")[0] == top)
        return direct

    def _star_reaches(self, modname: str, goal: set[str], seen: set[str]) -> bool:
        if modname in goal:
            return True
        if modname in seen or len(seen) > MAX_DEPTH:
            return False
        seen.add(modname)
        mod = self.module(modname)
        return mod is not None and any(self._star_reaches(s, goal, seen) for s in mod.stars)

    def _builds_asgi(self, mod: Mod) -> bool:
        for node in ast.walk(mod.tree):  # type: ignore[arg-type]
            if isinstance(node, ast.Call):
                dotted = _dotted(node.func)
                if dotted and self.qualify(mod, dotted) in ASGI_FACTORIES:
                    return True
        return False

    # -- findings ------------------------------------------------------------------------

    def findings(self, modname: str) -> dict[tuple[int, str], list[EntryFinding]]:
        """Findings about MIDDLEWARE entries written in ``modname``, by (line, path)."""
        if self._findings is None:
            self._findings = self._compute_findings()
        return self._findings.get(modname, {})

    def _compute_findings(self) -> dict[str, dict[tuple[int, str], list[EntryFinding]]]:
        out: dict[str, dict[tuple[int, str], list[EntryFinding]]] = {}
        seen: set[tuple[Entry, str]] = set()

        def add(finding: EntryFinding) -> None:
            key = (finding.entry, finding.kind)
            if key in seen:
                return
            seen.add(key)
            e = finding.entry
            out.setdefault(e.module, {}).setdefault((e.line, e.path), []).append(finding)

        # Settings that only inherit MIDDLEWARE (``from .base import *``) still own a stack.
        owners = sorted(set(self.settings_modules()) | (self.asgi_settings() & set(self.index.module_paths)))
        for settings in owners:
            items = self.env(settings).get("MIDDLEWARE")
            if not items:
                continue
            asgi = self.is_asgi(settings)
            caps = [self.capability(i.path, settings) if isinstance(i, Entry) else UNKNOWN for i in items]
            apps = {a.path.split(".")[0] for a in self.env(settings).get("INSTALLED_APPS") or ()
                    if isinstance(a, Entry)}
            for position, (item, cap) in enumerate(zip(items, caps)):
                if not isinstance(item, Entry):
                    continue
                if isinstance(cap, Missing) and cap.not_installed and (
                        item.conditional or item.path.split(".")[0] in apps):
                    # an optional package (debug toolbar...) behind an if / try, or one the
                    # settings install as an app too: a dependency missing where asynclint runs
                    continue
                if isinstance(cap, Missing):
                    add(EntryFinding(item, "unresolvable", reason=cap.reason, settings=settings,
                                     position=position, total=len(items)))
                elif isinstance(cap, Capability) and not cap.sync_capable and not cap.async_capable:
                    add(EntryFinding(item, "no-mode", cap, settings=settings, position=position, total=len(items)))
                elif asgi and isinstance(cap, Capability) and cap.sync_only:
                    above, unknown = _forced_above(items, caps, position)
                    add(EntryFinding(item, "sync-only", cap, settings=settings, above=above,
                                     above_unknown=unknown, position=position, total=len(items)))
            if asgi:
                for cap, runs_async in zip(caps, _modes(caps)):
                    if runs_async and isinstance(cap, Capability) and cap.target is not None:
                        self._async_run.add(cap.target.fqn)
        return out

    def runs_async_somewhere(self, class_fqn: str) -> bool:
        """Is this middleware class run in async mode by some ASGI stack of the project?"""
        self.findings("")
        return class_fqn in self._async_run


def _key(item: Target | Opaque) -> str:
    return item.fqn if isinstance(item, Target) else "?" + item.name


def _forced_above(items: list, caps: list, position: int) -> tuple[list[str], bool]:
    """The async-capable middleware above ``position`` that Django runs sync because of it.

    ``load_middleware`` builds the chain bottom-up: once the handler below is sync,
    every sync-capable middleware above runs sync, until an async-only one.
    """
    forced: list[str] = []
    for index in range(position - 1, -1, -1):
        cap = caps[index]
        if not isinstance(cap, Capability):
            return forced, True
        if not cap.sync_capable:
            break
        if cap.async_capable:
            forced.append(items[index].path)
    return forced, False


def _modes(caps: list) -> list[bool | None]:
    """Django's mode for each entry under ASGI (``load_middleware(is_async=True)``), top first:
    True async, False sync, None unknown."""
    modes: list[bool | None] = [None] * len(caps)
    below_async: bool | None = True
    for index in range(len(caps) - 1, -1, -1):
        cap = caps[index]
        if not isinstance(cap, Capability) or below_async is None:
            below_async = None
            continue
        if below_async is False and cap.sync_capable:
            mode = False
        else:
            mode = cap.async_capable
        modes[index] = below_async = mode
    return modes


def _assigns(tree: ast.Module, name: str) -> bool:
    for node in _walk_module_level(tree.body):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return True
        if isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name) \
                and node.target.id == name:
            return True
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Attribute) and _dotted(node.value.func.value) == name:
            return True  # MIDDLEWARE.append(...) after a star import
    return False


def _settings_named(tree: ast.Module) -> list[str]:
    """``DJANGO_SETTINGS_MODULE`` values set with a constant in this module."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "setdefault" and len(node.args) == 2:
            key, value = node.args
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            key, value = node.targets[0].slice, node.value
        else:
            continue
        if isinstance(key, ast.Constant) and key.value == "DJANGO_SETTINGS_MODULE" \
                and isinstance(value, ast.Constant) and isinstance(value.value, str):
            names.append(value.value)
    return names


class _Evaluator:
    """Runs a module's top-level statements over list values of string entries."""

    def __init__(self, model: MiddlewareModel, mod: Mod, depth: int) -> None:
        self.model = model
        self.mod = mod
        self.depth = depth
        self.env: dict[str, list | None] = {}

    def run(self) -> dict[str, list | None]:
        self.conditional = False
        self._block(self.mod.tree.body, False)  # type: ignore[union-attr]
        return self.env

    def _block(self, body: list[ast.stmt], conditional: bool) -> None:
        for node in body:
            self.conditional = conditional
            self.statement(node)
            if isinstance(node, (ast.If, ast.Try, ast.With)) or type(node).__name__ == "TryStar":
                inner = conditional or not isinstance(node, ast.With)
                for attr in ("body", "orelse", "finalbody"):
                    self._block(getattr(node, attr, []) or [], inner)
                for handler in getattr(node, "handlers", []) or []:
                    self._block(handler.body, inner)

    def other(self, modname: str) -> dict[str, list | None]:
        return self.model.env(modname, self.depth + 1)

    def statement(self, node: ast.stmt) -> None:
        env = self.env
        if isinstance(node, ast.ImportFrom):
            base = self.model._absolute(self.mod, node.module, node.level)
            if node.level == 0:
                base = self.model.localize(base, self.mod.name)
            for alias in node.names:
                if alias.name == "*":
                    for name, value in self.other(base).items():
                        env[name] = list(value) if value is not None else None
                else:
                    value = self.other(base).get(alias.name) if base in self.model.index.module_paths else None
                    env[alias.asname or alias.name] = list(value) if value is not None else None
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            if node.value is None:
                return
            value = self.value(node.value)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    env[target.id] = list(value) if value is not None else None
                else:
                    for element in ast.walk(target):
                        if isinstance(element, ast.Name) and isinstance(element.ctx, ast.Store):
                            env[element.id] = None
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
            current = env.get(name)
            extra = self.value(node.value)
            if isinstance(node.op, ast.Add) and current is not None and extra is not None:
                env[name] = current + extra
            else:
                env[name] = None
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self.method_call(node.value)

    def method_call(self, call: ast.Call) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        current = self.env.get(func.value.id)
        if current is None:
            return
        method, args = func.attr, call.args
        if method == "append" and len(args) == 1:
            current.append(self.item(args[0]))
        elif method == "extend" and len(args) == 1:
            extra = self.value(args[0])
            current.extend(extra if extra is not None else [UNKNOWN])
        elif method == "insert" and len(args) == 2:
            where = self.position(args[0], func.value.id, current)
            if where is None:  # an index computed some other way: the entry is in, its place is not known
                current.append(self.item(args[1]))
                self._shuffled(func.value.id)
            else:
                current.insert(where, self.item(args[1]))
        elif method == "remove" and len(args) == 1 and isinstance(args[0], ast.Constant):
            for i, item in enumerate(current):
                if isinstance(item, Entry) and item.path == args[0].value:
                    del current[i]
                    break
        elif method in ("clear",):
            current.clear()
        elif method in ("sort", "reverse", "pop"):
            self._shuffled(func.value.id)

    def position(self, node: ast.expr, name: str, current: list) -> int | None:
        """An insert position: ``2``, ``-1``, ``len(L)``, ``L.index("a.B")``, ``... + 1``."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.position(node.operand, name, current)
            return -inner if inner is not None else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            left = self.position(node.left, name, current)
            right = self.position(node.right, name, current)
            if left is None or right is None:
                return None
            return left + right if isinstance(node.op, ast.Add) else left - right
        if isinstance(node, ast.Call) and len(node.args) == 1:
            func = node.func
            if _dotted(func) == "len" and _dotted(node.args[0]) == name:
                return len(current)
            if isinstance(func, ast.Attribute) and func.attr == "index" and _dotted(func.value) == name \
                    and isinstance(node.args[0], ast.Constant):
                if any(not isinstance(i, Entry) for i in current):
                    return None
                paths = [i.path for i in current]
                return paths.index(node.args[0].value) if node.args[0].value in paths else None
        return None

    def _shuffled(self, name: str) -> None:
        """Order unknown: keep the entries, but with an unknown one above each."""
        current = self.env.get(name) or []
        out: list = []
        for item in current:
            out.extend([UNKNOWN, item])
        self.env[name] = out

    def item(self, node: ast.expr):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return Entry(node.value, self.mod.name, node.lineno, node.col_offset, self.conditional)
        return UNKNOWN

    def value(self, node: ast.expr) -> list | None:
        if isinstance(node, (ast.List, ast.Tuple)):
            out: list = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    inner = self.value(element.value)
                    out.extend(inner if inner is not None else [UNKNOWN])
                else:
                    out.append(self.item(element))
            return out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.value(node.left), self.value(node.right)
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.Name):
            value = self.env.get(node.id)
            return list(value) if value is not None else None
        if isinstance(node, ast.Call):
            func = _dotted(node.func)
            if func in ("list", "tuple") and len(node.args) == 1 and func not in self.env:
                return self.value(node.args[0])
            if isinstance(node.func, ast.Attribute) and node.func.attr == "copy" and not node.args:
                return self.value(node.func.value)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) \
                and node.slice.lower is None and node.slice.upper is None and node.slice.step is None:
            return self.value(node.value)  # BASE[:]
        return None


#: the whole-project scan the model is (see asynclint.index.ProjectIndex.scan)
SCAN_NAME = "middleware"


def model_for(project: "Project") -> MiddlewareModel:
    """The run's middleware model, built on first use and kept by the index as the
    scan ``~middleware``: a file that asks it depends on the files holding settings or
    ASGI needles, and on every project module the model read (it reads lazily)."""
    return project.index.scan(SCAN_NAME, MiddlewareModel.NEEDLES, lambda: MiddlewareModel(project))


__all__ = [
    "UNKNOWN", "Capability", "Entry", "EntryFinding", "Missing", "MiddlewareModel", "Opaque", "Target",
    "model_for", "MIDDLEWARE_MIXINS",
]
