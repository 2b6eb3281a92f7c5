"""One parametrized test over every rule fixture: findings must equal the markers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from asynclint.config import load_settings, parse_version
from asynclint.engine import lint_path
from asynclint.project import Project
from fixture_format import FIXTURES, all_fixtures, load


def lint_fixture(path: Path):
    fixture = load(path)
    overrides = {"select": fixture.select}
    if "target-django" in fixture.options:
        overrides["target_django"] = parse_version("target-django", fixture.options["target-django"])
    if "extend-blocking-calls" in fixture.options:
        overrides["extend_blocking_calls"] = tuple(fixture.options["extend-blocking-calls"].split(","))
    if "loop-threshold" in fixture.options:
        overrides["loop_threshold"] = int(fixture.options["loop-threshold"])
    settings = load_settings(FIXTURES, **overrides)
    return fixture, lint_path(path, Project(settings))


@pytest.mark.parametrize("path", all_fixtures(), ids=lambda p: p.name)
def test_fixture(path: Path) -> None:
    fixture, diagnostics = lint_fixture(path)
    got = Counter()
    pinned = {(line, code) for line, code, col in fixture.expected if col is not None}
    for d in diagnostics:
        got[(d.line, d.code, d.col if (d.line, d.code) in pinned else None)] += 1
    want = Counter(fixture.expected)
    missing = want - got
    extra = got - want
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()

    def show(items):
        return "\n".join(f"  line {line}: {code}{':' + str(col) if col else ''}   | {lines[line - 1].strip()}"
                         for (line, code, col) in sorted(items))

    messages = {(d.line, d.code): d.message for d in diagnostics}
    assert not missing and not extra, (
        f"{path.name}\nmissing (marked, not found):\n{show(missing)}\n"
        f"extra (found, not marked):\n{show(extra)}\n"
        + "\n".join(f"  {k[0]}: {k[1]} {v}" for k, v in sorted(messages.items()) if (k[0], k[1], None) in extra)
    )


def test_every_fixture_has_a_case() -> None:
    for path in all_fixtures():
        fixture = load(path)
        assert fixture.clean or fixture.expected, f"{path.name} marks no expected finding"
