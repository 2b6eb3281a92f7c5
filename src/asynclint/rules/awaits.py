"""DJA2xx: coroutines that are created and never awaited.

Calling an ``async def`` (``obj.asave()``, ``qs.acount()``, ``asyncio.sleep(1)``,
a project's own ``notify()``) runs nothing: it returns a coroutine object, and
the work only happens when something awaits it or hands it to the event loop.
A coroutine that is dropped, used as a value, or created where nothing can
await it is garbage-collected unrun, and Python says so with
``RuntimeWarning: coroutine '...' was never awaited``.

What makes a coroutine (see :func:`_Analysis.creates`): a call to a project
``async def`` the index knows (or a nested ``async def`` of the function, or a
function decorated with ``sync_to_async``), a well-known coroutine function
(``knowledge.KNOWN_COROUTINE_FUNCTIONS``, through imports and aliases), or one
of Django's coroutine methods (``knowledge.DJANGO_COROUTINE_METHODS``) on a
receiver that is plausibly Django. Anything the analysis cannot resolve is not
a coroutine, so it is never a finding.

What happens to it (see :func:`_Analysis.use_of`): the call's context is read
upwards through containers (list, tuple, dict, comprehension), conditional
expressions and ``or``/``and``; a value bound to a local name is followed to the
name's other uses in the function.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Sequence

import libcst as cst

from asynclint import knowledge as K
from asynclint.checker import is_generator
from asynclint.registry import Rule, register
from asynclint.semantic import (
    INSTANCE, MANAGER, PAGINATOR, QUERYSET, RELATED_MANAGER, REQUEST, SESSION, USER,
    dotted_name, string_value,
)

NEVER_RUNS = "it never runs (Python warns `RuntimeWarning: coroutine ... was never awaited`)"

# Django coroutine method names that other libraries also use for plain sync
# methods or module functions (zkpython's module-level `aget`/`aset`/`acreate`/
# `adelete`/`aexists`, sync `aclose()` shims on httpx-style clients, `aupdate` /
# `aset` helpers in GUI and D-Bus code), or that are the async-generator protocol
# (`asend`, `aclose` return awaitables that are not coroutines). They count only
# when the receiver is known to be Django (`checker.type_of`, or a name imported
# from `django.*`); on a receiver of unknown type they are not findings.
GENERIC_METHODS = frozenset(
    """aget aset aupdate aclose adelete aadd aclear aremove apop akeys avalues
    aitems asend aload acall arefresh apage atouch aincr adecr alogin alogout
    asession aenqueue aget_result""".split()
)

# Receivers `checker.type_of` knows to be Django objects that have a-methods.
DJANGO_KINDS = frozenset({MANAGER, QUERYSET, RELATED_MANAGER, INSTANCE, REQUEST, SESSION, USER,
                          PAGINATOR, "user_object"})

# Decorators that leave an `async def` a coroutine function.
TRANSPARENT_DECORATORS = frozenset(
    """staticmethod classmethod abc.abstractmethod typing.override
    typing_extensions.override""".split()
)
# Decorators that turn a plain `def` into a callable returning a coroutine.
ASYNC_MAKING_DECORATORS = frozenset(
    """asgiref.sync.sync_to_async channels.db.database_sync_to_async
    django.utils.asyncio.sync_to_async""".split()
)

# Calls that do not run a coroutine they receive. `async_to_sync` is here on
# purpose: it wants the coroutine *function* (`async_to_sync(f)(x)`); given a
# coroutine object it warns "non-async-marked callable" and raises
# `TypeError: 'coroutine' object is not callable` (asgiref 3.x, checked at runtime).
NON_CONSUMER_BUILTINS = {
    "str": "str()", "repr": "repr()", "print": "print()", "len": "len()", "int": "int()",
    "float": "float()", "bool": "bool()", "format": "format()", "sum": "sum()",
    "min": "min()", "max": "max()", "abs": "abs()", "round": "round()", "hash": "hash()",
}
NON_CONSUMER_FUNCTIONS = frozenset(
    """django.http.HttpResponse django.http.response.HttpResponse django.http.JsonResponse
    django.http.response.JsonResponse django.http.HttpResponseRedirect
    django.http.response.HttpResponseRedirect django.shortcuts.render django.shortcuts.redirect
    django.template.response.TemplateResponse django.template.loader.render_to_string
    django.utils.html.format_html django.utils.html.escape json.dumps json.dump
    logging.debug logging.info logging.warning logging.error logging.exception
    logging.critical asgiref.sync.async_to_sync""".split()
)
NON_CONSUMER_STRING_METHODS = frozenset({"format", "join", "format_map"})
LOGGER_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})
LOGGER_FACTORIES = frozenset({"logging.getLogger", "structlog.get_logger"})

# `xs.append(coro)` and friends store the coroutine in the container `xs`.
STORE_METHODS = frozenset({"append", "extend", "insert", "appendleft", "add", "setdefault"})
# Attributes of a coroutine object that drive or inspect it on purpose.
COROUTINE_ATTRS = frozenset({"send", "throw", "close", "__await__", "cr_await", "cr_frame",
                             "cr_running", "cr_code", "cr_origin", "cr_suspended"})

# Django version of the async method, by receiver kind.
SINCE_BY_KIND = {MANAGER: (4, 1), QUERYSET: (4, 1), RELATED_MANAGER: (4, 1), INSTANCE: (4, 2),
                 SESSION: (5, 1), REQUEST: (5, 0), USER: (5, 0), "user_object": (5, 0)}
RELATED_SINCE = {m: (4, 2) for m in K.RELATED_MANAGER_ASYNC_METHODS}

# The sync twin to call in sync code, for well-known coroutine functions.
SYNC_FUNCTION_TWINS = {
    "asyncio.sleep": "time.sleep",
    "django.shortcuts.aget_object_or_404": "get_object_or_404",
    "django.shortcuts.aget_list_or_404": "get_list_or_404",
    "django.contrib.auth.aauthenticate": "authenticate",
    "django.contrib.auth.alogin": "login",
    "django.contrib.auth.alogout": "logout",
    "django.contrib.auth.aget_user": "get_user",
}


class _LazyText:
    """The source of a call, read only when a finding needs it (code_of is not cheap)."""

    def __init__(self, checker, node: cst.CSTNode) -> None:
        self.checker = checker
        self.node = node

    def __str__(self) -> str:
        return self.checker.code_of(self.node, 50)


@dataclass(frozen=True)
class Coroutine:
    """A call that makes a coroutine."""

    call: cst.Call
    text: "_LazyText | str"  # `obj.asave()`
    since: tuple[int, int] | None = None  # Django version of the a-method, when known
    sync_twin: str = ""  # what to call instead in sync code


@dataclass(frozen=True)
class Use:
    """What the code does with a value."""

    kind: str  # ok, drop, bad, unused; name, store (followed further)
    how: str = ""  # for bad: "it is compared (TypeError, ...)"
    name: str = ""  # for name/store: the local it lands in
    container: bool = False  # the value reached it inside a list/dict/comprehension


OK = Use("ok")
_ANALYSES: "weakref.WeakKeyDictionary[object, _Analysis]" = weakref.WeakKeyDictionary()


class _Analysis:
    """Shared by the three DJA2 rules of one checker (one module)."""

    def __init__(self, checker) -> None:
        self.checker = checker
        self._scans: dict[int, dict[str, list[tuple[cst.Name, tuple[cst.CSTNode, ...]]]]] = {}
        self._verdicts: dict[int, tuple[Coroutine, Use] | None] = {}

    def verdict(self, call: cst.Call, frame, ancestors: Sequence[cst.CSTNode]
                ) -> tuple[Coroutine, Use] | None:
        """The coroutine ``call`` makes and its fate, when that fate is a finding (memoized:
        the three rules ask about the same calls)."""
        key = id(call)
        if key not in self._verdicts:
            self._verdicts[key] = self._verdict(call, frame, ancestors)
        return self._verdicts[key]

    def _verdict(self, call: cst.Call, frame, ancestors: Sequence[cst.CSTNode]
                 ) -> tuple[Coroutine, Use] | None:
        made = self.creates(call)
        if made is None:
            return None
        use = self.use_of(call, ancestors)
        if use.kind in ("name", "store"):
            if frame.kind != "function":
                return None  # a module or class attribute may be used anywhere
            use = self.follow(frame.node, use.name, call,
                              container=use.container or use.kind == "store")
        return None if use.kind == "ok" else (made, use)

    # -- does this call make a coroutine? ------------------------------------------

    def creates(self, call: cst.Call) -> Coroutine | None:
        checker = self.checker
        func = call.func
        text = _LazyText(checker, call)
        if isinstance(func, cst.Name):
            local = self._local_function(func.value)
            if local is not None:
                return Coroutine(call, text) if local else None
            if checker.lookup_local(func.value):
                return None
            fqn = checker.resolve(func.value)
            made = self._from_fqn(call, fqn, text)
            # `notify = pick_notifier()` in this function shadows the imported `notify`.
            return None if made is not None and self._locally_bound(func.value) else made
        if isinstance(func, cst.Call):  # sync_to_async(f)(...)
            if checker.qualified(func.func) in ASYNC_MAKING_DECORATORS and func.args:
                inner = checker.code_of(func.args[0].value, 40)
                return Coroutine(call, text, None, f"{inner}(...)")
            return None
        if not isinstance(func, cst.Attribute):
            return None
        if self._async_get_response(func):
            return Coroutine(call, text)
        made = self._method_call(call, func, text)
        if made is not None and self._local_receiver(func.value):
            # `cache = {}` or `svc = pick()` here: module-level names say nothing about it,
            # so judge it as a receiver of unknown type.
            method = func.attr.value
            if method in K.DJANGO_COROUTINE_METHODS and method not in GENERIC_METHODS:
                return Coroutine(call, text)
            return None
        return made

    def _async_get_response(self, func: cst.Attribute) -> bool:
        """``self.get_response(request)`` in a middleware's ``async def __call__``/``__acall__``:
        Django only runs that method async when ``get_response`` is a coroutine function."""
        if not (func.attr.value == "get_response" and isinstance(func.value, cst.Name) and func.value.value == "self"):
            return False
        frame = self.checker.function_frame
        if frame is None or not frame.is_async or frame.class_fqn is None:
            return False
        return frame.fqn.rpartition(".")[2] in ("__call__", "__acall__")

    def _method_call(self, call: cst.Call, func: cst.Attribute, text: _LazyText) -> Coroutine | None:
        checker = self.checker
        callee = checker.callee_fqn(call)
        if callee is not None:
            return self._from_fqn(call, callee, text)
        own = self._own_method(func)
        if own is not None:
            return Coroutine(call, text) if own else None
        fqn = checker.qualified(func)
        if fqn is not None and fqn in K.KNOWN_COROUTINE_FUNCTIONS:
            return self._from_fqn(call, fqn, text)
        method = func.attr.value
        if method not in K.DJANGO_COROUTINE_METHODS:
            return None
        kind = self._django_receiver(func.value, method)
        if kind is None:
            return None
        since = RELATED_SINCE.get(method) if kind == RELATED_MANAGER else None
        since = since or SINCE_BY_KIND.get(kind)
        # Django names the sync twin of `aX` `X` (`asave`/`save`, `aflush`/`flush`,
        # `cache.aset`/`cache.set`); the exceptions are spelled out.
        receiver = checker.code_of(func.value, 40)
        if method == "auser":
            twin = f"{receiver}.user"
        elif kind == SESSION and method == "aset":
            twin = f"{receiver}[key] = value"
        elif kind == PAGINATOR:
            twin = ""  # AsyncPaginator's sync twin is a different class
        else:
            twin = f"{receiver}.{method[1:]}({'...' if call.args else ''})"
        return Coroutine(call, text, since, twin)

    def _from_fqn(self, call: cst.Call, fqn: str | None, text: _LazyText) -> Coroutine | None:
        if fqn is None:
            return None
        if fqn in K.KNOWN_COROUTINE_FUNCTIONS:
            twin = SYNC_FUNCTION_TWINS.get(fqn, "")
            return Coroutine(call, text, None, f"{twin}({'...' if call.args else ''})" if twin else "")
        info = self.checker.index.function(fqn)
        if info is None:
            return None
        decorators = set(info.decorators)
        if info.is_async and not info.is_generator and decorators <= TRANSPARENT_DECORATORS:
            return Coroutine(call, text)
        if not info.is_async and decorators & ASYNC_MAKING_DECORATORS:
            return Coroutine(call, text)
        return None

    def _django_receiver(self, receiver: cst.BaseExpression, method: str) -> str | None:
        """The Django kind of ``receiver`` (``"django"`` when only its origin is known), or None."""
        checker = self.checker
        t = checker.type_of(receiver)
        if t is not None:
            if t.kind in DJANGO_KINDS:
                return t.kind
            if t.kind == "self" and t.model:
                # A class of ours without this method: Django's only if a base is Django's.
                bases = checker.index.mro(t.model)[1:]
                return "django" if any(b.startswith("django.") for b in bases) else None
            return None
        if isinstance(receiver, cst.Subscript):  # caches["default"].aget(...)
            fqn = checker.qualified(receiver.value)
            return "django" if fqn and fqn.startswith("django.") else None
        dotted = dotted_name(receiver)
        if dotted is not None and not checker.lookup_local(dotted.partition(".")[0]):
            fqn = checker.resolve(dotted)
            if fqn is not None:
                # Imported or module-level: Django's (cache, a Signal()) or someone else's.
                return "django" if self._is_django_object(fqn) else None
        # A receiver of unknown type: only the names no other library uses for a sync API.
        return None if method in GENERIC_METHODS else "unknown"

    def _local_receiver(self, receiver: cst.BaseExpression) -> bool:
        """Is ``receiver`` (``x`` or ``x.a.b``) rooted in a local of unknown type? Then
        module-level names it may shadow say nothing about it."""
        dotted = dotted_name(receiver)
        if dotted is None:
            return False
        head = dotted.partition(".")[0]
        if head in ("self", "cls") or self.checker.type_of(cst.Name(head)) is not None:
            return False
        return self.checker.lookup_local(head) or self._locally_bound(head)

    def _locally_bound(self, name: str) -> bool:
        """Is ``name`` assigned, imported or a parameter in an enclosing function or lambda?"""
        for frame in reversed(self.checker.frames[1:]):
            if frame.kind == "class":
                continue
            if name in frame.params or name in frame.env:
                return True
            node = frame.node
            if isinstance(node, cst.Lambda):
                params = node.params
                names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
                if name in names:
                    return True
                continue
            if isinstance(node, cst.FunctionDef):
                if name in _param_names(node):
                    return True
                for load, ancestors in self._scan(node).get(name, ()):
                    if _role(load, ancestors) == "bind" and not _in_nested_scope(ancestors, node):
                        return True
        return False

    def _is_django_object(self, fqn: str) -> bool:
        if fqn.startswith("django."):
            return True
        modname, _, name = fqn.rpartition(".")
        info = self.checker.index.module(modname) if modname else None
        if info is None or name not in info.assigned_calls:
            return False
        made_by = self.checker.index.resolve(modname, info.assigned_calls[name])
        return bool(made_by) and made_by.startswith("django.")

    def _own_method(self, func: cst.Attribute) -> bool | None:
        """``self.m()`` in a class the index does not see (one defined in a function):
        read ``m`` from the class body being walked."""
        receiver = func.value
        if not isinstance(receiver, cst.Name) or receiver.value not in ("self", "cls"):
            return None
        t = self.checker.type_of(receiver)
        if t is None or t.kind != "self":
            return None
        for frame in reversed(self.checker.frames):
            if frame.kind == "class" and isinstance(frame.node, cst.ClassDef):
                found = [stmt for stmt in frame.node.body.body
                         if isinstance(stmt, cst.FunctionDef) and stmt.name.value == func.attr.value]
                return self._def_makes_coroutine(found[0]) if len(found) == 1 else None
        return None

    def _def_makes_coroutine(self, node: cst.FunctionDef) -> bool:
        decorators = {self.checker.qualified(_strip_call(d.decorator)) or "?" for d in node.decorators}
        if node.asynchronous is not None:
            return not is_generator(node) and decorators <= TRANSPARENT_DECORATORS
        return bool(decorators & ASYNC_MAKING_DECORATORS)

    def _local_function(self, name: str) -> bool | None:
        """For a nested ``def`` of an enclosing function (seen so far): does calling it
        make a coroutine? None when ``name`` is not one."""
        for frame in reversed(self.checker.frames[1:]):
            if frame.kind != "function":
                continue
            table = frame.state.get("DJA2-defs", {})
            if name in table:
                return table[name]
            if name in frame.env or name in frame.params:
                return None
        return None

    def saw_function(self, node: cst.FunctionDef) -> None:
        """Called for every ``def`` (after its frame is pushed): note nested ones in the
        enclosing function's frame."""
        frames = self.checker.frames
        if len(frames) < 2 or frames[-1].node is not node or frames[-2].kind != "function":
            return
        seen = frames[-2].state.setdefault("DJA2-seen", set())
        if id(node) in seen:
            return  # the three rules all call this
        seen.add(id(node))
        table = frames[-2].state.setdefault("DJA2-defs", {})
        name = node.name.value
        # Defined twice: either may be the one called; unknown, so not a finding.
        table[name] = False if name in table else self._def_makes_coroutine(node)

    # -- what happens to it? -----------------------------------------------------------

    def use_of(self, node: cst.CSTNode, ancestors: Sequence[cst.CSTNode]) -> Use:
        """How the value of ``node`` is used; ``ancestors[-1]`` is its parent."""
        child = node
        container = False
        for parent in reversed(ancestors):
            if isinstance(parent, (cst.Element, cst.StarredElement, cst.DictElement,
                                   cst.StarredDictElement)):
                child = parent
                continue
            if isinstance(parent, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
                container = True
                child = parent
                continue
            if isinstance(parent, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
                if child is not parent.elt:
                    return OK
                container = True
                child = parent
                continue
            if isinstance(parent, cst.DictComp):
                if child is not parent.key and child is not parent.value:
                    return OK
                container = True
                child = parent
                continue
            if isinstance(parent, cst.IfExp):
                if child is parent.test:
                    return self._bad("it is truth-tested (a coroutine is always true)", container)
                child = parent
                continue
            if isinstance(parent, cst.BooleanOperation):
                if child is parent.left and isinstance(parent.operator, cst.And):
                    # `coro and x` tests it and drops it; `coro or x` is the coroutine itself.
                    return self._bad("it is truth-tested (a coroutine is always true)", container)
                child = parent
                continue
            return self._terminal(parent, child, container, ancestors)
        return OK

    def _bad(self, how: str, container: bool) -> Use:
        return OK if container else Use("bad", how)

    def _terminal(self, parent: cst.CSTNode, child: cst.CSTNode, container: bool,
                  ancestors: Sequence[cst.CSTNode]) -> Use:
        if isinstance(parent, cst.Expr):
            return Use("drop", container=container)
        if isinstance(parent, cst.Return) and not container:
            # A sync wrapper may return a coroutine for its caller to await; a coroutine
            # that returns one hands `await f()` the coroutine object, never run (a view
            # doing so fails: "returned an unawaited coroutine").
            function = next((a for a in reversed(ancestors) if isinstance(a, (cst.FunctionDef, cst.Lambda))), None)
            if isinstance(function, cst.FunctionDef) and function.asynchronous is not None:
                return Use("bad", "it is returned from a coroutine: `await` on the caller gets the coroutine "
                                  "object, not its result")
            return OK
        if isinstance(parent, cst.Arg):
            call = _grandparent(parent, ancestors)
            if isinstance(call, cst.Call) and parent in call.args:
                return self._argument_of(call, parent, container)
            return OK
        if isinstance(parent, cst.Attribute) and child is parent.value:
            if parent.attr.value in COROUTINE_ATTRS:
                return OK
            return self._bad(f"its attribute `.{parent.attr.value}` is read (AttributeError)", container)
        if isinstance(parent, cst.Subscript) and child is parent.value:
            return self._bad("it is subscripted (TypeError)", container)
        if isinstance(parent, cst.BinaryOperation):
            if isinstance(parent.operator, cst.Modulo) and child is parent.right:
                return Use("bad", "it is formatted with `%` (as `<coroutine object ...>`)")
            return self._bad("it is used in arithmetic (TypeError)", container)
        if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
            return self._bad("it is compared (TypeError, or a comparison that is always the same)", container)
        if isinstance(parent, cst.UnaryOperation):
            if isinstance(parent.operator, cst.Not):
                return self._bad("it is truth-tested (a coroutine is always true)", container)
            return self._bad("it is used in arithmetic (TypeError)", container)
        if isinstance(parent, (cst.If, cst.While, cst.Assert, cst.CompIf)):
            if child is parent.test:
                return self._bad("it is truth-tested (a coroutine is always true)", container)
            return OK
        if isinstance(parent, cst.FormattedStringExpression):
            return Use("bad", "it is formatted into an f-string (as `<coroutine object ...>`)")
        if isinstance(parent, (cst.For, cst.CompFor)):
            if child is parent.iter and parent.asynchronous is None:
                return self._bad("it is iterated with a sync `for` (TypeError)", container)
            return OK
        if isinstance(parent, cst.WithItem):
            with_stmt = _grandparent(parent, ancestors)
            if isinstance(with_stmt, cst.With) and with_stmt.asynchronous is None:
                return self._bad("it is used as a sync context manager (TypeError)", container)
            return OK
        if isinstance(parent, cst.Assign) and child is parent.value:
            if len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
                return Use("name", name=parent.targets[0].target.value, container=container)
            return OK
        if isinstance(parent, cst.AnnAssign) and child is parent.value:
            if isinstance(parent.target, cst.Name):
                return Use("name", name=parent.target.value, container=container)
            return OK
        if isinstance(parent, cst.AugAssign) and child is parent.value:
            if container and isinstance(parent.target, cst.Name):
                return Use("store", name=parent.target.value)
            return self._bad("it is used in arithmetic (TypeError)", container)
        return OK

    def _argument_of(self, call: cst.Call, arg: cst.Arg, container: bool) -> Use:
        checker = self.checker
        func = call.func
        name = checker.code_of(func, 40)
        if (isinstance(func, cst.Name) and func.value in ("getattr", "hasattr") and not container
                and call.args[0] is arg and len(call.args) > 1 and not checker.lookup_local(func.value)
                and checker.resolve(func.value) is None):
            attr = string_value(call.args[1].value)
            if attr in COROUTINE_ATTRS:
                return OK
            shown = f"`.{attr}`" if attr else "an attribute"
            return Use("bad", f"{shown} is read from it with `{func.value}()` (the coroutine has none)")
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in STORE_METHODS and isinstance(func.value, cst.Name):
                return Use("store", name=func.value.value)
            if method in NON_CONSUMER_STRING_METHODS and isinstance(
                    func.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
                return Use("bad", f"it is passed to `{name}()`")
            if method in LOGGER_METHODS and self._is_logger(func.value):
                return Use("bad", f"it is passed to `{name}()`")
            if method in K.COROUTINE_CONSUMER_METHODS:
                return OK
        if isinstance(func, cst.Name) and func.value in NON_CONSUMER_BUILTINS:
            if not checker.lookup_local(func.value) and checker.resolve(func.value) is None:
                return Use("bad", f"it is passed to `{NON_CONSUMER_BUILTINS[func.value]}`")
            return OK
        fqn = checker.qualified(func)
        if fqn in NON_CONSUMER_FUNCTIONS:
            if fqn == "asgiref.sync.async_to_sync":
                return Use("bad", "it is passed to `async_to_sync()`, which takes the async "
                                  "function itself (`async_to_sync(f)(...)`), not a coroutine")
            return Use("bad", f"it is passed to `{name}()`")
        return OK

    def _is_logger(self, receiver: cst.BaseExpression) -> bool:
        checker = self.checker
        fqn = checker.qualified(receiver)
        if fqn is None:
            return False
        if fqn == "logging":
            return True
        modname, _, name = fqn.rpartition(".")
        info = checker.index.module(modname) if modname else None
        if info is None or name not in info.assigned_calls:
            return False
        return checker.index.resolve(modname, info.assigned_calls[name]) in LOGGER_FACTORIES

    # -- following a local name -------------------------------------------------------

    def follow(self, scope: cst.FunctionDef, name: str, created: cst.CSTNode, *,
               container: bool) -> Use:
        """What becomes of the coroutine(s) bound to local ``name`` in ``scope``.

        OK when any read of the name may await it or hand it on (or when the name
        is not this function's own local); else the first bad use, or ``unused``
        when the name is never read at all. With ``container`` the name holds a
        list/dict of coroutines: only passing it to a known non-consumer is bad,
        and ``xs.append(...)`` is a write, not a read.
        """
        if name in _declared_global(scope) or name in _param_names(scope):
            return OK
        entries = self._scan(scope).get(name, ())
        bindings = [ancestors for load, ancestors in entries
                    if _role(load, ancestors) == "bind" and not _in_nested_scope(ancestors, scope)]
        if not bindings:
            return OK  # a global or an enclosing function's name: used elsewhere
        if container and not all(self._binds_fresh_container(ancestors, created) for ancestors in bindings):
            return OK  # `xs = self.pending` then `xs.append(coro)`: the list lives on elsewhere
        first_bad = ""
        for load, ancestors in entries:
            if _inside(created, ancestors) or _role(load, ancestors) is not None:
                continue
            if container and _is_self_store(load, ancestors):
                continue
            if _in_nested_scope(ancestors, scope):
                return OK  # read by a closure: it may await it
            use = self.use_of(load, ancestors)
            if use.kind == "bad" and (not container or use.how.startswith("it is passed to")):
                first_bad = first_bad or use.how
                continue
            if use.kind == "drop":
                continue
            return OK
        if first_bad:
            return Use("bad", first_bad, container=container)
        return Use("unused", name=name, container=container)

    def _binds_fresh_container(self, ancestors: Sequence[cst.CSTNode], created: cst.CSTNode) -> bool:
        """Does this binding give the name a new container of its own (``[]``, ``{}``,
        ``set()``, a comprehension, the display holding ``created``)?"""
        statement = next((a for a in reversed(ancestors) if isinstance(a, (cst.Assign, cst.AnnAssign))), None)
        if statement is None or statement.value is None:
            return False
        value = statement.value
        if self._contains(value, created):
            return True
        if isinstance(value, (cst.List, cst.Dict, cst.Set, cst.Tuple, cst.ListComp, cst.SetComp,
                              cst.DictComp)):
            return True
        if isinstance(value, cst.Call) and not value.args:
            fqn = self.checker.qualified(value.func)
            if isinstance(value.func, cst.Name) and value.func.value in ("list", "dict", "set") \
                    and fqn is None and not self.checker.lookup_local(value.func.value):
                return True
            return fqn in ("collections.deque", "collections.defaultdict", "collections.OrderedDict")
        return False

    def _contains(self, outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
        if outer is inner:
            return True
        a, b = self.checker.position(outer), self.checker.position(inner)
        return (a.start.line, a.start.column) <= (b.start.line, b.start.column) \
            and (b.end.line, b.end.column) <= (a.end.line, a.end.column)

    def _scan(self, scope: cst.FunctionDef) -> dict[str, list[tuple[cst.Name, tuple[cst.CSTNode, ...]]]]:
        key = id(scope)
        if key not in self._scans:
            table: dict[str, list[tuple[cst.Name, tuple[cst.CSTNode, ...]]]] = {}

            class Scan(cst.CSTVisitor):
                def __init__(self) -> None:
                    super().__init__()
                    self.stack: list[cst.CSTNode] = []

                def on_visit(self, node: cst.CSTNode) -> bool:
                    if isinstance(node, cst.Name):
                        table.setdefault(node.value, []).append((node, tuple(self.stack)))
                    self.stack.append(node)
                    return True

                def on_leave(self, original_node: cst.CSTNode) -> None:
                    self.stack.pop()

            scanner = Scan()
            scanner.stack.append(scope)
            scope.body.visit(scanner)
            self._scans[key] = table
        return self._scans[key]


# -- small tree helpers --------------------------------------------------------------


def _grandparent(parent: cst.CSTNode, ancestors: Sequence[cst.CSTNode]) -> cst.CSTNode | None:
    for index in range(len(ancestors) - 1, 0, -1):
        if ancestors[index] is parent:
            return ancestors[index - 1]
    return None


def _inside(node: cst.CSTNode, ancestors: Sequence[cst.CSTNode]) -> bool:
    return any(a is node for a in ancestors)


def _strip_call(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.func if isinstance(node, cst.Call) else node


def _declared_global(scope: cst.FunctionDef) -> set[str]:
    names: set[str] = set()

    class Scan(cst.CSTVisitor):
        def visit_Global(self, node: cst.Global) -> None:
            names.update(item.name.value for item in node.names)

        def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
            names.update(item.name.value for item in node.names)

    scope.body.visit(Scan())
    return names


def _param_names(scope: cst.FunctionDef) -> set[str]:
    params = scope.params
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return names


def _role(name: cst.Name, ancestors: Sequence[cst.CSTNode]) -> str | None:
    """None for a read of the variable; "bind" for an assignment target; "import" for
    a name an import binds; "other" for a Name that is not the variable (an attribute,
    a keyword, a def's name, a parameter)."""
    child: cst.CSTNode = name
    for parent in reversed(ancestors):
        if isinstance(parent, cst.Attribute):
            return "other" if child is parent.attr else None
        if isinstance(parent, cst.Arg):
            return "other" if child is parent.keyword else None
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)):
            return "other" if child is parent.name else None
        if isinstance(parent, (cst.Param, cst.Global, cst.Nonlocal, cst.Del)):
            return "other"
        if isinstance(parent, cst.ImportAlias) or (isinstance(parent, cst.AsName) and any(
                isinstance(a, (cst.Import, cst.ImportFrom)) for a in ancestors)):
            return "import"  # a function-level import: the same module a top-level one would give
        if isinstance(parent, (cst.AssignTarget, cst.AsName)):
            return "bind"
        if isinstance(parent, (cst.AnnAssign, cst.NamedExpr, cst.For, cst.CompFor)):
            return "bind" if child is parent.target else None
        if isinstance(parent, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
            child = parent  # a tuple is a target only if what holds it says so
            continue
        return None
    return None


def _in_nested_scope(ancestors: Sequence[cst.CSTNode], scope: cst.CSTNode) -> bool:
    return any(isinstance(a, (cst.FunctionDef, cst.Lambda, cst.ClassDef)) and a is not scope
               for a in ancestors)


def _is_self_store(name: cst.Name, ancestors: Sequence[cst.CSTNode]) -> bool:
    """``xs.append(...)`` / ``xs += [...]``: a write into the container, not a read of it."""
    if not ancestors:
        return False
    parent = ancestors[-1]
    if isinstance(parent, cst.Attribute) and parent.value is name and parent.attr.value in STORE_METHODS:
        call = ancestors[-2] if len(ancestors) > 1 else None
        return isinstance(call, cst.Call) and call.func is parent
    return isinstance(parent, cst.AugAssign) and parent.target is name


# -- the rules ----------------------------------------------------------------------


class _CoroutineRule(Rule):
    """Shared walk: every DJA2 rule classifies each coroutine-making call and
    reports the ones that are its own."""


    def __init__(self, checker) -> None:
        super().__init__(checker)
        shared = _ANALYSES.get(checker)
        if shared is None:
            shared = _ANALYSES[checker] = _Analysis(checker)
        self.analysis = shared

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        frame = checker.frame
        in_async = frame.kind == "function" and frame.is_async
        if in_async != (self.code != "DJA203"):
            return
        found = self.analysis.verdict(node, frame, checker.stack[:-1])
        if found is not None:
            self.found(found[0], found[1], frame)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.analysis.saw_function(node)

    def found(self, made: Coroutine, use: Use, frame) -> None:
        raise NotImplementedError

    def await_cure(self, made: Coroutine) -> str:
        sync_callable = made.sync_twin.partition("(")[0]
        bridge = (f"`await sync_to_async({sync_callable})(...)`" if sync_callable and "." in sync_callable
                  else "`await sync_to_async(...)` over the sync method")
        return self.checker.cure(made.since, f"await it: `await {made.text}`",
                                 f"`{made.text}` needs Django {K.version_str(made.since)}+; "
                                 f"before that use {bridge}")


@register
class CoroutineNeverAwaited(_CoroutineRule):
    """
    A coroutine created in an `async def` and dropped without `await`.

    ## What it does
    Checks for expression statements in an `async def` that call something
    returning a coroutine and do nothing with it: Django's async methods
    (`obj.asave()`, `qs.aupdate(...)`, `request.session.aflush()`,
    `cache.aset(...)`), well-known coroutine functions (`asyncio.sleep(1)`),
    and the project's own `async def` functions and methods, found through
    imports and aliases (`from .notifications import notify as send_notice`)
    and `self.method()` calls.

    ## Why is this bad?
    Calling an `async def` only creates a coroutine object; its body runs when
    it is awaited. A dropped coroutine never runs: the save, update or
    notification silently does not happen, and Python only says
    `RuntimeWarning: coroutine 'Model.asave' was never awaited` when the object
    is garbage-collected.

    ## Example
    ```python
    async def publish(request, pk):
        book = await Book.objects.aget(pk=pk)
        book.published = True
        book.asave()
    ```

    Use instead:
    ```python
    async def publish(request, pk):
        book = await Book.objects.aget(pk=pk)
        book.published = True
        await book.asave()
    ```

    ## Known problems
    Whether `x.m()` makes a coroutine depends on what `x` is, and an "a" prefix
    proves nothing (`all`, `annotate`, `aggregate`, `alias` are sync QuerySet
    methods; `aiterator()` is an async generator, used with `async for`). So:

    - a receiver whose type is known (a manager, queryset, related manager,
      model instance, request, session, user) makes a coroutine for Django's
      coroutine methods, unless the project overrides the method with a plain
      `def` (then it is the project's method that counts);
    - a receiver imported from `django.*` (`cache`, `caches["default"]`,
      a signal) or a module-level `Signal()` counts too; a receiver imported
      from any other library never does: zkpython's module functions
      `zookeeper.aget()`, `aset()`, `acreate()`, `adelete()`, `aexists()` are
      plain sync calls;
    - on a receiver of unknown type (a parameter, an attribute, a call result)
      only the names no common library uses for a sync API count (`acount`,
      `afirst`, `asave`, `aget_or_create`, `arefresh_from_db`, `aexists`,
      `acreate`, ...). The generic names (`aget`, `aset`, `aupdate`, `aclose`,
      `adelete`, `aadd`, `aclear`, `aremove`, `apop`, `akeys`, `avalues`,
      `aitems`, `asend`, `aload`, `acall`, ...) do not: they are sync methods
      in other code (sync `aclose()` shims on httpx-style clients, `aupdate()`
      and `aset()` helpers in GUI and D-Bus code), and `asend()`/`aclose()` of
      an async generator return awaitables that are not coroutines. A dropped
      `client.aclose()` on an unknown `client` is therefore not reported.

    Calls the project index cannot resolve, and `async def`s behind a
    decorator it does not know, are not reported either.

    ## Django version
    Any. The a-methods appeared in Django 4.0 (cache), 4.1 (QuerySet), 4.2
    (model instances, related managers), 5.0 (`request.auser()`, auth,
    `Signal.asend()`) and 5.1 (sessions); the cure names the version when the
    receiver is known, and with an older `target-django` the `sync_to_async`
    bridge instead.
    """

    code = "DJA201"
    name = "coroutine-never-awaited"

    def found(self, made: Coroutine, use: Use, frame) -> None:
        if use.kind != "drop":
            return
        cure = self.await_cure(made)
        if use.container:
            where = "put in a container that is dropped"
            cure = "await them: `await asyncio.gather(...)`"
        else:
            where = "dropped"
        self.checker.report(self, made.call,
                            f"`{made.text}` makes a coroutine that is {where}: {NEVER_RUNS}; {cure}",
                            help=cure, what=str(made.text))


@register
class CoroutineUsedAsValue(_CoroutineRule):
    """
    A coroutine used as if it were its result, in async code.

    ## What it does
    Checks for a coroutine (see DJA201 for what makes one) that an `async def`
    uses as a value instead of awaiting: reading an attribute of it
    (`qs.afirst().title`), arithmetic or comparison (`await`-less
    `qs.acount() > 0`), a truth test (`if obj.aexists():`), formatting it into a
    string, passing it to a function that does not run coroutines (`print()`,
    `JsonResponse(...)`, `render(...)`, `str.format()`, a logger,
    `async_to_sync()`), or binding it to a name that is never awaited or handed
    on afterwards.

    ## Why is this bad?
    A coroutine object is not its result. It is always true, it formats as
    `<coroutine object QuerySet.acount at 0x...>`, it has none of the result's
    attributes (`AttributeError`) and it cannot be added or compared
    (`TypeError`). The work it stands for never runs, and Python warns
    `RuntimeWarning: coroutine ... was never awaited`.

    ## Example
    ```python
    async def stock(request):
        if Book.objects.filter(published=True).aexists():
            return JsonResponse({"count": Book.objects.acount()})
    ```

    Use instead:
    ```python
    async def stock(request):
        if await Book.objects.filter(published=True).aexists():
            return JsonResponse({"count": await Book.objects.acount()})
    ```

    ## Known problems
    Passing a coroutine to a function asynclint does not know is not reported
    (it may await it), nor is a name that is used in any way that may hand the
    coroutine on. Receivers of unknown type: see DJA201.

    ## Django version
    Any; see DJA201 for when each a-method appeared.
    """

    code = "DJA202"
    name = "coroutine-used-as-value"

    def found(self, made: Coroutine, use: Use, frame) -> None:
        cure = self.await_cure(made)
        if use.kind == "bad":
            message = f"`{made.text}` is a coroutine, not its result, and {use.how}"
        elif use.kind == "unused" and use.container:
            message = f"`{made.text}` is stored in `{use.name}`, which is never awaited or handed on"
            cure = f"await them: `await asyncio.gather(*{use.name})`"
        elif use.kind == "unused":
            message = f"`{made.text}` is bound to `{use.name}`, which is never awaited or handed on"
        else:
            return
        self.checker.report(self, made.call, f"{message}: {NEVER_RUNS}; {cure}", help=cure,
                            what=str(made.text))


@register
class CoroutineInSyncFunction(_CoroutineRule):
    """
    A coroutine created in sync code, where nothing can await it.

    ## What it does
    Checks for a coroutine (see DJA201 for what makes one) created in a plain
    `def` (a sync view, a signal handler, a helper, a lambda) that is neither
    returned nor handed to something that runs it (`asyncio.run()`,
    `loop.run_until_complete()`, `asyncio.create_task()`,
    `asyncio.ensure_future()`, `asyncio.run_coroutine_threadsafe()`, ...):
    `qs.acount()` or `asyncio.sleep(1)` in a sync view.

    ## Why is this bad?
    A sync function cannot `await`, so the coroutine is garbage-collected
    unrun: the save or query silently does not happen, values computed from it
    are wrong, and Python warns `RuntimeWarning: coroutine ... was never
    awaited`. In sync code, call the sync API (`qs.count()`, `time.sleep()`),
    or run an async function with `async_to_sync(f)(...)`.

    ## Example
    ```python
    def stock(request):
        count = Book.objects.acount()
        return JsonResponse({"count": count})
    ```

    Use instead:
    ```python
    def stock(request):
        count = Book.objects.count()
        return JsonResponse({"count": count})
    ```

    ## Known problems
    Passing the coroutine to a function asynclint does not know is not reported.
    `async_to_sync(coro)` is reported: `async_to_sync` takes the async function,
    not a coroutine. Receivers of unknown type: see DJA201.

    ## Django version
    Any. `async_to_sync` comes with asgiref, which Django depends on since 3.0.
    """

    code = "DJA203"
    name = "coroutine-in-sync-function"
    loop_only = False

    #: names too common to be worth parsing every file that mentions them
    _COMMON = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "dispatch", "setup",
                         "run", "main", "send", "call", "handle", "process", "receive", "connect"})

    @classmethod
    def triggers(cls, project):
        """A sync file can only make a coroutine by calling something that is one:
        Django's a-methods, the well-known coroutine functions, or the project's own
        ``async def`` (by name); and any file defining ``async def`` is parsed anyway."""
        names = {b"async", b"asyncio"}
        # call-shaped, so that `aload` does not match every `payload`
        names.update(n.encode() + b"(" for n in K.DJANGO_COROUTINE_METHODS)
        names.update(f.rpartition(".")[2].encode() + b"(" for f in K.KNOWN_COROUTINE_FUNCTIONS
                     if not f.startswith("asyncio."))
        names.update(n.encode() + b"(" for n in project.async_function_names()
                     if not n.startswith("__") and n not in cls._COMMON and len(n) > 3)
        return names

    def found(self, made: Coroutine, use: Use, frame) -> None:
        checker = self.checker
        if checker.in_loop:
            # A sync helper the coroutine calls directly: it runs on the loop, where
            # neither the sync twin (SynchronousOnlyOperation) nor async_to_sync works.
            cure = ("make this function `async def` and await the call, or schedule it: "
                    f"`asyncio.ensure_future({made.text})`")
        elif made.sync_twin:
            cure = f"call the sync API instead: `{made.sync_twin}`"
        else:
            cure = "make the caller `async def` and await it, or run it with `async_to_sync(f)(...)`"
        if frame.kind == "function":
            where = f"in sync function `{frame.node.name.value}()`"
        elif frame.kind == "lambda":
            where = "in a lambda"
        else:
            where = "in sync code"
        if use.kind == "bad":
            what = f"and {use.how}"
        elif use.kind == "unused":
            what = f"stored in `{use.name}`, which nothing awaits"
        else:
            what = "and nothing awaits it"
        checker.report(self, made.call,
                       f"`{made.text}` makes a coroutine {where} {what}: {NEVER_RUNS}; {cure}",
                       help=cure, what=str(made.text))


__all__ = ["CoroutineNeverAwaited", "CoroutineUsedAsValue", "CoroutineInSyncFunction"]
