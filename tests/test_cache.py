"""The on-disk cache: hits when nothing changed, re-checks exactly what an edit
can change (the file, and the files whose analysis read it), survives any
broken cache file, and `asynclint clean` removes it."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from asynclint import cache as cache_module
from asynclint import parallel
from asynclint.cache import DIR_NAME, Cache
from asynclint.config import load_settings
from asynclint.discovery import discover
from asynclint.project import Project

MODELS = """
from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    author = models.ForeignKey("Author", on_delete=models.CASCADE)


class Author(models.Model):
    name = models.CharField(max_length=100)
"""

HELPERS_QUERY = """
from shop.models import Book


def count_books():
    return Book.objects.count()
"""

HELPERS_PURE = """
def count_books():
    return 3
"""

VIEWS = """
from django.http import JsonResponse

from shop.helpers import count_books


async def stats(request):
    return JsonResponse({"books": count_books()})
"""

OTHER_VIEWS = """
from django.http import JsonResponse


async def ping(request):
    return JsonResponse({"ok": True})
"""

SETTINGS_DB_CACHE = """
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "t"}}
"""

SETTINGS_MEM_CACHE = """
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
"""

CACHED_VIEW = """
from django.http import JsonResponse
from django.views.decorators.cache import cache_page


@cache_page(60)
async def catalogue(request):
    return JsonResponse({"ok": True})
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def bump(path: Path) -> None:
    """Make sure a rewrite is visible to (size, mtime_ns) even on a coarse clock."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write(root, "pyproject.toml", "[tool.asynclint]\n")
    write(root, "shop/__init__.py", "")
    write(root, "shop/models.py", MODELS)
    write(root, "shop/helpers.py", HELPERS_QUERY)
    write(root, "shop/views.py", VIEWS)
    write(root, "shop/other_views.py", OTHER_VIEWS)
    return root


@pytest.fixture
def summarized(monkeypatch) -> list[str]:
    """The modules summarized with libcst (not taken from the cache), in order."""
    from asynclint import engine

    found: list[str] = []
    real = engine.summarize_module

    def counting(project, modname, path):
        found.append(modname)
        return real(project, modname, path)

    monkeypatch.setattr(engine, "summarize_module", counting)
    return found


class Run:
    """One `asynclint check` of a folder, in-process, counting the files linted."""

    def __init__(self, root: Path, monkeypatch, *, use_cache: bool = True, only: str | None = None) -> None:
        self.root = root
        self.linted: list[str] = []
        real = parallel.lint_one

        def counting(path, project, record):
            self.linted.append(Path(path).name)
            return real(path, project, record)

        monkeypatch.setattr(parallel, "lint_one", counting)
        # other work on asynclint's own files must not change the key between two runs of a test
        monkeypatch.setattr(cache_module, "_code_fingerprint", lambda: "fixed for the test")
        monkeypatch.chdir(root)
        settings = load_settings(root)
        files = discover([root / only if only else root], settings)
        project = Project(settings)
        cache = Cache(settings) if use_cache else None
        found = parallel.lint_many(files, project, jobs=1, cache=cache)
        self.cache = cache
        self.findings = sorted((Path(d.path).name, d.line, d.code) for _, diags in found for d in diags)

    def codes(self, name: str) -> list[str]:
        return [code for file, _, code in self.findings if file == name]


def test_nothing_changed_is_all_hits(project_dir, monkeypatch):
    first = Run(project_dir, monkeypatch)
    assert first.codes("views.py") == ["DJA112"]
    assert sorted(first.linted) == sorted(["__init__.py", "models.py", "helpers.py", "views.py", "other_views.py"])
    second = Run(project_dir, monkeypatch)
    assert second.linted == []
    assert second.findings == first.findings
    assert second.cache.hits == 5


def test_editing_a_helper_rechecks_its_caller(project_dir, monkeypatch):
    assert Run(project_dir, monkeypatch).codes("views.py") == ["DJA112"]
    helpers = write(project_dir, "shop/helpers.py", HELPERS_PURE)
    bump(helpers)
    after = Run(project_dir, monkeypatch)
    assert after.codes("views.py") == []
    assert "views.py" in after.linted and "helpers.py" in after.linted
    assert "other_views.py" not in after.linted  # it never read helpers.py
    write(project_dir, "shop/helpers.py", HELPERS_QUERY)
    bump(helpers)
    assert Run(project_dir, monkeypatch).codes("views.py") == ["DJA112"]


def test_editing_one_view_rechecks_only_that_view(project_dir, monkeypatch):
    Run(project_dir, monkeypatch)
    other = write(project_dir, "shop/other_views.py", OTHER_VIEWS.replace('"ok": True', '"ok": False'))
    bump(other)
    after = Run(project_dir, monkeypatch)
    assert after.linted == ["other_views.py"]
    assert after.codes("views.py") == ["DJA112"]


def test_touched_but_unchanged_file_is_a_hit(project_dir, monkeypatch):
    Run(project_dir, monkeypatch)
    bump(project_dir / "shop" / "helpers.py")
    assert Run(project_dir, monkeypatch).linted == []


def test_a_setting_in_another_module_rechecks_the_view(project_dir, monkeypatch):
    settings = write(project_dir, "settings.py", SETTINGS_DB_CACHE)
    write(project_dir, "shop/cached.py", CACHED_VIEW)
    assert Run(project_dir, monkeypatch).codes("cached.py") == ["DJA607"]
    write(project_dir, "settings.py", SETTINGS_MEM_CACHE)
    bump(settings)
    after = Run(project_dir, monkeypatch)
    assert after.codes("cached.py") == []
    assert "cached.py" in after.linted


def test_a_new_module_rechecks_everything(project_dir, monkeypatch):
    before = Run(project_dir, monkeypatch)
    write(project_dir, "shop/extra.py", "X = 1\n")
    after = Run(project_dir, monkeypatch)
    assert len(after.linted) == 6  # imports may now resolve differently
    assert after.findings == before.findings


@pytest.mark.parametrize("content", [
    b"",
    b"not a pickle at all",
    b"\x80\x05\x95",  # truncated
    pickle.dumps({"format": -1}),
    pickle.dumps([1, 2, 3]),
    pickle.dumps({"format": 3, "key": "x", "stats": [], "results": 5, "modules": None}),
])
def test_a_broken_cache_is_rebuilt_silently(project_dir, monkeypatch, content):
    first = Run(project_dir, monkeypatch)
    for file in (project_dir / DIR_NAME).glob("*.pickle"):
        file.write_bytes(content)
    again = Run(project_dir, monkeypatch)
    assert again.findings == first.findings
    assert len(again.linted) == 5
    assert Run(project_dir, monkeypatch).linted == []  # and it was written again


def test_entries_that_do_not_match_are_misses(project_dir, monkeypatch):
    first = Run(project_dir, monkeypatch)
    file = next((project_dir / DIR_NAME).glob("check-*.pickle"))
    data = pickle.loads(file.read_bytes())
    for key in data["results"]:
        data["results"][key] = ("garbage",)
    file.write_bytes(pickle.dumps(data))
    again = Run(project_dir, monkeypatch)
    assert again.findings == first.findings and len(again.linted) == 5


def test_a_cache_file_naming_a_class_is_refused(project_dir, monkeypatch):
    """The cache holds builtins only; a pickle that would import something is not loaded."""
    first = Run(project_dir, monkeypatch)
    marker = project_dir / "pwned"
    files = list((project_dir / DIR_NAME).glob("*.pickle"))
    assert any(f.name.startswith("summaries-") for f in files)  # the summaries' own file too
    for file in files:
        file.write_bytes(pickle.dumps(_Evil(str(marker))))
    write(project_dir, "shop/views.py", VIEWS + "\n# edit\n")  # so helper summaries are read back
    bump(project_dir / "shop" / "views.py")
    again = Run(project_dir, monkeypatch)
    assert not marker.exists()
    assert again.findings == first.findings
    write(project_dir, "shop/views.py", VIEWS + "\n# edit 2\n")
    bump(project_dir / "shop" / "views.py")
    Run(project_dir, monkeypatch, only="shop/views.py")  # serial: reads the summaries file
    assert not marker.exists()


class _Evil:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_the_cache_folder_ignores_itself(project_dir, monkeypatch):
    Run(project_dir, monkeypatch)
    folder = project_dir / DIR_NAME
    assert folder.is_dir()
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not list(folder.glob(".tmp-*"))  # atomic writes leave no temp files


def test_no_cache_writes_nothing(project_dir, monkeypatch):
    Run(project_dir, monkeypatch, use_cache=False)
    assert not (project_dir / DIR_NAME).exists()


def test_a_read_only_project_still_checks(project_dir, monkeypatch):
    monkeypatch.setattr(Cache, "save", lambda self: None)
    run = Run(project_dir, monkeypatch)
    assert run.codes("views.py") == ["DJA112"]


def test_settings_are_part_of_the_key(project_dir, monkeypatch):
    Run(project_dir, monkeypatch)
    write(project_dir, "pyproject.toml", "[tool.asynclint]\nignore = [\"DJA112\"]\n")
    after = Run(project_dir, monkeypatch)
    assert after.codes("views.py") == []
    assert len(after.linted) == 5


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asynclint", *args], cwd=cwd, capture_output=True, text=True)


def test_cli_cache_clean_and_no_cache(project_dir):
    cold = cli("check", "--output-format", "concise", ".", cwd=project_dir)
    assert (project_dir / DIR_NAME).is_dir()
    warm = cli("check", "--output-format", "concise", ".", cwd=project_dir)
    assert warm.stdout == cold.stdout and warm.returncode == cold.returncode == 1
    assert "DJA112" in warm.stdout
    gone = cli("clean", cwd=project_dir)
    assert gone.returncode == 0 and not (project_dir / DIR_NAME).exists()
    uncached = cli("check", "--no-cache", "--jobs", "1", "--output-format", "concise", ".", cwd=project_dir)
    assert uncached.stdout == cold.stdout
    assert not (project_dir / DIR_NAME).exists()
    again = cli("clean", cwd=project_dir)
    assert again.returncode == 0 and "No cache" in again.stderr


def test_warm_path_imports_neither_libcst_nor_rules(project_dir):
    cli("check", ".", cwd=project_dir)
    # main(), not the command's run(): that one leaves the process before the probe prints
    probe = ("import sys\n"
             "sys.argv = ['asynclint', 'check', '.']\n"
             "from asynclint.cli import main\n"
             "try:\n    main()\n"
             "except SystemExit:\n    pass\n"
             "print('LOADED', 'libcst' in sys.modules, 'asynclint.rules' in sys.modules, file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", probe], cwd=project_dir, capture_output=True, text=True)
    assert "LOADED False False" in out.stderr, out.stderr


def flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    pytest.importorskip("flake8")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    # -j1: one process, so this test does not depend on how flake8 shares out files
    return subprocess.run([sys.executable, "-m", "flake8", "--isolated", "-j1", "--select", "DJA", *args],
                          cwd=cwd, capture_output=True, text=True, env=env)


def test_flake8_plugin_uses_the_cache_and_follows_dependencies(project_dir):
    first = flake8("shop", cwd=project_dir)
    assert "views.py" in first.stdout and "DJA112" in first.stdout, first.stdout + first.stderr
    entries = list((project_dir / DIR_NAME).glob("flake8-*/*.pickle"))
    assert len(entries) >= 2  # one per linted file (files no rule can fire on are skipped)
    written = {e: e.stat().st_mtime_ns for e in entries}
    again = flake8("shop", cwd=project_dir)
    assert again.stdout == first.stdout
    assert {e: e.stat().st_mtime_ns for e in entries} == written  # all hits: nothing rewritten
    helpers = write(project_dir, "shop/helpers.py", HELPERS_PURE)
    bump(helpers)
    after = flake8("shop", cwd=project_dir)
    assert "DJA112" not in after.stdout, after.stdout
    unused = flake8("--asynclint-no-cache", "shop", cwd=project_dir)
    assert unused.stdout == after.stdout


def test_flake8_cache_entries_are_only_used_when_they_match(project_dir, monkeypatch):
    from asynclint.cache import EntryCache

    monkeypatch.setattr(cache_module, "_code_fingerprint", lambda: "fixed for the test")
    settings = load_settings(project_dir)
    project = Project(settings)
    cache = EntryCache(settings, project)
    key = str(project_dir / "shop" / "views.py")
    from asynclint.diagnostics import Diagnostic

    cache.store(key, "digest-1", [Diagnostic("views.py", 3, 1, "DJA112", "m")], {key: (None, None)})
    assert cache.lookup(key, "digest-1") == ((3, 1, "DJA112", "m", 0, 0, "", 0),)
    assert cache.lookup(key, "digest-2") is None  # the text changed
    assert cache.lookup(str(project_dir / "shop" / "other_views.py"), "digest-1") is None
    for entry in cache.folder.glob("*.pickle"):
        entry.write_bytes(b"\x80\x05garbage")
    assert cache.lookup(key, "digest-1") is None  # broken: a miss, no traceback


def test_helper_summaries_are_kept_and_follow_edits(project_dir, monkeypatch, summarized):
    """Checking one file (the pre-commit case) takes the summaries of the helpers it
    calls from the cache, and summarizes a helper again once it changed."""
    views = project_dir / "shop" / "views.py"

    def edit_view(n: int) -> None:
        write(project_dir, "shop/views.py", VIEWS + f"\n# edit {n}\n")
        bump(views)

    edit_view(1)
    assert Run(project_dir, monkeypatch, only="shop/views.py").codes("views.py") == ["DJA112"]
    assert summarized == ["shop.helpers"]
    edit_view(2)
    assert Run(project_dir, monkeypatch, only="shop/views.py").codes("views.py") == ["DJA112"]
    assert summarized == ["shop.helpers"]  # from the cache this time
    bump(write(project_dir, "shop/helpers.py", HELPERS_PURE))
    edit_view(3)
    assert Run(project_dir, monkeypatch, only="shop/views.py").codes("views.py") == []
    assert summarized == ["shop.helpers", "shop.helpers"]
    bump(write(project_dir, "shop/helpers.py", HELPERS_QUERY))
    edit_view(4)
    assert Run(project_dir, monkeypatch, only="shop/views.py").codes("views.py") == ["DJA112"]


def test_a_broken_summary_cache_is_ignored(project_dir, monkeypatch):
    Run(project_dir, monkeypatch, only="shop/views.py")
    for file in (project_dir / DIR_NAME).glob("summaries-*.pickle"):
        file.write_bytes(b"garbage")
    write(project_dir, "shop/views.py", VIEWS + "\n# edit\n")
    bump(project_dir / "shop" / "views.py")
    assert Run(project_dir, monkeypatch, only="shop/views.py").codes("views.py") == ["DJA112"]


def test_a_new_async_def_changes_the_prefilter_and_is_followed(project_dir, monkeypatch):
    """A sync file calling a project coroutine function by name is only parsed once
    that name is known; adding the ``async def`` elsewhere must re-check it."""
    write(project_dir, "shop/jobs.py", "def refresh_all_caches():\n    return 1\n")
    caller = write(project_dir, "shop/tasks.py",
                  "from shop.jobs import refresh_all_caches\n\n\ndef nightly():\n    refresh_all_caches()\n")
    assert Run(project_dir, monkeypatch).codes("tasks.py") == []
    bump(write(project_dir, "shop/jobs.py", "async def refresh_all_caches():\n    return 1\n"))
    after = Run(project_dir, monkeypatch)
    assert after.codes("tasks.py") == ["DJA203"]
    assert "tasks.py" in after.linted and caller.exists()


def test_a_cache_with_the_right_key_and_garbage_inside_is_survived(project_dir, monkeypatch):
    first = Run(project_dir, monkeypatch)
    file = next((project_dir / DIR_NAME).glob("check-*.pickle"))
    data = pickle.loads(file.read_bytes())
    data["stats"] = {path: "garbage" for path in data["stats"]}
    data["values"] = {"=prefilter": 42, "=async-names": ("x",)}
    data["results"] = {path: (1, 2, 3, 4) for path in data["results"]}
    file.write_bytes(pickle.dumps(data))
    again = Run(project_dir, monkeypatch)
    assert again.findings == first.findings and len(again.linted) == 5
    assert Run(project_dir, monkeypatch).linted == []


SETTINGS_REDIS = """
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
"""

CACHE_CALL_VIEW = """
from django.core.cache import cache
from django.http import JsonResponse


async def stats(request):
    return JsonResponse({"n": cache.get("n")})
"""


def test_a_scan_kept_on_the_project_is_a_whole_project_dependency(project_dir, monkeypatch):
    """Rule helpers keep project-wide scans as `project._asynclint_*` attributes (read with
    getattr): the cache backend of DJA306 comes from another module's CACHES."""
    settings = write(project_dir, "settings.py", SETTINGS_REDIS)
    write(project_dir, "shop/cachey.py", CACHE_CALL_VIEW)
    assert Run(project_dir, monkeypatch).codes("cachey.py") == ["DJA306"]
    bump(write(project_dir, "settings.py", SETTINGS_MEM_CACHE))
    after = Run(project_dir, monkeypatch)
    assert after.codes("cachey.py") == []
    assert "cachey.py" in after.linted and settings.exists()


UTIL = """
def label():
    return "books"
"""

VIEWS_USING_UTIL = """
from django.http import JsonResponse

from shop.util import label


async def labelled(request):
    return JsonResponse({"label": label()})
"""


def test_an_edit_that_changes_nothing_others_learn_rechecks_only_that_file(project_dir, monkeypatch):
    """Early cutoff: the importers of a module depend on its definitions and on what its
    functions do, not on its text. A comment, or a body doing the same kind of thing,
    re-checks the module alone; a new effect re-checks the importer."""
    util = write(project_dir, "shop/util.py", UTIL)
    write(project_dir, "shop/labels.py", VIEWS_USING_UTIL)
    Run(project_dir, monkeypatch)
    write(project_dir, "shop/util.py", UTIL + "\n# a comment\n")
    bump(util)
    assert Run(project_dir, monkeypatch).linted == ["util.py"]
    write(project_dir, "shop/util.py", UTIL.replace('"books"', '"volumes"'))
    bump(util)
    assert Run(project_dir, monkeypatch).linted == ["util.py"]
    write(project_dir, "shop/util.py", "from shop.models import Book\n" + UTIL.replace(
        'return "books"', "return Book.objects.first().title"))
    bump(util)
    after = Run(project_dir, monkeypatch)
    assert sorted(after.linted) == ["labels.py", "util.py"]
    assert after.codes("labels.py") == ["DJA112"]


def test_a_cached_summary_finds_the_line_a_new_finding_cites(project_dir, monkeypatch, summarized):
    """Summaries go to the cache without lines nobody cited (positions cost a pass over
    the file); a later finding through one finds the real line."""
    # a sync caller: the helper is summarized (its return type), no finding cites it
    write(project_dir, "shop/views.py", VIEWS.replace(
        "async def stats(request):", "def total():\n    n = count_books()\n    return n\n\n\nasync def stats(request):")
        .replace("count_books()})", "3})"))
    assert Run(project_dir, monkeypatch, only="shop/views.py").findings == []
    assert summarized == ["shop.helpers"]
    write(project_dir, "shop/caller.py", VIEWS)
    after = Run(project_dir, monkeypatch, only="shop/caller.py")
    assert after.codes("caller.py") == ["DJA112"]
    # from the cache, then summarized again once, for the line the message cites
    assert summarized == ["shop.helpers", "shop.helpers"]
    line = 1 + textwrap.dedent(HELPERS_QUERY).lstrip().splitlines().index("    return Book.objects.count()")
    settings = load_settings(project_dir)
    monkeypatch.chdir(project_dir)
    [(_, [finding])] = parallel.lint_many([project_dir / "shop" / "caller.py"], Project(settings), jobs=1,
                                          cache=Cache(settings))
    assert f"helpers.py:{line} count_books" in finding.message


def test_fingerprints_are_the_same_in_every_process():
    """Index entries and summaries are compared across runs by fingerprint: sets must
    not make it depend on the string hash seed of the process."""
    code = ("from asynclint.deps import fingerprint\n"
            "from asynclint.index import ClassInfo, FieldInfo\n"
            "print(fingerprint(ClassInfo('m.C', 'm', 'C', 1, ('b',), async_methods=frozenset({'get', 'post', 'put'}),"
            " fields={'f': FieldInfo('f', 'fk', 'm.D')}), {'x', 'y', 'z'}))\n")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(seen) == 1 and len(seen.pop().strip()) == 32


def test_a_partial_run_that_renews_a_scan_drops_the_results_built_on_the_old_one(project_dir, monkeypatch):
    """`asynclint check one_file.py` after a settings edit computes the settings scan
    again; the files it did not check, whose results used the old scan, must not be
    taken from the cache later."""
    settings = write(project_dir, "settings.py", SETTINGS_DB_CACHE)
    write(project_dir, "shop/cached.py", CACHED_VIEW)
    write(project_dir, "shop/cached_too.py", CACHED_VIEW)
    first = Run(project_dir, monkeypatch)
    assert first.codes("cached.py") == first.codes("cached_too.py") == ["DJA607"]
    write(project_dir, "settings.py", SETTINGS_MEM_CACHE)
    bump(settings)
    assert Run(project_dir, monkeypatch, only="shop/cached.py").codes("cached.py") == []
    after = Run(project_dir, monkeypatch)
    assert "cached_too.py" in after.linted
    assert after.codes("cached_too.py") == []


def test_summaries_computed_by_worker_processes_are_kept(project_dir, monkeypatch, summarized):
    """A full run in worker processes hands the helper summaries its workers computed to
    the cache: the next edit of one view (the pre-commit case) does not summarize again."""
    monkeypatch.setattr(cache_module, "_code_fingerprint", lambda: "fixed for the test")
    monkeypatch.chdir(project_dir)
    settings = load_settings(project_dir)
    files = discover([project_dir], settings)
    assert parallel.workers_for(len(files), 2) == 2
    parallel.lint_many(files, Project(settings), jobs=2, cache=Cache(settings))
    write(project_dir, "shop/views.py", VIEWS + "\n# edited\n")
    bump(project_dir / "shop" / "views.py")
    summarized.clear()  # (the workers' calls were counted in other processes anyway)
    assert Run(project_dir, monkeypatch, only="shop/views.py").codes("views.py") == ["DJA112"]
    assert summarized == []
