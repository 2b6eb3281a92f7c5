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

from asynclint.deps import ALL, ASYNC_NAMES, FACTS, PREFILTER, SCAN, SUMMARY, fingerprint, path_of
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


_ASYNC_DEF = re.compile(rb"(?m)^([ \t]*)async[ \t]+def[ \t]+(\w+)")


#: statements that open a block inside a function or a class body alike
_BLOCKS = tuple(kw + b" " for kw in (b"if", b"elif", b"for", b"while", b"with", b"async for", b"async with",
                                      b"except", b"match", b"case")) + (b"else:", b"try:", b"finally:", b"except:")


def importable_async_defs(data: bytes) -> set[str]:
    """Names of the ``async def`` in ``data`` other than functions nested in a function
    (those cannot be imported or called by name from another file). An ``async def``
    is nested when the nearest line above it that is indented less opens a ``def``
    (through any ``if``/``try``/``with``/... blocks between); when it is anything else
    (a class, the end of a bracket) the name is kept: a name too many costs a parse,
    a name too few a finding."""
    names: set[str] = set()
    for match in _ASYNC_DEF.finditer(data):
        indent, name = match.group(1), match.group(2).decode("ascii", "replace")
        if not indent:
            names.add(name)
            continue
        width = len(indent.expandtabs(8))
        nested = False
        end = match.start()
        while end > 0 and width > 0:  # the lines above, nearest first
            start = data.rfind(b"\n", 0, end - 1) + 1
            line = data[start:end].rstrip(b"\r\n")
            end = start
            stripped = line.lstrip()
            if not stripped or stripped.startswith(b"#"):
                continue
            indent = len(line[:len(line) - len(stripped)].expandtabs(8))
            if indent >= width:
                continue
            if stripped.startswith((b"def ", b"async def ")):
                nested = True
                break
            if not stripped.startswith(_BLOCKS):
                break  # a class, or a line that cannot tell (the end of a bracket): kept
            width = indent  # an `if`/`try`/`with`/... block: look further up
        if not nested:
            names.add(name)
    return names


def _trie_pattern(parts: list[bytes]) -> bytes:
    """One regex matching any of ``parts``, their common prefixes factored out
    (``a(?:get\\(|count\\()``): a flat alternation of hundreds of strings makes
    the regex engine try each one at every position of the file."""
    trie: dict = {}
    for part in parts:
        node = trie
        for byte in part:
            node = node.setdefault(byte, {})
        node[None] = {}  # a part ends here

    def emit(node: dict) -> bytes:
        ends = None in node
        branches = [re.escape(bytes([byte])) + emit(child) for byte, child in sorted(
            ((b, c) for b, c in node.items() if b is not None))]
        if not branches:
            return b""
        body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
        if ends:  # a shorter part ends here: the rest is optional, and matching it changes nothing
            return b""
        return body

    return emit(trie)


class Triggers:
    """Byte strings of which a file must hold one for any rule to fire (the prefilter).

    ``search`` answers like one compiled alternation; compiling one of several
    hundred strings costs more than a few plain ``in`` tests, so the first few
    files (the pre-commit case: one) are tested string by string.
    """

    EAGER = 8

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.pattern = _trie_pattern(sorted(set(parts))) if parts else b"(?!)"
        self._compiled: "re.Pattern[bytes] | None" = None
        self._searches = 0

    def search(self, data: bytes) -> bool:
        if self._compiled is None:
            self._searches += 1
            if self._searches <= self.EAGER:
                return any(p in data for p in self.parts)
            self._compiled = re.compile(self.pattern)
        return self._compiled.search(data) is not None

    def __reduce__(self):
        return (Triggers, (self.parts,))


class Project:
    def __init__(self, settings: "Settings", index: ProjectIndex | None = None) -> None:
        self.settings = settings
        self.root = Path(settings.root).resolve()
        self.index = index if index is not None else ProjectIndex(settings.src_roots())
        self._summaries: dict[str, dict[str, "FunctionSummary"]] = {}
        self._chains: dict[tuple[str, str, frozenset[str]], list[Hop] | None] = {}
        self._prefilters: dict[frozenset[str], "Triggers | None"] = {}
        self._async_names: frozenset[str] | None = None
        # files each memoized answer was built from (see asynclint.deps)
        self._summary_deps: dict[str, frozenset[str]] = {}
        self._chain_deps: dict[tuple, frozenset[str]] = {}
        self._prefilter_deps: dict[frozenset[str], frozenset[str]] = {}
        #: summaries kept between runs (asynclint.cache.SummaryCache), when the run uses the cache
        self.summary_cache = None

    def async_function_names(self) -> frozenset[str]:
        """Names of the ``async def`` another module could call by name: module-level
        functions and methods (a byte scan, no parse; see :func:`importable_async_defs`)."""
        self.index.recorder.note((ASYNC_NAMES,))
        if self._async_names is None:
            names: set[str] = set()
            for path in self.index.module_paths.values():
                try:
                    data = Path(path).read_bytes()
                except OSError:
                    continue
                if b"async" in data:
                    names.update(importable_async_defs(data))
            self._async_names = frozenset(names)
        return self._async_names

    def prefilter(self, rules: list, codes: frozenset[str]) -> "Triggers | None":
        """Every reporting rule's triggers in one matcher; None when some rule needs every file."""
        # A file depends on the pattern (a value the cache compares), not on the files
        # the triggers were computed from: those reads are kept out of the file's scope.
        recorder = self.index.recorder
        recorder.note((PREFILTER,))
        if codes not in self._prefilters:
            outer = recorder.isolate()
            try:
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
                    pattern = Triggers(sorted(parts))
                self._prefilters[codes] = pattern
            finally:
                self._prefilter_deps[codes] = recorder.restore(outer)
        return self._prefilters[codes]

    #: parsed helper modules kept for when they are linted themselves (bounded)
    MAX_KEPT_PARSES = 64

    def keep_parsed(self, path: str, text: str, module) -> None:
        """A module parsed to summarize its helpers is linted later in the same run
        (files are linted in order): keep the tree so it is parsed once."""
        kept = self.__dict__.setdefault("_kept_parses", {})
        if len(kept) >= self.MAX_KEPT_PARSES:
            kept.pop(next(iter(kept)))
        kept[path] = (text, module)

    def take_parsed(self, path: str, text: str):
        kept = self.__dict__.get("_kept_parses")
        if not kept:
            return None
        entry = kept.pop(path, None)
        return entry[1] if entry is not None and entry[0] == text else None

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
        # built from the module and what its walk reads: the open scope itself, which keeps
        # growing while the walk's end hooks (which may add effects) run (a safe over-estimate)
        scope = self.index.recorder.top()
        if scope is not None:
            scope.add(SUMMARY + checker.path)
            self._summary_deps[checker.modname] = scope
        else:
            self._summary_deps[checker.modname] = frozenset({SUMMARY + checker.path})

    def summaries(self, modname: str) -> dict[str, "FunctionSummary"]:
        recorder = self.index.recorder
        if modname not in self._summaries:
            self._summaries[modname] = {}  # guards against re-entry on cycles
            from asynclint.engine import summarize_module

            path = self.index.module_paths.get(modname)
            scope = recorder.push()
            stored = self.summary_cache.lookup(modname, path) if (self.summary_cache and path) else None
            try:
                if stored is not None:  # from an earlier run; its files are unchanged
                    recorder.note((SUMMARY + path,))
                    recorder.note(stored[1])
                    self._summaries[modname] = stored[0]
                    # digests of what it was built from, current (just checked): no need
                    # to index those modules only to fingerprint them (dep_digests)
                    self.__dict__.setdefault("_known_digests", {}).update(stored[2])
                elif path is not None:
                    recorder.note((SUMMARY + path,))
                    self._summaries[modname] = summarize_module(self, modname, Path(path))
            finally:
                self._summary_deps[modname] = recorder.pop(scope)
            if stored is None and path is not None:
                if self.summary_cache:
                    self.summary_cache.store(modname, path, self._summaries[modname], self._summary_deps[modname],
                                             self)
                else:  # a worker process: handed to the parent's cache (summaries_to_keep)
                    self.__dict__.setdefault("_to_keep", []).append(modname)
        # (during a cycle the module's own open scope collects what it reads)
        recorder.note(self._summary_deps.get(modname, ()))
        return self._summaries[modname]

    def summary(self, fqn: str) -> "FunctionSummary | None":
        info = self.index.function(fqn)
        if info is None or info.is_async:
            return None
        return self.summaries(info.module).get(fqn)

    def effect_chain(self, fqn: str, family: str, skip: frozenset[str] = frozenset(),
                     args: dict | None = None, matches=None) -> list[Hop] | None:
        """The path from sync function ``fqn`` to an effect of ``family``, if any.

        Effects whose rule code is in ``skip`` do not count (the caller knows
        they cannot happen, e.g. session reads after the session was loaded).
        ``args`` maps the callee's parameters to what the call passes (a type),
        and ``matches(kinds, value)`` says whether a conditional effect of the
        callee itself (``book.save()`` or ``order.lines.all()`` on a parameter)
        happens with that value.
        """
        if args and matches is not None:
            summary = self.summary(fqn)
            if summary is not None:
                for effect in summary.effects:
                    if (effect.family == family and effect.param and effect.code not in skip
                            and matches(effect.kinds, args.get(effect.param))):
                        self.index.recorder.note((summary.path,))  # the message cites its line
                        return [Hop(fqn, summary.path, self.hop_line(fqn, summary, effect=effect), effect.what)]
        return self._chain(fqn, family, 0, set(), skip)

    def _chain(self, fqn: str, family: str, depth: int, visiting: set[str],
               skip: frozenset[str] = frozenset()) -> list[Hop] | None:
        key = (fqn, family, skip)
        recorder = self.index.recorder
        if key in self._chains:
            recorder.note(self._chain_deps.get(key, ()))
            return self._chains[key]
        scope = recorder.push()
        try:
            return self._chain_search(key, fqn, family, depth, visiting, skip)
        finally:
            deps = recorder.pop(scope)
            if key in self._chains:
                self._chain_deps[key] = deps
            recorder.note(deps)

    def _chain_search(self, key: tuple, fqn: str, family: str, depth: int, visiting: set[str],
                      skip: frozenset[str]) -> list[Hop] | None:
        if depth > MAX_CHAIN_DEPTH or fqn in visiting:
            return None
        summary = self.summary(fqn)
        if summary is None:
            return None
        visiting.add(fqn)
        result: list[Hop] | None = None
        for effect in summary.effects:
            if effect.family == family and effect.code not in skip and effect.param is None:
                self.index.recorder.note((summary.path,))  # the message cites its line
                result = [Hop(fqn, summary.path, self.hop_line(fqn, summary, effect=effect), effect.what)]
                break
        if result is None:
            for index, (callee, _) in enumerate(list(summary.calls)):
                below = self._chain(callee, family, depth + 1, visiting, skip)
                if below:
                    line = self.hop_line(fqn, summary, call=index)
                    self.index.recorder.note((summary.path,))
                    result = [Hop(fqn, summary.path, line, callee.rpartition(".")[2] + "()"), *below]
                    break
        visiting.discard(fqn)
        if result is not None or depth == 0:
            self._chains[key] = result
        return result

    def hop_line(self, fqn: str, summary: "FunctionSummary", *, effect=None, call: int | None = None) -> int:
        """The line of an effect or a call of a summary, for a message. A summary from
        the on-disk cache does not know its lines (see FunctionSummary.finalize): its
        module (unchanged, or the cache would not have given it) is summarized again."""
        line = summary.effect_line(effect) if effect is not None else summary.call_line(call or 0)
        if line or summary.resolver is not None:
            return line
        from asynclint.engine import summarize_module

        modname = self.index.path_keys.get(summary.path)
        fresh = summarize_module(self, modname, Path(summary.path)).get(fqn) if modname else None
        if fresh is None:
            return line
        try:
            if effect is not None:
                return fresh.effect_line(fresh.effects[summary.effects.index(effect)])
            return fresh.call_line(call or 0)
        except (ValueError, IndexError):
            return line

    def summaries_to_keep(self) -> list[tuple]:
        """The summaries this process computed since the last call, for the parent's cache
        (a worker has none): ``(modname, path, summaries, dependency digests, whole)``."""
        out = []
        for modname in self.__dict__.pop("_to_keep", []):
            path = self.index.module_paths.get(modname)
            deps = self._summary_deps.get(modname, frozenset())
            if path is None:
                continue
            digests = self.dep_digests(deps - {SUMMARY + path})
            summaries = {fqn: summary.detached() for fqn, summary in self._summaries[modname].items()}
            out.append((modname, path, summaries, digests, ALL in deps))
        return out

    # -- what the cache compares ---------------------------------------------------------

    def summary_fingerprint(self, path: str) -> str | None:
        """What callers can learn from a module's summaries (effects, callees, return
        types), without lines: the digest behind a ``$path`` token."""
        found = self.__dict__.setdefault("_summary_fps", {})
        if path not in found:
            modname = self.index.path_keys.get(path)
            if modname is None:
                return None
            summaries = self.summaries(modname)
            found[path] = fingerprint(sorted(
                (fqn, s.path, [(e.family, e.code, e.what, e.param, e.kinds) for e in s.effects],
                 [callee for callee, _ in s.calls], s.returns, s.return_count)
                for fqn, s in summaries.items()))
        return found[path]

    def dep_digests(self, tokens) -> dict[str, tuple[str | None, str | None]]:
        """``token -> (content digest of its file, digest)`` for the index and summary
        tokens, computed here where the answers are (a worker process); plain paths,
        values and scans get ``(None, None)``: the cache resolves those itself."""
        out: dict[str, tuple[str | None, str | None]] = {}
        known = self.__dict__.get("_known_digests") or {}
        recorder = self.index.recorder
        outer = recorder.isolate()  # computing a digest is not a read of the file being linted
        try:
            for token in tokens:
                kind = token[:1]
                if kind == FACTS:
                    path = path_of(token)
                    indexed = self.index.facts(path)
                    if indexed is None and token in known:
                        out[token] = known[token]
                        continue
                    if indexed is None:
                        modname = self.index.path_keys.get(path)
                        if modname is not None:
                            self.index.module(modname)
                        indexed = self.index.facts(path)
                    out[token] = (self.index.file_facts(path)[0], indexed)
                elif kind == SUMMARY:
                    path = path_of(token)
                    modname = self.index.path_keys.get(path)
                    if modname not in self._summaries and token in known:
                        out[token] = known[token]
                        continue
                    out[token] = (self.index.file_facts(path)[0], self.summary_fingerprint(path))
                elif kind in ("=", SCAN) or token == ALL:
                    out[token] = (None, None)
                else:
                    out[token] = (None, self.index.file_facts(token)[0])
        finally:
            recorder.restore(outer)
        return out

    def scan_states(self) -> dict[str, tuple]:
        """The whole-project scans this process computed, with their inputs' digests:
        ``name -> (triggers, by, candidates, inputs)`` (see asynclint.index.ProjectIndex.scan)."""
        states = {}
        for name, (triggers, by, inputs) in list(self.index.scan_states.items()):
            wanted = frozenset(triggers)
            candidates = []
            for _, path in list(self.index.module_paths.items()):
                digest, hits = self.index.file_facts(path)
                if hits & wanted:
                    token = FACTS + path if by == "facts" else path
                    candidates.append(token)
            digests = self.dep_digests([*candidates, *inputs])
            states[name] = (triggers, by, tuple(sorted((t, *digests[t]) for t in candidates)),
                            tuple(sorted((t, *digests[t]) for t in inputs)))
        return states

    def describe_chain(self, hops: list[Hop]) -> str:
        parts = []
        for hop in hops:
            name = hop.fqn.rpartition(".")[2]
            parts.append(f"{Path(hop.path).name}:{hop.line} {name}")
        return " -> ".join(parts) + f" -> {hops[-1].what}"
