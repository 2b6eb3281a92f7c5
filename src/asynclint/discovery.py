"""Which files to check: .py files under the given paths, minus excludes and .gitignore.

Patterns use gitignore syntax (via pathspec, the library black and others use for
exactly this), relative to the project root. A file named explicitly on the
command line is always checked, as ruff does without --force-exclude.
"""

from __future__ import annotations

import os
from pathlib import Path

import pathspec

from asynclint.config import DEFAULT_EXCLUDE, Settings


def _spec(patterns) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _gitignore(folder: Path) -> pathspec.PathSpec | None:
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


def _excluded(path: Path, is_dir: bool, root: Path, exclude, ignores) -> bool:
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        rel = path.name
    probe = rel + "/" if is_dir else rel
    if exclude.match_file(probe) or exclude.match_file(path.name + ("/" if is_dir else "")):
        return True
    for folder, spec in ignores:
        try:
            local = path.relative_to(folder).as_posix()
        except ValueError:
            continue
        if spec.match_file(local + "/" if is_dir else local):
            return True
    return False


def _walk(folder: Path, root: Path, exclude, ignores, respect_gitignore: bool, found: dict) -> None:
    if respect_gitignore and (spec := _gitignore(folder)):
        ignores = [*ignores, (folder, spec)]
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if not _excluded(path, True, root, exclude, ignores):
                _walk(path, root, exclude, ignores, respect_gitignore, found)
        elif entry.name.endswith(".py") and entry.is_file():
            if not _excluded(path, False, root, exclude, ignores):
                found[path] = None
