"""A helper module parsed to summarize it is not parsed again when it is linted itself."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import libcst

from asynclint import engine
from asynclint.config import load_settings
from asynclint.project import Project


def test_each_file_is_parsed_once(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "models.py").write_text(
        "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=9)\n")
    (tmp_path / "app" / "a_views.py").write_text(
        "from .services import count_books\n\nasync def view(request):\n    return count_books()\n")
    (tmp_path / "app" / "services.py").write_text(
        "from .models import Book\n\nasync def unused():\n    pass\n\ndef count_books():\n    return Book.objects.count()\n")
    parsed: Counter[str] = Counter()
    real_parse = libcst.parse_module

    def counting_parse(text: str):
        parsed[text.splitlines()[0]] += 1
        return real_parse(text)

    monkeypatch.setattr(engine.cst, "parse_module", counting_parse)
    project = Project(load_settings(tmp_path))
    files = sorted((tmp_path / "app").glob("*.py"))
    diagnostics = engine.lint_files(files, project)
    assert [d.code for d in diagnostics] == ["DJA112"]  # the call is traced into services.py
    assert parsed and max(parsed.values()) == 1, parsed
