"""Which files to check: .py files under the given paths, minus excludes and .gitignore.

Patterns use gitignore syntax (via pathspec, the library black and others use for
exactly this), relative to the project root. A file named explicitly on the
command line is always checked, as ruff does without --force-exclude.

This is the warm path's first step (a run with an up-to-date cache does little
else), so it works on ``str`` paths and ``os.scandir`` entries, and imports
pathspec only when there is a pattern it must match: a ``.gitignore`` or
``exclude`` patterns from the configuration. The built-in excludes are plain
folder names and one ``*.egg-info``, matched by name (:func:`_default_excluded`
answers exactly as the gitignore spec of :data:`DEFAULT_EXCLUDE` does; a test
compares them).

Folder listings can be shared with the project index, which names every module
under the source roots (usually the same tree): inside :class:`shared_listings`,
each folder is listed once per run (:func:`listing`); with the cache, a folder
whose mtime and ctime are those it had when the last run listed it is not read
again (a stat instead of a listing: most of a large tree's folders hold no
Python at all, and reading them was half of a warm run).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from asynclint.config import DEFAULT_EXCLUDE

if TYPE_CHECKING:
    from pathlib import Path

    import pathspec

    from asynclint.config import Settings


# -- folder listings ----------------------------------------------------------------------
#
# A listing is a tuple (stamp, dirs, py, gitignore), sorted by name:
#   dirs: the sub-folders [(name, path)] (not symlinks: no walk enters one);
#   py: the other entries named *.py [(name, path, is_file)], ``is_file`` following
#       symlinks (a symlink to a folder is left out: os.walk neither enters it nor
#       lists it as a file);
#   gitignore: whether an entry is named .gitignore;
#   stamp: the folder's (st_mtime_ns, st_ctime_ns) just before it was read, or
#       None when the listing must not be kept for the next run (see
#       shared_listings).

#: folder -> its listing, while a shared_listings block is open
_SHARED: dict[str, tuple] | None = None
#: folder -> its listing from the last run, while a shared_listings block with a file
#: is open (None: no file, so listings get no stamp)
_KNOWN: dict[str, tuple] | None = None
#: a folder changed less than this before a listing is taken is read again next run
#: (its times may not show a change made within the same clock tick)
RACY_NS = 2_000_000_000
_EMPTY = (None, (), (), False)


def _read(folder: str, stamp: tuple[int, int] | None) -> tuple:
    dirs: list[tuple[str, str]] = []
    py: list[tuple[str, str, bool]] = []
    gitignore = False
    try:
        with os.scandir(folder) as it:
            for entry in it:
                name = entry.name
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    dirs.append((name, entry.path))
                elif name.endswith(".py"):
                    if entry.is_symlink():
                        stamp = None  # what it points to can change while the folder does not
                    try:
                        is_file = entry.is_file()
                    except OSError:
                        is_file = False
                    if not is_file:
                        try:
                            if entry.is_dir():
                                continue
                        except OSError:
                            pass
                    py.append((name, entry.path, is_file))
                elif name == ".gitignore":
                    gitignore = True
    except OSError:
        return _EMPTY
    dirs.sort()
    py.sort()
    return (stamp, tuple(dirs), tuple(py), gitignore)


def listing(folder: str) -> tuple:
    """What ``folder`` holds: ``(stamp, dirs, py, gitignore)`` (see above); empty
    when it cannot be listed.

    Inside a :class:`shared_listings` block a folder is listed once and its
    listing is handed to every later caller; outside one, every call lists the
    folder afresh.
    """
    shared = _SHARED
    if shared is None:
        return _read(folder, None)
    found = shared.get(folder)
    if found is None:
        if _KNOWN is None:
            found = _read(folder, None)
        else:
            try:
                st = os.stat(folder)
                stamp = (st.st_mtime_ns, st.st_ctime_ns)
            except OSError:
                stamp = None
            known = _KNOWN.get(folder)
            # an entry added, removed or renamed changes the folder's mtime and ctime (and
            # nothing sets a ctime back, as utime can an mtime: tar, rsync -a, touch -d)
            found = known if known is not None and stamp == known[0] else _read(folder, stamp)
        shared[folder] = found
    return found


class shared_listings:
    """``with shared_listings(file): ...``: folder listings are read once inside the block.

    For one run of the command line, where discovery and the project index walk
    the same tree a few milliseconds apart. Not for long-lived processes: a file
    created inside the block after its folder was listed is not seen.

    With ``file`` (``.asynclint_cache/folders.pickle``), the listings of the last
    run are used for every folder whose mtime and ctime are the same as when it was listed
    then (a stat instead of reading the folder, as git's untracked cache does);
    :meth:`save` keeps this run's for the next. Listings of folders changed in the
    last seconds, or holding a symlink named ``*.py``, are not kept. A broken or
    foreign file is ignored.
    """

    FORMAT = 2

    def __init__(self, file: "Path | None" = None) -> None:
        self.file = file
        self.known: dict[str, tuple] | None = None
        self.listed: dict[str, tuple] = {}

    def __enter__(self) -> "shared_listings":
        global _SHARED, _KNOWN
        self._outer = (_SHARED, _KNOWN)
        if _SHARED is None:
            _SHARED = self.listed
            if self.file is not None:
                self.known = self._load()
            _KNOWN = self.known
        return self

    def __exit__(self, *exc: object) -> None:
        global _SHARED, _KNOWN
        _SHARED, _KNOWN = self._outer

    def _load(self) -> dict[str, tuple]:
        from asynclint import __version__
        from asynclint.cache import _safe_load  # builtins only: a cache file cannot name a class

        assert self.file is not None
        try:
            data = _safe_load(self.file.read_bytes())
        except Exception:  # noqa: BLE001 - missing, truncated, corrupt: no listings
            return {}
        if not (isinstance(data, tuple) and len(data) == 3 and data[:2] == (self.FORMAT, __version__)
                and isinstance(data[2], dict) and _well_formed(data[2])):
            return {}
        return data[2]

    def save(self) -> None:
        """Keep this run's listings for the next run; only when they changed, and only
        into a cache folder that exists (the run's cache made it)."""
        if self.file is None or self.known is None:
            return
        import time

        limit = time.time_ns() - RACY_NS
        keep = {folder: found for folder, found in self.listed.items()
                if found[0] is not None and max(found[0]) < limit}
        if keep == self.known:
            return  # nothing new: the warm path writes nothing
        from asynclint import __version__
        from asynclint.cache import write_atomically

        try:
            write_atomically(self.file, (self.FORMAT, __version__, keep))
        except OSError:
            pass


def _well_formed(table: dict) -> bool:
    """Every listing of a kept table has the layout :func:`listing` gives."""
    str_, tuple_, int_, bool_ = str, tuple, int, bool
    for folder, found in table.items():
        if type(folder) is not str_ or type(found) is not tuple_ or len(found) != 4:
            return False
        stamp, dirs, py, gitignore = found
        if type(stamp) is not tuple_ or type(dirs) is not tuple_ or type(py) is not tuple_ or type(gitignore) is not bool_:
            return False
        if len(stamp) != 2 or type(stamp[0]) is not int_ or type(stamp[1]) is not int_:
            return False
        for entry in dirs:
            if type(entry) is not tuple_ or len(entry) != 2 or type(entry[0]) is not str_ or type(entry[1]) is not str_:
                return False
        for entry in py:
            if (type(entry) is not tuple_ or len(entry) != 3 or type(entry[0]) is not str_
                    or type(entry[1]) is not str_ or type(entry[2]) is not bool_):
                return False
    return True


# -- patterns -----------------------------------------------------------------------------

#: DEFAULT_EXCLUDE as names and name suffixes ("*.egg-info"); None if some pattern is neither
_PLAIN = set("*?[]!/\\ ")


def _default_names() -> tuple[frozenset[str], tuple[str, ...]] | None:
    names, suffixes = [], []
    for pattern in DEFAULT_EXCLUDE:
        if not _PLAIN.intersection(pattern) and not pattern.startswith("#"):
            names.append(pattern)
        elif pattern.startswith("*") and pattern[1:] and not _PLAIN.intersection(pattern[1:]):
            suffixes.append(pattern[1:])
        else:
            return None
    return frozenset(names), tuple(suffixes)


_DEFAULTS = _default_names()


def _default_excluded(name: str) -> bool:
    """Does a file or folder called ``name`` match one of DEFAULT_EXCLUDE's patterns?

    (Each is a slash-free gitignore pattern, so it matches a path when it matches
    one of its components.)
    """
    assert _DEFAULTS is not None
    names, suffixes = _DEFAULTS
    return name in names or name.endswith(suffixes)


class _Spec:
    """A gitignore spec with a fast "no pattern can match" answer.

    Most paths match none of the patterns. One regex joining every pattern's
    regex says so in one step; only a path it matches goes through the spec
    itself (which applies the order of patterns and negations). ``match_file``
    answers exactly as ``pathspec.GitIgnoreSpec.match_file`` does.
    """

    def __init__(self, spec: "pathspec.PathSpec") -> None:
        import re

        self.spec = spec
        regexes = [getattr(p, "regex", None) for p in spec.patterns if getattr(p, "include", None) is not None]
        self.any = None
        if regexes and all(r is not None and not r.flags & ~re.UNICODE for r in regexes):
            # only "does any match" matters: named groups become plain groups
            named = re.compile(r"[(][?]P<\w+>")
            joined = "|".join("(?:" + named.sub("(?:", r.pattern) + ")" for r in regexes)
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
    import pathspec

    return _Spec(pathspec.GitIgnoreSpec.from_lines(patterns))


def _gitignore(folder: str) -> _Spec | None:
    file = os.path.join(folder, ".gitignore")
    if not os.path.isfile(file):
        return None
    try:
        with open(file, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
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


# -- discovery ----------------------------------------------------------------------------

def discover(paths: list["Path"], settings: "Settings") -> list["Path"]:
    from pathlib import Path

    root = Path(settings.root).resolve()
    patterns = [*settings.exclude, *settings.extend_exclude]
    # the built-in excludes alone are matched by name; any configured pattern (which may
    # negate a built-in one) goes through one gitignore spec of them all, as before
    exclude = None if (_DEFAULTS is not None and not patterns) else _spec([*DEFAULT_EXCLUDE, *patterns])
    found: dict[str, None] = {}
    for given in paths:
        given = given.resolve()
        if given.is_file():
            found[str(given)] = None
            continue
        if not given.is_dir():
            continue
        # gitignore files from the root down to the starting folder apply too
        ignores: list[tuple[str, _Spec]] = []
        if settings.respect_gitignore:
            for folder in [*reversed(given.parents), given]:
                if folder == root or root in folder.parents:
                    if folder != given and (spec := _gitignore(str(folder))):
                        ignores.append((_prefix(str(folder)), spec))
        walk = _Walk(str(root), exclude, settings.respect_gitignore, found)
        start = str(given)
        if exclude is None:
            # a built-in exclude matches a path when it matches any of its components: those
            # from the root down to the starting folder are the same for every path below it
            rel = _relative(start, walk.root)
            if rel is not None and any(_default_excluded(part) for part in rel.split("/") if part):
                continue
        walk.folder(start, ignores)
    return _sorted_paths(found)


def _prefix(folder: str) -> str:
    return folder if folder.endswith(os.sep) else folder + os.sep


def _relative(path: str, base: str) -> str | None:
    """``path`` relative to folder ``base`` (given with a trailing separator), with
    forward slashes; None when it is not below it."""
    if not path.startswith(base):
        return None
    rel = path[len(base):]
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


class _Walk:
    """One walk below a starting folder (string paths, folder listings from :func:`listing`)."""

    def __init__(self, root: str, exclude: _Spec | None, respect_gitignore: bool, found: dict) -> None:
        self.root = _prefix(root)
        self.exclude = exclude
        self.respect_gitignore = respect_gitignore
        self.found = found

    def excluded(self, path: str, name: str, is_dir: bool, ignores: list[tuple[str, _Spec]]) -> bool:
        exclude = self.exclude
        if exclude is None:
            if _default_excluded(name):
                return True
        else:
            rel = _relative(path, self.root)
            if rel is None:
                rel = name
            if is_dir:
                rel, name = rel + "/", name + "/"
            if exclude.match_file(rel) or exclude.match_file(name):
                return True
        for folder, spec in ignores:
            local = _relative(path, folder)
            if local is None:
                continue
            if spec.match_file(local + "/" if is_dir else local):
                return True
        return False

    def folder(self, folder: str, ignores: list[tuple[str, _Spec]]) -> None:
        _, dirs, py, gitignore = listing(folder)
        # (the listing says whether there is a .gitignore: no stat per folder)
        if gitignore and self.respect_gitignore and (spec := _gitignore(folder)):
            ignores = [*ignores, (_prefix(folder), spec)]
        for name, path in dirs:
            if not self.excluded(path, name, True, ignores):
                self.folder(path, ignores)
        for name, path, is_file in py:
            if is_file and not self.excluded(path, name, False, ignores):
                self.found[path] = None


def _sorted_paths(found) -> list["Path"]:
    """``sorted(Path(p) for p in found)``, sorting the strings (cheaper than comparing Paths)."""
    from pathlib import Path

    if os.name != "posix":
        return sorted(Path(p) for p in found)
    # a Path sorts by its parts; every path here is absolute, so split("/") orders alike
    return [Path(p) for p in sorted(found, key=lambda p: p.split("/"))]


__all__ = ["discover", "listing", "shared_listings"]
