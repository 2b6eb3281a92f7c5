"""The ``asynclint`` command as users run it: a real process, real exit codes, real streams."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fixture_format import FIXTURES, ROOT

DEMO = FIXTURES / "demo_project"
BAD = textwrap.dedent("""\
    from shop.models import Book


    async def view(request):
        return Book.objects.get(pk=1)
""")
CLEAN = textwrap.dedent("""\
    async def view(request):
        return 1
""")
FINDING_RE = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<code>DJA\d{3}) (?P<msg>.+)$", re.MULTILINE)


def run(*args: str, cwd: Path | str = ROOT, module: bool = True) -> subprocess.CompletedProcess:
    """Run asynclint in a fresh interpreter; no run may ever print a traceback."""
    command = [sys.executable, "-m", "asynclint", *args] if module else [str(Path(sys.executable).parent / "asynclint"), *args]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=120, env=env)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project with one pitfall (bad.py) and one clean file."""
    make_shop(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "ok.py").write_text(CLEAN)
    return tmp_path


def make_shop(root: Path) -> None:
    """A one-model Django app, so ``from shop.models import Book`` resolves."""
    shop = root / "shop"
    shop.mkdir(parents=True)
    (shop / "__init__.py").write_text("")
    (shop / "models.py").write_text(
        "from django.db import models\n\n\nclass Book(models.Model):\n    title = models.CharField(max_length=50)\n")


# ------------------------------------------------------------------ entry points


def test_version_from_script_and_module() -> None:
    from asynclint import __version__

    for module in (True, False):
        proc = run("--version", module=module)
        assert proc.returncode == 0
        assert __version__ in proc.stdout


def test_help_lists_commands() -> None:
    proc = run("--help")
    assert proc.returncode == 0
    assert "check" in proc.stdout and "rule" in proc.stdout


# ------------------------------------------------------------------ exit codes


def test_demo_project_has_findings_exit_1() -> None:
    proc = run("check", "fixtures/demo_project")
    assert proc.returncode == 1, proc.stderr
    found = FINDING_RE.findall(proc.stdout)
    assert found, proc.stdout
    # paths are printed relative to the current folder, so they can be opened as shown
    for path, *_ in found:
        assert (ROOT / path).is_file(), path
    assert re.search(r"Found \d+ findings? in \d+ files?\.", proc.stderr)


def test_clean_exit_0(project: Path) -> None:
    proc = run("check", "ok.py", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert "All checks passed (1 file)." in proc.stderr


def test_default_path_is_current_folder(project: Path) -> None:
    proc = run("check", cwd=project)
    assert proc.returncode == 1
    assert "bad.py:5:12: DJA101" in proc.stdout
    assert "ok.py" not in proc.stdout


def test_exit_zero(project: Path) -> None:
    proc = run("check", "--exit-zero", cwd=project)
    assert proc.returncode == 0
    assert "DJA101" in proc.stdout


@pytest.mark.parametrize("args, words", [
    (["check", "nowhere"], "no such file or folder"),
    (["check", "--select", "E501"], "not a rule code or prefix"),
    (["check", "--ignore", "DJA1,,x"], "not a rule code or prefix"),
    (["check", "--extend-select", "dja9999"], "not a rule code or prefix"),
    (["check", "--target-django", "banana"], "Django version"),
    (["check", "--target-django", "2.2"], "no async views"),
    (["check", "--output-format", "xml"], "xml"),
    (["check", "--config", "missing.toml"], "no such config file"),
    (["check", "--no-such-flag"], "no-such-flag"),
    (["rule", "DJA999"], "unknown rule"),
    (["frobnicate"], "frobnicate"),
])
def test_usage_errors_exit_2_with_message_on_stderr(project: Path, args: list[str], words: str) -> None:
    proc = run(*args, cwd=project)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert words in proc.stderr
    assert proc.stdout == ""


# ------------------------------------------------------------------ selection


def test_select_ignore_extend_select_by_prefix(project: Path) -> None:
    (project / "two.py").write_text(textwrap.dedent("""\
        from shop.models import Book


        async def view(request):
            n = Book.objects.count()
            return [b for b in Book.objects.all()]
    """))

    def codes(*flags: str) -> set[str]:
        proc = run("check", "--output-format", "concise", *flags, "two.py", cwd=project)
        return {m.group("code") for m in FINDING_RE.finditer(proc.stdout)}

    assert codes() == {"DJA101", "DJA102"}
    assert codes("--select", "DJA101") == {"DJA101"}
    assert codes("--select", "DJA1", "--ignore", "DJA102") == {"DJA101"}
    assert codes("--ignore", "DJA1") == set()
    # the more specific prefix wins, as in ruff
    assert codes("--ignore", "DJA1", "--select", "DJA102") == {"DJA102"}
    (project / "pyproject.toml").write_text('[tool.asynclint]\nselect = ["DJA101"]\n')
    assert codes() == {"DJA101"}
    assert codes("--extend-select", "DJA102") == {"DJA101", "DJA102"}
    assert codes("--select", "DJA102") == {"DJA102"}
    # command-line flags layer on the config as in ruff: --ignore adds to the configured
    # ignore, --select starts afresh
    (project / "pyproject.toml").write_text('[tool.asynclint]\nignore = ["DJA102"]\n')
    assert codes() == {"DJA101"}
    assert codes("--ignore", "DJA101") == set()
    assert codes("--select", "DJA102") == {"DJA102"}
    assert codes("--extend-select", "DJA102") == {"DJA101", "DJA102"}
    assert codes("--extend-select", "DJA1") == {"DJA101", "DJA102"}
    assert codes("--ignore", "DJA1", "--extend-select", "DJA102") == {"DJA102"}


def test_command_line_selection_keeps_hints_opt_in(project: Path) -> None:
    """Opt-in hint rules stay off under any bare-`DJA` selection, flags or not."""
    from asynclint.registry import all_rules

    hints = [code for code, cls in all_rules().items() if getattr(cls, "opt_in", False)]
    if "DJA709" not in hints:
        pytest.skip("DJA709 (the per-row query hint) is not an opt-in rule here")
    (project / "rows.py").write_text(
        "from shop.models import Book\n\n\nasync def touch(request, books):\n"
        "    for book in books:\n        await book.asave()\n")

    def codes(*flags: str) -> set[str]:
        proc = run("check", "--output-format", "concise", "--no-cache", *flags, "rows.py", cwd=project)
        return {m.group("code") for m in FINDING_RE.finditer(proc.stdout)}

    assert codes() == set()
    assert codes("--ignore", "DJA101") == set()
    assert codes("--select", "DJA") == set()
    assert codes("--extend-select", "DJA") == set()
    assert codes("--extend-select", "DJA7") == {"DJA709"}
    assert codes("--select", "DJA709") == {"DJA709"}
    assert codes("--select", "DJA7", "--ignore", "DJA709") == set()


# ------------------------------------------------------------------ output formats


def test_concise_is_one_line_per_finding(project: Path) -> None:
    proc = run("check", "--output-format", "concise", cwd=project)
    assert proc.stdout.splitlines() == [m.group(0) for m in FINDING_RE.finditer(proc.stdout)]
    assert len(proc.stdout.splitlines()) == 1


def test_full_shows_source_and_caret(project: Path) -> None:
    proc = run("check", "bad.py", cwd=project)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("bad.py:5:12: DJA101 ")
    assert "5 |     return Book.objects.get(pk=1)" in lines
    caret = next(line for line in lines if "^" in line)
    # the caret sits under the call: column 12 of the source line
    source = next(line for line in lines if line.startswith("5 |"))
    assert caret.index("^") - source.index("return") == 12 - 5
    assert caret.count("^") == len("Book.objects.get(pk=1)")


JSON_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "message", "filename", "location", "end_location", "fix", "url", "noqa_row"],
        "properties": {
            "code": {"type": "string", "pattern": r"^DJA\d{3}$"},
            "message": {"type": "string", "minLength": 1},
            "filename": {"type": "string"},
            "location": {"$ref": "#/$defs/loc"},
            "end_location": {"$ref": "#/$defs/loc"},
            "fix": {"type": "null"},
            "url": {"type": "string", "pattern": "^https://"},
            "noqa_row": {"type": "integer", "minimum": 1},
        },
    },
    "$defs": {
        "loc": {
            "type": "object",
            "required": ["row", "column"],
            "properties": {"row": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1}},
        },
    },
}


def test_json_is_ruff_shaped() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    proc = run("check", "--output-format", "json", "fixtures/demo_project")
    assert proc.returncode == 1
    items = json.loads(proc.stdout)
    jsonschema.validate(items, JSON_SCHEMA)
    assert items
    concise = run("check", "--output-format", "concise", "fixtures/demo_project").stdout
    expected = {(str((ROOT / m["path"]).resolve()), int(m["line"]), int(m["col"]), m["code"], m["msg"])
                for m in FINDING_RE.finditer(concise)}
    got = {(i["filename"], i["location"]["row"], i["location"]["column"], i["code"], i["message"]) for i in items}
    assert got == expected
    for item in items:
        assert Path(item["filename"]).is_absolute()
        start, end = item["location"], item["end_location"]
        assert (end["row"], end["column"]) >= (start["row"], start["column"])


def test_json_clean_is_empty_list(project: Path) -> None:
    proc = run("check", "--output-format", "json", "ok.py", cwd=project)
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == []


def test_statistics_counts_per_rule(project: Path) -> None:
    (project / "more.py").write_text(BAD + "\n\nasync def again(request):\n    return Book.objects.get(pk=2)\n")
    proc = run("check", "--statistics", cwd=project)
    assert proc.returncode == 1
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    assert rows == [["3", "DJA101", "sync-queryset-method-in-async-function"]]
    assert run("check", "--statistics", "--exit-zero", cwd=project).returncode == 0


# ------------------------------------------------------------------ rule docs


def test_rule_prints_doc() -> None:
    proc = run("rule", "dja101")
    assert proc.returncode == 0
    assert proc.stdout.startswith("# sync-queryset-method-in-async-function (DJA101)")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert heading in proc.stdout


def test_rule_all_lists_every_registered_rule() -> None:
    from asynclint.registry import all_rules

    proc = run("rule", "--all")
    assert proc.returncode == 0
    listed = re.findall(r"^  (DJA\d{3})  (\S+)", proc.stdout, re.MULTILINE)
    assert listed == [(code, cls.name) for code, cls in all_rules().items()]
