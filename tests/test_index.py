"""The project index: name resolution across modules, models, and plain data."""

from __future__ import annotations

import pickle

import pytest
from pathlib import Path

from asynclint.index import ProjectIndex
from fixture_format import FIXTURES

ROOTS = [FIXTURES / "demo_project", FIXTURES / "rules"]


def make_index() -> ProjectIndex:
    return ProjectIndex(ROOTS)


def test_resolves_relative_imports_and_reexports() -> None:
    index = make_index()
    # `from .models import Book` inside shop.views
    assert index.resolve("shop.views", "Book") == "shop.models.Book"
    # `from loyalty import notify_badge as badge`: re-exported under another name in __init__
    assert index.resolve("DJA201_crossmodule", "badge") == "loyalty.notify.send_badge"
    assert index.function("loyalty.notify.send_badge").is_async


def test_unknown_names_are_none() -> None:
    index = make_index()
    assert index.resolve("shop.views", "does_not_exist") is None
    assert index.resolve("no.such.module", "x") is None


def test_models_fields_managers_across_apps() -> None:
    index = make_index()
    assert index.is_model("shop.models.Book")
    assert not index.is_model("billing.querysets.RewardQuerySet")
    fields = index.model_fields("shop.models.Book")
    assert fields["author"].kind == "fk" and fields["author"].target == "shop.models.Author"
    assert fields["tags"].kind == "m2m"
    assert index.model_fields("shop.models.Author")["publisher"].null
    # Reward.objects = RewardQuerySet.as_manager(), the QuerySet defined in another app
    manager = index.model_manager("loyalty.models.Reward", "objects")
    assert index.queryset_class_of_manager(manager) == "billing.querysets.RewardQuerySet"
    assert index.reverse_relations("shop.models.Author")["books"] == "fk:shop.models.Book"


def test_star_imports(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from .impl import *\n")
    (tmp_path / "pkg" / "impl.py").write_text("async def fetch():\n    pass\n")
    (tmp_path / "use.py").write_text("from pkg import fetch\n")
    index = ProjectIndex([tmp_path])
    assert index.resolve("use", "fetch") == "pkg.impl.fetch"


def test_import_cycles_terminate(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from b import thing\n")
    (tmp_path / "b.py").write_text("from a import thing\n")
    index = ProjectIndex([tmp_path])
    assert index.resolve("a", "thing") in (None, "a.thing", "b.thing")


def test_index_is_plain_picklable_data() -> None:
    index = make_index()
    index.scan_models()
    index.reverse_relations("shop.models.Book")
    copy = pickle.loads(pickle.dumps(index))
    assert copy.resolve("shop.views", "Book") == "shop.models.Book"
    assert copy.model_fields("shop.models.Book").keys() == index.model_fields("shop.models.Book").keys()


def test_routes_resolve_views_and_class_based_views(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "__init__.py").write_text("")
    (tmp_path / "site" / "views.py").write_text(
        "from django.views import View\n\nasync def home(request):\n    pass\n\n"
        "class BookView(View):\n    async def get(self, request):\n        pass\n")
    (tmp_path / "site" / "urls.py").write_text(
        "from django.urls import include, path, re_path\n\nfrom . import views\nfrom .views import BookView as Books\n\n"
        "urlpatterns = [\n    path('', views.home),\n    re_path(r'^books/$', Books.as_view()),\n"
        "    path('api/', include('site.api_urls')),\n    path('gone/', views.missing),\n]\n")
    index = ProjectIndex([tmp_path])
    routes = {(r.pattern, r.view, r.is_class) for r in index.routes()}
    assert ("", "site.views.home", False) in routes
    assert (r"^books/$", "site.views.BookView", True) in routes
    assert ("gone/", "site.views.missing", False) in routes  # resolves by name; the function is unknown
    assert len(routes) == 3  # include() is not a view
    assert index.routed_views() >= {"site.views.home", "site.views.BookView"}
    assert index.function("site.views.missing") is None


def test_demo_site_routes() -> None:
    assert make_index().routed_views() >= {"shop.views.book_list", "shop.views.book_detail", "shop.views.dashboard"}


def test_a_generator_is_one_whose_own_body_yields(tmp_path: Path) -> None:
    (tmp_path / "gen.py").write_text(
        "def rows():\n    yield 1\n\n"
        "def factory():\n    def inner():\n        yield 1\n    return inner\n\n"
        "def with_lambda():\n    return lambda: (yield)\n")
    index = ProjectIndex([tmp_path])
    assert index.function("gen.rows").is_generator
    assert not index.function("gen.factory").is_generator
    assert not index.function("gen.with_lambda").is_generator


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_generator_found_whatever_the_line_ends(tmp_path, newline):
    source = newline.join([
        "def plain():", "    return 1", "",
        "def gen():", "    x = 1", "    yield x", "",
        "def outer():", "    def inner():", "        yield 1", "    return inner", "",
        "\x0c",  # a form feed line: str.splitlines() would count it as a line break
        "def after():", "    yield from range(3)", ""])
    index = ProjectIndex([tmp_path])
    index.add_source("m", str(tmp_path / "m.py"), source)
    assert [index.function(f"m.{n}").is_generator for n in ("plain", "gen", "outer", "after")] == \
        [False, True, False, True]


def test_functions_returning_only_literals_have_no_typed_return(tmp_path):
    source = "\n".join([
        "def nothing():", "    pass", "",
        "def flag(x):", "    if x:", "        return True", "    return None  # no", "",
        "def text():", "    return 'abc'", "",
        "def books():", "    return Book.objects.all()", "",
        "def formatted(x):", "    return '{}'.format(x)", "",
        "def wrapped():", "    return (", "        1", "    )", ""])
    index = ProjectIndex([tmp_path])
    index.add_source("m", str(tmp_path / "m.py"), source)
    typed = {n: index.function(f"m.{n}").typed_return for n in ("nothing", "flag", "text", "books", "formatted",
                                                                 "wrapped")}
    # a line that is not plainly a literal counts as typed (a summary is asked for)
    assert typed == {"nothing": False, "flag": False, "text": False, "books": True, "formatted": True,
                     "wrapped": True}
