"""asynclint as a flake8 plugin: real flake8, in a subprocess, against ``asynclint check``."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fixture_format import FIXTURES, ROOT
from test_cli import FINDING_RE, make_shop, run

FLAKE8_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<msg>.*)$", re.MULTILINE)
USER_VIEW = "async def profile(request):\n    return request.user.username\n"


def flake8(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    pytest.importorskip("flake8")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    isolated = [] if "--config" in args else ["--isolated"]  # no stray flake8 config from around the repo
    proc = subprocess.run([sys.executable, "-m", "flake8", *isolated, *args],
                          cwd=cwd, capture_output=True, text=True, errors="replace", timeout=300, env=env)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


def flake8_findings(stdout: str) -> set[tuple[str, int, int, str]]:
    return {(os.path.normpath(m["path"]), int(m["line"]), int(m["col"]), m["code"])
            for m in FLAKE8_RE.finditer(stdout)}


def asynclint_findings(stdout: str) -> set[tuple[str, int, int, str]]:
    return {(os.path.normpath(m["path"]), int(m["line"]), int(m["col"]), m["code"])
            for m in FINDING_RE.finditer(stdout)}


def test_plugin_is_registered_with_flake8() -> None:
    from asynclint import __version__

    proc = flake8("--version")
    assert f"asynclint: {__version__}" in proc.stdout


def test_flake8_reports_what_asynclint_check_reports() -> None:
    """Same engine, same (line, column, code) on every shipped fixture; flake8 exits 1."""
    targets = ["fixtures/rules", "fixtures/demo_project"]
    ours = run("check", "--output-format", "concise", *targets)
    assert ours.returncode == 1
    expected = asynclint_findings(ours.stdout)
    # flake8 has no DJA001: it reports unparsable files itself (E999) and skips plugins
    expected = {f for f in expected if f[3] != "DJA001"}
    assert expected
    theirs = flake8("--select", "DJA", *targets)
    assert theirs.returncode == 1, theirs.stdout + theirs.stderr
    got = flake8_findings(theirs.stdout)
    assert got == expected, (
        f"only asynclint: {sorted(expected - got)[:20]}\nonly flake8: {sorted(got - expected)[:20]}")


def test_messages_match_and_only_dja_is_reported_with_select() -> None:
    target = "fixtures/demo_project/shop/views.py"
    theirs = flake8("--select", "DJA", target)
    ours = run("check", "--output-format", "concise", target)
    assert {m["code"] for m in FLAKE8_RE.finditer(theirs.stdout)} <= {f"DJA{n:03d}" for n in range(1000)}
    assert ({(m["line"], m["code"], m["msg"]) for m in FLAKE8_RE.finditer(theirs.stdout)}
            == {(m["line"], m["code"], m["msg"]) for m in FINDING_RE.finditer(ours.stdout)})


def test_flake8_exit_zero_when_clean(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("async def view(request):\n    return 1\n")
    proc = flake8("--select", "DJA", "ok.py", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""


def test_flake8_applies_noqa_and_its_own_selection(tmp_path: Path) -> None:
    make_shop(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    (tmp_path / "v.py").write_text(textwrap.dedent("""\
        from shop.models import Book


        async def view(request):
            a = Book.objects.get(pk=1)  # noqa: DJA101
            b = Book.objects.get(pk=2)  # noqa
            c = Book.objects.get(pk=3)
            return a, b, c, request.user.username
    """))
    lines = lambda proc: sorted((f[1], f[3]) for f in flake8_findings(proc.stdout))  # noqa: E731
    assert lines(flake8("--select", "DJA", "v.py", cwd=tmp_path)) == [(7, "DJA101"), (8, "DJA106")]
    # the plugin leaves # noqa to flake8, so --disable-noqa shows everything
    assert lines(flake8("--select", "DJA", "--disable-noqa", "v.py", cwd=tmp_path)) == [
        (5, "DJA101"), (6, "DJA101"), (7, "DJA101"), (8, "DJA106")]
    assert lines(flake8("--select", "DJA1", "--extend-ignore", "DJA106", "v.py", cwd=tmp_path)) == [(7, "DJA101")]
    # flake8's selection, not [tool.asynclint]'s, decides under flake8
    (tmp_path / "pyproject.toml").write_text('[tool.asynclint]\nignore = ["DJA101"]\n')
    assert lines(flake8("--select", "DJA", "v.py", cwd=tmp_path)) == [(7, "DJA101"), (8, "DJA106")]


def test_target_django_option_and_config(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text(USER_VIEW)

    def message(*args: str) -> str:
        proc = flake8("--select", "DJA", *args, "views.py", cwd=tmp_path)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        (finding,) = FLAKE8_RE.finditer(proc.stdout)
        assert (finding["line"], finding["col"]) == ("2", "12")
        return finding["msg"]

    assert "auser()" in message()
    assert "auser()" not in message("--asynclint-target-django", "4.2")
    assert "auser()" in message("--asynclint-target-django", "5.0")
    # from flake8's own config file
    (tmp_path / "setup.cfg").write_text("[flake8]\nasynclint-target-django = 4.2\n")
    assert "auser()" not in message("--config", "setup.cfg")
    # and from [tool.asynclint], which the plugin reads like asynclint check does
    (tmp_path / "pyproject.toml").write_text('[tool.asynclint]\ntarget-django = "4.2"\n')
    assert "auser()" not in message()


@pytest.mark.parametrize("value", ["banana", "2.2", "5"])
def test_bad_target_django_is_a_usage_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "views.py").write_text(USER_VIEW)
    proc = flake8("--select", "DJA", "--asynclint-target-django", value, "views.py", cwd=tmp_path)
    assert proc.returncode != 0
    assert "--asynclint-target-django" in proc.stderr


def test_bad_pyproject_fails_with_its_message(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nbogus = 1\n")
    (tmp_path / "views.py").write_text(USER_VIEW)
    proc = flake8("--select", "DJA", "views.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert "unknown key `bogus`" in proc.stdout + proc.stderr


def test_one_project_per_root_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """flake8 calls the plugin once per file: the project index must be built once per root."""
    from asynclint import flake8_plugin, project as project_module

    built = []
    real_init = project_module.Project.__init__

    def counting_init(self, *args, **kwargs):
        built.append(args[0].root if args else kwargs["settings"].root)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(project_module.Project, "__init__", counting_init)
    monkeypatch.setattr(flake8_plugin, "_PROJECTS", {})
    monkeypatch.setattr(flake8_plugin, "_SETTINGS", {})
    monkeypatch.setattr(flake8_plugin.Plugin, "target_django", None)
    make_shop(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    for n in range(5):
        (tmp_path / "shop" / f"views{n}.py").write_text(
            f"from .models import Book\n\n\nasync def v{n}(request):\n    return Book.objects.get(pk={n})\n")
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text("[tool.asynclint]\n")
    (other / "x.py").write_text(USER_VIEW)
    results = []
    for path in [*sorted((tmp_path / "shop").glob("views*.py")), other / "x.py"]:
        lines = path.read_text().splitlines(keepends=True)
        plugin = flake8_plugin.Plugin(ast.parse("".join(lines)), str(path), lines)
        results.extend((path.name, *item[:3]) for item in plugin.run())
    assert sorted(built) == sorted([str(tmp_path), str(other)])
    assert [r[:3] for r in results if r[0].startswith("views")] == [(f"views{n}.py", 5, 11) for n in range(5)]
    assert all(r[3].startswith("DJA101 ") for r in results if r[0].startswith("views"))
    assert [r[:3] for r in results if r[0] == "x.py"] == [("x.py", 2, 11)]


def test_plugin_yields_its_class_as_fourth_item(tmp_path: Path) -> None:
    from asynclint.flake8_plugin import Plugin

    path = tmp_path / "v.py"
    path.write_text(USER_VIEW)
    lines = USER_VIEW.splitlines(keepends=True)
    items = list(Plugin(ast.parse(USER_VIEW), str(path), lines).run())
    assert items and all(item[3] is Plugin for item in items)
    assert all(isinstance(item[0], int) and isinstance(item[1], int) for item in items)


def test_odd_encodings_agree_with_asynclint_check(tmp_path: Path) -> None:
    """flake8 decodes the file itself and hands the plugin text lines: a BOM, CRLF and a
    latin-1 coding cookie must give the same positions as asynclint's own reading."""
    body = "async def profile(request):\n    return request.user.username\n"
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + body.encode())
    (tmp_path / "crlf.py").write_bytes(body.replace("\n", "\r\n").encode())
    (tmp_path / "latin.py").write_bytes(("# -*- coding: latin-1 -*-\nname = 'Jos\u00e9'\n" + body).encode("latin-1"))
    names = ["bom.py", "crlf.py", "latin.py"]
    theirs = flake8_findings(flake8("--select", "DJA", *names, cwd=tmp_path).stdout)
    ours = asynclint_findings(run("check", "--output-format", "concise", *names, cwd=tmp_path).stdout)
    assert theirs == ours == {("bom.py", 2, 12, "DJA106"), ("crlf.py", 2, 12, "DJA106"), ("latin.py", 4, 12, "DJA106")}
