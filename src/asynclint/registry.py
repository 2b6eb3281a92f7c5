"""Rules, their codes, and selection by code prefix (as ruff and flake8 select)."""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING, ClassVar, Iterable

if TYPE_CHECKING:
    from asynclint.checker import Checker

CODE_RE = re.compile(r"^DJA\d{0,3}$")

FAMILIES = {
    "DJA0": "the tool itself",
    "DJA1": "sync database access in async code",
    "DJA2": "coroutines never awaited",
    "DJA3": "blocking I/O on the event loop",
    "DJA4": "CPU-bound work on the event loop",
    "DJA5": "middleware stacks",
    "DJA6": "async views and class-based views",
    "DJA7": "sync/async bridges and transactions",
}


class Rule:
    """One check. Subclasses set the class attributes and write ``visit_<Node>``
    (or ``leave_<Node>``) methods that receive a libcst node; the checker walks
    each file once and calls every enabled rule's handlers.

    The docstring is the rule's documentation (``asynclint rule CODE``), with
    ruff's headings: What it does / Why is this bad? / Example / Use instead /
    Django version.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    #: The runtime effect a finding stands for: "db", "blocking", "cpu" or "".
    #: Effects found outside the event loop (in a sync function) are recorded
    #: for that function so a call to it from async code can be reported.
    effect: ClassVar[str] = ""
    #: Only report when the code runs on the event loop.
    loop_only: ClassVar[bool] = True
    #: A hint rather than a pitfall: off unless selected by family or code (e.g. "DJA7", "DJA709").
    opt_in: ClassVar[bool] = False
    #: Oldest Django that has the cure this rule suggests (None: no version).
    cure_since: ClassVar[tuple[int, int] | None] = None

    def __init__(self, checker: "Checker") -> None:
        self.checker = checker

    @classmethod
    def triggers(cls, project) -> "Iterable[bytes] | None":
        """Byte strings one of which a file must contain for this rule to fire in it.

        The engine never parses a file that holds none of the enabled rules'
        triggers (django-upgrade's "return before tokenizing"). None means
        "any file". A rule that only reports on the event loop needs an
        ``async def`` in the file, hence the default.
        """
        return (b"async",) if cls.loop_only else None

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        for line in cls.doc().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                return line
        return ""


_RULES: dict[str, type[Rule]] = {}
_SORTED: dict[str, type[Rule]] | None = None


def register(cls: type[Rule]) -> type[Rule]:
    global _SORTED
    code = cls.code
    if not re.fullmatch(r"DJA\d{3}", code):
        raise ValueError(f"bad rule code {code!r}")
    if code in _RULES and _RULES[code] is not cls:
        raise ValueError(f"rule code {code} registered twice")
    _RULES[code] = cls
    _SORTED = None
    return cls


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule by code (a shared mapping: do not modify it)."""
    global _SORTED
    if _SORTED is None or len(_SORTED) != len(_RULES):
        import asynclint.rules  # noqa: F401  (registers every family)

        _SORTED = dict(sorted(_RULES.items()))
    return _SORTED


def matches(code: str, prefixes: Iterable[str]) -> int:
    """Length of the longest prefix in ``prefixes`` that ``code`` starts with (0: none)."""
    best = 0
    for prefix in prefixes:
        if prefix == "ALL":
            best = max(best, 1)
        elif code.startswith(prefix):
            best = max(best, len(prefix))
    return best


def is_selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    """ruff's rule: the more specific of select and ignore wins; a tie ignores."""
    chosen = matches(code, select)
    if not chosen:
        return False
    return chosen > matches(code, ignore)
