"""Read the `# PITFALL:` labels of the evaluation corpus.

A label is a comment on the exact line where the pitfall happens::

    total = books.count()  # PITFALL: DJA1 count() runs a query on the loop

Several families on one line (the line really has both problems) are joined
with ``+``: ``# PITFALL: DJA1+DJA3 helper queries and sends mail``.  A label
that the runtime check cannot prove automatically carries
``[manual: <reason>]`` in its text.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
# EVAL_CORPUS points the tools at another corpus (e.g. a project kept unseen until it is scored)
CORPUS = Path(os.environ.get("EVAL_CORPUS", HERE / "corpus")).resolve()

FAMILIES = {
    "DJA1": "sync ORM on the event loop",
    "DJA2": "coroutine never awaited",
    "DJA3": "blocking I/O on the event loop",
    "DJA4": "CPU-bound work on the event loop",
    "DJA5": "middleware",
    "DJA6": "views and class-based views",
    "DJA7": "bridges, signals, tasks, transactions",
}

_LABEL = re.compile(r"#\s*PITFALL:\s*(?P<fams>DJA\d(?:\+DJA\d)*)\b\s*(?P<why>.*)$")
_MANUAL = re.compile(r"\[manual:\s*(?P<reason>[^\]]+)\]")


@dataclass(frozen=True)
class Label:
    path: Path  # absolute
    line: int
    family: str  # "DJA1" ...
    why: str
    manual: str | None  # reason when the runtime check cannot prove it
    rel: str  # path relative to the corpus root, e.g. "bookshop/catalog/views.py"

    @property
    def key(self) -> tuple[str, int]:
        return (str(self.path), self.line)


def family_of(code: str) -> str:
    """DJA101 -> DJA1 (the hundreds digit names the family)."""
    return code[:4]


def corpus_files(root: Path = CORPUS) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def read_labels(root: Path = CORPUS) -> list[Label]:
    labels: list[Label] = []
    for path in corpus_files(root):
        text = path.read_text(encoding="utf-8")
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type != tokenize.COMMENT:
                continue
            m = _LABEL.search(tok.string)
            if not m:
                if "PITFALL" in tok.string:
                    raise ValueError(f"{path}:{tok.start[0]}: malformed label {tok.string!r}")
                continue
            why = m.group("why").strip()
            manual = _MANUAL.search(why)
            for fam in m.group("fams").split("+"):
                if fam not in FAMILIES:
                    raise ValueError(f"{path}:{tok.start[0]}: unknown family {fam}")
                labels.append(Label(
                    path.resolve(), tok.start[0], fam, why,
                    manual.group("reason").strip() if manual else None,
                    path.resolve().relative_to(root.resolve()).as_posix(),
                ))
    return labels


def source_line(path: Path | str, line: int) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()[line - 1].strip()
    except (OSError, IndexError):
        return "?"
