"""DJA1xx: sync database access on the event loop.

Django's connection methods are ``@async_unsafe``: any query made on the thread
that runs the event loop raises ``SynchronousOnlyOperation``. These rules find
the ORM calls that make one, and name the async twin (or ``sync_to_async``).
"""

from __future__ import annotations

import libcst as cst

from asynclint import knowledge as K
from asynclint.checker import relation_loaded
from asynclint.registry import Rule, register
from asynclint.semantic import (
    INSTANCE, ITERATOR, MANAGER, MODELFORM, PAGINATOR, QUERYSET, RELATED_MANAGER,
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
        if not is_queryset_like(base):
            return
        if base.kind == RELATED_MANAGER and method in ("create", "get_or_create", "update_or_create") and False:
            return
        if method == "delete" and base.kind == MANAGER:
            return  # Model.objects.delete does not exist; not our finding
        twin, since = K.QUERYSET_SQL_METHODS[method]
        if method == "delete" and base.kind == QUERYSET:
            twin_text = f"await {_receiver(checker, func)}.adelete()"
        else:
            twin_text = f"await {_receiver(checker, func)}.{twin}(...)"
        call = f"{_receiver(checker, func)}.{method}()"
        cure = checker.cure(since, f"use `{twin_text}`", f"wrap it: `await sync_to_async({_receiver(checker, func)}.{method})(...)`")
        checker.report(self, node, f"`{call}` runs a query: it {RAISES}; {cure}",
                       help=cure, what=f"{call}")


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
            return None
        if t.kind in (QUERYSET, RELATED_MANAGER) or t.kind == ITERATOR:
            return t
        return None

    def _report(self, node: cst.CSTNode, qs_node: cst.CSTNode, how: str, cure_code: str) -> None:
        checker = self.checker
        text = checker.code_of(qs_node, 40)
        cure = checker.cure(self.cure_since, cure_code.format(qs=text),
                            f"evaluate it in a thread: `await sync_to_async(list)({text})`")
        checker.report(self, node, f"{how} `{text}` runs its query: it {RAISES}; {cure}",
                       help=cure, what=f"{how} {text}")

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is None and self._qs(node.iter):
            self._report(node.iter, node.iter, "iterating", "use `async for ... in {qs}`")

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is None and self._qs(node.iter):
            self._report(node.iter, node.iter, "iterating", "use an async comprehension: `[... async for x in {qs}]`")

    def visit_Call(self, node: cst.Call) -> None:
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

    def visit_YieldFrom(self, node) -> None:
        pass


def _offloaded_target(checker) -> bool:
    return False


__all__ = ["SyncQuerySetMethodInAsyncFunction", "QuerySetEvaluatedInAsyncFunction", "dotted_name",
           "INSTANCE", "PAGINATOR", "MODELFORM", "REQUEST", "SESSION", "USER", "relation_loaded"]
