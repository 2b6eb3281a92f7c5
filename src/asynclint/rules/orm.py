"""DJA1xx: sync database access on the event loop.

Django's connection methods are ``@async_unsafe``: any query made on the thread
that runs the event loop raises ``SynchronousOnlyOperation``. These rules find
the ORM calls that make one, and name the async twin (or ``sync_to_async``).
"""

from __future__ import annotations

import libcst as cst

from asynclint import knowledge as K
from asynclint.checker import is_prefetched, relation_loaded
from asynclint.registry import Rule, register
from asynclint.rules._helper_calls import HelperCallRule
from asynclint.semantic import (
    T, INSTANCE, ITERATOR, MANAGER, MODELFORM, PAGINATOR, QUERYSET, RELATED_MANAGER,
    REQUEST, SESSION, USER, dotted_name, is_queryset_like,
)

RAISES = "raises SynchronousOnlyOperation on the event loop"


def _receiver(checker, node: cst.Attribute) -> str:
    return checker.code_of(node.value, 40)


@register
class SyncQuerySetMethodInAsyncFunction(Rule):
    """
    A Manager or QuerySet method that runs SQL, called on the event loop.

    ## What it does
    Checks for `get()`, `first()`, `count()`, `exists()`, `create()`,
    `get_or_create()`, `update()`, `delete()`, `aggregate()`, `in_bulk()`,
    `bulk_create()` and the other QuerySet methods that query, called in an
    `async def` (or in a function it runs directly), on `Model.objects`, a
    custom manager, a related manager or a queryset kept in a variable.

    ## Why is this bad?
    Django refuses to touch the database from the thread running the event
    loop: the call raises `SynchronousOnlyOperation` at runtime.

    ## Example
    ```python
    async def detail(request, pk):
        book = Book.objects.get(pk=pk)
    ```

    Use instead:
    ```python
    async def detail(request, pk):
        book = await Book.objects.aget(pk=pk)
    ```

    ## Django version
    The a-twins (`aget`, `acount`, `acreate`, ...) exist since Django 4.1.
    Before that, wrap the call: `await sync_to_async(Book.objects.get)(pk=pk)`.
    """

    code = "DJA101"
    name = "sync-queryset-method-in-async-function"
    effect = "db"
    cure_since = (4, 1)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method not in K.QUERYSET_SQL_METHODS:
            return
        checker = self.checker
        base = checker.type_of(func.value)
        if base is None and (param := checker.unknown_param(func.value)):
            checker.record_param_effect(self, node, param, (MANAGER, QUERYSET, RELATED_MANAGER), f"{param}.{method}()")
            return
        if not is_queryset_like(base):
            return
        if method == "delete" and base.kind == MANAGER:
            return  # Model.objects.delete does not exist; not our finding
        if is_prefetched(base) and method in ("count", "exists"):
            return  # answered from prefetch_related's cache
        twin, since = K.QUERYSET_SQL_METHODS[method]
        if method == "delete" and base.kind == QUERYSET:
            twin_text = f"await {_receiver(checker, func)}.adelete()"
        else:
            twin_text = f"await {_receiver(checker, func)}.{twin}(...)"
        call = f"{_receiver(checker, func)}.{method}()"
        cure = checker.cure(since, f"use `{twin_text}`", f"wrap it: `await sync_to_async({_receiver(checker, func)}.{method})(...)`")
        checker.report(self, node, f"`{call}` runs a query: it {RAISES}; {cure}",
                       help=cure, what=f"{call}", subject=base)


@register
class QuerySetEvaluatedInAsyncFunction(Rule):
    """
    A QuerySet evaluated on the event loop: iterated, sized, tested or printed.

    ## What it does
    Checks for a queryset that is evaluated in async code: `for x in qs`,
    comprehensions, `list(qs)` / `tuple()` / `set()` / `sorted()`, `len(qs)`,
    `bool(qs)` / `if qs:`, `x in qs`, `qs[0]`, step slicing, `repr(qs)` or an
    f-string, and iterating `qs.iterator()`. Building a queryset (`filter`,
    `exclude`, `order_by`, `select_related`, slicing without a step) is lazy
    and is not reported.

    ## Why is this bad?
    Evaluating a queryset runs its SQL on the event loop's thread, which raises
    `SynchronousOnlyOperation`.

    ## Example
    ```python
    async def index(request):
        titles = [b.title for b in Book.objects.filter(published=True)]
    ```

    Use instead:
    ```python
    async def index(request):
        titles = [b.title async for b in Book.objects.filter(published=True)]
    ```

    ## Django version
    `async for` over a queryset, `acount()`, `aexists()`, `acontains()` and
    `aiterator()` exist since Django 4.1.
    """

    code = "DJA102"
    name = "queryset-evaluated-in-async-function"
    effect = "db"
    cure_since = (4, 1)

    def _qs(self, node: cst.CSTNode | None):
        t = self.checker.type_of(node)
        if t is None:
            param = self.checker.unknown_param(node) if node is not None else None
            return T("param", detail=param) if param else None
        if is_prefetched(t):
            return None  # served from prefetch_related's cache
        if t.kind in (QUERYSET, RELATED_MANAGER) or t.kind == ITERATOR:
            return t
        return None

    def _report(self, node: cst.CSTNode, qs_node: cst.CSTNode, how: str, cure_code: str) -> None:
        checker = self.checker
        text = checker.code_of(qs_node, 40)
        if isinstance(qs_node, cst.Name) and checker.unknown_param(qs_node):
            # a sync helper evaluating a parameter: a query when a caller passes a queryset
            checker.record_param_effect(self, node, qs_node.value, (QUERYSET, RELATED_MANAGER), f"{how} {text}")
            return
        cure = checker.cure(self.cure_since, cure_code.format(qs=text),
                            f"evaluate it in a thread: `await sync_to_async(list)({text})`")
        checker.report(self, node, f"{how} `{text}` runs its query: it {RAISES}; {cure}",
                       help=cure, what=f"{how} {text}", subject=checker.type_of(qs_node))

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is None and self._qs(node.iter):
            self._report(node.iter, node.iter, "iterating", "use `async for ... in {qs}`")

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is None and self._qs(node.iter):
            self._report(node.iter, node.iter, "iterating", "use an async comprehension: `[... async for x in {qs}]`")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("join", "extend") and len(node.args) == 1:
            # ", ".join(qs.values_list(...)), rows.extend(qs): both iterate their argument
            if self._qs(node.args[0].value):
                self._report(node, node.args[0].value, "iterating", "use an async comprehension: `[x async for x in {qs}]`")
            return
        fqn = self.checker.qualified(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if fqn in ("pickle.dumps", "pickle.dump", "copy.deepcopy") and node.args and self._qs(node.args[0].value):
            self._report(node, node.args[0].value, "pickling", "pickle the results instead: `[x async for x in {qs}]`")
            return
        if fqn == "django.core.serializers.serialize" and len(node.args) > 1 and self._qs(node.args[1].value):
            self._report(node, node.args[1].value, "serializing", "collect it first: `[x async for x in {qs}]`")
            return
        if not isinstance(node.func, cst.Name) or not node.args:
            return
        name = node.func.value
        how = K.EVALUATING_BUILTINS.get(name)
        if how is None or self.checker.lookup_local(name):
            return
        arg = node.args[0]
        if arg.keyword is not None or not self._qs(arg.value):
            return
        if name == "len":
            cure = "use `await {qs}.acount()`"
        elif name == "bool":
            cure = "use `await {qs}.aexists()`"
        elif name in ("repr", "str", "print"):
            cure = "do not format a queryset; format values fetched with `async for`"
        else:
            cure = "use an async comprehension: `[x async for x in {qs}]`"
        self._report(node, arg.value, f"`{name}()` of" if how.endswith("()") else how, cure)

    def _test(self, test: cst.BaseExpression | None) -> None:
        if test is None:
            return
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        if self._qs(test):
            self._report(test, test, "testing the truth of", "use `await {qs}.aexists()`")

    def visit_If(self, node: cst.If) -> None:
        self._test(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._test(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._test(node.test)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        for side in (node.left,):
            self._test(side)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not) and not isinstance(self.checker.parent(), (cst.If, cst.While, cst.IfExp)):
            self._test(node.expression)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)) and self._qs(target.comparator):
                self._report(node, target.comparator, "`in` over", "use `await {qs}.acontains(obj)`")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        t = self.checker.type_of(node.value)
        if t is None or t.kind not in (QUERYSET, MANAGER) or len(node.slice) != 1:
            return
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            self._report(node, node.value, "indexing", "use `await {qs}[i:i + 1].afirst()`")
        elif isinstance(index, cst.Slice) and index.step is not None:
            self._report(node, node.value, "step-slicing", "slice without a step and collect with `async for`")

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if self._qs(node.expression):
            self._report(node.expression, node.expression, "formatting",
                         "do not format a queryset; format values fetched with `async for`")

    def visit_StarredElement(self, node: cst.StarredElement) -> None:
        if self._qs(node.value):
            self._report(node.value, node.value, "unpacking", "use an async comprehension: `[x async for x in {qs}]`")

    def visit_YieldFrom(self, node: cst.YieldFrom) -> None:
        if self._qs(node.item):
            self._report(node, node.item, "iterating", "use `async for x in {qs}: yield x`")


def _load_context(checker, node: cst.CSTNode) -> bool:
    """Is ``node`` read (not assigned to or deleted)?"""
    parent = checker.parent()
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        return False
    if isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is node:
        return False
    if isinstance(parent, cst.Del):
        return False
    return True


@register
class SyncModelMethodInAsyncFunction(Rule):
    """
    A model instance's `save()`, `delete()`, `refresh_from_db()` or `full_clean()` on the event loop.

    ## What it does
    Checks for instance methods that write or read the database, called in
    async code on a model instance: one fetched in the function, created with
    `Model(...)`, or a parameter annotated with a model class.

    ## Why is this bad?
    Each of them runs SQL on the event loop's thread and raises
    `SynchronousOnlyOperation`. `full_clean()` queries too when the model has
    unique fields or foreign keys, and has no async twin.

    ## Example
    ```python
    async def rename(request, pk):
        book = await Book.objects.aget(pk=pk)
        book.title = request.POST["title"]
        book.save()
    ```

    Use instead:
    ```python
    async def rename(request, pk):
        book = await Book.objects.aget(pk=pk)
        book.title = request.POST["title"]
        await book.asave()
    ```

    ## Django version
    `asave()`, `adelete()` and `arefresh_from_db()` exist since Django 4.2;
    for `full_clean()` use `await sync_to_async(book.full_clean)()`.
    """

    code = "DJA103"
    name = "sync-model-method-in-async-function"
    effect = "db"
    cure_since = (4, 2)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in K.INSTANCE_SQL_METHODS:
            return
        checker = self.checker
        base = checker.type_of(func.value)
        if base is None and (param := checker.unknown_param(func.value)):
            checker.record_param_effect(self, node, param, (INSTANCE,), f"{param}.{func.attr.value}()")
            return
        if base is None or base.kind != INSTANCE:
            return
        method = func.attr.value
        obj = _receiver(checker, func)
        twin, since = K.INSTANCE_SQL_METHODS[method]
        fallback = f"wrap it: `await sync_to_async({obj}.{method})()`"
        cure = checker.cure(since, f"use `await {obj}.{twin}()`", fallback) if twin else fallback
        checker.report(self, node, f"`{obj}.{method}()` runs a query: it {RAISES}; {cure}",
                       help=cure, what=f"{obj}.{method}()")


@register
class SyncRelatedManagerMethodInAsyncFunction(Rule):
    """
    A related manager's `add()`, `remove()`, `clear()` or `set()` on the event loop.

    ## What it does
    Checks for changes to a many-to-many or reverse foreign key relation made
    with the sync related-manager methods in async code, such as
    `book.tags.add(tag)`.

    ## Why is this bad?
    They write to the database at once, on the event loop's thread, and raise
    `SynchronousOnlyOperation`.

    ## Example
    ```python
    async def tag_book(request, pk, tag_id):
        book = await Book.objects.aget(pk=pk)
        book.tags.add(tag_id)
    ```

    Use instead:
    ```python
    async def tag_book(request, pk, tag_id):
        book = await Book.objects.aget(pk=pk)
        await book.tags.aadd(tag_id)
    ```

    ## Django version
    `aadd()`, `aremove()`, `aclear()` and `aset()` exist since Django 4.2.
    """

    code = "DJA104"
    name = "sync-related-manager-method-in-async-function"
    effect = "db"
    cure_since = (4, 2)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in K.RELATED_MANAGER_SQL_METHODS:
            return
        checker = self.checker
        base = checker.type_of(func.value)
        if base is None or base.kind != RELATED_MANAGER:
            return
        method = func.attr.value
        twin, since = K.RELATED_MANAGER_SQL_METHODS[method]
        obj = _receiver(checker, func)
        cure = checker.cure(since, f"use `await {obj}.{twin}(...)`", f"wrap it: `await sync_to_async({obj}.{method})(...)`")
        checker.report(self, node, f"`{obj}.{method}()` writes to the database: it {RAISES}; {cure}",
                       help=cure, what=f"{obj}.{method}()", subject=base)


@register
class LazyRelationInAsyncFunction(Rule):
    """
    A foreign key or deferred field read on the event loop that Django must fetch.

    ## What it does
    Checks for a forward foreign key or one-to-one attribute (`book.author`)
    read in async code on an instance fetched in the same function without
    `select_related()` for that relation, and for a field left out by
    `only()` or named in `defer()`. Reading `book.author_id` is fine.

    ## Why is this bad?
    The attribute is loaded lazily: reading it runs a query on the event
    loop's thread, which raises `SynchronousOnlyOperation`. Django's docs call
    this out under "No deferred queries" in async code.

    ## Example
    ```python
    async def detail(request, pk):
        book = await Book.objects.aget(pk=pk)
        return JsonResponse({"author": book.author.name})
    ```

    Use instead:
    ```python
    async def detail(request, pk):
        book = await Book.objects.select_related("author").aget(pk=pk)
        return JsonResponse({"author": book.author.name})
    ```

    ## Django version
    `select_related()` works with every async query method (Django 4.1+).
    """

    code = "DJA105"
    name = "lazy-relation-in-async-function"
    effect = "db"
    cure_since = (4, 1)

    def _lazy(self, node: cst.Attribute) -> str | None:
        """"fk" or "deferred" when reading ``node`` queries, else None."""
        checker = self.checker
        base = checker.type_of(node.value)
        if base is None or base.kind != INSTANCE or not base.model:
            return None
        attr = node.attr.value
        if not base.fetched:
            # In a model method, `self.author` queries unless the caller selected it:
            # a conditional effect, checked where the method is called.
            if (isinstance(node.value, cst.Name) and node.value.value == "self" and not checker.in_loop
                    and (f := checker.index.model_fields(base.model).get(attr)) is not None
                    and f.kind in ("fk", "o2o") and _load_context(checker, node)):
                checker.record_param_effect(self, node, "self", (f"fk:{attr}",), f"self.{attr}")
            return None
        fields = checker.index.model_fields(base.model)
        field = fields.get(attr)
        if field is None:
            reverse = checker.index.reverse_relations(base.model).get(attr, "")
            if reverse.startswith("o2o:"):
                # user.profile: the reverse side of a one-to-one is fetched on access too
                if relation_loaded(base.selected, attr, nullable=True) or relation_loaded(base.prefetched, attr):
                    return None
                return "fk"
            if attr.endswith("_id") and (fk := fields.get(attr[:-3])) is not None and fk.kind in ("fk", "o2o"):
                # author_id is a concrete column: deferred when only()/defer() left it out
                name = attr[:-3]
                if name in base.deferred or attr in base.deferred:
                    return "deferred"
                if base.only is not None and name not in base.only and attr not in base.only:
                    return "deferred"
            return None
        if field.kind in ("fk", "o2o"):
            if relation_loaded(base.selected, attr, field.null) or relation_loaded(base.prefetched, attr):
                return None
            return "fk"
        if field.kind == "generic":
            return None if relation_loaded(base.prefetched, attr) else "fk"
        if field.kind == "field":
            if attr in base.deferred:
                return "deferred"
            if base.only is not None and attr not in base.only and attr not in ("pk", "id"):
                return "deferred"
        return None

    def visit_Attribute(self, node: cst.Attribute) -> None:
        checker = self.checker
        if not _load_context(checker, node):
            return
        if (param := checker.unknown_param(node.value)) and not node.attr.value.startswith("_"):
            # `job.department` in a sync helper: a query when a caller passes an instance
            # fetched without select_related("department") (checked at the call)
            checker.record_param_effect(self, node, param, (f"fk:{node.attr.value}",), f"{param}.{node.attr.value}")
            return
        kind = self._lazy(node)
        if kind is None:
            return
        # Report the first lazy hop of a chain only: `book.author.publisher`
        # fails at `book.author` already.
        if isinstance(node.value, cst.Attribute) and self._lazy(node.value):
            return
        text = checker.code_of(node, 50)
        attr = node.attr.value
        if kind == "fk":
            cure = checker.cure(self.cure_since, f"fetch it with `select_related(\"{attr}\")`, or read `{checker.code_of(node.value, 30)}.{attr}_id`",
                                f"fetch it with `select_related(\"{attr}\")`")
            message = f"`{text}` is not loaded: reading it runs a query: it {RAISES}; {cure}"
        else:
            cure = checker.cure((4, 2), f"include `{attr}` in `only()`, or `await {checker.code_of(node.value, 30)}.arefresh_from_db(fields=[\"{attr}\"])` first",
                                f"include `{attr}` in `only()`")
            message = f"`{text}` was deferred: reading it runs a query: it {RAISES}; {cure}"
        checker.report(self, node, message, help=cure, what=text)


@register
class RequestUserInAsyncFunction(Rule):
    """
    `request.user` read in async code.

    ## What it does
    Checks for attribute access on `request.user` (or `request.user` used as
    a value) in an async view, middleware or a function the loop runs.

    ## Why is this bad?
    `request.user` is a lazy object: its first use loads the session and the
    user from the database, on the event loop's thread, and raises
    `SynchronousOnlyOperation` for every logged-in request. It passes tests
    run with anonymous users and fails in production.

    ## Example
    ```python
    async def profile(request):
        if request.user.is_authenticated:
            ...
    ```

    Use instead:
    ```python
    async def profile(request):
        user = await request.auser()
        if user.is_authenticated:
            ...
    ```

    ## Django version
    `request.auser()` exists since Django 5.0. Before it, read the user in a
    thread: `user = await sync_to_async(lambda: request.user)()` evaluates
    nothing, so use a sync function that touches `request.user` attributes.
    """

    code = "DJA106"
    name = "request-user-in-async-function"
    effect = "db"
    cure_since = (5, 0)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        checker = self.checker
        if not _load_context(checker, node):
            return
        if node.attr.value == "user":
            base = checker.type_of(node.value)
            if base is None or base.kind != REQUEST:
                return
            parent = checker.parent()
            if isinstance(parent, cst.Assign) and parent.value is node and len(parent.targets) == 1 \
                    and isinstance(parent.targets[0].target, cst.Name):
                return  # `user = request.user` is still lazy: the first use of `user` loads it
            if isinstance(parent, cst.Arg) and self._thread_side_argument(parent):
                return
            self._report(node, checker.code_of(node, 40), checker.code_of(node.value, 30))
            return
        # the first use of a name bound to the lazy `request.user`
        if isinstance(node.value, cst.Name):
            bound = checker.type_of(node.value)
            if bound is not None and bound.kind == USER and self._first_use(node.value.value):
                self._report(node, checker.code_of(node, 40), "request")

    def visit_Comparison(self, node: cst.Comparison) -> None:
        checker = self.checker
        for side in (node.left, *(c.comparator for c in node.comparisons)):
            if isinstance(side, cst.Name):
                bound = checker.type_of(side)
                if bound is not None and bound.kind == USER and self._first_use(side.value):
                    self._report(node, checker.code_of(node, 40), "request")
                    return

    def _first_use(self, name: str) -> bool:
        frame = self.checker.function_frame
        if frame is None:
            return False
        used = frame.state.setdefault(self.code, set())
        if name in used:
            return False  # the lazy object caches the user after its first use
        used.add(name)
        return True

    def _thread_side_argument(self, arg: cst.Arg) -> bool:
        """``await Profile.objects.aget(user=request.user)``: the a-method builds its query in
        a thread, where the lazy user resolves safely."""
        call = self.checker.parent(2)
        return (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and call.func.attr.value in K.DJANGO_COROUTINE_METHODS)

    def _report(self, node: cst.CSTNode, text: str, request: str) -> None:
        checker = self.checker
        cure = checker.cure(self.cure_since, f"use `user = await {request}.auser()`",
                            "read what you need of the user in a sync function run with `sync_to_async`")
        checker.report(self, node, f"`{text}` loads the session and user from the database: it {RAISES} for logged-in users; {cure}",
                       help=cure, what=text)


@register
class SyncSessionAccessInAsyncFunction(Rule):
    """
    Dict-style `request.session` access in async code.

    ## What it does
    Checks for `request.session[key]`, `request.session[key] = value`,
    `del request.session[key]`, `key in request.session` and the sync
    session methods (`get`, `pop`, `setdefault`, `update`, `keys`, `items`,
    `flush`, `cycle_key`, ...) in async code.

    ## Why is this bad?
    The first sync access loads the session; with the database (or cached_db)
    engine that is a query on the event loop's thread, which raises
    `SynchronousOnlyOperation`. With cache or file engines it blocks the loop.

    ## Example
    ```python
    async def add_to_cart(request, pk):
        cart = request.session.get("cart", [])
    ```

    Use instead:
    ```python
    async def add_to_cart(request, pk):
        cart = await request.session.aget("cart", [])
    ```

    ## Django version
    The async session methods (`aget`, `aset`, `apop`, `ahas_key`, `aflush`,
    ...) exist since Django 5.1.
    """

    code = "DJA107"
    name = "sync-session-access-in-async-function"
    effect = "db"
    cure_since = K.SESSION_ASYNC_VERSION

    def _is_session(self, node: cst.CSTNode) -> bool:
        base = self.checker.type_of(node)
        return base is not None and base.kind == SESSION

    def visit_Await(self, node: cst.Await) -> None:
        """An awaited session read (or ``request.auser()``) fills the session cache:
        sync access after it is served from memory and does not query."""
        call = node.expression
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)):
            return
        method = call.func.attr.value
        base = self.checker.type_of(call.func.value)
        if base is None:
            return
        if (base.kind == SESSION and method in SESSION_LOADING) or (base.kind == REQUEST and method == "auser"):
            frame = self.checker.function_frame
            if frame is not None:
                frame.state[SESSION_LOADED] = True

    def _report(self, node: cst.CSTNode, what: str, cure_async: str) -> None:
        checker = self.checker
        if session_loaded(checker):
            return
        cure = checker.cure(self.cure_since, cure_async, "do the session work in a sync function run with `sync_to_async`")
        checker.report(self, node, f"`{what}` loads the session synchronously: it {RAISES} with the database session engine; {cure}",
                       help=cure, what=what)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if not self._is_session(node.value):
            return
        session = self.checker.code_of(node.value, 30)
        key = self.checker.code_of(node.slice[0].slice, 20) if len(node.slice) == 1 else "key"
        parent = self.checker.parent()
        if isinstance(parent, cst.AssignTarget):
            self._report(node, self.checker.code_of(node, 40) + " = ...", f"use `await {session}.aset({key}, ...)`")
        elif isinstance(parent, cst.Del):
            self._report(node, f"del {self.checker.code_of(node, 40)}", f"use `await {session}.apop({key})`")
        else:
            self._report(node, self.checker.code_of(node, 40), f"use `await {session}.aget({key})`")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in K.SESSION_SYNC_METHODS:
            return
        if not self._is_session(func.value):
            return
        method = func.attr.value
        twin = K.SESSION_SYNC_METHODS[method]
        session = self.checker.code_of(func.value, 30)
        self._report(node, f"{session}.{method}()", f"use `await {session}.{twin}(...)`")

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)) and self._is_session(target.comparator):
                session = self.checker.code_of(target.comparator, 30)
                self._report(node, self.checker.code_of(node, 40), f"use `await {session}.ahas_key(key)`")


SESSION_LOADED = "session-loaded"
# Every async session method reads the session through _aget_session() except aload().
SESSION_LOADING = frozenset(set(K.SESSION_SYNC_METHODS.values()) | {"aget", "aset", "ahas_key", "akeys", "avalues", "aitems"})


def session_loaded(checker) -> bool:
    frame = checker.function_frame
    return frame is not None and bool(frame.state.get(SESSION_LOADED))


SHORTCUTS = {
    "django.shortcuts.get_object_or_404": "aget_object_or_404",
    "django.shortcuts.get_list_or_404": "aget_list_or_404",
}


@register
class GetObjectOr404InAsyncFunction(Rule):
    """
    `get_object_or_404()` or `get_list_or_404()` in async code.

    ## What it does
    Checks for Django's sync shortcuts that query, called in async code.

    ## Why is this bad?
    They run the query on the event loop's thread and raise
    `SynchronousOnlyOperation`.

    ## Example
    ```python
    async def detail(request, pk):
        book = get_object_or_404(Book, pk=pk)
    ```

    Use instead:
    ```python
    async def detail(request, pk):
        book = await aget_object_or_404(Book, pk=pk)
    ```

    ## Django version
    `aget_object_or_404()` and `aget_list_or_404()` exist since Django 5.0;
    before it, `await Book.objects.aget(pk=pk)` and raise `Http404` yourself.
    """

    code = "DJA108"
    name = "get-object-or-404-in-async-function"
    effect = "db"
    cure_since = (5, 0)

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        fqn = checker.qualified(node.func)
        twin = SHORTCUTS.get(fqn or "")
        if twin is None:
            return
        name = fqn.rpartition(".")[2]
        cure = checker.cure(self.cure_since, f"use `await {twin}(...)` from `django.shortcuts`",
                            "use `await Model.objects.aget(...)` and raise `Http404` on `DoesNotExist`")
        checker.report(self, node, f"`{name}()` runs a query: it {RAISES}; {cure}", help=cure, what=f"{name}()")


PAGINATOR_METHODS = {"page": "apage", "get_page": "aget_page", "validate_number": "avalidate_number",
                     "get_elided_page_range": "aget_elided_page_range"}
PAGINATOR_PROPERTIES = {"count": "acount", "num_pages": "anum_pages", "page_range": "apage_range"}


@register
class SyncPaginatorInAsyncFunction(Rule):
    """
    A `Paginator` over a queryset asked for pages or counts in async code.

    ## What it does
    Checks for `Paginator(queryset, n)` followed by `.page()`, `.get_page()`,
    `.count`, `.num_pages` or `.page_range` in async code. Creating the
    paginator is lazy and is not reported; a paginator over a list never
    queries and is not reported either.

    ## Why is this bad?
    Pages and counts run `COUNT` and `SELECT` queries on the event loop's
    thread, which raise `SynchronousOnlyOperation`.

    ## Example
    ```python
    async def listing(request):
        page = Paginator(Book.objects.all(), 20).get_page(request.GET.get("page"))
    ```

    Use instead:
    ```python
    async def listing(request):
        paginator = AsyncPaginator(Book.objects.all(), 20)
        page = await paginator.aget_page(request.GET.get("page"))
    ```

    ## Django version
    `AsyncPaginator` exists since Django 6.0; before it, paginate in a sync
    function run with `sync_to_async`.
    """

    code = "DJA109"
    name = "sync-paginator-in-async-function"
    effect = "db"
    cure_since = (6, 0)

    def _paginator(self, node: cst.CSTNode) -> bool:
        t = self.checker.type_of(node)
        return t is not None and t.kind == PAGINATOR and t.model is not None

    def _report(self, node: cst.CSTNode, what: str, twin: str, prop: bool) -> None:
        checker = self.checker
        async_way = f"use `AsyncPaginator` and `await paginator.{twin}{'' if prop else '(...)'}`"
        cure = checker.cure(self.cure_since, async_way, "paginate in a sync function run with `sync_to_async`")
        checker.report(self, node, f"`{what}` queries the database: it {RAISES}; {cure}", help=cure, what=what)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in PAGINATOR_METHODS and self._paginator(func.value):
            self._report(node, f"{self.checker.code_of(func, 40)}()", PAGINATOR_METHODS[func.attr.value], False)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in PAGINATOR_PROPERTIES and self._paginator(node.value):
            self._report(node, self.checker.code_of(node, 40), PAGINATOR_PROPERTIES[node.attr.value], True)


@register
class SyncModelFormInAsyncFunction(Rule):
    """
    A ModelForm validated or saved in async code.

    ## What it does
    Checks for `form.is_valid()` and `form.save()` (without `commit=False`)
    on a project `ModelForm` instance in async code.

    ## Why is this bad?
    Validating a ModelForm runs model validation: foreign keys are looked up
    with `queryset.get()` and unique fields are checked with queries. Saving
    writes the instance. On the event loop's thread both raise
    `SynchronousOnlyOperation`. Django has no async ModelForm API.

    ## Example
    ```python
    async def create_book(request):
        form = BookForm(request.POST)
        if form.is_valid():
            form.save()
    ```

    Use instead:
    ```python
    async def create_book(request):
        form = BookForm(request.POST)
        if await sync_to_async(form.is_valid)():
            await sync_to_async(form.save)()
    ```

    ## Django version
    No async ModelForm API exists (through 6.1): use `sync_to_async`.
    """

    code = "DJA110"
    name = "sync-modelform-in-async-function"
    effect = "db"

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("is_valid", "save", "full_clean"):
            return
        checker = self.checker
        base = checker.type_of(func.value)
        if base is None or base.kind != MODELFORM:
            return
        if func.attr.value == "save" and any(
                a.keyword is not None and a.keyword.value == "commit" and isinstance(a.value, cst.Name) and a.value.value == "False"
                for a in node.args):
            return
        if func.attr.value != "save" and not validation_queries(checker.index, base.model):
            return
        text = f"{checker.code_of(func, 40)}()"
        cure = f"run it in a thread: `await sync_to_async({checker.code_of(func, 40)})()`"
        checker.report(self, node, f"`{text}` queries the database (model validation, foreign key lookups, saving): it {RAISES}; {cure}",
                       help=cure, what=text)


def validation_queries(index, form: str | None) -> bool:
    """Does validating this ModelForm query? Yes when its fields include a relation
    (ModelChoiceField looks the value up) or a unique field (validate_unique).
    Unknown forms and models count as querying."""
    info = index.class_(form) if form else None
    if info is None:
        return True
    model, fields = None, None
    for cls in index.mro(form):
        c = index.class_(cls)
        if c is not None and c.meta_model and model is None:
            model, fields = c.meta_model, c.meta_fields
    if model is None or not index.is_model(model):
        return True
    model_fields = index.model_fields(model)
    if not model_fields:
        return True
    for name, f in model_fields.items():
        if fields is not None and fields != ("__all__",) and name not in fields:
            continue
        if f.kind in ("fk", "o2o", "m2m") or f.unique:
            return True
    return False


RENDER_FUNCTIONS = {
    "django.shortcuts.render": 2,
    "django.template.loader.render_to_string": 1,
}


@register
class RenderQuerySetInAsyncFunction(Rule):
    """
    A template rendered in async code with a queryset in its context.

    ## What it does
    Checks for `render()` and `render_to_string()` called in async code with
    a context dict holding a queryset.

    ## Why is this bad?
    Django's templates render synchronously, on the event loop's thread when
    called from async code. When the template iterates the queryset, the
    query runs there and raises `SynchronousOnlyOperation`.

    ## Example
    ```python
    async def index(request):
        return render(request, "books.html", {"books": Book.objects.all()})
    ```

    Use instead:
    ```python
    async def index(request):
        return TemplateResponse(request, "books.html", {"books": Book.objects.all()})
    ```
    A `TemplateResponse` is rendered by Django's handler in a thread, or
    evaluate the queryset first: `[b async for b in Book.objects.all()]`.

    ## Django version
    Any version with async views (3.1+); there is no async template API.
    """

    code = "DJA111"
    name = "render-queryset-in-async-function"
    effect = "db"

    def _contexts(self) -> dict[str, list[cst.BaseExpression]]:
        frame = self.checker.frame
        return frame.state.setdefault(self.code, {})  # type: ignore[return-value]

    def visit_Assign(self, node: cst.Assign) -> None:
        """Remember dicts built in variables: ``context = {...}``, ``context["k"] = v``."""
        for target in node.targets:
            t = target.target
            if isinstance(t, cst.Name):
                values = []
                if isinstance(node.value, cst.Dict):
                    values = [e.value for e in node.value.elements if isinstance(e, cst.DictElement)]
                elif isinstance(node.value, cst.Call) and isinstance(node.value.func, cst.Name) and node.value.func.value == "dict":
                    values = [a.value for a in node.value.args if a.keyword is not None]
                if values or isinstance(node.value, (cst.Dict, cst.Call)):
                    self._contexts()[t.value] = values
            elif isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name) and t.value.value in self._contexts():
                self._contexts()[t.value.value].append(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "render":
            receiver = checker.type_of(func.value)
            if receiver is not None and receiver.kind == "template":
                context = node.args[0].value if node.args and node.args[0].keyword is None else None
                for arg in node.args:
                    if arg.keyword is not None and arg.keyword.value == "context":
                        context = arg.value
                if isinstance(context, cst.Call) and dotted_name(context.func) in ("Context", "RequestContext", "template.Context"):
                    dicts = [a.value for a in context.args if isinstance(a.value, (cst.Dict, cst.Name))]
                    context = dicts[-1] if dicts else None
                key = self._queryset_entry(context)
                if key is not None:
                    cure = ("render it in a thread (`await sync_to_async(template.render)(context)`), or evaluate "
                            f"`{key}` first with an async comprehension")
                    checker.report(self, node, f"`{checker.code_of(func, 40)}()` renders on the event loop with queryset "
                                   f"`{key}` in its context; iterating it in the template {RAISES}; {cure}",
                                   help=cure, what="Template.render() with a queryset")
            return
        fqn = checker.qualified(node.func)
        position = RENDER_FUNCTIONS.get(fqn or "")
        if position is None:
            return
        context = None
        positional = [a for a in node.args if a.keyword is None and a.star == ""]
        if len(positional) > position:
            context = positional[position].value
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "context":
                context = arg.value
        key = self._queryset_entry(context)
        if key is None:
            return
        name = fqn.rpartition(".")[2]
        cure = ("return a `TemplateResponse` (rendered in a thread by Django), or evaluate "
                f"`{key}` first with an async comprehension")
        checker.report(self, node, f"`{name}()` renders on the event loop with queryset `{key}` in its context; "
                       f"iterating it in the template {RAISES}; {cure}", help=cure, what=f"{name}() with a queryset")

    def _queryset_entry(self, context: cst.BaseExpression | None) -> str | None:
        checker = self.checker
        if isinstance(context, cst.Name) and context.value in self._contexts():
            for value in self._contexts()[context.value]:
                t = checker.type_of(value)
                if t is not None and t.kind in (QUERYSET, RELATED_MANAGER):
                    return checker.code_of(value, 40)
            return None
        if isinstance(context, cst.Dict):
            for element in context.elements:
                if isinstance(element, cst.DictElement):
                    t = checker.type_of(element.value)
                    if t is not None and t.kind in (QUERYSET, MANAGER, RELATED_MANAGER) and t.model is not None or (
                            t is not None and t.kind == QUERYSET):
                        return checker.code_of(element.value, 40)
        elif isinstance(context, cst.Call) and isinstance(context.func, cst.Name) and context.func.value == "dict":
            for arg in context.args:
                t = checker.type_of(arg.value)
                if arg.keyword is not None and t is not None and t.kind == QUERYSET:
                    return checker.code_of(arg.value, 40)
        return None


@register
class SyncHelperQueriesInAsyncFunction(HelperCallRule):
    """
    A project function that queries, called directly from async code.

    ## What it does
    Checks for calls from async code to a sync function, method, model
    method or custom QuerySet/Manager method of the project that reaches the
    database, directly or through the functions it calls (in any module,
    followed to a bounded depth, cycles handled). The finding is at the call
    and its message gives the path to the query, e.g.
    `views.py:9 -> services.py:14 award_points -> Points.objects.create()`.

    ## Why is this bad?
    A sync function called from a coroutine runs on the event loop's thread:
    its queries raise `SynchronousOnlyOperation` just as if they were written
    in the coroutine. "You don't have to be inside an async function
    directly" (Django's async docs).

    ## Example
    ```python
    async def buy(request, pk):
        order = place_order(pk, quantity=1)   # place_order() calls Book.objects.get()
    ```

    Use instead:
    ```python
    async def buy(request, pk):
        order = await sync_to_async(place_order)(pk, quantity=1)
    ```

    ## Django version
    `sync_to_async` (asgiref) works with every Django that has async views.
    Calls made through `sync_to_async`, `database_sync_to_async`,
    `asyncio.to_thread` or `run_in_executor` are not reported.
    """

    code = "DJA112"
    name = "sync-helper-queries-in-async-function"
    family = "db"

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        if not checker.in_loop:
            return
        if (isinstance(node.func, cst.Name) and node.func.value in ("str", "repr", "print") and len(node.args) == 1
                and not checker.lookup_local(node.func.value)):
            self._implicit_str(node, node.args[0].value)
            return
        callee = checker.callee_fqn(node)
        if callee is None:
            owner = django_querying_method(checker, node)
            if owner is not None:
                name = checker.code_of(node.func, 40)
                cure = f"call it in a thread: `await sync_to_async({name})()`"
                checker.report(self, node, f"`{name}()` runs a query on the event loop ({owner.rpartition('.')[2]}."
                               f"{node.func.attr.value}() calls queryset.get()): it {RAISES}; {cure}", help=cure)
            return
        info = checker.index.function(callee)
        if info is None or info.returns_coroutine:
            return
        # Once this coroutine loaded the session, a helper's session reads are cached.
        skip = frozenset({SyncSessionAccessInAsyncFunction.code}) if session_loaded(checker) else frozenset()
        args = argument_types(checker, node, info)
        if info.class_fqn and isinstance(node.func, cst.Attribute):
            receiver = checker.type_of(node.func.value)
            if receiver is not None:
                args["self"] = receiver
        self.note_call(node, callee, skip, args)

    def _implicit_str(self, node: cst.CSTNode, value: cst.BaseExpression) -> None:
        """``str(book)`` and ``f"{book}"`` run the model's ``__str__``."""
        checker = self.checker
        if not checker.in_loop:
            return
        t = checker.type_of(value)
        if t is None or t.kind != INSTANCE or not t.model:
            return
        method = checker.index.find_method(t.model, "__str__")
        if method is None:
            return
        skip = frozenset({SyncSessionAccessInAsyncFunction.code}) if session_loaded(checker) else frozenset()
        self.note_call(node, method, skip, {"self": t}, name="str" if not isinstance(node, cst.Attribute) else None)

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        self._implicit_str(node, node.expression)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """``job.applicant_count`` where the model defines it as a ``@property``: a call."""
        checker = self.checker
        if not checker.in_loop or not _load_context(checker, node) or isinstance(checker.parent(), cst.Call) \
                and checker.parent().func is node:
            return
        t = checker.type_of(node.value)
        if t is None or t.kind != INSTANCE or not t.model:
            return
        method = checker.index.find_method(t.model, node.attr.value)
        info = checker.index.function(method)
        if info is None or not any(d.rpartition(".")[2] in ("property", "cached_property") for d in info.decorators):
            return
        skip = frozenset({SyncSessionAccessInAsyncFunction.code}) if session_loaded(checker) else frozenset()
        self.note_call(node, method, skip, {"self": t}, name="str" if not isinstance(node, cst.Attribute) else None)

    def helper_message(self, name: str, path: str) -> tuple[str, str]:
        cure = f"call it in a thread: `await sync_to_async({name})(...)`"
        return f"`{name}()` runs a query on the event loop ({path}): it {RAISES}; {cure}", cure


def argument_types(checker, call: cst.Call, info) -> dict[str, T]:
    """Map the callee's parameter names to the types of the values this call passes."""
    params = list(info.params)
    if info.class_fqn and not info.is_static and params and isinstance(call.func, cst.Attribute):
        params = params[1:]  # bound method: self/cls is not among the arguments
    types: dict[str, T] = {}
    position = 0
    for arg in call.args:
        if arg.star:
            break
        t = checker.type_of(arg.value)
        if arg.keyword is not None:
            if t is not None:
                types[arg.keyword.value] = t
            continue
        if position < len(params) and t is not None:
            types[params[position]] = t
        position += 1
    return types


@register
class RawCursorInAsyncFunction(Rule):
    """
    A raw database cursor opened on the event loop.

    ## What it does
    Checks for `connection.cursor()` and `connections[alias].cursor()` (from
    `django.db`) in async code.

    ## Why is this bad?
    Opening a cursor connects to the database on the event loop's thread:
    `cursor()` is one of the connection methods Django marks `@async_unsafe`,
    so it raises `SynchronousOnlyOperation` before any SQL is sent.

    ## Example
    ```python
    async def totals(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT SUM(total) FROM shop_order")
            (total,) = cursor.fetchone()
    ```

    Use instead:
    ```python
    def _total():
        with connection.cursor() as cursor:
            cursor.execute("SELECT SUM(total) FROM shop_order")
            return cursor.fetchone()[0]

    async def totals(request):
        total = await sync_to_async(_total)()
    ```

    ## Django version
    Django has no async cursor API (through 6.1): run raw SQL in a sync
    function with `sync_to_async`.
    """

    code = "DJA113"
    name = "raw-cursor-in-async-function"
    effect = "db"

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("cursor", "chunked_cursor"):
            return
        checker = self.checker
        target = func.value
        if isinstance(target, cst.Subscript):
            target = target.value
            if checker.qualified(target) != "django.db.connections":
                return
        elif checker.qualified(target) not in ("django.db.connection", "django.db.connections.default"):
            return
        text = f"{checker.code_of(func, 40)}()"
        cure = "run the SQL in a sync function: `await sync_to_async(run_query)()`"
        checker.report(self, node, f"`{text}` connects to the database: it {RAISES}; {cure}", help=cure, what=text)


AUTH_FUNCTIONS = {
    "django.contrib.auth.authenticate": ("aauthenticate", (5, 0)),
    "django.contrib.auth.login": ("alogin", (5, 0)),
    "django.contrib.auth.logout": ("alogout", (5, 0)),
    "django.contrib.auth.get_user": ("aget_user", (5, 0)),
    "django.contrib.auth.update_session_auth_hash": ("aupdate_session_auth_hash", (5, 0)),
}
PERMISSION_METHODS = {
    "has_perm": "ahas_perm",
    "has_perms": "ahas_perms",
    "has_module_perms": "ahas_module_perms",
    "get_all_permissions": "aget_all_permissions",
    "get_user_permissions": "aget_user_permissions",
    "get_group_permissions": "aget_group_permissions",
}


@register
class SyncAuthInAsyncFunction(Rule):
    """
    A sync `django.contrib.auth` function or permission check in async code.

    ## What it does
    Checks for `authenticate()`, `login()`, `logout()`, `get_user()` and
    `update_session_auth_hash()` from `django.contrib.auth`, and for a user's
    `has_perm()`, `has_perms()`, `has_module_perms()` and
    `get_*_permissions()`, called in async code.

    ## Why is this bad?
    They read or write the user, its permissions and the session through the
    ORM on the event loop's thread, which raises `SynchronousOnlyOperation`
    (`authenticate()` also hashes the password there).

    ## Example
    ```python
    async def sign_in(request):
        user = authenticate(request, username=name, password=password)
        if user is not None:
            login(request, user)
    ```

    Use instead:
    ```python
    async def sign_in(request):
        user = await aauthenticate(request, username=name, password=password)
        if user is not None:
            await alogin(request, user)
    ```

    ## Django version
    `aauthenticate()`, `alogin()`, `alogout()`, `aget_user()` and
    `aupdate_session_auth_hash()` exist since Django 5.0; `ahas_perm()` and
    the other async permission methods since 5.2.
    """

    code = "DJA114"
    name = "sync-auth-in-async-function"
    effect = "db"
    cure_since = (5, 0)

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        func = node.func
        fqn = checker.qualified(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if fqn in AUTH_FUNCTIONS:
            twin, since = AUTH_FUNCTIONS[fqn]
            name = fqn.rpartition(".")[2]
            cure = checker.cure(since, f"use `await {twin}(...)` from `django.contrib.auth`",
                                f"call it in a thread: `await sync_to_async({name})(...)`")
            checker.report(self, node, f"`{name}()` queries the user and session: it {RAISES}; {cure}",
                           help=cure, what=f"{name}()")
            return
        if not isinstance(func, cst.Attribute) or func.attr.value not in PERMISSION_METHODS:
            return
        base = checker.type_of(func.value)
        user_model = checker.user_model()
        if base is None or base.kind != INSTANCE or base.model is None or base.model != user_model:
            return
        method = func.attr.value
        obj = _receiver(checker, func)
        cure = checker.cure((5, 2), f"use `await {obj}.{PERMISSION_METHODS[method]}(...)`",
                            f"call it in a thread: `await sync_to_async({obj}.{method})(...)`")
        checker.report(self, node, f"`{obj}.{method}()` loads permissions from the database: it {RAISES}; {cure}",
                       help=cure, what=f"{obj}.{method}()")


# Methods Django's generic views define that query when called.
DJANGO_QUERYING_METHODS = {
    "get_object": frozenset({"DetailView", "UpdateView", "DeleteView", "BaseDetailView", "BaseUpdateView",
                             "BaseDeleteView", "SingleObjectMixin", "SingleObjectTemplateResponseMixin"}),
}


def django_querying_method(checker, call: cst.Call) -> str | None:
    """``self.get_object()`` in a view inheriting Django's SingleObjectMixin (not overridden)."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"):
        return None
    owners = DJANGO_QUERYING_METHODS.get(func.attr.value)
    frame = checker.function_frame
    if owners is None or frame is None or frame.class_fqn is None:
        return None
    if checker.index.find_method(frame.class_fqn, func.attr.value):
        return None  # the project overrides it: followed like any project method
    for cls in checker.index.mro(frame.class_fqn):
        if cls.startswith("django.") and cls.rpartition(".")[2] in owners:
            return cls
    return None
