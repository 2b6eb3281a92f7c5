"""Reading Python source as Python does: PEP 263 coding cookie, BOM, any newline."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path


def decode_source(data: bytes) -> tuple[str, str]:
    """Text and encoding of a Python file's bytes (raises SyntaxError on a bad cookie)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def read_source(path: Path) -> tuple[str, str]:
    return decode_source(Path(path).read_bytes())
