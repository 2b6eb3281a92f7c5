"""Output formats: full (default), concise, json (ruff-compatible)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from asynclint.diagnostics import Diagnostic

DOCS_URL = "https://asynclint.readthedocs.io/rules/{code}"


def concise(diags: list[Diagnostic]) -> str:
    return "".join(f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}\n" for d in diags)


def full(diags: list[Diagnostic], root: Path, sources: dict[str, list[str]] | None = None) -> str:
    out = []
    cache: dict[str, list[str]] = sources if sources is not None else {}
    for d in diags:
        out.append(f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}")
        lines = cache.get(d.path)
        if lines is None:
            lines = cache[d.path] = _read_lines(os.path.join(root, d.path))  # (an absolute path stays)
        if 0 < d.line <= len(lines):
            text = lines[d.line - 1].rstrip("\r\n").expandtabs(4)
            gutter = str(d.line)
            start = max(d.col - 1, 0)
            end = d.end_col - 1 if d.end_line == d.line and d.end_col > d.col else len(text.rstrip())
            width = max(end - start, 1)
            out.append(f"{' ' * len(gutter)} |")
            out.append(f"{gutter} | {text}")
            out.append(f"{' ' * len(gutter)} | {' ' * start}{'^' * width}")
        if d.help and d.help not in d.message:  # messages usually carry the cure already
            out.append(f"  = help: {d.help}")
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def _read_lines(path: str) -> list[str]:
    from asynclint.source import decode_source

    try:
        with open(path, "rb") as f:
            return decode_source(f.read())[0].splitlines()
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return []


def as_json(diags: list[Diagnostic], root: Path) -> str:
    import json

    items = []
    for d in diags:
        filename = d.path if Path(d.path).is_absolute() else str((root / d.path).resolve())
        items.append({
            "cell": None,
            "code": d.code,
            "end_location": {"column": d.end_col or d.col, "row": d.end_line or d.line},
            "filename": filename,
            "fix": None,
            "location": {"column": d.col, "row": d.line},
            "message": d.message,
            "help": d.help or None,
            "noqa_row": d.noqa_row or d.line,
            "url": DOCS_URL.format(code=d.code),
        })
    return json.dumps(items, indent=2) + "\n"


def statistics(diags: Iterable[Diagnostic], names: dict[str, str]) -> str:
    from collections import Counter

    counts = Counter(d.code for d in diags)
    width = max((len(str(n)) for n in counts.values()), default=1)
    return "".join(f"{count:>{width}}\t{code}\t{names.get(code, '')}\n"
                   for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
