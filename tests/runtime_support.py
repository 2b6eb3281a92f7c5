"""Run rule fixtures under Django and check that their markers show a real symptom.

Every fixture module under ``fixtures/rules`` is imported for real under the demo
site (``fixtures/demo_project/demo/settings.py``, sqlite in a temporary file named
by ``DEMO_DB``, tables made with ``migrate --run-syncdb``, seed data reloaded before
each case).  Every top-level public function *defined* in the module (its name does
not start with ``_`` and it is not imported) is a **case**, called like a view:

* the parameter named ``request`` gets a request built as Django's ASGI handler
  would build it: an ``AsyncRequestFactory`` request carrying the cookie of a saved
  database session of a logged-in user, with ``request.session``, the lazy
  ``request.user`` and ``request.auser`` set by the real ``SessionMiddleware`` and
  ``AuthenticationMiddleware`` (built outside any event loop);
* every other parameter must have a default (``*args`` / ``**kwargs`` are fine);
* ``async def`` cases (and objects Django/asgiref mark as coroutine functions) run in
  a fresh event loop; sync cases run directly, outside any loop;
* an unrendered ``TemplateResponse`` that a case returns is rendered as the handler
  renders it: in a thread (``sync_to_async``) for an async case, directly for a
  sync one; a streaming response's body is consumed as the handler consumes it
  (``async for`` on the loop for an async case, ``for`` for a sync one).

A case whose body, or the body of a module-level function it calls by name,
carries ``# expect:`` markers is a **positive**: each marked line must show the
symptom of each code marked on it.  A case without markers is a **negative**: it
must show no registered symptom and raise nothing.  A def line may carry
``# runtime: skip <reason>`` to exempt a case; the reason is shown in the skip.
``# runtime: requires channels`` on a def line skips the case (saying so) when that
module cannot be imported; the fixture module must then import it lazily or guarded.

Symptoms
--------
``SYMPTOMS`` maps a code prefix to a :class:`Symptom`; a code uses the longest
registered prefix that starts it.  A symptom answers two questions about an
:class:`Outcome` (what happened when the case ran):

* ``shown_at(outcome, path) -> set[int]``: the fixture lines at which it showed;
* ``shown_anywhere(outcome) -> list[str]``: descriptions of every occurrence (a
  negative must have none).

It may also override ``watch(run)``, a context manager entered around the call
(``run.loop`` is the fresh event loop of an async case, ``None`` for a sync case;
``run.data`` is a dict the symptom may fill and later read from
``outcome.data``), to instrument the run, e.g. start a heartbeat task on the loop.

Registered here:

* ``"DJA1"`` (:class:`SynchronousOnly`): a ``SynchronousOnlyOperation`` whose stack
  has a frame at the marked line (for a helper-call finding the marked line is the
  call site, which is on the stack too); one the case catches itself still counts;
* ``"DJA2"`` (:class:`NeverAwaited`): a ``RuntimeWarning`` "coroutine ... was never
  awaited" whose coroutine origin (``sys.set_coroutine_origin_tracking_depth``)
  includes the marked line.

Other families register theirs with ``register_symptom("DJA3", MySymptom())``
(a stalled heartbeat, a logged middleware adaptation, ``ImproperlyConfigured``,
...), in a ``tests/test_runtime_*.py`` module: :func:`load_symptom_plugins` imports
those, so ``tests/test_runtime.py`` judges their codes even when run alone.  A
marked code without a registered symptom is not runtime-checked: the case is
skipped with a reason naming the missing checker, never silently passed.  Markers
outside every case (and every helper a case calls) make a failing pseudo-case
``<markers outside any case>`` when their family has a symptom: nothing could
prove them.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import gc
import importlib
import importlib.util
import inspect
import os
import re
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

from fixture_format import EXPECT_RE, FIXTURES, RULE_FIXTURES, all_fixtures

DEMO_PROJECT = FIXTURES / "demo_project"
SKIP_RE = re.compile(r"#\s*runtime:\s*skip\b\s*(?P<reason>.*)$")
REQUIRES_RE = re.compile(r"#\s*runtime:\s*requires\s+(?P<modules>[\w.]+(?:\s*,\s*[\w.]+)*)")
ORIGIN_DEPTH = 64


# --------------------------------------------------------------------------- cases

@dataclass
class Case:
    path: Path
    name: str
    lineno: int                     # the def line
    is_async: bool
    #: marked line -> codes marked on it, for lines of this case and the helpers it calls
    markers: dict[int, tuple[str, ...]] = field(default_factory=dict)
    skip: str | None = None
    requires: tuple[str, ...] = ()
    params: tuple[str, ...] = ()    # parameters without default (besides request)
    request_param: str | None = None
    request_positional: bool = False
    #: set for the pseudo-case that holds markers outside every case
    orphan: bool = False

    @property
    def id(self) -> str:
        return f"{self.path.name}::{self.name}"

    @property
    def positive(self) -> bool:
        return bool(self.markers)


def _markers(lines: list[str]) -> dict[int, tuple[str, ...]]:
    found: dict[int, tuple[str, ...]] = {}
    for number, line in enumerate(lines, start=1):
        match = EXPECT_RE.search(line)
        if match:
            found[number] = tuple(item.strip().partition(":")[0] for item in match.group("codes").split(","))
    return found


def _used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _called_names(node: ast.AST) -> set[str]:
    return {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _span(node: ast.AST) -> range:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return range(first, node.end_lineno + 1)


def collect_cases(path: Path) -> list[Case]:
    """The cases of one fixture module, found statically (no import, no Django)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        case = Case(path, "<module>", 1, False, orphan=True)
        case.skip = f"not importable Python ({exc.msg} at line {exc.lineno}); nothing to run"
        return [case]
    markers = _markers(lines)
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}

    # Lines exempted by `# runtime: skip` on any def (cases, methods, helpers).
    skipped_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and SKIP_RE.search(lines[node.lineno - 1]):
            skipped_lines.update(_span(node))

    def reach(name: str) -> set[str]:
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in functions:
                continue
            seen.add(current)
            todo.extend(_called_names(functions[current]))
        return seen

    cases: list[Case] = []
    covered: set[int] = set()
    for name, node in functions.items():
        if name.startswith("_"):
            continue
        case = Case(path, name, node.lineno, isinstance(node, ast.AsyncFunctionDef))
        skip = SKIP_RE.search(lines[node.lineno - 1])
        if skip:
            case.skip = skip.group("reason").strip() or "marked `# runtime: skip` without a reason"
        requires = REQUIRES_RE.search(lines[node.lineno - 1])
        if requires:
            case.requires = tuple(m.strip() for m in requires.group("modules").split(","))
        for fname in sorted(reach(name)):
            for line in _span(functions[fname]):
                if line in markers:
                    case.markers[line] = markers[line]
            # A module-level class the case uses (`BookView.as_view()(request)`) runs there too.
            for cname in sorted(_used_names(functions[fname]) & set(classes)):
                for line in _span(classes[cname]):
                    if line in markers:
                        case.markers[line] = markers[line]
        covered.update(case.markers)
        args = node.args
        positional = args.posonlyargs + args.args
        pos_defaults = len(args.defaults)
        required = [a.arg for a in positional[: len(positional) - pos_defaults]]
        required += [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
        if "request" in required:
            case.request_param = "request"
            case.request_positional = bool(positional) and positional[0].arg == "request"
            required.remove("request")
        elif any(a.arg == "request" for a in positional + args.kwonlyargs):
            case.request_param = "request"
        case.params = tuple(required)
        cases.append(case)

    orphans = {line: codes for line, codes in markers.items() if line not in covered and line not in skipped_lines}
    if orphans:
        case = Case(path, "<markers outside any case>", min(orphans), False, markers=orphans, orphan=True)
        cases.append(case)
    return cases


def all_cases() -> list[Case]:
    return [case for path in all_fixtures() for case in collect_cases(path)]


# ------------------------------------------------------------------------ outcome

@dataclass
class Frame:
    filename: str
    lineno: int
    name: str


@dataclass
class RaisedError:
    type_name: str
    qualname: str
    message: str
    frames: list[Frame]


@dataclass
class CaughtWarning:
    category: str
    message: str
    #: frames parsed from "Coroutine created at" (never-awaited warnings)
    origin: list[Frame]


@dataclass
class Outcome:
    case: Case
    error: RaisedError | None = None
    #: every exception in the chain / group of ``error`` (itself included)
    errors: list[RaisedError] = field(default_factory=list)
    warnings: list[CaughtWarning] = field(default_factory=list)
    seconds: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Run:
    case: Case
    loop: asyncio.AbstractEventLoop | None
    data: dict[str, Any] = field(default_factory=dict)


def _same_file(filename: str, path: Path) -> bool:
    try:
        return Path(filename).resolve() == path.resolve()
    except (OSError, ValueError):
        return False


def _flatten(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.append(current.__cause__)
        todo.append(current.__context__)
        todo.extend(getattr(current, "exceptions", ()) or ())


def _describe(exc: BaseException) -> RaisedError:
    frames = [Frame(f.filename, f.lineno or 0, f.name) for f in traceback.extract_tb(exc.__traceback__)]
    cls = type(exc)
    return RaisedError(cls.__name__, f"{cls.__module__}.{cls.__qualname__}", str(exc)[:500], frames)


ORIGIN_RE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<name>\S+)')


def _warning(w: warnings.WarningMessage) -> CaughtWarning:
    text = str(w.message)
    origin = [Frame(m.group("file"), int(m.group("line")), m.group("name")) for m in ORIGIN_RE.finditer(text)]
    return CaughtWarning(w.category.__name__, text, origin)


# ----------------------------------------------------------------------- symptoms

class Symptom:
    """A runtime symptom of a code family; see the module docstring."""

    #: what a positive must show, for messages
    description = ""

    def watch(self, run: Run) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()

    def shown_at(self, outcome: Outcome, path: Path) -> set[int]:
        raise NotImplementedError

    def shown_anywhere(self, outcome: Outcome) -> list[str]:
        raise NotImplementedError


class SynchronousOnly(Symptom):
    """``SynchronousOnlyOperation``: raised out of the case, or created and swallowed in it.

    ``watch`` records the stack of every ``SynchronousOnlyOperation`` created during
    the run, so a view that catches broad exceptions still shows the symptom (and a
    negative cannot hide one in ``except Exception``).
    """

    description = "SynchronousOnlyOperation raised with a traceback frame at the marked line"
    QUALNAME = "django.core.exceptions.SynchronousOnlyOperation"

    @contextlib.contextmanager
    def watch(self, run: Run) -> Iterator[None]:
        from django.core.exceptions import SynchronousOnlyOperation

        created = run.data.setdefault("synchronous_only", [])
        original = SynchronousOnlyOperation.__init__

        def recording_init(exc, *args, **kwargs):
            original(exc, *args, **kwargs)
            frames = [Frame(f.filename, f.lineno or 0, f.name) for f in traceback.extract_stack()[:-1]]
            created.append(RaisedError("SynchronousOnlyOperation", self.QUALNAME, str(exc)[:500], frames))

        SynchronousOnlyOperation.__init__ = recording_init
        try:
            yield
        finally:
            SynchronousOnlyOperation.__init__ = original

    def _raised(self, outcome: Outcome) -> list[RaisedError]:
        raised = [e for e in outcome.errors if e.qualname == self.QUALNAME]
        return raised + list(outcome.data.get("synchronous_only", ()))

    def shown_at(self, outcome: Outcome, path: Path) -> set[int]:
        return {f.lineno for e in self._raised(outcome) for f in e.frames if _same_file(f.filename, path)}

    def shown_anywhere(self, outcome: Outcome) -> list[str]:
        raised = [e for e in outcome.errors if e.qualname == self.QUALNAME]
        created = outcome.data.get("synchronous_only", ())
        found = [f"SynchronousOnlyOperation: {e.message}" for e in raised]
        if created and not raised:
            lines = sorted({f.lineno for e in created for f in e.frames if _same_file(f.filename, outcome.case.path)})
            found.append(f"SynchronousOnlyOperation created and caught in the case (lines {lines}): {created[0].message}")
        return found


class NeverAwaited(Symptom):
    description = "a 'coroutine ... was never awaited' RuntimeWarning whose origin includes the marked line"

    def _found(self, outcome: Outcome) -> list[CaughtWarning]:
        return [w for w in outcome.warnings if w.category == "RuntimeWarning" and "was never awaited" in w.message]

    def shown_at(self, outcome: Outcome, path: Path) -> set[int]:
        return {f.lineno for w in self._found(outcome) for f in w.origin if _same_file(f.filename, path)}

    def shown_anywhere(self, outcome: Outcome) -> list[str]:
        return [w.message.splitlines()[0] + (f" (created at line {w.origin[-1].lineno})" if w.origin else "")
                for w in self._found(outcome)]


SYMPTOMS: dict[str, Symptom] = {}


def register_symptom(prefix: str, symptom: Symptom) -> None:
    SYMPTOMS[prefix] = symptom


register_symptom("DJA1", SynchronousOnly())
register_symptom("DJA2", NeverAwaited())


def load_symptom_plugins() -> dict[str, str]:
    """Import the test modules that register symptoms (``register_symptom(`` in their text).

    Families keep their symptom next to their own runtime tests
    (``tests/test_runtime_*.py``); importing them here lets ``tests/test_runtime.py``
    judge every family even when it runs alone. Returns {module: error} for the
    ones that failed to import.
    """
    failed: dict[str, str] = {}
    here = Path(__file__).resolve().parent
    for path in sorted(here.glob("test_runtime_*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "register_symptom(" not in text:
            continue
        try:
            importlib.import_module(path.stem)
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            failed[path.stem] = f"{type(exc).__name__}: {exc}"
    return failed


def symptom_for(code: str) -> tuple[str, Symptom] | None:
    best = max((p for p in SYMPTOMS if code.startswith(p)), key=len, default=None)
    return (best, SYMPTOMS[best]) if best else None


# ------------------------------------------------------------------------- django

_READY = False
_PASSWORD_HASH: str | None = None  # hashing is slow on purpose: do it once
_TMPDIR: tempfile.TemporaryDirectory | None = None


def ensure_django() -> None:
    """Configure Django once per process for the demo site, with a throw-away sqlite file."""
    global _READY, _TMPDIR
    if _READY:
        return
    for folder in (DEMO_PROJECT, RULE_FIXTURES):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    from django.conf import settings

    if settings.configured:
        if "shop" not in settings.INSTALLED_APPS:
            raise RuntimeError("Django is already configured without the demo site; the runtime fixtures need demo.settings")
        if not os.environ.get("DEMO_DB"):
            raise RuntimeError("Django was configured before the runtime harness without DEMO_DB: refusing to wipe "
                               "the demo project's own database")
    else:
        # Always a fresh file: every case wipes and reloads the tables.
        _TMPDIR = tempfile.TemporaryDirectory(prefix="asynclint-runtime-")
        os.environ["DEMO_DB"] = str(Path(_TMPDIR.name) / "demo.sqlite3")
        os.environ["DJANGO_SETTINGS_MODULE"] = "demo.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from django.db.backends.signals import connection_created

    def fast_sqlite(sender, connection, **kwargs):
        # A throw-away database: no fsync per commit (the per-case reload stays cheap).
        if connection.vendor == "sqlite" and _TMPDIR is not None:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")

    connection_created.connect(fast_sqlite, weak=False)
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    _READY = True
    reset_data()


def reset_data() -> str:
    """Reload the seed data (fixed primary keys) and return a fresh logged-in session key."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction

    from shop import models as m

    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        from django.contrib.auth.hashers import make_password

        _PASSWORD_HASH = make_password("wonderland")
    from django.apps import apps
    from django.db import connection

    tables = [model._meta.db_table for model in apps.get_app_config("shop").get_models(include_auto_created=True)]
    tables += [Session._meta.db_table, User.groups.through._meta.db_table,
               User.user_permissions.through._meta.db_table, User._meta.db_table]
    with transaction.atomic():
        # Foreign keys are deferred on sqlite: the order of the deletes does not matter.
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        user = User(pk=1, username="alice", email="alice@example.com", first_name="Alice", is_staff=True)
        user.password = _PASSWORD_HASH
        user.save()
        User.objects.create(pk=2, username="bob", email="bob@example.com")
        m.Publisher.objects.bulk_create([m.Publisher(pk=1, name="Penguin", city="London"),
                                         m.Publisher(pk=2, name="Faber", city="London")])
        m.Author.objects.bulk_create([m.Author(pk=1, name="Ursula K. Le Guin", publisher_id=1),
                                      m.Author(pk=2, name="Italo Calvino", publisher_id=2),
                                      m.Author(pk=3, name="Anonymous", publisher_id=None)])
        m.Tag.objects.bulk_create([m.Tag(pk=1, name="fantasy"), m.Tag(pk=2, name="classic"), m.Tag(pk=3, name="essay")])
        m.Book.objects.bulk_create([
            m.Book(pk=1, title="A Wizard of Earthsea", pages=183, published=True, author_id=1),
            m.Book(pk=2, title="The Dispossessed", pages=387, published=True, author_id=1),
            m.Book(pk=3, title="Invisible Cities", pages=165, published=True, author_id=2),
            m.Book(pk=4, title="Unfinished Draft", pages=12, published=False, author_id=3),
        ])
        m.Book.tags.through.objects.bulk_create([
            m.Book.tags.through(book_id=1, tag_id=1), m.Book.tags.through(book_id=1, tag_id=2),
            m.Book.tags.through(book_id=2, tag_id=2), m.Book.tags.through(book_id=3, tag_id=2),
        ])
        m.Review.objects.bulk_create([m.Review(pk=1, book_id=1, stars=5, body="Timeless."),
                                      m.Review(pk=2, book_id=1, stars=4, body="Short and deep."),
                                      m.Review(pk=3, book_id=3, stars=5, body="Dreamlike.")])
        m.Order.objects.bulk_create([m.Order(pk=1, book_id=1, quantity=2, paid=True),
                                     m.Order(pk=2, book_id=3, quantity=1, paid=False)])
        m.Profile.objects.create(pk=1, user=user, favourite_id=1)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store["cart"] = [1, 3]
        store.save()
    return store.session_key


def make_request(session_key: str, path: str = "/"):
    """An ASGI request as the handler and the session/auth middleware leave it (no DB touched)."""
    from django.conf import settings
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import AsyncRequestFactory

    factory = AsyncRequestFactory()
    factory.cookies[settings.SESSION_COOKIE_NAME] = session_key
    request = factory.get(path)

    def no_response(request):  # never called: only process_request is used
        raise AssertionError

    SessionMiddleware(no_response).process_request(request)
    AuthenticationMiddleware(no_response).process_request(request)
    return request


def _close_connections() -> None:
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()


# ------------------------------------------------------------------------ running

def import_fixture(path: Path) -> ModuleType:
    """Import a fixture module under its own name (files outside fixtures/rules get a private one)."""
    if path.parent.resolve() == RULE_FIXTURES.resolve():
        return importlib.import_module(path.stem)
    name = f"_asynclint_runtime_{abs(hash(str(path)))}_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _is_async(case: Case, obj: Callable) -> bool:
    if case.is_async or inspect.iscoroutinefunction(obj):
        return True
    try:
        from asgiref.sync import iscoroutinefunction
    except ImportError:  # pragma: no cover - asgiref always comes with Django
        return False
    return iscoroutinefunction(obj)


def _is_template_response(result: Any) -> bool:
    return callable(getattr(result, "render", None)) and getattr(result, "is_rendered", True) is False


def run_case(case: Case) -> Outcome:
    """Call one case as a view and record what happened."""
    ensure_django()
    outcome = Outcome(case)
    session_key = reset_data()
    try:
        module = import_fixture(case.path)
    except Exception as raised:  # noqa: BLE001 - a broken fixture is reported, not crashed on
        outcome.errors = [_describe(e) for e in _flatten(raised)]
        outcome.error = outcome.errors[0]
        outcome.data["import_failed"] = True
        return outcome
    obj = getattr(module, case.name, None)
    if not callable(obj):
        outcome.error = RaisedError("HarnessError", "HarnessError", f"{case.name} is not a callable of {case.path.name}", [])
        outcome.errors = [outcome.error]
        return outcome
    request = make_request(session_key)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if case.request_param:
        if case.request_positional:
            args.append(request)
        else:
            kwargs[case.request_param] = request
    asynchronous = _is_async(case, obj)
    run = Run(case, None)

    async def drive():
        result = obj(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        if _is_template_response(result):
            # As BaseHandler._get_response_async does.
            from asgiref.sync import sync_to_async

            await sync_to_async(result.render, thread_sensitive=True)()
        if getattr(result, "streaming", False):
            # As ASGIHandler.send_response does: the body is iterated on the loop
            # (Django hands a sync iterator to a thread, with a warning).
            async for _ in aiter(result):
                pass

    def call() -> None:
        result = obj(*args, **kwargs)
        if _is_template_response(result):
            result.render()
        if getattr(result, "streaming", False):
            for _ in result:
                pass

    previous_depth = sys.get_coroutine_origin_tracking_depth()
    sys.set_coroutine_origin_tracking_depth(ORIGIN_DEPTH)
    exc: BaseException | None = None
    # Everything alive now is the harness's: freeze it so the collection after the
    # run only scans what the case made (a full collection of a big session is slow).
    gc.freeze()
    started = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if asynchronous:
                    # A fresh loop, closed as asyncio.run closes it: leftover tasks are
                    # cancelled, async generators and the default executor shut down.
                    with asyncio.Runner() as runner:
                        run.loop = runner.get_loop()
                        with contextlib.ExitStack() as stack:
                            for symptom in SYMPTOMS.values():
                                stack.enter_context(symptom.watch(run))
                            runner.run(drive())
                else:
                    with contextlib.ExitStack() as stack:
                        for symptom in SYMPTOMS.values():
                            stack.enter_context(symptom.watch(run))
                        call()
            except KeyboardInterrupt:
                raise
            except BaseException as raised:  # noqa: BLE001 - anything a case raises is an observation
                exc = raised
            if exc is not None:
                outcome.errors = [_describe(e) for e in _flatten(exc)]
                outcome.error = outcome.errors[0]
            # Drop every reference to the frames so unawaited coroutines are collected
            # (and warn) now, inside catch_warnings.
            exc = None
            request = args = kwargs = run.loop = None  # noqa: F841
            # A recorded warning keeps its ``source`` (the coroutine) alive, and that
            # coroutine may hold others (``wait_for(notify())``): record, drop, collect
            # again until nothing new warns.
            for _ in range(10):
                gc.collect()
                if not caught:
                    break
                outcome.warnings += [_warning(w) for w in caught]
                del caught[:]
            gc.unfreeze()
            outcome.seconds = time.perf_counter() - started
    finally:
        gc.unfreeze()  # (again, if the run itself failed)
        sys.set_coroutine_origin_tracking_depth(previous_depth)
        _close_connections()
    outcome.data = run.data
    return outcome


# ------------------------------------------------------------------------ verdict

@dataclass
class Verdict:
    case: Case
    ok: bool
    skipped: str | None = None
    problems: list[str] = field(default_factory=list)
    proven: list[tuple[int, str]] = field(default_factory=list)
    outcome: Outcome | None = None

    def report(self) -> str:
        lines = [f"{self.case.id} ({'positive' if self.case.positive else 'negative'})"]
        lines += [f"  - {p}" for p in self.problems]
        if self.outcome is not None:
            if self.outcome.error is not None:
                e = self.outcome.error
                lines.append(f"  raised {e.qualname}: {e.message}")
                lines += [f"    at {Path(f.filename).name}:{f.lineno} in {f.name}" for f in e.frames[-8:]]
            for w in self.outcome.warnings:
                lines.append(f"  warning {w.category}: {w.message.splitlines()[0]}")
        return "\n".join(lines)


def judge(case: Case, outcome: Outcome | None = None) -> Verdict:
    """Run a case (unless ``outcome`` is given) and decide whether its markers are proven."""
    if case.skip:
        return Verdict(case, True, skipped=case.skip)
    missing = [name for name in case.requires if importlib.util.find_spec(name.split(".")[0]) is None]
    if missing:
        return Verdict(case, True, skipped=f"needs {', '.join(missing)}, which is not installed")
    lines = case.path.read_text(encoding="utf-8", errors="replace").splitlines()

    def src(line: int) -> str:
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""

    checkable: dict[int, list[tuple[str, str, Symptom]]] = {}
    unchecked: list[str] = []
    for line, codes in sorted(case.markers.items()):
        for code in codes:
            found = symptom_for(code)
            if found is None:
                unchecked.append(f"{code} at line {line}")
            else:
                checkable.setdefault(line, []).append((code, found[0], found[1]))
    if case.orphan:
        if not checkable:
            return Verdict(case, True, skipped=f"markers outside any case, and no runtime symptom checker registered for "
                                               f"{', '.join(unchecked)}")
        problems = [f"line {line}: `# expect: {code}` is not inside any case function (nor a module-level helper a case "
                    f"calls), so no run can prove it   | {src(line)}"
                    for line, items in checkable.items() for code, _, _ in items]
        return Verdict(case, False, problems=problems)
    if case.params:
        return Verdict(case, False, problems=[f"cannot call it like a view: parameter(s) {', '.join(case.params)} "
                                              f"have no default"])
    if case.positive and not checkable:
        return Verdict(case, True, skipped="no runtime symptom checker registered for "
                                           + ", ".join(unchecked) + " (register one in tests/runtime_support.py)")

    if outcome is None:
        outcome = run_case(case)
    verdict = Verdict(case, True, outcome=outcome)
    if outcome.data.get("import_failed"):
        verdict.problems.append(f"importing {case.path.name} failed: {outcome.error.qualname}: {outcome.error.message}")
    elif case.positive:
        for line, items in checkable.items():
            for code, prefix, symptom in items:
                if line in symptom.shown_at(outcome, case.path):
                    verdict.proven.append((line, code))
                else:
                    verdict.problems.append(f"line {line}: `# expect: {code}` not proven: expected {symptom.description} "
                                            f"({prefix} symptom)   | {src(line)}")
    else:
        for prefix, symptom in SYMPTOMS.items():
            for occurrence in symptom.shown_anywhere(outcome):
                verdict.problems.append(f"negative case shows the {prefix} symptom: {occurrence}")
        if outcome.error is not None and not verdict.problems:
            verdict.problems.append(f"negative case raised {outcome.error.qualname}: {outcome.error.message}")
    verdict.ok = not verdict.problems
    if verdict.ok and unchecked:
        verdict.skipped = ("proved " + ", ".join(f"{c} at line {ln}" for ln, c in verdict.proven)
                           + "; no runtime symptom checker registered for " + ", ".join(unchecked))
    return verdict
