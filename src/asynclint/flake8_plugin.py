"""asynclint as a flake8 plugin (entry point ``DJA``).

flake8 hands each file's ``tree``, ``filename`` and ``lines`` to :class:`Plugin`;
the plugin lints ``"".join(lines)`` with the same engine as ``asynclint check``,
so both report the same findings. Project-wide knowledge (the import and model
index, summaries of helper functions) lives in one :class:`~asynclint.project.Project`
per project root, built once per process and reused for every file flake8 checks.

Selection (``--select``/``--ignore``/``per-file-ignores``) and ``# noqa`` are
flake8's job here: the plugin reports every DJA finding and flake8 filters them.
``[tool.asynclint]`` in pyproject.toml still supplies the analysis settings
(``src``, ``target-django``, ``extend-blocking-calls``, ``loop-threshold``);
``--asynclint-target-django`` (or ``asynclint-target-django`` in the flake8
config) overrides ``target-django``.
"""

from __future__ import annotations

import argparse
import ast
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar, Iterator

from asynclint import __version__
from asynclint.config import ConfigError, Settings, load_settings, parse_version

#: One Project per (project root, settings) per process: flake8 checks many
#: files, and the index and summaries must not be rebuilt for each of them.
_PROJECTS: dict[Settings, Any] = {}
#: The settings for each folder, so pyproject.toml is looked up once per folder.
_SETTINGS: dict[tuple[Path, tuple[int, int] | None], Settings] = {}
#: The on-disk cache (asynclint.cache.EntryCache) of each project, per process.
_CACHES: dict[Settings, Any] = {}


def _target_django(value: str) -> tuple[int, int] | None:
    """argparse ``type`` for --asynclint-target-django (also applied to config values)."""
    if value is None or str(value).strip() == "":
        return None
    try:
        return parse_version("--asynclint-target-django", value)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def settings_for(filename: str, target_django: tuple[int, int] | None = None) -> Settings:
    """Settings of the project ``filename`` belongs to, as flake8 needs them:
    every rule reported (flake8 selects), the analysis options from pyproject.toml."""
    path = Path(filename)
    folder = (path.parent if path.name else path).resolve() if filename not in ("-", "stdin") else Path.cwd()
    key = (folder, target_django)
    settings = _SETTINGS.get(key)
    if settings is None:
        settings = load_settings(folder)
        overrides: dict[str, Any] = {"select": ("DJA",), "ignore": (), "extend_select": (), "per_file_ignores": ()}
        if target_django is not None:
            overrides["target_django"] = target_django
        settings = replace(settings, **overrides)
        _SETTINGS[key] = settings
    return settings


def project_for(settings: Settings):
    from asynclint.project import Project

    project = _PROJECTS.get(settings)
    if project is None:
        project = _PROJECTS[settings] = Project(settings)
    return project


class Plugin:
    name = "asynclint"
    version = __version__

    #: Set from flake8's options by :meth:`parse_options`.
    target_django: ClassVar[tuple[int, int] | None] = None
    use_cache: ClassVar[bool] = True

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines
        # Configuration problems surface here, where flake8 turns an exception
        # into a one-line "failed during execution" message instead of a traceback.
        self.settings = settings_for(filename, self.target_django)

    @classmethod
    def add_options(cls, option_manager) -> None:
        option_manager.add_option(
            "--asynclint-target-django",
            type=_target_django,
            default=None,
            parse_from_config=True,
            help="Django version the project runs, e.g. 5.2; asynclint suggests no cure newer "
                 "than it (default: target-django from [tool.asynclint], else the newest cures).",
        )
        option_manager.add_option(
            "--asynclint-no-cache",
            action="store_true",
            default=False,
            parse_from_config=True,
            help="Neither read nor write asynclint's cache (.asynclint_cache/ at the project root).",
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        value = getattr(options, "asynclint_target_django", None)
        # flake8 passes config-file values through ``type`` as well, but be
        # lenient if a string slips through.
        cls.target_django = _target_django(value) if isinstance(value, str) else value
        cls.use_cache = not getattr(options, "asynclint_no_cache", False)

    def _cache(self, project):
        if not self.use_cache or self.filename in ("-", "stdin"):
            return None
        cache = _CACHES.get(self.settings)
        if cache is None:
            from asynclint.cache import EntryCache

            cache = _CACHES[self.settings] = EntryCache(self.settings, project)
        return cache

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from asynclint.diagnostics import Diagnostic
        from asynclint.engine import RULE_ERROR, enabled_rules, lint_source, report_codes

        text = "".join(self.lines)
        path = Path(self.filename) if self.filename not in ("-", "stdin") else Path.cwd() / "stdin.py"
        try:
            project = project_for(self.settings)
            # The cache first: an unchanged file whose dependencies are unchanged is not
            # linted again (see asynclint.cache), in this flake8 run or a later one.
            cache, key, digest = self._cache(project), str(path.resolve()), ""
            if cache is not None:
                from asynclint.deps import content_digest

                digest = content_digest(text.encode("utf-8", "surrogatepass"))
                hit = cache.lookup(key, digest)
                if hit is not None:
                    for line, col, code, message, *_ in hit:
                        yield line, max(col - 1, 0), f"{code} {message}", type(self)
                    return
            rules = enabled_rules(self.settings)
            # As `asynclint check` does: a file no rule can fire on is not handed to libcst
            # (flake8 reports syntax errors itself).
            pattern = project.prefilter(rules, report_codes(self.settings))
            if pattern is not None and not pattern.search(text.encode("utf-8", "surrogatepass")):
                return
            recorder = project.index.recorder
            scope = recorder.push()
            try:
                diagnostics = lint_source(text, path.resolve(), project, rules, noqa=False)
            finally:
                deps = recorder.pop(scope)
            if cache is not None:
                cache.store(key, digest, diagnostics, project.dep_digests(deps - {key}))
        except Exception as exc:  # noqa: BLE001 - one file never stops flake8
            diagnostics = [Diagnostic(str(path), 1, 1, RULE_ERROR,
                                      f"asynclint failed on this file ({type(exc).__name__}: {exc}); please report it")]
        for d in diagnostics:
            yield d.line, max(d.col - 1, 0), f"{d.code} {d.message}", type(self)
