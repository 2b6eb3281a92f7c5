"""``[tool.asynclint]`` in the nearest pyproject.toml, merged with CLI flags.

Precedence: defaults < pyproject.toml < command line. The result is one frozen,
picklable ``Settings`` per run.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ROOT_MARKERS = ("pyproject.toml", "manage.py", "setup.cfg", "setup.py", ".git", ".hg")
DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pypackages__",
    "node_modules", "build", "dist", ".eggs", "*.egg-info", ".mypy_cache",
    ".ruff_cache", ".pytest_cache", ".asynclint_cache", "site-packages",
)


class ConfigError(Exception):
    """A configuration problem the user must fix; the CLI prints it and exits 2."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("DJA",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Django version the project runs; cures newer than it are not suggested.
    target_django: tuple[int, int] | None = None
    #: Where first-party modules live (for resolving imports), relative to root.
    src: tuple[str, ...] = (".",)
    #: Extra blocking callables (fully qualified names) for DJA3xx.
    extend_blocking_calls: tuple[str, ...] = ()
    #: Trip count above which a loop without await is CPU-bound work (DJA4xx).
    loop_threshold: int = 100_000
    respect_gitignore: bool = True
    root: str = "."
    config_file: str | None = None

    @property
    def selected_prefixes(self) -> tuple[str, ...]:
        return self.select + self.extend_select

    def is_enabled(self, code: str) -> bool:
        from asynclint.registry import all_rules, is_selected, matches

        if not is_selected(code, self.selected_prefixes, self.ignore):
            return False
        rule = all_rules().get(code)
        if rule is not None and rule.opt_in:
            # hints run only when asked for by family or code, not by the bare "DJA"
            return matches(code, [p for p in self.selected_prefixes if len(p) > 3 and p != "ALL"]) > 0
        return True

    def cure_available(self, since: tuple[int, int] | None) -> bool:
        """Whether a cure introduced in Django ``since`` exists in the target version."""
        return since is None or self.target_django is None or self.target_django >= since

    def src_roots(self) -> list[Path]:
        root = Path(self.root)
        return [(root / s).resolve() for s in self.src]


def _codes(key: str, value: Any) -> tuple[str, ...]:
    from asynclint.registry import CODE_RE

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of code prefixes, e.g. [\"DJA1\"]")
    for code in value:
        if code != "ALL" and not CODE_RE.match(code):
            raise ConfigError(f"`{key}`: {code!r} is not a rule code or prefix (expected e.g. DJA, DJA1, DJA101)")
    return tuple(value)


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings")
    return tuple(value)


def _patterns(key: str, value: Any) -> tuple[str, ...]:
    """gitignore-style patterns, checked now so a bad one is a config error, not a crash."""
    import pathspec

    patterns = _strings(key, value)
    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except Exception as exc:  # noqa: BLE001 - pathspec raises several kinds
            raise ConfigError(f"`{key}`: {pattern!r} is not a valid gitignore-style pattern ({exc})") from None
    return patterns


def parse_version(key: str, value: Any) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)\.(\d+)", str(value).strip()) if isinstance(value, (str, float)) else None
    if not match:
        raise ConfigError(f"`{key}` must be a Django version like \"5.2\", not {value!r}")
    version = (int(match.group(1)), int(match.group(2)))
    if version < (3, 1) or version[0] > 9:
        raise ConfigError(f"`{key}`: Django {value} has no async views; use 3.1 or later")
    return version


def _per_file_ignores(key: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of pattern = [codes]")
    return tuple((_patterns(key, [pattern])[0], _codes(f"{key}.{pattern}", codes)) for pattern, codes in value.items())


def _positive_int(key: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"`{key}` must be a positive integer, not {value!r}")
    return value


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"`{key}` must be true or false, not {value!r}")
    return value


_KEYS = {
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "extend-select": ("extend_select", _codes),
    "exclude": ("exclude", _patterns),
    "extend-exclude": ("extend_exclude", _patterns),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "target-django": ("target_django", parse_version),
    "src": ("src", _strings),
    "extend-blocking-calls": ("extend_blocking_calls", _strings),
    "loop-threshold": ("loop_threshold", _positive_int),
    "respect-gitignore": ("respect_gitignore", _bool),
}


def find_config(start: Path) -> tuple[Path | None, Path]:
    """The nearest pyproject.toml with a ``[tool.asynclint]`` table, and the project root.

    Without such a table the root is the nearest folder holding a project marker
    (pyproject.toml, manage.py, setup.cfg, a VCS folder), else ``start``.
    """
    start = start.resolve()
    if start.is_file():
        start = start.parent
    marker_root: Path | None = None
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
                raise ConfigError(f"{candidate}: cannot read TOML: {exc}") from None
            if "asynclint" in data.get("tool", {}):
                return candidate, folder
        if marker_root is None and any((folder / m).exists() for m in ROOT_MARKERS):
            marker_root = folder
    return None, marker_root or start


def load_settings(start: Path, config_file: Path | None = None, **overrides: Any) -> Settings:
    if config_file is None:
        config_file, root = find_config(start)
    else:
        root = config_file.resolve().parent
    values: dict[str, Any] = {"root": str(root)}
    if config_file is not None:
        values["config_file"] = str(config_file)
        try:
            data = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise ConfigError(f"{config_file}: cannot read TOML: {exc}") from None
        table = data.get("tool", {}).get("asynclint", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{config_file}: [tool.asynclint] must be a table")
        for key, value in table.items():
            if key not in _KEYS:
                known = ", ".join(sorted(_KEYS))
                raise ConfigError(f"{config_file}: unknown key `{key}` in [tool.asynclint] (known keys: {known})")
            attr, check = _KEYS[key]
            try:
                values[attr] = check(key, value)
            except ConfigError as exc:
                raise ConfigError(f"{config_file}: [tool.asynclint] {exc}") from None
    settings = Settings(**values)
    cli = {k: v for k, v in overrides.items() if v is not None}
    return replace(settings, **cli) if cli else settings


__all__ = ["ConfigError", "Settings", "find_config", "load_settings", "parse_version"]
