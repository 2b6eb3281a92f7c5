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

:data:`ALL` stands for "every file of the project" (whole-project scans: models
named by string, reverse relations, the settings and middleware scans).

This module is imported by the index at start-up: standard library only.
"""

from __future__ import annotations

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


__all__ = ["ALL", "ASYNC_NAMES", "PREFILTER", "Recorder"]
