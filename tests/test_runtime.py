"""Runtime proof of the rule fixtures: every case runs under Django (see runtime_support).

Marked cases must show their family's symptom at each marked line; unmarked cases must
run clean. Codes whose family has no registered symptom are skipped with the reason.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import runtime_support as rs

PLUGIN_ERRORS = rs.load_symptom_plugins()
CASES = rs.all_cases()


@pytest.fixture(scope="module")
def django_ready() -> None:
    rs.ensure_django()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_runtime(case: rs.Case, django_ready: None) -> None:
    verdict = rs.judge(case)
    if verdict.skipped and verdict.ok:
        pytest.skip(verdict.skipped)
    assert verdict.ok, verdict.report()


def test_symptom_plugins_import() -> None:
    assert not PLUGIN_ERRORS, PLUGIN_ERRORS


# ---------------------------------------------------------------- the harness can fail

SYNTHETIC = '''
import asyncio

from django.template.response import TemplateResponse

from shop.models import Book


async def marker_on_quiet_line(request):
    title = "not a query"  # expect: DJA101
    return await Book.objects.aget(pk=1)


async def marker_on_raising_line(request):
    return Book.objects.get(pk=1)  # expect: DJA101


async def two_markers_one_raise(request):
    first = Book.objects.get(pk=1)  # expect: DJA101
    return Book.objects.count()  # expect: DJA101


async def negative_that_queries(request):
    return Book.objects.count()


async def negative_that_leaks_a_coroutine(request):
    Book.objects.acount()


async def negative_that_fails(request):
    return 1 / 0


async def negative_that_swallows(request):
    try:
        return Book.objects.count()
    except Exception:
        return None


async def positive_that_swallows(request):
    try:
        return Book.objects.exists()  # expect: DJA101
    except Exception:
        return None


async def negative_that_is_clean(request):
    return await Book.objects.acount()


async def _helper():
    return Book.objects.first()  # expect: DJA101


async def helper_positive(request):
    return await _helper()


async def never_awaited(request):
    Book.objects.acount()  # expect: DJA201


async def needs_an_argument(request, pk):
    return await Book.objects.aget(pk=pk)


async def not_checked(request):  # runtime: skip shown as the reason
    return Book.objects.get(pk=1)  # expect: DJA101


async def unknown_family(request):
    return None  # expect: DJA999


async def user_attribute(request):
    return request.user.username  # expect: DJA106


async def auser_is_the_logged_in_user(request):
    user = await request.auser()
    assert user.username == "alice"
    assert await request.session.aget("cart") == [1, 3]


def sync_view_runs_outside_a_loop(request):
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise AssertionError("a sync case must not run inside an event loop")
    assert request.user.is_authenticated and request.session["cart"] == [1, 3]


async def nested_never_awaited(request):
    asyncio.wait_for(asyncio.sleep(0), timeout=1)  # expect: DJA201


async def template_response_is_rendered(request):
    return TemplateResponse(request, "shop/no_such_template.html", {})


async def lazy_template_is_rendered_in_a_thread(request):
    return TemplateResponse(request, "shop/book_list.html", {"books": Book.objects.all()})


async def needs_a_missing_module(request):  # runtime: requires asynclint_no_such_module
    import asynclint_no_such_module  # noqa: F401


def _never_called():
    return None  # expect: DJA101
'''


def line_of(fragment: str) -> int:
    """The 1-based line of the synthetic module that contains ``fragment``."""
    lines = textwrap.dedent(SYNTHETIC).splitlines()
    return next(i for i, line in enumerate(lines, start=1) if fragment in line)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory, django_ready: None) -> dict[str, rs.Verdict]:
    path = Path(tmp_path_factory.mktemp("synthetic")) / "DJA1_synthetic.py"
    path.write_text(textwrap.dedent(SYNTHETIC), encoding="utf-8")
    return {case.name: rs.judge(case) for case in rs.collect_cases(path)}


def test_marker_on_a_line_that_does_not_raise_is_unproven(synthetic) -> None:
    verdict = synthetic["marker_on_quiet_line"]
    assert not verdict.ok
    assert any(f"line {line_of('title = ')}" in p and "not proven" in p for p in verdict.problems), verdict.report()


def test_marker_on_the_raising_line_is_proven(synthetic) -> None:
    verdict = synthetic["marker_on_raising_line"]
    assert verdict.ok and verdict.proven == [(line_of("return Book.objects.get(pk=1)  # expect"), "DJA101")], verdict.report()


def test_every_marked_line_needs_its_own_proof(synthetic) -> None:
    verdict = synthetic["two_markers_one_raise"]
    assert not verdict.ok
    assert [p for p in verdict.problems if "not proven" in p], verdict.report()
    assert verdict.proven == [(line_of("first = Book"), "DJA101")], verdict.report()


def test_negative_that_raises_is_reported(synthetic) -> None:
    assert not synthetic["negative_that_queries"].ok
    assert any("SynchronousOnlyOperation" in p for p in synthetic["negative_that_queries"].problems)
    assert not synthetic["negative_that_fails"].ok
    assert any("ZeroDivisionError" in p for p in synthetic["negative_that_fails"].problems)


def test_a_caught_synchronous_only_operation_still_counts(synthetic) -> None:
    hidden = synthetic["negative_that_swallows"]
    assert not hidden.ok and any("created and caught" in p for p in hidden.problems), hidden.report()
    caught = synthetic["positive_that_swallows"]
    line = line_of("return Book.objects.exists()  # expect")
    assert caught.ok and caught.proven == [(line, "DJA101")], caught.report()


def test_negative_that_leaks_a_coroutine_is_reported(synthetic) -> None:
    verdict = synthetic["negative_that_leaks_a_coroutine"]
    assert not verdict.ok and any("never awaited" in p for p in verdict.problems), verdict.report()


def test_clean_negative_passes(synthetic) -> None:
    verdict = synthetic["negative_that_is_clean"]
    assert verdict.ok and not verdict.skipped, verdict.report()


def test_marker_in_a_called_helper_is_proven(synthetic) -> None:
    verdict = synthetic["helper_positive"]
    helper_line = line_of("return Book.objects.first()")
    assert verdict.ok and verdict.proven == [(helper_line, "DJA101")], verdict.report()


def test_never_awaited_is_proven_at_its_origin(synthetic) -> None:
    verdict = synthetic["never_awaited"]
    assert verdict.ok and verdict.proven == [(line_of("Book.objects.acount()  # expect: DJA201"), "DJA201")], verdict.report()


def test_required_parameter_is_reported(synthetic) -> None:
    verdict = synthetic["needs_an_argument"]
    assert not verdict.ok and "pk" in verdict.problems[0]


def test_runtime_skip_comment_shows_its_reason(synthetic) -> None:
    assert synthetic["not_checked"].skipped == "shown as the reason"


def test_family_without_symptom_is_skipped_with_reason(synthetic) -> None:
    verdict = synthetic["unknown_family"]
    assert verdict.skipped and "DJA999" in verdict.skipped and "no runtime symptom checker" in verdict.skipped


def test_marker_outside_every_case_is_reported(synthetic) -> None:
    verdict = synthetic["<markers outside any case>"]
    assert not verdict.ok and f"line {line_of('return None  # expect: DJA101')}" in verdict.problems[0], verdict.report()


def test_request_is_built_like_the_asgi_handler_builds_it(synthetic) -> None:
    assert synthetic["user_attribute"].ok, synthetic["user_attribute"].report()
    for name in ("auser_is_the_logged_in_user", "sync_view_runs_outside_a_loop"):
        assert synthetic[name].ok and not synthetic[name].skipped, synthetic[name].report()


def test_coroutines_held_by_a_warning_are_collected_too(synthetic) -> None:
    verdict = synthetic["nested_never_awaited"]
    assert verdict.ok, verdict.report()
    names = sorted(w.message.splitlines()[0] for w in verdict.outcome.warnings)
    assert names == ["coroutine 'sleep' was never awaited", "coroutine 'wait_for' was never awaited"], names


def test_template_response_is_rendered_like_the_handler_does(synthetic) -> None:
    failing = synthetic["template_response_is_rendered"]
    assert not failing.ok and any("TemplateDoesNotExist" in p for p in failing.problems), failing.report()
    clean = synthetic["lazy_template_is_rendered_in_a_thread"]
    assert clean.ok and not clean.skipped, clean.report()


def test_requires_skips_when_the_module_is_missing(synthetic) -> None:
    verdict = synthetic["needs_a_missing_module"]
    assert verdict.ok and verdict.skipped == "needs asynclint_no_such_module, which is not installed"


def test_a_fixture_that_fails_to_import_is_reported(tmp_path: Path, django_ready: None) -> None:
    path = tmp_path / "DJA1_broken.py"
    path.write_text("raise LookupError('no such setting')\n\n\nasync def view(request):\n    return None\n",
                    encoding="utf-8")
    (case,) = rs.collect_cases(path)
    verdict = rs.judge(case)
    assert not verdict.ok and "importing DJA1_broken.py failed: builtins.LookupError" in verdict.problems[0]


def test_streaming_body_is_consumed_on_the_loop(tmp_path: Path, django_ready: None) -> None:
    path = tmp_path / "DJA1_stream.py"
    path.write_text(textwrap.dedent('''
        from django.http import StreamingHttpResponse

        from shop.models import Book


        async def stream(request):
            async def rows():
                for book in Book.objects.all():  # expect: DJA102
                    yield book.title

            return StreamingHttpResponse(rows())
    '''), encoding="utf-8")
    (case,) = rs.collect_cases(path)
    verdict = rs.judge(case)
    assert verdict.ok and verdict.proven == [(9, "DJA102")], verdict.report()
