"""Linting a file: read, parse once, walk once, turn reports into diagnostics.

Bad input never escapes as a traceback: a file that cannot be decoded or parsed
is a DJA001 finding, a rule that crashes on a file is a DJA002 finding naming
the rule, and the run goes on with the next file.
"""

from __future__ import annotations

import ast
import re
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import libcst as cst
from libcst.metadata import MetadataWrapper

from asynclint.checker import Checker
from asynclint.config import Settings
from asynclint.diagnostics import Diagnostic
from asynclint.project import Project
from asynclint.registry import Rule, all_rules
from asynclint.source import decode_source

NOQA_RE = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
SYNTAX_ERROR = "DJA001"
RULE_ERROR = "DJA002"


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic]


def enabled_rules(settings: Settings) -> list[type[Rule]]:
    """Every rule that reports or that records effects other rules follow."""
    return list(_enabled_rules(settings))


@lru_cache(maxsize=8)
def _enabled_rules(settings: Settings) -> tuple[type[Rule], ...]:
    return tuple(rule for code, rule in all_rules().items()
                 if code not in (SYNTAX_ERROR, RULE_ERROR) and (settings.is_enabled(code) or rule.effect))


@lru_cache(maxsize=8)
def report_codes(settings: Settings) -> frozenset[str]:
    """The codes that become findings (asked for every file: worked out once per settings)."""
    return frozenset(code for code in all_rules() if settings.is_enabled(code))


class GuardedChecker(Checker):
    """A checker that turns a crashing rule into a DJA002 and drops only that rule."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.failures: list[tuple[str, str, cst.CSTNode]] = []

    def _dispatch(self, table, name, node) -> None:
        handlers = table.get(name)
        if not handlers:
            return
        for handler in handlers:  # (_drop replaces the lists, so this one stays as it is)
            try:
                handler(node)
            except Exception as exc:  # noqa: BLE001 - any rule bug becomes a finding
                rule = handler.__self__
                self._drop(rule)
                detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                self.failures.append((rule.code, f"{type(rule).__name__}: {detail}", node))

    def _drop(self, rule: Rule) -> None:
        for table in (self._visit, self._leave):
            for key, handlers in table.items():
                table[key] = [h for h in handlers if h.__self__ is not rule]

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.stack.append(node)
        name = type(node).__name__
        self._enter(node, name)
        self._dispatch(self._visit, name, node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        name = type(original_node).__name__
        self._dispatch(self._leave, name, original_node)
        self._exit(original_node, name)
        self.stack.pop()

    def run(self) -> None:
        from asynclint.walk import walk

        walk(self.module, self, self.skip)  # module.visit(self), without rebuilding the tree or visiting trivia
        self.project.register(self)
        for hook in self._end_hooks:
            try:
                hook()
            except Exception as exc:  # noqa: BLE001
                rule = getattr(hook, "__self__", None)
                code = getattr(rule, "code", "?")
                detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                self.failures.append((code, f"{type(rule).__name__}: {detail}", self.module))


def parse(text: str) -> cst.Module:
    return cst.parse_module(text)


def lint_source(text: str, path: Path, project: Project, rules: list[type[Rule]] | None = None,
                *, noqa: bool = True) -> list[Diagnostic]:
    """Findings for ``text`` (the source of ``path``).

    ``noqa=False`` leaves ``# noqa`` comments to the caller (the flake8 plugin:
    flake8 applies them itself, and honours ``--disable-noqa``).
    """
    settings = project.settings
    shown = project.relpath(str(path))
    try:
        module = project.take_parsed(str(path), text) or parse(text)
    except cst.ParserSyntaxError as exc:
        return [_parse_failure(shown, text, exc.raw_line, exc.raw_column + 1, exc.message)]
    except (RecursionError, MemoryError, ValueError) as exc:
        return [_parse_failure(shown, text, 1, 1, str(exc) or type(exc).__name__)]
    modname = project.module_name(path)
    if modname not in project.index.modules or project.index.modules[modname].path != str(path):
        project.index.add_source(modname, str(path), text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    checker = GuardedChecker(wrapper, str(path), modname, settings, project,
                             rules if rules is not None else enabled_rules(settings),
                             report_codes(settings), source=text)
    try:
        checker.run()
    except RecursionError:
        return [Diagnostic(shown, 1, 1, RULE_ERROR, "asynclint could not walk this file: it nests too deeply")]
    diagnostics: list[Diagnostic] = []
    for report in checker.reports:
        pos = checker.position(report.node)
        diagnostics.append(Diagnostic(
            shown, pos.start.line, pos.start.column + 1, report.code, report.message,
            pos.end.line, pos.end.column + 1, report.help, pos.start.line))
    for code, detail, node in checker.failures:
        line = checker.position(node).start.line if node is not module else 1
        diagnostics.append(Diagnostic(
            shown, line, 1, RULE_ERROR,
            f"rule {code} crashed on this file and was skipped for it ({detail}); please report it",
            help="the other rules ran; the crash is a bug in asynclint"))
    return apply_suppressions(diagnostics, text, shown, settings, noqa=noqa)


def summarize_module(project: Project, modname: str, path: Path) -> dict:
    """Summaries of a module's sync functions, for tracing calls into it."""
    try:
        text, _ = decode_source(path.read_bytes())
        module = parse(text)
    except Exception:  # noqa: BLE001 - an unreadable callee is simply unknown
        return {}
    project.keep_parsed(str(path), text, module)  # linted later in this run: parsed once
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    rules = [rule for rule in all_rules().values() if rule.effect]
    checker = GuardedChecker(wrapper, str(path), modname, project.settings, project, rules, frozenset(),
                             source=text)
    try:
        checker.run()
    except RecursionError:
        return {}
    return checker.summaries


def _syntax_error(path: str, line: int, col: int, message: str,
                  help: str = "fix the syntax error; asynclint checked nothing else in this file") -> Diagnostic:
    first = message.strip().splitlines()[0] if message.strip() else "invalid syntax"
    return Diagnostic(path, max(line, 1), max(col, 1), SYNTAX_ERROR,
                      f"cannot parse this file: {first}", help=help)


DECODE_HELP = ("save the file as UTF-8, or declare its encoding in a PEP 263 coding comment "
               "(`# -*- coding: latin-1 -*-`); asynclint checked nothing else in this file")


def _parse_failure(shown: str, text: str, line: int, col: int, message: str) -> Diagnostic:
    """DJA001 at the position and in the words of CPython's parser when it agrees
    the file is invalid (libcst's own positions point at the start of the line);
    libcst's message otherwise (syntax newer than libcst supports)."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as exc:
        if exc.lineno:
            return _syntax_error(shown, exc.lineno, exc.offset or 1, exc.msg or message)
        return _syntax_error(shown, line, col, exc.msg or message)
    except (RecursionError, MemoryError, ValueError) as exc:
        return _syntax_error(shown, line, col, str(exc) or message)
    return _syntax_error(shown, line, col, message)


def lint_path(path: Path, project: Project) -> list[Diagnostic]:
    shown = project.relpath(str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [Diagnostic(shown, 1, 1, SYNTAX_ERROR, f"cannot read this file: {exc.strerror or exc}",
                           help="asynclint checked nothing in this file")]
    try:
        text, _ = decode_source(data)
    except UnicodeDecodeError as exc:
        before = data[:exc.start]  # lines end in \n, \r\n or \r, as Python reads them
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        return [_syntax_error(shown, line, 1, f"cannot decode: {exc}", help=DECODE_HELP)]
    except (SyntaxError, LookupError) as exc:
        return [_syntax_error(shown, getattr(exc, "lineno", None) or 1, 1, f"cannot decode: {exc}", help=DECODE_HELP)]
    rules = enabled_rules(project.settings)
    pattern = project.prefilter(rules, report_codes(project.settings))
    if pattern is not None and not pattern.search(data):
        # No enabled rule can fire here: never hand the file to libcst. A
        # syntax check with the stdlib parser (ten times cheaper) keeps DJA001.
        return _syntax_check(text, shown, path, project)
    return lint_source(text, path, project, rules)


def _syntax_check(text: str, shown: str, path: Path | None = None, project: Project | None = None) -> list[Diagnostic]:
    """DJA001 if ``text`` is not valid Python. The stdlib tree is handed to the project
    index (most modules are indexed in a run, and parsing twice is the cost), and a
    module the index parsed already is known to be valid."""
    index = project.index if project is not None else None
    modname = project.module_name(path) if project is not None and path is not None else None
    known = index.modules.get(modname) if index is not None and modname is not None else None
    if known is not None and known.path == str(path) and not known.syntax_error:
        return []
    try:
        tree = compile(text, shown, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return [_syntax_error(shown, exc.lineno or 1, exc.offset or 1, exc.msg or "invalid syntax")]
    except (ValueError, RecursionError, MemoryError) as exc:
        return [_syntax_error(shown, 1, 1, str(exc) or type(exc).__name__)]
    if index is not None and known is None and index.module_paths.get(modname) == str(path):
        outer = index.recorder.isolate()  # not a read this file's findings depend on
        try:
            index.add_source(modname, str(path), text, tree)
        finally:
            index.recorder.restore(outer)
    return []


def noqa_codes(line: str) -> set[str] | None:
    """Codes a ``# noqa`` comment on ``line`` suppresses: None if none, empty set for all."""
    match = NOQA_RE.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return set()
    return {c.upper() for c in re.split(r"[,\s]+", codes) if c}


def apply_suppressions(diagnostics: list[Diagnostic], text: str, shown: str, settings: Settings,
                       *, noqa: bool = True) -> list[Diagnostic]:
    if not diagnostics:
        return diagnostics
    lines = text.splitlines()
    ignored = per_file_ignored(shown, settings)
    kept = []
    for diag in diagnostics:
        if diag.code not in (SYNTAX_ERROR, RULE_ERROR) and not settings.is_enabled(diag.code):
            continue
        if any(diag.code.startswith(prefix) for prefix in ignored):
            continue
        source_line = lines[diag.line - 1] if 0 < diag.line <= len(lines) else ""
        codes = noqa_codes(source_line) if noqa and "#" in source_line else None
        if codes is not None and (not codes or any(diag.code.startswith(c) for c in codes)):
            continue
        kept.append(diag)
    return sorted(kept, key=Diagnostic.sort_key)


def per_file_ignored(shown: str, settings: Settings) -> set[str]:
    if not settings.per_file_ignores:
        return set()
    import pathspec

    # patterns are relative to the project root; `shown` is relative to the working folder
    try:
        shown = Path(shown).resolve().relative_to(Path(settings.root).resolve()).as_posix()
    except (ValueError, OSError):
        pass
    codes: set[str] = set()
    for pattern, ignored in settings.per_file_ignores:
        spec = pathspec.GitIgnoreSpec.from_lines([pattern])
        if spec.match_file(shown):
            codes.update(ignored)
    return codes


def lint_path_guarded(path: Path, project: Project) -> list[Diagnostic]:
    """``lint_path``, with any failure as a finding: one file never stops the run."""
    try:
        return lint_path(path, project)
    except RecursionError:
        return [Diagnostic(project.relpath(str(path)), 1, 1, RULE_ERROR,
                           "asynclint could not walk this file: it nests too deeply",
                           help="the other files were checked; split the deeply nested expression")]
    except Exception as exc:  # noqa: BLE001 - one file never stops the run
        return [Diagnostic(project.relpath(str(path)), 1, 1, RULE_ERROR,
                           f"asynclint failed on this file ({type(exc).__name__}: {exc}); please report it")]


def lint_files(paths: Iterable[Path], project: Project, *, jobs: int | None = 1,
               cache=None) -> list[Diagnostic]:
    """Findings of every file, in order: in ``jobs`` processes (None: every core),
    through an optional :class:`asynclint.cache.Cache` (see asynclint.parallel)."""
    from asynclint.parallel import lint_many

    return [d for _, found in lint_many(list(paths), project, jobs=jobs, cache=cache) for d in found]
