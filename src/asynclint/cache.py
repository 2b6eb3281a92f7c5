"""The on-disk cache: ``.asynclint_cache/`` at the project root.

One file per run configuration (asynclint's version and code, Python, the
installed Django, the settings) holds, for every file checked:

- the digest of its content when it was checked, and its findings;
- what its analysis read (see :mod:`asynclint.deps`), as tokens with their
  digests then: files' contents, modules' index entries and summaries (with the
  content digest they were computed from), whole-project scans, values.

A cached result is used only when the file and everything it read are unchanged.
An index entry or a summary whose file changed is computed again and compared
("early cutoff"): an edit to a view's body re-checks that view, and the files
importing it only if what they learnt from it (its definitions, its helpers'
effects) changed. A whole-project scan (the models, the settings, the
middleware model...) is unchanged while the files holding its trigger bytes and
everything it read are; the cache keeps each scan's state, and which trigger
bytes each file holds, so checking that reads no unchanged file. Files are compared by (size, mtime_ns) first and by content digest when
those differ (a touched but unchanged file is still a hit). A file modified less
than two seconds before the cache was written is re-hashed next time (git's
"racily clean" rule).

The cache never decides a result on its own: an unreadable, truncated, foreign
or stale cache file is ignored and rebuilt. It is written atomically (a temp
file, then ``os.replace``). The pickle holds only builtin types and is read with
an unpickler that refuses every class, so a tampered cache cannot run code.

Importing this module costs nothing: the warm path (nothing changed) stats the
files, reads one cache file and prints, without libcst or any parsing.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from asynclint import __version__
from asynclint.deps import (ALL, ASYNC_NAMES, FACTS, PREFILTER, SCAN, SUMMARY, content_digest, merge_scan_state,
                            path_of, trigger_hits)

if TYPE_CHECKING:
    from asynclint.config import Settings
    from asynclint.diagnostics import Diagnostic
    from asynclint.project import Project

DIR_NAME = ".asynclint_cache"
FORMAT = 4
#: how many configurations (cache files) to keep
KEEP = 4
RACY_NS = 2_000_000_000


def cache_dir(settings: "Settings") -> Path:
    return Path(settings.root) / DIR_NAME


def clean(settings: "Settings") -> bool:
    """Remove the project's cache folder; True if there was one."""
    import shutil

    folder = cache_dir(settings)
    if not folder.is_dir():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def _code_fingerprint() -> str:
    """asynclint's own source files (size, mtime): editing a rule invalidates the cache."""
    package = Path(__file__).parent
    parts = []
    for folder in (package, package / "rules"):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".py"):
                try:
                    st = entry.stat()
                except OSError:
                    continue
                parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def _django_fingerprint() -> str:
    """The installed Django (some rules read its source): where, and which file."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("django")
    except (ImportError, ValueError):
        return "-"
    if spec is None or not spec.origin:
        return "-"
    try:
        st = os.stat(spec.origin)
    except OSError:
        return spec.origin
    return f"{spec.origin}:{st.st_size}:{st.st_mtime_ns}"


def run_key(settings: "Settings", mode: str = "check") -> str:
    text = repr((FORMAT, mode, __version__, sys.version, _code_fingerprint(), _django_fingerprint(),
                 settings))
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=12).hexdigest()





def digest_of_files(paths, files) -> str:
    """One digest of every file's path and content digest (``files.digest``)."""
    h = hashlib.blake2b(digest_size=16)
    for path in paths:
        h.update(f"{path}\0{files.digest(path)}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()

def write_atomically(path: Path, data) -> None:
    """Pickle ``data`` to ``path`` through a temporary file in the same folder and
    ``os.replace``: a reader sees the old file or the new one, never half of one.
    Raises OSError (and what pickling raises); the temporary file never stays."""
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _ignore_itself(folder: Path) -> None:
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by asynclint: the cache ignores itself\n*\n", encoding="utf-8")


class _NoClasses(pickle.Unpickler):
    """Builtin containers and scalars only: a cache file cannot name a class or function."""

    def find_class(self, module: str, name: str):  # noqa: ARG002
        raise pickle.UnpicklingError(f"cache files hold no objects ({module}.{name})")


def _safe_load(data: bytes):
    return _NoClasses(io.BytesIO(data)).load()


class Files:
    """Digests of files, through a (size, mtime_ns) -> digest table from earlier runs."""

    def __init__(self, table: dict[str, tuple[int, int, str | None]] | None = None) -> None:
        self.table = table or {}
        self.now: dict[str, tuple[int, int, str | None]] = {}

    def digest(self, path: str) -> str | None:
        seen = self.now.get(path)
        if seen is not None:
            return seen[2]
        try:
            st = os.stat(path)
        except OSError:
            self.now[path] = (-1, -1, None)
            return None
        old = self.table.get(path)
        if (isinstance(old, tuple) and len(old) == 3 and old[0] == st.st_size and old[1] == st.st_mtime_ns
                and isinstance(old[2], str)):
            digest = old[2]
        else:
            try:
                with open(path, "rb") as f:
                    digest = content_digest(f.read())
            except OSError:
                digest = None
        self.now[path] = (st.st_size, st.st_mtime_ns, digest)
        return digest

    def merged(self) -> dict[str, tuple[int, int, str | None]]:
        table = dict(self.table)
        limit = time.time_ns() - RACY_NS
        for path, (size, mtime, digest) in self.now.items():
            if digest is None:
                table.pop(path, None)
            else:
                # modified just now: the same mtime may hide a later edit; re-hash next time
                table[path] = (size, mtime if mtime < limit else -1, digest)
        return table


def _value_digest(name: str, project: "Project") -> str | None:
    """The current digest of a value dependency (see asynclint.deps)."""
    if name == ASYNC_NAMES:
        names = sorted(project.async_function_names())
        return hashlib.blake2b("\n".join(names).encode("utf-8", "replace"), digest_size=16).hexdigest()
    if name == PREFILTER:
        from asynclint.engine import enabled_rules, report_codes

        pattern = project.prefilter(enabled_rules(project.settings), report_codes(project.settings))
        text = b"<every file>" if pattern is None else pattern.pattern
        return hashlib.blake2b(text, digest_size=16).hexdigest()
    return None  # unknown: never equal to a stored digest


class _Deps:
    """Checking a stored dependency ``(token, content digest, digest)`` against now.

    Subclasses provide ``files`` (a :class:`Files`), ``_project`` and ``value()``.
    """

    files: "Files"
    _project: "Project | None"

    def _init_deps(self) -> None:
        self._fresh: dict[str, str | None] = {}
        self._scan_ok: dict[str, bool] = {}

    def value(self, name: str) -> str | None:  # pragma: no cover - every subclass has one
        raise NotImplementedError

    def scan_ok(self, name: str) -> bool:
        return False  # a cache that keeps no scan states trusts none

    def fresh_digest(self, token: str) -> str | None:
        """The digest of an index or summary token now (computed again: its file changed)."""
        if token not in self._fresh:
            self._fresh[token] = None
            if self._project is not None:
                try:
                    self._fresh[token] = self._project.dep_digests([token])[token][1]
                except Exception:  # noqa: BLE001 - cannot tell: a miss
                    self._fresh[token] = None
        return self._fresh[token]

    def dep_ok(self, token: str, content: str | None, digest: str | None) -> bool:
        kind = token[:1]
        if kind in (FACTS, SUMMARY):
            if content is not None and self.files.digest(path_of(token)) == content:
                return True
            return digest is not None and self.fresh_digest(token) == digest
        if kind == "=":
            return self.value(token) == digest
        if kind == SCAN:
            return self.scan_ok(token[1:])
        return digest is not None and self.files.digest(token) == digest

    def dep_entries(self, deps: "dict[str, tuple[str | None, str | None]]", own: str) -> tuple:
        """The stored form of a file's dependencies (as :meth:`Project.dep_digests` gives them)."""
        entries = []
        for token, (content, digest) in deps.items():
            kind = token[:1]
            if token == ALL or token == own:
                continue
            if kind in (FACTS, SUMMARY):
                entries.append((token, content, digest))
            elif kind == "=":
                entries.append((token, None, self.value(token)))
            elif kind == SCAN:
                entries.append((token, None, None))
            else:
                entries.append((token, None, self.files.digest(token)))
        return tuple(sorted(entries, key=lambda e: e[0]))


def _module_set_digest(paths: Iterable[str]) -> str:
    return hashlib.blake2b("\n".join(sorted(paths)).encode("utf-8", "surrogateescape"),
                           digest_size=16).hexdigest()


def _diag_tuple(d: "Diagnostic") -> tuple:
    return (d.line, d.col, d.code, d.message, d.end_line, d.end_col, d.help, d.noqa_row)


class Cache(_Deps):
    """Cached results of one project and configuration (see the module docs)."""

    def __init__(self, settings: "Settings", mode: str = "check") -> None:
        self.settings = settings
        self.folder = cache_dir(settings)
        self.key = run_key(settings, mode)
        self.file = self.folder / f"{mode}-{self.key}.pickle"
        self.files = Files()
        self.results: dict[str, tuple] = {}
        self.modules: str | None = None
        self._project_digest: str | None = None
        self._project_paths: list[str] = []
        self._project: "Project | None" = None
        self._values: dict[str, str | None] = {}
        #: value dependencies as last computed: name -> (project digest then, value digest)
        self.values: dict[str, tuple[str, str | None]] = {}
        #: whole-project scans: name -> (triggers, by, candidates, inputs), see asynclint.index
        self.scans: dict[str, tuple] = {}
        #: path -> (content digest, scan triggers the content holds)
        self.triggers: dict[str, tuple[str, tuple[bytes, ...]]] = {}
        #: keys of the results stored by this run, and scans whose old state is not to be trusted
        self._stored: set[str] = set()
        self._distrusted: set[str] = set()
        self.dirty = False
        self.hits = 0
        self._init_deps()
        self.load()
        self.summaries = SummaryCache(self)

    # -- reading --------------------------------------------------------------------

    def load(self) -> None:
        try:
            data = _safe_load(self.file.read_bytes())
            if not (isinstance(data, dict) and data.get("format") == FORMAT and data.get("key") == self.key):
                raise ValueError("another format or configuration")
            table, results, modules = data["stats"], data["results"], data["modules"]
            if not (isinstance(table, dict) and isinstance(results, dict) and isinstance(modules, str)):
                raise ValueError("bad layout")
        except Exception:  # noqa: BLE001 - missing, truncated, corrupt, foreign: start afresh
            return
        self.files = Files(table)
        self.results = results
        self.modules = modules
        values = data.get("values")
        if isinstance(values, dict):
            self.values = values
        scans, triggers = data.get("scans"), data.get("triggers")
        if isinstance(scans, dict) and isinstance(triggers, dict):
            self.scans, self.triggers = scans, triggers

    def use_project(self, project: "Project") -> None:
        """Results are only valid for the same set of project modules (imports resolve against it)."""
        self._project = project
        self._project_paths = sorted(set(project.index.module_paths.values()))
        digest = _module_set_digest(self._project_paths)
        if digest != self.modules:
            if self.results:
                self.dirty = True
            self.results = {}
            self.modules = digest

    def project_digest(self) -> str:
        """Digest of every project file's content (for results that used a whole-project scan)."""
        if self._project_digest is None:
            self._project_digest = digest_of_files(self._project_paths, self.files)
        return self._project_digest

    def value(self, name: str) -> str | None:
        """Digest of value dependency ``name`` now; recomputed only when some project file changed."""
        if name not in self._values:
            known = self.values.get(name)
            if isinstance(known, tuple) and len(known) == 2 and known[0] == self.project_digest():
                self._values[name] = known[1]
            else:
                self._values[name] = _value_digest(name, self._project) if self._project else None
                self.values[name] = (self.project_digest(), self._values[name])
                self.dirty = True
        return self._values[name]

    def lookup(self, path: Path, project: "Project") -> "list[Diagnostic] | None":
        """The cached findings for ``path`` if it and everything it depends on are unchanged."""
        key = str(path)
        entry = self.results.get(key)
        if entry is None:
            return None
        try:
            digest, diags, deps, whole = entry
            if digest is None or self.files.digest(key) != digest:
                return None
            for dep, content, dep_digest in deps:
                if not self.dep_ok(dep, content, dep_digest):
                    return None
            if whole is not None and self.project_digest() != whole:
                return None
            found = self._diagnostics(key, diags, project) if diags else []
        except Exception:  # noqa: BLE001 - a malformed entry is a miss
            return None
        self.hits += 1
        return found

    @staticmethod
    def _diagnostics(key: str, diags: tuple, project: "Project") -> "list[Diagnostic]":
        from asynclint.diagnostics import Diagnostic

        shown = project.relpath(key)
        return [Diagnostic(shown, *d) for d in diags]

    # -- writing --------------------------------------------------------------------

    def store(self, path: Path, diagnostics: "list[Diagnostic]",
              deps: "dict[str, tuple[str | None, str | None]] | None") -> None:
        if deps is None:
            return
        key = str(path)
        digest = self.files.digest(key)
        if digest is None:
            self.results.pop(key, None)
            return
        whole = self.project_digest() if ALL in deps else None
        self.results[key] = (digest, tuple(_diag_tuple(d) for d in diagnostics), self.dep_entries(deps, key), whole)
        self._stored.add(key)
        self.dirty = True

    # -- whole-project scans --------------------------------------------------------

    def _holds(self, path: str) -> frozenset[bytes]:
        """The scan triggers file ``path`` holds now (read only when its content changed)."""
        digest = self.files.digest(path)
        known = self.triggers.get(path)
        if digest is not None and isinstance(known, tuple) and len(known) == 2 and known[0] == digest:
            return frozenset(known[1])
        if digest is None:
            return frozenset()
        try:
            data = Path(path).read_bytes()
        except OSError:
            return frozenset()
        found = trigger_hits(data)
        self.triggers[path] = (digest, tuple(sorted(found)))
        self.dirty = True
        return found

    def scan_ok(self, name: str) -> bool:
        """Is the stored state of scan ``name`` still the project's?"""
        if name not in self._scan_ok:
            self._scan_ok[name] = False  # a scan reading itself (never) is not trusted
            self._scan_ok[name] = self._check_scan(name)
        return self._scan_ok[name]

    def _check_scan(self, name: str) -> bool:
        state = self.scans.get(name)
        try:
            triggers, by, candidates, inputs = state  # type: ignore[misc]
            wanted = frozenset(triggers)
            now = sorted((FACTS + path if by == "facts" else path)
                         for path in self._project_paths if self._holds(path) & wanted)
            if now != [c[0] for c in candidates]:
                return False
            return all(self.dep_ok(*c) for c in candidates) and all(self.dep_ok(*i) for i in inputs)
        except Exception:  # noqa: BLE001 - missing or malformed: not trusted
            return False

    def merge_scans(self, states: dict[str, tuple]) -> None:
        """Keep the scan states a run computed (see :meth:`Project.scan_states`).

        A state replacing one this run did not find valid makes every stored result
        that used the old one (and was not re-checked now) untrustworthy: those go.
        """
        for name, state in states.items():
            old = self.scans.get(name)
            if old == state:
                continue
            if old is not None and self.scan_ok(name) and old[:3] == state[:3]:
                state = merge_scan_state(old, state)  # the same scan, asked more of (a lazy model)
            elif old is not None:
                self._distrusted.add(name)
            self.scans[name] = state
            self.dirty = True

    def _drop_distrusted(self) -> None:
        if not self._distrusted:
            return
        tokens = {SCAN + name for name in self._distrusted}
        for key in [k for k, entry in self.results.items() if k not in self._stored]:
            try:
                if any(dep[0] in tokens for dep in self.results[key][2]):
                    del self.results[key]
            except Exception:  # noqa: BLE001 - a malformed entry goes too
                del self.results[key]

    def save(self) -> None:
        """Write the cache atomically; a folder we cannot write is silently skipped."""
        table = self.files.merged()
        if not self.dirty and table == self.files.table:
            return  # nothing new: the warm path writes nothing
        self._drop_distrusted()
        data = {"format": FORMAT, "key": self.key, "modules": self.modules or "",
                "stats": table, "results": self.results, "values": self.values,
                "scans": self.scans, "triggers": self.triggers}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _ignore_itself(self.folder)
            write_atomically(self.file, data)
            self._prune()
        except OSError:
            return
        finally:
            self.summaries.save()

    def _prune(self) -> None:
        """Keep the most recent few configurations."""
        try:
            mode = self.file.name.partition("-")[0]
            files = sorted(self.folder.glob(f"{mode}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return
        for old in files[KEEP:]:
            try:
                old.unlink()
            except OSError:
                pass


class _SummaryClasses(pickle.Unpickler):
    """What function summaries are made of, and nothing else."""

    ALLOWED = {("asynclint.checker", "FunctionSummary"), ("asynclint.checker", "Effect"),
               ("asynclint.semantic", "T"), ("builtins", "frozenset"), ("builtins", "set")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"not a summary class: {module}.{name}")
        return super().find_class(module, name)


class SummaryCache:
    """Summaries of helper modules (what their sync functions do), kept between runs.

    Checking one file that calls helpers in a dozen modules would otherwise parse
    those modules with libcst to summarize them (the pre-commit case). An entry is
    used only when the module and every file its summary was built from are
    unchanged, as for findings. Kept in its own file, read the first time a
    summary is needed (never on the warm path), written once at the end.
    """

    #: the layout of the file: each module's summaries pickled on their own
    FORMAT = 2

    def __init__(self, owner: "Cache") -> None:
        self.owner = owner
        self.file = owner.folder / f"summaries-{owner.key}.pickle"
        self.entries: dict[str, tuple] | None = None
        self.dirty = False

    def _load(self) -> dict[str, tuple]:
        if self.entries is None:
            self.entries = {}
            try:
                # builtins only; each module's summaries stay pickled until asked for
                data = _safe_load(self.file.read_bytes())
                if (isinstance(data, dict) and data.get("format") == self.FORMAT
                        and data.get("modules") == self.owner.modules):
                    entries = data.get("entries")
                    if isinstance(entries, dict):
                        self.entries = entries
            except Exception:  # noqa: BLE001 - missing or broken: start afresh
                pass
        return self.entries

    def lookup(self, modname: str, path: str) -> "tuple[dict, frozenset[str], dict] | None":
        """The module's summaries, the tokens they were built from, and the digests of
        those (just checked: still current), if all unchanged."""
        entry = self._load().get(modname)
        if entry is None:
            return None
        try:
            epath, digest, deps, whole, summaries = entry
            files = self.owner.files
            if epath != path or files.digest(path) != digest:
                return None
            if not all(self.owner.dep_ok(*dep) for dep in deps):
                return None
            if whole is not None and self.owner.project_digest() != whole:
                return None
            if isinstance(summaries, bytes):
                summaries = _SummaryClasses(io.BytesIO(summaries)).load()
                self.entries[modname] = (epath, digest, deps, whole, summaries)  # type: ignore[index]
            if not isinstance(summaries, dict):
                return None
            built_from = frozenset(dep[0] for dep in deps) | ({ALL} if whole is not None else set())
            known = {dep[0]: (dep[1], dep[2]) for dep in deps if dep[0][:1] in (FACTS, SUMMARY)}
        except Exception:  # noqa: BLE001 - a malformed entry is a miss
            return None
        return summaries, built_from, known

    def store(self, modname: str, path: str, summaries: dict, deps: frozenset[str], project: "Project") -> None:
        files = self.owner.files
        digest = files.digest(path)
        if digest is None:
            return
        # kept as they are until the cache is written: lines a finding of this run
        # resolved are kept then (see :meth:`save`)
        entries = self.owner.dep_entries(project.dep_digests(deps - {SUMMARY + path}), path)
        self._load()[modname] = (path, digest, entries,
                                 self.owner.project_digest() if ALL in deps else None, summaries)
        self.dirty = True

    def keep(self, found: list[tuple]) -> None:
        """Summaries a worker process computed (see Project.summaries_to_keep)."""
        for modname, path, summaries, digests, whole in found:
            digest = self.owner.files.digest(path)
            if digest is None:
                continue
            self._load()[modname] = (path, digest, self.owner.dep_entries(digests, path),
                                     self.owner.project_digest() if whole else None, summaries)
            self.dirty = True

    def save(self) -> None:
        if not self.dirty or self.entries is None:
            return
        # copies without the tree: lines no finding needed stay 0, "not known here"
        # (positions cost a full pass over the file; Project.hop_line finds them if cited)
        entries = {}
        for modname, entry in self.entries.items():
            try:
                epath, digest, deps, whole, summaries = entry
                if not isinstance(summaries, bytes):  # (bytes: read and never asked for)
                    summaries = pickle.dumps({fqn: summary.detached() for fqn, summary in summaries.items()},
                                             protocol=pickle.HIGHEST_PROTOCOL)
                entries[modname] = (epath, digest, deps, whole, summaries)
            except Exception:  # noqa: BLE001 - a malformed or unpicklable entry is dropped
                continue
        try:
            self.owner.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self.file, {"format": self.FORMAT, "modules": self.owner.modules, "entries": entries})
        except Exception:  # noqa: BLE001 - an unwritable or unpicklable summary: no cache
            return
        self.dirty = False


class EntryCache(_Deps):
    """The same cache, one small file per checked file: for the flake8 plugin, whose
    worker processes check files one at a time and never get a "run is over" call.

    ``.asynclint_cache/flake8-<key>/<digest of the path>.pickle`` holds what
    :class:`Cache` keeps for one file; each entry is written atomically as soon
    as the file is checked.
    """

    def __init__(self, settings: "Settings", project: "Project", mode: str = "flake8") -> None:
        self.folder = cache_dir(settings) / f"{mode}-{run_key(settings, mode)}"
        self.files = Files()
        self.paths = sorted(set(project.index.module_paths.values()))
        self.modules = _module_set_digest(self.paths)
        self._project_digest: str | None = None
        self._project = project
        self._values: dict[str, str | None] = {}
        self.hits = 0
        self._init_deps()

    def value(self, name: str) -> str | None:
        if name not in self._values:
            self._values[name] = _value_digest(name, self._project)
        return self._values[name]

    def project_digest(self) -> str:
        if self._project_digest is None:
            self._project_digest = digest_of_files(self.paths, self.files)
        return self._project_digest

    def _entry(self, key: str) -> Path:
        name = hashlib.blake2b(key.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
        return self.folder / f"{name}.pickle"

    def lookup(self, key: str, digest: str) -> tuple | None:
        """Cached findings (tuples, see :func:`_diag_tuple`) for ``key`` with content ``digest``."""
        try:
            data = _safe_load(self._entry(key).read_bytes())
            path, modules, own, diags, deps, whole = data
            if path != key or modules != self.modules or own != digest:
                return None
            if not all(self.dep_ok(*dep) for dep in deps):
                return None
            if whole is not None and self.project_digest() != whole:
                return None
            if not isinstance(diags, tuple):
                return None
        except Exception:  # noqa: BLE001 - missing or broken entry: a miss
            return None
        self.hits += 1
        return diags

    def store(self, key: str, digest: str, diagnostics: "list[Diagnostic]",
              deps: "dict[str, tuple[str | None, str | None]]") -> None:
        # this cache keeps no scan states: a scan stands for the whole project
        whole = self.project_digest() if any(t == ALL or t[:1] == SCAN for t in deps) else None
        files = tuple(e for e in self.dep_entries(deps, key) if e[0][:1] != SCAN)
        data = (key, self.modules, digest, tuple(_diag_tuple(d) for d in diagnostics), files, whole)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _ignore_itself(self.folder.parent)
            write_atomically(self._entry(key), data)
        except OSError:
            return


__all__ = ["ALL", "Cache", "DIR_NAME", "EntryCache", "Files", "cache_dir", "clean", "content_digest", "run_key"]
