"""Runtime proof of the DJA6xx and DJA7xx fixtures under the installed Django.

Function cases go through the shared harness (``runtime_support``): this module
registers the symptoms of the DJA7xx codes whose markers sit in view functions
(an exception raised with a traceback frame at the marked line). Everything the
harness cannot see is proven here:

* class-based views (DJA601-DJA605): each module-level view class of the
  fixture is built with ``as_view()`` and requested through
  ``django.test.AsyncClient`` as a logged-in user. A class marked on its
  ``class`` line or on one of its lines must fail the way its rule says (the
  ``ImproperlyConfigured`` of ``as_view()``, the unawaited-coroutine
  ``ValueError``, the ``TypeError`` of awaiting a response, ...); an unmarked
  class must build and answer without an exception. Two documented exceptions:
  a class without any HTTP handler is an abstract base and is only built, and a
  subclass of a marked class inherits its marker;
* streaming (DJA608, DJA609): the response of an async view is consumed as the
  ASGI handler does (``async for``), a sync view's as WSGI does (``for``), and
  the "must consume synchronous iterators" warning is the symptom;
* ``cache_page`` with the database cache (DJA607) runs under the fixture
  module's own ``CACHES``; ``ATOMIC_REQUESTS`` (DJA707) with the fixture's
  ``DATABASES`` entries; ``thread_sensitive=False`` (DJA703) through the real
  ``ASGIHandler``, where the symptom is a database connection opened on another
  thread than the request's and still open after the request finished;
  ``@transaction.atomic`` (DJA705) by the ``SynchronousOnlyOperation`` raised
  from ``transaction.py``; the per-row hint (DJA709) by counting thread hops at
  the marked line;
* the tables the rules rely on are checked against the installed Django: the
  fallback table of generic views, which decorators break a sync ``dispatch``,
  and that every decorator the version table calls async-aware is so in the
  installed Django.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib
import inspect
import sys
import threading
import types
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pytest

import runtime_support as rs
from fixture_format import RULE_FIXTURES, load

URLCONF = "_asynclint_runtime_views_urls"
SYNC_ITERATOR_WARNING = "StreamingHttpResponse must consume synchronous iterators"


# ----------------------------------------------------------------- shared symptoms

class RaisedAtLine(rs.Symptom):
    """An exception of one of ``kinds`` (type name, message fragment) with a frame at the marked line."""

    def __init__(self, description: str, *kinds: tuple[str, str]) -> None:
        self.description = description
        self.kinds = kinds

    def _raised(self, outcome: rs.Outcome) -> list[rs.RaisedError]:
        return [e for e in outcome.errors
                if any(e.type_name == t and fragment in e.message for t, fragment in self.kinds)]

    def shown_at(self, outcome: rs.Outcome, path: Path) -> set[int]:
        return {f.lineno for e in self._raised(outcome) for f in e.frames if rs._same_file(f.filename, path)}

    def shown_anywhere(self, outcome: rs.Outcome) -> list[str]:
        return [f"{e.type_name}: {e.message}" for e in self._raised(outcome)]


ASYNC_TO_SYNC_ERROR = ("RuntimeError", "You cannot use AsyncToSync in the same thread as an async event loop")
rs.register_symptom("DJA701", RaisedAtLine("RuntimeError (AsyncToSync in the event loop's thread) at the marked line",
                                           ASYNC_TO_SYNC_ERROR))
rs.register_symptom("DJA702", RaisedAtLine(
    "a receiver failing on the loop (AsyncToSync RuntimeError or SynchronousOnlyOperation) at the marked line",
    ASYNC_TO_SYNC_ERROR, ("SynchronousOnlyOperation", "")))
rs.register_symptom("DJA704", RaisedAtLine("SynchronousOnlyOperation at the marked line",
                                           ("SynchronousOnlyOperation", "")))
rs.register_symptom("DJA711", RaisedAtLine(
    "RuntimeError (a loop run from a running loop) at the marked line",
    ("RuntimeError", "cannot be called from a running event loop"), ("RuntimeError", "This event loop is already running")))
rs.register_symptom("DJA710", RaisedAtLine(
    "TypeError (sync_to_async can only be applied to sync functions) at the marked line",
    ("TypeError", "sync_to_async can only be applied to sync functions")))
SELECT_FOR_UPDATE = RaisedAtLine(
    "TransactionManagementError (select_for_update outside a transaction) at the marked line",
    ("TransactionManagementError", "select_for_update cannot be used outside of a transaction"))


def fixture_paths(*prefixes: str) -> list[Path]:
    return sorted(p for p in RULE_FIXTURES.glob("*.py") if p.name.startswith(prefixes))


FUNCTION_CASES = [c for p in fixture_paths("DJA701", "DJA702", "DJA704", "DJA710", "DJA711") for c in rs.collect_cases(p)]


@pytest.fixture(scope="module")
def django_ready():
    rs.ensure_django()
    from django.test.utils import override_settings
    from django.urls import clear_url_caches

    urls = types.ModuleType(URLCONF)
    urls.urlpatterns = []
    sys.modules[URLCONF] = urls
    with override_settings(ROOT_URLCONF=URLCONF):
        clear_url_caches()
        yield urls
    clear_url_caches()


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=[c.id for c in FUNCTION_CASES])
def test_function_cases(case: rs.Case, django_ready) -> None:
    verdict = rs.judge(case)
    if verdict.skipped and verdict.ok:
        pytest.skip(verdict.skipped)
    assert verdict.ok, verdict.report()
    if case.positive:
        assert verdict.proven, verdict.report()


# ------------------------------------------------------ select_for_update (DJA706)

DJA706_CASES = [c for c in rs.collect_cases(RULE_FIXTURES / "DJA706.py") if not c.orphan]


@pytest.mark.parametrize("case", DJA706_CASES, ids=[c.id for c in DJA706_CASES])
def test_select_for_update_outside_a_transaction(case: rs.Case, django_ready, monkeypatch) -> None:
    """SQLite ignores select_for_update() (``has_select_for_update = False``), so the demo
    site cannot show the error. Every backend with row locks (PostgreSQL, MySQL, Oracle)
    says True; with that flag Django's compiler applies its check before any SQL is sent.
    SQLite then rejects the FOR UPDATE clause of a *correct* locked query, so negatives are
    held to "no TransactionManagementError" rather than "no error"."""
    from django.db.backends.sqlite3.features import DatabaseFeatures

    monkeypatch.setattr(DatabaseFeatures, "has_select_for_update", True, raising=False)
    outcome = rs.run_case(case)
    lines = [line for line, codes in case.markers.items() if "DJA706" in codes]
    if lines:
        for line in lines:
            assert line in SELECT_FOR_UPDATE.shown_at(outcome, case.path), rs.judge(case, outcome).report()
    else:
        assert not SELECT_FOR_UPDATE.shown_anywhere(outcome), rs.judge(case, outcome).report()


# ------------------------------------------------------------ class-based views

def _marked_lines(path: Path) -> dict[int, list[str]]:
    markers: dict[int, list[str]] = {}
    for line, code, _ in load(path).expected:
        markers.setdefault(line, []).append(code)
    return markers


def _view_classes(path: Path) -> list[tuple[str, list[str]]]:
    """(class name, codes marked on its lines) for each module-level class of a fixture."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    markers = _marked_lines(path)
    result = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            codes = sorted({c for line in range(first, node.end_lineno + 1) for c in markers.get(line, [])})
            result.append((node.name, codes))
    return result


CBV_CASES = [(path, name, codes) for path in fixture_paths("DJA601", "DJA602", "DJA603", "DJA604", "DJA605", "DJA610")
             for name, codes in _view_classes(path)]


def _handlers(cls) -> list[str]:
    return [m for m in cls.http_method_names if m != "options" and hasattr(cls, m)]


def _route(urls, view, with_pk: bool) -> str:
    from django.urls import clear_url_caches, path

    urls.urlpatterns[:] = [path("v/", view), path("v/<int:pk>/", view)]
    clear_url_caches()
    return "/v/1/" if with_pk else "/v/"


def _wants_pk(cls, method: str) -> bool:
    handler = getattr(cls, method, None)
    if handler is None:
        return False
    params = inspect.signature(handler).parameters.values()
    return any(p.name == "pk" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _request(view_cls, urls, method: str, logged_in: bool = True, **client_kwargs):
    """Request the class as a view; returns (response, exception)."""
    from django.contrib.auth.models import User
    from django.test import AsyncClient

    view = view_cls.as_view()
    url = _route(urls, view, _wants_pk(view_cls, method if hasattr(view_cls, method) else "get"))

    async def go():
        client = AsyncClient(**client_kwargs)
        if logged_in:
            await client.aforce_login(await User.objects.aget(pk=1))
        return await getattr(client, method)(url)

    try:
        return asyncio.run(go()), None
    except Exception as exc:  # noqa: BLE001 - an exception is the observation
        return None, exc
    finally:
        rs._close_connections()


def _first_method(cls) -> str:
    handlers = _handlers(cls)
    return handlers[0] if handlers else "get"


def _disallowed(cls) -> str:
    return next(m for m in ("get", "post", "put", "patch", "delete") if not hasattr(cls, m))


def _exc_text(exc: BaseException | None) -> str:
    return "" if exc is None else f"{type(exc).__name__}: {exc}"


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
@pytest.mark.parametrize("path,name,codes", CBV_CASES, ids=[f"{p.name}::{n}" for p, n, _ in CBV_CASES])
def test_class_based_views(path: Path, name: str, codes: list[str], django_ready) -> None:
    from django.core.exceptions import ImproperlyConfigured, SynchronousOnlyOperation

    rs.reset_data()
    module = rs.import_fixture(path)
    cls = getattr(module, name)
    from django.views import View

    if not (isinstance(cls, type) and issubclass(cls, View)):
        pytest.skip(f"{name} is not a view class")
    if not codes:
        marked_bases = [b.__name__ for b in cls.__mro__[1:]
                        if b.__module__ == module.__name__ and dict(CBV_CASES_BY_NAME.get(path, {})).get(b.__name__)]
        if marked_bases:
            pytest.skip(f"inherits the finding reported on its base {marked_bases[0]}")
        cls.as_view()  # must not raise
        if not _handlers(cls):
            return  # an abstract base: built, not requested
        methods = [_first_method(cls)]
        if "options" in cls.__dict__:
            methods.append("options")
        if "http_method_not_allowed" in cls.__dict__:
            methods.append(_disallowed(cls))
        for method in methods:
            response, exc = _request(cls, django_ready, method)
            assert exc is None, f"negative {name} failed on {method.upper()}: {_exc_text(exc)}"
            assert response.status_code < 500, response
        return

    code = codes[0]
    if code == "DJA601":
        with pytest.raises(ImproperlyConfigured, match="HTTP handlers must either be all sync or all async"):
            cls.as_view()
        return
    assert cls.view_is_async is not None
    if code == "DJA602":
        _, exc = _request(cls, django_ready, _first_method(cls))
        assert isinstance(exc, ValueError) and "unawaited coroutine" in str(exc), _exc_text(exc)
    elif code == "DJA603":
        method = "options" if "options" in cls.__dict__ else _disallowed(cls)
        _, exc = _request(cls, django_ready, method)
        if cls.view_is_async:
            assert isinstance(exc, TypeError) and "can't be used in 'await' expression" in str(exc), _exc_text(exc)
        else:
            assert isinstance(exc, ValueError) and "unawaited coroutine" in str(exc), _exc_text(exc)
    elif code == "DJA604":
        _, exc = _request(cls, django_ready, _first_method(cls))
        assert (isinstance(exc, AttributeError) and "'coroutine' object" in str(exc)) \
            or isinstance(exc, SynchronousOnlyOperation), _exc_text(exc)
    elif code == "DJA605":
        _, exc = _request(cls, django_ready, _first_method(cls))
        assert isinstance(exc, SynchronousOnlyOperation), _exc_text(exc)
        _, exc = _request(cls, django_ready, _first_method(cls), logged_in=False)
        assert isinstance(exc, TypeError) and "can't be used in 'await' expression" in str(exc), _exc_text(exc)
    elif code == "DJA610":
        response, exc = _request(cls, django_ready, _first_method(cls))
        assert isinstance(exc, TypeError) and "can't be used in 'await' expression" in str(exc), \
            _exc_text(exc) or response
    else:  # pragma: no cover - a new code needs its driver here
        pytest.fail(f"no runtime driver for {code}")


CBV_CASES_BY_NAME: dict[Path, dict[str, list[str]]] = {}
for _path, _name, _codes in CBV_CASES:
    CBV_CASES_BY_NAME.setdefault(_path, {})[_name] = _codes


# ------------------------------------------------- project view decorators (DJA606)

DECORATED_CASES = [c for c in rs.collect_cases(RULE_FIXTURES / "DJA606_project.py") if not c.orphan]


@pytest.mark.parametrize("case", DECORATED_CASES, ids=[c.id for c in DECORATED_CASES])
def test_project_decorator_makes_async_view_sync(case: rs.Case, django_ready) -> None:
    """Through Django's request handling (AsyncClient), not by calling the view: only the
    handler's iscoroutinefunction() check shows the problem."""
    from django.test import AsyncClient
    from django.urls import clear_url_caches, path as url

    view = getattr(rs.import_fixture(case.path), case.name)
    django_ready.urlpatterns[:] = [url("d/", view)]
    clear_url_caches()
    rs.reset_data()
    try:
        response = asyncio.run(AsyncClient().get("/d/"))
        exc = None
    except Exception as raised:  # noqa: BLE001
        response, exc = None, raised
    finally:
        rs._close_connections()
    if case.positive:
        assert isinstance(exc, ValueError) and "unawaited coroutine" in str(exc), _exc_text(exc)
    else:
        assert exc is None and response.status_code == 200, _exc_text(exc) or response


# ------------------------------------------------------------------- streaming

def _call_view(case: rs.Case):
    module = rs.import_fixture(case.path)
    view = getattr(module, case.name)
    request = rs.make_request(rs.reset_data())
    if case.is_async:
        return asyncio.run(view(request))
    return view(request)


def _consume(response, is_async: bool) -> list[str]:
    if not response.streaming:
        return []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if is_async:
            async def drain():
                return [chunk async for chunk in response]

            asyncio.run(drain())
        else:
            list(response)
        response.close()
    return [str(w.message) for w in caught]


STREAM_CASES = [c for p in fixture_paths("DJA608", "DJA609") for c in rs.collect_cases(p) if not c.orphan]


@pytest.mark.parametrize("case", STREAM_CASES, ids=[c.id for c in STREAM_CASES])
def test_streaming_is_buffered_under_asgi(case: rs.Case, django_ready) -> None:
    response = _call_view(case)
    try:
        messages = _consume(response, case.is_async)
    finally:
        rs._close_connections()
    buffered = [m for m in messages if SYNC_ITERATOR_WARNING in m]
    if case.positive:
        assert buffered, f"{case.id}: expected the '{SYNC_ITERATOR_WARNING}' warning, got {messages}"
    else:
        assert not buffered, f"{case.id}: negative was buffered: {buffered}"


# ------------------------------------------------------------- cache_page (DJA607)

def test_cache_page_with_database_cache(django_ready) -> None:
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test.utils import override_settings

    path = RULE_FIXTURES / "DJA607.py"
    module = rs.import_fixture(path)
    cases = {c.name: c for c in rs.collect_cases(path) if not c.orphan}
    with override_settings(CACHES=module.CACHES):  # its setting_changed receiver resets the cache handler
        call_command("createcachetable", verbosity=0)
        for case in cases.values():
            case.skip = None  # the shared harness skips catalogue_local for want of these CACHES
            outcome = rs.run_case(case)
            raised = [e for e in outcome.errors if e.type_name == "SynchronousOnlyOperation"]
            if case.positive:
                assert raised and any(f.filename.endswith("cache/backends/db.py") for f in raised[0].frames), \
                    rs.judge(case, outcome).report()
            else:
                assert outcome.error is None, rs.judge(case, outcome).report()
    assert caches["default"].__class__.__name__ != "DatabaseCache"


# ------------------------------------------------------- thread_sensitive (DJA703)

def _asgi_get(path: str, session_key: str) -> int:
    """One GET through Django's real ASGIHandler; returns the status code."""
    from django.conf import settings
    from django.core.handlers.asgi import ASGIHandler

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())],
        "client": ("127.0.0.1", 40000), "server": ("testserver", 80),
    }
    sent: list[dict] = []

    async def run() -> None:
        done = asyncio.Event()
        first = True

        async def receive():
            nonlocal first
            if first:
                first = False
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await ASGIHandler()(scope, receive, send)

    asyncio.run(run())
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


DJA703_CASES = [c for c in rs.collect_cases(RULE_FIXTURES / "DJA703.py") if not c.orphan]


@pytest.mark.parametrize("case", DJA703_CASES, ids=[c.id for c in DJA703_CASES])
def test_thread_insensitive_orm_leaves_a_connection_open(case: rs.Case, django_ready) -> None:
    from asgiref.sync import sync_to_async
    from django.db.backends.signals import connection_created
    from django.urls import path as url

    module = rs.import_fixture(case.path)
    view = getattr(module, case.name)
    request_threads: list[int] = []
    opened: list[tuple[int, object]] = []

    async def wrapped(request):
        # The request's own thread: where every thread-sensitive call of this request runs.
        request_threads.append(await sync_to_async(threading.get_ident)())
        return await view(request)

    def on_connect(sender, connection, **kwargs):
        opened.append((threading.get_ident(), connection))

    django_ready.urlpatterns[:] = [url("case/", wrapped)]
    from django.urls import clear_url_caches

    clear_url_caches()
    session_key = rs.reset_data()
    rs._close_connections()
    connection_created.connect(on_connect)
    try:
        status = _asgi_get("/case/", session_key)
    finally:
        connection_created.disconnect(on_connect)
    assert status == 200, f"{case.id} answered {status}"
    foreign_open = [c for ident, c in opened if ident not in request_threads and c.connection is not None]
    for _, conn in opened:
        with contextlib.suppress(Exception):
            conn.close()  # pragma: no cover - closing from here may be refused for foreign threads
    if case.positive:
        assert foreign_open, f"{case.id}: no connection left open outside the request's thread ({opened})"
    else:
        assert not foreign_open, f"{case.id}: a connection was left open on another thread"


# ----------------------------------------------------------- @atomic (DJA705)

DJA705_CASES = [c for c in rs.collect_cases(RULE_FIXTURES / "DJA705.py") if not c.orphan]


@pytest.mark.parametrize("case", DJA705_CASES, ids=[c.id for c in DJA705_CASES])
def test_atomic_on_coroutine_function(case: rs.Case, django_ready) -> None:
    outcome = rs.run_case(case)
    if case.positive:
        raised = [e for e in outcome.errors if e.type_name == "SynchronousOnlyOperation"]
        assert raised and any(f.filename.endswith("db/transaction.py") for f in raised[0].frames), \
            rs.judge(case, outcome).report()
    else:
        assert outcome.error is None, rs.judge(case, outcome).report()


def test_atomic_on_coroutine_function_without_a_loop_is_not_atomic(django_ready) -> None:
    """Called outside a loop, the transaction closes before the body runs (silently non-atomic)."""
    from django.db import connection, transaction

    seen: list[bool] = []

    @transaction.atomic
    async def body():
        seen.append(connection.in_atomic_block)

    coroutine = body()  # the sync wrapper opened and committed the transaction already
    assert not connection.in_atomic_block
    coroutine.close()
    assert seen == []


# ------------------------------------------------------ ATOMIC_REQUESTS (DJA707)

def _atomic_request_lines(path: Path) -> dict[int, str]:
    """Line -> database alias, for every statement or dict entry of DATABASES that sets ATOMIC_REQUESTS."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[int, str] = {}
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign):
            continue
        target = stmt.targets[0]
        if isinstance(target, ast.Name) and target.id == "DATABASES" and isinstance(stmt.value, ast.Dict):
            for alias, entry in zip(stmt.value.keys, stmt.value.values):
                for key in getattr(entry, "keys", []):
                    if isinstance(key, ast.Constant) and key.value == "ATOMIC_REQUESTS":
                        found[key.lineno] = alias.value
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Subscript):
            found[stmt.lineno] = target.value.slice.value
    return found


def test_atomic_requests_with_async_views(django_ready) -> None:
    """Each database alias of the fixture's DATABASES, with its final ATOMIC_REQUESTS, in front
    of an async view: True raises Django's RuntimeError, False answers; and an alias is True
    exactly when a marked line sets it."""
    from django.db import connections
    from django.http import HttpResponse
    from django.test import AsyncClient
    from django.urls import clear_url_caches, path as url

    path = RULE_FIXTURES / "DJA707.py"
    module = rs.import_fixture(path)
    marked = {line for line, _, _ in load(path).expected}
    setters = _atomic_request_lines(path)

    async def async_view(request):
        return HttpResponse("ok")

    django_ready.urlpatterns[:] = [url("a/", async_view)]
    clear_url_caches()
    settings_dict = connections["default"].settings_dict
    before = settings_dict["ATOMIC_REQUESTS"]
    for alias, entry in module.DATABASES.items():
        settings_dict["ATOMIC_REQUESTS"] = entry["ATOMIC_REQUESTS"]
        try:
            asyncio.run(AsyncClient().get("/a/"))
            raised = None
        except RuntimeError as exc:
            raised = exc
        finally:
            settings_dict["ATOMIC_REQUESTS"] = before
            rs._close_connections()
        if entry["ATOMIC_REQUESTS"]:
            assert raised is not None and "ATOMIC_REQUESTS with async views" in str(raised), (alias, raised)
        else:
            assert raised is None, (alias, raised)
        marked_for_alias = [line for line, a in setters.items() if a == alias and line in marked]
        assert bool(marked_for_alias) == bool(entry["ATOMIC_REQUESTS"]), (alias, marked_for_alias)
    assert marked <= set(setters)


# ------------------------------------------------------------ per-row hint (DJA709)

DJA709_CASES = [c for c in rs.collect_cases(RULE_FIXTURES / "DJA709.py") if not c.orphan]


@pytest.mark.parametrize("case", DJA709_CASES, ids=[c.id for c in DJA709_CASES])
def test_per_row_queries_hop_threads_per_item(case: rs.Case, django_ready) -> None:
    from asgiref.sync import SyncToAsync

    hops: dict[int, int] = {}
    original = SyncToAsync.__call__

    def counting(self, *args, **kwargs):
        frame = sys._getframe(1)
        while frame is not None:
            if rs._same_file(frame.f_code.co_filename, case.path):
                hops[frame.f_lineno] = hops.get(frame.f_lineno, 0) + 1
                break
            frame = frame.f_back
        return original(self, *args, **kwargs)

    SyncToAsync.__call__ = counting
    try:
        outcome = rs.run_case(case)
    finally:
        SyncToAsync.__call__ = original
    assert outcome.error is None, rs.judge(case, outcome).report()
    for line in case.markers:
        assert hops.get(line, 0) >= 2, f"{case.id}: line {line} hopped {hops.get(line, 0)} time(s): {hops}"


# ------------------------------------------------------------ tables vs Django

def test_fallback_table_matches_installed_django() -> None:
    from asynclint.rules._django_classes import FALLBACK_ALIASES, FALLBACK_CLASSES, VIEW, django_index

    dj = django_index()
    assert dj is not None, "the installed Django's source must be readable"
    for fqn, (bases, methods, names) in FALLBACK_CLASSES.items():
        info = dj.class_(fqn)
        assert info is not None, fqn
        assert tuple(dj.canonical(b) for b in info.bases) == bases, fqn
        for method, is_async in methods.items():
            assert method in info.methods and (method in info.async_methods) == is_async, (fqn, method)
        handlers = {m for m in ("get", "post", "put", "patch", "delete", "head", "options", "trace", "dispatch")
                    if m in info.methods}
        assert handlers <= set(methods), (fqn, handlers - set(methods))
        if fqn == VIEW:
            module = importlib.import_module("django.views.generic.base")
            assert tuple(module.View.http_method_names) == names
    for alias, fqn in FALLBACK_ALIASES.items():
        assert dj.canonical(alias) == fqn, alias


def test_fallback_table_gives_the_same_shapes(monkeypatch) -> None:
    from asynclint.index import ProjectIndex
    from asynclint.rules import _django_classes as dc

    names = ["django.views.generic.CreateView", "django.views.generic.UpdateView", "django.views.generic.DeleteView",
             "django.views.generic.FormView", "django.views.generic.RedirectView", "django.views.generic.TemplateView",
             "django.views.generic.ListView", "django.views.generic.DetailView"]
    real = {n: dc.view_shape(dc.ClassWorld(ProjectIndex([])), n, None).handlers for n in names}
    monkeypatch.setattr(dc, "django_index", lambda: None)
    fallback = {n: dc.view_shape(dc.ClassWorld(ProjectIndex([])), n, None).handlers for n in names}
    assert fallback == real


def _decorator_specs():
    """(fqn, decorator object, HTTP method that exercises it, client kwargs)."""
    from django.contrib.admin.views.decorators import staff_member_required
    from django.contrib.auth import decorators as auth
    from django.views.decorators import cache, clickjacking, common, csrf, debug, gzip, http, vary

    vd = "django.views.decorators."
    moment = datetime(2020, 1, 1, tzinfo=timezone.utc)
    return [
        (vd + "cache.cache_page", cache.cache_page(60), "get", {}),
        (vd + "cache.cache_control", cache.cache_control(max_age=60), "get", {}),
        (vd + "cache.never_cache", cache.never_cache, "get", {}),
        (vd + "common.no_append_slash", common.no_append_slash, "get", {}),
        (vd + "csrf.csrf_exempt", csrf.csrf_exempt, "get", {}),
        (vd + "csrf.csrf_protect", csrf.csrf_protect, "post", {"enforce_csrf_checks": True}),
        (vd + "csrf.ensure_csrf_cookie", csrf.ensure_csrf_cookie, "get", {}),
        (vd + "csrf.requires_csrf_token", csrf.requires_csrf_token, "get", {}),
        (vd + "debug.sensitive_variables", debug.sensitive_variables(), "get", {}),
        (vd + "debug.sensitive_post_parameters", debug.sensitive_post_parameters(), "get", {}),
        (vd + "gzip.gzip_page", gzip.gzip_page, "get", {}),
        (vd + "http.conditional_page", http.conditional_page, "get", {}),
        (vd + "http.condition", http.condition(etag_func=lambda r, *a, **k: "v1"), "get", {}),
        (vd + "http.etag", http.etag(lambda r, *a, **k: "v1"), "get", {}),
        (vd + "http.last_modified", http.last_modified(lambda r, *a, **k: moment), "get", {}),
        (vd + "http.require_http_methods", http.require_http_methods(["POST"]), "get", {}),
        (vd + "http.require_GET", http.require_GET, "post", {}),
        (vd + "http.require_POST", http.require_POST, "get", {}),
        (vd + "http.require_safe", http.require_safe, "post", {}),
        (vd + "vary.vary_on_cookie", vary.vary_on_cookie, "get", {}),
        (vd + "vary.vary_on_headers", vary.vary_on_headers("Accept"), "get", {}),
        (vd + "clickjacking.xframe_options_deny", clickjacking.xframe_options_deny, "get", {}),
        (vd + "clickjacking.xframe_options_sameorigin", clickjacking.xframe_options_sameorigin, "get", {}),
        (vd + "clickjacking.xframe_options_exempt", clickjacking.xframe_options_exempt, "get", {}),
        ("django.contrib.auth.decorators.login_required", auth.login_required, "get", {}),
        ("django.contrib.auth.decorators.permission_required", auth.permission_required("shop.view_book"), "get", {}),
        ("django.contrib.auth.decorators.user_passes_test", auth.user_passes_test(lambda u: u.is_staff), "get", {}),
        ("django.contrib.admin.views.decorators.staff_member_required", staff_member_required, "get", {}),
    ]


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
def test_decorator_tables_match_installed_django(django_ready) -> None:
    """Which decorators break a sync dispatch (DJA604), and the version table (DJA606) against 5.2+."""
    import django
    from asgiref.sync import iscoroutinefunction
    from django.http import HttpResponse
    from django.utils.decorators import method_decorator
    from django.views import View

    from asynclint.rules.views import BREAKS_SYNC_DISPATCH, DECORATOR_ASYNC_SINCE

    specs = _decorator_specs()
    assert {fqn for fqn, *_ in specs} == set(DECORATOR_ASYNC_SINCE)
    installed = django.VERSION[:2]
    wrong = []
    for fqn, decorator, method, client_kwargs in specs:
        async def view(request):
            return HttpResponse("ok")

        if DECORATOR_ASYNC_SINCE[fqn] <= installed and not iscoroutinefunction(decorator(view)):
            wrong.append(f"{fqn}: not async-aware in Django {installed}")

        async def handler(self, request, *args, **kwargs):
            return HttpResponse("ok")

        cls = method_decorator(decorator, name="dispatch")(
            type("Probe", (View,), {"get": handler, "post": handler, "__module__": __name__}))
        rs.reset_data()
        _, exc = _request(cls, django_ready, method, **client_kwargs)
        breaks = exc is not None
        if breaks != (fqn in BREAKS_SYNC_DISPATCH):
            wrong.append(f"{fqn}: breaks a sync dispatch={breaks} ({_exc_text(exc)}), table says "
                         f"{fqn in BREAKS_SYNC_DISPATCH}")
    assert not wrong, "\n".join(wrong)


# ------------------------------------------------------- other Django versions

PROBE = r'''
import asyncio, importlib.util, json, os, sys, tempfile, types
demo, rules, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path[:0] = [demo, rules]
os.environ["DEMO_DB"] = os.path.join(tempfile.mkdtemp(), "probe.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "demo.settings"
urls = types.ModuleType("probe_urls"); urls.urlpatterns = []; sys.modules["probe_urls"] = urls
import django
from django.conf import settings
django.setup()
settings.ROOT_URLCONF = "probe_urls"
from django.core.management import call_command
call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
from django.contrib.auth.models import User
from django.test import AsyncClient
from django.urls import clear_url_caches, path
from shop.models import Author, Book
user = User.objects.create(username="alice", is_staff=True, is_superuser=True)
Book.objects.create(title="Earthsea", author=Author.objects.create(name="Le Guin"))
module_spec = importlib.util.spec_from_file_location(spec["module"], spec["fixture"])
module = importlib.util.module_from_spec(module_spec); sys.modules[spec["module"]] = module
module_spec.loader.exec_module(module)
finished = []
try:
    from django.tasks.signals import task_finished
    task_finished.connect(lambda sender, task_result, **kw: finished.append(
        (str(task_result.status), [e.exception_class_path for e in task_result.errors])), weak=False)
except ImportError:
    pass
out = {"version": django.get_version(), "cases": {}}
for case in spec["cases"]:
    obj = getattr(module, case["name"])
    client = AsyncClient()
    client.force_login(user)
    finished.clear()
    try:
        view = obj.as_view() if isinstance(obj, type) else obj
        urls.urlpatterns[:] = [path("probe/", view), path("probe/<int:pk>/", view)]
        clear_url_caches()
        url = "/probe/1/" if case.get("pk") else "/probe/"
        response = asyncio.run(getattr(client, case.get("method", "get"))(url))
        error = None if response.status_code < 500 else f"status {response.status_code}"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    out["cases"][case["name"]] = {"error": error, "tasks": list(finished)}
print(json.dumps(out))
'''


def _other_djangos() -> dict[tuple[int, int], str]:
    """Interpreters with another Django, from ASYNCLINT_OTHER_DJANGOS (os.pathsep-separated)."""
    import os
    import subprocess

    found: dict[tuple[int, int], str] = {}
    for python in filter(None, os.environ.get("ASYNCLINT_OTHER_DJANGOS", "").split(os.pathsep)):
        try:
            proc = subprocess.run([python, "-c", "import django; print(*django.VERSION[:2])"],
                                  capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        if proc.returncode == 0:
            major, minor = proc.stdout.split()
            found[(int(major), int(minor))] = python
    return found


def _probe(python: str, fixture: Path, cases: list[dict]) -> dict:
    import json
    import subprocess

    spec = {"fixture": str(fixture), "module": fixture.stem, "cases": cases}
    proc = subprocess.run([python, "-c", PROBE, str(rs.DEMO_PROJECT), str(RULE_FIXTURES), json.dumps(spec)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fixture_cases(path: Path) -> list[dict]:
    """Every module-level function and class of a fixture, with whether it is marked."""
    markers = _marked_lines(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    cases = []
    for node in tree.body:
        is_view = isinstance(node, ast.ClassDef) or (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.args
            and node.args.args[0].arg == "request")
        if is_view and not node.name.startswith("_"):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            marked = any(line in markers for line in range(first, node.end_lineno + 1))
            method, pk = "get", False
            if isinstance(node, ast.ClassDef):
                defs = {n.name: n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
                handlers = [m for m in ("get", "post", "put", "patch", "delete") if m in defs]
                method = handlers[0] if handlers else "get"
                if "options" in defs:
                    method = "options"
                elif "http_method_not_allowed" in defs:
                    method = next(m for m in ("get", "post", "put", "patch", "delete") if m not in defs)
                handler = defs.get(handlers[0]) if handlers else None
                pk = handler is not None and any(a.arg == "pk" for a in handler.args.args) or (
                    handler is not None and handler.args.kwarg is not None)
                if not handlers and not node.bases:
                    continue
            cases.append({"name": node.name, "method": method, "marked": marked, "pk": pk,
                          "handlers": bool(handlers) if isinstance(node, ast.ClassDef) else True})
    return cases


VERSION_FIXTURES = [(path, load(path).options.get("target-django")) for path in fixture_paths("DJA606")
                    if load(path).options.get("target-django")]


@pytest.mark.parametrize("path,target", VERSION_FIXTURES, ids=[p.name for p, _ in VERSION_FIXTURES])
def test_version_dependent_decorators_under_their_django(path: Path, target: str) -> None:
    """DJA606 fixtures that set target-django run under that Django (when one is provided):
    marked views fail (unawaited-coroutine ValueError or an AttributeError on the coroutine),
    unmarked ones answer."""
    version = tuple(int(p) for p in target.split("."))
    python = _other_djangos().get(version)
    if python is None:
        pytest.skip(f"{path.name} targets Django {target}; set ASYNCLINT_OTHER_DJANGOS to a Python with that "
                    f"Django installed to run it (the installed Django has async-aware decorators)")
    cases = _fixture_cases(path)
    result = _probe(python, path, cases)
    assert result["version"].startswith(target)
    for case in cases:
        error = result["cases"][case["name"]]["error"]
        if case["marked"]:
            assert error and ("unawaited coroutine" in error or "'coroutine' object" in error), (case, error)
        else:
            assert error is None, (case, error)


def test_task_enqueue_under_django_6() -> None:
    """DJA708 needs django.tasks (6.0): with the default ImmediateBackend, enqueue() on the
    loop runs the task inline, where it fails; the failure is recorded on the result."""
    python = next((p for v, p in sorted(_other_djangos().items()) if v >= (6, 0)), None)
    if python is None:
        pytest.skip("DJA708: django.tasks exists from Django 6.0; set ASYNCLINT_OTHER_DJANGOS to a Python with "
                    "Django 6 to run the fixture")
    path = RULE_FIXTURES / "DJA708.py"
    cases = _fixture_cases(path)
    result = _probe(python, path, cases)
    for case in cases:
        outcome = result["cases"][case["name"]]
        if case["marked"] and outcome["error"] is not None:
            # call() of an async task raises right there instead of recording a result
            assert "You cannot use AsyncToSync in the same thread as an async event loop" in outcome["error"], \
                (case, outcome)
            continue
        assert outcome["error"] is None, (case, outcome)
        if case["marked"]:
            assert outcome["tasks"] and all(status.endswith("FAILED") for status, _ in outcome["tasks"]), (case, outcome)
            errors = [e for _, errs in outcome["tasks"] for e in errs]
            assert any(e.endswith(("SynchronousOnlyOperation", "RuntimeError")) for e in errors), (case, outcome)
        elif outcome["tasks"]:
            assert all(status.endswith("SUCCESSFUL") for status, _ in outcome["tasks"]), (case, outcome)


# ------------------------------------------------ static: settings of which project

def test_settings_count_only_for_their_own_django_project(tmp_path: Path) -> None:
    """Two Django projects in one repository: the database cache of one does not make
    `@cache_page` in the other a finding, and ATOMIC_REQUESTS of a project without async
    views is fine even when a neighbouring project has some."""
    from asynclint.config import load_settings
    from asynclint.engine import lint_path
    from asynclint.project import Project

    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    view = ("from django.http import HttpResponse\nfrom django.views.decorators.cache import cache_page\n\n\n"
            "@cache_page(60)\nasync def page(request):\n    return HttpResponse('ok')\n")
    for name, backend, atomic, views in (
        ("shop", "django.core.cache.backends.db.DatabaseCache", "False", view),
        ("blog", "django.core.cache.backends.locmem.LocMemCache", "False", view),
        ("ledger", "django.core.cache.backends.locmem.LocMemCache", "True",
         "def page(request):\n    return None\n"),
    ):
        site = tmp_path / name
        (site / "site").mkdir(parents=True)
        (site / "manage.py").write_text("")
        (site / "site" / "__init__.py").write_text("")
        (site / "site" / "settings.py").write_text(
            f"CACHES = {{'default': {{'BACKEND': '{backend}'}}}}\n"
            f"DATABASES = {{\n    'default': {{\n        'ENGINE': 'x',\n        'ATOMIC_REQUESTS': {atomic},\n    }},\n}}\n")
        (site / "views.py").write_text(views)
    project = Project(load_settings(tmp_path, select=("DJA607", "DJA707")))
    found = {(Path(d.path).parent.name, Path(d.path).name, d.code)
             for name in ("shop", "blog", "ledger")
             for path in (tmp_path / name / "views.py", tmp_path / name / "site" / "settings.py")
             for d in lint_path(path, project)}
    assert found == {("shop", "views.py", "DJA607")}


CBV_FIXTURES = fixture_paths("DJA601", "DJA602", "DJA603", "DJA604", "DJA605", "DJA610")


@pytest.mark.parametrize("path", CBV_FIXTURES, ids=[p.name for p in CBV_FIXTURES])
def test_class_based_views_under_newer_django(path: Path) -> None:
    """The class-based-view fixtures describe Django 5.2 and later: under a newer Django
    (when one is provided) every marked class still fails and every unmarked class with
    its own HTTP handlers still answers."""
    newer = [(v, p) for v, p in sorted(_other_djangos().items()) if v > (5, 2)]
    if not newer:
        pytest.skip("set ASYNCLINT_OTHER_DJANGOS to a Python with a Django newer than 5.2 to run this")
    cases = [c for c in _fixture_cases(path) if c["handlers"]]
    for version, python in newer:
        result = _probe(python, path, cases)
        for case in cases:
            error = result["cases"][case["name"]]["error"]
            if case["marked"]:
                assert error, (version, case)
            else:
                assert error is None, (version, case, error)


def test_every_transaction_call_in_the_table_raises_on_the_loop(django_ready) -> None:
    """DJA704's list, checked one by one: each call raises SynchronousOnlyOperation in a coroutine."""
    from django.core.exceptions import SynchronousOnlyOperation
    from django.db import transaction

    from asynclint.rules.bridges import TRANSACTION, TRANSACTION_CALLS

    calls = {
        "atomic": lambda: transaction.atomic().__enter__(),
        "on_commit": lambda: transaction.on_commit(lambda: None),
        "savepoint": transaction.savepoint,
        "savepoint_commit": lambda: transaction.savepoint_commit("s1"),
        "savepoint_rollback": lambda: transaction.savepoint_rollback("s1"),
        "clean_savepoints": transaction.clean_savepoints,
        "commit": transaction.commit,
        "rollback": transaction.rollback,
        "set_autocommit": lambda: transaction.set_autocommit(True),
        "get_autocommit": transaction.get_autocommit,
    }
    assert {TRANSACTION + name for name in calls} == set(TRANSACTION_CALLS)
    rs._close_connections()
    for name, call in calls.items():
        async def on_the_loop():
            call()

        with pytest.raises(SynchronousOnlyOperation):
            asyncio.run(on_the_loop())


def test_named_django_objects_exist(django_ready) -> None:
    """Every Django name the DJA6/DJA7 tables use exists in the installed Django and is what
    the rule takes it for (signals are Signal instances, responses are classes, ...)."""
    from django.dispatch import Signal

    from asynclint.rules import bridges, views

    def resolve(fqn: str):
        module, _, name = fqn.rpartition(".")
        return getattr(importlib.import_module(module), name)

    for fqn in bridges.BUILTIN_SIGNALS:
        assert isinstance(resolve(fqn), Signal), fqn
    for fqn in bridges.SIGNAL_CLASSES:
        assert issubclass(resolve(fqn), Signal), fqn
    for fqn in (*views.STREAMING_RESPONSE, *views.FILE_RESPONSE, *views.AUTH_MIXINS, views.DATABASE_CACHE,
                *bridges.ASYNC_TO_SYNC, *bridges.SYNC_TO_ASYNC, *bridges.TRANSACTION_CALLS):
        assert resolve(fqn) is not None, fqn
