"""How long parsing alone takes on a tree, one core: the floor under any cold run.

    python benchmarks/parse_floor.py PATH     # e.g. a copy of the installed Django's source

Times libcst on the files asynclint's prefilter hands to it (with the project's
settings) and the stdlib parser on every file (the project index reads most of
them). Whatever asynclint does, a cold run costs at least this much CPU.
"""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path

import libcst

from asynclint.config import load_settings
from asynclint.engine import enabled_rules, report_codes
from asynclint.project import Project


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    settings = load_settings(root)
    project = Project(settings)
    triggers = project.prefilter(enabled_rules(settings), report_codes(settings))
    data = {path: path.read_bytes() for path in sorted(root.rglob("*.py"))}
    linted = [text for text in data.values() if triggers is None or triggers.search(text)]
    start = time.perf_counter()
    for text in linted:
        libcst.parse_module(text)
    cst_time = time.perf_counter() - start
    start = time.perf_counter()
    for text in data.values():
        try:
            ast.parse(text)
        except (SyntaxError, ValueError):
            pass
    ast_time = time.perf_counter() - start
    print(f"libcst: {len(linted)} of {len(data)} files in {cst_time:.2f} s; "
          f"stdlib ast: {len(data)} files in {ast_time:.2f} s (one core each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
