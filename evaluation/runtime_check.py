#!/usr/bin/env python
"""Prove the corpus labels with Django's runtime.

Every corpus project is run in its own subprocess with its own settings module
and a throw-away SQLite database.  Every function and method the scenario can
call (``evaluation/scenarios/<project>.py`` says how) is run the way Django
would run it: async ones on an event loop, sync ones in a plain thread, class
based views through ``as_view()``, the middleware stack through Django's own
ASGI client handler.  While they run, the harness records each *symptom*:

* ``sync-only``: Django's ``async_unsafe`` guard saw a database call on a
  thread with a running event loop, i.e. the call raises
  ``SynchronousOnlyOperation`` in production.  The harness answers the guard's
  ``DJANGO_ALLOW_ASYNC_UNSAFE`` lookup itself: it records the stack and lets
  the call go on, so one run proves every such line of a function, not only the
  first one.
* ``never-awaited``: Python's "coroutine ... was never awaited" RuntimeWarning,
  with the coroutine's creation stack (``sys.set_coroutine_origin_tracking_depth``).
* ``stall``: a heartbeat task on the loop did not run for more than 200 ms; a
  watchdog thread samples the loop thread's stack while it is stalled.  All
  HTTP and SMTP traffic goes to slow servers on 127.0.0.1 (the scenario points
  the settings at them); any other connection is refused by the harness.
* ``adapted``: Django's ``django.request`` debug log "... handler adapted for
  middleware X" while the ASGI handler loads the project's MIDDLEWARE.
* ``exception``: an exception escaped (ImproperlyConfigured, the AsyncToSync
  RuntimeError, TypeError from sync_to_async, ...).
* ``returned-coroutine``: a view Django treats as sync returned a coroutine
  (Django's handler raises "didn't return an HttpResponse object").

Each symptom is attributed to the innermost corpus line on its stack that
carries a label of a family the symptom can prove.  A label is *confirmed* when
a symptom is attributed to it.  A symptom with no such label on its stack is an
*unexpected* symptom: unlabelled code did not run clean.

Usage:
    python evaluation/runtime_check.py                 # every project
    python evaluation/runtime_check.py bookshop --verbose
    python evaluation/runtime_check.py --json          # machine-readable summary
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import gc
import importlib
import importlib.util
import json
import logging
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from labels import CORPUS, read_labels  # noqa: E402

SCENARIOS = Path(os.environ.get("EVAL_SCENARIOS", HERE / "scenarios")).resolve()
STALL_SECONDS = 0.2
SLOW_SERVER_DELAY = 0.3
FILE_DELAY = 0.3
HEARTBEAT = 0.01
BLAME_SECONDS = 0.15  # how long one line must hold a stalled loop to be blamed for it

# which families a symptom kind can prove
COMPAT = {
    "sync-only": {"DJA1", "DJA6", "DJA7"},
    "never-awaited": {"DJA2", "DJA5", "DJA6", "DJA7"},
    "stall": {"DJA3", "DJA4"},
    "adapted": {"DJA5"},
    "returned-coroutine": {"DJA2", "DJA6", "DJA7"},
    "buffered-stream": {"DJA6"},  # DJA7: e.g. @transaction.atomic on an async view
}


def exception_families(exc: BaseException) -> set[str]:
    from django.core.exceptions import SynchronousOnlyOperation

    if isinstance(exc, SynchronousOnlyOperation):
        return {"DJA1", "DJA6", "DJA7"}
    fams = {"DJA5", "DJA6", "DJA7"}
    if "coroutine" in str(exc):
        fams.add("DJA2")
    return fams


def projects() -> list[str]:
    return sorted(p.stem for p in SCENARIOS.glob("*.py") if not p.stem.startswith("_"))


# --------------------------------------------------------------------------- slow local servers


class _SlowHTTP(BaseHTTPRequestHandler):
    """Answers every request late.  Paths containing "flaky" fail (503) on every
    other hit, counted per path since the last reset (one per unit)."""

    hits: dict = {}
    lock = threading.Lock()

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        time.sleep(SLOW_SERVER_DELAY)
        if "flaky" in self.path:
            with self.lock:
                n = self.hits[self.path] = self.hits.get(self.path, 0) + 1
            if n % 2:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        body = json.dumps({"ok": True, "path": self.path, "title": "Slow Title", "status": "ok",
                           "id": "ext_123", "rate": 1.1, "items": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def do_HEAD(self):
        time.sleep(SLOW_SERVER_DELAY)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class _SlowSMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib; the greeting comes late, like a busy relay."""

    def handle(self):
        time.sleep(SLOW_SERVER_DELAY)
        self.wfile.write(b"220 localhost ESMTP eval\r\n")
        in_data = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if in_data:
                if line in (b".\r\n", b".\n"):
                    in_data = False
                    self.wfile.write(b"250 OK queued\r\n")
                continue
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO"):
                self.wfile.write(b"250-localhost\r\n250 8BITMIME\r\n")
            elif cmd.startswith(b"DATA"):
                in_data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif cmd.startswith(b"QUIT"):
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


class _ThreadingTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_servers() -> dict:
    http = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHTTP)
    http.daemon_threads = True
    smtp = _ThreadingTCP(("127.0.0.1", 0), _SlowSMTP)
    for srv in (http, smtp):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    return {"http": f"http://127.0.0.1:{http.server_address[1]}", "smtp_port": str(smtp.server_address[1]),
            "smtp_host": "127.0.0.1", "slow_dns_host": SLOW_DNS_HOST}


_LOCAL = {"127.0.0.1", "localhost", "::1", "testserver"}
SLOW_DNS_HOST = "slow-dns.eval.test"  # resolves to 127.0.0.1, late (a slow resolver)


def guard_network() -> None:
    """Nothing may leave the machine: refuse every non-loopback connection."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, *a, **kw):
        if host == SLOW_DNS_HOST:
            time.sleep(SLOW_SERVER_DELAY)
            return real_getaddrinfo("127.0.0.1", *a, **kw)
        if host not in _LOCAL and host is not None:
            raise OSError(f"evaluation harness: network access to {host!r} refused")
        return real_getaddrinfo(host, *a, **kw)

    def check(addr):
        if isinstance(addr, tuple) and addr and addr[0] not in _LOCAL:
            raise OSError(f"evaluation harness: connection to {addr!r} refused")

    def connect(self, addr):
        check(addr)
        return real_connect(self, addr)

    def connect_ex(self, addr):
        check(addr)
        return real_connect_ex(self, addr)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex


# --------------------------------------------------------------------------- symptoms


@dataclass
class Symptom:
    kind: str
    frames: list  # [(file, line)] innermost first, corpus files only
    detail: str
    families: set = field(default_factory=set)
    unit: str = ""


class Recorder:
    def __init__(self, corpus_dir: Path):
        self.prefix = str(corpus_dir) + os.sep
        self.symptoms: list[Symptom] = []
        self.unit = ""
        self.context: list = []  # extra (file, line) appended outermost (e.g. the CBV class)
        self.extra_families: set = set()  # families any symptom of the current unit can prove
        self.lock = threading.Lock()

    def in_corpus(self, filename: str) -> bool:
        return filename.startswith(self.prefix)

    def frames_from(self, frame) -> list:
        out = []
        while frame is not None:
            code = frame.f_code
            if self.in_corpus(code.co_filename):
                out.append((code.co_filename, frame.f_lineno))
            elif code.co_name == "inner" and "func" in frame.f_locals:
                # contextlib.ContextDecorator (transaction.atomic used as a decorator)
                fn = frame.f_locals["func"]
                c = getattr(fn, "__code__", None)
                if c is not None and self.in_corpus(c.co_filename):
                    out.append((c.co_filename, c.co_firstlineno))
            slf = frame.f_locals.get("self") if code.co_name in ("__acall__", "__call__") else None
            if slf is not None and not self.in_corpus(code.co_filename):
                out.extend(self.class_lines(type(slf)))
            frame = frame.f_back
        return out

    def class_lines(self, cls) -> list:
        """The def lines of a corpus class's coroutine hooks (used for middleware failures)."""
        out = []
        for name in ("process_request", "process_response", "__call__"):
            fn = cls.__dict__.get(name)
            c = getattr(fn, "__code__", None)
            if c is not None and self.in_corpus(c.co_filename):
                out.append((c.co_filename, c.co_firstlineno))
        return out

    def add(self, kind, frames, detail, families=None):
        frames = list(frames) + list(self.context)
        fams = set(families or COMPAT[kind]) | self.extra_families
        with self.lock:
            self.symptoms.append(Symptom(kind, frames, detail, fams, self.unit))


class _UnsafeEnviron(dict):
    """Stands in for os.environ inside django.utils.asyncio.

    Django only looks up DJANGO_ALLOW_ASYNC_UNSAFE after it has found a running
    event loop in the current thread, right before it would raise
    SynchronousOnlyOperation.  We record that moment and let the call proceed.
    """

    def __init__(self, recorder: Recorder):
        super().__init__()
        self.recorder = recorder

    def get(self, key, default=None):
        if key == "DJANGO_ALLOW_ASYNC_UNSAFE":
            frame = sys._getframe(1)
            self.recorder.add("sync-only", self.recorder.frames_from(frame),
                              f"SynchronousOnlyOperation in {frame.f_back.f_code.co_name if frame.f_back else '?'}")
            return "1"
        return os.environ.get(key, default)


class _ShimOS:
    def __init__(self, environ):
        self.environ = environ

    def __getattr__(self, name):
        return getattr(os, name)


class LoopWatch:
    """Heartbeat on the loop + watchdog thread sampling the loop thread when it stalls."""

    def __init__(self, recorder: Recorder, stall_lines=frozenset()):
        self.recorder = recorder
        self.stall_lines = stall_lines
        self.active = False
        self.last = time.monotonic()
        self.thread_id = threading.main_thread().ident
        self.stop = False
        threading.Thread(target=self._watch, daemon=True, name="eval-watchdog").start()

    async def heartbeat(self):
        while True:
            self.last = time.monotonic()
            await asyncio.sleep(HEARTBEAT)

    def _watch(self):
        """Sample the loop thread while the heartbeat is late (> STALL_SECONDS).

        Each sample is blamed on its innermost corpus line that carries a
        DJA3/DJA4 label, else on its innermost corpus line.  A line is recorded
        once two samples in a row blamed it and it has held the loop for
        BLAME_SECONDS (counted from the previous sample or the last heartbeat,
        whichever is later, so a starved watchdog still measures it), so the short plain
        code that runs between a blocking call and the next await is never
        blamed for the whole stall.  A long stall (> 2 x STALL_SECONDS) in which
        no line held that long is still recorded with its last sample, so it
        cannot go unseen.
        """
        episode = None
        episode_gap = 0.0
        run_target = last_frames = None
        run_since = run_count = 0
        prev_sample = time.monotonic()
        recorded_any = False
        recorded = set()
        while not self.stop:
            time.sleep(0.02)
            if not self.active:
                episode = run_target = last_frames = None
                prev_sample = time.monotonic()
                continue
            frame = sys._current_frames().get(self.thread_id)
            frames = self.recorder.frames_from(frame) if frame is not None else []
            del frame
            now = time.monotonic()
            target = next((fr for fr in frames if fr in self.stall_lines), frames[0]) if frames else None
            if target != run_target:
                # the target cannot have started before the previous sample (which saw
                # something else) nor before the loop's last heartbeat
                run_target, run_since, run_count = target, max(prev_sample, self.last), 1
            else:
                run_count += 1
            prev_sample = now
            gap = now - self.last
            if gap <= STALL_SECONDS:
                if episode is not None and not recorded_any and last_frames and episode_gap > 2 * STALL_SECONDS:
                    self.recorder.add("stall", last_frames,
                                      f"loop stalled > {int(STALL_SECONDS * 1000)} ms (no single line held it)")
                episode = last_frames = None
                recorded_any = False
                recorded = set()
                continue
            if episode != self.last:
                episode, last_frames, recorded_any, recorded = self.last, None, False, set()
            episode_gap = gap
            if not frames:
                continue
            last_frames = frames
            if run_count >= 2 and now - run_since >= BLAME_SECONDS and target not in recorded:
                recorded.add(target)
                recorded_any = True
                self.recorder.add("stall", frames, f"loop stalled > {int(STALL_SECONDS * 1000)} ms")


class SlowFiles:
    """Serve some corpus file paths through FIFOs that answer late, like a busy network volume.

    write paths: the corpus's open(path, "w") blocks until our reader shows up
    (FILE_DELAY after the unit starts).  read paths: our writer opens as soon as
    a reader waits, then sends the content after FILE_DELAY, so the reader's
    read() blocks.  Everything is torn down after each unit.
    """

    def __init__(self, spec: dict):
        self.write = [Path(p) for p in spec.get("write", [])]
        self.read = {Path(p): c for p, c in spec.get("read", {}).items()}
        self.stop = threading.Event()
        self.threads = []

    def __enter__(self):
        for p in [*self.write, *self.read]:
            if p.exists() or p.is_symlink():
                p.unlink()
            os.mkfifo(p)
        for p in self.write:
            self.threads.append(threading.Thread(target=self._drain, args=(p,), daemon=True))
        for p, content in self.read.items():
            self.threads.append(threading.Thread(target=self._feed, args=(p, content), daemon=True))
        for t in self.threads:
            t.start()
        return self

    def _drain(self, path):
        if self.stop.wait(FILE_DELAY):
            return
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    chunk = None
                if not chunk:
                    if self.stop.is_set():
                        return
                    time.sleep(0.01)
        finally:
            os.close(fd)

    def _feed(self, path, content):
        while not self.stop.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # no reader yet
                time.sleep(0.005)
                continue
            try:
                time.sleep(FILE_DELAY)
                os.set_blocking(fd, True)
                os.write(fd, content if isinstance(content, bytes) else content.encode())
            finally:
                os.close(fd)
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=2)
        for p in [*self.write, *self.read]:
            try:
                p.unlink()
            except OSError:
                pass


# --------------------------------------------------------------------------- the worker


def warm_up():
    for mod in ("httpx", "requests", "urllib.request", "smtplib", "csv", "hashlib"):
        try:
            importlib.import_module(mod)
        except ImportError:
            pass
    try:
        import httpx

        httpx.AsyncClient()
        httpx.Client()
    except Exception:  # noqa: BLE001
        pass
    try:
        import requests

        requests.Session().close()
    except Exception:  # noqa: BLE001
        pass


@dataclass
class Unit:
    qualname: str  # module.func or module.Class.method or module.Class (CBV)
    module: str
    kind: str  # function | method | cbv
    obj: object = None
    cls: object = None
    skip: str = ""


def _module_name(project_dir: Path, path: Path) -> str:
    rel = path.relative_to(project_dir).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


SKIP_MODULE_TAILS = {"settings", "asgi", "wsgi", "manage", "urls", "apps"}


def worker(name: str, verbose: bool) -> dict:
    project_dir = CORPUS / name
    sys.path.insert(0, str(SCENARIOS))
    sys.path.insert(0, str(HERE / "scenarios"))  # _support
    scenario_path = SCENARIOS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"eval_scenario_{name}", scenario_path)
    scenario = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scenario)

    servers = start_servers()
    guard_network()
    tmp = Path(tempfile.mkdtemp(prefix=f"eval-{name}-"))
    db = tmp / "db.sqlite3"
    os.environ["DATABASE_PATH"] = str(db)
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = scenario.SETTINGS
    os.environ["EVAL_TMP"] = str(tmp)
    for k, v in getattr(scenario, "ENV", {}).items():
        os.environ[k] = v.format(**servers, tmp=tmp, python=sys.executable)
    sys.path.insert(0, str(project_dir))

    import django

    django.setup()
    from asgiref.sync import iscoroutinefunction, sync_to_async
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", run_syncdb=True, verbosity=0)
    ctx = scenario.seed() or {}
    connections.close_all()
    snapshot = tmp / "seed.sqlite3"
    shutil.copyfile(db, snapshot)

    def restore():
        connections.close_all()
        shutil.copyfile(snapshot, db)
        with _SlowHTTP.lock:
            _SlowHTTP.hits.clear()

    labels = [l for l in read_labels() if str(l.path).startswith(str(project_dir) + os.sep)]
    label_lines = defaultdict(set)
    for l in labels:
        label_lines[(str(l.path), l.line)].add(l.family)

    recorder = Recorder(project_dir)
    # coverage: which corpus functions ran at all (any thread)
    def thread_start_hook(frame, event, arg):
        # coroutine origin tracking is per thread: worker threads (sync_to_async)
        # need it too.  Runs once at each new thread's first call, then steps aside.
        sys.set_coroutine_origin_tracking_depth(64)
        sys.settrace(None)
        return None

    # --- import the project's modules and list the units
    py_files = [p for p in sorted(project_dir.rglob("*.py")) if "__pycache__" not in p.parts]
    units: list[Unit] = []
    func_spans = []  # (file, first, last, qualname)
    overrides = getattr(scenario, "CALLS", {})
    skips = getattr(scenario, "SKIP", {})
    from django.db import models as djm
    from django.views import View

    mw_paths = set(settings.MIDDLEWARE)
    for path in py_files:
        modname = _module_name(project_dir, path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                func_spans.append((str(path), first, node.end_lineno, node.name, isinstance(node, ast.ClassDef)))
        if modname.rsplit(".", 1)[-1] in SKIP_MODULE_TAILS or modname == "manage":
            continue
        module = importlib.import_module(modname)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                q = f"{modname}.{node.name}"
                if q in mw_paths:
                    continue  # run through the middleware probe
                units.append(Unit(q, modname, "function", getattr(module, node.name), skip=skips.get(q, "")))
            elif isinstance(node, ast.ClassDef):
                cls = getattr(module, node.name)
                q = f"{modname}.{node.name}"
                if q in mw_paths:
                    continue  # run through the middleware probe
                if isinstance(cls, type) and issubclass(cls, View):
                    units.append(Unit(q, modname, "cbv", cls=cls, skip=skips.get(q, "")))
                    continue
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        if item.name.startswith("__") or any(
                            isinstance(d, ast.Name) and d.id in ("property", "staticmethod", "classmethod")
                            for d in item.decorator_list
                        ):
                            continue
                        mq = f"{q}.{item.name}"
                        units.append(Unit(mq, modname, "method", obj=item.name, cls=cls,
                                          skip=skips.get(mq, skips.get(q, ""))))

    # --- warm-up: first-use costs (lazy imports, TLS trust store) are not what the labels are about
    warm_up()

    # --- instrumentation
    import django.utils.asyncio as dj_asyncio

    dj_asyncio.os = _ShimOS(_UnsafeEnviron(recorder))

    from django.http import StreamingHttpResponse

    real_streaming_init = StreamingHttpResponse.__init__

    def streaming_init(self, *args, **kwargs):
        real_streaming_init(self, *args, **kwargs)
        self._eval_origin = recorder.frames_from(sys._getframe(1))

    StreamingHttpResponse.__init__ = streaming_init
    sys.set_coroutine_origin_tracking_depth(64)

    # self-check: the guard interception must see a DB call made on a running loop
    async def _guard_selfcheck():
        connections["default"].ensure_connection()

    before = len(recorder.symptoms)
    asyncio.run(_guard_selfcheck())
    if len(recorder.symptoms) <= before:
        raise RuntimeError("instrumentation failed: Django's async_unsafe guard was not intercepted")
    del recorder.symptoms[before:]
    connections.close_all()

    watch = LoopWatch(recorder, {k for k, fams in label_lines.items() if fams & COMPAT["stall"]})
    logging.getLogger("django.request").setLevel(logging.DEBUG)

    class _LogCatcher(logging.Handler):
        def emit(self, record):
            msg = record.getMessage()
            if "handler adapted for middleware" in msg:
                mw = msg.rsplit("middleware ", 1)[1].rstrip(".")
                recorder.add("adapted", middleware_lines(mw), msg)

    settings_file = Path(sys.modules[scenario.SETTINGS].__file__)

    def middleware_lines(dotted):
        out = []
        for i, line in enumerate(settings_file.read_text().splitlines(), 1):
            if f'"{dotted}"' in line or f"'{dotted}'" in line:
                out.append((str(settings_file), i))
        try:
            modname, attr = dotted.rsplit(".", 1)
            obj = getattr(importlib.import_module(modname), attr)
            src = sys.modules[modname].__file__
            for sp in func_spans:
                if sp[0] == src and sp[3] == attr:
                    out.append((src, sp[1]))
        except Exception:  # noqa: BLE001
            pass
        return out

    logging.getLogger("django.request").addHandler(_LogCatcher())

    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpRequest
    from django.test import RequestFactory

    rf = RequestFactory()

    def build_request(spec: dict):
        method = spec.get("method", "GET").lower()
        path = spec.get("path", "/")
        data = spec.get("data")
        headers = spec.get("headers")
        if "body" in spec:
            req = getattr(rf, method)(path, data=json.dumps(spec["body"]), content_type="application/json",
                                      headers=headers)
        elif method == "get":
            req = rf.get(path, data or {}, headers=headers)
        else:
            req = getattr(rf, method)(path, data or {}, headers=headers)
        session_key = ctx.get(spec.get("session", "session_key"))
        if not spec.get("anonymous") and session_key:
            req.COOKIES[settings.SESSION_COOKIE_NAME] = session_key
        if "django.contrib.sessions" in settings.INSTALLED_APPS:
            SessionMiddleware(lambda r: None).process_request(req)
        if "django.contrib.auth" in settings.INSTALLED_APPS:
            from django.contrib.auth.middleware import AuthenticationMiddleware

            AuthenticationMiddleware(lambda r: None).process_request(req)
        if "django.contrib.messages" in settings.INSTALLED_APPS:
            from django.contrib.messages.middleware import MessageMiddleware

            MessageMiddleware(lambda r: None).process_request(req)
        req._dont_enforce_csrf_checks = True
        return req

    def provide(fn, spec: dict):
        """kwargs for fn from the scenario; None when a parameter has no value."""
        import inspect

        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            return {}
        kwargs = {}
        given = spec.get("kwargs", {})
        for pname, p in sig.parameters.items():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if pname in given:
                val = given[pname]
            elif pname == "request":
                val = build_request(spec)
            elif pname in ctx:
                val = ctx[pname]
            elif p.default is not p.empty:
                continue
            else:
                return None, pname
            kwargs[pname] = val() if callable(val) and getattr(val, "_eval_factory", False) else val
        return kwargs, None

    def coroutine_lines(value):
        """Where a corpus coroutine was defined and created (for errors it caused)."""
        out = []
        if asyncio.iscoroutine(value):
            c = value.cr_code
            out += [(f, l) for (f, l, _fn) in (value.cr_origin or ()) if recorder.in_corpus(f)]
            if recorder.in_corpus(c.co_filename):
                out.append((c.co_filename, c.co_firstlineno))
        return out

    def record_exception(exc: BaseException):
        """Blame an escaped exception on the corpus frames of its traceback.

        Each corpus frame also stands for its function's def line, and a
        coroutine held in any frame's locals (a coroutine used where a value
        was expected) stands for the line that created it.
        """
        frames = []
        tb = exc.__traceback__
        stack = []
        while tb is not None:
            stack.append(tb)
            tb = tb.tb_next
        for tb in reversed(stack):  # innermost first
            fr = tb.tb_frame
            code = fr.f_code
            if recorder.in_corpus(code.co_filename):
                frames.append((code.co_filename, tb.tb_lineno))
                frames.append((code.co_filename, code.co_firstlineno))
            else:
                slf = fr.f_locals.get("self")
                if slf is not None and code.co_name in ("__acall__", "__call__"):
                    frames.extend(recorder.class_lines(type(slf)))
            if "coroutine" in str(exc):
                for v in list(fr.f_locals.values()):
                    frames.extend(coroutine_lines(v))
        recorder.add("exception", frames, f"{type(exc).__name__}: {str(exc)[:200]}", exception_families(exc))

    def check_result(result):
        if asyncio.iscoroutine(result):
            c = result.cr_code
            recorder.add("returned-coroutine", [(c.co_filename, c.co_firstlineno)] if recorder.in_corpus(c.co_filename) else [],
                         f"view returned an unawaited coroutine {result.__qualname__}")
            return None
        return result

    async def run_async(fn, kwargs):
        hb = asyncio.ensure_future(watch.heartbeat())
        await asyncio.sleep(0)
        watch.last = time.monotonic()
        watch.active = True
        try:
            result = await fn(**kwargs)
            if asyncio.iscoroutine(result):
                # an async function handed back a coroutine nobody awaits: the
                # "never awaited" warning (with its origin) is the proof
                result = None
            if result is not None and hasattr(result, "render") and not getattr(result, "is_rendered", True):
                await sync_to_async(result.render)()
            if getattr(result, "streaming", False):
                # consume it the way the ASGI handler does (sync iterators go to a thread)
                with warnings.catch_warnings(record=True) as stream_warnings:
                    warnings.simplefilter("always")
                    async for _chunk in result:
                        pass
                for w in stream_warnings:
                    if "must consume synchronous iterators" in str(w.message):
                        recorder.add("buffered-stream", getattr(result, "_eval_origin", []), str(w.message))
        finally:
            watch.active = False
            hb.cancel()
            await sync_to_async(connections.close_all)()

    def run_callable(fn, kwargs):
        if iscoroutinefunction(fn):
            asyncio.run(run_async(fn, kwargs))
        else:
            result = fn(**kwargs)
            if "request" in kwargs:  # a view: Django's handler rejects a coroutine
                result = check_result(result)
            if result is not None and hasattr(result, "render") and not getattr(result, "is_rendered", True):
                result.render()

    def class_context(cls):
        out = []
        src = sys.modules[cls.__module__].__file__
        for sp in func_spans:
            if sp[0] == src and sp[3] == cls.__name__ and sp[4]:
                out.append((src, sp[1]))
                last = sp[2]
                for sp2 in func_spans:
                    if sp2[0] == src and sp[1] < sp2[1] <= last and not sp2[4]:
                        out.append((src, sp2[1]))
        return out

    def instance_for(cls, q):
        factories = getattr(scenario, "INSTANCES", {})
        if q in factories:
            return factories[q]()
        if issubclass(cls, djm.Model):
            return cls._default_manager.order_by("pk").first()
        if issubclass(cls, djm.QuerySet):
            for model in django.apps.apps.get_models():
                qs = model._default_manager.all()
                if isinstance(qs, cls):
                    return qs
            return None
        if issubclass(cls, djm.Manager):
            for model in django.apps.apps.get_models():
                if isinstance(model._default_manager, cls):
                    return model._default_manager
            return None
        try:
            return cls()
        except Exception:  # noqa: BLE001
            return None

    slow_spec = scenario.slow_files() if hasattr(scenario, "slow_files") else {}
    skipped = {}
    cbv_context = {}  # (file, def line) of a CBV method -> the class's context lines
    ran = []
    caught = []

    with warnings.catch_warnings(record=True) as wlog:
        warnings.simplefilter("always")
        threading.settrace(thread_start_hook)

        def drain():
            gc.collect()
            for w in wlog:
                msg = str(w.message)
                if w.category is RuntimeWarning and "was never awaited" in msg and asyncio.iscoroutine(w.source):
                    coro = w.source
                    # cr_origin lists the creating frames innermost first
                    frames = [(f, l) for (f, l, _fn) in (coro.cr_origin or ()) if recorder.in_corpus(f)]
                    c = coro.cr_code
                    if recorder.in_corpus(c.co_filename):
                        frames.append((c.co_filename, c.co_firstlineno))
                        frames.extend(cbv_context.get((c.co_filename, c.co_firstlineno), []))
                    recorder.add("never-awaited", frames, msg.splitlines()[0])
            wlog.clear()

        for unit in units:
            recorder.unit = unit.qualname
            recorder.context = []
            if unit.skip:
                skipped[unit.qualname] = unit.skip
                continue
            spec = overrides.get(unit.qualname, {})
            if spec.get("skip"):
                skipped[unit.qualname] = spec["skip"]
                continue
            restore()
            slow = SlowFiles(slow_spec)
            slow.__enter__()
            try:
                if unit.kind == "function":
                    fn = unit.obj
                    kwargs, missing = provide(fn, spec)
                    if kwargs is None:
                        skipped[unit.qualname] = f"no value for parameter {missing!r}"
                        continue
                    run_callable(fn, kwargs)
                elif unit.kind == "method":
                    inst = instance_for(unit.cls, unit.qualname.rsplit(".", 1)[0])
                    if inst is None:
                        skipped[unit.qualname] = "no instance"
                        continue
                    fn = getattr(inst, unit.obj)
                    kwargs, missing = provide(fn, spec)
                    if kwargs is None:
                        skipped[unit.qualname] = f"no value for parameter {missing!r}"
                        continue
                    run_callable(fn, kwargs)
                elif unit.kind == "cbv":
                    recorder.context = class_context(unit.cls)
                    for fr in recorder.context:
                        cbv_context[fr] = recorder.context
                    view = unit.cls.as_view(**spec.get("initkwargs", {}))
                    methods = spec.get("methods") or [
                        m for m in ("get", "post") if hasattr(unit.cls, m)
                    ]
                    for m in methods:
                        restore()
                        mspec = {**spec, "method": m, **spec.get(m, {})}
                        url_kwargs = {k: (v() if getattr(v, "_eval_factory", False) else v)
                                      for k, v in spec.get("url_kwargs", {}).items()}
                        req = build_request(mspec)
                        if iscoroutinefunction(view):
                            asyncio.run(run_async(lambda: view(req, **url_kwargs), {}))
                        else:
                            result = check_result(view(req, **url_kwargs))
                            if result is not None and hasattr(result, "render") and not result.is_rendered:
                                result.render()
                        drain()
                ran.append(unit.qualname)
            except BaseException as exc:  # noqa: BLE001
                if isinstance(exc, KeyboardInterrupt):
                    raise
                record_exception(exc)
                caught.append(f"{unit.qualname}: {type(exc).__name__}: {str(exc)[:160]}")
                ran.append(unit.qualname)
                exc.__traceback__ = None
                del exc
            finally:
                slow.__exit__(None, None, None)
            drain()

        # --- the middleware stack, loaded and called the way the ASGI handler does
        # Whatever breaks while the stack handles a plain request is the stack's
        # fault: the project's DJA5 labels are the context of this unit.
        recorder.unit = "MIDDLEWARE"
        recorder.context = [(str(l.path), l.line) for l in labels if l.family == "DJA5"]
        recorder.extra_families = {"DJA5"}
        restore()
        from django.test import AsyncClient

        # The stack is probed with a URLconf of its own (one async view), so a
        # broken project URLconf or view cannot be mistaken for a middleware fault.
        import types

        from django.http import HttpResponse
        from django.test.utils import override_settings
        from django.urls import path as url_path

        async def probe_view(request):
            return HttpResponse("probe")

        probe_urls = types.ModuleType("eval_probe_urls")
        probe_urls.urlpatterns = [url_path("__probe__/", probe_view)]
        sys.modules["eval_probe_urls"] = probe_urls
        probe = "/__probe__/"

        async def probe_stack():
            hb = asyncio.ensure_future(watch.heartbeat())
            await asyncio.sleep(0)
            watch.last = time.monotonic()
            watch.active = True
            try:
                await AsyncClient().get(probe)
            finally:
                watch.active = False
                hb.cancel()
                await sync_to_async(connections.close_all)()

        try:
            with override_settings(ROOT_URLCONF="eval_probe_urls"):
                asyncio.run(probe_stack())
        except BaseException as exc:  # noqa: BLE001
            record_exception(exc)
            caught.append(f"MIDDLEWARE: {type(exc).__name__}: {str(exc)[:160]}")
        drain()
        threading.settrace(None)
    watch.stop = True

    # --- attribution
    confirmed = defaultdict(list)  # (file, line, fam) -> [detail]
    unexpected = []
    for s in recorder.symptoms:
        hit = None
        for fr in s.frames:
            fams = label_lines.get(fr, set()) & s.families
            if fams:
                hit = (fr, fams)
                break
        if hit:
            for fam in hit[1]:
                confirmed[(hit[0][0], hit[0][1], fam)].append(f"{s.kind}: {s.detail}")
        elif s.kind == "stall" and not s.frames:
            continue  # a stall outside corpus code (interpreter start-up, gc): not attributable
        else:
            unexpected.append({
                "kind": s.kind, "detail": s.detail, "unit": s.unit,
                "where": [f"{Path(f).relative_to(CORPUS)}:{l}" for f, l in s.frames[:6]],
            })

    results = []
    for l in labels:
        key = (str(l.path), l.line, l.family)
        if key in confirmed:
            status = "confirmed"
        elif l.manual:
            status = "manual"
        else:
            status = "unconfirmed"
        results.append({"label": f"{l.rel}:{l.line}", "family": l.family, "status": status,
                        "why": l.why, "evidence": confirmed.get(key, [])[:2], "manual": l.manual})

    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "project": name, "labels": results, "unexpected": unexpected, "skipped": skipped,
        "ran": len(ran), "exceptions": caught,
    }


# --------------------------------------------------------------------------- driver


def _problems(result: dict) -> int:
    if "error" in result:
        return 10**6
    return sum(l["status"] == "unconfirmed" for l in result["labels"]) + len(result["unexpected"])


def run_project(name: str, attempts: int = 3) -> dict:
    """Run one project; stalls are timing evidence, so a run with problems is tried again (up to 3 runs).

    The result with fewer problems is kept, and says how many runs it took.
    """
    best = None
    for attempt in range(1, attempts + 1):
        result = _run_project_once(name)
        result["runs"] = attempt
        if best is None or _problems(result) < _problems(best):
            best = result
        if _problems(best) == 0:
            break
    return best


def _run_project_once(name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    proc = subprocess.run([sys.executable, __file__, "--worker", name], capture_output=True, text=True,
                          env=env, timeout=600)
    marker = "@@EVAL-RESULT@@"
    for line in proc.stdout.splitlines():
        if line.startswith(marker):
            return json.loads(line[len(marker):])
    return {"project": name, "error": f"worker failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"}


def summarize(results: list[dict], verbose: bool) -> tuple[str, bool]:
    out = []
    ok = True
    totals = defaultdict(int)
    for r in results:
        if "error" in r:
            out.append(f"[{r['project']}] ERROR {r['error']}")
            ok = False
            continue
        counts = defaultdict(int)
        for l in r["labels"]:
            counts[l["status"]] += 1
            totals[l["status"]] += 1
        totals["unexpected"] += len(r["unexpected"])
        out.append(f"[{r['project']}] labels: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                   + f"; units run {r['ran']}, skipped {len(r['skipped'])}; unexpected symptoms {len(r['unexpected'])}"
                   + (f"; took {r['runs']} runs" if r.get("runs", 1) > 1 else ""))
        for l in r["labels"]:
            if l["status"] in ("unconfirmed", "not-run"):
                ok = False
                out.append(f"    {l['status'].upper()}: {l['label']} {l['family']} -- {l['why']}")
            elif l["status"] == "manual":
                out.append(f"    manual: {l['label']} {l['family']} -- {l['manual']}")
            elif verbose:
                out.append(f"    ok: {l['label']} {l['family']} <- {l['evidence'][0] if l['evidence'] else ''}")
        for u in r["unexpected"]:
            ok = False
            out.append(f"    UNEXPECTED {u['kind']} in {u['unit']}: {u['detail']} at {', '.join(u['where']) or '(no corpus frame)'}")
        if verbose:
            for q, why in sorted(r["skipped"].items()):
                out.append(f"    skipped {q}: {why}")
            for e in r["exceptions"]:
                out.append(f"    exception {e}")
    out.append("total: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
    return "\n".join(out) + "\n", ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Prove the evaluation labels under Django's runtime.")
    ap.add_argument("projects", nargs="*", help="projects to check (default: all)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.worker:
        result = worker(args.worker, args.verbose)
        sys.stdout.write("\n@@EVAL-RESULT@@" + json.dumps(result) + "\n")
        sys.stdout.flush()
        os._exit(0)
    names = args.projects or projects()
    results = [run_project(n) for n in names]
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    text, ok = summarize(results, args.verbose)
    sys.stdout.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
