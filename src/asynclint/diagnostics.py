"""The one shape a finding has, from a rule to every output format."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """A finding. Plain data: picklable, comparable, no CST nodes inside.

    Lines are 1-based; columns are 1-based as printed (flake8 and ruff print
    1-based columns). ``end_*`` point one past the last character.
    """

    path: str
    line: int
    col: int
    code: str
    message: str
    end_line: int = 0
    end_col: int = 0
    help: str = field(default="", compare=False)
    noqa_row: int = field(default=0, compare=False)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.col, self.code, self.message)
