"""The docs cannot go stale: README against the registry and a real run, every rule
documented, named and covered by a fixture."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from asynclint.registry import FAMILIES, all_rules
from fixture_format import EXPECT_RE, RULE_FIXTURES, ROOT
from test_cli import run

README = ROOT / "README.md"
REFRESH = "refresh it with: .venv/bin/python scripts/rule_table.py"
RULES = all_rules()
#: Emitted by the engine, not by a rule's visit methods: covered by tests/test_robustness.py
#: (DJA001: unparsable files; DJA002: a rule registered to crash inside the test).
ENGINE_CODES = {"DJA001": "test_robustness.py::test_syntax_error_is_dja001_at_the_parsers_position",
                "DJA002": "test_robustness.py::test_crashing_rule_is_dja002_and_the_run_continues"}
HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "Use instead:", "## Django version")
KEBAB = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")


def readme_block(name: str) -> str:
    match = re.search(rf"<!-- {name}:begin[^>]*-->\n(.*?)<!-- {name}:end -->", README.read_text(), re.DOTALL)
    assert match, f"README.md lost its <!-- {name}:begin --> ... <!-- {name}:end --> markers"
    return match.group(1)


# ------------------------------------------------------------------ README


def test_readme_rule_table_matches_rule_all() -> None:
    proc = run("rule", "--all")
    assert proc.returncode == 0
    listed = [(m[0], m[1], m[2].strip()) for m in
              re.findall(r"^  (DJA\d{3})  (\S+)\s+(.*)$", proc.stdout, re.MULTILINE)]
    assert listed, proc.stdout
    table = [(m[0], m[1], m[2].replace("\\|", "|").strip()) for m in
             re.findall(r"^\| (DJA\d{3}) \| `([^`]+)` \| (.*) \|$", readme_block("rules"), re.MULTILINE)]
    assert table == listed, f"the README rule table is out of date; {REFRESH}"
    families = re.findall(r"^#### (DJA\d)xx: (.*)$", readme_block("rules"), re.MULTILINE)
    assert families == [(f, FAMILIES.get(f, "")) for f in dict.fromkeys(code[:4] for code in RULES)]


def test_readme_sample_output_is_a_real_run() -> None:
    proc = run("check", "fixtures/demo_project")
    assert proc.returncode == 1, "the demo project must show findings"
    expected = f"```console\n$ asynclint check fixtures/demo_project\n{(proc.stdout + proc.stderr).rstrip()}\n```\n"
    assert readme_block("demo") == expected, f"the README sample output is out of date; {REFRESH}"


def test_refresh_script_check_mode_agrees() -> None:
    proc = subprocess.run([sys.executable, "scripts/rule_table.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{proc.stdout}{proc.stderr}\n{REFRESH}"


def test_readme_quick_start_commands() -> None:
    """The two fresh-machine commands: install + run the demo, and the test command CI runs."""
    text = README.read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    install, tests = blocks[0].strip(), blocks[1].strip()
    assert "\n" not in install and "\n" not in tests, "each must be one copy-pasteable line"
    assert install == ('python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && '
                       ".venv/bin/asynclint check fixtures/demo_project")
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests == ".venv/bin/python -m pytest"
    assert re.search(r"^\.venv/bin/python -m pytest\s*$", ci, re.MULTILINE), ci
    assert 'pip install --quiet -e ".[test]"' in ci


def test_readme_documents_every_config_key_and_flag() -> None:
    from asynclint.cli import check
    from asynclint.config import _KEYS

    text = README.read_text()
    for key in _KEYS:
        assert f"| `{key}` |" in text, f"README: no row for [tool.asynclint] key `{key}`"
    for param in check.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt != "--help":
                assert opt in text, f"README does not mention `asynclint check {opt}`"
    from asynclint.cli import main

    for command in main.commands:
        assert f"asynclint {command}" in text, f"README does not mention `asynclint {command}`"
    for fmt in ("full", "concise", "json"):
        assert f"`{fmt}`" in text
    for words in ("# noqa", "Exit codes", "pre-commit", "flake8", "--asynclint-target-django"):
        assert words in text


def test_readme_json_example_has_ruffs_fields() -> None:
    import json

    example = re.search(r"```json\n(.*?)```", README.read_text(), re.DOTALL).group(1)
    (item,) = json.loads(re.sub(r"^  ", "", example, flags=re.MULTILINE))
    real = json.loads(run("check", "--output-format", "json", "fixtures/demo_project").stdout)[0]
    assert set(item) == set(real)


# ------------------------------------------------------------------ every rule


@pytest.mark.parametrize("code", list(RULES))
def test_rule_has_documentation(code: str) -> None:
    cls = RULES[code]
    doc = cls.doc()
    summary = doc.strip().splitlines()[0] if doc.strip() else ""
    assert summary and not summary.startswith("#"), f"{code}: the docstring must start with a one-line summary"
    assert summary.endswith("."), f"{code}: the summary should be a sentence: {summary!r}"
    positions = []
    for heading in HEADINGS:
        # "Use instead:" may carry a qualifier: "Use instead (until you run Django 6.0):"
        pattern = r"^Use instead\b[^\n]*:$" if heading == "Use instead:" else rf"^{re.escape(heading)}$"
        match = re.search(pattern, doc, re.MULTILINE)
        assert match, f"{code} ({cls.__name__}): docstring lacks a {heading!r} line"
        positions.append(match.start())
    assert positions == sorted(positions), f"{code}: headings out of order (want {HEADINGS})"
    example = doc[positions[2]:positions[3]]
    fix = doc[positions[3]:positions[4]]
    assert "```" in example and "```" in fix, f"{code}: Example and Use instead need code blocks"
    version = doc[doc.index("## Django version") + len("## Django version"):].strip()
    assert version, f"{code}: `## Django version` is empty"


@pytest.mark.parametrize("code", list(RULES))
def test_rule_name_is_kebab_case(code: str) -> None:
    name = RULES[code].name
    assert KEBAB.match(name), f"{code}: name {name!r} is not kebab-case"


def test_rule_names_are_unique() -> None:
    names = [cls.name for cls in RULES.values()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_rule_codes_belong_to_a_family() -> None:
    for code in RULES:
        assert code[:4] in FAMILIES, f"{code}: no family {code[:4]} in registry.FAMILIES"


@pytest.mark.parametrize("code", list(RULES))
def test_rule_has_a_fixture_that_expects_it(code: str) -> None:
    """fixtures/rules/<CODE>*.py must exist and mark at least one finding of CODE."""
    if code in ENGINE_CODES:
        pytest.skip(f"{code} is emitted by the engine, not from a fixture; tested in {ENGINE_CODES[code]}")
    fixtures = sorted(RULE_FIXTURES.glob(f"{code}*.py"))
    assert fixtures, f"{code}: no fixture fixtures/rules/{code}*.py"
    marked = [path.name for path in fixtures
              if any(code in match.group("codes") for match in EXPECT_RE.finditer(path.read_text(errors="replace")))]
    assert marked, f"{code}: no `# expect: {code}` marker in {[p.name for p in fixtures]}"


def test_every_rule_doc_prints_from_cli() -> None:
    from click.testing import CliRunner

    from asynclint.cli import main

    runner = CliRunner()
    for code, cls in RULES.items():
        result = runner.invoke(main, ["rule", code.lower()])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"# {cls.name} ({code})\n")
        assert cls.doc() in result.output


def test_opt_in_rules_are_the_hints() -> None:
    """The README says hint rules (summary starting "Hint") are opt-in: keep that true."""
    for code, cls in RULES.items():
        is_hint = cls.summary().startswith("Hint")
        assert bool(getattr(cls, "opt_in", False)) == is_hint, (
            f"{code}: opt_in={getattr(cls, 'opt_in', False)} but summary {cls.summary()!r}")
