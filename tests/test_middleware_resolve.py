"""The middleware model behind DJA5xx, on small synthetic projects (tmp_path).

Covers how settings modules are tied to an ASGI site, layered settings, dotted
paths resolved into the project / Django / an installed package (located, never
imported), capability through bases and decorators read from source, and bad
input that must neither crash nor report.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from asynclint.config import load_settings
from asynclint.engine import lint_path
from asynclint.middleware_resolve import UNKNOWN, Capability, Missing, model_for
from asynclint.project import Project

ASGI_PY = """
    import os
    from django.core.asgi import get_asgi_application

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{settings}")
    application = get_asgi_application()
"""

APP_MW = """
    from django.utils.decorators import sync_and_async_middleware
    from django.utils.deprecation import MiddlewareMixin


    class Sync:
        def __init__(self, get_response):
            self.get_response = get_response

        def __call__(self, request):
            return self.get_response(request)


    class Sync2(Sync):
        pass


    class Mixin(MiddlewareMixin):
        pass


    @sync_and_async_middleware
    def hybrid(get_response):
        return get_response
"""


def make_project(root: Path, files: dict[str, str]) -> Project:
    (root / "pyproject.toml").write_text('[tool.asynclint]\nsrc = ["."]\n', encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return Project(load_settings(root, select=("DJA5",)))


def findings(project: Project, root: Path, name: str) -> list[tuple[int, str]]:
    return sorted((d.line, d.code) for d in lint_path(root / name, project))


def line_of(root: Path, name: str, needle: str) -> int:
    lines = (root / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def test_layered_settings_tied_by_asgi_py(tmp_path: Path) -> None:
    project = make_project(tmp_path, {
        "app/__init__.py": "",
        "app/mw.py": APP_MW,
        "config/__init__.py": "",
        "config/asgi.py": ASGI_PY.format(settings="config.settings.production"),
        "config/settings/__init__.py": "",
        "config/settings/base.py": """
            MIDDLEWARE = [
                "django.middleware.security.SecurityMiddleware",
                "app.mw.Sync",
                "app.mw.Mixin",
            ]
        """,
        "config/settings/production.py": """
            from .base import *  # noqa
        """,
        "config/settings/dev.py": """
            from .base import *  # noqa

            MIDDLEWARE += ["app.mw.Sync2"]
        """,
    })
    model = model_for(project)
    assert model.is_asgi("config.settings.production")
    assert not model.is_asgi("config.settings.dev")
    assert not model.is_asgi("config.settings.base")
    # base's list is served over ASGI through production; dev's extra entry is not.
    assert findings(project, tmp_path, "config/settings/base.py") == [
        (line_of(tmp_path, "config/settings/base.py", "app.mw.Sync"), "DJA501")]
    assert findings(project, tmp_path, "config/settings/dev.py") == []


def test_asgi_py_without_a_readable_settings_name_ties_its_package(tmp_path: Path) -> None:
    project = make_project(tmp_path, {
        "app/__init__.py": "",
        "app/mw.py": APP_MW,
        "site_a/__init__.py": "",
        "site_a/asgi.py": """
            import os
            from django.core.asgi import get_asgi_application

            os.environ.setdefault("DJANGO_SETTINGS_MODULE", os.environ["SITE"] + ".settings")
            application = get_asgi_application()
        """,
        "site_a/settings.py": 'MIDDLEWARE = ["app.mw.Sync"]\n',
        "site_b/__init__.py": "",
        "site_b/settings.py": 'MIDDLEWARE = ["app.mw.Sync"]\n',
    })
    assert findings(project, tmp_path, "site_a/settings.py") == [(1, "DJA501")]
    assert findings(project, tmp_path, "site_b/settings.py") == []


def test_composition_order_and_forced_count(tmp_path: Path) -> None:
    project = make_project(tmp_path, {
        "app/__init__.py": "",
        "app/mw.py": APP_MW,
        "settings.py": """
            ASGI_APPLICATION = "asgi.application"
            _BASE = ["app.mw.Mixin", "django.contrib.sessions.middleware.SessionMiddleware"]
            MIDDLEWARE = [*_BASE, "app.mw.hybrid"] + list(("app.mw.Mixin",))
            MIDDLEWARE.insert(-1, "app.mw.Sync")
            MIDDLEWARE.remove("app.mw.hybrid")
            MIDDLEWARE.insert(0, "app.mw.Sync2")
        """,
    })
    model = model_for(project)
    stack = [e.path for e in model.env("settings")["MIDDLEWARE"]]
    assert stack == ["app.mw.Sync2", "app.mw.Mixin", "django.contrib.sessions.middleware.SessionMiddleware",
                     "app.mw.Sync", "app.mw.Mixin"]
    by_path = {f.entry.path: f for found in model.findings("settings").values() for f in found}
    assert by_path["app.mw.Sync"].above == ["django.contrib.sessions.middleware.SessionMiddleware", "app.mw.Mixin"]
    assert by_path["app.mw.Sync2"].above == []
    diagnostics = lint_path(tmp_path / "settings.py", project)
    sync = next(d for d in diagnostics if "`app.mw.Sync`" in d.message)
    assert "2 async-capable middleware above it" in sync.message


def test_capability_from_source(tmp_path: Path) -> None:
    project = make_project(tmp_path, {
        "app/__init__.py": "",
        "app/flags.py": """
            def make_async(thing):
                \"\"\"A project decorator that works like Django's.\"\"\"
                thing.async_capable = True
                thing.sync_capable = True
                return thing


            def wrap(thing):
                return lambda get_response: thing(get_response)
        """,
        "app/mw.py": """
            from django.utils.decorators import sync_only_middleware
            from django.utils.deprecation import MiddlewareMixin as Mixin

            from app.flags import make_async, wrap
            from app import flags


            class Base:
                async_capable = True


            class Child(Base):
                pass


            class Reset(Child):
                async_capable = False


            @make_async
            class Decorated:
                pass


            @flags.make_async
            class DecoratedThroughModule:
                pass


            @wrap
            class Wrapped:
                pass


            @sync_only_middleware
            class SyncOnly(Mixin):
                pass


            class Later:
                pass


            Later.async_capable = True

            Alias = Child

            try:
                from not_installed import Twice
            except ImportError:
                class Twice:
                    pass


            class FromMissingBase(not_imported_anywhere.Base):
                pass


            class Diamond(Reset, Decorated):
                pass
        """,
    })
    model = model_for(project)

    def cap(name):
        found = model.capability(f"app.mw.{name}")
        return found if not isinstance(found, Capability) else (found.sync_capable, found.async_capable)

    assert cap("Child") == (True, True)
    assert cap("Reset") == (True, False)
    assert cap("Decorated") == (True, True)
    assert cap("DecoratedThroughModule") == (True, True)
    assert cap("Wrapped") is UNKNOWN
    assert cap("SyncOnly") == (True, False)
    assert cap("Later") == (True, True)
    assert cap("Alias") == (True, True)
    assert cap("Twice") is UNKNOWN
    assert cap("FromMissingBase") is UNKNOWN
    assert cap("Diamond") == (True, False)  # C3: Reset comes before Decorated
    assert isinstance(cap("Nope"), Missing)
    assert isinstance(model.capability("app.nomodule.X"), Missing)
    assert isinstance(model.capability("NoDots"), Missing)


def test_installed_package_is_read_not_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    (site / "thirdmw").mkdir(parents=True)
    (site / "thirdmw" / "__init__.py").write_text('raise RuntimeError("thirdmw was imported")\n', encoding="utf-8")
    (site / "thirdmw" / "middleware.py").write_text(textwrap.dedent("""
        from django.utils.deprecation import MiddlewareMixin


        class ThirdSync:
            def __init__(self, get_response):
                self.get_response = get_response


        class ThirdMixin(MiddlewareMixin):
            pass
    """), encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    project_root = tmp_path / "proj"
    project_root.mkdir()
    project = make_project(project_root, {
        "settings.py": """
            ASGI_APPLICATION = "asgi.application"
            MIDDLEWARE = [
                "thirdmw.middleware.ThirdMixin",
                "thirdmw.middleware.ThirdSync",
                "thirdmw.middleware.Missing",
                "thirdmw.nomodule.X",
            ]
        """,
    })
    assert findings(project, project_root, "settings.py") == [(4, "DJA501"), (5, "DJA504"), (6, "DJA504")]
    assert "thirdmw" not in sys.modules and "thirdmw.middleware" not in sys.modules


def test_wsgi_only_project_reports_only_unresolvable(tmp_path: Path) -> None:
    project = make_project(tmp_path, {
        "app/__init__.py": "",
        "app/mw.py": APP_MW,
        "settings.py": """
            WSGI_APPLICATION = "wsgi.application"
            MIDDLEWARE = ["app.mw.Sync", "app.mw.Sycn"]
        """,
    })
    assert findings(project, tmp_path, "settings.py") == [(2, "DJA504")]


def test_bad_input_neither_crashes_nor_reports(tmp_path: Path) -> None:
    project = make_project(tmp_path, {
        "a.py": "from b import *\nASGI_APPLICATION = 'x'\nMIDDLEWARE = MIDDLEWARE + foo()\n",
        "b.py": "from a import *\nMIDDLEWARE.insert(pos(), 'cyc.Loop')\n",
        "cyc.py": "class Loop(Loop2):\n    pass\n\n\nclass Loop2(Loop):\n    pass\n",
        "broken.py": "class Broken(:\n",
        "dyn.py": "def __getattr__(name):\n    return object\n",
        "settings.py": """
            ASGI_APPLICATION = "asgi.application"
            MIDDLEWARE = [
                "cyc.Loop",
                "broken.Broken",
                "dyn.Anything",
                f"app.{'mw'}.Sync",
                "",
                ".",
                "django.contrib.sessions.middleware.SessionMiddleware",
                42,
            ]
            MIDDLEWARE.insert(len(MIDDLEWARE), "cyc.Loop2")
            MIDDLEWARE.sort()
            MIDDLEWARE = MIDDLEWARE
        """,
    })
    for name in ("a.py", "b.py", "cyc.py", "dyn.py", "settings.py"):
        got = findings(project, tmp_path, name)
        assert all(code != "DJA002" for _, code in got), got
    # "" and "." cannot be imported; the cyclic classes, the unparsable module, the
    # dynamic module and the f-string are unknown.
    assert findings(project, tmp_path, "settings.py") == [(7, "DJA504"), (8, "DJA504")]


def test_outside_the_projects_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """asynclint installed on its own (pipx): no package, not even Django, can be located."""
    from asynclint.middleware_resolve import MiddlewareModel

    monkeypatch.setattr(MiddlewareModel, "_spec", staticmethod(lambda top: None))
    project = make_project(tmp_path, {
        "app/__init__.py": "",
        "app/mw.py": APP_MW,
        "settings.py": """
            ASGI_APPLICATION = "asgi.application"
            MIDDLEWARE = [
                "django.middleware.security.SecurityMiddleware",
                "app.mw.Mixin",
                "app.mw.Sync",
                "some_package.middleware.Thing",
                "django.middleware.common.CommonMiddlewar",
            ]
        """,
    })
    model = model_for(project)
    assert not model.django_installed
    assert model.capability("some_package.middleware.Thing") is UNKNOWN  # not "not installed"
    mixin = model.capability("app.mw.Mixin")
    assert isinstance(mixin, Capability) and mixin.async_capable
    # Sync is still known from the project's source; Django's own middleware is known to be async-capable.
    assert findings(project, tmp_path, "settings.py") == [(5, "DJA501")]
    sync = next(d for d in lint_path(tmp_path / "settings.py", project) if d.code == "DJA501")
    assert "2 async-capable middleware above it" in sync.message


def test_insert_positions(tmp_path: Path) -> None:
    project = make_project(tmp_path, {
        "settings.py": """
            ASGI_APPLICATION = "asgi.application"
            BASE = ["a.A", "a.B", "a.C"]
            MIDDLEWARE = BASE[:]
            MIDDLEWARE.insert(MIDDLEWARE.index("a.B") + 1, "a.AfterB")
            MIDDLEWARE.insert(len(MIDDLEWARE), "a.Last")
            MIDDLEWARE.insert(-1, "a.BeforeLast")
            MIDDLEWARE.insert(1 - 1, "a.First")
            UNKNOWN_ORDER = list(BASE)
            UNKNOWN_ORDER.insert(compute(), "a.Somewhere")
        """,
    })
    env = model_for(project).env("settings")
    assert [e.path for e in env["MIDDLEWARE"]] == ["a.First", "a.A", "a.B", "a.AfterB", "a.C", "a.BeforeLast",
                                                   "a.Last"]
    somewhere = env["UNKNOWN_ORDER"]
    assert "a.Somewhere" in [getattr(e, "path", None) for e in somewhere]
    assert UNKNOWN in somewhere  # its place is not known: nothing is counted above it


def test_a_tree_of_several_projects_keeps_them_apart(tmp_path: Path) -> None:
    """Two sites with the same module names: each settings module resolves in its own site."""
    sync_mw = "class Timing:\n    def __init__(self, get_response):\n        self.get_response = get_response\n"
    async_mw = "class Timing:\n    async_capable = True\n    sync_capable = True\n"
    files: dict[str, str] = {}
    for site, mw in (("site_a", sync_mw), ("site_b", async_mw)):
        files.update({
            f"{site}/manage.py": "",
            f"{site}/config/__init__.py": "",
            f"{site}/config/asgi.py": ASGI_PY.format(settings="config.settings"),
            f"{site}/config/settings.py": 'MIDDLEWARE = [\n    "app.mw.Timing",\n    "app.mw.Other",\n]\n',
            f"{site}/app/__init__.py": "",
            f"{site}/app/mw.py": mw + ("\n\nclass Other:\n    async_capable = True\n" if site == "site_b" else ""),
        })
    project = make_project(tmp_path, files)
    assert findings(project, tmp_path, "site_a/config/settings.py") == [(2, "DJA501"), (3, "DJA504")]
    assert findings(project, tmp_path, "site_b/config/settings.py") == []


def test_override_reported_only_where_django_runs_it_async(tmp_path: Path) -> None:
    override = """
        from django.utils.deprecation import MiddlewareMixin


        class Override(MiddlewareMixin):
            def __call__(self, request):
                response = self.get_response(request)
                response["X"] = "1"
                return response


        class Plain:
            def __init__(self, get_response):
                self.get_response = get_response
    """
    stacks = {
        # a sync-only middleware below it: Django runs it sync, get_response is sync
        "below": '["app.mw.Override", "app.mw.Plain"]',
        # above it only: it still runs async
        "above": '["app.mw.Plain", "app.mw.Override"]',
    }
    for case, stack in stacks.items():
        root = tmp_path / case
        root.mkdir()
        project = make_project(root, {
            "app/__init__.py": "",
            "app/mw.py": override,
            "settings.py": f'ASGI_APPLICATION = "asgi.application"\nMIDDLEWARE = {stack}\n',
        })
        got = [code for _, code in findings(project, root, "app/mw.py")]
        assert got == ([] if case == "below" else ["DJA506"]), case


def test_optional_packages_behind_a_condition(tmp_path: Path) -> None:
    """``if DEBUG: MIDDLEWARE += [debug toolbar]``, or a package also in INSTALLED_APPS: not
    installed here, but a dependency of the site (installed where it runs)."""
    project = make_project(tmp_path, {
        "settings.py": """
            DEBUG = True
            INSTALLED_APPS = ["django.contrib.auth", "not_installed_cors"]
            MIDDLEWARE = ["django.middleware.common.CommonMiddleware", "not_installed_pkg.mw.Always",
                          "not_installed_cors.middleware.CorsMiddleware"]
            if DEBUG:
                MIDDLEWARE.insert(0, "not_installed_toolbar.middleware.ToolbarMiddleware")
                MIDDLEWARE += ["django.middleware.common.CommonMiddlewar"]
            try:
                import not_installed_whitenoise  # noqa: F401
            except ImportError:
                pass
            else:
                MIDDLEWARE.append("not_installed_whitenoise.middleware.WhiteNoiseMiddleware")
        """,
    })
    # the unconditional missing package (not an installed app either) and the typo in Django
    # are still reported
    assert findings(project, tmp_path, "settings.py") == [(3, "DJA504"), (7, "DJA504")]
