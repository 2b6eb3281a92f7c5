"""DJA3xx: blocking I/O on the event loop.

Nothing in Django stops a coroutine from calling ``time.sleep``, ``requests``,
``subprocess``, ``open()``, ``send_mail`` or a network cache: the call simply
holds the thread that runs the event loop, and every other request served by
that worker waits. These rules find such calls in ``async def`` code (and in
sync functions the coroutine runs directly) and name the async way.

A call is only reported when its target is known: names are resolved through
the module's imports and aliases, local imports, local assignments
(``client = httpx.Client()``), ``with ... as`` targets and module-level
assignments (``session = requests.Session()``, read from the index). A local
or unknown name is never a finding.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import libcst as cst

from asynclint.rules._helper_calls import HelperCallRule
from asynclint.registry import Rule, register
from asynclint.semantic import REQUEST, dotted_name, string_value

if TYPE_CHECKING:
    from asynclint.checker import Checker

# Categories (one rule each).
SLEEP, HTTP, PROCESS, FILE, MAIL, CACHE, LOWLEVEL, CONFIGURED, CPU = (
    "sleep", "http", "process", "file", "mail", "cache", "lowlevel", "configured", "cpu")

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

#: Functions that block, by fully qualified name.
BLOCKING_FUNCTIONS: dict[str, str] = {
    "time.sleep": SLEEP,
    **{f"requests.{verb}": HTTP for verb in _HTTP_VERBS},
    **{f"requests.api.{verb}": HTTP for verb in _HTTP_VERBS},
    **{f"httpx.{verb}": HTTP for verb in (*_HTTP_VERBS, "stream")},
    "urllib3.request": HTTP,
    "urllib.request.urlopen": HTTP,
    "urllib.request.urlretrieve": HTTP,
    **{f"subprocess.{name}": PROCESS for name in
       ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")},
    **{f"os.{name}": PROCESS for name in
       ("system", "popen", "wait", "waitpid", "wait3", "wait4", "waitid")},
    "builtins.open": FILE,
    "io.open": FILE,
    "codecs.open": FILE,
    "gzip.open": FILE,
    "bz2.open": FILE,
    "lzma.open": FILE,
    **{f"shutil.{name}": FILE for name in
       ("copy", "copy2", "copyfile", "copytree", "copyfileobj", "move", "rmtree",
        "make_archive", "unpack_archive")},
    **{f"django.core.mail.{name}": MAIL for name in
       ("send_mail", "send_mass_mail", "mail_admins", "mail_managers")},
    **{f"socket.{name}": LOWLEVEL for name in
       ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex",
        "gethostbyaddr", "getfqdn")},
    "builtins.input": LOWLEVEL,
}

#: CPU-heavy functions (password hashing and key derivation), by fully qualified name.
CPU_FUNCTIONS: dict[str, str] = {
    **{f"django.contrib.auth.hashers.{name}": CPU for name in ("make_password", "check_password")},
    "hashlib.pbkdf2_hmac": CPU,
    "hashlib.scrypt": CPU,
    **{f"bcrypt.{name}": CPU for name in ("hashpw", "checkpw", "kdf")},
    **{f"scrypt.{name}": CPU for name in ("hash", "encrypt", "decrypt")},
    **{f"argon2.{name}": CPU for name in ("hash_password", "hash_password_raw", "verify_password")},
    **{f"argon2.low_level.{name}": CPU for name in ("hash_secret", "hash_secret_raw", "verify_secret")},
}

#: Calls that build an object whose methods may block: constructor fqn -> kind.
CONSTRUCTORS: dict[str, str] = {
    "requests.Session": "requests.Session",
    "requests.session": "requests.Session",
    "requests.sessions.Session": "requests.Session",
    "requests.sessions.session": "requests.Session",
    "httpx.Client": "httpx.Client",
    "urllib3.PoolManager": "urllib3.PoolManager",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
    "urllib3.ProxyManager": "urllib3.PoolManager",
    "urllib3.HTTPConnectionPool": "urllib3.PoolManager",
    "urllib3.HTTPSConnectionPool": "urllib3.PoolManager",
    "urllib3.connection_from_url": "urllib3.PoolManager",
    "http.client.HTTPConnection": "http.client.HTTPConnection",
    "http.client.HTTPSConnection": "http.client.HTTPConnection",
    "socket.socket": "socket.socket",
    "socket.create_connection": "socket.socket",
    "socket.create_server": "socket.socket",
    "subprocess.Popen": "subprocess.Popen",
    "pathlib.Path": "pathlib.Path",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "django.core.mail.EmailMessage": "django.core.mail.EmailMessage",
    "django.core.mail.EmailMultiAlternatives": "django.core.mail.EmailMessage",
    "django.core.mail.message.EmailMessage": "django.core.mail.EmailMessage",
    "django.core.mail.message.EmailMultiAlternatives": "django.core.mail.EmailMessage",
    "django.core.mail.get_connection": "django.core.mail.connection",
    "smtplib.SMTP": "smtplib.SMTP",
    "smtplib.SMTP_SSL": "smtplib.SMTP",
    "smtplib.LMTP": "smtplib.SMTP",
    "argon2.PasswordHasher": "argon2.PasswordHasher",
    "django.contrib.auth.authenticate": "django.contrib.auth.user",
    "django.contrib.auth.get_user": "django.contrib.auth.user",
}

#: Coroutine functions whose awaited result has a known kind.
AWAITED_CONSTRUCTORS: dict[str, str] = {
    "django.contrib.auth.aauthenticate": "django.contrib.auth.user",
    "django.contrib.auth.aget_user": "django.contrib.auth.user",
}

#: Module-level objects (fqn -> kind).
GLOBAL_OBJECTS: dict[str, str] = {
    "django.core.cache.cache": "django.core.cache.cache",
    "django.core.cache.caches": "django.core.cache.caches",
    "django.core.files.storage.default_storage": "django.core.files.storage.Storage",
    "django.core.files.storage.storages": "django.core.files.storage.storages",
}

_CACHE_METHODS = ("get", "set", "add", "delete", "get_many", "set_many", "delete_many",
                  "get_or_set", "has_key", "incr", "decr", "touch", "clear",
                  "incr_version", "decr_version", "close")

#: kind -> method -> category.
BLOCKING_METHODS: dict[str, dict[str, str]] = {
    "requests.Session": {m: HTTP for m in (*_HTTP_VERBS, "send")},
    "httpx.Client": {m: HTTP for m in (*_HTTP_VERBS, "send", "stream")},
    "urllib3.PoolManager": {m: HTTP for m in ("request", "urlopen", "request_encode_url", "request_encode_body")},
    "http.client.HTTPConnection": {m: HTTP for m in ("request", "getresponse", "connect", "endheaders")},
    "socket.socket": {m: LOWLEVEL for m in
                      ("connect", "connect_ex", "accept", "send", "sendall", "sendto", "sendfile",
                       "recv", "recv_into", "recvfrom", "recvfrom_into")},
    "subprocess.Popen": {m: PROCESS for m in ("wait", "communicate")},
    "pathlib.Path": {m: FILE for m in ("read_text", "read_bytes", "write_text", "write_bytes", "open")},
    "django.core.mail.EmailMessage": {"send": MAIL},
    "django.core.mail.connection": {"send_messages": MAIL, "open": MAIL},
    "smtplib.SMTP": {m: MAIL for m in
                     ("connect", "login", "starttls", "ehlo", "helo", "sendmail", "send_message", "quit")},
    "django.core.cache.cache": {m: CACHE for m in _CACHE_METHODS},
    "django.core.files.storage.Storage": {m: FILE for m in
                                          ("open", "save", "delete", "exists", "listdir", "size",
                                           "get_accessed_time", "get_created_time", "get_modified_time")},
    "argon2.PasswordHasher": {"hash": CPU, "verify": CPU},
}

#: Methods of a kind that return the same kind (``Path(x).with_suffix(".csv")``).
SAME_KIND_METHODS = {
    "pathlib.Path": frozenset({"with_suffix", "with_name", "with_stem", "joinpath", "resolve",
                               "absolute", "expanduser"}),
}
SAME_KIND_ATTRIBUTES = {"pathlib.Path": frozenset({"parent"})}


@dataclass(frozen=True)
class Hit:
    category: str
    what: str  # the call as written, e.g. "requests.post()"
    fqn: str  # what it resolved to, e.g. "requests.post" or "httpx.Client.get"
    method: str = ""
    #: for cache calls: the cache alias ("default", a name, or "*" when not a literal)
    alias: str = ""


# Values in the local environment.
LOCAL = ("local", None)  # a local name of unknown value


class Names:
    """Name resolution shared by the DJA3/DJA4 rules of one checker.

    Keeps, per function frame, what local names hold: an import alias
    (``("alias", fqn)``), an object of a known kind (``("obj", kind)``) or
    something unknown (``LOCAL``). Each rule forwards the binding events; the
    first one to see a node does the work.
    """

    KEY = "DJA3-names"

    def __init__(self, checker: "Checker") -> None:
        self.checker = checker
        self._seen: dict[str, cst.CSTNode] = {}
        self._hits: dict[int, tuple[cst.Call, Hit | None]] = {}
        self._constants: dict[str, int] | None = None
        self.configured = frozenset(checker.settings.extend_blocking_calls)
        self.configured_classes = frozenset(c.rpartition(".")[0] for c in self.configured if "." in c)
        info = checker.index.module(checker.modname)
        self.star_unknown = bool(info and any(checker.index.module(s) is None for s in info.star_imports))

    @classmethod
    def of(cls, checker: "Checker") -> "Names":
        names = getattr(checker, "_dja3_names", None)
        if names is None:
            names = cls(checker)
            checker._dja3_names = names  # type: ignore[attr-defined]
        return names

    def once(self, event: str, node: cst.CSTNode) -> bool:
        if self._seen.get(event) is node:
            return False
        self._seen[event] = node
        return True

    # -- the environment ---------------------------------------------------------

    def _env(self, frame=None) -> dict[str, tuple[str, str | None]] | None:
        frame = frame or self.checker.frame
        if frame.kind not in ("function", "lambda"):
            return None
        return frame.state.setdefault(self.KEY, {})  # type: ignore[return-value]

    def bind(self, target: cst.CSTNode, value: tuple[str, str | None], frame=None) -> None:
        env = self._env(frame)
        if env is None:
            return
        if isinstance(target, cst.Name):
            env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind(element.value, LOCAL, frame)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, LOCAL, frame)

    def value_of(self, expr: cst.BaseExpression) -> tuple[str, str | None]:
        kind = self.kind_of(expr)
        return ("obj", kind) if kind else LOCAL

    def lookup(self, name: str) -> tuple[str, str | None] | None:
        """What a local name holds; None when it is not local (module-level or builtin)."""
        for frame in reversed(self.checker.frames):
            if frame.kind == "class":
                continue
            if frame.kind == "module":
                return None
            env = frame.state.get(self.KEY)
            if env and name in env:
                return env[name]  # type: ignore[return-value]
            if name in frame.params or name in frame.env:
                return LOCAL
        return None

    # binding events (forwarded by every rule; done once per node)

    def on_assign(self, node: cst.Assign) -> None:
        if self.once("assign", node):
            value = self.value_of(node.value)
            for target in node.targets:
                self.bind(target.target, value)

    def on_ann_assign(self, node: cst.AnnAssign) -> None:
        if self.once("annassign", node):
            self.bind(node.target, self.value_of(node.value) if node.value is not None else LOCAL)

    def on_aug_assign(self, node: cst.AugAssign) -> None:
        if self.once("augassign", node):
            self.bind(node.target, LOCAL)

    def on_named_expr(self, node: cst.NamedExpr) -> None:
        if self.once("namedexpr", node):
            self.bind(node.target, self.value_of(node.value))

    def on_for(self, node: cst.For | cst.CompFor) -> None:
        if self.once("for", node):
            self.bind(node.target, LOCAL)

    def on_with(self, node: cst.With) -> None:
        if self.once("with", node):
            for item in node.items:
                if item.asname is not None:
                    self.bind(item.asname.name, self.value_of(item.item))

    def on_except(self, node: cst.ExceptHandler) -> None:
        if self.once("except", node) and node.name is not None:
            self.bind(node.name.name, LOCAL)

    def on_function(self, node: cst.FunctionDef) -> None:
        # The checker has already pushed the new frame: the name belongs to the outer one.
        if self.once("def", node) and len(self.checker.frames) >= 2:
            self.bind(node.name, LOCAL, self.checker.frames[-2])

    def on_class(self, node: cst.ClassDef) -> None:
        if self.once("class", node) and len(self.checker.frames) >= 2:
            self.bind(node.name, LOCAL, self.checker.frames[-2])

    def on_lambda(self, node: cst.Lambda) -> None:
        if self.once("lambda", node):
            params = node.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                self.bind(param.name, LOCAL)
            for star in (params.star_arg, params.star_kwarg):
                if isinstance(star, cst.Param):
                    self.bind(star.name, LOCAL)

    def on_call(self, node: cst.Call) -> None:
        """``sock.setblocking(False)`` / ``sock.settimeout(0)``: the socket no longer blocks."""
        if not self.once("call", node):
            return
        func = node.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                and func.attr.value in ("setblocking", "settimeout") and len(node.args) == 1):
            return
        arg = node.args[0].value
        off = (isinstance(arg, cst.Name) and arg.value == "False") or (
            isinstance(arg, (cst.Integer, cst.Float)) and not arg.evaluated_value)
        if off and self.kind_of(func.value) == "socket.socket":
            self.bind(func.value, ("obj", "socket.nonblocking"))

    def on_import(self, node: cst.Import) -> None:
        if not self.once("import", node) or self._env() is None:
            return
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind(alias.asname.name, ("alias", full))
            else:
                head = full.partition(".")[0]
                self.bind(cst.Name(head), ("alias", head))

    def on_import_from(self, node: cst.ImportFrom) -> None:
        if not self.once("importfrom", node) or self._env() is None:
            return
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            # Relative or star imports inside a function: names become unknown locals.
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    local = alias.asname.name if alias.asname else alias.name
                    if isinstance(local, cst.Name):
                        self.bind(local, LOCAL)
            return
        module = dotted_name(node.module)
        for alias in node.names:
            local = alias.asname.name if alias.asname else alias.name
            if isinstance(local, cst.Name) and isinstance(alias.name, cst.Name):
                self.bind(local, ("alias", self.checker.index.canonical(f"{module}.{alias.name.value}")))

    # -- resolving ---------------------------------------------------------------

    def resolve(self, dotted: str | None) -> str | None:
        """Fully qualified name of a dotted name used here, through local imports too."""
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
        local = self.lookup(head)
        if local is not None:
            if local[0] == "alias" and local[1]:
                return f"{local[1]}.{rest}" if rest else local[1]
            return None
        return self.checker.index.resolve(self.checker.modname, dotted)

    def builtin(self, name: str) -> str | None:
        """``builtins.<name>`` if ``name`` here is the builtin (not shadowed, not imported)."""
        if self.lookup(name) is not None or self.star_unknown:
            return None
        if self.checker.index.resolve(self.checker.modname, name) is not None:
            return None
        info = self.checker.index.module(self.checker.modname)
        if info is not None and name in info.defined:
            return None
        return f"builtins.{name}"

    def callee(self, func: cst.BaseExpression) -> str | None:
        if isinstance(func, cst.Name):
            return self.resolve(func.value) or self.builtin(func.value)
        return self.resolve(dotted_name(func))

    def constructor_kind(self, fqn: str | None) -> str | None:
        if fqn is None:
            return None
        if fqn in CONSTRUCTORS:
            return CONSTRUCTORS[fqn]
        if fqn in self.configured_classes:
            return fqn
        return None

    def global_kind(self, fqn: str | None) -> str | None:
        """Kind of a module-level object: a known one, or ``name = Ctor(...)`` in some module."""
        if fqn is None:
            return None
        if fqn in GLOBAL_OBJECTS:
            return GLOBAL_OBJECTS[fqn]
        module, _, attr = fqn.rpartition(".")
        index = self.checker.index
        if not module or module not in index.module_paths:
            return None
        info = index.module(module)
        if info is None or attr not in info.assigned_calls:
            return None
        return self.constructor_kind(index.resolve(module, info.assigned_calls[attr]))

    def kind_of(self, expr: cst.BaseExpression | None) -> str | None:  # noqa: C901 - one dispatch
        """The kind of object an expression holds, when known (``httpx.Client``...)."""
        if expr is None:
            return None
        if isinstance(expr, cst.Name):
            local = self.lookup(expr.value)
            if local is not None:
                if local[0] == "obj":
                    return local[1]
                if local[0] == "alias":
                    return self.global_kind(local[1])
                return None
            return self.global_kind(self.checker.index.resolve(self.checker.modname, expr.value))
        if isinstance(expr, cst.Attribute):
            base = self.kind_of(expr.value)
            if base is not None:
                return base if expr.attr.value in SAME_KIND_ATTRIBUTES.get(base, ()) else None
            return self.global_kind(self.resolve(dotted_name(expr)))
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute):
                base = self.kind_of(func.value)
                if base is not None:
                    return base if func.attr.value in SAME_KIND_METHODS.get(base, ()) else None
            return self.constructor_kind(self.callee(func))
        if isinstance(expr, cst.Await) and isinstance(expr.expression, cst.Call):
            func = expr.expression.func
            if isinstance(func, cst.Attribute) and func.attr.value == "auser":
                base = self.checker.type_of(func.value)
                if base is not None and base.kind == REQUEST:
                    return "django.contrib.auth.user"  # await request.auser()
            return AWAITED_CONSTRUCTORS.get(self.callee(func) or "")
        if isinstance(expr, cst.Subscript):
            if self.kind_of(expr.value) == "django.core.files.storage.storages":
                return "django.core.files.storage.Storage"
            if self.kind_of(expr.value) == "django.core.cache.caches" and len(expr.slice) == 1:
                index = expr.slice[0].slice
                alias = string_value(index.value) if isinstance(index, cst.Index) else None
                return "django.core.cache.cache" if alias == "default" else f"django.core.cache.cache:{alias or '*'}"
            return None
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            left = self.kind_of(expr.left)
            if left == "pathlib.Path":
                return left
            # `<anything> / "name"`: a str cannot be divided, so working code divides a path
            # (settings.BASE_DIR / "exports"); zipfile.Path and importlib.resources read files too.
            if isinstance(expr.right, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
                return "pathlib.Path"
            return None
        return None

    # -- classifying calls ---------------------------------------------------------

    def hit(self, call: cst.Call) -> Hit | None:
        """What blocking (or CPU-heavy) thing ``call`` does, if any; computed once per call."""
        cached = self._hits.get(id(call))
        if cached is not None and cached[0] is call:
            return cached[1]
        result = self._classify(call)
        self._hits[id(call)] = (call, result)
        return result

    def _classify(self, call: cst.Call) -> Hit | None:
        checker = self.checker
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            kind = self.kind_of(func.value)
            if kind is not None:
                kind, _, alias = kind.partition(":")
                what = f"{checker.code_of(func.value, 40)}.{method}()"
                category = BLOCKING_METHODS.get(kind, {}).get(method)
                if category is not None:
                    return Hit(category, what, f"{kind}.{method}", method,
                               alias=(alias or "default") if category == CACHE else "")
                if f"{kind}.{method}" in self.configured:
                    return Hit(CONFIGURED, what, f"{kind}.{method}", method)
                return None
        fqn = self.callee(func)
        if fqn is None:
            return None
        what = f"{checker.code_of(func, 40)}()"
        category = BLOCKING_FUNCTIONS.get(fqn) or CPU_FUNCTIONS.get(fqn)
        if category == SLEEP and _is_zero(call):
            return None  # time.sleep(0) only yields the GIL
        if category is None and CONSTRUCTORS.get(fqn) == "smtplib.SMTP" and (
                _positional(call) or any(a.keyword and a.keyword.value == "host" for a in call.args)):
            category = MAIL  # SMTP(host) connects in the constructor
        if category is not None:
            return Hit(category, what, fqn, fqn.rpartition(".")[2])
        if fqn in self.configured:
            return Hit(CONFIGURED, what, fqn, fqn.rpartition(".")[2])
        return None

    # -- module constants (for loop bounds) -------------------------------------------

    def module_constants(self) -> dict[str, int]:
        if self._constants is None:
            found: dict[str, int] = {}
            repeated: set[str] = set()
            for stmt in self.checker.module.body:
                if not isinstance(stmt, cst.SimpleStatementLine):
                    continue
                for small in stmt.body:
                    targets: list[cst.BaseExpression] = []
                    value = None
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                        value = small.value
                    elif isinstance(small, cst.AnnAssign) and small.value is not None:
                        targets, value = [small.target], small.value
                    elif isinstance(small, cst.AugAssign):
                        targets = [small.target]
                    for target in targets:
                        if not isinstance(target, cst.Name):
                            continue
                        name = target.value
                        number = int_value(value, found.get) if value is not None else None
                        if name in found or name in repeated or number is None:
                            repeated.add(name)
                            found.pop(name, None)
                        else:
                            found[name] = number
            self._constants = found
        return self._constants


#: Cache backends that keep data in the process: a sync call does no I/O.
IN_PROCESS_CACHES = frozenset({
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
})
UNKNOWN_BACKEND = "?"


class CacheSettings:
    """The cache backends the project's settings modules configure, read with ``ast``.

    ``CACHES = {...}``, ``CACHES["alias"] = {...}`` and
    ``CACHES["alias"]["BACKEND"] = "..."`` at module level (also under ``if`` /
    ``try``) in any project module; a value that is not a literal is an unknown
    backend. When a run covers several Django projects, a file is judged by the
    settings modules closest to it in the file tree (the longest shared folder).
    Built once per run and kept on the project.
    """

    def __init__(self, index) -> None:
        #: settings module path -> alias -> backends
        self.modules: dict[str, dict[str, set[str]]] = {}
        for _, path in index.files_with((b"CACHES",)):
            try:
                tree = ast.parse(Path(path).read_bytes())
            except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            self._current: dict[str, set[str]] | None = None
            self._scan(path, tree.body)

    @classmethod
    def of(cls, project) -> "CacheSettings":
        # a whole-project scan: valid while the files naming CACHES are unchanged
        return project.index.scan("cache-settings", (b"CACHES",), lambda: cls(project.index))

    def _add(self, alias: str, backend: str) -> None:
        self._current.setdefault(alias, set()).add(backend)  # type: ignore[union-attr]

    def _scan(self, modname: str, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.If, ast.Try)) or type(stmt).__name__ == "TryStar":
                for attr in ("body", "orelse", "finalbody"):
                    self._scan(modname, getattr(stmt, attr, []))
                for handler in getattr(stmt, "handlers", []):
                    self._scan(modname, handler.body)
                continue
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(
                    stmt.value.func, ast.Attribute) and _is_caches_name(stmt.value.func.value):
                self._current = self.modules.setdefault(modname, {})
                self._add("*", UNKNOWN_BACKEND)  # CACHES.update(...) and friends
                continue
            else:
                continue
            for target in targets:
                self._assign(modname, target, value)

    def _assign(self, modname: str, target: ast.expr, value: ast.expr) -> None:
        if _is_caches_name(target):
            self._current = self.modules.setdefault(modname, {})
            if isinstance(value, ast.Dict):
                for key, entry in zip(value.keys, value.values):
                    alias = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else "*"
                    self._add(alias, _backend_of(entry))
            else:
                self._add("*", UNKNOWN_BACKEND)
        elif isinstance(target, ast.Subscript) and _is_caches_name(target.value):
            self._current = self.modules.setdefault(modname, {})
            key = target.slice
            alias = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else "*"
            self._add(alias, _backend_of(value))
        elif (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Subscript)
                and _is_caches_name(target.value.value)):
            key = target.slice
            if isinstance(key, ast.Constant) and key.value == "BACKEND":
                self._current = self.modules.setdefault(modname, {})
                outer = target.value.slice
                alias = outer.value if isinstance(outer, ast.Constant) and isinstance(outer.value, str) else "*"
                backend = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
                self._add(alias, backend or UNKNOWN_BACKEND)

    def does_io(self, alias: str, path: str) -> bool:
        """Can a sync call on cache ``alias`` in file ``path`` do I/O under the settings closest to it?"""
        if not self.modules:
            return False  # no module sets CACHES: Django's default cache is LocMemCache
        here = Path(path).resolve().parent.parts

        def shared(settings_path: str) -> int:
            count = 0
            for mine, theirs in zip(here, Path(settings_path).resolve().parent.parts):
                if mine != theirs:
                    break
                count += 1
            return count

        depth = {settings_path: shared(settings_path) for settings_path in self.modules}
        best = max(depth.values())
        backends: set[str] = set()
        for settings_path, aliases in self.modules.items():
            if depth[settings_path] != best:
                continue
            if alias == "*":
                backends = backends.union(*aliases.values())
            else:
                backends |= aliases.get(alias, set()) | aliases.get("*", set())
        return any(b not in IN_PROCESS_CACHES for b in backends)


def _is_caches_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "CACHES"


def _backend_of(entry: ast.expr) -> str:
    if isinstance(entry, ast.Dict):
        for key, value in zip(entry.keys, entry.values):
            if isinstance(key, ast.Constant) and key.value == "BACKEND":
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    return value.value
                return UNKNOWN_BACKEND
        return UNKNOWN_BACKEND
    return UNKNOWN_BACKEND


MAX_INT = 10**15


def int_value(node: cst.BaseExpression | None, names: Callable[[str], int | None]) -> int | None:
    """Value of a small integer expression (literals, + - * // **, named constants)."""
    if node is None:
        return None
    if isinstance(node, cst.Integer):
        value = node.evaluated_value
        return value if isinstance(value, int) else None
    if isinstance(node, cst.Name):
        return names(node.value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = int_value(node.expression, names)
        return -inner if inner is not None else None
    if isinstance(node, cst.BinaryOperation):
        left = int_value(node.left, names)
        right = int_value(node.right, names)
        if left is None or right is None:
            return None
        op = node.operator
        if isinstance(op, cst.Add):
            result = left + right
        elif isinstance(op, cst.Subtract):
            result = left - right
        elif isinstance(op, cst.Multiply):
            result = left * right
        elif isinstance(op, cst.FloorDivide) and right:
            result = left // right
        elif isinstance(op, cst.Power) and 0 <= right <= 64 and abs(left) <= 10**6:
            result = left**right
        else:
            return None
        return max(-MAX_INT, min(MAX_INT, result))
    return None


def _positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def _is_zero(call: cst.Call) -> bool:
    args = _positional(call)
    if not args:
        return False
    value = args[0].value
    if isinstance(value, cst.Integer):
        return value.evaluated_value == 0
    if isinstance(value, cst.Float):
        return value.evaluated_value == 0.0
    return False


class NameTrackingRule(Rule):
    """Base of the DJA3/DJA4 rules: forwards binding events to the shared :class:`Names`."""

    def __init__(self, checker: "Checker") -> None:
        super().__init__(checker)
        self.names = Names.of(checker)

    def leave_Assign(self, node: cst.Assign) -> None:
        self.names.on_assign(node)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.names.on_ann_assign(node)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self.names.on_aug_assign(node)

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.names.on_named_expr(node)

    def visit_For(self, node: cst.For) -> None:
        self.names.on_for(node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.names.on_for(node)

    def visit_With(self, node: cst.With) -> None:
        self.names.on_with(node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.names.on_except(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.on_function(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.names.on_class(node)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.names.on_lambda(node)

    def leave_Call(self, node: cst.Call) -> None:
        self.names.on_call(node)

    def visit_Import(self, node: cst.Import) -> None:
        self.names.on_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.names.on_import_from(node)


class BlockingCallRule(NameTrackingRule):
    """A DJA3 rule that reports the calls of one category."""

    effect = "blocking"
    category = ""

    def visit_Call(self, node: cst.Call) -> None:
        hit = self.names.hit(node)
        if hit is None or hit.category != self.category:
            return
        cure = self.cure(hit, node)
        self.checker.report(self, node, f"{self.problem(hit)}; {cure}", help=cure, what=hit.what)

    def problem(self, hit: Hit) -> str:
        raise NotImplementedError

    def cure(self, hit: Hit, node: cst.Call) -> str:
        raise NotImplementedError


def _label(hit: Hit) -> str:
    """The call as written, with what it resolved to when that differs: `pause()` (`time.sleep`)."""
    if hit.what == f"{hit.fqn}()" or hit.fqn.startswith("builtins."):
        return f"`{hit.what}`"
    return f"`{hit.what}` (`{hit.fqn}`)"


def _thread(call_text: str) -> str:
    return f"`await asyncio.to_thread({call_text}, ...)` or `await sync_to_async({call_text})(...)`"


@register
class BlockingSleepInAsyncFunction(BlockingCallRule):
    """
    `time.sleep()` called on the event loop.

    ## What it does
    Checks for `time.sleep(...)` (however `time` or `sleep` was imported) in an
    `async def`, or in a sync function the coroutine calls directly.
    `time.sleep(0)` is not reported.

    ## Why is this bad?
    `time.sleep` holds the thread that runs the event loop: for its whole
    duration no other coroutine runs, so every other request served by this
    worker stalls, and timeouts and heartbeats fire late.

    ## Example
    ```python
    async def poll_status(request):
        time.sleep(0.5)
        return JsonResponse({"ok": True})
    ```

    Use instead:
    ```python
    async def poll_status(request):
        await asyncio.sleep(0.5)
        return JsonResponse({"ok": True})
    ```

    ## Django version
    Any Django with async views (3.1+); `asyncio.sleep` is in the standard library.
    """

    code = "DJA301"
    name = "blocking-sleep-in-async-function"
    category = SLEEP

    def problem(self, hit: Hit) -> str:
        return f"{_label(hit)} blocks the event loop: no other request on this worker runs until it returns"

    def cure(self, hit: Hit, node: cst.Call) -> str:
        return "use `await asyncio.sleep(...)`"


@register
class BlockingHttpCallInAsyncFunction(BlockingCallRule):
    """
    A synchronous HTTP request made on the event loop.

    ## What it does
    Checks for `requests.get/post/...`, calls on a `requests.Session`,
    `urllib.request.urlopen`, `http.client` connections, `urllib3` pools,
    the sync `httpx` functions and `httpx.Client` methods, in async code. The client is
    recognized through imports and aliases (`import requests as http`), local
    assignments and `with httpx.Client() as client:`, and module-level
    objects (`session = requests.Session()`). `httpx.AsyncClient` and
    `aiohttp` are not reported.

    ## Why is this bad?
    The request holds the event loop for the whole network round trip, DNS
    lookup and TLS handshake included: a slow webhook endpoint stalls every
    other request on the worker. Django raises nothing; the site just gets
    slow under load.

    ## Example
    ```python
    async def notify(request):
        requests.post(settings.WEBHOOK_URL, json={"order": 1}, timeout=5)
    ```

    Use instead:
    ```python
    async def notify(request):
        async with httpx.AsyncClient() as client:
            await client.post(settings.WEBHOOK_URL, json={"order": 1}, timeout=5)
    ```

    ## Django version
    Any Django with async views. Without an async client, run the call in a
    thread: `await asyncio.to_thread(requests.post, url, ...)`.
    """

    code = "DJA302"
    name = "blocking-http-call-in-async-function"
    category = HTTP

    def problem(self, hit: Hit) -> str:
        return (f"{_label(hit)} makes a synchronous HTTP request: it blocks the event loop for the whole "
                f"round trip")

    def cure(self, hit: Hit, node: cst.Call) -> str:
        verb = hit.method if hit.method in (*_HTTP_VERBS, "stream") else (
            "get" if hit.method in ("urlopen", "urlretrieve") else "request")
        return (f"use `httpx.AsyncClient` (`async with httpx.AsyncClient() as client: await client.{verb}(...)`) "
                f"or run it in a thread: `await asyncio.to_thread(...)`")


@register
class BlockingSubprocessInAsyncFunction(BlockingCallRule):
    """
    A child process run and waited for on the event loop.

    ## What it does
    Checks for `subprocess.run/call/check_call/check_output/getoutput`,
    `Popen.wait()` / `Popen.communicate()`, `os.system`, `os.popen` and
    `os.wait*` in async code.

    ## Why is this bad?
    These calls wait for the child process to finish while holding the event
    loop: a PDF render or a `git` command that takes a second freezes every
    other request on the worker for that second.

    ## Example
    ```python
    async def thumbnail(request):
        subprocess.run(["convert", src, "-resize", "200", dst], check=True)
    ```

    Use instead:
    ```python
    async def thumbnail(request):
        proc = await asyncio.create_subprocess_exec("convert", src, "-resize", "200", dst)
        await proc.wait()
    ```

    ## Django version
    Any Django with async views; `asyncio.create_subprocess_exec` is in the
    standard library.
    """

    code = "DJA303"
    name = "blocking-subprocess-in-async-function"
    category = PROCESS

    def problem(self, hit: Hit) -> str:
        return f"{_label(hit)} waits for a child process on the event loop: every other request stalls until it exits"

    def cure(self, hit: Hit, node: cst.Call) -> str:
        if hit.fqn in ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"):
            return ("use `proc = await asyncio.create_subprocess_shell(cmd)` and `await proc.communicate()`")
        return "use `proc = await asyncio.create_subprocess_exec(...)` and `await proc.communicate()`"


@register
class BlockingFileIoInAsyncFunction(BlockingCallRule):
    """
    File I/O done on the event loop.

    ## What it does
    Checks for the builtin `open()` (not a shadowing local or import),
    `io.open`, `gzip/bz2/lzma/codecs.open`, `pathlib.Path` reads and writes
    (`read_text`, `read_bytes`, `write_text`, `write_bytes`, `open`),
    `shutil` copies, moves and tree removals, and Django's file storage API
    (`default_storage` / `storages["alias"]`: `open`, `save`, `delete`,
    `exists`, `listdir`, `size`, ...), in async code. `aiofiles` and
    `anyio.Path` are not reported.

    ## Why is this bad?
    Disk I/O is blocking: the event loop waits while the file is read or
    written. A CSV export of a few hundred megabytes, a file on a network
    mount or a busy disk stalls every other request on the worker. Django's
    storage API is sync through 6.1; with S3-like backends each call is a
    network round trip.

    ## Example
    ```python
    async def export(request):
        with open(path, "w", newline="") as f:
            csv.writer(f).writerows(rows)
    ```

    Use instead:
    ```python
    async def export(request):
        await asyncio.to_thread(write_csv, path, rows)
    ```

    ## Django version
    Any Django with async views; `asyncio.to_thread` is Python 3.9+,
    `asgiref.sync.sync_to_async` works everywhere.
    """

    code = "DJA304"
    name = "blocking-file-io-in-async-function"
    category = FILE

    def problem(self, hit: Hit) -> str:
        return f"{_label(hit)} does file I/O on the event loop: the loop stalls while the disk works"

    def cure(self, hit: Hit, node: cst.Call) -> str:
        if hit.fqn.startswith("django.core.files.storage."):
            call = self.checker.code_of(node.func, 40)
            return (f"run it in a thread: `await sync_to_async({call})(...)` (Django's storage API has no async "
                    f"methods through 6.1)")
        return "move the file work to a thread: `await asyncio.to_thread(...)` or `sync_to_async`, or use `aiofiles`"


@register
class BlockingMailInAsyncFunction(BlockingCallRule):
    """
    Email sent over SMTP on the event loop.

    ## What it does
    Checks for `django.core.mail.send_mail`, `send_mass_mail`, `mail_admins`,
    `mail_managers`, `EmailMessage(...).send()` (and
    `EmailMultiAlternatives`), `get_connection().send_messages()`, and
    `smtplib.SMTP` connections and their methods, in async code.

    ## Why is this bad?
    Django's mail API is synchronous through 6.1: sending talks SMTP on the
    calling thread, so the event loop waits for the mail server's greeting,
    TLS and every reply. `SynchronousOnlyOperation` does not protect it, the
    worker just stalls.

    ## Example
    ```python
    async def contact(request):
        send_mail("Thanks", body, None, [email])
    ```

    Use instead:
    ```python
    async def contact(request):
        await sync_to_async(send_mail)("Thanks", body, None, [email])
    ```

    ## Django version
    No Django version has an async mail API (through 6.1): use `sync_to_async`
    or a task queue.
    """

    code = "DJA305"
    name = "blocking-mail-in-async-function"
    category = MAIL

    def problem(self, hit: Hit) -> str:
        return (f"{_label(hit)} talks SMTP on the event loop: the loop stalls for every mail server round trip "
                f"(Django has no async mail API)")

    def cure(self, hit: Hit, node: cst.Call) -> str:
        if hit.fqn.startswith("smtplib."):
            return ("move the SMTP exchange into a sync function and run it with `await sync_to_async(f)(...)`, "
                    "or hand it to a task queue")
        call = self.checker.code_of(node.func, 40)
        return f"send it in a thread: `await sync_to_async({call})(...)`, or hand it to a task queue"


@register
class SyncCacheCallInAsyncFunction(BlockingCallRule):
    """
    A sync Django cache call made on the event loop.

    ## What it does
    Checks for `cache.get/set/add/delete/get_many/set_many/get_or_set/incr/...`
    on `django.core.cache.cache` or `caches["alias"]` (also when kept in a
    variable) in async code. A `cache` that is not Django's is not reported,
    and neither is a call on an alias that every settings module of the
    project configures with `LocMemCache` or `DummyCache` (or when no module
    sets `CACHES`: Django's default is `LocMemCache`), where a sync call does
    no I/O.

    ## Why is this bad?
    The call runs the backend's I/O on the event loop's thread: with Redis or
    Memcached it blocks the loop for the network round trip, with the file
    backend for the disk, and with `DatabaseCache` it raises
    `SynchronousOnlyOperation`.

    ## Example
    ```python
    async def stats(request):
        data = cache.get("stats")
    ```

    Use instead:
    ```python
    async def stats(request):
        data = await cache.aget("stats")
    ```

    ## Django version
    The async cache methods (`aget`, `aset`, `aget_or_set`, ...) exist since
    Django 4.0. Before, wrap the call: `await sync_to_async(cache.get)("stats")`.
    """

    code = "DJA306"
    name = "sync-cache-call-in-async-function"
    category = CACHE
    cure_since = (4, 0)

    def visit_Call(self, node: cst.Call) -> None:
        hit = self.names.hit(node)
        if hit is None or hit.category != CACHE:
            return
        if not CacheSettings.of(self.checker.project).does_io(hit.alias or "default", self.checker.path):
            return  # LocMemCache / DummyCache (or Django's default, LocMemCache): no I/O
        super().visit_Call(node)

    def problem(self, hit: Hit) -> str:
        return (f"{_label(hit)} does cache-backend I/O on the event loop: Redis/Memcached block the loop for the "
                f"round trip, DatabaseCache raises SynchronousOnlyOperation")

    def cure(self, hit: Hit, node: cst.Call) -> str:
        receiver = self.checker.code_of(node.func.value, 30) if isinstance(node.func, cst.Attribute) else "cache"
        return self.checker.cure(self.cure_since, f"use `await {receiver}.a{hit.method}(...)`",
                                 f"wrap it: `await sync_to_async({receiver}.{hit.method})(...)`")


@register
class BlockingLowLevelIoInAsyncFunction(BlockingCallRule):
    """
    A blocking socket operation, DNS lookup or console read on the event loop.

    ## What it does
    Checks for `socket.create_connection`, `socket.getaddrinfo` /
    `gethostbyname`, the blocking methods of a `socket.socket` (`connect`,
    `send`, `sendall`, `recv`, `accept`, ...) and the builtin `input()`, in
    async code.

    ## Why is this bad?
    Each of these waits for the network (or for a line on stdin) while holding
    the event loop; nothing else runs until the peer answers.

    ## Example
    ```python
    async def ping(request):
        with socket.create_connection((host, 6379), timeout=2) as sock:
            sock.sendall(b"PING\\r\\n")
            reply = sock.recv(64)
    ```

    Use instead:
    ```python
    async def ping(request):
        reader, writer = await asyncio.open_connection(host, 6379)
        writer.write(b"PING\\r\\n")
        reply = await reader.read(64)
    ```

    ## Django version
    Any Django with async views; asyncio streams are in the standard library.
    """

    code = "DJA307"
    name = "blocking-socket-or-console-io-in-async-function"
    category = LOWLEVEL

    def problem(self, hit: Hit) -> str:
        if hit.fqn == "builtins.input":
            return "`input()` blocks the event loop until a line arrives on stdin"
        return f"{_label(hit)} waits for the network on the event loop: nothing else runs until the peer answers"

    def cure(self, hit: Hit, node: cst.Call) -> str:
        if hit.fqn == "builtins.input":
            return "read it in a thread: `await asyncio.to_thread(input, ...)`"
        if hit.method in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getfqdn"):
            return "use `await asyncio.get_running_loop().getaddrinfo(...)`"
        return "use asyncio streams: `reader, writer = await asyncio.open_connection(...)`"


@register
class ConfiguredBlockingCallInAsyncFunction(BlockingCallRule):
    """
    A call listed in `extend-blocking-calls`, made on the event loop.

    ## What it does
    Checks for calls to the functions (`"mylib.http.fetch"`) or methods of
    objects built in the code (`"mylib.http.Client.get"`) that the project
    lists in `[tool.asynclint] extend-blocking-calls`, in async code.

    ## Why is this bad?
    The project says these calls block; on the event loop they stall every
    other request on the worker.

    ## Example
    ```toml
    [tool.asynclint]
    extend-blocking-calls = ["mylib.http.fetch"]
    ```
    ```python
    async def view(request):
        data = fetch(url)
    ```

    Use instead:
    ```python
    async def view(request):
        data = await asyncio.to_thread(fetch, url)
    ```

    ## Django version
    Any Django with async views.
    """

    code = "DJA308"
    name = "configured-blocking-call-in-async-function"
    category = CONFIGURED

    def problem(self, hit: Hit) -> str:
        return f"`{hit.what}` is listed in `extend-blocking-calls` (`{hit.fqn}`): it blocks the event loop"

    def cure(self, hit: Hit, node: cst.Call) -> str:
        return f"run it in a thread: {_thread(self.checker.code_of(node.func, 40))}"


class HelperEffectRule(HelperCallRule, NameTrackingRule):
    """Reports calls from async code to project sync functions that reach an effect."""

    def visit_Call(self, node: cst.Call) -> None:
        if self.is_direct(node):
            return  # a direct finding already
        callee = self.sync_callee(node)
        if callee is not None:
            self.note_call(node, callee)

    def is_direct(self, node: cst.Call) -> bool:
        """Is the call itself a direct finding of this family (so not a helper call)?"""
        return self.names.hit(node) is not None

    def helper_message(self, name: str, path: str) -> tuple[str, str]:
        cure = self.cure_text(name)
        return self.message(name, path, cure), cure

    def cure_text(self, name: str) -> str:
        raise NotImplementedError

    def message(self, name: str, path: str, cure: str) -> str:
        raise NotImplementedError


@register
class BlockingHelperCalledFromAsyncFunction(HelperEffectRule):
    """
    A project function that blocks, called directly from async code.

    ## What it does
    Checks for calls from async code to a sync function or method of the
    project that makes a blocking call (any DJA301-DJA308 finding), directly or
    through the functions it calls, across modules (depth-bounded, cycles
    handled). The finding is at the call; the message gives the path, e.g.
    `views.py:12 -> hooks.py:8 notify_partner -> requests.post()`.

    ## Why is this bad?
    A sync function called from a coroutine runs on the event loop's thread:
    its `requests.post` or `time.sleep` stalls the loop exactly as if it were
    written in the coroutine.

    ## Example
    ```python
    async def checkout(request):
        notify_partner(order_id)    # notify_partner() calls requests.post()
    ```

    Use instead:
    ```python
    async def checkout(request):
        await asyncio.to_thread(notify_partner, order_id)
    ```

    ## Django version
    Any Django with async views. Calls made through `sync_to_async`,
    `asyncio.to_thread` or `run_in_executor` are not reported.
    """

    code = "DJA309"
    name = "blocking-helper-called-from-async-function"
    family = "blocking"

    def cure_text(self, name: str) -> str:
        return f"call it in a thread: `await asyncio.to_thread({name}, ...)` or `await sync_to_async({name})(...)`"

    def message(self, name: str, path: str, cure: str) -> str:
        return f"`{name}()` blocks the event loop ({path}); {cure}"


__all__ = [
    "BLOCKING_FUNCTIONS", "BLOCKING_METHODS", "CONSTRUCTORS", "CPU_FUNCTIONS", "CacheSettings", "Hit", "Names",
    "NameTrackingRule", "HelperEffectRule", "int_value",
]
