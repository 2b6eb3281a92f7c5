"""DJA5xx: middleware stacks.

Under ASGI, Django builds the middleware chain bottom-up (``BaseHandler.
load_middleware``): a middleware runs async only if it is async-capable and
everything below it does. One sync-only entry therefore costs a thread hop on
every request and drags every sync-capable middleware above it into that thread.

The settings analysis (which modules assign ``MIDDLEWARE``, what each dotted path
resolves to, whether the site serves ASGI) lives in
:mod:`asynclint.middleware_resolve`, built once per run; the rules here only read
its answers for the strings and classes of the module being linted.

How a settings module is tied to an ASGI site: it assigns ``ASGI_APPLICATION``;
or a module that calls ``get_asgi_application()`` / ``ASGIHandler()`` (the
``asgi.py`` of ``startproject``) names it in ``os.environ.setdefault(
"DJANGO_SETTINGS_MODULE", ...)``; or it star-imports (transitively) a settings
module tied either way (``from .base import *``). When an ``asgi.py`` names no
settings module that can be read, every settings module in its top-level package
counts. Anything else is a WSGI-only site, where sync middleware costs nothing.
"""

from __future__ import annotations

import ast

import libcst as cst

from asynclint.middleware_resolve import MIDDLEWARE_MIXINS, Capability, Opaque, Target, model_for
from asynclint.registry import Rule, register

ASYNC_MIDDLEWARE = (3, 1)
MARK_API = (4, 2)
#: A file holding MIDDLEWARE entries (a settings module, a list of middleware paths)
#: names the setting or a middleware; the engine skips files with none of these.
ENTRY_TRIGGERS = (b"MIDDLEWARE", b"iddleware")


def _model(checker):
    """The run's middleware model (a whole-project scan: asking it is noted)."""
    return model_for(checker.project)


def _holds_entries(checker) -> bool:
    """Does the file pass the entry rules' triggers? (The same answer with or without
    other rules making the engine parse it.)"""
    found = getattr(checker, "_dja5_holds_entries", None)
    if found is None:
        text = checker.source
        found = any(t.decode() in text for t in ENTRY_TRIGGERS)
        checker._dja5_holds_entries = found
    return found


def _entry_findings(checker, node: cst.SimpleString, kind: str):
    if checker.frame.kind != "module" or not _holds_entries(checker):
        return []
    try:
        value = node.evaluated_value
    except Exception:  # noqa: BLE001 - a string libcst cannot evaluate is no entry
        return []
    if not isinstance(value, str):
        return []
    by_line = _model(checker).findings(checker.modname)
    if not by_line:
        return []
    return [f for f in by_line.get((checker.line_of(node), value), []) if f.kind == kind]


def _module_class(checker) -> Target | None:
    """The module-level class whose method is being visited, as the resolver sees it."""
    if len(checker.frames) != 3 or checker.frames[1].kind != "class":
        return None
    name = checker.frames[1].fqn.rpartition(".")[2]
    found = _model(checker).lookup(checker.modname, name, 0)
    return found if isinstance(found, Target) and found.kind == "class" else None


def _defines(target: Target, *names: str) -> bool:
    return any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in names
               for s in target.node.body)  # type: ignore[union-attr]


def _short(path: str) -> str:
    return path.rpartition(".")[2]


class _EntryRule(Rule):
    """A rule about the entries of a ``MIDDLEWARE`` list: each string the middleware model
    reads as an entry of kind :attr:`entry_kind` is handed to :meth:`report_entry`."""

    entry_kind = ""
    loop_only = False

    @classmethod
    def triggers(cls, project):
        return ENTRY_TRIGGERS

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        for finding in _entry_findings(self.checker, node, self.entry_kind):
            self.report_entry(node, finding)

    def report_entry(self, node: cst.SimpleString, finding) -> None:  # pragma: no cover - each rule has one
        raise NotImplementedError


@register
class SyncOnlyMiddlewareInAsyncStack(_EntryRule):
    """
    A sync-only middleware in the `MIDDLEWARE` of a site served over ASGI.

    ## What it does
    Checks every entry of `MIDDLEWARE` in the settings modules of a site served
    over ASGI, resolves its dotted path to the class or factory (in the
    project, in Django, in installed packages; read from source, never
    imported), and reports the ones Django runs synchronously: no
    `async_capable = True` (Django's default), not a `MiddlewareMixin`
    subclass, `@sync_only_middleware`, or `async_capable = False`. Capability
    inherited from base classes, in any module, counts. The finding is on the
    line of the entry's string, wherever the list is built (`BASE + [...]`,
    `[*BASE, ...]`, `list(BASE)`, `+=`, `.append()`, `.insert()`, star and
    named imports from other settings modules).

    A settings module (a module that assigns or changes `MIDDLEWARE`, or
    inherits it) serves ASGI when:
    1. it assigns `ASGI_APPLICATION`;
    2. or a project module that calls `get_asgi_application()` or
       `ASGIHandler()` (the `asgi.py` of `startproject`) names it with
       `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "...")` or
       `os.environ["DJANGO_SETTINGS_MODULE"] = "..."`;
    3. or it star-imports, directly or not, a module that passes 1 or 2
       (`from .base import *`; entries written in `base.py` are then reported
       in `base.py`);
    4. or an ASGI module names no settings module of the project (a computed
       name): then every settings module in the same top-level package counts.
    Any other settings module belongs to a WSGI-only site and is not checked.
    `startproject` writes an `asgi.py` into every project since Django 3.0: a
    site deployed only under WSGI can turn the rule off for its settings with
    `per-file-ignores`.

    ## Why is this bad?
    Django builds the chain from the view up. Above an async handler a sync-only
    middleware gets that handler wrapped in `async_to_sync`, and the stack above
    it is entered through `sync_to_async`: every request hops to a thread and
    back, and the thread is held for the whole outer part of the request. Every
    sync-capable middleware above it (even an async-capable one) then runs
    synchronously too. With `DEBUG = True` Django logs
    `Asynchronous handler adapted for middleware <path>.` on `django.request`.
    A sync-only middleware in a WSGI-only site is not reported.

    ## Example
    ```python
    class TimingMiddleware:
        def __init__(self, get_response):
            self.get_response = get_response

        def __call__(self, request):
            return self.get_response(request)
    ```

    Use instead:
    ```python
    from asgiref.sync import iscoroutinefunction, markcoroutinefunction

    class TimingMiddleware:
        sync_capable = True
        async_capable = True

        def __init__(self, get_response):
            self.get_response = get_response
            self.async_mode = iscoroutinefunction(get_response)
            if self.async_mode:
                markcoroutinefunction(self)

        def __call__(self, request):
            if self.async_mode:
                return self.__acall__(request)
            return self.get_response(request)

        async def __acall__(self, request):
            return await self.get_response(request)
    ```
    (or subclass `MiddlewareMixin`, or decorate a factory with
    `@sync_and_async_middleware`).

    ## Django version
    Async-capable middleware (`async_capable`, `@sync_and_async_middleware`)
    exists since Django 3.1; before that every middleware ran synchronously under
    ASGI.
    """

    code = "DJA501"
    entry_kind = "sync-only"
    name = "sync-only-middleware-in-async-stack"
    cure_since = ASYNC_MIDDLEWARE

    def report_entry(self, node: cst.SimpleString, finding) -> None:
        checker = self.checker
        path = finding.entry.path
        above = finding.above
        if above:
            names = ", ".join(f"`{_short(p)}`" for p in above[:4]) + (", ..." if len(above) > 4 else "")
            more = "at least " if finding.above_unknown else ""
            verb = "is" if len(above) == 1 and not more else "are"
            drag = (f"; {more}{len(above)} async-capable middleware above it ({names}) "
                    f"{verb} forced to run synchronously too")
        elif finding.above_unknown:
            drag = "; sync-capable middleware above it run synchronously too"
        else:
            drag = ""
        cure = checker.cure(
            ASYNC_MIDDLEWARE,
            "make it async-capable: `async_capable = True` with an async path marked by "
            "`markcoroutinefunction(self)`, a `MiddlewareMixin` subclass, "
            "or a `@sync_and_async_middleware` factory",
            "Django before 3.1 runs every middleware synchronously under ASGI; async-capable "
            "middleware needs Django 3.1+")
        message = (f"middleware `{path}` is sync-only ({finding.capability.why}): in this ASGI stack Django "
                   f"wraps the async handler below it in `async_to_sync`, one thread hop per request{drag}; "
                   f"{cure}")
        checker.report(self, node, message, help=cure, what=path)


@register
class AsyncHookOnMiddlewareMixin(Rule):
    """
    An `async def process_request` or `process_response` on a `MiddlewareMixin` subclass.

    ## What it does
    Checks classes that inherit Django's `MiddlewareMixin` (directly or through
    project classes, in any module) and define `process_request` or
    `process_response` with `async def`, unless a class between them and the
    mixin overrides `__call__` / `__acall__` (then the mixin does not call the
    hooks).

    ## Why is this bad?
    In async mode `MiddlewareMixin.__acall__` calls both hooks through
    `sync_to_async(...)`, which refuses a coroutine function:
    `TypeError: sync_to_async can only be applied to sync functions.` on every
    request under ASGI. Under WSGI the un-awaited coroutine is taken for the
    response. (`process_view`, `process_exception` and
    `process_template_response` are adapted one by one and may be `async def`.)

    ## Example
    ```python
    class StampMiddleware(MiddlewareMixin):
        async def process_request(self, request):
            request.stamp = await make_stamp()
    ```

    Use instead:
    ```python
    class StampMiddleware:
        async_capable = True
        sync_capable = False

        def __init__(self, get_response):
            self.get_response = get_response
            markcoroutinefunction(self)

        async def __call__(self, request):
            request.stamp = await make_stamp()
            return await self.get_response(request)
    ```

    ## Django version
    Async-capable middleware classes need Django 3.1+; `markcoroutinefunction`
    is documented since Django 4.2 (asgiref 3.6).
    """

    code = "DJA502"
    name = "async-hook-on-middleware-mixin"
    loop_only = False
    cure_since = ASYNC_MIDDLEWARE

    @classmethod
    def triggers(cls, project):
        return (b"process_request", b"process_response")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        hook = node.name.value
        if node.asynchronous is None or hook not in ("process_request", "process_response"):
            return
        checker = self.checker
        target = _module_class(checker)
        if target is None:
            return
        model = _model(checker)
        mixin = None
        for cls in model.mro(target):
            key = cls.fqn if isinstance(cls, Target) else cls.name
            if key in MIDDLEWARE_MIXINS:
                mixin = key
                break
            if isinstance(cls, Opaque):
                return  # cannot see what this base does
            if _defines(cls, "__call__", "__acall__"):
                return  # the mixin's dispatch is replaced; the class calls its hooks itself
        if mixin is None:
            return
        cure = checker.cure(
            ASYNC_MIDDLEWARE,
            f"make `{hook}` a plain `def`, or drop the mixin and write an async middleware "
            "(`async_capable = True`, `async def __call__`, `markcoroutinefunction(self)`)",
            f"make `{hook}` a plain `def`")
        message = (f"`async def {hook}` on `MiddlewareMixin` subclass `{target.node.name}`: the mixin runs it "
                   f"through `sync_to_async`, which raises `TypeError: sync_to_async can only be applied to "
                   f"sync functions.` under ASGI (under WSGI the coroutine is taken for the response); {cure}")
        checker.report(self, node.name, message, help=cure, what=f"{target.node.name}.{hook}")


@register
class AsyncMiddlewareNotMarked(Rule):
    """
    A middleware class with `async def __call__` whose instances are never marked as coroutine functions.

    ## What it does
    Checks middleware classes (an `__init__(self, get_response)`, capability
    flags, or `MiddlewareMixin` in the bases) whose `__call__(self, request)` is
    `async def`, when neither the class nor any base calls
    `markcoroutinefunction(self)` (from `asgiref.sync` or `inspect`) or sets the
    older `_is_coroutine` marker. Classes with a base asynclint cannot read are
    not reported.

    ## Why is this bad?
    Django decides how to call each layer with `iscoroutinefunction()`, which
    is False for an *instance* whose `__call__` is async unless it was marked.
    The layer is then taken for a sync callable: `convert_exception_to_response`
    wraps it synchronously, and a `MiddlewareMixin` above it stays in sync mode
    and gets a coroutine where it expects a response (a 500 on every request,
    and "coroutine ... was never awaited").

    ## Example
    ```python
    class AsyncMiddleware:
        async_capable = True
        sync_capable = False

        def __init__(self, get_response):
            self.get_response = get_response

        async def __call__(self, request):
            return await self.get_response(request)
    ```

    Use instead:
    ```python
    from asgiref.sync import iscoroutinefunction, markcoroutinefunction

    class AsyncMiddleware:
        async_capable = True
        sync_capable = False

        def __init__(self, get_response):
            self.get_response = get_response
            if iscoroutinefunction(self.get_response):
                markcoroutinefunction(self)

        async def __call__(self, request):
            return await self.get_response(request)
    ```

    ## Django version
    `markcoroutinefunction` is documented since Django 4.2 (asgiref 3.6); Django
    3.1 to 4.1 documented `self._is_coroutine = asyncio.coroutines._is_coroutine`.
    """

    code = "DJA503"
    name = "async-middleware-not-marked"
    loop_only = False
    cure_since = MARK_API

    @classmethod
    def triggers(cls, project):
        return (b"__call__",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None or node.name.value != "__call__":
            return
        params = node.params
        if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.star_kwarg is not None \
                or params.kwonly_params or len([*params.posonly_params, *params.params]) != 2:
            return  # not the (self, request) of a middleware: an ASGI app, a callable...
        checker = self.checker
        target = _module_class(checker)
        if target is None:
            return
        model = _model(checker)
        middleware = False
        for cls in model.mro(target):
            if isinstance(cls, Opaque):
                if cls.name == "builtins.object":
                    continue
                return  # unreadable (MiddlewareMixin itself marks the instance in its __init__)
            if cls.fqn in MIDDLEWARE_MIXINS:
                middleware = True
            flags, unknown = model.own_flags(cls)
            if unknown:
                return
            if flags or _takes_get_response(cls):
                middleware = True
            if _marks_self(cls):
                return
        if not middleware:
            return
        cure = checker.cure(
            MARK_API,
            "call `markcoroutinefunction(self)` (asgiref.sync) in `__init__` when `iscoroutinefunction(get_response)`",
            "set `self._is_coroutine = asyncio.coroutines._is_coroutine` in `__init__`")
        message = (f"`{target.node.name}.__call__` is `async def` but instances are never marked with "
                   f"`markcoroutinefunction(self)`: Django's `iscoroutinefunction()` takes the middleware for a "
                   f"sync callable, so the layer above calls it without awaiting and gets a coroutine instead "
                   f"of a response (a 500, 'coroutine ... was never awaited'); {cure}")
        checker.report(self, node.name, message, help=cure, what=f"{target.node.name}.__call__")


def _takes_get_response(target: Target) -> bool:
    for stmt in target.node.body:  # type: ignore[union-attr]
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__":
            args = [*stmt.args.posonlyargs, *stmt.args.args]
            return len(args) >= 2 and args[1].arg == "get_response"
    return False


def _marks_self(target: Target) -> bool:
    """Does this class mark ``self`` (or set ``_is_coroutine``) anywhere in its body?"""
    for node in ast.walk(target.node):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name == "markcoroutinefunction" and isinstance(node.args[0], ast.Name) and node.args[0].id == "self":
                return True
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if (isinstance(t, ast.Attribute) and t.attr == "_is_coroutine") or \
                        (isinstance(t, ast.Name) and t.id == "_is_coroutine"):
                    return True
    return False


@register
class UnresolvableMiddleware(_EntryRule):
    """
    A `MIDDLEWARE` entry whose dotted path names nothing that can be imported.

    ## What it does
    Resolves every entry of `MIDDLEWARE` (from source, without importing) and
    reports the ones that cannot exist: a module that is in neither the project
    nor the installed packages, a Django module or class that does not exist
    (a typo), or a module that does not define the name. Entries asynclint
    cannot read (compiled modules, dynamic `__getattr__`, names bound
    conditionally) are not reported. A package that is not installed is not
    reported when its entry is added under an `if` or `try`
    (`if DEBUG: MIDDLEWARE.insert(0, "debug_toolbar...")`: an optional
    dependency) or when the same settings list it in `INSTALLED_APPS` too (a
    declared dependency, missing only where asynclint runs), nor at all when
    Django itself is not installed where asynclint runs (asynclint is then not
    running in the project's environment).

    ## Why is this bad?
    `BaseHandler.load_middleware` imports every entry with `import_string` when
    the handler is built: an `ImportError` at startup, so the site does not
    serve at all (and the other DJA5 rules cannot judge the stack).

    ## Example
    ```python
    MIDDLEWARE = ["django.middleware.common.CommonMiddlewar"]
    ```

    Use instead:
    ```python
    MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
    ```

    ## Django version
    All versions.
    """

    code = "DJA504"
    entry_kind = "unresolvable"
    name = "unresolvable-middleware"

    def report_entry(self, node: cst.SimpleString, finding) -> None:
        checker = self.checker
        path = finding.entry.path
        message = (f"middleware `{path}` cannot be imported ({finding.reason}): `load_middleware` raises "
                   f"ImportError when Django builds the handler, so the site does not start; fix the path "
                   f"or install the package")
        checker.report(self, node, message, help="fix the dotted path or install the package", what=path)


@register
class MiddlewareWithoutMode(_EntryRule):
    """
    A `MIDDLEWARE` entry that is neither sync- nor async-capable.

    ## What it does
    Resolves every entry of `MIDDLEWARE` (from source, following base classes
    and decorators) and reports the ones whose `sync_capable` and
    `async_capable` both end up False, for example `sync_capable = False` on a
    class that never set `async_capable = True`.

    ## Why is this bad?
    `BaseHandler.load_middleware` refuses such a middleware when it builds the
    handler: `RuntimeError: Middleware <path> must have at least one of
    sync_capable/async_capable set to True.` The site does not start, under
    WSGI or ASGI.

    ## Example
    ```python
    class AsyncOnly:
        sync_capable = False

        async def __call__(self, request):
            ...
    ```

    Use instead:
    ```python
    class AsyncOnly:
        sync_capable = False
        async_capable = True
        ...
    ```

    ## Django version
    The flags exist since Django 3.1.
    """

    code = "DJA505"
    entry_kind = "no-mode"
    name = "middleware-without-sync-or-async-mode"
    cure_since = ASYNC_MIDDLEWARE

    def report_entry(self, node: cst.SimpleString, finding) -> None:
        checker = self.checker
        path = finding.entry.path
        cure = checker.cure(ASYNC_MIDDLEWARE, "set `async_capable = True` (with an async `__call__`) or "
                            "`sync_capable = True`", "set `sync_capable = True`")
        message = (f"middleware `{path}` is neither sync- nor async-capable ({finding.capability.why}): "
                   f"`load_middleware` raises RuntimeError when Django builds the handler, so the site does "
                   f"not start; {cure}")
        checker.report(self, node, message, help=cure, what=path)


@register
class SyncCallInAsyncModeMiddleware(Rule):
    """
    A middleware's sync `__call__` that uses what `get_response` returns, while an ASGI stack runs it async.

    ## What it does
    Checks middleware classes whose `__call__` is a plain `def` without a
    dispatch to an async path (`async_mode`, `__acall__`,
    `iscoroutinefunction`) and that use the value of
    `self.get_response(request)` (set a header, read `status_code`, pass it
    on) instead of only returning it: `MiddlewareMixin` subclasses that
    override `__call__`, and classes that declare `async_capable = True`.
    Reported only when an ASGI stack of the project runs the class in async
    mode, computed as `load_middleware` does (async-capable, and no sync-only
    middleware below it).

    ## Why is this bad?
    In async mode the handler below is async: `self.get_response(request)`
    returns a coroutine, not a response, and this `__call__` runs on the event
    loop (a `MiddlewareMixin` marks the instance as a coroutine function, so
    Django awaits it). `response["X-Header"] = ...` raises
    `TypeError: 'coroutine' object does not support item assignment` (a 500),
    and the coroutine is never awaited. Under WSGI the same code works.

    ## Example
    ```python
    class ApiVersionMiddleware(MiddlewareMixin):
        def __call__(self, request):
            response = self.get_response(request)
            response["X-Api-Version"] = "1"
            return response
    ```

    Use instead:
    ```python
    class ApiVersionMiddleware(MiddlewareMixin):
        def process_response(self, request, response):
            response["X-Api-Version"] = "1"
            return response
    ```

    ## Django version
    Middleware runs in async mode under ASGI since Django 3.1.
    """

    code = "DJA506"
    name = "sync-call-in-async-mode-middleware"
    loop_only = False
    cure_since = ASYNC_MIDDLEWARE

    @classmethod
    def triggers(cls, project):
        return (b"get_response",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is not None or node.name.value != "__call__":
            return
        checker = self.checker
        target = _module_class(checker)
        if target is None:
            return
        model = _model(checker)
        if not model.runs_async_somewhere(target.fqn):
            return
        mixin = any((c.fqn if isinstance(c, Target) else c.name) in MIDDLEWARE_MIXINS for c in model.mro(target))
        call = next((s for s in target.node.body  # type: ignore[union-attr]
                     if isinstance(s, ast.FunctionDef) and s.name == "__call__"), None)
        if call is None or not _uses_get_response_result(call):
            return
        if mixin:
            cure = checker.cure(
                ASYNC_MIDDLEWARE,
                "move the work into `process_request` / `process_response` and drop the override, or dispatch "
                "`if self.async_mode: return self.__acall__(request)` with an `async def __acall__` that awaits "
                "`self.get_response(request)`",
                "move the work into `process_request` / `process_response`")
        else:
            cure = checker.cure(
                ASYNC_MIDDLEWARE,
                "dispatch on `iscoroutinefunction(get_response)`: mark the instance with "
                "`markcoroutinefunction(self)` and add an async path that awaits `self.get_response(request)`, "
                "or drop `async_capable = True`",
                "drop `async_capable = True`")
        how = ("overrides `MiddlewareMixin.__call__` with a sync method" if mixin
               else "is a sync method of an async-capable middleware")
        message = (f"`{target.node.name}.__call__` {how}, and an ASGI stack runs it in async mode: it runs on "
                   f"the event loop and `self.get_response(request)` returns a coroutine, not a response "
                   f"(TypeError/AttributeError on a 'coroutine' object, never awaited); {cure}")
        checker.report(self, node.name, message, help=cure, what=f"{target.node.name}.__call__")


def _uses_get_response_result(func: ast.FunctionDef) -> bool:
    """Does ``__call__`` use the value of ``self.get_response(...)`` beyond returning it?

    False when it dispatches itself (mentions ``async_mode``, ``__acall__``,
    ``iscoroutinefunction``, ``super().__call__``) or never calls ``get_response``.
    """
    for node in ast.walk(func):
        if isinstance(node, ast.Attribute) and node.attr in ("async_mode", "__acall__", "__call__"):
            return False
        if isinstance(node, ast.Name) and node.id in ("iscoroutinefunction", "iscoroutine", "isawaitable"):
            return False
        if isinstance(node, ast.Attribute) and node.attr in ("iscoroutinefunction", "iscoroutine", "isawaitable"):
            return False
    parents: dict[int, ast.AST] = {}
    for parent in ast.walk(func):
        for child in ast.iter_child_nodes(parent):
            parents[id(child)] = parent
    used = False
    for node in ast.walk(func):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get_response" and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "self"):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Return):
            continue
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            name = parent.targets[0].id
            uses = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == name
                    and isinstance(n.ctx, ast.Load)]
            if all(isinstance(parents.get(id(n)), ast.Return) for n in uses):
                continue
        used = True
    return used


@register
class AsyncMiddlewareWithoutAsyncCapable(Rule):
    """
    An async middleware (an `async def __call__`, or a factory that returns an `async def`) not declared async-capable.

    ## What it does
    Checks middleware factories (a function taking `get_response`) whose every
    `return` hands back a nested `async def`, and middleware classes whose
    `__call__(self, request)` is `async def`, when their capability flags
    (read through decorators and base classes) leave `async_capable` False:
    no `@async_only_middleware` / `@sync_and_async_middleware`, no
    `async_capable = True`.

    ## Why is this bad?
    Django then takes the middleware for a sync one. Under ASGI it hands it a
    sync `get_response` (so `await get_response(request)` fails) and adapts
    what it returns with `sync_to_async`, which refuses a coroutine function:
    `TypeError: sync_to_async can only be applied to sync functions.` when the
    handler is built, or a coroutine where a response is expected (a 500) when
    a sync middleware sits above it. Under WSGI the coroutine is taken for the
    response.

    ## Example
    ```python
    def timing_middleware(get_response):
        async def middleware(request):
            return await get_response(request)
        return middleware
    ```

    Use instead:
    ```python
    @async_only_middleware
    def timing_middleware(get_response):
        async def middleware(request):
            return await get_response(request)
        return middleware
    ```

    ## Django version
    `@async_only_middleware`, `@sync_and_async_middleware` and the
    `async_capable` flag exist since Django 3.1.
    """

    code = "DJA507"
    name = "async-middleware-not-async-capable"
    loop_only = False
    cure_since = ASYNC_MIDDLEWARE

    @classmethod
    def triggers(cls, project):
        return (b"get_response",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        checker = self.checker
        name = node.name.value
        if len(checker.frames) == 2 and node.asynchronous is None:
            # Only a function that defines an inner `async def` can be such a factory: ask the
            # whole-project middleware model (which makes the finding depend on every file)
            # only then.
            if not any(isinstance(stmt, cst.FunctionDef) and stmt.asynchronous is not None
                       for stmt in node.body.body):
                return
            kind = "factory"
        elif name == "__call__" and node.asynchronous is not None and _request_only(node):
            kind = "class"
        else:
            return
        model = _model(checker)
        if kind == "factory":
            found = model.lookup(checker.modname, name, 0)
            if not isinstance(found, Target) or found.kind != "function" or not _returns_only_async(found.node):
                return
            target = found
        else:
            target = _module_class(checker)
            if target is None or not _is_middleware_class(model, target):
                return
        cap = model._capability(target)
        if not isinstance(cap, Capability) or cap.async_capable:
            return
        if kind == "factory":
            what = f"factory `{name}` returns an `async def` middleware"
            cure = checker.cure(ASYNC_MIDDLEWARE, f"decorate `{name}` with `@async_only_middleware` "
                                "(or `@sync_and_async_middleware` with a sync branch)",
                                "return a sync middleware: Django before 3.1 has no async middleware")
        else:
            what = f"`{target.node.name}.__call__` is `async def`"
            cure = checker.cure(ASYNC_MIDDLEWARE, "set `async_capable = True` (and `sync_capable = False` if it has "
                                "no sync path), and mark instances with `markcoroutinefunction(self)`",
                                "make `__call__` sync: Django before 3.1 has no async middleware")
        message = (f"{what} but is not async-capable ({cap.why}): Django treats it as sync, gives it a sync "
                   f"`get_response` and wraps it with `sync_to_async`, which raises `TypeError: sync_to_async "
                   f"can only be applied to sync functions.` (or the layer above gets a coroutine instead of a "
                   f"response); {cure}")
        checker.report(self, node.name, message, help=cure, what=f"{name}")


def _request_only(node: cst.FunctionDef) -> bool:
    params = node.params
    return (params.star_arg is cst.MaybeSentinel.DEFAULT and params.star_kwarg is None
            and not params.kwonly_params and len([*params.posonly_params, *params.params]) == 2)


def _is_middleware_class(model, target: Target) -> bool:
    """Takes ``get_response`` in ``__init__`` (itself or a readable base) or sets a flag."""
    for cls in model.mro(target):
        if isinstance(cls, Opaque):
            if cls.name == "builtins.object":
                continue
            return False
        flags, unknown = model.own_flags(cls)
        if unknown:
            return False
        if flags or _takes_get_response(cls):
            return True
    return False


def _returns_only_async(func: ast.FunctionDef) -> bool:
    """A factory ``f(get_response)`` whose every return gives back a nested ``async def``."""
    args = [*func.args.posonlyargs, *func.args.args]
    if len(args) != 1 or args[0].arg != "get_response":
        return False
    nested_async = {s.name for s in ast.walk(func) if isinstance(s, ast.AsyncFunctionDef)}
    nested_sync = {s.name for s in ast.walk(func) if isinstance(s, (ast.FunctionDef, ast.Lambda)) and s is not func}
    returns = []
    todo = list(func.body)
    while todo:  # the factory's own returns, not those of nested functions
        stmt = todo.pop()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(stmt, ast.Return):
            returns.append(stmt)
        todo.extend(ast.iter_child_nodes(stmt))
    return bool(returns) and all(isinstance(r.value, ast.Name) and r.value.id in nested_async
                                 and r.value.id not in nested_sync for r in returns)
