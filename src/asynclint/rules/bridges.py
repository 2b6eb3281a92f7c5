"""DJA7xx: sync/async bridges, signals, tasks and transactions.

``async_to_sync`` refuses to run on a thread that runs an event loop, Django's
signals and tasks have async twins for the same reason, ``sync_to_async`` with
``thread_sensitive=False`` moves ORM work off the request's thread, and
``django.db.transaction`` has no async support at all: a transaction belongs in
one sync function called through ``sync_to_async``.
"""

from __future__ import annotations

import libcst as cst

from asynclint import knowledge as K
from asynclint.rules._helper_calls import HelperCallRule
from asynclint.registry import Rule, register
from asynclint.semantic import INSTANCE, QUERYSET, RELATED_MANAGER, dotted_name, is_queryset_like, string_value

ASYNC_TO_SYNC = frozenset({"asgiref.sync.async_to_sync", "asgiref.sync.AsyncToSync"})
SYNC_TO_ASYNC = frozenset({"asgiref.sync.sync_to_async", "asgiref.sync.SyncToAsync"})
SIGNAL_CLASSES = frozenset({
    "django.dispatch.Signal", "django.dispatch.dispatcher.Signal",
    "django.db.models.signals.ModelSignal",
})
BUILTIN_SIGNALS = frozenset(
    [f"django.db.models.signals.{n}" for n in
     "pre_init post_init pre_save post_save pre_delete post_delete m2m_changed pre_migrate post_migrate "
     "class_prepared".split()]
    + [f"django.core.signals.{n}" for n in "request_started request_finished got_request_exception setting_changed".split()]
    + [f"django.contrib.auth.signals.{n}" for n in "user_logged_in user_logged_out user_login_failed".split()]
    + ["django.db.backends.signals.connection_created", "django.test.signals.setting_changed",
       "django.test.signals.template_rendered"]
)
TRANSACTION = "django.db.transaction."
#: the functions of django.db.transaction that reach an ``@async_unsafe`` connection method
#: (read from Django's source: ``ensure_connection``, ``savepoint*``, ``commit``, ...)
TRANSACTION_CALLS = frozenset(TRANSACTION + n for n in (
    "atomic", "on_commit", "savepoint", "savepoint_commit", "savepoint_rollback", "clean_savepoints",
    "commit", "rollback", "set_autocommit", "get_autocommit",
))
ATOMIC = TRANSACTION + "atomic"
TASK_DECORATORS = frozenset({"django.tasks.task", "django.tasks.base.task"})
#: awaited ORM calls that run one query each (per-row hint)
PER_ROW_METHODS = K.QUERYSET_ASYNC_METHODS | K.INSTANCE_ASYNC_METHODS | K.RELATED_MANAGER_ASYNC_METHODS


def _short(fqn: str) -> str:
    return fqn.rpartition(".")[2]


def _is_decorator_expr(checker, node: cst.CSTNode) -> bool:
    return isinstance(checker.parent(), cst.Decorator)


class _TracesHelpers(HelperCallRule):
    """A rule whose effect, recorded in sync functions, is also found through calls of them
    (see :mod:`asynclint.rules._helper_calls`); ``family`` is the rule's ``effect``."""

    def __init__(self, checker) -> None:
        super().__init__(checker)
        self.family = self.effect

    def note_call(self, node: cst.Call, callee: str | None = None, *args, **kwargs) -> None:
        callee = callee or self.sync_callee(node)
        if callee is not None:
            super().note_call(node, callee, *args, **kwargs)


@register
class AsyncToSyncInCoroutine(_TracesHelpers):
    """
    `async_to_sync(...)` called on the event loop.

    ## What it does
    Checks for calling the function `async_to_sync(f)` returns (directly, as
    `async_to_sync(f)(...)`) inside an `async def` or in sync code the
    coroutine runs directly, and for calls from a coroutine to a sync function
    of the project that does so, directly or through the helpers it calls.

    ## Why is this bad?
    `async_to_sync` blocks the calling thread until the coroutine finishes on an
    event loop. On the thread that runs the loop that would deadlock, so asgiref
    refuses: `RuntimeError: You cannot use AsyncToSync in the same thread as an
    async event loop - just await the async function directly.`

    ## Example
    ```python
    async def notify(request):
        async_to_sync(channel_layer.group_send)("orders", {"type": "new"})
    ```

    Use instead:
    ```python
    async def notify(request):
        await channel_layer.group_send("orders", {"type": "new"})
    ```

    ## Django version
    Any (asgiref).
    """

    code = "DJA701"
    name = "async-to-sync-in-coroutine"
    #: recorded in sync functions, so that a call of such a helper from a coroutine is found
    effect = "bridge"

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        inner = node.func
        if isinstance(inner, cst.Call) and checker.qualified(inner.func) in ASYNC_TO_SYNC:
            target = checker.code_of(inner.args[0].value, 40) if inner.args else "..."
            # In a sync function this only records the effect (see Checker.report).
            checker.report(self, node,
                           f"`async_to_sync({target})(...)` on the event loop raises RuntimeError (You cannot use "
                           f"AsyncToSync in the same thread as an async event loop); `await {target}(...)` directly",
                           help=f"await {target}(...) directly", what=f"async_to_sync({target})()")
            return
        self.note_call(node)

    def helper_message(self, name: str, chain: str) -> tuple[str, str]:
        cure = f"call the async function with `await` instead, or run `{name}` in a thread: " \
               f"`await sync_to_async({name})(...)`"
        return (f"`{name}()` calls async_to_sync on the event loop ({chain}): it raises RuntimeError (You cannot "
                f"use AsyncToSync in the same thread as an async event loop); {cure}", cure)


def is_signal(checker, fqn: str | None) -> bool:
    """Is ``fqn`` a Signal instance: one of Django's or ``name = Signal()`` in a project module?"""
    if not fqn:
        return False
    if fqn in BUILTIN_SIGNALS:
        return True
    module, _, name = fqn.rpartition(".")
    info = checker.index.module(module) if module else None
    if info is None:
        return False
    made_by = info.assigned_calls.get(name)
    if not made_by:
        return False
    cls = checker.index.resolve(module, made_by)
    if cls in SIGNAL_CLASSES:
        return True
    return bool(cls) and checker.index.class_(cls) is not None and checker.index.inherits(cls, SIGNAL_CLASSES)


@register
class SyncSignalSendInCoroutine(_TracesHelpers):
    """
    `Signal.send()` or `send_robust()` called on the event loop.

    ## What it does
    Checks for `.send(...)` / `.send_robust(...)` in async code on a signal:
    one of Django's built-in signals or a module-level `name = Signal()` of the
    project; and for calls from a coroutine to a sync function of the project
    that sends one, directly or through the helpers it calls.

    ## Why is this bad?
    `send()` runs every receiver right there, on the event loop: a receiver that
    uses the ORM raises `SynchronousOnlyOperation`, and an `async def` receiver
    is run with `async_to_sync`, which raises `RuntimeError: You cannot use
    AsyncToSync in the same thread as an async event loop`.

    ## Example
    ```python
    async def checkout(request):
        order = await Order.objects.acreate(book_id=1)
        order_placed.send(sender=Order, order=order)
    ```

    Use instead:
    ```python
    async def checkout(request):
        order = await Order.objects.acreate(book_id=1)
        await order_placed.asend(sender=Order, order=order)
    ```

    ## Django version
    `Signal.asend()` and `asend_robust()` exist since Django 5.0. Before that:
    `await sync_to_async(order_placed.send)(sender=Order, order=order)`.
    """

    code = "DJA702"
    name = "sync-signal-send-in-coroutine"
    cure_since = (5, 0)
    #: recorded in sync functions, so that a call of such a helper from a coroutine is found
    effect = "signal"

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("send", "send_robust") \
                or not is_signal(checker, checker.qualified(func.value)):
            self.note_call(node)
            return
        signal = checker.code_of(func.value, 40)
        method = func.attr.value
        cure = checker.cure(self.cure_since, f"use `await {signal}.a{method}(...)`",
                            f"use `await sync_to_async({signal}.{method})(...)`")
        # In a sync function this only records the effect (see Checker.report).
        checker.report(self, node,
                       f"`{signal}.{method}()` runs its receivers on the event loop: an ORM receiver raises "
                       f"SynchronousOnlyOperation, an async receiver RuntimeError (AsyncToSync in the loop's "
                       f"thread); {cure}", help=cure, what=f"{signal}.{method}()")

    def helper_message(self, name: str, chain: str) -> tuple[str, str]:
        cure = f"run it in a thread: `await sync_to_async({name})(...)`, or send with `asend()` in async code"
        return (f"`{name}()` sends a signal on the event loop ({chain}): its receivers run there (an ORM receiver "
                f"raises SynchronousOnlyOperation, an async receiver RuntimeError); {cure}", cure)


class _OrmScan(cst.CSTVisitor):
    """Does a piece of code (a lambda or nested def body) use the ORM? First hit wins."""

    def __init__(self, checker, root: cst.CSTNode) -> None:
        super().__init__()
        self.checker = checker
        self.root = root
        self.found: str | None = None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return node is self.root

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        if self.found:
            return
        checker = self.checker
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            base = checker.type_of(func.value)
            if is_queryset_like(base) and (method in K.QUERYSET_SQL_METHODS or method in K.QUERYSET_ASYNC_METHODS):
                self.found = f"{checker.code_of(func.value, 30)}.{method}()"
                return
            if base is not None and base.kind == INSTANCE and method in K.INSTANCE_SQL_METHODS:
                self.found = f"{checker.code_of(func.value, 30)}.{method}()"
                return
        callee = checker.callee_fqn(node)
        if callee:
            chain = checker.project.effect_chain(callee, "db")
            if chain:
                self.found = f"{_short(callee)}() -> {chain[-1].what}"

    def visit_For(self, node: cst.For) -> None:
        if not self.found:
            base = self.checker.type_of(node.iter)
            if base is not None and base.kind in (QUERYSET, RELATED_MANAGER):
                self.found = f"iterating {self.checker.code_of(node.iter, 30)}"


@register
class ThreadInsensitiveOrmOffload(Rule):
    """
    `sync_to_async(f, thread_sensitive=False)` where `f` uses the ORM.

    ## What it does
    Checks for `sync_to_async(..., thread_sensitive=False)` (called or used as a
    decorator) whose function queries the database: a lambda or nested function
    whose body uses the ORM, a bound ORM method (`Book.objects.count`), or a
    project function that queries, directly or through the helpers it calls.

    ## Why is this bad?
    Django's database connections are per thread. With `thread_sensitive=True`
    (the default) every ORM call of a request runs on the one thread Django keeps
    for that request, whose connection Django closes at the end of the request.
    `thread_sensitive=False` runs the query on an arbitrary executor thread: it
    opens another connection there, outside the request's transaction handling,
    that `close_old_connections` never closes, and the connections pile up.

    ## Example
    ```python
    async def stats(request):
        total = await sync_to_async(count_orders, thread_sensitive=False)()
    ```

    Use instead:
    ```python
    async def stats(request):
        total = await sync_to_async(count_orders)()
    ```

    ## Django version
    Any; asgiref defaults to `thread_sensitive=True` since 3.3 (Django 3.2).
    """

    code = "DJA703"
    name = "thread-insensitive-orm-offload"
    loop_only = False

    @classmethod
    def triggers(cls, project):
        return (b"thread_sensitive",)

    def _thread_insensitive(self, call: cst.Call) -> bool:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "thread_sensitive":
                return isinstance(arg.value, cst.Name) and arg.value.value == "False"
        return False

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        if checker.qualified(node.func) not in SYNC_TO_ASYNC or not self._thread_insensitive(node):
            return
        if _is_decorator_expr(checker, node):
            return  # handled with the function it decorates
        positional = [a for a in node.args if a.keyword is None]
        if not positional:
            return
        what = self._orm_use(positional[0].value)
        if what:
            self._report(node, checker.code_of(positional[0].value, 40), what)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        checker = self.checker
        for decorator in node.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call) and checker.qualified(expr.func) in SYNC_TO_ASYNC \
                    and self._thread_insensitive(expr):
                scan = _OrmScan(checker, node)
                node.visit(scan)
                if scan.found:
                    self._report(decorator, node.name.value, scan.found)

    def _orm_use(self, func: cst.BaseExpression) -> str | None:
        checker = self.checker
        if isinstance(func, cst.Lambda):
            scan = _OrmScan(checker, func)
            func.body.visit(scan)
            return scan.found
        if isinstance(func, cst.Attribute):
            base = checker.type_of(func.value)
            method = func.attr.value
            if is_queryset_like(base) and method in K.QUERYSET_SQL_METHODS:
                return f"{checker.code_of(func, 40)}()"
            if base is not None and base.kind == INSTANCE and method in K.INSTANCE_SQL_METHODS:
                return f"{checker.code_of(func, 40)}()"
        if isinstance(func, cst.Name):
            from asynclint.rules.views import _local_function

            local = _local_function(checker, func.value) if checker.function_frame is not None else None
            if local is not None:
                scan = _OrmScan(checker, local)
                local.visit(scan)
                return scan.found
        if isinstance(func, (cst.Name, cst.Attribute)):
            dotted = dotted_name(func)
            if dotted and not checker.lookup_local(dotted.partition(".")[0]):
                fqn = checker.index.resolve(checker.modname, dotted)
                if fqn and checker.index.function(fqn) is not None:
                    chain = checker.project.effect_chain(fqn, "db")
                    if chain:
                        return checker.project.describe_chain(chain)
        return None

    def _report(self, node: cst.CSTNode, func: str, what: str) -> None:
        self.checker.report(
            self, node,
            f"`sync_to_async({func}, thread_sensitive=False)` runs ORM code ({what}) on an executor thread: it "
            f"opens a database connection outside the request's thread that Django never closes; drop "
            f"`thread_sensitive=False` (the default keeps the request's thread)",
            help="drop thread_sensitive=False")


@register
class TransactionInCoroutine(Rule):
    """
    `transaction.atomic()`, `transaction.on_commit()` or another transaction call on the event loop.

    ## What it does
    Checks for the functions of `django.db.transaction` that need the
    connection (`atomic`, `on_commit`, `savepoint*`, `clean_savepoints`,
    `commit`, `rollback`, `set_autocommit`, `get_autocommit`) called inside an
    `async def` or in sync code it runs directly. The same calls in a sync
    function handed to `sync_to_async` are fine and not reported.

    ## Why is this bad?
    Transactions do not work in async code: they need the connection, and Django
    refuses to touch a connection on the event loop's thread, so `with
    transaction.atomic():` raises `SynchronousOnlyOperation` on entry, and so
    does `on_commit()`.

    ## Example
    ```python
    async def pay(request, pk):
        with transaction.atomic():
            order = await Order.objects.aget(pk=pk)
            ...
    ```

    Use instead:
    ```python
    def _pay(pk):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=pk)
            ...

    async def pay(request, pk):
        await sync_to_async(_pay)(pk)
    ```

    ## Django version
    No Django release so far has async transactions.
    """

    code = "DJA704"
    name = "transaction-in-coroutine"

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        if not checker.in_loop or _is_decorator_expr(checker, node):
            return
        fqn = checker.qualified(node.func)
        if fqn not in TRANSACTION_CALLS:
            return
        name = _short(fqn)
        checker.report(self, node,
                       f"`transaction.{name}()` on the event loop raises SynchronousOnlyOperation (transactions do "
                       f"not work in async code); put the transactional work in one sync function and "
                       f"`await sync_to_async(that_function)()`", help="move it into a sync function run by sync_to_async")


@register
class AtomicDecoratorOnCoroutineFunction(Rule):
    """
    `@transaction.atomic` on an `async def`.

    ## What it does
    Checks for `@transaction.atomic` or `@transaction.atomic(...)` decorating an
    `async def`.

    ## Why is this bad?
    `atomic` wraps the function with a sync wrapper that opens the transaction,
    calls the function, which only creates a coroutine, and commits. Called on
    the event loop, opening the transaction raises `SynchronousOnlyOperation`;
    called anywhere else, the transaction is committed before the body runs, so
    the body is silently not atomic. The wrapper is also a sync function, so
    Django treats a decorated view as sync and gets a coroutine back.

    ## Example
    ```python
    @transaction.atomic
    async def transfer(request):
        ...
    ```

    Use instead:
    ```python
    @transaction.atomic
    def _transfer(data):
        ...

    async def transfer(request):
        await sync_to_async(_transfer)(request.POST)
    ```

    ## Django version
    No Django release so far has async transactions.
    """

    code = "DJA705"
    name = "atomic-decorator-on-coroutine-function"
    loop_only = False

    @classmethod
    def triggers(cls, project):
        # it needs an `async def` (and `atomic`): the rarer condition in practice is `async`
        return (b"async",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        checker = self.checker
        for decorator in node.decorators:
            expr = decorator.decorator
            target = expr.func if isinstance(expr, cst.Call) else expr
            if checker.qualified(target) == ATOMIC:
                checker.report(self, decorator,
                               f"`@transaction.atomic` on `async def {node.name.value}`: the sync wrapper opens the "
                               f"transaction on the event loop (SynchronousOnlyOperation) or commits it before the "
                               f"body runs (silently not atomic); decorate a sync function and call it with "
                               f"`sync_to_async`", help="decorate a sync function and call it with sync_to_async")


def _chain_select_for_update(checker, node: cst.BaseExpression) -> cst.Call | None:
    """The `.select_for_update()` call in a queryset chain, if any."""
    current = node
    while True:
        if isinstance(current, cst.Subscript):
            current = current.value
            continue
        if isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
            if current.func.attr.value == "select_for_update" and is_queryset_like(checker.type_of(current.func.value)):
                return current
            current = current.func.value
            continue
        return None


@register
class SelectForUpdateInAsyncCode(Rule):
    """
    A `select_for_update()` queryset evaluated in async code.

    ## What it does
    Checks for a queryset built with `select_for_update()` that is evaluated
    asynchronously: awaited through an async method (`aget()`, `afirst()`,
    `acount()`, `aupdate()`, ...) or iterated with `async for`.

    ## Why is this bad?
    Row locks only exist inside a transaction, and transactions do not work in
    async code: each async query runs in autocommit mode, so Django raises
    `TransactionManagementError: select_for_update cannot be used outside of a
    transaction.`

    ## Example
    ```python
    async def reserve(request, pk):
        book = await Book.objects.select_for_update().aget(pk=pk)
    ```

    Use instead:
    ```python
    def _reserve(pk):
        with transaction.atomic():
            book = Book.objects.select_for_update().get(pk=pk)
            ...

    async def reserve(request, pk):
        await sync_to_async(_reserve)(pk)
    ```

    ## Django version
    No Django release so far has async transactions.
    """

    code = "DJA706"
    name = "select-for-update-in-async-code"

    def _report(self, node: cst.Call) -> None:
        if self._inside_async_atomic():
            return  # DJA704 reports the atomic() block; moving it into a sync function fixes both
        self.checker.report(
            self, node,
            "`select_for_update()` evaluated asynchronously runs outside any transaction: Django raises "
            "TransactionManagementError (select_for_update cannot be used outside of a transaction); lock and "
            "update the rows in one sync function under `transaction.atomic()` called with `sync_to_async`",
            help="move it into a sync function with transaction.atomic(), run by sync_to_async")

    def _inside_async_atomic(self) -> bool:
        checker = self.checker
        for node in reversed(checker.stack):
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return False
            if isinstance(node, cst.With):
                for item in node.items:
                    expr = item.item
                    if isinstance(expr, cst.Call) and checker.qualified(expr.func) == ATOMIC:
                        return True
        return False

    def visit_Await(self, node: cst.Await) -> None:
        call = node.expression
        if not self.checker.in_loop or not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return
        if call.func.attr.value not in K.QUERYSET_ASYNC_METHODS:
            return
        found = _chain_select_for_update(self.checker, call.func.value)
        if found is not None:
            self._report(found)

    def _iter(self, asynchronous, iterable) -> None:
        if asynchronous is None or not self.checker.in_loop:
            return
        found = _chain_select_for_update(self.checker, iterable)
        if found is not None:
            self._report(found)

    def visit_For(self, node: cst.For) -> None:
        self._iter(node.asynchronous, node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._iter(node.asynchronous, node.iter)


@register
class TaskEnqueueInCoroutine(Rule):
    """
    `Task.enqueue()` of a Django task called on the event loop.

    ## What it does
    Checks for `.enqueue(...)` in async code on a function decorated with
    `@task` from `django.tasks`, and for `.call(...)` of such a task when its
    function is an `async def`.

    ## Why is this bad?
    `enqueue()` is sync: the backend does its work on the event loop's thread.
    With the `ImmediateBackend` the task itself runs right there, so a task that
    uses the ORM fails with `SynchronousOnlyOperation` and an `async def` task
    with the `AsyncToSync` `RuntimeError` (recorded on the task result, not
    raised); database-backed queues query on the loop. `call()` of an async
    task runs it through `async_to_sync`, which raises `RuntimeError` on the
    loop.

    ## Example
    ```python
    async def signup(request):
        send_welcome.enqueue(user_id=1)
    ```

    Use instead:
    ```python
    async def signup(request):
        await send_welcome.aenqueue(user_id=1)
    ```

    ## Django version
    `django.tasks`, `Task.aenqueue()` and `Task.acall()` exist since Django 6.0.
    """

    code = "DJA708"
    name = "task-enqueue-in-coroutine"
    cure_since = (6, 0)

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        func = node.func
        if not checker.in_loop or not isinstance(func, cst.Attribute) or func.attr.value not in ("enqueue", "call"):
            return
        dotted = dotted_name(func.value)
        if dotted is None or checker.lookup_local(dotted.partition(".")[0]):
            return
        info = checker.index.function(checker.index.resolve(checker.modname, dotted))
        if info is None or not set(info.decorators) & TASK_DECORATORS:
            return
        task = checker.code_of(func.value, 40)
        if func.attr.value == "call":
            if not info.is_async:
                return  # a sync task's body runs inline; what it does is for the other rules to judge
            cure = checker.cure(self.cure_since, f"use `await {task}.acall(...)`", f"`await {task}.func(...)`")
            checker.report(self, node,
                           f"`{task}.call()` of an async task runs it with async_to_sync on the event loop: it raises "
                           f"RuntimeError (You cannot use AsyncToSync in the same thread as an async event loop); "
                           f"{cure}", help=cure)
            return
        cure = checker.cure(self.cure_since, f"use `await {task}.aenqueue(...)`",
                            f"use `await sync_to_async({task}.enqueue)(...)`")
        checker.report(self, node,
                       f"`{task}.enqueue()` runs the task backend on the event loop (an immediate backend runs the "
                       f"task right there: SynchronousOnlyOperation or RuntimeError recorded on the result); {cure}",
                       help=cure)


@register
class PerRowQueryInLoop(Rule):
    """
    Hint: one awaited ORM call per item of a loop (`await obj.asave()` for each row).

    ## What it does
    This is a performance hint, not a bug. It checks for an awaited ORM call
    (`asave()`, `adelete()`, `aget()`, `acreate()`, `aupdate()`, ...) inside a
    `for` or `async for` loop in async code, when the call depends on the loop
    variable: one query, and one hop to a worker thread and back, per item.
    `while` loops and `for ... in range(...)` loops (retries, polling) and calls
    that do not use the loop variable are not reported.

    ## Why is this bad?
    Every async ORM call is a `sync_to_async` round trip: a thread hop plus a
    query. Django's async documentation (Performance, 6.1) says it: "If you
    find yourself wrapping individual rows or operations in a tight loop,
    restructure your code so the loop runs inside a single `sync_to_async`." A
    bulk operation is better still.

    ## Example
    ```python
    async def publish_all(request):
        async for book in Book.objects.filter(published=False):
            book.published = True
            await book.asave()
    ```

    Use instead:
    ```python
    async def publish_all(request):
        await Book.objects.filter(published=False).aupdate(published=True)
    ```
    or run the whole loop in one `await sync_to_async(_publish_all)()`.

    ## Options
    A hint, not a failure, so it is off by default: enable it with
    `select = ["DJA709"]` (or `extend-select`, or the family `DJA7`).

    ## Django version
    The async ORM methods exist since Django 4.1 (instances 4.2).
    """

    code = "DJA709"
    name = "per-row-query-in-loop"
    opt_in = True  # a performance hint, not a failure: enable with `select = ["DJA709"]`

    def visit_Await(self, node: cst.Await) -> None:
        checker = self.checker
        call = node.expression
        if not checker.in_loop or not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return
        method = call.func.attr.value
        if method not in PER_ROW_METHODS:
            return
        loop = self._enclosing_for()
        if loop is None or _is_range(checker, loop.iter):
            return
        names = _target_names(loop.target)
        if not names:
            return
        receiver = call.func.value
        base = checker.type_of(receiver)
        is_orm = is_queryset_like(base) or (base is not None and base.kind == INSTANCE)
        if not is_orm and not (isinstance(receiver, cst.Name) and receiver.value in names
                               and method in K.INSTANCE_ASYNC_METHODS):
            return
        if not (_mentions(receiver, names) or any(_mentions(a.value, names) for a in call.args)):
            return
        what = f"{checker.code_of(receiver, 30)}.{method}()"
        checker.report(self, node,
                       f"hint: `await {what}` runs once per item of the loop, each a query and a thread hop; use one "
                       f"bulk query (`aupdate()`, `abulk_create()`, `in_bulk()`) or run the whole loop in one "
                       f"`sync_to_async` function", help="one bulk query, or the whole loop in one sync_to_async")

    def _enclosing_for(self) -> cst.For | None:
        stack = self.checker.stack
        for node in reversed(stack[:-1]):
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            if isinstance(node, cst.While):
                return None
            if isinstance(node, cst.For):
                return node
        return None


def _is_range(checker, node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "range"
            and not checker.lookup_local("range"))


def _target_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        names: set[str] = set()
        for element in target.elements:
            names |= _target_names(element.value)
        return names
    return set()


def _mentions(node: cst.CSTNode, names: set[str]) -> bool:
    found = False

    class Find(cst.CSTVisitor):
        def visit_Name(self, inner: cst.Name) -> None:
            nonlocal found
            if inner.value in names:
                found = True

        def visit_Attribute(self, inner: cst.Attribute) -> bool:
            inner.value.visit(self)
            return False  # the attribute name itself is not a variable

        def visit_Arg(self, inner: cst.Arg) -> bool:
            inner.value.visit(self)
            return False  # nor a keyword's name

    node.visit(Find())
    return found


HTTP_HANDLERS = frozenset({"get", "post", "put", "patch", "delete", "head", "trace"})
NON_ATOMIC = frozenset({"transaction.non_atomic_requests", "non_atomic_requests",
                        "django.db.transaction.non_atomic_requests"})


def first_async_view(project, near: str | None = None) -> str | None:
    """``module:line`` of an async view that ATOMIC_REQUESTS would break, in the Django project
    of file ``near`` (cached per project root)."""
    import ast

    from asynclint.rules._project_settings import candidates, django_root, module_tree, same_site

    root = django_root(near) if near else None

    def compute() -> str | None:
        for modname in candidates(project, b"async def"):
            if not same_site(project, modname, near):
                continue
            tree = module_tree(project, modname)
            if tree is None:
                continue
            for stmt in tree.body:
                if isinstance(stmt, ast.AsyncFunctionDef):
                    args = stmt.args.posonlyargs + stmt.args.args
                    decorators = {ast.unparse(d.func if isinstance(d, ast.Call) else d) for d in stmt.decorator_list}
                    if args and args[0].arg == "request" and not decorators & NON_ATOMIC:
                        return f"{modname}:{stmt.lineno}"
                elif isinstance(stmt, ast.ClassDef):
                    for inner in stmt.body:
                        if isinstance(inner, ast.AsyncFunctionDef) and inner.name in HTTP_HANDLERS:
                            return f"{modname}:{inner.lineno}"
        return None

    # a whole-project scan per Django site (valid while the files with `async def` are unchanged)
    return project.index.scan(f"async-views:{root}", (b"async def",), compute)


@register
class AtomicRequestsWithAsyncViews(Rule):
    """
    `ATOMIC_REQUESTS = True` for a database of a project that has async views.

    ## What it does
    Checks the `DATABASES` setting in settings modules for an entry with
    `"ATOMIC_REQUESTS": True` when the project has an async view (a module-level
    `async def` taking `request` first, not marked
    `@transaction.non_atomic_requests`, or an `async def` HTTP handler of a
    class). Reported on the `"ATOMIC_REQUESTS": True` line.

    ## Why is this bad?
    Django wraps every view in a transaction when `ATOMIC_REQUESTS` is on, and it
    cannot do that for a coroutine: every request to an async view fails with
    `RuntimeError: You cannot use ATOMIC_REQUESTS with async views.`

    ## Example
    ```python
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop", "ATOMIC_REQUESTS": True},
    }
    ```

    Use instead:
    ```python
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"},
    }
    ```
    and use `transaction.atomic()` in sync functions called with
    `sync_to_async`, or mark each async view `@transaction.non_atomic_requests`.

    ## Django version
    Any version with async views (3.1+).
    """

    code = "DJA707"
    name = "atomic-requests-with-async-views"
    loop_only = False

    @classmethod
    def triggers(cls, project):
        return (b"ATOMIC_REQUESTS",)

    def _report(self, node: cst.CSTNode, alias: str | None) -> None:
        checker = self.checker
        view = first_async_view(checker.project, checker.path)
        if view is None:
            return
        checker.report(self, node,
                       f"`ATOMIC_REQUESTS` on database `{alias or '?'}` in a project with async views "
                       f"(e.g. {view}): every request to an async view raises RuntimeError (You cannot "
                       f"use ATOMIC_REQUESTS with async views); turn it off and use "
                       f"`transaction.atomic()` in sync functions run by `sync_to_async`, or mark the "
                       f"async views `@transaction.non_atomic_requests`",
                       help="turn ATOMIC_REQUESTS off; atomic() in sync functions via sync_to_async")

    def visit_Assign(self, node: cst.Assign) -> None:
        checker = self.checker
        if checker.frame.kind != "module":
            return
        # DATABASES["default"]["ATOMIC_REQUESTS"] = True
        if isinstance(node.value, cst.Name) and node.value.value == "True":
            for target in node.targets:
                t = target.target
                if isinstance(t, cst.Subscript) and _subscript_key(t) == "ATOMIC_REQUESTS" \
                        and isinstance(t.value, cst.Subscript) and dotted_name(t.value.value) == "DATABASES":
                    self._report(node, _subscript_key(t.value))
            return
        if not isinstance(node.value, cst.Dict):
            return
        if not any(isinstance(t.target, cst.Name) and t.target.value == "DATABASES" for t in node.targets):
            return
        for element in node.value.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(element.value, cst.Dict):
                continue
            alias = string_value(element.key) if isinstance(element.key, (cst.SimpleString, cst.ConcatenatedString)) else None
            for entry in element.value.elements:
                if not isinstance(entry, cst.DictElement):
                    continue
                key = string_value(entry.key) if isinstance(entry.key, (cst.SimpleString, cst.ConcatenatedString)) else None
                if key == "ATOMIC_REQUESTS" and isinstance(entry.value, cst.Name) and entry.value.value == "True":
                    self._report(entry, alias)


@register
class SyncToAsyncOnCoroutineFunction(Rule):
    """
    `sync_to_async(f)` where `f` is already a coroutine function.

    ## What it does
    Checks for `sync_to_async(f)` (called or as a decorator) where `f` is an
    `async def` of the project or of the enclosing function, one of Django's
    coroutine functions (`aget_object_or_404`, `alogin`, ...), or a bound async
    method of a queryset or model instance (`Book.objects.filter(...).acount`,
    `book.asave`). A manager's a-methods (`Book.objects.acount`) are sync
    proxies that asgiref accepts, so they are not reported here.

    ## Why is this bad?
    asgiref refuses it when the wrapper is made: `TypeError: sync_to_async can
    only be applied to sync functions.` The function is already awaitable.

    ## Example
    ```python
    async def notify(request):
        post = sync_to_async(apost_message)
        await post("hello")
    ```

    Use instead:
    ```python
    async def notify(request):
        await apost_message("hello")
    ```

    ## Django version
    Any (asgiref).
    """

    code = "DJA710"
    name = "sync-to-async-on-coroutine-function"
    loop_only = False

    @classmethod
    def triggers(cls, project):
        return (b"sync_to_async", b"SyncToAsync")

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        if checker.qualified(node.func) not in SYNC_TO_ASYNC or _is_decorator_expr(checker, node):
            return
        positional = [a for a in node.args if a.keyword is None]
        if not positional:
            return
        target = positional[0].value
        if self._is_coroutine_function(target):
            self._report(node, checker.code_of(target, 40))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        checker = self.checker
        for decorator in node.decorators:
            expr = decorator.decorator
            target = expr.func if isinstance(expr, cst.Call) else expr
            if checker.qualified(target) in SYNC_TO_ASYNC:
                self._report(decorator, node.name.value)

    def _is_coroutine_function(self, func: cst.BaseExpression) -> bool:
        checker = self.checker
        if isinstance(func, cst.Attribute):
            base = checker.type_of(func.value)
            method = func.attr.value
            # A QuerySet's a-methods are coroutine functions; a manager's are sync proxies
            # (``manager_method``) that asgiref accepts, so only querysets count here.
            if base is not None and base.kind == QUERYSET and method in K.QUERYSET_ASYNC_METHODS:
                return True
            if base is not None and base.kind == INSTANCE and method in K.INSTANCE_ASYNC_METHODS:
                return True
        if isinstance(func, cst.Name) and checker.function_frame is not None:
            from asynclint.rules.views import _local_function

            local = _local_function(checker, func.value)
            if local is not None:
                return local.asynchronous is not None and not _has_decorators(local)
            if checker.lookup_local(func.value):
                return False
        dotted = dotted_name(func)
        if dotted is None or checker.lookup_local(dotted.partition(".")[0]):
            return False
        fqn = checker.index.resolve(checker.modname, dotted)
        if fqn in K.KNOWN_COROUTINE_FUNCTIONS:
            return True
        info = checker.index.function(fqn)
        return info is not None and info.is_async and not info.is_generator and not info.decorators

    def _report(self, node: cst.CSTNode, func: str) -> None:
        self.checker.report(
            self, node,
            f"`sync_to_async({func})`: `{func}` is already a coroutine function, so asgiref raises TypeError "
            f"(sync_to_async can only be applied to sync functions); `await {func}(...)` directly",
            help=f"await {func}(...) directly")


def _has_decorators(func: cst.FunctionDef) -> bool:
    return bool(func.decorators)


ASYNCIO_RUN = frozenset({"asyncio.run", "asyncio.runners.run"})
LOOP_GETTERS = frozenset({"asyncio.get_event_loop", "asyncio.get_running_loop"})


@register
class EventLoopRunInCoroutine(Rule):
    """
    `asyncio.run()` or `loop.run_until_complete()` called on a running event loop.

    ## What it does
    Checks for `asyncio.run(...)`, and `run_until_complete(...)` on
    `asyncio.get_event_loop()` / `asyncio.get_running_loop()`, inside an `async
    def` or in sync code the coroutine runs directly.

    ## Why is this bad?
    A thread runs one event loop at a time. On the loop's own thread
    `asyncio.run()` raises `RuntimeError: asyncio.run() cannot be called from a
    running event loop` (and the coroutine it was given is never awaited);
    `run_until_complete()` raises `RuntimeError: This event loop is already
    running`.

    ## Example
    ```python
    async def nightly():
        created = await monthly_invoicing()
        asyncio.run(dunning_run())
    ```

    Use instead:
    ```python
    async def nightly():
        created = await monthly_invoicing()
        await dunning_run()
    ```

    ## Django version
    Any (asyncio).
    """

    code = "DJA711"
    name = "event-loop-run-in-coroutine"

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        if not checker.in_loop:
            return
        func = node.func
        fqn = checker.qualified(func)
        if fqn in ASYNCIO_RUN:
            what, error = "asyncio.run()", "asyncio.run() cannot be called from a running event loop"
        elif (isinstance(func, cst.Attribute) and func.attr.value == "run_until_complete"
              and ((isinstance(func.value, cst.Call) and checker.qualified(func.value.func) in LOOP_GETTERS)
                   or getattr(checker.type_of(func.value), "kind", None) == "event_loop")):
            what, error = f"{checker.code_of(func, 50)}()", "This event loop is already running"
        else:
            return
        arg = checker.code_of(node.args[0].value, 40) if node.args else "..."
        checker.report(self, node,
                       f"`{what}` on a running event loop raises RuntimeError ({error}); `await {arg}` instead",
                       help=f"await {arg}")


def _subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = node.slice[0].slice.value
    return string_value(value) if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)) else None
