"""A read-only walk over a libcst tree, in libcst's own visiting order.

``Module.visit(visitor)`` rebuilds every node on the way back up (each child is
visited through ``_visit_and_replace_children``, which constructs a new node and
runs its validation), even for a read-only ``CSTVisitor``: that is about half the
time of a lint. The checker never changes the tree, so :func:`walk` calls its
``on_visit``/``on_leave`` for the very same node objects, in the same order, and
rebuilds nothing.

The order of each node type's children is read once from the field names libcst
itself passes to ``visit_required``/``visit_sequence``/... in that type's
``_visit_and_replace_children`` (from its bytecode: reading the source with
``inspect`` cost 40 ms a run). A node type whose order cannot be read that way
falls back to ``node.children`` (libcst's own answer, slower).
``tests/test_speed_equivalence.py`` checks that the sequence of visited nodes is
identical to libcst's on real code.

Two thirds of a tree is trivia: whitespace, newlines, comments, commas, dots,
brackets and operator tokens (``SimpleWhitespace`` alone is 40% of the nodes of
Django's source). No rule looks at them as nodes (a rule reads
``node.operator`` off its parent), so ``walk(..., skip=TRIVIA - handled)`` steps
over them and everything below them.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import libcst as cst

_FIELD_RE = re.compile(r"\bvisit_(?:required|optional|sentinel|iterable|sequence|body_iterable|body_sequence)"
                       r"\(\s*self\s*,\s*\"(\w+)\"")
#: node type -> its child fields in visiting order (None: use node.children)
_ORDER: dict[type, tuple[str, ...] | None] = {}


def _trivia() -> frozenset[type]:
    from libcst._nodes import op

    tokens = {c for c in vars(op).values()
              if isinstance(c, type) and issubclass(c, cst.CSTNode) and c.__module__ == op.__name__}
    layout = {cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.Newline, cst.TrailingWhitespace,
              cst.EmptyLine, cst.Comment, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket,
              cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Asynchronous}
    return frozenset(tokens | layout)


#: node types that are layout or a single token (see the module docs)
TRIVIA: frozenset[type] = _trivia()


def skippable(handled: "set[str] | frozenset[str]") -> frozenset[type]:
    """The trivia types a visitor handling the node type names ``handled`` can skip."""
    return frozenset(kind for kind in TRIVIA if kind.__name__ not in handled)


def _order(kind: type) -> tuple[str, ...] | None:
    try:
        return _ORDER[kind]
    except KeyError:
        pass
    order = _ORDER[kind] = _order_from_code(kind)
    return order


def _order_from_code(kind: type) -> tuple[str, ...] | None:
    """The field names ``_visit_and_replace_children`` visits, in order, read from its
    bytecode (the string constants naming fields, in order of first use; CPython keeps
    that order); ``()`` for a leaf; None when each field is not visited by exactly one
    call (visited conditionally: ``node.children`` then). ``tests/test_speed_equivalence.py``
    checks this against the method's source for every node type."""
    import dis

    method = getattr(kind, "_visit_and_replace_children", None)
    code = getattr(method, "__code__", None)
    if code is None:
        return None
    fields = set(getattr(kind, "__dataclass_fields__", {}))
    names = tuple(c for c in code.co_consts if isinstance(c, str) and c in fields)
    calls = sum(1 for i in dis.get_instructions(code)
                if isinstance(i.argval, str) and i.argval.startswith("visit_")
                and i.opname in ("LOAD_GLOBAL", "LOAD_ATTR", "LOAD_METHOD", "LOAD_NAME"))
    if calls == 0:
        return ()  # a leaf (SimpleWhitespace, Comment, ...): nothing below it
    return names if calls == len(names) else None


def order_from_source(kind: type) -> tuple[str, ...] | None:
    """The same order read from the method's source (slow: for tests)."""
    method = getattr(kind, "_visit_and_replace_children", None)
    try:
        source = inspect.getsource(method) if method is not None else ""
    except (OSError, TypeError):
        source = ""
    names = _FIELD_RE.findall(source)
    # Every field libcst visits must be named literally, once, and be a field of the type.
    fields = set(getattr(kind, "__dataclass_fields__", {}))
    if names and len(set(names)) == len(names) and set(names) <= fields \
            and source.count("visit_") - source.count("_visit_and_replace_children") == len(names):
        return tuple(names)
    if not source or "visit_" not in source.replace("_visit_and_replace_children", ""):
        return ()
    return None


def walk(node: cst.CSTNode, visitor: Any, skip: frozenset[type] = frozenset()) -> None:
    """Call ``visitor.on_visit(n)`` / ``visitor.on_leave(n)`` for every node below
    ``node`` (included), depth first, as ``node.visit(visitor)`` would; nodes of a
    type in ``skip`` (see :func:`skippable`) are stepped over with what is below them."""
    on_visit = visitor.on_visit
    on_leave = visitor.on_leave
    sentinel = cst.MaybeSentinel
    # A field holds a node, a sequence of nodes, None or MaybeSentinel.DEFAULT. Told
    # apart by exact type: isinstance() against libcst's ABC-based classes goes through
    # ABCMeta.__instancecheck__, a million times a run.
    sequences = (tuple, list)

    def visit(current: cst.CSTNode) -> None:
        if on_visit(current):
            order = _ORDER.get(type(current), False)
            if order is False:
                order = _order(type(current))
            if order is None:
                for child in current.children:
                    if type(child) not in skip:
                        visit(child)
            else:
                for name in order:
                    value = getattr(current, name)
                    kind = type(value)
                    if value is None or kind is sentinel:
                        continue
                    if kind in sequences:
                        for child in value:
                            if type(child) not in skip:
                                visit(child)
                    elif kind not in skip:
                        visit(value)
        on_leave(current)

    visit(node)


__all__ = ["TRIVIA", "skippable", "walk"]
