"""Runtime proof of the DJA5xx (middleware) fixtures under Django's real handlers.

Settings fixtures are the ``fixtures/rules`` modules that assign ``MIDDLEWARE``.
For each of them asynclint runs (DJA5 selected), the module is imported, and its
``MIDDLEWARE`` list is loaded by Django itself (``ASGIHandler`` /
``WSGIHandler`` under ``override_settings(MIDDLEWARE=..., DEBUG=True)``), with the
``django.request`` logger captured at DEBUG:

* DJA501: ``load_middleware`` logs ``Asynchronous handler adapted for middleware
  <path>.`` for a sync-running middleware above an async handler. With several
  sync-only entries only the lowest one logs (the ones above sit on a sync
  handler already), so the proof is: (a) the full list logs only reported
  entries, and does log when something is reported; (b) every reported entry,
  with the other reported entries removed, logs exactly itself; (c) without the
  reported entries nothing is adapted at all (nothing sync-only was missed).
  Settings asynclint does not consider ASGI are loaded by ``WSGIHandler``: no
  adaptation, a request is served.
* DJA504 / DJA505: every reported entry makes the handler fail on its own
  (``ImportError``; ``RuntimeError`` "must have at least one of
  sync_capable/async_capable set to True"); every unreported entry loads.
* DJA502 / DJA503 / DJA506 / DJA507: every middleware class (or factory) of
  ``DJA502.py`` / ``DJA503.py`` / ``DJA506.py`` / ``DJA507.py`` serves a request
  through ``ASGIHandler`` (fake ASGI ``receive`` / ``send``); those with a finding
  fail with the documented error, the others answer 200 (a DJA506 class used by
  no ASGI stack is served by ``WSGIHandler``; DJA507 is run under both).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import gc
import inspect
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import runtime_support as rs
from asynclint.config import load_settings
from asynclint.engine import lint_path
from asynclint.project import Project
from fixture_format import FIXTURES, RULE_FIXTURES

ADAPTED_RE = re.compile(r"^Asynchronous handler adapted for middleware (?P<path>.+)\.$")
URLCONF = "mw_support.urls"


def _assigns_middleware(path: Path) -> bool:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, ValueError, OSError):
        return False
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == "MIDDLEWARE" for t in targets):
            return True
    return False


SETTINGS_FIXTURES = [p for p in sorted(RULE_FIXTURES.glob("*.py")) if _assigns_middleware(p)]


def _lint(path: Path):
    project = Project(load_settings(FIXTURES, select=("DJA5",)))
    return project, lint_path(path, project)


def _reported_entries(path: Path, code: str) -> set[str]:
    """The MIDDLEWARE strings asynclint reports ``code`` on (by their source position)."""
    _, diagnostics = _lint(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    strings = {(n.lineno, n.col_offset + 1): n.value for n in ast.walk(tree)
               if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    found = set()
    for d in diagnostics:
        if d.code == code:
            assert (d.line, d.col) in strings, f"{code} at {d.line}:{d.col} is not on a string literal"
            found.add(strings[(d.line, d.col)])
    return found


@pytest.fixture(scope="module")
def django_ready() -> None:
    rs.ensure_django()


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Loaded:
    adapted: list[str] = field(default_factory=list)
    #: what was raised out of the handler, then every exception logged by Django: (type, message)
    errors: list[tuple[type, str]] = field(default_factory=list)
    raised: type | None = None
    #: Django's decision for each MIDDLEWARE entry, top first: does it run async?
    runs_async: list[bool] = field(default_factory=list)
    status: int | None = None
    warnings: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _captured():
    logger = logging.getLogger("django.request")
    capture = _Capture()
    old_level = logger.level
    logger.addHandler(capture)
    logger.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        logger.removeHandler(capture)
        logger.setLevel(old_level)


async def _asgi_get(app, path: str = "/") -> list[dict]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 4321), "server": ("testserver", 80),
    }
    pending = [{"type": "http.request", "body": b"", "more_body": False}]
    sent: list[dict] = []

    async def receive():
        if pending:
            return pending.pop(0)
        await asyncio.Event().wait()  # the client never disconnects

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


def load(middleware: list[str], *, asgi: bool = True, request: bool = False) -> Loaded:
    """Build Django's handler for ``middleware`` (and serve one GET if asked)."""
    from django.core.handlers.asgi import ASGIHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    result = Loaded()
    with _captured() as capture, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with override_settings(MIDDLEWARE=list(middleware), DEBUG=True, ROOT_URLCONF=URLCONF):
            try:
                base = ASGIHandler if asgi else WSGIHandler
                decisions: list[bool] = []

                class Recording(base):
                    """Records the mode load_middleware picks for each middleware (its first argument)."""

                    def adapt_method_mode(self, is_async, method, method_is_async=None, debug=False, name=None):
                        if name and name.startswith("middleware "):
                            decisions.append(is_async)
                        return super().adapt_method_mode(is_async, method, method_is_async, debug=debug, name=name)

                handler = Recording()
                result.runs_async = decisions[::-1]
                if request and asgi:
                    sent = asyncio.run(_asgi_get(handler))
                    starts = [m for m in sent if m["type"] == "http.response.start"]
                    result.status = starts[0]["status"] if starts else None
                elif request:
                    from django.test import RequestFactory

                    environ = RequestFactory().get("/").environ
                    statuses: list[str] = []
                    handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
                    result.status = int(statuses[0].split()[0]) if statuses else None
            except Exception as exc:  # noqa: BLE001 - an observation
                result.raised = type(exc)
                result.errors.append((type(exc), str(exc)))
                del exc
            handler = None  # noqa: F841
        for record in capture.records:
            if record.exc_info and record.exc_info[1] is not None:
                result.errors.append((type(record.exc_info[1]), str(record.exc_info[1])))
            record.exc_info = None
            match = ADAPTED_RE.match(record.getMessage())
            if match:
                result.adapted.append(match.group("path"))
        capture.records.clear()
        # Drop the frames: an un-awaited coroutine of this run warns now, not in a later test.
        gc.collect()
        result.warnings = [str(w.message) for w in caught]
    return result


# ------------------------------------------------------------------------ DJA501 / DJA504

@pytest.mark.parametrize("path", SETTINGS_FIXTURES, ids=lambda p: p.name)
def test_reported_sync_only_entries_are_the_adapted_ones(path: Path, django_ready: None) -> None:
    from asynclint.middleware_resolve import model_for

    project, _ = _lint(path)
    modname = project.module_name(path)
    reported = _reported_entries(path, "DJA501")
    broken = _reported_entries(path, "DJA504") | _reported_entries(path, "DJA505")
    module = rs.import_fixture(path)
    middleware = [m for m in module.MIDDLEWARE if m not in broken]

    if not model_for(project).is_asgi(modname):
        assert not reported, f"{path.name} is not served over ASGI, yet DJA501 reported {reported}"
        result = load(middleware, asgi=False, request=True)
        assert result.raised is None, f"WSGIHandler failed: {result.errors}"
        assert result.status == 200
        assert result.adapted == [], "under WSGI nothing should be adapted"
        return

    full = load(middleware)
    assert full.raised is None, f"ASGIHandler failed to load {path.name}: {full.errors}"
    assert set(full.adapted) <= reported, (
        f"Django adapted {set(full.adapted) - reported} for {path.name}, which asynclint did not report")
    assert bool(full.adapted) == bool(reported), (
        f"asynclint reported {reported} but Django adapted {full.adapted}")
    # The count in the message: the async-capable middleware above the entry (up to an
    # async-only one) that Django runs sync. Capability is read from the imported classes.
    from django.utils.module_loading import import_string

    assert len(full.runs_async) == len(middleware)
    # The mode asynclint computes for each entry (DJA506 relies on it) is the one Django picks.
    from asynclint.middleware_resolve import _modes

    model = model_for(project)
    static = _modes([model.capability(m, modname) for m in middleware])
    assert [s for s in static if s is not None], "asynclint knows no entry's mode"
    for entry, mine, django_mode in zip(middleware, static, full.runs_async):
        assert mine is None or mine == django_mode, f"{entry}: asynclint says async={mine}, Django {django_mode}"
    by_path = {f.entry.path: f for found in model_for(project).findings(modname).values() for f in found
               if f.kind == "sync-only"}
    for entry in reported:
        index = middleware.index(entry)
        assert full.runs_async[index] is False, f"Django runs {entry} async"
        forced = []
        for above in range(index - 1, -1, -1):
            mw = import_string(middleware[above])
            if not getattr(mw, "sync_capable", True):
                break
            if getattr(mw, "async_capable", False) and not full.runs_async[above]:
                forced.append(middleware[above])
        assert by_path[entry].above == forced, f"{entry}: asynclint says {by_path[entry].above}, Django {forced}"
    for entry in sorted(reported):
        alone = [m for m in middleware if m == entry or m not in reported]
        result = load(alone)
        assert result.raised is None, result.errors
        assert result.adapted == [entry], f"{entry}: Django adapted {result.adapted}"
    # A request through the rest, unless the file also holds middleware other DJA5 rules call broken.
    _, diagnostics = _lint(path)
    serve = not any(d.code in ("DJA502", "DJA503", "DJA506") for d in diagnostics)
    rest = load([m for m in middleware if m not in reported], request=serve)
    assert rest.raised is None, rest.errors
    assert rest.adapted == [], f"{path.name}: sync-only middleware asynclint missed: {rest.adapted}"
    assert rest.status == (200 if serve else None)


@pytest.mark.parametrize("path", SETTINGS_FIXTURES, ids=lambda p: p.name)
def test_entries_that_stop_the_site_from_starting(path: Path, django_ready: None) -> None:
    """DJA504: ImportError; DJA505: RuntimeError "must have at least one of ..."; others load."""
    broken = _reported_entries(path, "DJA504")
    no_mode = _reported_entries(path, "DJA505")
    module = rs.import_fixture(path)
    for entry in module.MIDDLEWARE:
        result = load([entry])
        import_error = result.raised is not None and issubclass(result.raised, ImportError)
        mode_error = [m for t, m in result.errors if issubclass(t, RuntimeError)
                      and "must have at least one of sync_capable/async_capable set to True" in m]
        if entry in broken:
            assert import_error, f"{entry}: expected ImportError, got {result.errors}"
        elif entry in no_mode:
            assert mode_error, f"{entry}: expected RuntimeError, got {result.errors}"
        else:
            assert result.raised is None, f"{entry} is not reported but {result.errors}"


# ---------------------------------------------------------------------- DJA502 / DJA503

def _middleware_classes(path: Path):
    """(name, whether asynclint reports the code inside it) for each top-level class or
    function (a middleware, or a middleware factory) of the fixture."""
    code = path.stem
    _, diagnostics = _lint(path)
    lines = {d.line for d in diagnostics if d.code == code}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.name, any(node.lineno <= line <= node.end_lineno for line in lines))
            for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))]


def _skip_unless_middleware(path: Path, name: str) -> None:
    cls = getattr(rs.import_fixture(path), name)
    try:
        inspect.signature(cls).bind(lambda request: None)
    except TypeError:
        pytest.skip(f"{name} is not a middleware (it cannot be built with get_response): a negative for the "
                    f"static rule only")


def _cases(code: str):
    path = RULE_FIXTURES / f"{code}.py"
    if not path.exists():
        return []
    return [pytest.param(path, name, positive, id=f"{code}::{name}") for name, positive in _middleware_classes(path)]


@pytest.mark.parametrize(("path", "name", "positive"), _cases("DJA502"))
def test_async_hook_on_mixin_raises_type_error(path: Path, name: str, positive: bool, django_ready: None) -> None:
    _skip_unless_middleware(path, name)
    result = load([f"{path.stem}.{name}"], request=True)
    type_errors = [m for t, m in result.errors
                   if issubclass(t, TypeError) and "sync_to_async can only be applied to sync functions" in m]
    if positive:
        assert type_errors, f"{name}: no TypeError from sync_to_async (status {result.status}, {result.errors})"
        assert result.status == 500
    else:
        assert not result.errors, f"{name}: {result.errors}"
        assert result.status == 200


@pytest.mark.parametrize(("path", "name", "positive"), _cases("DJA503"))
def test_unmarked_async_middleware_breaks_the_layer_above(path: Path, name: str, positive: bool,
                                                          django_ready: None) -> None:
    _skip_unless_middleware(path, name)
    # A MiddlewareMixin above it decides its own mode with iscoroutinefunction(get_response).
    result = load(["django.middleware.common.CommonMiddleware", f"{path.stem}.{name}"], request=True)
    errors = result.errors
    if positive:
        got_coroutine = [m for _, m in errors if "'coroutine' object has no attribute" in m]
        assert got_coroutine, f"{name}: the layer above did not get a coroutine ({result.status}, {errors})"
        assert result.status != 200
        assert any("was never awaited" in w for w in result.warnings), result.warnings
    else:
        assert not errors, f"{name}: {errors}"
        assert result.status == 200
        assert not any("was never awaited" in w for w in result.warnings), result.warnings


@pytest.mark.parametrize(("path", "name", "positive"), _cases("DJA506"))
def test_sync_call_override_gets_a_coroutine(path: Path, name: str, positive: bool, django_ready: None) -> None:
    _skip_unless_middleware(path, name)
    entry = f"{path.stem}.{name}"
    if entry not in rs.import_fixture(path).MIDDLEWARE:
        # Not in any ASGI stack, so not reported: under WSGI the override is fine.
        assert not positive
        result = load([entry], asgi=False, request=True)
        assert result.raised is None and result.status == 200, result.errors
        return
    result = load([entry], request=True)
    coroutine_errors = [m for _, m in result.errors if "'coroutine' object" in m]
    if positive:
        assert coroutine_errors, f"{name}: no error on a coroutine ({result.status}, {result.errors})"
        assert result.status != 200
    else:
        assert not result.errors, f"{name}: {result.errors}"
        assert result.status == 200
        assert not any("was never awaited" in w for w in result.warnings), result.warnings


@pytest.mark.parametrize(("path", "name", "positive"), _cases("DJA507"))
def test_async_middleware_not_async_capable_breaks(path: Path, name: str, positive: bool, django_ready: None) -> None:
    entry = f"{path.stem}.{name}"
    for asgi in (True, False):
        result = load([entry], asgi=asgi, request=True)
        broken = [m for _, m in result.errors
                  if "sync_to_async can only be applied to sync functions" in m or "'coroutine' object" in m]
        where = "ASGI" if asgi else "WSGI"
        if positive:
            assert broken or result.status != 200, f"{name} under {where}: {result.status}, {result.errors}"
            if asgi:
                assert broken, f"{name}: no TypeError from sync_to_async ({result.errors})"
        else:
            assert not result.errors and result.status == 200, f"{name} under {where}: {result.errors}"
