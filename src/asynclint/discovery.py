"""Which files to check: .py files under the given paths, minus excludes and .gitignore.

Patterns use gitignore syntax (via pathspec, the library black and others use for
exactly this), relative to the project root. A file named explicitly on the
command line is always checked, as ruff does without --force-exclude.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pathspec

from asynclint.config import DEFAULT_EXCLUDE, Settings


_NAMED_GROUP = re.compile(r"[(][?]P<\w+>")


class _Spec:
    """A gitignore spec with a fast "no pattern can match" answer.

    Most paths match none of the patterns. One regex joining every pattern's
    regex says so in one step; only a path it matches goes through the spec
    itself (which applies the order of patterns and negations). ``match_file``
    answers exactly as ``pathspec.GitIgnoreSpec.match_file`` does.
    """

    def __init__(self, spec: pathspec.PathSpec) -> None:
        self.spec = spec
        regexes = [getattr(p, "regex", None) for p in spec.patterns if getattr(p, "include", None) is not None]
        self.any = None
        if regexes and all(r is not None and not r.flags & ~re.UNICODE for r in regexes):
            # only "does any match" matters: named groups become plain groups
            joined = "|".join("(?:" + _NAMED_GROUP.sub("(?:", r.pattern) + ")" for r in regexes)
            try:
                self.any = None if "(?P=" in joined else re.compile(joined)
            except re.error:
                self.any = None
        self.empty = not regexes

    def match_file(self, path: str) -> bool:
        if self.empty:
            return False
        if self.any is not None:
            norm = path.replace(os.sep, "/") if os.sep != "/" else path
            norm = norm[1:] if norm.startswith("/") else norm[2:] if norm.startswith("./") else norm
            if self.any.match(norm) is None:
                return False
        return self.spec.match_file(path)


def _spec(patterns) -> _Spec:
    return _Spec(pathspec.GitIgnoreSpec.from_lines(patterns))


def _gitignore(folder: Path) -> _Spec | None:
    file = folder / ".gitignore"
    if not file.is_file():
        return None
    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    try:
        return _spec(lines)
    except Exception:  # noqa: BLE001 - git skips a pattern it cannot read; so do we
        good = []
        for line in lines:
            try:
                _spec([line])
            except Exception:  # noqa: BLE001
                continue
            good.append(line)
        return _spec(good)


def discover(paths: list[Path], settings: Settings) -> list[Path]:
    root = Path(settings.root).resolve()
    exclude = _spec([*DEFAULT_EXCLUDE, *settings.exclude, *settings.extend_exclude])
    found: dict[Path, None] = {}
    for given in paths:
        given = given.resolve()
        if given.is_file():
            found[given] = None
            continue
        if not given.is_dir():
            continue
        # gitignore files from the root down to the starting folder apply too
        ignores: list[tuple[Path, pathspec.PathSpec]] = []
        if settings.respect_gitignore:
            for folder in [*reversed(given.parents), given]:
                if folder == root or root in folder.parents:
                    if folder != given and (spec := _gitignore(folder)):
                        ignores.append((folder, spec))
        _walk(given, root, exclude, ignores, settings.respect_gitignore, found)
    return sorted(found)


def _relative(path: str, folder: Path) -> str | None:
    """``path.relative_to(folder).as_posix()`` with string operations (no pathlib per entry)."""
    base = str(folder)
    base = base if base.endswith(os.sep) else base + os.sep
    if not path.startswith(base):
        return None
    rel = path[len(base):]
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def _excluded(path: Path, is_dir: bool, root: Path, exclude, ignores) -> bool:
    text = str(path)
    rel = _relative(text, root)
    if rel is None:
        rel = path.name
    probe = rel + "/" if is_dir else rel
    if exclude.match_file(probe) or exclude.match_file(path.name + ("/" if is_dir else "")):
        return True
    for folder, spec in ignores:
        local = _relative(text, folder)
        if local is None:
            continue
        if spec.match_file(local + "/" if is_dir else local):
            return True
    return False


def _walk(folder: Path, root: Path, exclude, ignores, respect_gitignore: bool, found: dict) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    # (the listing says whether there is a .gitignore: no stat per folder)
    if respect_gitignore and any(e.name == ".gitignore" for e in entries) and (spec := _gitignore(folder)):
        ignores = [*ignores, (folder, spec)]
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            path = Path(entry.path)
            if not _excluded(path, True, root, exclude, ignores):
                _walk(path, root, exclude, ignores, respect_gitignore, found)
        elif entry.name.endswith(".py") and entry.is_file():
            path = Path(entry.path)
            if not _excluded(path, False, root, exclude, ignores):
                found[path] = None
