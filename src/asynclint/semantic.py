"""The little type system rules share: what a Django expression *is*.

Only what a rule needs to tell a query from a lazy QuerySet: model classes,
managers, querysets, model instances (with what was ``select_related``), related
managers, the request and its session. Everything else is ``None``: unknown,
and unknown is never a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import libcst as cst

ALL = None  # select_related() with no arguments: every forward relation is loaded


@dataclass(frozen=True)
class T:
    kind: str
    #: the model class (fqn); for a MODELFORM value, the form class
    model: str | None = None
    #: custom QuerySet / Manager class (fqn) whose methods apply
    qs_class: str | None = None
    manager_class: str | None = None
    #: for querysets and the instances they yield: select_related paths (ALL = every one)
    selected: frozenset[str] | None = frozenset()
    prefetched: frozenset[str] = frozenset()
    only: frozenset[str] | None = None
    deferred: frozenset[str] = frozenset()
    #: for instances: whether it came from a query in this function (lazy access is then checkable)
    fetched: bool = False
    #: for coroutine values: what made it
    detail: str = ""

    def evolve(self, **changes) -> "T":
        return replace(self, **changes)


#: a name bound to something we cannot type: it shadows outer meanings
UNKNOWN = T("unknown")

MODEL_CLASS = "model_class"
MANAGER = "manager"
QUERYSET = "queryset"
INSTANCE = "instance"
INSTANCES = "instances"  # a tuple holding an instance first: get_or_create()
RELATED_MANAGER = "related_manager"
REQUEST = "request"
SESSION = "session"
USER = "user"
PAGINATOR = "paginator"
MODELFORM = "modelform"
ITERATOR = "iterator"
LIST = "list"  # a list of model instances already fetched (iterating it runs no query)


def is_queryset_like(t: T | None) -> bool:
    return t is not None and t.kind in (MANAGER, QUERYSET, RELATED_MANAGER)


@dataclass
class Frame:
    """A scope being walked: the module, a class body, a function or a lambda."""

    node: cst.CSTNode
    kind: str  # module, class, function, lambda
    on_loop: bool
    fqn: str
    is_async: bool = False
    class_fqn: str | None = None
    env: dict[str, T] = field(default_factory=dict)
    #: names of nested functions handed to a thread (sync_to_async(f), to_thread(f), ...)
    offloaded: set[str] = field(default_factory=set)
    #: names of nested functions called directly in this function's body
    called: set[str] = field(default_factory=set)
    #: names of nested generator functions whose result this function iterates itself
    iterated: set[str] = field(default_factory=set)
    params: set[str] = field(default_factory=set)
    #: imports made inside this function: local name -> fully qualified name
    imports: dict[str, str] = field(default_factory=dict)
    #: free-form per-rule state, keyed by the rule's code
    state: dict[str, object] = field(default_factory=dict)


def dotted_name(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for Name/Attribute chains, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def string_value(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
