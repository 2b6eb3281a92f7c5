"""Speed never changes results: the read-only walk visits what libcst visits, and
serial, parallel, cold-cache and warm-cache runs give identical findings, in
content and order, on the fixtures tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import libcst as cst
import pytest

from asynclint import cache as cache_module
from asynclint import parallel
from asynclint.cache import Cache
from asynclint.config import load_settings
from asynclint.discovery import discover
from asynclint.project import Project
from asynclint.walk import TRIVIA, _order_from_code, order_from_source, skippable, walk

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


class Recorder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.seen.append(("visit", id(node)))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.seen.append(("leave", id(original_node)))


def _sources() -> list[Path]:
    files = sorted(FIXTURES.rglob("*.py"))
    django = Path(__import__("django").__file__).parent
    # Django's own code: every kind of statement and expression, in bulk
    files += [django / rel for rel in ("db/models/query.py", "db/models/sql/compiler.py",
                                       "utils/autoreload.py", "core/handlers/base.py", "test/testcases.py",
                                       "contrib/admin/options.py", "template/defaulttags.py")]
    return files


def test_walk_visits_exactly_what_libcst_visits():
    checked = 0
    for path in _sources():
        try:
            module = cst.parse_module(path.read_bytes())
        except Exception:  # noqa: BLE001 - files the parser refuses are not walked at all
            continue
        ours, theirs = Recorder(), Recorder()
        walk(module, ours)
        module.visit(theirs)
        assert ours.seen == theirs.seen, path
        checked += 1
    assert checked > 50


def test_child_order_from_bytecode_is_the_order_in_the_source():
    import inspect

    kinds = [k for k in vars(cst).values()
             if isinstance(k, type) and issubclass(k, cst.CSTNode) and not inspect.isabstract(k)]
    assert len(kinds) > 150
    for kind in kinds:
        assert _order_from_code(kind) == order_from_source(kind), kind
    assert _order_from_code(cst.ImportFrom) is None  # `names` is visited one of two ways
    assert _order_from_code(cst.Name) == ("lpar", "rpar")  # a name in parentheses
    assert _order_from_code(cst.SimpleWhitespace) == ()


class SkippingRecorder(Recorder):
    """libcst's own walk, noting nothing at or below a node of a skipped type."""

    def __init__(self, skip: frozenset[type]) -> None:
        super().__init__()
        self.skip = skip
        self.hidden = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.hidden or type(node) in self.skip:
            self.hidden += 1
            return False
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self.hidden:
            self.hidden -= 1
            return
        super().on_leave(original_node)


def test_walk_skipping_trivia_visits_the_rest_in_libcst_order():
    skip = skippable({"Comma"})  # a handled trivia type is not skipped
    assert cst.Comma not in skip and cst.SimpleWhitespace in skip and cst.Add in skip
    assert not any(issubclass(kind, (cst.BaseExpression, cst.BaseStatement)) for kind in TRIVIA)
    visited = skipped = 0
    for path in _sources()[-7:]:
        module = cst.parse_module(path.read_bytes())
        ours, theirs, everything = Recorder(), SkippingRecorder(skip), Recorder()
        walk(module, ours, skip)
        module.visit(theirs)
        walk(module, everything)
        assert ours.seen == theirs.seen, path
        visited += len(ours.seen)
        skipped += len(everything.seen) - len(ours.seen)
    assert skipped > visited  # trivia is most of a tree


def test_walk_respects_a_visitor_that_skips_children():
    module = cst.parse_module("def f():\n    x = 1\n\nclass C:\n    def g(self):\n        y = 2\n")

    class NoFunctions(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.names: list[str] = []

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Name(self, node: cst.Name) -> None:
            self.names.append(node.value)

    ours, theirs = NoFunctions(), NoFunctions()
    walk(module, ours)
    module.visit(theirs)
    assert ours.names == theirs.names == ["C"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("speed") / "fixtures"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns(".asynclint_cache", "__pycache__"))
    return root


def _run(root: Path, *, jobs: int, use_cache: bool):
    settings = load_settings(root)
    files = discover([root], settings)
    cache = Cache(settings) if use_cache else None
    found = parallel.lint_many(files, Project(settings), jobs=jobs, cache=cache)
    return [(str(path), diags) for path, diags in found], cache


def test_serial_parallel_and_cached_runs_agree(tree, monkeypatch):
    monkeypatch.chdir(tree)
    # other work on asynclint's own files must not change the cache key during the test
    monkeypatch.setattr(cache_module, "_code_fingerprint", lambda: "fixed for the test")
    serial, _ = _run(tree, jobs=1, use_cache=False)
    assert sum(len(d) for _, d in serial) > 100  # the fixtures have plenty of findings

    parallel_run, _ = _run(tree, jobs=2, use_cache=False)
    assert parallel_run == serial

    cold, cache = _run(tree, jobs=2, use_cache=True)
    assert cold == serial and cache.hits == 0

    warm, cache = _run(tree, jobs=1, use_cache=True)
    assert warm == serial and cache.hits == len(serial)

    # one file changed: it alone (and what read it) is checked again, in parallel
    victim = tree / "rules" / "DJA301.py"
    victim.write_text(victim.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    partly, cache = _run(tree, jobs=2, use_cache=True)
    assert partly == serial
    assert 0 < cache.hits < len(serial)


def test_parallel_needs_enough_files():
    assert parallel.workers_for(1, 8) == 1
    assert parallel.workers_for(4, 8) == 1
    assert parallel.workers_for(5, 8) == 2
    assert parallel.workers_for(1000, 2) == 2


def test_prefilter_answers_the_same_before_and_after_it_compiles():
    from asynclint.project import Triggers

    triggers = Triggers([b"async", b"objects.get(", b"a.b"])
    samples = [b"", b"async def f(): pass", b"x = Book.objects.get(pk=1)", b"aXb", b"a.b", b"nothing here",
               b"asyn", b"objects.get"] * 3
    expected = [any(t in s for t in (b"async", b"objects.get(", b"a.b")) for s in samples]
    assert [triggers.search(s) for s in samples] == expected  # the first few string by string
    assert triggers._compiled is not None
    assert Triggers([]).search(b"anything") is False


def test_the_cyclic_collector_is_paused_for_a_run_and_restored(monkeypatch):
    import gc

    seen: list[bool] = []
    real = parallel.lint_one

    def spy(path, project, record):
        seen.append(gc.isenabled())
        return real(path, project, record)

    monkeypatch.setattr(parallel, "lint_one", spy)
    monkeypatch.setattr(parallel, "COLLECT_EVERY", 2)
    collected: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(1) or 0)
    settings = load_settings(FIXTURES)
    files = discover([FIXTURES / "rules"], settings)[:5]
    assert gc.isenabled()
    parallel.lint_many(files, Project(settings), jobs=1)
    assert seen == [False] * 5  # paused while files are checked
    assert collected  # and run by hand every COLLECT_EVERY files
    assert gc.isenabled()  # restored afterwards
