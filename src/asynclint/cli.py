"""The ``asynclint`` command: check, rule, clean."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from asynclint import __version__
from asynclint.config import ConfigError, parse_version

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

#: set by :func:`run` (the ``asynclint`` command): the process ends with the command
_ENDS_WITH_COMMAND = False


def run() -> None:
    """The ``asynclint`` command: :func:`main`, then leave without tearing the
    interpreter down. A run keeps a million objects alive; putting Python's cyclic
    collector back to work and freeing them all at exit took longer than printing
    the findings. Output is flushed first and the cache is written by then; this is
    what mypy does too. In-process callers (tests, click's runner) call
    :func:`main`, which cleans up after itself."""
    global _ENDS_WITH_COMMAND
    _ENDS_WITH_COMMAND = True
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more to say
        pass
    os._exit(code)


def _codes_option(value: str | None, flag: str) -> tuple[str, ...] | None:
    from asynclint.registry import CODE_RE

    if value is None:
        return None
    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    for code in codes:
        if code != "ALL" and not CODE_RE.match(code):
            raise click.BadParameter(f"{code!r} is not a rule code or prefix (e.g. DJA, DJA1, DJA101)", param_hint=flag)
    return codes


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="asynclint")
def main() -> None:
    """Find Django code that breaks or stalls on the event loop."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", help="Comma-separated code prefixes to enable (replaces the configured list).")
@click.option("--ignore", help="Comma-separated code prefixes to disable.")
@click.option("--extend-select", help="Comma-separated code prefixes to enable on top of the configured list.")
@click.option("--output-format", type=click.Choice(["full", "concise", "json"]), default="full", show_default=True)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has, instead of the findings.")
@click.option("--target-django", help="Django version the project runs, e.g. 5.2 (overrides the config).")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read [tool.asynclint] from this pyproject.toml instead of searching for one.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Check files in this many processes (default: every core).")
@click.option("--no-cache", is_flag=True,
              help="Neither read nor write the cache (.asynclint_cache/ at the project root).")
def check(paths, select, ignore, extend_select, output_format, exit_zero, statistics, target_django, config_file,
          jobs, no_cache):
    """Check PATHS (files or folders; default: the current folder)."""
    # Imports stay lazy: with an up-to-date cache, neither libcst nor the rules are loaded.
    from asynclint import output
    from asynclint.config import load_settings
    from asynclint.discovery import discover, shared_listings
    from asynclint.parallel import lint_many, paused_gc
    from asynclint.project import Project

    paths = list(paths) or [Path(".")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        _fail(f"no such file or folder: {missing[0]}")
    if config_file is not None and not config_file.is_file():
        _fail(f"no such config file: {config_file}")
    try:
        overrides = {
            "select": _codes_option(select, "--select"),
            "ignore": _codes_option(ignore, "--ignore"),
            "extend_select": _codes_option(extend_select, "--extend-select"),
        }
        target = parse_version("--target-django", target_django) if target_django is not None else None
        settings = load_settings(paths[0], config_file, target_django=target)
    except click.BadParameter as exc:
        _fail(exc.format_message())
    except ConfigError as exc:
        _fail(str(exc))
    settings = _layer_selection(settings, **overrides)

    listings = None
    if not no_cache:
        from asynclint.cache import cache_dir

        listings = cache_dir(settings) / "folders.pickle"
    # discovery and the index's module names: one walk of the tree (with the cache, a
    # folder unchanged since the last run is not read again)
    with shared_listings(listings) as listed:
        files = discover(paths, settings)
        project = Project(settings)
    root = Path.cwd()  # diagnostics carry paths relative to the working folder
    with paused_gc(restore=not _ENDS_WITH_COMMAND):  # reading the cache allocates much too
        cache = None
        if not no_cache:
            from asynclint.cache import Cache

            cache = Cache(settings)
        found = lint_many(files, project, jobs=jobs, cache=cache)
    listed.save()  # (after the cache: it makes the cache folder)
    diagnostics = sorted(_shown_from_cwd([d for _, diags in found for d in diags], root),
                         key=lambda d: d.sort_key())
    if statistics:
        from asynclint.registry import all_rules

        names = {code: rule.name for code, rule in all_rules().items()}
        click.echo(output.statistics(diagnostics, names), nl=False)
    elif output_format == "json":
        click.echo(output.as_json(diagnostics, root), nl=False)
    elif output_format == "concise":
        click.echo(output.concise(diagnostics), nl=False)
    else:
        click.echo(output.full(diagnostics, root), nl=False)
    if output_format != "json":
        noun = "finding" if len(diagnostics) == 1 else "findings"
        checked = f"{len(files)} file" + ("" if len(files) == 1 else "s")
        summary = f"Found {len(diagnostics)} {noun} in {checked}." if diagnostics else f"All checks passed ({checked})."
        click.echo(summary, err=True)
    sys.exit(EXIT_FINDINGS if diagnostics and not exit_zero else EXIT_CLEAN)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
def clean(path):
    """Remove the cache (.asynclint_cache/) of the project PATH is in (default: the current folder)."""
    from asynclint.cache import cache_dir, clean as remove_cache
    from asynclint.config import load_settings

    try:
        settings = load_settings(path or Path("."))
    except ConfigError as exc:
        _fail(str(exc))
    if remove_cache(settings):
        click.echo(f"Removed {cache_dir(settings)}", err=True)
    else:
        click.echo(f"No cache at {cache_dir(settings)}", err=True)


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
def rule(code, show_all):
    """Print the documentation of rule CODE, or list every rule with --all."""
    from asynclint.registry import FAMILIES, all_rules

    rules = all_rules()
    if show_all or code is None:
        family = None
        width = max((len(cls.name) for cls in rules.values()), default=0)
        for rcode, cls in rules.items():
            if rcode[:4] != family:
                family = rcode[:4]
                click.echo(f"\n{family}xx  {FAMILIES.get(family, '')}")
            click.echo(f"  {rcode}  {cls.name:<{width}}  {cls.summary()}")
        return
    cls = rules.get(code.upper())
    if cls is None:
        _fail(f"unknown rule {code!r}; `asynclint rule --all` lists them")
    click.echo(f"# {cls.name} ({cls.code})\n")
    click.echo(cls.doc())


def _layer_selection(settings, select, ignore, extend_select):
    """Command-line selection on top of the configured one, as ruff layers them:
    ``--select`` starts afresh (the configured select, extend-select and ignore no
    longer apply); ``--ignore`` and ``--extend-select`` add to the configured lists."""
    from dataclasses import replace

    from asynclint.registry import all_rules, matches

    if select is None and ignore is None and extend_select is None:
        return settings
    ignore, extend_select = ignore or (), extend_select or ()
    codes = list(all_rules())

    def chosen(prefixes: tuple[str, ...]) -> set[str]:
        # Settings.is_enabled knows the finer points (opt-in hint rules need their family or code)
        layer = replace(settings, select=prefixes, ignore=ignore, extend_select=())
        return {c for c in codes if layer.is_enabled(c)}

    if select is not None:
        enabled = chosen(select + extend_select)
    else:
        configured = {c for c in codes if settings.is_enabled(c)}
        removed = {c for c in codes if matches(c, ignore) and matches(c, ignore) >= matches(c, extend_select)}
        enabled = (configured | chosen(extend_select)) - removed
    # the resolved list of codes replaces the prefixes of both layers
    return replace(settings, select=tuple(sorted(enabled)), ignore=(), extend_select=())


def _shown_from_cwd(diagnostics: list, root: Path) -> list:
    """The findings with their paths as the user would type them: relative to the
    current folder when the file is below it (as ruff and flake8 print), else
    absolute. (Each folder is resolved once, not each finding's path.)"""
    import os
    from dataclasses import replace

    here = Path.cwd().resolve()
    shown: dict[str, str] = {}
    folders: dict[Path, Path] = {}
    out = []
    for diag in diagnostics:
        path = shown.get(diag.path)
        if path is None:
            given = Path(diag.path)
            given = given if given.is_absolute() else root / given
            if given.name in ("", ".", "..") or os.path.islink(given):
                full = given.resolve()
            else:  # resolving a path resolves its folder, then follows the name if it is a link
                folder = folders.get(given.parent)
                if folder is None:
                    folder = folders[given.parent] = given.parent.resolve()
                full = folder / given.name
            try:
                path = full.relative_to(here).as_posix()
            except ValueError:
                path = str(full)
            shown[diag.path] = path
        out.append(diag if path == diag.path else replace(diag, path=path))
    return out


def _fail(message: str) -> None:
    click.echo(f"asynclint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


if __name__ == "__main__":  # pragma: no cover
    main()
