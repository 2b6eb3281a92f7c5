"""DJA2xx beyond the fixtures: what counts as a coroutine, messages and cures,
module-level code, and odd syntax (the fixtures prove the cases at runtime)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from asynclint.config import load_settings
from asynclint.engine import lint_path
from asynclint.project import Project

MODELS = """\
from django.db import models


class ThingQuerySet(models.QuerySet):
    def aupdate(self, **kwargs):  # a project override that is a plain def
        raise PermissionError("things are immutable")


class Thing(models.Model):
    name = models.CharField(max_length=50)
    objects = ThingQuerySet.as_manager()


class Book(models.Model):
    title = models.CharField(max_length=50)

    async def apublish(self):
        await self.asave()
"""


def lint(tmp_path: Path, source: str, select: str = "DJA2", target: tuple[int, int] | None = None):
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    shop = tmp_path / "shop"
    shop.mkdir(exist_ok=True)
    (shop / "__init__.py").write_text("")
    (shop / "models.py").write_text(MODELS)
    path = tmp_path / "views.py"
    path.write_text(textwrap.dedent(source))
    overrides = {"select": (select,)}
    if target:
        overrides["target_django"] = target
    settings = load_settings(tmp_path, **overrides)
    return lint_path(path, Project(settings))


def found(diagnostics) -> list[tuple[int, str]]:
    return sorted((d.line, d.code) for d in diagnostics)


def test_a_method_counts_by_receiver(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, """\
        import zookeeper
        from django.core.cache import cache
        from shop.models import Book, Thing


        async def view(request, client, qs):
            zookeeper.aget(1, "/node")
            zookeeper.acreate(1, "/node")
            client.aclose()
            client.aset("k", 1)
            qs.acount()
            cache.aset("k", 1)
            Book.objects.aupdate(title="x")
            Thing.objects.aupdate(name="x")
            Book.objects.all()
            Book.objects.aiterator()
            request.auser()
            request.session.aflush()
            Book().apublish()
    """)
    assert found(diagnostics) == [(11, "DJA201"), (12, "DJA201"), (13, "DJA201"), (17, "DJA201"),
                                  (18, "DJA201"), (19, "DJA201")]


def test_decorators_decide(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, """\
        from asgiref.sync import sync_to_async
        from somewhere import cached


        @cached
        async def unknown_wrapper():
            return 1


        @sync_to_async
        def threaded():
            return 1


        async def gen():
            yield 1


        async def view(request):
            unknown_wrapper()
            threaded()
            gen()
    """)
    assert found(diagnostics) == [(21, "DJA201")]


def test_module_level_code_is_sync_code(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, """\
        import asyncio


        async def main():
            await asyncio.sleep(0)


        asyncio.sleep(1)
        asyncio.run(main())
        if __name__ == "__main__":
            main()
    """)
    assert found(diagnostics) == [(8, "DJA203"), (11, "DJA203")]


def test_messages_name_the_call_the_symptom_and_the_cure(tmp_path: Path) -> None:
    source = """\
        from shop.models import Book


        async def rename(request):
            book = await Book.objects.aget(pk=1)
            book.asave()


        def rename_sync(request):
            book = Book.objects.get(pk=1)
            book.asave()


        async def rename_in_helper(request):
            def _save(book):
                book.asave()

            _save(await Book.objects.aget(pk=1))
    """
    by_line = {d.line: d.message for d in lint(tmp_path, source)}
    assert "`book.asave()`" in by_line[6] and "never awaited" in by_line[6]
    assert "`await book.asave()` (Django 4.2+)" in by_line[6]
    assert "`book.save()`" in by_line[11] and "sync function `rename_sync()`" in by_line[11]
    # A sync helper the coroutine calls runs on the loop: no sync twin, no async_to_sync.
    assert "ensure_future" in by_line[16] and "book.save" not in by_line[16]
    old = {d.line: d.message for d in lint(tmp_path, source, target=(4, 1))}
    assert "`await sync_to_async(book.save)(...)`" in old[6] and "Django 4.2+" in old[6]


def test_values_names_and_containers(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, """\
        import asyncio
        from shop.models import Book


        async def fetch(n):
            return n


        async def view(request, urls=(1, 2)):
            if Book.objects.aexists():
                pass
            total = Book.objects.acount() + 1
            label = f"{Book.objects.acount()}"
            result = fetch(1) or None
            both = fetch(2) and None
            pending = fetch(3)
            later = fetch(4)
            await later
            tasks = []
            for url in urls:
                tasks.append(fetch(url))
            kept = []
            kept.append(fetch(5))
            await asyncio.gather(*kept)
            dropped = [fetch(u) for u in urls]
            await asyncio.gather(*(fetch(u) for u in urls))
            return result
    """)
    # line 14: `result` is returned from a coroutine, so `await view()` would get a coroutine object
    assert found(diagnostics) == [(10, "DJA202"), (12, "DJA202"), (13, "DJA202"), (14, "DJA202"), (15, "DJA202"),
                                  (16, "DJA202"), (21, "DJA202"), (25, "DJA202")]


def test_async_to_sync_wants_the_function(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, """\
        from asgiref.sync import async_to_sync


        async def fetch(n):
            return n


        def view(request):
            async_to_sync(fetch)(1)
            return async_to_sync(fetch(2))()
    """)
    assert found(diagnostics) == [(10, "DJA203")]
    assert "takes the async function itself" in diagnostics[0].message


def test_odd_syntax_never_crashes(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, """\
        import asyncio


        async def fetch(n=None, *args, **kwargs):
            return n


        async def odd(x=fetch(), *args, y=fetch(), **kw):
            global G
            G = fetch()
            match x:
                case {"a": 1}:
                    fetch()
                case _:
                    pass
            [a, *b] = [fetch(), fetch()]
            z = w = fetch()
            h = {}
            h[fetch()] = 1
            x: int = fetch()
            lambda q=fetch(): q
            async with fetch() as c:
                pass
            raise fetch()

        class C:
            attribute = fetch()

            async def m(self):
                self.m()
                type(self).m(self)
                await self.missing()
    """, select="DJA")
    codes = {d.code for d in diagnostics}
    assert "DJA002" not in codes and "DJA001" not in codes
    assert (13, "DJA201") in found(diagnostics) and (30, "DJA201") in found(diagnostics)


def test_locals_shadow_imported_coroutine_functions(tmp_path: Path) -> None:
    diagnostics = lint(tmp_path, """\
        import asyncio
        from django.core.cache import cache
        from shop.models import Book


        async def fetch(n):
            return n


        def pick():
            return print


        async def shadowed(request):
            fetch = pick()
            fetch(1)
            cache = {}
            cache.aset("k", 1)
            callback = lambda fetch: fetch(1)
            import asyncio
            asyncio.sleep(1)


        async def not_shadowed(request):
            fetch(1)
            cache.aset("k", 1)
    """)
    assert found(diagnostics) == [(21, "DJA201"), (25, "DJA201"), (26, "DJA201")]


def test_importable_async_defs_leave_out_functions_nested_in_functions():
    from asynclint.project import importable_async_defs

    source = textwrap.dedent('''\
        async def top():
            pass
        class Service:
            async def fetch(self):
                async def helper():
                    pass
        def factory():
            # a comment, then a blank line

            async def inner():
                pass
            if ready:
                async def guarded():
                    pass
        def wrapped(
            first,
        ):
            async def after_signature():
                pass
        class Conditional:
            if ready:
                async def conditional_method(self):
                    pass
        if TYPE_CHECKING:
            async def typing_only():
                pass
        ''')
    for newline in ("\n", "\r\n"):
        found = importable_async_defs(source.replace("\n", newline).encode())
        # nested ones go (through an `if`); kept when the line above cannot tell (a signature's end)
        assert found == {"top", "fetch", "after_signature", "conditional_method", "typing_only"}
