"""Run-wide state: the settings, the project index, and function summaries.

A *summary* says what a sync function does that must not happen on the event
loop (its effects) and which project functions it calls. Summaries come from the
same checker and rules that produce findings, run over the callee's module, so
there is one definition of "this queries the database" in asynclint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from asynclint.index import ProjectIndex, module_name_for

if TYPE_CHECKING:
    from asynclint.checker import Checker, FunctionSummary
    from asynclint.config import Settings

MAX_CHAIN_DEPTH = 8


@dataclass(frozen=True)
class Hop:
    fqn: str
    path: str
    line: int
    what: str


class Project:
    def __init__(self, settings: "Settings", index: ProjectIndex | None = None) -> None:
        self.settings = settings
        self.root = Path(settings.root).resolve()
        self.index = index if index is not None else ProjectIndex(settings.src_roots())
        self._summaries: dict[str, dict[str, "FunctionSummary"]] = {}
        self._chains: dict[tuple[str, str, frozenset[str]], list[Hop] | None] = {}
        self._prefilters: dict[frozenset[str], "re.Pattern[bytes] | None"] = {}
        self._async_names: frozenset[str] | None = None

    def async_function_names(self) -> frozenset[str]:
        """Names of every ``async def`` in the project's files (a byte scan, no parse)."""
        if self._async_names is None:
            names: set[str] = set()
            pattern = re.compile(rb"async\s+def\s+(\w+)")
            for path in self.index.module_paths.values():
                try:
                    data = Path(path).read_bytes()
                except OSError:
                    continue
                if b"async" in data:
                    names.update(m.decode("ascii", "replace") for m in pattern.findall(data))
            self._async_names = frozenset(names)
        return self._async_names

    def prefilter(self, rules: list, codes: frozenset[str]) -> "re.Pattern[bytes] | None":
        """One regex of every reporting rule's triggers; None when some rule needs every file."""
        if codes not in self._prefilters:
            parts: set[bytes] = set()
            pattern: "re.Pattern[bytes] | None" = None
            always = False
            for rule in rules:
                if rule.code not in codes:
                    continue
                triggers = rule.triggers(self)
                if triggers is None:
                    always = True
                    break
                parts.update(triggers)
            if not always:
                pattern = re.compile(b"|".join(re.escape(p) for p in sorted(parts)) or b"(?!)")
            self._prefilters[codes] = pattern
        return self._prefilters[codes]

    def module_name(self, path: Path) -> str:
        key = self.index.path_keys.get(str(path)) or self.index.path_keys.get(str(Path(path).resolve()))
        if key is not None:
            return key
        name = module_name_for(path, self.index.roots)
        if name is None:
            name = module_name_for(path, [self.root]) or path.stem
        return name

    def relpath(self, path: str) -> str:
        """How a path is shown: relative to the working folder when under it (as ruff does)."""
        try:
            return str(Path(path).resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(Path(path).resolve())

    # -- summaries ------------------------------------------------------------------

    def register(self, checker: "Checker") -> None:
        """Keep the summaries a checker computed while linting its module."""
        self._summaries[checker.modname] = checker.summaries

    def summaries(self, modname: str) -> dict[str, "FunctionSummary"]:
        if modname not in self._summaries:
            self._summaries[modname] = {}  # guards against re-entry on cycles
            from asynclint.engine import summarize_module

            path = self.index.module_paths.get(modname)
            if path is not None:
                self._summaries[modname] = summarize_module(self, modname, Path(path))
        return self._summaries[modname]

    def summary(self, fqn: str) -> "FunctionSummary | None":
        info = self.index.function(fqn)
        if info is None or info.is_async:
            return None
        summary = self.summaries(info.module).get(fqn)
        return summary.finalize() if summary is not None else None

    def effect_chain(self, fqn: str, family: str, skip: frozenset[str] = frozenset(),
                     args: dict[str, str] | None = None) -> list[Hop] | None:
        """The path from sync function ``fqn`` to an effect of ``family``, if any.

        Effects whose rule code is in ``skip`` do not count (the caller knows
        they cannot happen, e.g. session reads after the session was loaded).
        ``args`` maps the callee's parameters to the kind of value the call
        passes (e.g. ``{"book": "instance"}``): conditional effects of the
        callee itself (``book.save()`` on a parameter) count when they match.
        """
        if args:
            summary = self.summary(fqn)
            if summary is not None:
                for effect in summary.effects:
                    if (effect.family == family and effect.param and effect.code not in skip
                            and args.get(effect.param) in effect.kinds):
                        return [Hop(fqn, summary.path, effect.line, effect.what)]
        return self._chain(fqn, family, 0, set(), skip)

    def _chain(self, fqn: str, family: str, depth: int, visiting: set[str],
               skip: frozenset[str] = frozenset()) -> list[Hop] | None:
        key = (fqn, family, skip)
        if key in self._chains:
            return self._chains[key]
        if depth > MAX_CHAIN_DEPTH or fqn in visiting:
            return None
        summary = self.summary(fqn)
        if summary is None:
            return None
        visiting.add(fqn)
        result: list[Hop] | None = None
        for effect in summary.effects:
            if effect.family == family and effect.code not in skip and effect.param is None:
                result = [Hop(fqn, summary.path, effect.line, effect.what)]
                break
        if result is None:
            for callee, line in summary.calls:
                below = self._chain(callee, family, depth + 1, visiting, skip)
                if below:
                    result = [Hop(fqn, summary.path, line, callee.rpartition(".")[2] + "()"), *below]
                    break
        visiting.discard(fqn)
        if result is not None or depth == 0:
            self._chains[key] = result
        return result

    def describe_chain(self, hops: list[Hop]) -> str:
        parts = []
        for hop in hops:
            name = hop.fqn.rpartition(".")[2]
            parts.append(f"{Path(hop.path).name}:{hop.line} {name}")
        return " -> ".join(parts) + f" -> {hops[-1].what}"
