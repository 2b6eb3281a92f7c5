"""Bad input never gives a traceback: odd files are findings or nothing, and one bad
file (or one broken rule) never stops the run."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

import libcst as cst

from asynclint import registry
from asynclint.config import load_settings
from asynclint.engine import lint_files, lint_path
from asynclint.project import Project
from asynclint.registry import Rule
from fixture_format import FIXTURES, RULE_FIXTURES
from test_cli import BAD, FINDING_RE, make_shop, run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make_shop(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    return tmp_path


def check(root: Path, *paths: str) -> tuple[int, list[tuple[str, int, int, str, str]]]:
    """Run the CLI (which asserts no traceback) and parse its concise output."""
    proc = run("check", "--output-format", "concise", *paths, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    found = [(m["path"], int(m["line"]), int(m["col"]), m["code"], m["msg"]) for m in FINDING_RE.finditer(proc.stdout)]
    return proc.returncode, found


# ------------------------------------------------------------------ unparsable files


@pytest.mark.parametrize("source, line, col, words", [
    ("def f(:\n    pass\n", 1, 7, "invalid syntax"),
    ("x = (1,\n", 1, 5, "never closed"),
    ("async def f():\n    await = 3\n", 2, 11, "invalid syntax"),
    ("def f():\nreturn 1\n", 2, 1, "expected an indented block"),
    ("x = 1\n  y = 2\n", 2, 2, "unexpected indent"),
    ("print 'hello'\n", 1, 1, "Missing parentheses"),
])
def test_syntax_error_is_dja001_at_the_parsers_position(project: Path, source: str, line: int, col: int,
                                                         words: str) -> None:
    (project / "broken.py").write_text(source)
    (project / "views.py").write_text(BAD)
    rc, found = check(project)
    assert rc == 1
    broken = [f for f in found if f[0] == "broken.py"]
    assert [(f[1], f[2], f[3]) for f in broken] == [(line, col, "DJA001")]
    assert words in broken[0][4]
    # the rest of the run went on
    assert ("views.py", 5, 12, "DJA101") in [f[:4] for f in found]


# ------------------------------------------------------------------ encodings


LATIN1 = textwrap.dedent("""\
    # -*- coding: latin-1 -*-
    from shop.models import Book

    GREETING = "Grüße aus Köln"


    async def latin_count(request):
        return Book.objects.count()  # expect: DJA101
""")


def test_latin1_file_is_read_by_its_coding_cookie(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(LATIN1.encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    settings = load_settings(FIXTURES)
    found = lint_path(path, Project(settings))
    assert [(d.line, d.col, d.code) for d in found] == [(8, 12, "DJA101")]
    assert "Book.objects.count()" in found[0].message


def test_latin1_pitfall_really_fails_under_django(tmp_path: Path) -> None:
    """The same latin-1 file, imported by Python and run as a view under Django,
    raises SynchronousOnlyOperation at the reported line."""
    rs = pytest.importorskip("runtime_support")
    path = tmp_path / "latin_runtime.py"
    path.write_bytes(LATIN1.encode("latin-1"))
    rs.ensure_django()
    cases = [c for c in rs.collect_cases(path) if not c.orphan]
    assert [c.name for c in cases] == ["latin_count"]
    verdict = rs.judge(cases[0])
    assert verdict.ok and not verdict.skipped, verdict.report()


@pytest.mark.parametrize("name, data, expect", [
    ("empty.py", b"", []),
    ("bom_only.py", b"\xef\xbb\xbf", []),
    ("only_comment.py", b"# nothing here", []),
    ("formfeed.py", b"import os\n\x0c\n\ndef f():\n    \x0c\n    return os.sep\n", []),
    # the first byte that is not UTF-8 (0x80) is on line 3: \n (10) and \r (13) end lines 1 and 2
    ("binary.py", bytes(range(256)) * 4, [(3, "DJA001")]),
    ("nul.py", b"x = 1\x00\n", [(1, "DJA001")]),
    ("bad_cookie.py", b"# coding: klingon\nx = 1\n", [(1, "DJA001")]),
    ("bad_utf8.py", b"x = 1\ny = 2\nz = '\xff\xfe'\n", [(3, "DJA001")]),
    ("utf16.py", "x = 1\n".encode("utf-16"), [(1, "DJA001")]),
])
def test_odd_files_give_a_finding_or_nothing(project: Path, name: str, data: bytes,
                                              expect: list[tuple[int, str]]) -> None:
    (project / name).write_bytes(data)
    rc, found = check(project, name)
    assert [(f[1], f[3]) for f in found] == expect
    assert rc == (1 if expect else 0)


def test_bom_and_crlf_keep_positions(project: Path) -> None:
    text = BAD.replace("\n", "\r\n")
    (project / "crlf.py").write_bytes(text.encode())
    (project / "bom.py").write_bytes(b"\xef\xbb\xbf" + BAD.encode())
    (project / "cr_only.py").write_bytes(BAD.replace("\n", "\r").encode())
    rc, found = check(project, "crlf.py", "bom.py", "cr_only.py")
    assert sorted(f[:4] for f in found) == [
        ("bom.py", 5, 12, "DJA101"), ("cr_only.py", 5, 12, "DJA101"), ("crlf.py", 5, 12, "DJA101")]


def test_tabs_and_wide_characters(project: Path) -> None:
    """Columns count characters, as Python's own tools do."""
    (project / "wide.py").write_text(
        "from shop.models import Book\n\n\nasync def v(request):\n\tnom = 'café'; n = Book.objects.count()\n")
    rc, found = check(project, "wide.py")
    assert [f[1:4] for f in found] == [(5, 20, "DJA101")]


# ------------------------------------------------------------------ deep nesting, huge lines


def test_deeply_nested_functions_are_still_checked(project: Path) -> None:
    depth = 40
    lines = ["from shop.models import Book", ""]
    for level in range(depth):
        lines.append("    " * level + f"async def level{level}(request):")
    lines.append("    " * depth + "return Book.objects.get(pk=1)")
    (project / "nested.py").write_text("\n".join(lines) + "\n")
    rc, found = check(project, "nested.py")
    assert [f[1:4] for f in found] == [(depth + 3, 4 * depth + 8, "DJA101")]


@pytest.mark.parametrize("source", [
    "x = " + "[" * 180 + "]" * 180 + "\n",
    "x = " + "(" * 250 + "1" + ")" * 250 + "\n",
    "x = " + "-" * 3000 + "1\n",
    "def f():\n" + "".join("    " * (i + 1) + "if x:\n" for i in range(120)) + "    " * 121 + "pass\n",
])
def test_pathological_nesting_never_crashes(project: Path, source: str) -> None:
    (project / "deep.py").write_text(source)
    (project / "views.py").write_text(BAD)
    rc, found = check(project, "deep.py", "views.py")
    assert all(code in ("DJA001", "DJA002") for path, _, _, code, _ in found if path == "deep.py")
    assert ("views.py", 5, 12, "DJA101") in [f[:4] for f in found]


# ------------------------------------------------------------------ files that are not files


def test_unreadable_file_is_a_finding(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = project / "locked.py"
    target.write_text(BAD)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    found = lint_files([target, project / "shop" / "models.py"], Project(load_settings(project)))
    assert [(Path(d.path).name, d.line, d.code) for d in found] == [("locked.py", 1, "DJA001")]
    assert "cannot read" in found[0].message and "Permission denied" in found[0].message


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="root (or Windows) can read a file whatever its mode bits")
def test_unreadable_file_for_real(project: Path) -> None:
    target = project / "locked.py"
    target.write_text(BAD)
    target.chmod(0)
    try:
        rc, found = check(project)
    finally:
        target.chmod(0o644)
    assert ("locked.py", 1, 1, "DJA001") in [f[:4] for f in found]


def test_links_folders_and_odd_names(project: Path) -> None:
    (project / "broken_link.py").symlink_to(project / "nowhere.py")
    (project / "loop").mkdir()
    (project / "loop" / "again").symlink_to(project / "loop")
    (project / "pkg.py").mkdir()  # a folder named like a module
    (project / "pkg.py" / "inner.py").write_text(BAD)
    odd = os.fsdecode(b"caf\xe9.py")  # not valid UTF-8: a surrogate-escaped name
    try:
        (project / odd).write_text(BAD)
    except (UnicodeEncodeError, OSError):
        odd = None
    rc, found = check(project)
    paths = sorted(f[0] for f in found)
    assert "pkg.py/inner.py" in paths
    assert rc == 1
    if odd is not None:
        assert len(paths) == 2


# ------------------------------------------------------------------ a rule that crashes


def _free_code() -> str:
    taken = registry.all_rules()
    return next(f"DJA{n}" for n in range(999, 900, -1) if f"DJA{n}" not in taken)


@pytest.fixture
def crashing_rules():
    """Two deliberately broken rules, registered for this test only."""
    visit_code = _free_code()

    class CrashesOnCalls(Rule):
        """Raises on the first call it sees (test only)."""
        code = visit_code
        name = "crashes-on-calls"
        loop_only = False

        def visit_Call(self, node: cst.Call) -> None:
            raise ZeroDivisionError("boom in visit")

    registry.register(CrashesOnCalls)
    end_code = _free_code()

    class CrashesAtEnd(Rule):
        """Raises in its end-of-module hook (test only)."""
        code = end_code
        name = "crashes-at-end"
        loop_only = False

        def visit_Module(self, node: cst.Module) -> None:
            self.checker.at_end(self.finish)

        def finish(self) -> None:
            raise KeyError("boom at end")

    registry.register(CrashesAtEnd)
    try:
        yield visit_code, end_code
    finally:
        registry._RULES.pop(visit_code, None)
        registry._RULES.pop(end_code, None)
    assert visit_code not in registry.all_rules() and end_code not in registry.all_rules()


def test_crashing_rule_is_dja002_and_the_run_continues(crashing_rules, project: Path) -> None:
    visit_code, end_code = crashing_rules
    (project / "a.py").write_text(BAD)
    (project / "b.py").write_text(BAD.replace("get(pk=1)", "count()"))
    found = lint_files([project / "a.py", project / "b.py"], Project(load_settings(project)))
    for name in ("a.py", "b.py"):
        mine = [d for d in found if Path(d.path).name == name]
        codes = sorted(d.code for d in mine)
        # the healthy rule still reported, each broken rule is one DJA002 naming it
        assert codes == ["DJA002", "DJA002", "DJA101"], mine
        crashes = [d.message for d in mine if d.code == "DJA002"]
        assert any(f"rule {visit_code} crashed" in m and "CrashesOnCalls" in m and "ZeroDivisionError" in m
                   for m in crashes), crashes
        assert any(f"rule {end_code} crashed" in m and "CrashesAtEnd" in m and "KeyError" in m
                   for m in crashes), crashes
    # the call on line 5 is where the visit crash happened
    assert any(d.code == "DJA002" and d.line == 5 for d in found if Path(d.path).name == "a.py")


def test_crashing_rule_is_confined_to_its_files(crashing_rules, project: Path) -> None:
    """A file without calls never triggers the visit crash."""
    visit_code, end_code = crashing_rules
    (project / "plain.py").write_text("x = 1\n")
    found = lint_files([project / "plain.py"], Project(load_settings(project)))
    assert [d.message.split(" crashed")[0] for d in found] == [f"rule {end_code}"]


def test_every_rule_fixture_lints_without_crashing() -> None:
    """No registered rule crashes on any shipped fixture (DJA002 would be an asynclint bug)."""
    settings = load_settings(FIXTURES)
    project = Project(settings)
    files = sorted(RULE_FIXTURES.glob("*.py")) + sorted((FIXTURES / "demo_project").rglob("*.py"))
    found = lint_files(files, project)
    crashed = [f"{d.path}:{d.line}: {d.message}" for d in found if d.code in ("DJA001", "DJA002")]
    assert not crashed, "\n".join(crashed)


def test_a_damaged_cache_is_ignored_not_fatal(project: Path) -> None:
    """Truncated or foreign files in .asynclint_cache/ must not change the findings."""
    (project / "views.py").write_text(BAD)
    first = check(project)
    cache = project / ".asynclint_cache"
    if not cache.is_dir():
        pytest.skip("this asynclint writes no .asynclint_cache/")
    damaged = [p for p in cache.iterdir() if p.name != ".gitignore"]
    assert damaged, "the first run cached nothing"
    for n, path in enumerate(damaged):
        path.write_bytes([b"", b"garbage", b"\x80\x04\x95 truncated pickle"][n % 3])
    assert check(project) == first
    assert check(project) == first  # and after it rewrote the cache
