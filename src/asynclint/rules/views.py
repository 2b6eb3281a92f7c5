"""DJA6xx: async views and class-based views.

Django decides whether a class-based view is async from its HTTP handlers
(``View.view_is_async``), decorators decide it for a function view, and the
response type decides whether ASGI can stream. These rules mirror those
decisions: a class's handlers are resolved along its real MRO, through the
project's classes and Django's own (read from the installed Django's source).

Structural class-based-view findings (DJA601, DJA605) are reported on the
``class`` line, because that is the class Django's error names; findings about
one method (DJA602, DJA603) on its ``def`` line; decorator findings (DJA604,
DJA606, DJA607) on the decorator's line.
"""

from __future__ import annotations

import re

import libcst as cst

from asynclint.checker import is_generator
from asynclint.registry import Rule, register
from asynclint.rules._django_classes import METHOD_DECORATOR, ClassWorld, ViewShape, class_literal_in, view_shape
from asynclint.semantic import ITERATOR, QUERYSET, string_value

AUTH_MIXINS = {
    "django.contrib.auth.mixins.LoginRequiredMixin": "LoginRequiredMixin",
    "django.contrib.auth.mixins.PermissionRequiredMixin": "PermissionRequiredMixin",
    "django.contrib.auth.mixins.UserPassesTestMixin": "UserPassesTestMixin",
}

_VD = "django.views.decorators."
#: View decorators and the first Django version whose wrapper keeps an ``async def``
#: view async (read from Django's source and release notes; 5.0 for every
#: ``django.views.decorators`` decorator, 5.1 for the auth ones).
DECORATOR_ASYNC_SINCE: dict[str, tuple[int, int]] = {
    **{_VD + name: (5, 0) for name in (
        "cache.cache_page", "cache.cache_control", "cache.never_cache",
        "common.no_append_slash",
        "csrf.csrf_exempt", "csrf.csrf_protect", "csrf.ensure_csrf_cookie", "csrf.requires_csrf_token",
        "debug.sensitive_variables", "debug.sensitive_post_parameters",
        "gzip.gzip_page",
        "http.conditional_page", "http.condition", "http.etag", "http.last_modified",
        "http.require_http_methods", "http.require_GET", "http.require_POST", "http.require_safe",
        "vary.vary_on_cookie", "vary.vary_on_headers",
        "clickjacking.xframe_options_deny", "clickjacking.xframe_options_sameorigin",
        "clickjacking.xframe_options_exempt",
    )},
    "django.contrib.auth.decorators.login_required": (5, 1),
    "django.contrib.auth.decorators.permission_required": (5, 1),
    "django.contrib.auth.decorators.user_passes_test": (5, 1),
    "django.contrib.admin.views.decorators.staff_member_required": (5, 1),
}

#: Decorators that, wrapped around a *sync* ``dispatch`` that returns a coroutine,
#: touch the returned value as a response (or answer with a response of their
#: own, which the async view then tries to await). Checked one by one against
#: the installed Django in tests/test_runtime_views.py. Decorators that only pass
#: the result through (``csrf_exempt``, ``requires_csrf_token``,
#: ``sensitive_post_parameters``, ``no_append_slash``, ``login_not_required``) are
#: not here, nor ``csrf_protect``, which only answers by itself when the CSRF check
#: fails and ``CsrfViewMiddleware`` did not already reject the request.
BREAKS_SYNC_DISPATCH = frozenset({
    _VD + "cache.cache_page", _VD + "cache.cache_control", _VD + "cache.never_cache",
    _VD + "csrf.ensure_csrf_cookie",
    _VD + "gzip.gzip_page", _VD + "http.conditional_page", _VD + "http.condition", _VD + "http.etag",
    _VD + "http.last_modified", _VD + "http.require_http_methods", _VD + "http.require_GET",
    _VD + "http.require_POST", _VD + "http.require_safe", _VD + "vary.vary_on_cookie",
    _VD + "vary.vary_on_headers", _VD + "clickjacking.xframe_options_deny",
    _VD + "clickjacking.xframe_options_sameorigin", _VD + "clickjacking.xframe_options_exempt",
    "django.contrib.auth.decorators.login_required", "django.contrib.auth.decorators.permission_required",
    "django.contrib.auth.decorators.user_passes_test",
    "django.contrib.admin.views.decorators.staff_member_required",
})

STREAMING_RESPONSE = frozenset({"django.http.StreamingHttpResponse", "django.http.response.StreamingHttpResponse"})
FILE_RESPONSE = frozenset({"django.http.FileResponse", "django.http.response.FileResponse"})
DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"
HANDLER_TRIGGERS = tuple(f"def {m}".encode() for m in ("get", "post", "put", "patch", "delete", "head", "trace")) \
    + (b"head =",)
_CLASS_RE = re.compile(rb"^[ \t]*class[ \t]+(\w+)", re.MULTILINE)
_ASYNC_HANDLER_RE = re.compile(rb"async[ \t]+def[ \t]+(?:get|post|put|patch|delete|head|trace)\b")


def async_view_triggers(project) -> tuple[bytes, ...]:
    """Files that can hold an async view: any with ``async``, and any naming a project
    class that defines an async HTTP handler (a sync subclass elsewhere mixes them)."""
    cached = project.__dict__.get("_async_view_classes")
    if cached is None:
        names: set[bytes] = set()
        for path in project.index.module_paths.values():
            try:
                data = open(path, "rb").read()
            except OSError:
                continue
            if b"async" not in data:
                continue
            classes = [(m.start(), m.group(1)) for m in _CLASS_RE.finditer(data)]
            for handler in _ASYNC_HANDLER_RE.finditer(data):
                owner = [name for start, name in classes if start < handler.start()]
                if owner:
                    names.add(owner[-1])
        cached = project.__dict__["_async_view_classes"] = (b"async", *sorted(names))
    return cached


def _short(fqn: str) -> str:
    return fqn.rpartition(".")[2]


def _decorator_target(decorator: cst.Decorator) -> tuple[cst.BaseExpression, cst.Call | None]:
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        return expr.func, expr
    return expr, None


def _keyword(call: cst.Call | None, name: str) -> cst.BaseExpression | None:
    if call is None:
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


class _ViewRule(Rule):
    """Shared: the shape of each module-level class, computed once per class."""

    loop_only = False

    def _world(self) -> ClassWorld:
        checker = self.checker
        world = getattr(checker, "_dja6_world", None)
        if world is None:
            project = checker.project

            def class_literal(module: str, class_name: str, attr: str):
                from asynclint.rules._project_settings import module_tree

                tree = module_tree(project, module)
                return class_literal_in(tree, class_name, attr) if tree is not None else None

            world = ClassWorld(checker.index, class_literal)
            aliases: dict[str, dict[str, str]] = {}
            for stmt in checker.module.body:
                if not isinstance(stmt, cst.ClassDef):
                    continue
                fqn = f"{checker.modname}.{stmt.name.value}"
                methods = {s.name.value for s in _class_body(stmt) if isinstance(s, cst.FunctionDef)}
                for target, value in _class_assignments(stmt):
                    if target == "http_method_names":
                        world.local_http_method_names[fqn] = _literal_names(value)
                    elif isinstance(value, cst.Name) and value.value in methods:
                        aliases.setdefault(fqn, {})[target] = value.value
            checker._dja6_world = world  # type: ignore[attr-defined]
            checker._dja6_aliases = aliases  # type: ignore[attr-defined]
            checker._dja6_shapes = {}  # type: ignore[attr-defined]
        return world

    def shape(self, fqn: str) -> ViewShape | None:
        world = self._world()
        shapes = self.checker._dja6_shapes  # type: ignore[attr-defined]
        if fqn not in shapes:
            try:
                shapes[fqn] = view_shape(world, fqn, self.checker.settings.target_django,
                                         self.checker._dja6_aliases)  # type: ignore[attr-defined]
            except RecursionError:
                shapes[fqn] = None
        return shapes[fqn]

    def module_class(self, node: cst.ClassDef) -> str | None:
        """The fqn of a module-level class (nested classes are not indexed)."""
        checker = self.checker
        if len(checker.frames) != 2 or checker.frame.kind != "class":
            return None
        return checker.frame.fqn

    def method_class(self) -> tuple[str, cst.ClassDef] | None:
        """For a method of a module-level class: the class fqn and node."""
        checker = self.checker
        frames = checker.frames
        if len(frames) == 3 and frames[1].kind == "class" and frames[2].kind == "function":
            return frames[1].fqn, frames[1].node  # type: ignore[return-value]
        return None


def _class_body(node: cst.ClassDef) -> list[cst.CSTNode]:
    body = node.body
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    return []


def _class_assignments(node: cst.ClassDef):
    for stmt in _class_body(node):
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            yield target.target.value, small.value
                elif isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
                    yield small.target.value, small.value


def _literal_names(node: cst.BaseExpression) -> tuple[str, ...] | None:
    if not isinstance(node, (cst.List, cst.Tuple)):
        return None
    names = []
    for element in node.elements:
        value = string_value(element.value)
        if value is None:
            return None
        names.append(value)
    return tuple(names)


def _returns_super_call(func: cst.FunctionDef, method: str) -> bool:
    """Does ``func`` return ``super().<method>(...)`` as it is (an awaitable in an async view)?"""
    found = False

    class Find(cst.CSTVisitor):
        def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:
            return inner is func

        def visit_Return(self, node: cst.Return) -> None:
            nonlocal found
            value = node.value
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                    and value.func.attr.value == method and isinstance(value.func.value, cst.Call) \
                    and isinstance(value.func.value.func, cst.Name) and value.func.value.func.value == "super":
                found = True

    func.visit(Find())
    return found


def _own_handlers(node: cst.ClassDef, shape: ViewShape) -> list[str]:
    names = set(shape.handlers)
    own = [s.name.value for s in _class_body(node) if isinstance(s, cst.FunctionDef) and s.name.value in names]
    own += [t for t, _ in _class_assignments(node) if t in names]
    return own


def _describe_handlers(shape: ViewShape, handlers: list[str]) -> str:
    parts = []
    for name in handlers:
        owner, _ = shape.handlers[name]
        parts.append(f"`{name}`" if owner == shape.fqn else f"`{name}` (from {_short(owner)})")
    return ", ".join(parts)


@register
class MixedSyncAsyncHandlers(_ViewRule):
    """
    A class-based view whose HTTP handlers are partly `async def` and partly sync.

    ## What it does
    Resolves every HTTP handler of a view class (each name in
    `http_method_names` except `options`) along the class's MRO, through the
    project's base classes and Django's generic views, exactly as
    `View.view_is_async` does, and reports the class when some handlers are
    coroutine functions and others are not. Handlers inherited from Django count:
    `FormView`, `CreateView` and `UpdateView` define sync `get`, `post` and `put`,
    `DeleteView` sync `get`, `post` and `delete`, `RedirectView` every method, the
    auth views (`LoginView`, `PasswordChangeView`, ...) sync `get`, `post` and
    `put`, so overriding only `get` as `async def` there is mixed. `TemplateView`,
    `ListView` and `DetailView` define only `get`: an async `get` there is fine.
    The finding is on the `class` line, the class Django's error names; it is
    reported on the class that defines handlers, not again on subclasses.

    ## Why is this bad?
    `as_view()` raises `ImproperlyConfigured: <View> HTTP handlers must either be
    all sync or all async.` The URLconf fails to load.

    ## Example
    ```python
    class CheckoutView(FormView):
        form_class = CheckoutForm

        async def get(self, request, *args, **kwargs):
            ...
    ```

    Use instead:
    ```python
    class CheckoutView(View):
        async def get(self, request, *args, **kwargs):
            ...

        async def post(self, request, *args, **kwargs):
            ...
    ```

    ## Django version
    Async handlers on class-based views exist since Django 4.1.
    """

    code = "DJA601"
    name = "mixed-sync-async-handlers"
    cure_since = (4, 1)

    @classmethod
    def triggers(cls, project):
        return async_view_triggers(project)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        fqn = self.module_class(node)
        shape = self.shape(fqn) if fqn else None
        if shape is None or not shape.mixed or not _own_handlers(node, shape):
            return
        checker = self.checker
        cure = checker.cure(self.cure_since, "make every handler `async def` (or every one sync)",
                            "make every handler sync")
        checker.report(self, node.name,
                       f"`{node.name.value}` has async handler(s) {_describe_handlers(shape, shape.async_handlers)} "
                       f"and sync handler(s) {_describe_handlers(shape, shape.sync_handlers)}: `as_view()` raises "
                       f"ImproperlyConfigured (HTTP handlers must either be all sync or all async); {cure}",
                       help=cure)


@register
class AsyncDispatchWithSyncHandlers(_ViewRule):
    """
    An `async def dispatch` on a class-based view whose HTTP handlers are sync.

    ## What it does
    Checks for `async def dispatch` on a view class whose handlers (resolved as
    Django resolves them, through the MRO) are all sync.

    ## Why is this bad?
    Django decides that a class-based view is async from its HTTP handlers only,
    never from `dispatch`. With sync handlers the view is sync, so Django calls it
    in a thread and gets back the coroutine `dispatch` made: `ValueError: The view
    ... didn't return an HttpResponse object. It returned an unawaited coroutine
    instead.`

    ## Example
    ```python
    class ReportView(View):
        async def dispatch(self, request, *args, **kwargs):
            await audit(request)
            return super().dispatch(request, *args, **kwargs)

        def get(self, request):
            ...
    ```

    Use instead:
    ```python
    class ReportView(View):
        async def dispatch(self, request, *args, **kwargs):
            await audit(request)
            return await super().dispatch(request, *args, **kwargs)

        async def get(self, request):
            ...
    ```

    ## Django version
    Async handlers exist since Django 4.1.
    """

    code = "DJA602"
    name = "async-dispatch-with-sync-handlers"
    cure_since = (4, 1)

    @classmethod
    def triggers(cls, project):
        return (b"async def dispatch",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value != "dispatch" or node.asynchronous is None or node.decorators:
            return
        owner = self.method_class()
        shape = self.shape(owner[0]) if owner else None
        if shape is None or not shape.handlers or shape.async_handlers:
            return
        checker = self.checker
        cure = checker.cure(self.cure_since, "make the HTTP handlers `async def` too",
                            "make `dispatch` sync")
        checker.report(self, node.name,
                       f"`async def dispatch` on a view whose handlers {_describe_handlers(shape, shape.sync_handlers)} "
                       f"are sync: Django treats the view as sync and gets an unawaited coroutine back "
                       f"(ValueError: ... returned an unawaited coroutine); {cure}", help=cure)


@register
class MismatchedOptionsOverride(_ViewRule):
    """
    An `options()` or `http_method_not_allowed()` override that is sync in an async view, or async in a sync one.

    ## What it does
    Checks the `options` and `http_method_not_allowed` methods a view class
    defines against the view's mode, which Django takes from the HTTP handlers
    only (`options` is left out of its all-sync-or-all-async check): a plain
    `def` in a class whose handlers are all `async def`, or an `async def` in a
    class whose handlers are all sync. A sync override that returns
    `super().options(...)` untouched is fine (it hands on Django's awaitable)
    and is not reported.

    ## Why is this bad?
    Nothing complains when the class is built, but every OPTIONS request (or
    request with a method the view does not allow) fails. In an async view
    Django awaits what `dispatch` returns, and a plain `HttpResponse` raises
    `TypeError: object HttpResponse can't be used in 'await' expression`. In a
    sync view Django gets the coroutine the `async def` made: `ValueError: The
    view ... didn't return an HttpResponse object. It returned an unawaited
    coroutine instead.`

    ## Example
    ```python
    class ApiView(View):
        async def get(self, request):
            ...

        def options(self, request, *args, **kwargs):
            response = super().options(request, *args, **kwargs)
            response["Access-Control-Allow-Origin"] = "*"
            return response
    ```

    Use instead:
    ```python
    class ApiView(View):
        async def get(self, request):
            ...

        async def options(self, request, *args, **kwargs):
            response = await super().options(request, *args, **kwargs)
            response["Access-Control-Allow-Origin"] = "*"
            return response
    ```

    ## Django version
    Async class-based views exist since Django 4.1.
    """

    code = "DJA603"
    name = "mismatched-options-override"
    cure_since = (4, 1)

    @classmethod
    def triggers(cls, project):
        return (b"def options", b"def http_method_not_allowed")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        method = node.name.value
        if method not in ("options", "http_method_not_allowed") or node.decorators:
            return
        owner = self.method_class()
        shape = self.shape(owner[0]) if owner else None
        if shape is None or not shape.handlers:
            return
        checker = self.checker
        if node.asynchronous is None and shape.is_async and not _returns_super_call(node, method):
            cure = checker.cure(self.cure_since, f"make it `async def {method}` and `await super().{method}(...)`",
                                f"make it `async def {method}`")
            checker.report(self, node.name,
                           f"sync `{method}()` on a view whose handlers are async: Django awaits its result and "
                           f"raises TypeError (object HttpResponse can't be used in 'await' expression); {cure}",
                           help=cure)
        elif node.asynchronous is not None and not shape.async_handlers:
            cure = f"make it a plain `def {method}`, or make the handlers `async def`"
            checker.report(self, node.name,
                           f"`async def {method}()` on a view whose handlers {_describe_handlers(shape, shape.sync_handlers)} "
                           f"are sync: Django treats the view as sync and gets an unawaited coroutine back "
                           f"(ValueError: ... returned an unawaited coroutine); {cure}", help=cure)


@register
class MethodDecoratorOnSyncDispatch(_ViewRule):
    """
    `method_decorator(...)` on a sync `dispatch` of a class-based view with async handlers.

    ## What it does
    Checks for `@method_decorator(never_cache)` (or `login_required`,
    `cache_control(...)`, `vary_on_cookie`, `require_POST`, ... any Django view
    decorator that looks at the response or answers with its own) on a `def
    dispatch`, or `@method_decorator(..., name="dispatch")` on the class when
    `dispatch` is Django's sync one, in a view whose handlers are `async def`.
    `csrf_exempt` and other decorators that only pass the result through are fine.

    ## Why is this bad?
    `dispatch` is sync, so the decorator wraps a sync function and receives the
    coroutine the async handler made instead of a response: `never_cache` raises
    `AttributeError: 'coroutine' object has no attribute 'has_header'`, and
    `login_required` reads `request.user` on the event loop (raising
    `SynchronousOnlyOperation`) or returns a redirect that the async view then
    tries to await.

    ## Example
    ```python
    @method_decorator(never_cache, name="dispatch")
    class StatusView(View):
        async def get(self, request):
            ...
    ```

    Use instead:
    ```python
    class StatusView(View):
        @method_decorator(never_cache)
        async def get(self, request):
            ...
    ```

    ## Django version
    `method_decorator` keeps an `async def` method async since Django 5.2;
    before that, decorate an `async def dispatch` override with the plain view
    decorator's logic or move the check into the handler.
    """

    code = "DJA604"
    name = "method-decorator-on-sync-dispatch"
    cure_since = (5, 2)

    @classmethod
    def triggers(cls, project):
        return (b"method_decorator",)

    def _breaking(self, decorator: cst.Decorator) -> tuple[str, cst.Call] | None:
        target, call = _decorator_target(decorator)
        if call is None or self.checker.qualified(target) != METHOD_DECORATOR or not call.args:
            return None
        inner = call.args[0].value
        inner_target = inner.func if isinstance(inner, cst.Call) else inner
        fqn = self.checker.qualified(inner_target)
        if fqn in BREAKS_SYNC_DISPATCH:
            return fqn, call
        if isinstance(inner, (cst.List, cst.Tuple)):
            for element in inner.elements:
                value = element.value
                efqn = self.checker.qualified(value.func if isinstance(value, cst.Call) else value)
                if efqn in BREAKS_SYNC_DISPATCH:
                    return efqn, call
        return None

    def _report(self, decorator: cst.Decorator, fqn: str) -> None:
        checker = self.checker
        cure = checker.cure(self.cure_since, "decorate the `async def` handlers instead, or make `dispatch` "
                            "`async def`", "make `dispatch` `async def` and apply the check inside it")
        checker.report(self, decorator,
                       f"`method_decorator({_short(fqn)})` on a sync `dispatch` of a view with async handlers: "
                       f"`{_short(fqn)}` gets the handler's coroutine instead of a response (AttributeError "
                       f"'coroutine' object ..., or a response the view then tries to await); {cure}", help=cure)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value != "dispatch" or node.asynchronous is not None:
            return
        owner = self.method_class()
        shape = self.shape(owner[0]) if owner else None
        if shape is None or not shape.is_async:
            return
        for decorator in node.decorators:
            found = self._breaking(decorator)
            if found:
                self._report(decorator, found[0])

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        fqn = self.module_class(node)
        if fqn is None or not node.decorators:
            return
        shape = self.shape(fqn)
        if shape is None or not shape.is_async:
            return
        found_dispatch = shape.find(self._world(), "dispatch")
        if found_dispatch is None or found_dispatch[1] is None or found_dispatch[1].is_async:
            return
        for decorator in node.decorators:
            found = self._breaking(decorator)
            if found and string_value(_keyword(found[1], "name") or cst.Name("x")) == "dispatch":
                self._report(decorator, found[0])


@register
class AuthMixinOnAsyncView(_ViewRule):
    """
    `LoginRequiredMixin`, `PermissionRequiredMixin` or `UserPassesTestMixin` on an async class-based view.

    ## What it does
    Checks for a view class whose HTTP handlers are `async def` and whose MRO
    contains one of Django's auth mixins. Reported on the class that adds the
    mixin or the async handlers.

    ## Why is this bad?
    The mixins' `dispatch` is sync and checks the user before calling the
    handler. In an async view it runs on the event loop: reading `request.user`
    there (`LoginRequiredMixin`, `has_permission()`, a `test_func` that looks at
    the user) loads the session and the user, which raises
    `SynchronousOnlyOperation` for a logged-in user; a failed check returns a
    redirect or raises `PermissionDenied` from sync code, and a redirect is then
    awaited by the async view (`TypeError: object HttpResponseRedirect can't be
    used in 'await' expression`). The mixins are sync-only in every Django
    release so far.

    ## Example
    ```python
    class OrdersView(LoginRequiredMixin, View):
        async def get(self, request):
            ...
    ```

    Use instead:
    ```python
    class OrdersView(View):
        @method_decorator(login_required)
        async def get(self, request):
            ...
    ```

    ## Django version
    `login_required` and friends wrap `async def` views since Django 5.1, and
    `method_decorator` keeps methods async since 5.2. Before that, check
    `(await request.auser()).is_authenticated` in the handler.
    """

    code = "DJA605"
    name = "auth-mixin-on-async-view"
    cure_since = (5, 2)

    @classmethod
    def triggers(cls, project):
        return async_view_triggers(project)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        fqn = self.module_class(node)
        shape = self.shape(fqn) if fqn else None
        if shape is None or not shape.is_async:
            return
        mixins = [AUTH_MIXINS[c] for c in shape.order if c in AUTH_MIXINS]
        if not mixins:
            return
        world = self._world()
        own_bases = {world.canonical(b) for b in (self.checker.index.class_(fqn).bases if self.checker.index.class_(fqn) else ())}
        if not _own_handlers(node, shape) and not own_bases & set(AUTH_MIXINS):
            return
        # A project dispatch ahead of the mixin that is async and never calls it is not our business.
        dispatch = shape.find(world, "dispatch")
        if dispatch is None or dispatch[0].fqn not in AUTH_MIXINS and not dispatch[0].from_django:
            return
        checker = self.checker
        mixin = mixins[0]
        decorator = {"LoginRequiredMixin": "login_required", "PermissionRequiredMixin": "permission_required(...)",
                     "UserPassesTestMixin": "user_passes_test(...)"}[mixin]
        fallback = checker.cure((5, 0), "drop the mixin and check `await request.auser()` in the handlers",
                                "drop the mixin and check the user in the handlers with "
                                "`await sync_to_async(lambda: request.user.is_authenticated)()`")
        cure = checker.cure(self.cure_since, f"drop the mixin and decorate the handlers with "
                            f"`@method_decorator({decorator})`", fallback)
        checker.report(self, node.name,
                       f"`{mixin}` on async view `{node.name.value}`: its sync `dispatch` checks the user on the event "
                       f"loop (reading `request.user` raises SynchronousOnlyOperation for a logged-in user) and answers "
                       f"a failed check with a response the async view then awaits (TypeError); {cure}", help=cure)


@register
class SyncOnlyDecoratorOnAsyncView(_ViewRule):
    """
    A view decorator that is not async-aware wrapping an `async def` view.

    ## What it does
    Checks the decorators of an `async def` view, from the innermost out:

    * a decorator of the project whose wrapper is a plain `def` (it returns a
      nested `def wrapper(...)` that calls the view, and checks nowhere whether
      the view is a coroutine function), written directly or as a factory
      (`@require_role("admin")`), on a function view (first parameter
      `request`): awaiting what such a wrapper returns works, so on other
      coroutine functions it is harmless;
    * with `target-django` set, Django's view decorators in versions where they
      were not yet async-aware: the `django.views.decorators.*` decorators
      before 5.0, `login_required`, `permission_required`, `user_passes_test` and
      `staff_member_required` before 5.1, and `method_decorator` on an `async
      def` method before 5.2. Without `target-django` these are not reported: in
      current Django they are fine.

    Only the innermost decorator that breaks the view is reported; a decorator
    asynclint cannot see into stops the search.

    ## Why is this bad?
    The wrapper is a plain `def`, so Django sees a sync view, calls it in a
    thread and gets a coroutine back: `ValueError: The view ... didn't return an
    HttpResponse object. It returned an unawaited coroutine instead.` (or an
    `AttributeError` when the decorator touches the response).

    ## Example
    ```python
    def require_api_key(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.headers.get("X-Api-Key") != settings.API_KEY:
                return JsonResponse({"detail": "forbidden"}, status=403)
            return view(request, *args, **kwargs)
        return wrapper

    @require_api_key
    async def usage_report(request):
        ...
    ```

    Use instead:
    ```python
    def require_api_key(view):
        if iscoroutinefunction(view):
            @wraps(view)
            async def wrapper(request, *args, **kwargs):
                if request.headers.get("X-Api-Key") != settings.API_KEY:
                    return JsonResponse({"detail": "forbidden"}, status=403)
                return await view(request, *args, **kwargs)
            return wrapper
        ...
    ```

    ## Django version
    Django's view decorators are async-aware since 5.0, the auth decorators
    since 5.1, `method_decorator` since 5.2.
    """

    code = "DJA606"
    name = "sync-only-decorator-on-async-view"

    @classmethod
    def triggers(cls, project):
        return (b"async def",)

    # A decorator of the project is checked from its source (``def wrapper`` returned
    # around the view, with no coroutine check anywhere in the decorator).

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        target = self.checker.settings.target_django
        if node.asynchronous is None or not node.decorators:
            return
        in_class = self.checker.frames[-2].kind == "class" if len(self.checker.frames) >= 2 else False
        for decorator in reversed(node.decorators):
            expr, call = _decorator_target(decorator)
            fqn = self.checker.qualified(expr)
            if fqn == METHOD_DECORATOR and in_class:
                if target is not None and target < (5, 2):
                    self._report(decorator, "method_decorator", (5, 2), target)
                return
            since = DECORATOR_ASYNC_SINCE.get(fqn or "")
            if since is None:
                if fqn and not in_class and _takes_request(node) and \
                        project_sync_wrapper(self.checker, fqn, call is not None):
                    self._report_project(decorator, self.checker.code_of(expr, 40))
                return  # otherwise unknown: cannot tell what the ones above it receive
            if target is None:
                continue  # async-aware in current Django; version unknown: nothing to say
            if target < since:
                self._report(decorator, _short(fqn), since, target)
                return

    def _report_project(self, decorator: cst.Decorator, what: str) -> None:
        checker = self.checker
        cure = ("make the decorator async-aware: when `asgiref.sync.iscoroutinefunction(view)`, return an "
                "`async def` wrapper that awaits the view (or `markcoroutinefunction` it)")
        checker.report(self, decorator,
                       f"`@{what}` wraps this `async def` in a plain `def`: Django runs the view as sync and gets an "
                       f"unawaited coroutine back (ValueError: ... returned an unawaited coroutine); {cure}",
                       help=cure)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        target = self.checker.settings.target_django
        if target is None or target >= (5, 2) or not node.decorators:
            return
        async_methods = {s.name.value for s in _class_body(node)
                         if isinstance(s, cst.FunctionDef) and s.asynchronous is not None}
        for decorator in node.decorators:
            expr, call = _decorator_target(decorator)
            if call is None or self.checker.qualified(expr) != METHOD_DECORATOR:
                continue
            name = string_value(_keyword(call, "name") or cst.Name("x"))
            if name in async_methods:
                self._report(decorator, "method_decorator", (5, 2), target)

    def _report(self, decorator: cst.Decorator, what: str, since: tuple[int, int], target: tuple[int, int]) -> None:
        checker = self.checker
        cure = (f"upgrade to Django {since[0]}.{since[1]}, or do the check inside the `async def` view "
                f"(`await request.auser()`, explicit header handling)")
        checker.report(self, decorator,
                       f"`@{what}` wraps this `async def` with a sync function in Django "
                       f"{target[0]}.{target[1]}: Django runs the view as sync and gets an unawaited coroutine "
                       f"(ValueError); it is async-aware since Django {since[0]}.{since[1]}; {cure}", help=cure)


@register
class SyncIteratorInStreamingResponse(_ViewRule):
    """
    `StreamingHttpResponse` over a sync generator or iterator in an async view.

    ## What it does
    Checks for `StreamingHttpResponse(...)` made in an `async def` from a
    generator expression, a call of a sync generator function (`def` with
    `yield`), `iter(...)`, or a queryset's `.iterator()`.

    ## Why is this bad?
    Under ASGI Django can only stream an async iterator. A sync one is consumed
    whole in a thread first (`await sync_to_async(list)(...)`) with the warning
    `StreamingHttpResponse must consume synchronous iterators in order to serve
    them asynchronously. Use an asynchronous iterator instead.`: the response is
    buffered in memory and nothing reaches the client until the last chunk is
    made.

    ## Example
    ```python
    async def export(request):
        def rows():
            for book in Book.objects.iterator():
                yield f"{book.title}\\n"
        return StreamingHttpResponse(rows())
    ```

    Use instead:
    ```python
    async def export(request):
        async def rows():
            async for book in Book.objects.all():
                yield f"{book.title}\\n"
        return StreamingHttpResponse(rows())
    ```

    ## Django version
    `StreamingHttpResponse` takes async iterators since Django 4.2.
    """

    code = "DJA608"
    name = "sync-iterator-in-streaming-response"
    loop_only = True
    cure_since = (4, 2)

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        if not checker.in_loop or checker.qualified(node.func) not in STREAMING_RESPONSE:
            return
        content = _keyword(node, "streaming_content")
        if content is None and node.args and node.args[0].keyword is None:
            content = node.args[0].value
        what = self._sync_iterable(content) if content is not None else None
        if what is None:
            return
        cure = checker.cure(self.cure_since, "stream an async generator (`async def` with `yield`, `async for` "
                            "over querysets)", "serve it from a sync view")
        checker.report(self, node,
                       f"`StreamingHttpResponse` over {what} in an async view: under ASGI Django consumes it whole "
                       f"in a thread before sending (Warning: must consume synchronous iterators), so nothing "
                       f"streams; {cure}", help=cure)

    def _sync_iterable(self, node: cst.BaseExpression) -> str | None:
        checker = self.checker
        if isinstance(node, cst.GeneratorExp):
            return "a generator expression"
        t = checker.type_of(node)
        if t is not None and t.kind in (ITERATOR, QUERYSET):
            return f"the sync iterator `{checker.code_of(node, 40)}`"
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        if isinstance(func, cst.Name):
            if func.value == "iter" and not checker.lookup_local("iter") and checker.resolve("iter") is None:
                # iter(read_chunk, b"") produces lazily (the FileResponse pattern); iter(chunks)
                # over a list already in memory has nothing left to stream.
                if len(node.args) == 2:
                    return "`iter(...)`"
                if len(node.args) == 1:
                    return self._sync_iterable(node.args[0].value)
                return None
            local = _local_function(checker, func.value)
            if local is not None:
                if local.asynchronous is None and is_generator(local):
                    return f"the sync generator `{func.value}()`"
                return None
        fqn = checker.callee_fqn(node)
        info = checker.index.function(fqn)
        if info is not None and info.is_generator and not info.is_async:
            return f"the sync generator `{_short(fqn)}()`"
        return None


def _is_async_iterable(checker, node: cst.BaseExpression) -> bool:
    """An async generator expression or a call of an async generator function."""
    if isinstance(node, cst.GeneratorExp):
        return any(f.asynchronous is not None for f in _comp_fors(node.for_in))
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        local = _local_function(checker, node.func.value)
        if local is not None:
            return local.asynchronous is not None and is_generator(local)
        info = checker.index.function(checker.callee_fqn(node))
        return info is not None and info.is_async and info.is_generator
    return False


def _comp_fors(first: cst.CompFor):
    current = first
    while current is not None:
        yield current
        current = current.inner_for_in


def _local_function(checker, name: str) -> cst.FunctionDef | None:
    """A function defined by name in an enclosing function's body."""
    for frame in reversed(checker.frames):
        if frame.kind != "function":
            continue
        found = None

        class Find(cst.CSTVisitor):
            def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:
                nonlocal found
                if inner is frame.node:
                    return True
                if inner.name.value == name and found is None:
                    found = inner
                return False

            def visit_ClassDef(self, inner: cst.ClassDef) -> bool:
                return False

            def visit_Lambda(self, inner: cst.Lambda) -> bool:
                return False

        frame.node.visit(Find())
        if found is not None:
            return found
    return None


@register
class FileResponseFromAsyncView(_ViewRule):
    """
    `FileResponse` made in an async view.

    ## What it does
    Checks for `FileResponse(...)` in an `async def`.

    ## Why is this bad?
    `FileResponse` always streams with a sync iterator over the file. Under ASGI
    Django cannot stream that: it reads the whole file into memory in a thread
    first, with the warning `StreamingHttpResponse must consume synchronous
    iterators in order to serve them asynchronously.` A large download holds the
    whole file in memory and the client waits for all of it.

    ## Example
    ```python
    async def download(request, name):
        return FileResponse(open(EXPORTS / name, "rb"))
    ```

    Use instead:
    ```python
    async def download(request, name):
        async def chunks():
            async with aiofiles.open(EXPORTS / name, "rb") as f:
                while chunk := await f.read(65536):
                    yield chunk
        return StreamingHttpResponse(chunks())
    ```
    (or let the web server send the file, e.g. `X-Accel-Redirect`).

    ## Django version
    Async iterators for `StreamingHttpResponse` exist since Django 4.2; as of
    Django 6.1 `FileResponse` still has no async iterator.
    """

    code = "DJA609"
    name = "file-response-from-async-view"
    loop_only = True
    cure_since = (4, 2)

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        if not checker.in_loop or checker.qualified(node.func) not in FILE_RESPONSE:
            return
        if node.args and node.args[0].keyword is None and _is_async_iterable(checker, node.args[0].value):
            return  # without .read(), FileResponse streams what it is given, async iterators included
        cure = checker.cure(self.cure_since, "stream the file with `StreamingHttpResponse` over an async generator, "
                            "or let the web server send it", "serve it from a sync view or the web server")
        checker.report(self, node,
                       "`FileResponse` in an async view: under ASGI its sync file iterator is consumed whole in a "
                       f"thread before anything is sent (Warning: must consume synchronous iterators); {cure}",
                       help=cure)


@register
class CachePageWithDatabaseCacheOnAsyncView(_ViewRule):
    """
    `@cache_page` on an async view when the cache it uses is a `DatabaseCache`.

    ## What it does
    Checks for `@cache_page(...)` on an `async def` view when a settings module
    of the project configures the cache it uses (its `cache=` alias, else
    `CACHE_MIDDLEWARE_ALIAS`, else `"default"`) with the backend
    `django.core.cache.backends.db.DatabaseCache`. Only reported when the
    setting can be read as a literal; when the view's file lies in a Django
    project (a folder with `manage.py`), only that project's settings count.

    ## Why is this bad?
    `cache_page` keeps an async view async, but it calls the cache middleware's
    `process_request` and `process_response` synchronously on the event loop.
    With the database cache those are queries: `SynchronousOnlyOperation` on
    every request.

    ## Example
    ```python
    # settings.py: CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", ...}}
    @cache_page(60)
    async def catalogue(request):
        ...
    ```

    Use instead:
    ```python
    async def catalogue(request):
        body = await cache.aget("catalogue")
        ...
    ```
    (or use a non-database cache backend for page caching).

    ## Django version
    `cache_page` supports async views since Django 5.0; the cache API has async
    methods (`aget`, `aset`) since 4.0.
    """

    code = "DJA607"
    name = "cache-page-with-database-cache"
    cure_since = (4, 0)

    @classmethod
    def triggers(cls, project):
        return (b"cache_page",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        checker = self.checker
        target = checker.settings.target_django
        if node.asynchronous is None or not node.decorators or (target is not None and target < (5, 0)):
            return
        for decorator in reversed(node.decorators):
            expr, call = _decorator_target(decorator)
            fqn = checker.qualified(expr)
            if fqn == _VD + "cache.cache_page" and call is not None:
                alias = self._alias(call)
                if alias is not None and self._database_cache(alias):
                    cure = checker.cure(self.cure_since, "cache by hand with `await cache.aget()` / "
                                        "`await cache.aset()`, or page-cache with a non-database backend",
                                        "use a non-database cache backend for page caching")
                    checker.report(self, decorator,
                                   f"`@cache_page` on async view `{node.name.value}` with the database cache "
                                   f"`{alias}`: its cache lookups run synchronously on the event loop and raise "
                                   f"SynchronousOnlyOperation; {cure}", help=cure)
                return
            since = DECORATOR_ASYNC_SINCE.get(fqn or "")
            if since is None or (target is not None and target < since):
                return  # what cache_page wraps may no longer be async

    def _alias(self, call: cst.Call) -> str | None:
        from asynclint.rules._project_settings import setting_values

        given = _keyword(call, "cache")
        if given is not None:
            return string_value(given)
        values = [v for _, v in setting_values(self.checker.project, "CACHE_MIDDLEWARE_ALIAS", self.checker.path)]
        if not values:
            return "default"
        if all(isinstance(v, str) and v == values[0] for v in values):
            return values[0]
        return None

    def _database_cache(self, alias: str) -> bool:
        from asynclint.rules._project_settings import setting_values

        for _, caches in setting_values(self.checker.project, "CACHES", self.checker.path):
            if isinstance(caches, dict):
                entry = caches.get(alias)
                if isinstance(entry, dict) and entry.get("BACKEND") == DATABASE_CACHE:
                    return True
        return False


def _takes_request(node: cst.FunctionDef) -> bool:
    """A function view: its first parameter is ``request`` (a plain def wrapper only breaks views,
    which Django dispatches on ``iscoroutinefunction``; awaiting what it returns works)."""
    params = [*node.params.posonly_params, *node.params.params]
    return bool(params) and params[0].name.value == "request"


_ASYNC_AWARE_NAMES = frozenset({"iscoroutinefunction", "markcoroutinefunction", "sync_to_async", "async_to_sync",
                                "SyncToAsync", "AsyncToSync", "isawaitable", "iscoroutine"})


def project_sync_wrapper(checker, fqn: str, factory: bool) -> bool:
    """Is project function ``fqn`` a view decorator that returns a plain ``def`` wrapper?

    ``factory``: the decorator is written as a call (``@require_role("x")``), so
    ``fqn`` returns the decorator. Anything unusual (a class, no nested wrapper, a
    coroutine check, an ``async def`` inside) answers False: unknown is no finding.
    """
    import ast

    from asynclint.rules._project_settings import module_tree

    info = checker.index.function(fqn)
    if info is None or info.is_async or info.class_fqn is not None:
        return False
    tree = module_tree(checker.project, info.module)
    if tree is None:
        return False
    func = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == info.name), None)
    if func is None:
        return False
    if factory:
        func = _returned_function(func)
        if func is None:
            return False
    params = func.args.posonlyargs + func.args.args
    if not params:
        return False
    view = params[0].arg
    for child in ast.walk(func):
        if isinstance(child, (ast.AsyncFunctionDef, ast.Await)):
            return False
        name = child.id if isinstance(child, ast.Name) else child.attr if isinstance(child, ast.Attribute) else None
        if name in _ASYNC_AWARE_NAMES:
            return False
    wrapper = _returned_function(func)
    if wrapper is None:
        return False
    return any(isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == view
               for c in ast.walk(wrapper))


def _returned_function(func):
    """The nested ``def`` that ``func`` returns by name, if that is all it returns."""
    import ast

    nested = {n.name: n for n in func.body if isinstance(n, ast.FunctionDef)}
    returns = [n for n in ast.walk(func) if isinstance(n, ast.Return)]
    own = [r for r in returns if not any(r in ast.walk(f) for f in nested.values())]
    if len(own) != 1 or not isinstance(own[0].value, ast.Name):
        return None
    return nested.get(own[0].value.id)


@register
class SyncDispatchResponseInAsyncView(_ViewRule):
    """
    A sync `dispatch` override that answers with its own response in an async class-based view.

    ## What it does
    Checks for a plain `def dispatch` in a view class whose HTTP handlers are
    all `async def`, when one of its `return` statements returns something
    other than `super().dispatch(...)` (typically an early
    `return HttpResponseForbidden()` or a redirect). Undecorated overrides
    only; decorated ones are DJA604's.

    ## Why is this bad?
    The view is async, so Django awaits what `dispatch` returns. Passing on
    `super().dispatch(...)` hands on the handler's coroutine and works, but a
    response made in the sync `dispatch` is not awaitable: `TypeError: object
    HttpResponseForbidden can't be used in 'await' expression`, on exactly the
    path (a failed check) that is least often tested.

    ## Example
    ```python
    class ApiView(View):
        def dispatch(self, request, *args, **kwargs):
            if request.headers.get("X-Api-Key") != settings.API_KEY:
                return HttpResponseForbidden()
            return super().dispatch(request, *args, **kwargs)

        async def get(self, request):
            ...
    ```

    Use instead:
    ```python
    class ApiView(View):
        async def dispatch(self, request, *args, **kwargs):
            if request.headers.get("X-Api-Key") != settings.API_KEY:
                return HttpResponseForbidden()
            return await super().dispatch(request, *args, **kwargs)

        async def get(self, request):
            ...
    ```

    ## Django version
    Async class-based views exist since Django 4.1.
    """

    code = "DJA610"
    name = "sync-dispatch-response-in-async-view"
    cure_since = (4, 1)

    @classmethod
    def triggers(cls, project):
        return (b"def dispatch",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value != "dispatch" or node.asynchronous is not None or node.decorators:
            return
        owner = self.method_class()
        shape = self.shape(owner[0]) if owner else None
        if shape is None or not shape.is_async:
            return
        own = _own_response_return(node)
        if own is None:
            return
        checker = self.checker
        cure = checker.cure(self.cure_since, "make it `async def dispatch` and `return await "
                            "super().dispatch(...)`", "make the handlers sync")
        checker.report(self, own,
                       f"sync `dispatch` of an async view returns `{checker.code_of(own.value, 40)}`: Django awaits "
                       f"it and raises TypeError (a response can't be used in 'await' expression); {cure}",
                       help=cure)


def _own_response_return(func: cst.FunctionDef) -> cst.Return | None:
    """The first ``return`` of ``func`` that does not hand on ``super().dispatch(...)``."""
    found: list[cst.Return] = []

    class Find(cst.CSTVisitor):
        def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:
            return inner is func

        def visit_Lambda(self, inner: cst.Lambda) -> bool:
            return False

        def visit_ClassDef(self, inner: cst.ClassDef) -> bool:
            return False

        def visit_Return(self, node: cst.Return) -> None:
            value = node.value
            if value is None:
                return
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                    and value.func.attr.value == "dispatch" and isinstance(value.func.value, cst.Call) \
                    and isinstance(value.func.value.func, cst.Name) and value.func.value.func.value == "super":
                return
            found.append(node)

    func.visit(Find())
    if not found:
        return None
    # Only a response made here is certainly not awaitable; anything else (a variable, a
    # helper's result) may be the handler's coroutine.
    for ret in found:
        if isinstance(ret.value, cst.Call):
            return ret
    return None
