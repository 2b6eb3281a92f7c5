"""``[tool.asynclint]``: where it is found, what each key does, and how bad values fail."""

from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from asynclint.config import ConfigError, Settings, find_config, load_settings
from asynclint.discovery import discover
from asynclint.registry import all_rules
from test_cli import BAD, FINDING_RE, make_shop, run

USER_VIEW = textwrap.dedent("""\
    async def profile(request):
        return request.user.username
""")


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def findings(root: Path, *args: str) -> set[tuple[str, int, str]]:
    proc = run("check", "--output-format", "concise", *args, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return {(m["path"], int(m["line"]), m["code"]) for m in FINDING_RE.finditer(proc.stdout)}


def config(root: Path, body: str) -> None:
    (root / "pyproject.toml").write_text("[tool.asynclint]\n" + textwrap.dedent(body))


# ------------------------------------------------------------------ finding the config


def test_nearest_pyproject_with_table_is_the_root(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.asynclint]\nignore = [\"DJA101\"]\n",
        "sub/pyproject.toml": "[project]\nname = 'x'\n",  # no [tool.asynclint]: not ours
        "sub/deeper/app.py": "",
    })
    found, root = find_config(tmp_path / "sub" / "deeper" / "app.py")
    assert found == tmp_path / "pyproject.toml"
    assert root == tmp_path
    settings = load_settings(tmp_path / "sub" / "deeper")
    assert settings.ignore == ("DJA101",)


def test_without_config_the_root_is_the_nearest_project_marker(tmp_path: Path) -> None:
    write(tmp_path, {"manage.py": "", "app/views.py": ""})
    found, root = find_config(tmp_path / "app" / "views.py")
    assert found is None and root == tmp_path
    assert load_settings(tmp_path / "app") == Settings(root=str(tmp_path))


def test_command_line_beats_config(tmp_path: Path) -> None:
    config(tmp_path, 'select = ["DJA1"]\ntarget-django = "4.2"\n')
    settings = load_settings(tmp_path, select=("DJA2",), target_django=(5, 1))
    assert settings.select == ("DJA2",) and settings.target_django == (5, 1)


def test_every_documented_key_parses(tmp_path: Path) -> None:
    config(tmp_path, """\
        select = ["DJA1", "DJA2"]
        ignore = ["DJA107"]
        extend-select = ["DJA3"]
        exclude = ["migrations/"]
        extend-exclude = ["legacy/*.py"]
        target-django = "4.2"
        src = [".", "src"]
        extend-blocking-calls = ["mylib.slow_call"]
        loop-threshold = 5000
        respect-gitignore = false

        [tool.asynclint.per-file-ignores]
        "tests/**" = ["DJA1"]
    """)
    s = load_settings(tmp_path)
    assert s.select == ("DJA1", "DJA2") and s.ignore == ("DJA107",) and s.extend_select == ("DJA3",)
    assert s.exclude == ("migrations/",) and s.extend_exclude == ("legacy/*.py",)
    assert s.target_django == (4, 2) and s.src == (".", "src")
    assert s.extend_blocking_calls == ("mylib.slow_call",) and s.loop_threshold == 5000
    assert s.respect_gitignore is False
    assert s.per_file_ignores == (("tests/**", ("DJA1",)),)


# ------------------------------------------------------------------ bad configuration: exit 2


@pytest.mark.parametrize("body, words", [
    ("bogus = 1\n", "unknown key `bogus`"),
    ("selct = [\"DJA1\"]\n", "unknown key `selct`"),
    ("select = \"DJA1\"\n", "must be a list"),
    ("select = [\"E501\"]\n", "not a rule code or prefix"),
    ("ignore = [1]\n", "must be a list"),
    ("target-django = \"five\"\n", "Django version"),
    ("target-django = \"2.2\"\n", "no async views"),
    ("target-django = [5, 0]\n", "Django version"),
    ("loop-threshold = 0\n", "positive integer"),
    ("loop-threshold = \"many\"\n", "positive integer"),
    ("respect-gitignore = \"yes\"\n", "true or false"),
    ("exclude = \"build\"\n", "list of strings"),
    ("exclude = [\"[z-a]\"]\n", "gitignore-style pattern"),
    ("per-file-ignores = [\"tests/*\"]\n", "table"),
    ("per-file-ignores = {\"tests/*\" = \"DJA1\"}\n", "list of code prefixes"),
    ("src = \"src\"\n", "list of strings"),
    ("extend-blocking-calls = [3]\n", "list of strings"),
    ("[[broken\n", "cannot read TOML"),
])
def test_bad_config_is_a_clear_error(tmp_path: Path, body: str, words: str) -> None:
    write(tmp_path, {"app.py": "x = 1\n"})
    config(tmp_path, body)
    with pytest.raises(ConfigError, match=re.escape(words)):
        load_settings(tmp_path)
    proc = run("check", cwd=tmp_path)
    assert proc.returncode == 2
    assert words in proc.stderr and str(tmp_path / "pyproject.toml") in proc.stderr
    assert proc.stdout == ""


def test_tool_asynclint_must_be_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool]\nasynclint = 3\n")
    proc = run("check", cwd=tmp_path)
    assert proc.returncode == 2 and "must be a table" in proc.stderr


def test_explicit_config_file(tmp_path: Path) -> None:
    make_shop(tmp_path)
    write(tmp_path, {"bad.py": BAD, "conf/pyproject.toml": "[tool.asynclint]\nignore = [\"DJA1\"]\n"})
    assert {c for _, _, c in findings(tmp_path)} == {"DJA101"}
    assert findings(tmp_path, "--config", "conf/pyproject.toml", "bad.py") == set()


# ------------------------------------------------------------------ what files are checked


def test_exclude_extend_exclude_and_defaults(tmp_path: Path) -> None:
    make_shop(tmp_path)
    write(tmp_path, {
        "app/views.py": BAD,
        "app/migrations/0001_initial.py": BAD,
        "legacy/old.py": BAD,
        "legacy/keep/new.py": BAD,
        ".venv/lib/site.py": BAD,
        "build/lib/copy.py": BAD,
        "notes.txt": BAD,
    })
    config(tmp_path, 'exclude = ["migrations/"]\nextend-exclude = ["legacy/*.py"]\n')
    paths = {p for p, _, _ in findings(tmp_path)}
    assert paths == {"app/views.py", "legacy/keep/new.py"}
    # a file named on the command line is checked even if excluded (as ruff does)
    assert {p for p, _, _ in findings(tmp_path, "legacy/old.py")} == {"legacy/old.py"}


def test_gitignore_is_respected_unless_disabled(tmp_path: Path) -> None:
    make_shop(tmp_path)
    write(tmp_path, {
        ".gitignore": "generated/\n*_pb2.py\n",
        "app/.gitignore": "scratch.py\n",
        "app/views.py": BAD,
        "app/scratch.py": BAD,
        "app/api_pb2.py": BAD,
        "generated/models.py": BAD,
    })
    config(tmp_path, "")
    assert {p for p, _, _ in findings(tmp_path)} == {"app/views.py"}
    # checking a subfolder still honours the .gitignore files above it
    assert {p for p, _, _ in findings(tmp_path / "app", ".")} == {"views.py"}
    config(tmp_path, "respect-gitignore = false\n")
    assert {p for p, _, _ in findings(tmp_path)} == {
        "app/views.py", "app/scratch.py", "app/api_pb2.py", "generated/models.py"}


def test_unreadable_gitignore_pattern_is_skipped_not_fatal(tmp_path: Path) -> None:
    make_shop(tmp_path)
    write(tmp_path, {".gitignore": "[z-a]\nskip.py\n", "skip.py": BAD, "keep.py": BAD})
    config(tmp_path, "")
    assert {p for p, _, _ in findings(tmp_path)} == {"keep.py"}


def test_discover_lists_only_python_files(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "", "b.pyi": "", "c.txt": "", "d/e.py": "", "d.py/f.py": ""})
    settings = load_settings(tmp_path, **{})
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path], settings)]
    assert sorted(found) == ["a.py", "d.py/f.py", "d/e.py"]
    assert len(set(found)) == len(found)


# ------------------------------------------------------------------ suppressing findings


def test_per_file_ignores(tmp_path: Path) -> None:
    make_shop(tmp_path)
    write(tmp_path, {"app/views.py": BAD + "\n\n" + USER_VIEW, "tests/test_views.py": BAD + "\n\n" + USER_VIEW})
    config(tmp_path, '[tool.asynclint.per-file-ignores]\n"tests/**" = ["DJA101"]\n"app/*.py" = ["DJA1"]\n')
    got = findings(tmp_path)
    assert {(p, c) for p, _, c in got} == {("tests/test_views.py", "DJA106")}


def test_per_file_ignores_are_relative_to_the_project_root(tmp_path: Path) -> None:
    """Patterns match paths relative to the folder of pyproject.toml, wherever asynclint runs from."""
    site = tmp_path / "site"
    make_shop(site)
    write(site, {"app/views.py": BAD, "other/views.py": BAD})
    config(site, '[tool.asynclint.per-file-ignores]\n"app/*.py" = ["DJA101"]\n')
    for cwd, arg, shown in ((site, ".", "other/views.py"), (tmp_path, "site", "site/other/views.py"),
                            (site / "app", "..", "../other/views.py")):
        got = findings(cwd, arg)
        assert {(p, c) for p, _, c in got} == {(shown, "DJA101")} or {
            (str(Path(p).resolve()) if not Path(p).is_absolute() else p, c) for p, _, c in got} == {
            (str(site / "other" / "views.py"), "DJA101")}, (cwd, got)


def test_noqa_like_flake8(tmp_path: Path) -> None:
    make_shop(tmp_path)
    write(tmp_path, {"v.py": textwrap.dedent("""\
        from shop.models import Book


        async def view(request):
            a = Book.objects.get(pk=1)  # noqa: DJA101
            b = Book.objects.get(pk=2)  # noqa
            c = Book.objects.get(pk=3)  # noqa:DJA1
            d = Book.objects.get(pk=4)  # NOQA: DJA106, DJA101
            e = Book.objects.get(pk=5)  # noqa: DJA106
            f = Book.objects.get(pk=6)  # noqa: E501
            g = Book.objects.get(pk=7)  # a comment, not a noqa
            return a, b, c, d, e, f, g
    """)})
    config(tmp_path, "")
    assert sorted(line for _, line, _ in findings(tmp_path)) == [9, 10, 11]


# ------------------------------------------------------------------ target-django


def test_target_django_never_suggests_a_newer_cure(tmp_path: Path) -> None:
    """`request.auser()` came in Django 5.0: suggest it for 5.0, never for 4.2."""
    write(tmp_path, {"views.py": USER_VIEW})
    rule = next((c for c, cls in all_rules().items() if "request-user" in cls.name), None)
    if rule is None:
        pytest.skip("no registered rule reports `request.user` in async code")
    for target, cured in (("4.2", False), ("5.0", True), ("5.2", True)):
        config(tmp_path, f'target-django = "{target}"\n')
        proc = run("check", "--output-format", "concise", cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert f"views.py:2:12: {rule}" in proc.stdout
        assert ("auser()" in proc.stdout) is cured, (target, proc.stdout)
    # the command line overrides the config
    proc = run("check", "--output-format", "concise", "--target-django", "4.2", cwd=tmp_path)
    assert "auser()" not in proc.stdout and rule in proc.stdout


def test_target_django_before_async_orm(tmp_path: Path) -> None:
    """Django 4.0 has no `acount()`: the cure must be sync_to_async, not a method 4.0 lacks."""
    make_shop(tmp_path)
    write(tmp_path, {"v.py": BAD.replace(".get(pk=1)", ".count()")})
    config(tmp_path, 'target-django = "4.0"\n')
    proc = run("check", "--output-format", "concise", cwd=tmp_path)
    assert "DJA101" in proc.stdout and "acount" not in proc.stdout and "sync_to_async" in proc.stdout
    config(tmp_path, 'target-django = "4.1"\n')
    proc = run("check", "--output-format", "concise", cwd=tmp_path)
    assert "acount" in proc.stdout


# ------------------------------------------------------------------ src


def test_src_lets_the_index_resolve_first_party_models(tmp_path: Path) -> None:
    """A foreign key is only known to be lazy (a query on access) when `src` lets the
    index find the model; unknown is never a finding."""
    write(tmp_path, {
        "src/shop/__init__.py": "",
        "src/shop/models.py": textwrap.dedent("""\
            from django.db import models


            class Author(models.Model):
                name = models.CharField(max_length=50)


            class Book(models.Model):
                author = models.ForeignKey(Author, on_delete=models.CASCADE)
        """),
        "src/views.py": textwrap.dedent("""\
            from shop.models import Book


            async def view(request):
                book = await Book.objects.aget(pk=1)
                return book.author.name
        """),
    })
    config(tmp_path, 'src = ["src"]\n')
    assert any(line == 6 and code.startswith("DJA1") for path, line, code in findings(tmp_path))
    config(tmp_path, 'src = ["elsewhere"]\n')
    assert not any(line == 6 for path, line, code in findings(tmp_path))


# ------------------------------------------------------------------ options read by rule families


def _family_registered(prefix: str) -> bool:
    return any(code.startswith(prefix) for code in all_rules())


def test_extend_blocking_calls(tmp_path: Path) -> None:
    if not _family_registered("DJA3"):
        pytest.skip("no DJA3 (blocking call) rule registered yet to read extend-blocking-calls")
    write(tmp_path, {
        "mylib/__init__.py": "",
        "mylib/net.py": "def fetch(url):\n    return url\n",
        "views.py": "from mylib.net import fetch\n\n\nasync def view(request):\n    return fetch('x')\n",
    })
    config(tmp_path, "")
    assert not any(line == 5 and code.startswith("DJA3") for _, line, code in findings(tmp_path))
    config(tmp_path, 'extend-blocking-calls = ["mylib.net.fetch"]\n')
    assert any(line == 5 and code.startswith("DJA3") for _, line, code in findings(tmp_path))


def test_loop_threshold(tmp_path: Path) -> None:
    if not _family_registered("DJA4"):
        pytest.skip("no DJA4 (CPU-bound loop) rule registered yet to read loop-threshold")
    write(tmp_path, {"views.py": textwrap.dedent("""\
        async def view(request):
            total = 0
            for i in range(5_000):
                total += i * i
            return total
    """)})
    config(tmp_path, "loop-threshold = 1000\n")
    assert any(code.startswith("DJA4") for _, _, code in findings(tmp_path))
    config(tmp_path, "loop-threshold = 1000000\n")
    assert not any(code.startswith("DJA4") for _, _, code in findings(tmp_path))
