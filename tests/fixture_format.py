"""The fixture format shared by the static and the runtime fixture tests.

A rule fixture is a Python module under ``fixtures/rules``:

* its name selects rules: ``DJA101.py`` runs DJA101, ``DJA1_helpers.py`` runs the
  DJA1 family; ``clean_*.py`` runs every rule and must give no finding at all;
* an optional header line ``# asynclint-test: select=DJA1 target-django=5.0``
  overrides that;
* ``# expect: DJA101`` (or ``# expect: DJA101, DJA102``; ``DJA101:9`` pins the
  1-based column) on a line says exactly which findings that line must have;
  unmarked lines must have none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"

EXPECT_RE = re.compile(r"#\s*expect:\s*(?P<codes>DJA\d{3}(?::\d+)?(?:\s*,\s*DJA\d{3}(?::\d+)?)*)")
HEADER_RE = re.compile(r"^#\s*asynclint-test:(?P<opts>.*)$", re.MULTILINE)


@dataclass
class Fixture:
    path: Path
    select: tuple[str, ...]
    options: dict[str, str] = field(default_factory=dict)
    #: (line, code, column or None)
    expected: list[tuple[int, str, int | None]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.path.name.startswith("clean_")


def load(path: Path) -> Fixture:
    text = path.read_text(encoding="utf-8", errors="replace")
    options: dict[str, str] = {}
    header = HEADER_RE.search(text)
    if header:
        for item in header.group("opts").split():
            key, _, value = item.partition("=")
            options[key] = value
    if "select" in options:
        select = tuple(options["select"].split(","))
    elif path.name.startswith("clean_"):
        select = ("DJA",)
    else:
        select = (path.stem.split("_")[0],)
    fixture = Fixture(path, select, options)
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT_RE.search(line)
        if match:
            for item in match.group("codes").split(","):
                code, _, col = item.strip().partition(":")
                fixture.expected.append((number, code, int(col) if col else None))
    return fixture


def all_fixtures() -> list[Path]:
    return sorted(p for p in RULE_FIXTURES.glob("*.py"))
