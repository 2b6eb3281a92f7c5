"""One mechanism for every "a project helper does X, called from async code" rule.

A rule with an effect family (db, blocking, cpu, bridge, signal) records what a
sync function does while the checker walks it (``checker.report`` off the loop).
A call from the event loop to a sync project function is noted here with what
the call passes; after the walk, ``project.effect_chain`` follows the callee
(across modules, depth-bounded, cycle-safe) to the first effect of the family,
and the finding is reported at the call with the path to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import libcst as cst

from asynclint.registry import Rule


class HelperCallRule(Rule):
    #: the effect family whose chain makes a call a finding
    family: ClassVar[str] = ""

    def __init__(self, checker) -> None:
        super().__init__(checker)
        self.pending: list[tuple[cst.CSTNode, str, frozenset[str], dict, str | None]] = []
        checker.at_end(self.resolve_pending)

    def sync_callee(self, node: cst.Call) -> str | None:
        """The project sync function a call on the loop runs (None when it makes a coroutine)."""
        checker = self.checker
        if not checker.in_loop:
            return None
        callee = checker.callee_fqn(node)
        info = checker.index.function(callee)
        if info is None or info.returns_coroutine:
            return None
        return callee

    def note_call(self, node: cst.CSTNode, callee: str, skip: frozenset[str] = frozenset(),
                  args: dict | None = None, name: str | None = None) -> None:
        self.pending.append((node, callee, skip, args or {}, name))

    def resolve_pending(self) -> None:
        checker = self.checker
        project = checker.project
        for node, callee, skip, args, name in self.pending:
            hops = project.effect_chain(callee, self.family, skip, args, checker.arg_matches)
            if not hops:
                continue
            if name is None:
                name = checker.code_of(node.func if isinstance(node, cst.Call) else node, 40)
            path = f"{Path(checker.path).name}:{checker.line_of(node)} -> {project.describe_chain(hops)}"
            message, cure = self.helper_message(name, path)
            checker.report(self, node, message, help=cure, anywhere=True)

    def helper_message(self, name: str, path: str) -> tuple[str, str]:
        """(message, cure) for a call of ``name`` whose path to the effect is ``path``."""
        raise NotImplementedError
