"""What the analysis of one file read from the rest of the project.

A file's findings depend on other files: the index (imported models, functions,
classes), the summaries of helpers it calls (possibly across modules), the
project's settings modules. The on-disk cache (:mod:`asynclint.cache`) must
re-check a file when any of those changed, and only then.

The index and the project note every file they read in a :class:`Recorder`;
the engine opens a *scope* around each file it lints and collects what was noted
while the scope was open. Memoized answers (a module indexed for an earlier
file, a helper's summary, a call chain) keep the set of files they were built
from, and note it again on every later use, so a file depends on everything its
answers were derived from, whichever file happened to ask first.

What is noted are *tokens*, each compared by the cache on the next run:

- a plain path: the file's content (a raw read: settings literals, a module the
  middleware model parsed);
- ``#<path>``: the module's index entry (:func:`fingerprint` of its imports,
  definitions, classes, fields; not its comments or function bodies);
- ``$<path>``: the summaries of its sync functions (effects, callees, return
  types; not their lines: a finding that cites a line of the module notes the
  plain path as well);
- ``~<name>``: a whole-project scan (models named by string, reverse
  relations, the user model, routes, settings, the middleware model). It is
  valid while the set of files holding its trigger bytes is the same, with the
  same content (or index entries), and what it read besides is unchanged;
- ``=<name>``: a value the cache recomputes and compares (the prefilter pattern,
  the names of every ``async def``).

So an edit to a view's body re-checks the view, and the files that use the view
module's definitions only when those definitions changed ("early cutoff").
:data:`ALL` ("every file of the project") is still understood, for a scan that
cannot say what it read.

This module is imported by the index at start-up: standard library only.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Iterable

#: "every file of the project"
ALL = "*"
#: "the engine's prefilter" (Project.prefilter: the byte triggers of the enabled rules,
#: some computed from the whole project): a value dependency of every file, compared
#: by the pattern itself.
PREFILTER = "=prefilter"
#: "the names of every ``async def`` in the project" (Project.async_function_names): a
#: *value* dependency. A file that used them depends on the names, not on every file:
#: the cache compares the names, so an edit that adds no ``async def`` changes nothing.
ASYNC_NAMES = "=async-names"

FACTS, SUMMARY, SCAN = "#", "$", "~"

#: every byte string a whole-project scan selects files by; the cache keeps, per
#: file content, which of these it holds (a scan's :meth:`ProjectIndex.scan`
#: triggers must be among them)
SCAN_TRIGGERS: tuple[bytes, ...] = (
    b"Model", b"models", b"AUTH_USER_MODEL", b"urlpatterns",
    b"MIDDLEWARE", b"ASGI_APPLICATION", b"get_asgi_application", b"ASGIHandler",
    b"CACHES", b"CACHE_MIDDLEWARE_ALIAS", b"DATABASES", b"async def",
)


def content_digest(data: bytes) -> str:
    """The digest a file's content is known by (the cache's and the index's alike)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def trigger_hits(data: bytes) -> frozenset[bytes]:
    """The :data:`SCAN_TRIGGERS` that ``data`` holds."""
    return frozenset(t for t in SCAN_TRIGGERS if t in data)


def merge_scan_state(old: tuple | None, new: tuple) -> tuple:
    """One scan's state as two processes (or two runs) saw it: with the same triggers and
    candidates, what either read; otherwise the new one. A state is ``(triggers, by,
    candidates, inputs)`` with inputs ``(token, content digest, digest)``."""
    if old is None or old[:3] != new[:3]:
        return new
    inputs = {i[0]: i for i in old[3]}
    inputs.update({i[0]: i for i in new[3]})
    return (*new[:3], tuple(sorted(inputs.values(), key=lambda i: i[0])))


def path_of(token: str) -> str:
    """The file a ``#``/``$`` token is about (a plain path is its own file)."""
    return token[1:] if token[:1] in (FACTS, SUMMARY) else token


def _canonical(value):
    """``value`` as nested tuples of builtins, the same in every process (sets sorted,
    dataclasses by their fields), for :func:`fingerprint`."""
    if value is None or isinstance(value, (str, int, float, bool, bytes)):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return ("<set>", *sorted((_canonical(v) for v in value), key=repr))
    if isinstance(value, dict):
        return ("<dict>", *((_canonical(k), _canonical(v)) for k, v in value.items()))
    kind = type(value)
    names = _COMPARED.get(kind)
    if names is None and dataclasses.is_dataclass(value):
        names = _COMPARED[kind] = tuple(f.name for f in dataclasses.fields(value) if f.compare)
    if names is not None:
        return (kind.__name__, *((name, _canonical(getattr(value, name))) for name in names))
    return repr(value)


#: dataclass type -> the names of its compared fields (read once per type)
_COMPARED: dict[type, tuple[str, ...]] = {}


def fingerprint(*values) -> str:
    """A short digest of ``values``, stable across processes and runs."""
    text = repr(_canonical(values))
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


class Recorder:
    """A stack of open scopes; a noted file is added to every open scope."""

    def __init__(self) -> None:
        self._scopes: list[set[str]] = []

    def __reduce__(self):
        return (Recorder, ())  # open scopes belong to the process that opened them

    @property
    def active(self) -> bool:
        return bool(self._scopes)

    def push(self) -> set[str]:
        scope: set[str] = set()
        self._scopes.append(scope)
        return scope

    def pop(self, scope: set[str]) -> frozenset[str]:
        # Pop down to ``scope`` (a scope left open by an exception is closed too).
        while self._scopes:
            if self._scopes.pop() is scope:
                break
        return frozenset(scope)

    def note(self, paths: Iterable[str]) -> None:
        if self._scopes:
            for scope in self._scopes:
                scope.update(paths)

    def isolate(self) -> list[set[str]]:
        """Open a scope that hides the open ones (what is read in it is not theirs);
        ``restore`` with the returned value."""
        outer, self._scopes = self._scopes, [set()]
        return outer

    def restore(self, outer: list[set[str]]) -> frozenset[str]:
        inner, self._scopes = self._scopes, outer
        return frozenset(inner[0]) if inner else frozenset()

    def top(self) -> set[str] | None:
        """The innermost open scope itself (it keeps growing until it is closed)."""
        return self._scopes[-1] if self._scopes else None

    def current(self) -> frozenset[str]:
        return frozenset(self._scopes[-1]) if self._scopes else frozenset()


__all__ = ["ALL", "ASYNC_NAMES", "FACTS", "PREFILTER", "Recorder", "SCAN", "SCAN_TRIGGERS", "SUMMARY",
           "content_digest", "fingerprint", "merge_scan_state", "path_of", "trigger_hits"]
