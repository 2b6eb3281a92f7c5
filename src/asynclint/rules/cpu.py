"""DJA4xx: CPU-bound work on the event loop.

A coroutine only gives the loop back at an ``await``. A loop of a million
iterations with no ``await`` in it, or one password hash (PBKDF2 with 1,000,000
iterations in Django 5.2), holds the event loop for as long as it computes:
every other request on the worker waits. These rules find loops whose trip
count is known to be large or unbounded, and the well-known CPU-heavy calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import libcst as cst

from asynclint.registry import register
from asynclint.rules.blocking import CPU, HelperEffectRule, Names, NameTrackingRule, int_value
from asynclint.semantic import INSTANCE, MANAGER, USER

if TYPE_CHECKING:
    from asynclint.checker import Checker

INF = float("inf")
LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
USER_MODELS = frozenset({
    "django.contrib.auth.models.User", "django.contrib.auth.models.AbstractUser",
    "django.contrib.auth.base_user.AbstractBaseUser", "django.contrib.auth.models.AbstractBaseUser",
})
INTS_KEY = "DJA4-ints"
PASSWORD_METHODS = ("set_password", "check_password")
CREATE_USER_METHODS = ("acreate_user", "acreate_superuser")


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node below ``node`` in the same scope (nested defs, lambdas, classes skipped)."""
    stack = list(node.children)
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, SCOPES):
            stack.extend(current.children)


def _loop_body(loop: cst.CSTNode) -> list[cst.CSTNode]:
    """The parts of a loop that run on every iteration."""
    if isinstance(loop, (cst.For, cst.While)):
        parts: list[cst.CSTNode] = [loop.body]
        if isinstance(loop, cst.While):
            parts.append(loop.test)
        return parts
    if isinstance(loop, cst.DictComp):
        return [loop.key, loop.value, loop.for_in]
    return [loop.elt, loop.for_in]  # type: ignore[attr-defined]


def yields_control(loop: cst.CSTNode, in_async_generator: bool) -> bool:
    """Does an iteration of ``loop`` give the event loop back (await, async for/with, yield)?"""
    for part in _loop_body(loop):
        nodes = [part, *_walk(part)]
        for node in nodes:
            if isinstance(node, cst.Await):
                return True
            if isinstance(node, (cst.For, cst.With, cst.CompFor)) and node.asynchronous is not None:
                return True
            if in_async_generator and isinstance(node, cst.Yield):
                return True
    return False


def _inner_loops(loop: cst.CSTNode) -> list[cst.CSTNode]:
    """Loops directly nested in ``loop`` (not inside another nested loop or scope)."""
    found = []
    if isinstance(loop, COMPREHENSIONS):
        # The comprehension's own `for ... if ...` clauses are part of this loop, not nested ones.
        if isinstance(loop, cst.DictComp):
            stack: list[cst.CSTNode] = [loop.key, loop.value]
        else:
            stack = [loop.elt]  # type: ignore[attr-defined]
        clause = loop.for_in  # type: ignore[attr-defined]
        while clause is not None:
            stack.extend(clause.ifs)
            clause = clause.inner_for_in
    else:
        stack = _loop_body(loop)
    while stack:
        current = stack.pop()
        if isinstance(current, LOOPS):
            found.append(current)
        elif not isinstance(current, SCOPES):
            stack.extend(current.children)
    return found


def _is_truthy_constant(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return test.evaluated_value != 0
    return False


class LoopFacts:
    """How many times a loop runs, as far as the code says."""

    def __init__(self, own: float | None, text: str, unbounded_reason: str = "") -> None:
        self.own = own  # None: unknown
        self.text = text
        self.unbounded_reason = unbounded_reason


@register
class LargeLoopWithoutAwaitInAsyncFunction(NameTrackingRule):
    """
    A loop with a large or unbounded trip count and no `await`, in a coroutine.

    ## What it does
    Checks, in async code, for `for` loops and comprehensions whose trip count
    is known and above `loop-threshold` (default 100,000): `range()` with a
    literal, arithmetic or module-constant bound, nested loops multiplying
    (`range(1000)` inside `range(1000)`), and `itertools.count()`; for
    `while True:` loops; and for busy-wait loops (`while not done: pass`, a
    condition nothing in the body can change). A loop whose body awaits (or
    uses `async for` / `async with`) is not reported, and neither is a loop over
    a list in memory or a `while` whose condition the body updates: their trip
    count is unknown. In sync functions only bounded loops above the threshold
    are recorded, for DJA404.

    ## Why is this bad?
    A coroutine only gives the event loop back at an `await`. A loop that
    computes for a second without one freezes every other request, timeout
    and heartbeat on the worker for that second.

    ## Example
    ```python
    async def report(request):
        total = 0
        for n in range(5_000_000):
            total += n * n
    ```

    Use instead:
    ```python
    async def report(request):
        total = await asyncio.to_thread(sum_of_squares, 5_000_000)
    ```

    ## Django version
    Any Django with async views. `sync_to_async(f, thread_sensitive=False)`
    also runs `f` off the loop.
    """

    code = "DJA401"
    name = "large-loop-without-await-in-async-function"
    effect = "cpu"

    def __init__(self, checker: "Checker") -> None:
        super().__init__(checker)
        self.threshold = checker.settings.loop_threshold
        #: (loop node, frame, reported)
        self.stack: list[list] = []

    # -- local integer constants ---------------------------------------------------

    def leave_Assign(self, node: cst.Assign) -> None:
        super().leave_Assign(node)
        frame = self.checker.frame
        if frame.kind not in ("function", "lambda"):
            return
        ints = frame.state.setdefault(INTS_KEY, {})
        value = int_value(node.value, self.int_name)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                if value is None:
                    ints.pop(target.target.value, None)  # type: ignore[union-attr]
                else:
                    ints[target.target.value] = value  # type: ignore[index]

    def int_name(self, name: str) -> int | None:
        for frame in reversed(self.checker.frames):
            if frame.kind in ("function", "lambda"):
                ints = frame.state.get(INTS_KEY)
                if ints and name in ints:
                    return ints[name]  # type: ignore[index]
        if self.names.lookup(name) is not None:
            return None  # a local of unknown value
        return self.names.module_constants().get(name)

    # -- trip counts -----------------------------------------------------------------

    def _iter_facts(self, iterable: cst.BaseExpression) -> LoopFacts:
        text = self.checker.code_of(iterable, 40)
        if isinstance(iterable, cst.Call):
            fqn = self.names.callee(iterable.func)
            args = [a for a in iterable.args if a.keyword is None and not a.star]
            if fqn == "builtins.range" and 1 <= len(args) <= 3 and len(args) == len(iterable.args):
                values = [int_value(a.value, self.int_name) for a in args]
                if any(v is None for v in values):
                    return LoopFacts(None, text)
                start, stop, step = (0, values[0], 1) if len(values) == 1 else (
                    values[0], values[1], values[2] if len(values) == 3 else 1)
                if not step:
                    return LoopFacts(None, text)
                count = max(0, -((start - stop) // step)) if step > 0 else max(0, -((stop - start) // -step))
                return LoopFacts(count, text)
            if fqn == "itertools.count":
                return LoopFacts(INF, text, "`itertools.count()` never ends")
        if isinstance(iterable, (cst.List, cst.Tuple, cst.Set)):
            return LoopFacts(len(iterable.elements), text)
        return LoopFacts(None, text)

    def facts(self, loop: cst.CSTNode) -> LoopFacts:
        if isinstance(loop, cst.For):
            return self._iter_facts(loop.iter)
        if isinstance(loop, cst.While):
            text = f"while {self.checker.code_of(loop.test, 40)}"
            if _is_truthy_constant(loop.test):
                return LoopFacts(INF, text, f"`{text}` runs until it breaks")
            if self._busy_wait(loop):
                return LoopFacts(INF, text, f"`{text}` spins: nothing in its body can change the condition")
            return LoopFacts(None, text)
        # comprehensions: the product of their `for` clauses
        total: float | None = None
        clause = loop.for_in  # type: ignore[attr-defined]
        texts = []
        while clause is not None:
            if clause.asynchronous is None:
                facts = self._iter_facts(clause.iter)
                texts.append(facts.text)
                if facts.own is not None:
                    total = facts.own * (total if total is not None else 1)
            clause = clause.inner_for_in
        return LoopFacts(total, " x ".join(texts))

    def _busy_wait(self, loop: cst.While) -> bool:
        """A `while cond:` whose body has no call and touches no name of the condition."""
        cond_names = {n.value for n in [loop.test, *_walk(loop.test)] if isinstance(n, cst.Name)}
        if not cond_names:
            return False
        for node in _walk(loop.body):
            if isinstance(node, (cst.Call, SCOPES)):
                return False
            if isinstance(node, cst.Name) and node.value in cond_names:
                return False
        return True

    def work(self, loop: cst.CSTNode) -> float:
        own = self.facts(loop).own
        inner = [self.work(child) for child in _inner_loops(loop)]
        return (own if own is not None else 1) * max([1, *inner])

    # -- the walk --------------------------------------------------------------------

    def _enter(self, node: cst.CSTNode) -> None:
        checker = self.checker
        frame = checker.frame
        entry = [node, frame, False]
        self.stack.append(entry)
        if any(e[2] and e[1] is frame for e in self.stack[:-1]):
            return  # an enclosing loop was reported
        if isinstance(node, (cst.For, cst.While)) and node is not None and getattr(node, "asynchronous", None):
            return
        facts = self.facts(node)
        if facts.own is None:
            return
        function = checker.function_frame
        in_async_generator = bool(function is not None and function.is_async and _has_yield(function.node))
        if yields_control(node, in_async_generator):
            return
        total = self.work(node)
        unbounded = total == INF
        if not checker.in_loop and (unbounded or not isinstance(node, (cst.For, *COMPREHENSIONS))):
            return  # in sync code only bounded loops are recorded
        if not unbounded and total <= self.threshold:
            return
        entry[2] = True
        self._report(node, facts, total)

    def _report(self, node: cst.CSTNode, facts: LoopFacts, total: float) -> None:
        kind = "loop" if isinstance(node, (cst.For, cst.While)) else "comprehension"
        if total == INF:
            why = facts.unbounded_reason or f"`{facts.text}` never ends"
            problem = f"{why}, with no `await` in it: the event loop is blocked for as long as it runs"
            cure = ("await in the loop (e.g. `await asyncio.sleep(...)` while polling) or run it in a thread: "
                    "`await asyncio.to_thread(...)`")
        else:
            problem = (f"{kind} over `{facts.text}` runs about {int(total):,} iterations without an `await` "
                       f"(loop-threshold {self.threshold:,}): the event loop is blocked until it finishes")
            cure = ("run it in a thread: `await asyncio.to_thread(...)` or "
                    "`await sync_to_async(..., thread_sensitive=False)(...)`")
        self.checker.report(self, node, f"{problem}; {cure}", help=cure, what=f"{kind} over {facts.text}")

    def _leave(self, node: cst.CSTNode) -> None:
        if self.stack and self.stack[-1][0] is node:
            self.stack.pop()

    def visit_For(self, node: cst.For) -> None:
        super().visit_For(node)
        self._enter(node)

    def leave_For(self, node: cst.For) -> None:
        self._leave(node)

    def visit_While(self, node: cst.While) -> None:
        self._enter(node)

    def leave_While(self, node: cst.While) -> None:
        self._leave(node)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._enter(node)

    def leave_ListComp(self, node: cst.ListComp) -> None:
        self._leave(node)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._enter(node)

    def leave_SetComp(self, node: cst.SetComp) -> None:
        self._leave(node)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._enter(node)

    def leave_DictComp(self, node: cst.DictComp) -> None:
        self._leave(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._enter(node)

    def leave_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._leave(node)


def _has_yield(function: cst.CSTNode) -> bool:
    return any(isinstance(n, cst.Yield) for n in _walk(function))


def is_user_manager(checker: "Checker", node: cst.BaseExpression) -> bool:
    """Is ``node`` the manager of a user model (``User.objects``)?"""
    t = checker.type_of(node)
    return t is not None and t.kind == MANAGER and bool(t.model) and (
        t.model in USER_MODELS or checker.index.inherits(t.model, USER_MODELS))


def _password_given(call: cst.Call) -> bool:
    """``acreate_user(username, email, password)`` with a password that is not None."""
    value = None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if len(positional) >= 3:
        value = positional[2].value
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "password":
            value = arg.value
    return value is not None and not (isinstance(value, cst.Name) and value.value == "None")


def _first_arg_is_none(call: cst.Call) -> bool:
    args = [a for a in call.args if a.keyword is None and not a.star]
    if args:
        value = args[0].value
    else:
        value = next((a.value for a in call.args if a.keyword is not None
                      and a.keyword.value in ("password", "raw_password")), None)
    return isinstance(value, cst.Name) and value.value == "None"


def is_user(checker: "Checker", node: cst.BaseExpression) -> bool:
    """Is ``node`` a user instance (``request.user``, ``await request.auser()``, a User)?"""
    if Names.of(checker).kind_of(node) == "django.contrib.auth.user":
        return True
    t = checker.type_of(node)
    if t is None:
        return False
    if t.kind in (USER, "user_object"):
        return True
    return t.kind == INSTANCE and bool(t.model) and (
        t.model in USER_MODELS or checker.index.inherits(t.model, USER_MODELS))


@register
class PasswordHashingInAsyncFunction(NameTrackingRule):
    """
    Password hashing or key derivation on the event loop.

    ## What it does
    Checks, in async code, for `make_password`, `check_password`,
    `user.set_password()`, `user.check_password()`, `hashlib.pbkdf2_hmac`,
    `hashlib.scrypt`, `bcrypt.hashpw` / `checkpw` / `kdf`, `scrypt.hash`,
    argon2 hashing (`PasswordHasher().hash/verify`, `argon2.low_level`), and
    `await User.objects.acreate_user(..., password=...)`, which hashes the
    password with `make_password()` on the loop before its async save.

    ## Why is this bad?
    Password hashers are slow on purpose: Django 5.2's PBKDF2 runs 1,000,000
    iterations, a few hundred milliseconds of CPU. On the event loop that is a
    few hundred milliseconds in which no other request is served, per login.

    ## Example
    ```python
    async def signup(request):
        user = User(username=name)
        user.set_password(password)
        await user.asave()
    ```

    Use instead:
    ```python
    async def signup(request):
        user = User(username=name)
        await asyncio.to_thread(user.set_password, password)
        await user.asave()
    ```

    ## Django version
    `make_password` and `set_password` have no async twin. `acheck_password`
    exists since 5.0 but only runs the hasher off the loop from Django 6.0;
    before that use `sync_to_async(user.check_password, thread_sensitive=False)`.
    `acreate_user` / `acreate_superuser` (5.2) hash on the loop in 5.2, 6.0
    and 6.1 (read in their source): hash first in a thread, then `acreate()`.
    """

    code = "DJA402"
    name = "password-hashing-in-async-function"
    effect = "cpu"
    cure_since = (6, 0)

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        func = node.func
        hit = self.names.hit(node)
        if hit is not None and hit.category == CPU:
            what, method, receiver = hit.what, hit.method, None
        elif isinstance(func, cst.Attribute) and func.attr.value in PASSWORD_METHODS \
                and is_user(checker, func.value):
            receiver = checker.code_of(func.value, 30)
            method = func.attr.value
            what = f"{receiver}.{method}()"
        elif isinstance(func, cst.Attribute) and func.attr.value in CREATE_USER_METHODS \
                and checker.in_loop and _password_given(node) and is_user_manager(checker, func.value):
            what = f"{checker.code_of(func, 40)}()"
            cure = ("hash in a thread, then create: `password = await asyncio.to_thread(make_password, raw)` and "
                    "`await User.objects.acreate(username=..., password=password)`")
            checker.report(self, node, f"`{what}` runs `make_password()` on the event loop before it saves (the "
                                       f"`a` prefix only covers the query; Django 5.2-6.1): the loop is blocked for "
                                       f"the length of a hash; {cure}", help=cure, what=what)
            return
        else:
            return
        if method in ("make_password", "check_password", "set_password") and _first_arg_is_none(node):
            return  # no password: Django returns an unusable one (or False) without hashing
        callable_text = checker.code_of(func, 40)
        thread = (f"run it in a thread: `await asyncio.to_thread({callable_text}, ...)` or "
                  f"`await sync_to_async({callable_text}, thread_sensitive=False)(...)`")
        if method == "check_password" and (receiver is not None or hit.fqn.startswith("django.")):
            twin = f"{receiver}.acheck_password" if receiver is not None else "acheck_password"
            if checker.settings.target_django is None:
                cure = (f"on Django 6.0+ use `await {twin}(...)` (in 5.0-5.2 it still hashes on the loop); "
                        f"before 6.0 {thread}")
            else:
                cure = checker.cure(self.cure_since, f"use `await {twin}(...)`", thread)
        else:
            cure = thread
        checker.report(self, node, f"`{what}` hashes a password on the event loop: the loop is blocked for the "
                                   f"hundreds of milliseconds the hash takes by design; {cure}",
                       help=cure, what=what)


@register
class AsyncPasswordCheckHashesOnLoop(NameTrackingRule):
    """
    `acheck_password()` / `aauthenticate()` on a Django version where they hash on the loop.

    ## What it does
    Only when `target-django` is set: on 5.0, 5.1 or 5.2 checks for `await
    user.acheck_password(...)`, `hashers.acheck_password(...)` and
    `aauthenticate(...)`; on 6.0 for `aauthenticate(...)` only. With no
    `target-django`, or 6.1 and later, nothing is reported.

    ## Why is this bad?
    In Django 5.0-5.2 `acheck_password` is a coroutine that runs the password
    hasher (PBKDF2, 1,000,000 iterations in 5.2) directly on the event-loop
    thread, and `ModelBackend.aauthenticate` calls it, or for an unknown
    username runs `set_password` inline to equalize timing. The `a` prefix
    suggests it is safe; it blocks the loop for the length of a hash, on every
    login attempt. Django 6.0 moved `acheck_password`'s hashing to a thread, but
    6.0's `ModelBackend.aauthenticate` still calls `set_password` on the loop
    for unknown usernames (read in the 6.0.10 source); 6.1 offloads that too.

    ## Example
    ```python
    async def login_view(request):
        user = await aauthenticate(request, username=name, password=password)
    ```

    Use instead (on 5.x and 6.0):
    ```python
    async def login_view(request):
        user = await sync_to_async(authenticate, thread_sensitive=False)(
            request, username=name, password=password)
    ```

    ## Django version
    `acheck_password`: affects 5.0-5.2, fixed in 6.0. `aauthenticate`: affects
    5.0-5.2 (every login) and 6.0 (unknown usernames), fixed in 6.1.
    """

    code = "DJA403"
    name = "async-password-check-hashes-on-loop"

    def visit_Call(self, node: cst.Call) -> None:
        checker = self.checker
        target = checker.settings.target_django
        if target is None or not (5, 0) <= target <= (6, 0):
            return
        func = node.func
        fqn = self.names.callee(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        version = f"{target[0]}.{target[1]}"
        thread = "`await sync_to_async(authenticate, thread_sensitive=False)(request, **credentials)`"
        if fqn == "django.contrib.auth.aauthenticate":
            what = f"{checker.code_of(func, 40)}()"
            if target >= (6, 0):
                detail = (f"hashes a password on the event-loop thread in Django {version} when the username is "
                          f"unknown (ModelBackend runs `set_password()` inline to equalize timing; fixed in 6.1)")
                cure = f"upgrade to Django 6.1, or authenticate in a thread: {thread}"
            else:
                detail = (f"checks the password on the event-loop thread in Django {version} (for an unknown "
                          f"username it hashes one; 5.0-5.2, fixed in 6.0/6.1)")
                cure = f"authenticate in a thread: {thread}"
        elif target <= (5, 2) and (fqn == "django.contrib.auth.hashers.acheck_password" or (
                isinstance(func, cst.Attribute) and func.attr.value == "acheck_password"
                and fqn is None and is_user(checker, func.value))):
            what = f"{checker.code_of(func, 40)}()"
            sync = (f"{checker.code_of(func.value, 30)}.check_password" if isinstance(func, cst.Attribute)
                    and fqn is None else "check_password")
            detail = f"runs the password hasher on the event-loop thread in Django {version} (5.0-5.2; fixed in 6.0)"
            cure = (f"upgrade to Django 6.0, or check in a thread: "
                    f"`await sync_to_async({sync}, thread_sensitive=False)(...)`")
        else:
            return
        checker.report(self, node, f"`{what}` {detail}: the loop is blocked for the length of a hash; {cure}",
                       help=cure, what=what)


@register
class CpuBoundHelperCalledFromAsyncFunction(HelperEffectRule):
    """
    A project function that does CPU-bound work, called directly from async code.

    ## What it does
    Checks for calls from async code to a sync function or method of the
    project that hashes a password or runs a loop above `loop-threshold`
    (DJA401/DJA402 in a sync function), directly or through the functions it
    calls. The message gives the path, e.g.
    `views.py:9 -> accounts.py:4 create_account -> make_password()`.

    ## Why is this bad?
    The helper runs on the event loop's thread, so its computation blocks the
    loop as if it were written in the coroutine.

    ## Example
    ```python
    async def signup(request):
        account = create_account(name, password)   # create_account() calls make_password()
    ```

    Use instead:
    ```python
    async def signup(request):
        account = await sync_to_async(create_account, thread_sensitive=False)(name, password)
    ```

    ## Django version
    Any Django with async views.
    """

    code = "DJA404"
    name = "cpu-bound-helper-called-from-async-function"
    family = "cpu"

    def is_direct(self, node: cst.Call) -> bool:
        func = node.func
        return super().is_direct(node) or (
            isinstance(func, cst.Attribute) and func.attr.value in PASSWORD_METHODS
            and is_user(self.checker, func.value))

    def cure_text(self, name: str) -> str:
        return (f"run it in a thread: `await asyncio.to_thread({name}, ...)` or "
                f"`await sync_to_async({name}, thread_sensitive=False)(...)`")

    def message(self, name: str, path: str, cure: str) -> str:
        return f"`{name}()` does CPU-bound work on the event loop ({path}); {cure}"


__all__ = ["LargeLoopWithoutAwaitInAsyncFunction", "PasswordHashingInAsyncFunction",
           "AsyncPasswordCheckHashesOnLoop", "CpuBoundHelperCalledFromAsyncFunction"]
