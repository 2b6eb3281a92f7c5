"""One walk over a module's libcst tree, shared by every rule.

The checker keeps the semantic state rules need (which function we are in, does
it run on the event loop, what local names hold) and calls each enabled rule's
``visit_<Node>`` / ``leave_<Node>`` handlers, as ruff's checker calls its rule
functions. Rules report through :meth:`Checker.report`; a report made where the
code does *not* run on the loop is kept as an *effect* of the enclosing sync
function, so that a call to that function from async code can be traced.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Iterable

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from asynclint import knowledge as K
from asynclint.walk import TRIVIA, skippable, walk
from asynclint.semantic import (
    ALL, INSTANCE, INSTANCES, ITERATOR, LIST, MANAGER, MODEL_CLASS, MODELFORM, PAGINATOR,
    QUERYSET, RELATED_MANAGER, REQUEST, SESSION, UNKNOWN, USER, Frame, T, dotted_name,
    is_queryset_like, string_value,
)

if TYPE_CHECKING:
    from asynclint.config import Settings
    from asynclint.index import ProjectIndex
    from asynclint.project import Project
    from asynclint.registry import Rule


@dataclass
class Effect:
    """Something a sync function does that must not happen on the event loop."""

    family: str  # db, blocking, cpu
    code: str
    what: str  # short text: "Points.objects.create()"
    line: int = 0
    node: object = field(default=None, compare=False, repr=False)
    #: a conditional effect: it happens when parameter ``param`` receives one of ``kinds``
    param: str | None = None
    kinds: tuple[str, ...] = ()


@dataclass
class FunctionSummary:
    """What a sync function does (effects) and which project functions it calls.

    Lines are resolved lazily (positions cost a full pass over the file): only
    when a summary is used to explain a finding, or before it is pickled.
    """

    path: str
    line: int
    effects: list[Effect] = field(default_factory=list)
    calls: list[tuple[str, int]] = field(default_factory=list)  # (callee fqn, line)
    #: the type every ``return`` of the function agrees on (None: unknown or mixed)
    returns: T | None = None
    return_count: int = 0
    call_nodes: list[object] = field(default_factory=list, compare=False, repr=False)
    resolver: Callable[[object], int] | None = field(default=None, compare=False, repr=False)

    def finalize(self) -> "FunctionSummary":
        if self.resolver is not None:
            for effect in self.effects:
                self.effect_line(effect)
            self.calls = [(callee, self.call_line(i)) for i, (callee, _) in enumerate(self.calls)]
            self.call_nodes = []
            self.resolver = None
        return self

    def detached(self) -> "FunctionSummary":
        """A copy without the tree, for the on-disk cache: positions cost a full pass over
        the file, so lines not resolved yet stay 0 ("not known here"); the project finds
        them again if a finding ever cites one (Project.hop_line)."""
        return replace(self, effects=[replace(e, node=None) for e in self.effects], calls=list(self.calls),
                       call_nodes=[], resolver=None)

    def effect_line(self, effect: Effect) -> int:
        """The line of an effect (resolving positions only now, when it is reported)."""
        if effect.node is not None and self.resolver is not None:
            effect.line = self.resolver(effect.node)
            effect.node = None
        return effect.line

    def call_line(self, index: int) -> int:
        callee, line = self.calls[index]
        if not line and self.resolver is not None and index < len(self.call_nodes):
            line = self.resolver(self.call_nodes[index])
            self.calls[index] = (callee, line)
        return line

    def __getstate__(self) -> dict:
        self.finalize()
        return dict(self.__dict__)


@dataclass
class RawReport:
    code: str
    node: cst.CSTNode
    message: str
    help: str


class Checker(cst.CSTVisitor):
    def __init__(
        self,
        wrapper: MetadataWrapper,
        path: str,
        modname: str,
        settings: "Settings",
        project: "Project",
        rules: Iterable[type["Rule"]],
        report_codes: frozenset[str] | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__()
        self.wrapper = wrapper
        self.module = wrapper.module
        self._source = source
        self._positions = None
        self.path = path
        self.modname = modname
        self.settings = settings
        self.project = project
        self.index: "ProjectIndex" = project.index
        self._end_hooks: list[Callable[[], None]] = []
        self.rules = [rule(self) for rule in rules]
        #: codes that become findings (None: every rule's code); other rules only record effects
        self.report_codes = report_codes
        self.reports: list[RawReport] = []
        self.summaries: dict[str, FunctionSummary] = {}
        self.stack: list[cst.CSTNode] = []
        self.frames: list[Frame] = [Frame(self.module, "module", on_loop=False, fqn=modname)]
        self._visit: dict[str, list[Callable]] = {}
        self._leave: dict[str, list[Callable]] = {}
        for rule in self.rules:
            for attr in _handler_names(type(rule)):
                table = self._visit if attr[0] == "v" else self._leave
                table.setdefault(attr[6:], []).append(getattr(rule, attr))
        #: node types the walk can step over: trivia no rule handles
        self.skip = skippable(self._visit.keys() | self._leave.keys())

    # -- the walk ------------------------------------------------------------------

    def run(self) -> None:
        walk(self.module, self, self.skip)
        self.project.register(self)
        for hook in self._end_hooks:
            hook()

    @property
    def source(self) -> str:
        """The module's text (given by the engine; else generated from the tree, slowly)."""
        if self._source is None:
            self._source = self.module.code
        return self._source

    def at_end(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` after the whole module was walked (e.g. to resolve helper calls)."""
        self._end_hooks.append(hook)

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.stack.append(node)
        name = type(node).__name__
        self._enter(node, name)
        for handler in self._visit.get(name, ()):
            handler(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        name = type(original_node).__name__
        for handler in self._leave.get(name, ()):
            handler(original_node)
        self._exit(original_node, name)
        self.stack.pop()

    # -- frames ----------------------------------------------------------------------

    @property
    def frame(self) -> Frame:
        return self.frames[-1]

    @property
    def in_loop(self) -> bool:
        """Does the code being visited run on the event loop?"""
        return self.frame.on_loop

    @property
    def function_frame(self) -> Frame | None:
        for frame in reversed(self.frames):
            if frame.kind == "function":
                return frame
        return None

    def parent(self, level: int = 1) -> cst.CSTNode | None:
        index = len(self.stack) - 1 - level
        return self.stack[index] if index >= 0 else None

    def _enter(self, node: cst.CSTNode, name: str) -> None:
        if name == "FunctionDef":
            self._enter_function(node)  # type: ignore[arg-type]
        elif name == "ClassDef":
            outer = self.frame
            fqn = f"{outer.fqn}.{node.name.value}"  # type: ignore[attr-defined]
            self.frames.append(Frame(node, "class", on_loop=False, fqn=fqn, class_fqn=fqn))
        elif name == "Lambda":
            outer = self.frame
            on_loop = outer.on_loop and not self._is_offloaded_argument()
            self.frames.append(Frame(node, "lambda", on_loop=on_loop, fqn=f"{outer.fqn}.<lambda>",
                                     is_async=False, class_fqn=outer.class_fqn, env=dict(outer.env)))
        elif name == "For":
            self._bind_loop_target(node)
        elif name in ("ListComp", "SetComp", "GeneratorExp", "DictComp"):
            # The element is visited before the `for` clauses: bind their targets first.
            comp = node.for_in  # type: ignore[attr-defined]
            while comp is not None:
                self._bind_loop_target(comp)
                comp = comp.inner_for_in
        elif name in ("Import", "ImportFrom") and self.frame.kind != "module":
            self._local_import(node)
        elif name == "Call" and not self.frame.on_loop and self.frame.kind == "function":
            callee = self.callee_fqn(node)  # type: ignore[arg-type]
            if callee is not None:
                self.record_call(callee, node)

    def _exit(self, node: cst.CSTNode, name: str) -> None:
        if name in ("FunctionDef", "ClassDef", "Lambda"):
            self.frames.pop()
        elif name == "Assign":
            value_type = self.type_of(node.value)  # type: ignore[attr-defined]
            for target in node.targets:  # type: ignore[attr-defined]
                if isinstance(target.target, cst.Attribute):
                    self._mark_cached(target.target)
                else:
                    self._bind(target.target, value_type)
        elif name == "AnnAssign" and node.value is not None:  # type: ignore[attr-defined]
            self._bind(node.target, self.type_of(node.value))  # type: ignore[attr-defined]
        elif name == "Return":
            self._record_return(node)  # type: ignore[arg-type]
        elif name == "Call":
            self._prefetch_objects(node)  # type: ignore[arg-type]
        elif name == "NamedExpr":
            self._bind(node.target, self.type_of(node.value))  # type: ignore[attr-defined]

    def _enter_function(self, node: cst.FunctionDef) -> None:
        outer = self.frame
        is_async = node.asynchronous is not None
        fname = node.name.value
        if outer.kind == "class":
            fqn = f"{outer.fqn}.{fname}"
            class_fqn = outer.fqn
            on_loop = is_async
        elif outer.kind == "module":
            fqn = f"{outer.fqn}.{fname}"
            class_fqn = None
            on_loop = is_async
        else:
            fqn = f"{outer.fqn}.<locals>.{fname}"
            class_fqn = outer.class_fqn
            offloaded = fname in outer.offloaded or any(
                self.is_offloader(d.decorator) for d in node.decorators)
            if is_generator(node):
                # Calling a generator function runs nothing: its body runs where it is
                # iterated (StreamingHttpResponse consumes sync iterators in a thread).
                on_loop = is_async or (outer.on_loop and fname in outer.iterated and not offloaded)
            else:
                on_loop = is_async or (outer.on_loop and fname in outer.called and not offloaded)
        frame = Frame(node, "function", on_loop=on_loop, fqn=fqn, is_async=is_async, class_fqn=class_fqn)
        if outer.kind in ("function", "lambda"):
            frame.env.update(outer.env)
        self._bind_params(node, frame)
        if on_loop:
            _prescan(node, frame, self)
        self.frames.append(frame)
        if not on_loop and outer.kind in ("module", "class"):
            info = self.index.function(fqn)
            self.summaries.setdefault(fqn, FunctionSummary(self.path, info.line if info else 0,
                                                           resolver=self.line_of))

    def _bind_params(self, node: cst.FunctionDef, frame: Frame) -> None:
        params = node.params
        all_params = [*params.posonly_params, *params.params, *params.kwonly_params]
        for index, param in enumerate(all_params):
            pname = param.name.value
            frame.params.add(pname)
            if index == 0 and frame.class_fqn and pname in ("self", "cls"):
                frame.env[pname] = self._self_type(frame.class_fqn, pname)
            elif pname == "request":
                frame.env[pname] = T(REQUEST)
            elif param.annotation is not None:
                ann = dotted_name(param.annotation.annotation)
                fqn = self.resolve(ann) if ann else None
                if fqn and fqn.endswith(("HttpRequest", "ASGIRequest", "WSGIRequest")):
                    frame.env[pname] = T(REQUEST)
                elif self.index.is_model(fqn):
                    frame.env[pname] = T(INSTANCE, model=fqn)

    def _self_type(self, class_fqn: str, pname: str) -> T | None:
        index = self.index
        if pname == "cls":
            return T(MODEL_CLASS, model=class_fqn) if index.is_model(class_fqn) else None
        if index.is_model(class_fqn):
            return T(INSTANCE, model=class_fqn)
        if index.is_queryset_class(class_fqn):
            return T(QUERYSET, qs_class=class_fqn)
        if index.is_manager_class(class_fqn):
            return T(MANAGER, manager_class=class_fqn, qs_class=index.queryset_class_of_manager(class_fqn))
        if index.is_modelform(class_fqn):
            return T(MODELFORM, model=class_fqn)
        return T("self", model=class_fqn)

    def _bind(self, target: cst.BaseExpression, value: T | None) -> None:
        if isinstance(target, cst.Name):
            # An assignment shadows whatever the name meant before (a model class,
            # an import) even when we cannot tell what the new value is.
            self.frame.env[target.value] = value if value is not None else UNKNOWN
        elif isinstance(target, (cst.Tuple, cst.List)):
            for position, element in enumerate(target.elements):
                inner = value if (value is not None and value.kind == INSTANCES and position == 0) else None
                if inner is not None:
                    inner = inner.evolve(kind=INSTANCE)
                self._bind(element.value, inner)

    def _local_import(self, node: cst.CSTNode) -> None:
        """``from asgiref.sync import sync_to_async as s`` inside a function."""
        frame = self.frame
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted = dotted_name(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    frame.imports[alias.asname.name.value] = self.index.localize(dotted, self.modname)
                else:
                    head = dotted.partition(".")[0]
                    frame.imports[head] = self.index.localize(head, self.modname)
            return
        assert isinstance(node, cst.ImportFrom)
        if isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        if level:
            info = self.index.modules.get(self.modname)
            natural = self.modname.rpartition("::")[2]
            package = natural if (info is not None and info.is_package) else natural.rpartition(".")[0]
            parts = package.split(".") if package else []
            if level > 1:
                parts = parts[: len(parts) - (level - 1)]
            module = ".".join([*parts, module] if module else parts)
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            local = alias.asname.name.value if (alias.asname is not None and isinstance(alias.asname.name, cst.Name)) else name
            frame.imports[local] = self.index.localize(f"{module}.{name}" if module else name, self.modname)

    def _prefetch_objects(self, node: cst.Call) -> None:
        """``[await a]prefetch_related_objects(books, "author", Prefetch("tags"))`` fills the
        prefetch cache of instances already fetched: later reads of those relations are free."""
        if not node.args or not isinstance(node.args[0].value, cst.Name):
            return
        fqn = self.qualified(node.func)
        if fqn not in ("django.db.models.aprefetch_related_objects", "django.db.models.query.aprefetch_related_objects",
                       "django.db.models.prefetch_related_objects", "django.db.models.query.prefetch_related_objects"):
            return
        name = node.args[0].value.value
        current = self.lookup(name)
        if current is None or current.kind not in (LIST, INSTANCE):
            return
        lookups = set()
        for arg in node.args[1:]:
            value = arg.value
            if isinstance(value, cst.Call) and value.args:  # Prefetch("related", queryset=...)
                value = value.args[0].value
            text = string_value(value)
            if text:
                lookups.add(text)
        self.frame.env[name] = current.evolve(prefetched=current.prefetched | lookups)

    def _record_return(self, node: cst.Return) -> None:
        frame = self.frame
        if frame.kind != "function" or frame.on_loop:
            return
        summary = self.summaries.get(frame.fqn)
        if summary is None:
            return
        value = self.type_of(node.value) if node.value is not None else None
        if value is not None and value.kind in (INSTANCE, INSTANCES):
            value = value.evolve(fetched=False)  # whether it was fetched there is the callee's business
        summary.returns = value if summary.return_count == 0 or summary.returns == value else None
        summary.return_count += 1

    def _mark_cached(self, target: cst.Attribute) -> None:
        """``book.author = a`` caches the relation: reading it back does not query."""
        if not isinstance(target.value, cst.Name):
            return
        current = self.lookup(target.value.value)
        if current is None or current.kind != INSTANCE or current.selected is ALL:
            return
        self.frame.env[target.value.value] = current.evolve(
            selected=current.selected | {target.attr.value},
            only=None if current.only is None else current.only | {target.attr.value})

    def _bind_loop_target(self, node: cst.CSTNode) -> None:
        iter_type = self.type_of(node.iter)  # type: ignore[attr-defined]
        element = None
        if iter_type is not None and iter_type.kind in (QUERYSET, ITERATOR, RELATED_MANAGER, MANAGER, LIST):
            element = T(INSTANCE, model=iter_type.model, selected=iter_type.selected,
                        prefetched=iter_type.prefetched - PREFETCHED, only=iter_type.only,
                        deferred=iter_type.deferred, fetched=iter_type.model is not None)
        self._bind(node.target, element)  # type: ignore[attr-defined]

    def _is_offloaded_argument(self) -> bool:
        """Is the node on top of the stack an argument of sync_to_async(...) and friends?"""
        arg = self.parent(1)
        call = self.parent(2)
        return isinstance(arg, cst.Arg) and isinstance(call, cst.Call) and self.is_offloading_call(call)

    # -- names -------------------------------------------------------------------------

    def resolve(self, dotted: str | None) -> str | None:
        """Fully qualified name of a dotted name as used here (None: a local or unknown)."""
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
        for frame in reversed(self.frames[1:]):
            if head in frame.imports:
                target = frame.imports[head]
                return self.index.canonical(f"{target}.{rest}" if rest else target)
            if head in frame.env or head in frame.params:
                return None
        return self.index.resolve(self.modname, dotted)

    def qualified(self, node: cst.CSTNode) -> str | None:
        return self.resolve(dotted_name(node))

    def is_offloader(self, node: cst.CSTNode) -> bool:
        target = node.func if isinstance(node, cst.Call) else node
        fqn = self.qualified(target)
        return fqn in K.OFFLOADERS

    def is_offloading_call(self, call: cst.Call) -> bool:
        if self.is_offloader(call.func):
            return True
        return isinstance(call.func, cst.Attribute) and call.func.attr.value in K.OFFLOADER_METHODS

    def callee_fqn(self, call: cst.Call) -> str | None:
        """The project function or method a call runs, if the index knows it."""
        func = call.func
        if isinstance(func, cst.Name):
            if self.lookup_local(func.value):
                return None
            fqn = self.index.resolve(self.modname, func.value)
            return fqn if self.index.function(fqn) is not None else None
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        base = self.type_of(func.value)
        if base is not None:
            if base.kind in ("self", "object", INSTANCE, MODEL_CLASS) and base.model:
                return self.index.find_method(base.model, method)
            if is_queryset_like(base):
                return self.custom_queryset_method(base, method)
            return None
        dotted = dotted_name(func)
        if dotted is None or self.lookup_local(dotted.partition(".")[0]):
            return None
        fqn = self.index.resolve(self.modname, dotted)
        return fqn if self.index.function(fqn) is not None else None

    def lookup_local(self, name: str) -> bool:
        """Is ``name`` a local variable or parameter of an enclosing function?"""
        return any(name in f.env or name in f.params for f in self.frames[1:] if f.kind != "class")

    # -- types -------------------------------------------------------------------------

    def lookup(self, name: str) -> T | None:
        for frame in reversed(self.frames):
            if frame.kind == "class":
                continue
            if name in frame.env:
                value = frame.env[name]
                return None if value is UNKNOWN else value
            if name in frame.params:
                return None
        fqn = self.index.resolve(self.modname, name)
        return self._global_type(fqn)

    def _global_type(self, fqn: str | None) -> T | None:
        if fqn is None:
            return None
        if self.index.is_model(fqn):
            return T(MODEL_CLASS, model=fqn)
        return None

    def type_of(self, node: cst.CSTNode | None) -> T | None:  # noqa: C901 - one dispatch table
        if node is None:
            return None
        if isinstance(node, cst.Name):
            return self.lookup(node.value)
        if isinstance(node, cst.Await):
            return self._awaited_type(node.expression)
        if isinstance(node, cst.Attribute):
            return self._attribute_type(node)
        if isinstance(node, cst.Call):
            return self._call_type(node)
        if isinstance(node, cst.Subscript):
            base = self.type_of(node.value)
            if base is not None and base.kind == LIST and len(node.slice) == 1:
                index = node.slice[0].slice
                return base.evolve(kind=LIST) if isinstance(index, cst.Slice) else base.evolve(kind=INSTANCE)
            if base is not None and base.kind in (QUERYSET, MANAGER) and len(node.slice) == 1:
                index = node.slice[0].slice
                if isinstance(index, cst.Slice):
                    return base.evolve(kind=QUERYSET) if index.step is None else None
                return base.evolve(kind=INSTANCE, fetched=True)
            return None
        if isinstance(node, cst.ListComp) and node.for_in.inner_for_in is None:
            # [b async for b in qs] / [b for b in qs]: the instances themselves
            source = self.type_of(node.for_in.iter)
            if (source is not None and source.kind in (QUERYSET, MANAGER, RELATED_MANAGER, LIST)
                    and isinstance(node.elt, cst.Name) and isinstance(node.for_in.target, cst.Name)
                    and node.elt.value == node.for_in.target.value):
                return source.evolve(kind=LIST, fetched=source.model is not None)
            return None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.BitOr, cst.BitAnd, cst.BitXor)):
            left = self.type_of(node.left)
            return left if left is not None and left.kind == QUERYSET else None
        return None

    def _attribute_type(self, node: cst.Attribute) -> T | None:
        attr = node.attr.value
        base = self.type_of(node.value)
        if base is None and (param := self.unknown_param(node.value)) and not attr.startswith("_"):
            # `order.lines` on a parameter of a sync helper: a related manager if the
            # caller passes an instance whose model has that relation (checked there).
            return T(RELATED_MANAGER, detail=f"param:{param}:{attr}")
        if base is None:
            # `Something.objects` on a class we cannot see: a Django model in all but name.
            if attr == "objects" and isinstance(node.value, (cst.Name, cst.Attribute)):
                dotted = dotted_name(node.value) or ""
                if dotted.rpartition(".")[2][:1].isupper() and not self.lookup_local(dotted.partition(".")[0]):
                    fqn = self.resolve(dotted)
                    # A class the index can see and that is not a model is not a manager's owner.
                    if fqn is not None and self.index.class_(fqn) is not None:
                        return None
                    if fqn is None and self.index.resolve(self.modname, dotted.partition(".")[0]) is None:
                        return None  # an undefined name: nothing to say
                    return T(MANAGER, model=fqn)
            return None
        if base.kind == MODEL_CLASS:
            manager = self.index.model_manager(base.model, attr) if base.model else (
                "" if attr == "objects" else None)
            if manager is None:
                return None
            qs_class = self.index.queryset_class_of_manager(manager) if manager else None
            return T(MANAGER, model=base.model, manager_class=manager or None, qs_class=qs_class)
        if base.kind == INSTANCE and base.model:
            fields = self.index.model_fields(base.model)
            f = fields.get(attr)
            if f is not None and f.kind in ("fk", "o2o"):
                return T(INSTANCE, model=f.target, fetched=base.fetched,
                         selected=_sub_selection(base.selected, attr))
            if f is not None and f.kind == "m2m":
                return T(RELATED_MANAGER, model=f.target, fetched=base.fetched,
                         prefetched=prefetched_manager(base.prefetched, attr))
            reverse = self.index.reverse_relations(base.model).get(attr)
            if reverse is not None:
                kind, _, model = reverse.partition(":")
                if kind == "o2o":
                    return T(INSTANCE, model=model, fetched=base.fetched)
                return T(RELATED_MANAGER, model=model, fetched=base.fetched,
                         prefetched=prefetched_manager(base.prefetched, attr))
            return None
        if base.kind == REQUEST:
            if attr == "user":
                return T(USER)
            if attr == "session":
                return T(SESSION)
            return None
        if base.kind == "self" and attr == "request":
            return T(REQUEST)
        return None

    def _call_type(self, node: cst.Call) -> T | None:
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            base = self.type_of(func.value)
            if base is not None:
                return self._queryset_method_type(base, method, node) if is_queryset_like(base) else None
            # `module.function(...)`: typed below by what the name resolves to
        if isinstance(func, cst.Name) and func.value in ("list", "tuple", "sorted") and node.args and not self.lookup_local(func.value):
            source = self.type_of(node.args[0].value)
            if source is not None and source.kind in (QUERYSET, MANAGER, RELATED_MANAGER):
                return source.evolve(kind=LIST, fetched=source.model is not None)
        fqn = self.qualified(func)
        if fqn is None:
            return None
        if self.index.is_model(fqn):
            return T(INSTANCE, model=fqn)
        returned = self.returned_type(fqn)
        if returned is not None:
            return returned
        if fqn in ("django.shortcuts.get_object_or_404",):
            return self._shortcut_instance(node)
        if fqn in ("django.contrib.auth.get_user_model",):
            return T(MODEL_CLASS, model=self.user_model())
        if fqn.endswith(".Paginator") and fqn.startswith("django.") and node.args:
            source = self.type_of(node.args[0].value)
            if is_queryset_like(source):
                return T(PAGINATOR, model=source.model or "?")
            return None
        if self.index.is_modelform(fqn):
            return T(MODELFORM, model=fqn)
        if fqn in TEMPLATE_FACTORIES:
            return T("template")
        if fqn in ("asyncio.get_event_loop", "asyncio.get_running_loop"):
            return T("event_loop")
        if self.index.class_(fqn) is not None:
            return T("object", model=fqn)  # an instance of a project class: its methods are known
        return None

    def user_model(self) -> str | None:
        """The project's user model: AUTH_USER_MODEL from its settings, else Django's User."""
        if not hasattr(self, "_user_model"):
            self._user_model = self.index.user_model(self.modname)
        return self._user_model

    def returned_type(self, fqn: str) -> T | None:
        """What a project sync function returns, when all its returns agree (querysets etc.)."""
        info = self.index.function(fqn)
        if info is None or info.is_async or info.is_generator or not info.typed_return:
            return None
        summary = self.summaries.get(fqn) if info.module == self.modname else self.project.summary(fqn)
        return summary.returns if summary is not None else None

    def _shortcut_instance(self, node: cst.Call) -> T | None:
        if not node.args:
            return None
        source = self.type_of(node.args[0].value)
        if source is None:
            return None
        if source.kind == MODEL_CLASS:
            return T(INSTANCE, model=source.model, fetched=True)
        if is_queryset_like(source):
            return T(INSTANCE, model=source.model, selected=source.selected, prefetched=source.prefetched,
                     only=source.only, deferred=source.deferred, fetched=True)
        return None

    def _queryset_method_type(self, base: T, method: str, node: cst.Call) -> T | None:
        as_qs = base.evolve(kind=QUERYSET)
        if is_prefetched(base):
            # obj.children.all() after prefetch_related("children") is served from the
            # cache; any other method builds a new query.
            if method == "all":
                return as_qs
            as_qs = as_qs.evolve(prefetched=frozenset())
        if method in K.QUERYSET_LAZY_METHODS:
            names = frozenset(lookup_names(node.args))
            if method == "select_related":
                if not node.args:
                    return as_qs.evolve(selected=ALL)
                if base.selected is ALL:
                    return as_qs
                return as_qs.evolve(selected=base.selected | names)
            if method == "prefetch_related":
                return as_qs.evolve(prefetched=base.prefetched | names)
            if method == "only":
                return as_qs.evolve(only=(base.only or frozenset()) | names)
            if method == "defer":
                return as_qs.evolve(deferred=base.deferred | names)
            if method in ("values", "values_list", "dates", "datetimes"):
                return as_qs.evolve(model=None, kind=QUERYSET)
            return as_qs
        if method in ("get", "first", "last", "latest", "earliest", "create"):
            return as_qs.evolve(kind=INSTANCE, fetched=method != "create")
        if method in ("get_or_create", "update_or_create"):
            return as_qs.evolve(kind=INSTANCES, fetched=True)
        if method == "iterator":
            return as_qs.evolve(kind=ITERATOR)
        if method in ("get_queryset", "get_query_set"):
            return as_qs
        custom = self.custom_queryset_method(base, method)
        if custom is not None:
            returned = self.returned_type(custom)
            if returned is not None:
                if returned.kind in (QUERYSET, MANAGER):
                    # keep what the caller built (model, select_related) on the returned queryset
                    return as_qs.evolve(qs_class=returned.qs_class or base.qs_class)
                return None if returned.kind != INSTANCE else returned.evolve(model=base.model, fetched=True)
            if self.project.effect_chain(custom, "db"):
                return None  # it evaluates: what it returns is not a queryset
            return as_qs
        return None

    def custom_queryset_method(self, base: T, method: str) -> str | None:
        """The fqn of a project-defined QuerySet or Manager method ``method`` on ``base``."""
        for cls in (base.manager_class, base.qs_class):
            if cls:
                found = self.index.find_method(cls, method)
                if found and not found.startswith("django."):
                    return found
        return None

    def _awaited_type(self, node: cst.BaseExpression) -> T | None:
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        # await sync_to_async(list)(qs): the instances, fetched in a thread
        if (isinstance(func, cst.Call) and self.is_offloader(func.func) and func.args and node.args
                and isinstance(func.args[0].value, cst.Name) and func.args[0].value.value in ("list", "tuple")):
            source = self.type_of(node.args[0].value)
            if source is not None and source.kind in (QUERYSET, MANAGER, RELATED_MANAGER):
                return source.evolve(kind=LIST, fetched=source.model is not None)
            return None
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            base = self.type_of(func.value)
            if base is not None and is_queryset_like(base):
                if method in ("aget", "afirst", "alast", "alatest", "aearliest", "acreate"):
                    return base.evolve(kind=INSTANCE, fetched=method != "acreate")
                if method in ("aget_or_create", "aupdate_or_create"):
                    return base.evolve(kind=INSTANCES, fetched=True)
            if base is not None and base.kind == REQUEST and method == "auser":
                return T(INSTANCE, model=self.user_model(), fetched=True)
            return None
        fqn = self.qualified(func)
        if fqn == "django.shortcuts.aget_object_or_404":
            return self._shortcut_instance(node)
        return None

    # -- reporting -------------------------------------------------------------------

    def report(self, rule: "Rule", node: cst.CSTNode, message: str, help: str = "", *,
               what: str = "", anywhere: bool = False, subject: T | None = None) -> None:
        """Report ``rule`` at ``node``.

        On the event loop (or with ``anywhere=True``) this is a finding. Elsewhere,
        if the rule stands for an effect, it is recorded on the enclosing sync
        function for callers to find.
        """
        if subject is not None and subject.detail.startswith("param:"):
            # about a parameter's relation: a conditional effect, never a finding by itself
            if not self.in_loop and rule.effect:
                _, param, attr = subject.detail.split(":", 2)
                self.record_effect(Effect(rule.effect, rule.code, what or rule.name, node=node,
                                          param=param, kinds=(f"rel:{attr}",)))
            return
        if anywhere or not rule.loop_only or self.in_loop:
            if self.report_codes is None or rule.code in self.report_codes:
                self.reports.append(RawReport(rule.code, node, message, help))
            return
        if rule.effect:
            self.record_effect(Effect(rule.effect, rule.code, what or rule.name, node=node))

    def arg_matches(self, kinds: tuple[str, ...], value: T | None) -> bool:
        """Does an argument of type ``value`` make a conditional effect with ``kinds`` happen?"""
        if value is None:
            return False
        for kind in kinds:
            if kind.startswith("fk:"):
                # `self.author` read in a model method: a query unless the caller's
                # instance has it loaded
                attr = kind[3:]
                if value.kind == INSTANCE and value.fetched and value.model:
                    field = self.index.model_fields(value.model).get(attr)
                    if field is not None and field.kind in ("fk", "o2o") and not (
                            relation_loaded(value.selected, attr, field.null)
                                                  or relation_loaded(value.prefetched, attr)):
                        return True
                continue
            if kind.startswith("rel:"):
                attr = kind[4:]
                if value.kind == INSTANCE and value.model and (
                        self.index.model_fields(value.model).get(attr, None) is not None
                        and self.index.model_fields(value.model)[attr].kind == "m2m"
                        or attr in self.index.reverse_relations(value.model)):
                    return True
            elif value.kind == kind:
                return True
        return False

    def unknown_param(self, node: cst.CSTNode) -> str | None:
        """The name of a parameter of the enclosing sync function that ``node`` is
        (with no type known), for effects that depend on what callers pass."""
        frame = self.function_frame
        if (frame is None or frame.on_loop or not isinstance(node, cst.Name)
                or node.value not in frame.params or node.value in frame.env):
            return None
        return node.value

    def record_param_effect(self, rule: "Rule", node: cst.CSTNode, param: str, kinds: tuple[str, ...],
                            what: str) -> None:
        """``param.save()`` in a sync helper: an effect when a caller passes an instance."""
        if rule.effect:
            self.record_effect(Effect(rule.effect, rule.code, what, node=node, param=param, kinds=kinds))

    def record_effect(self, effect: Effect) -> None:
        frame = self.function_frame
        if frame is None or frame.on_loop or "<locals>" in frame.fqn:
            # a nested def (a wrapper, a callback) runs when someone calls it, not when its
            # outer function runs: its effects are not the outer function's
            return
        summary = self.summaries.get(self._summary_key(frame))
        if summary is not None:
            summary.effects.append(effect)

    def record_call(self, callee: str, node: cst.CSTNode) -> None:
        frame = self.function_frame
        if frame is None or frame.on_loop or "<locals>" in frame.fqn:
            return
        summary = self.summaries.get(self._summary_key(frame))
        if summary is not None:
            summary.calls.append((callee, 0))
            summary.call_nodes.append(node)

    def _summary_key(self, frame: Frame) -> str:
        # Nested sync functions that do not run on the loop count toward their
        # outermost named function.
        fqn = frame.fqn
        return fqn.split(".<locals>.")[0]

    def position(self, node: cst.CSTNode) -> CodeRange:
        """Source range of ``node``; positions are computed once, on first need."""
        if self._positions is None:
            self._positions = self.wrapper.resolve(PositionProvider)
        return self._positions[node]

    def line_of(self, node: cst.CSTNode) -> int:
        return self.position(node).start.line

    def code_of(self, node: cst.CSTNode, limit: int = 60) -> str:
        text = self.module.code_for_node(node).strip()
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def cure(self, since: tuple[int, int] | None, async_way: str, fallback: str) -> str:
        """The cure to suggest, honouring ``target-django``."""
        if self.settings.cure_available(since):
            suffix = f" (Django {K.version_str(since)}+)" if since else ""
            return f"{async_way}{suffix}"
        return fallback


#: marks a related manager whose ``.all()`` is served from prefetch_related's cache
TEMPLATE_FACTORIES = frozenset({
    "django.template.loader.get_template", "django.template.loader.select_template",
    "django.template.Template", "django.template.base.Template",
})

PREFETCHED_MARK = "\0prefetched"
PREFETCHED = frozenset({PREFETCHED_MARK})


def is_prefetched(t: T | None) -> bool:
    return t is not None and PREFETCHED_MARK in t.prefetched


def prefetched_manager(prefetched: frozenset[str], attr: str) -> frozenset[str]:
    """The prefetch state of ``obj.<attr>`` (a related manager): marked as cached when
    ``attr`` was prefetched, carrying the nested lookups (``questions__choices``)."""
    if not relation_loaded(prefetched, attr):
        return frozenset()
    nested = {rest for path in prefetched for head, _, rest in [path.partition("__")] if head == attr and rest}
    return PREFETCHED | nested


def _sub_selection(selected: frozenset[str] | None, attr: str) -> frozenset[str] | None:
    """What of ``selected`` lies below relation ``attr``; None (ALL) stays ALL.

    Returns an empty set when ``attr`` itself was not selected, which callers
    read as "not loaded".
    """
    if selected is ALL:
        return ALL
    below = set()
    hit = False
    for path in selected:
        head, _, rest = path.partition("__")
        if head == attr:
            hit = True
            if rest:
                below.add(rest)
    if not hit:
        return frozenset({"\0not-loaded"})
    return frozenset(below)


def lookup_names(args) -> list[str]:
    """The relation names in select_related/prefetch_related/only arguments:
    strings, and the lookup of ``Prefetch("articles", queryset=...)``."""
    names = []
    for arg in args:
        if arg.keyword is not None:
            continue
        value = arg.value
        if isinstance(value, cst.Call) and value.args and dotted_name(value.func) in ("Prefetch", "models.Prefetch"):
            value = value.args[0].value
        text = string_value(value)
        if text:
            names.append(text)
    return names


def relation_loaded(selected: frozenset[str] | None, attr: str, nullable: bool = False) -> bool:
    """Was relation ``attr`` loaded by select_related? ``select_related()`` without
    arguments (ALL) follows only non-null foreign keys."""
    if selected is ALL:
        return not nullable
    return any(path.partition("__")[0] == attr for path in selected)


def is_generator(node: cst.FunctionDef) -> bool:
    """Does the function's own body (not a nested function, lambda or class) yield?"""

    class Find(cst.CSTVisitor):
        found = False

        def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:
            return inner is node

        def visit_Lambda(self, inner: cst.Lambda) -> bool:
            return False

        def visit_ClassDef(self, inner: cst.ClassDef) -> bool:
            return False

        def visit_Yield(self, inner: cst.Yield) -> bool:
            self.found = True
            return False

    finder = Find()
    walk(node, finder, TRIVIA)  # node.visit(finder), without rebuilding the subtree
    return finder.found


_HANDLERS: dict[type, tuple[str, ...]] = {}


def _handler_names(kind: type) -> tuple[str, ...]:
    """A rule class's ``visit_*``/``leave_*`` methods (read once per class)."""
    names = _HANDLERS.get(kind)
    if names is None:
        names = _HANDLERS[kind] = tuple(a for a in dir(kind) if a.startswith(("visit_", "leave_")))
    return names


def _prescan(node: cst.FunctionDef, frame: Frame, checker: Checker) -> None:
    """Find the nested functions this function calls directly or hands to a thread."""

    class Scan(cst.CSTVisitor):
        def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:
            return inner is node

        def visit_ClassDef(self, inner: cst.ClassDef) -> bool:
            return False

        def visit_For(self, loop: cst.For) -> None:
            self._iterates(loop.iter)

        def visit_CompFor(self, loop: cst.CompFor) -> None:
            self._iterates(loop.iter)

        def _iterates(self, expr: cst.BaseExpression) -> None:
            if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
                frame.iterated.add(expr.func.value)

        def visit_Call(self, call: cst.Call) -> None:
            if isinstance(call.func, cst.Name):
                frame.called.add(call.func.value)
                if call.func.value in K.EVALUATING_BUILTINS and call.args:
                    self._iterates(call.args[0].value)
            if checker.is_offloading_call(call):
                for arg in call.args:
                    if isinstance(arg.value, cst.Name):
                        frame.offloaded.add(arg.value.value)

    walk(node, Scan(), TRIVIA)  # node.visit(Scan()), without rebuilding the subtree


__all__ = ["Checker", "Effect", "FunctionSummary", "RawReport", "relation_loaded"]
