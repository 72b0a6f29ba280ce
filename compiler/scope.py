"""Scope pass: resolves every name of a Lua chunk before code generation.

For each local declaration it creates a ``Var``; every ``Name`` node is
mapped to its ``Var`` or to a global access through the ``_ENV`` variable in
scope.  It also records what the code generator needs to know up front:

* ``Var.captured``: referenced from a nested function (a Python closure);
* ``Var.boxed``: captured *and* declared inside a loop, so every iteration
  needs a fresh cell (Lua closures capture a fresh local per iteration,
  Python closures capture the variable);
* ``Var.assigns``: the expressions assigned to it (for type inference);
* ``FuncInfo.free_boxes``: boxed variables of outer functions that a
  function uses, passed in as keyword-only defaults when it is defined;
* which labels are targets of continue-style gotos.
"""

from . import luaast as A
from .errors import LuaSyntaxError

__all__ = ["Var", "FuncInfo", "resolve"]


class Var:
    __slots__ = ("name", "pyname", "func", "captured", "boxed", "in_loop", "assigns",
                 "is_param", "type", "const", "is_env", "local_function", "reassigned",
                 "decl_node", "nrefs", "call_uses", "index_uses")

    def __init__(self, name, pyname, func, in_loop):
        self.name = name
        self.pyname = pyname
        self.func = func
        self.captured = False
        self.boxed = False
        self.in_loop = in_loop
        self.assigns = []
        self.is_param = False
        self.type = None
        self.const = False
        self.is_env = name == "_ENV"
        self.local_function = None
        self.reassigned = False
        self.decl_node = None
        self.nrefs = 0
        self.call_uses = []
        self.index_uses = 0

    def __repr__(self):
        return "Var(%s->%s%s)" % (self.name, self.pyname, " boxed" if self.boxed else "")


class FuncInfo:
    __slots__ = ("node", "parent", "free_boxes", "assigned_upvals", "has_vararg", "pyname",
                 "display", "loop_depth", "single_return", "children", "assigns_env")

    def __init__(self, node, parent):
        self.node = node
        self.parent = parent
        self.free_boxes = {}          # pyname -> Var
        self.assigned_upvals = {}     # pyname -> Var (needs 'nonlocal')
        self.has_vararg = bool(node.is_vararg) if node is not None else True
        self.pyname = None
        self.display = None
        self.loop_depth = 0
        self.single_return = None
        self.children = []
        self.assigns_env = False


class _Scope:
    __slots__ = ("vars", "parent", "labels")

    def __init__(self, parent):
        self.vars = {}
        self.parent = parent


class Resolution:
    """The result of the scope pass."""

    def __init__(self):
        self.names = {}        # id(Name node) -> Var or None (global)
        self.env_for = {}      # id(Name node) of a global -> Var of _ENV or None (chunk _ENV)
        self.decls = {}        # (id(node), i) -> Var
        self.funcs = {}        # id(Function node) -> FuncInfo
        self.uses_env = False  # the chunk mentions _ENV
        self.uses_debug = False  # the chunk reads a global named debug
        self.continue_labels = set()   # id(Label) usable as 'continue'
        self.all_vars = []


class Resolver:
    def __init__(self, chunkname):
        self.chunkname = chunkname
        self.res = Resolution()
        # "_ENV_" is the generated module's global holding the chunk's _ENV
        # upvalue: locals named _ENV are numbered from 1 so none shadows it
        self.counts = {"_ENV": 1}
        self.scope = None
        self.func = None

    def error(self, node, msg):
        raise LuaSyntaxError(self.chunkname, node.line, msg)

    def pyname(self, name):
        n = self.counts.get(name, 0)
        self.counts[name] = n + 1
        base = name if name.isidentifier() and name.isascii() else "v"
        return "%s_" % base if n == 0 else "%s_%d" % (base, n)

    def declare(self, name, node, idx=0):
        v = Var(name, self.pyname(name), self.func, self.func.loop_depth > 0)
        v.decl_node = node
        self.scope.vars[name] = v
        self.res.decls[(id(node), idx)] = v
        self.res.all_vars.append(v)
        return v

    def lookup(self, name):
        s = self.scope
        while s is not None:
            v = s.vars.get(name)
            if v is not None:
                return v
            s = s.parent
        return None

    def push(self):
        self.scope = _Scope(self.scope)

    def pop(self):
        self.scope = self.scope.parent

    # ------------------------------------------------------------------
    def chunk(self, block):
        main = A.Function([], True, block, "main chunk", 0, False, line=0, col=0)
        self.res.main = main
        self.function(main)
        return self.res

    def function(self, node):
        info = FuncInfo(node, self.func)
        if self.func is not None:
            self.func.children.append(info)
        self.res.funcs[id(node)] = info
        outer_func, outer_scope = self.func, self.scope
        self.func = info
        self.scope = _Scope(outer_scope)
        for i, p in enumerate(node.params):
            v = self.declare(p, node, i)
            v.is_param = True
        self.block(node.body.body, new_scope=False)
        self.scope = outer_scope
        self.func = outer_func
        return info

    def block(self, stmts, new_scope=True):
        if new_scope:
            self.push()
        loop_from = _backward_goto_start(stmts)
        for i, s in enumerate(stmts):
            if i == loop_from:
                self.func.loop_depth += 1
            getattr(self, "s_" + type(s).__name__)(s)
        if loop_from is not None:
            self.func.loop_depth -= 1
        if new_scope:
            self.pop()

    def loop_body(self, stmts, extra=None):
        self.func.loop_depth += 1
        self.push()
        if extra:
            extra()
        self.block(stmts, new_scope=False)
        self.pop()
        self.func.loop_depth -= 1

    # statements --------------------------------------------------------
    def s_Local(self, s):
        for e in s.exprs:
            self.expr(e)
        for i, name in enumerate(s.names):
            v = self.declare(name, s, i)
            attrib = s.attribs[i] if s.attribs else None
            v.const = attrib in ("const", "close")
            if i < len(s.exprs):
                if i == len(s.exprs) - 1 and len(s.names) > len(s.exprs) and _multi(s.exprs[-1]):
                    v.assigns.append(None)
                else:
                    v.assigns.append(s.exprs[i])
            elif s.exprs and _multi(s.exprs[-1]):
                v.assigns.append(None)
            else:
                v.assigns.append(A.Nil())

    def s_LocalFunction(self, s):
        v = self.declare(s.name, s)
        v.assigns.append(s.func)
        v.local_function = s.func
        self.function(s.func)

    def s_TypeDecl(self, s):
        v = self.declare(s.name, s)
        v.assigns.append(None)

    def s_Assign(self, s):
        for t in s.targets:
            if type(t) is A.Name:
                v = self.ref(t)
                if v is not None:
                    if v.const:
                        self.error(t, "attempt to assign to const variable '%s'" % v.name)
                    v.reassigned = True
                    v.local_function = None
                    if v.func is not self.func and not v.boxed:
                        self.func.assigned_upvals[v.pyname] = v
                    idx = s.targets.index(t)
                    if idx < len(s.exprs) and not (idx == len(s.exprs) - 1 and len(s.targets) > len(s.exprs) and _multi(s.exprs[-1])):
                        v.assigns.append(s.exprs[idx])
                    else:
                        v.assigns.append(None)
                elif t.name == "_ENV":
                    # the chunk's _ENV upvalue itself is rebound
                    self.func.assigns_env = True
            else:
                self.expr(t)
                self._count_index(t.obj)
        for e in s.exprs:
            self.expr(e)

    def s_CallStat(self, s):
        self.expr(s.call)

    def s_Do(self, s):
        self.block(s.body.body)

    def s_While(self, s):
        self.expr(s.cond)
        self.loop_body(s.body.body)
        self._continue_label(s.body.body)

    def s_Repeat(self, s):
        self.func.loop_depth += 1
        self.push()
        self.block(s.body.body, new_scope=False)
        self.expr(s.cond)
        self.pop()
        self.func.loop_depth -= 1

    def s_If(self, s):
        for cond, body in s.tests:
            self.expr(cond)
            self.block(body.body)
        if s.orelse is not None:
            self.block(s.orelse.body)

    def s_NumFor(self, s):
        self.expr(s.start)
        self.expr(s.stop)
        if s.step is not None:
            self.expr(s.step)

        def decl():
            v = self.declare(s.var, s)
            v.assigns.append(("for", s))
        self.loop_body(s.body.body, decl)
        self._continue_label(s.body.body)

    def s_GenFor(self, s):
        for e in s.exprs:
            self.expr(e)

        def decl():
            for i, n in enumerate(s.names):
                v = self.declare(n, s, i)
                v.assigns.append(None)
        self.loop_body(s.body.body, decl)
        self._continue_label(s.body.body)

    def _continue_label(self, stmts):
        # a label that ends a loop body (only labels may follow it)
        for st in reversed(stmts):
            if type(st) is A.Label:
                self.res.continue_labels.add(id(st))
                continue
            break

    def s_Return(self, s):
        for e in s.exprs:
            self.expr(e)

    def s_Break(self, s):
        pass

    def s_Goto(self, s):
        pass

    def s_Label(self, s):
        pass

    # expressions -------------------------------------------------------
    def expr(self, e):
        t = type(e)
        if t is A.Name:
            self.ref(e)
        elif t is A.BinOp:
            self.expr(e.left)
            self.expr(e.right)
        elif t is A.UnOp:
            self.expr(e.operand)
        elif t is A.Index:
            self.expr(e.obj)
            self._count_index(e.obj)
            self.expr(e.key)
        elif t is A.Call:
            if type(e.func) is A.Name:
                v = self.ref(e.func)
                if v is not None:
                    v.call_uses.append(e)
            else:
                self.expr(e.func)
            for a in e.args:
                self.expr(a)
        elif t is A.Method:
            self.expr(e.obj)
            self._count_index(e.obj)
            for a in e.args:
                self.expr(a)
        elif t is A.Paren:
            self.expr(e.expr)
        elif t is A.Table:
            for kind, k, v in e.items:
                if kind == "expr":
                    self.expr(k)
                self.expr(v)
        elif t is A.Function:
            self.function(e)
        elif t is A.Vararg:
            if not self.func.has_vararg:
                raise LuaSyntaxError(self.chunkname, e.line,
                                     "cannot use '...' outside a vararg function", "...")

    def _count_index(self, obj):
        if type(obj) is A.Name:
            v = self.res.names.get(id(obj))
            if v is not None:
                v.index_uses += 1

    def ref(self, name_node):
        name = name_node.name
        if name == "_ENV":
            self.res.uses_env = True
        v = self.lookup(name)
        self.res.names[id(name_node)] = v
        if v is None:
            if name == "debug":
                self.res.uses_debug = True
            env = self.lookup("_ENV")
            self.res.env_for[id(name_node)] = env
            if env is not None:
                self._use(env)
            return None
        v.nrefs += 1
        self._use(v)
        return v

    def _use(self, v):
        if v.func is not self.func:
            v.captured = True
            if v.in_loop:
                v.boxed = True
            # every function between the use and the declaration passes the box on
            f = self.func
            while f is not None and f is not v.func:
                f.free_boxes[v.pyname] = v
                f = f.parent


def _backward_goto_start(stmts):
    """Index of the first label of the block that a later goto (in the same
    block or nested in it, not in a nested function) jumps back to: the
    statements from there on form a loop."""
    labels = {}
    for i, s in enumerate(stmts):
        if type(s) is A.Label:
            labels.setdefault(s.name, i)
    if not labels:
        return None
    first = None
    for i, s in enumerate(stmts):
        for name in _gotos_in(s):
            j = labels.get(name)
            if j is not None and j < i and (first is None or j < first):
                first = j
    return first


def _gotos_in(node):
    out = []

    def walk(x):
        if isinstance(x, A.Goto):
            out.append(x.label)
        elif isinstance(x, A.Function):
            return
        elif isinstance(x, A.Node):
            for f in x._fields:
                walk(getattr(x, f))
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
    walk(node)
    return out


def _multi(e):
    return type(e) in (A.Call, A.Method, A.Vararg)


def resolve(block, chunkname):
    r = Resolver(chunkname)
    res = r.chunk(block)
    # local functions only ever called directly with at most their declared
    # number of arguments do not need to absorb extra arguments
    res.private_funcs = set()
    for v in res.all_vars:
        f = v.local_function
        if f is None or v.reassigned or f.is_vararg or v.nrefs != len(v.call_uses):
            continue
        if all(len(c.args) <= len(f.params) and not (c.args and _multi(c.args[-1]))
               for c in v.call_uses):
            res.private_funcs.add(id(f))
    # free_boxes was filled for every captured var; keep only the boxed ones
    for info in res.funcs.values():
        info.free_boxes = {k: v for k, v in info.free_boxes.items() if v.boxed}
        info.assigned_upvals = {k: v for k, v in info.assigned_upvals.items() if not v.boxed}
    return res
