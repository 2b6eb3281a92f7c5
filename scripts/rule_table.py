"""Refresh the generated parts of README.md: the rule table and the demo output.

    .venv/bin/python scripts/rule_table.py          # rewrite README.md in place
    .venv/bin/python scripts/rule_table.py --check  # exit 1 (and show a diff) if stale

The rule table comes from the rule registry (what ``asynclint rule --all`` lists);
the demo output is a real run of ``asynclint check fixtures/demo_project`` from the
repository root. ``tests/test_docs.py`` fails when either is out of date.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DEMO_COMMAND = ["check", "fixtures/demo_project"]


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name}:begin[^>]*-->\n)(.*?)(<!-- {name}:end -->)", re.DOTALL)


RULES_BLOCK = _block("rules")
DEMO_BLOCK = _block("demo")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rule_table() -> str:
    from asynclint.registry import FAMILIES, all_rules

    out: list[str] = []
    family = None
    for code, cls in all_rules().items():
        if code[:4] != family:
            family = code[:4]
            if out:
                out.append("")
            out.append(f"#### {family}xx: {FAMILIES.get(family, '')}")
            out.append("")
            out.append("| Code | Name | What it finds |")
            out.append("|------|------|---------------|")
        out.append(f"| {code} | `{cls.name}` | {_cell(cls.summary())} |")
    return "\n".join(out) + "\n"


def demo_output() -> str:
    """``asynclint check fixtures/demo_project`` as a user sees it (stdout, then the summary)."""
    proc = subprocess.run([sys.executable, "-m", "asynclint", *DEMO_COMMAND], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"the demo run failed (exit {proc.returncode}):\n{proc.stderr}")
    body = proc.stdout + proc.stderr
    return f"```console\n$ asynclint {' '.join(DEMO_COMMAND)}\n{body.rstrip()}\n```\n"


def render(readme: str) -> str:
    for pattern, text in ((RULES_BLOCK, rule_table()), (DEMO_BLOCK, demo_output())):
        if not pattern.search(readme):
            raise SystemExit(f"README.md has no {pattern.pattern!r} block")
        readme = pattern.sub(lambda m: m.group(1) + text + m.group(3), readme, count=1)
    return readme


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            sys.stdout.writelines(difflib.unified_diff(
                current.splitlines(keepends=True), fresh.splitlines(keepends=True), "README.md", "README.md (fresh)"))
            return 1
        return 0
    if fresh != current:
        README.write_text(fresh, encoding="utf-8")
        print("README.md refreshed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
