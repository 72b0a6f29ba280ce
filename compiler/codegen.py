"""Code generation: Lua AST (luaast) to a Python ``ast.Module``.

The module defines ``main_chunk(*VA)``; every Lua function becomes a nested
``def``.  Lua locals become Python locals (renamed to be unique in the
chunk), upvalues become Python closure cells, and locals that a closure
captures inside a loop become one-element lists ("boxes") passed to the
closure as keyword-only defaults, which gives Lua's fresh-local-per-iteration
semantics.

Every Python node carries the Lua line and column of the Lua node it came
from.  For each operation that can fail with a message naming a variable
(``attempt to index a nil value (local 'user')``), ``errinfo`` records at
that position how the operands are described; ``runtime.errors.convert``
reads it back from the failing instruction's position.

Fast paths are inline: a static type for every expression (see
``Types``) lets integer and float arithmetic, string concatenation and
plain-table access compile to bare Python operations; everything else calls
the out-of-line helpers of ``runtime.ops``.
"""

import ast

from . import luaast as A
from .scope import resolve
from .gotos import analyze as analyze_gotos
from .errors import LuaSyntaxError, InternalCompilerError
from .sortkey import sort_decorators

__all__ = ["generate"]

# static types -------------------------------------------------------------
INT, FLOAT, NUM, STR, BOOL, NIL, TABLE, FUNC, ANY = (
    "int", "float", "num", "str", "bool", "nil", "table", "func", "any")
_NUMERIC = (INT, FLOAT, NUM)
_NONNIL = (INT, FLOAT, NUM, STR, BOOL, TABLE, FUNC)

_ARITH_HELPER = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "//": "idiv",
                 "^": "pow", "&": "band", "|": "bor", "~": "bxor", "<<": "shl", ">>": "shr"}
_PYOP = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult}
_CMP = {"==": ast.Eq, "~=": ast.NotEq, "<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE}

_LOAD = ast.Load()
_STORE = ast.Store()


def N(name):
    return ast.Name(id=name, ctx=_LOAD)


def S(name):
    return ast.Name(id=name, ctx=_STORE)


def C(value):
    return ast.Constant(value=value)


def call(fn, *args):
    return ast.Call(func=N(fn) if isinstance(fn, str) else fn, args=list(args), keywords=[])


def is_(a, b):
    return ast.Compare(left=a, ops=[ast.Is()], comparators=[b])


def isnot(a, b):
    return ast.Compare(left=a, ops=[ast.IsNot()], comparators=[b])


def ifexp(test, body, orelse):
    return ast.IfExp(test=test, body=body, orelse=orelse)


def _forever_loop(body):
    return ast.For(target=S("_lp"), iter=call("forever"), body=body or [ast.Pass()], orelse=[])


def and_(*vals):
    if len(vals) == 1:
        return vals[0]
    if not vals:
        return C(True)
    return ast.BoolOp(op=ast.And(), values=list(vals))


def typeis(expr, tname):
    return is_(call("_type", expr), N(tname))


def subscript(obj, key, ctx=_LOAD):
    return ast.Subscript(value=obj, slice=key, ctx=ctx)


def assign(target, value):
    return ast.Assign(targets=[target], value=value)


def _env_getter():
    """The raw getter of a new value of the chunk's _ENV (``_ENV_``)."""
    return ifexp(ast.Compare(left=call("_type", N("_ENV_")), ops=[ast.In()],
                             comparators=[N("TABLE_TYPES")]),
                 ast.Attribute(value=N("_ENV_"), attr="get", ctx=_LOAD), N("_ENVn"))


def _ENV_PREAMBLE():
    """Module-level statements run when a chunk is bound: ``_ENV_`` (set by
    the loader) is the chunk's _ENV upvalue, shared by all its functions;
    ``_ENVg`` its raw ``get``, or ``_ENVn`` (always nil) when it is not a
    table, so that a global read is ``_ENVg(name)`` with ``index`` on a
    miss.  Code that assigns the chunk's _ENV updates both."""
    out = [assign(S("_ENVn"), ast.Attribute(value=ast.Dict(keys=[], values=[]), attr="get",
                                            ctx=_LOAD)),
           assign(S("_ENVg"), _env_getter())]
    for node in out:
        ast.fix_missing_locations(node)
    return out


def _simple(e):
    return isinstance(e, (ast.Name, ast.Constant))


class FuncState:
    def __init__(self, info, parent):
        self.info = info
        self.parent = parent
        self.ntemps = 0
        self.nptemps = 0
        self.float_hint = _has_float_hint(info.node.body.body)

    def temp(self):
        """A temporary whose value is dead at the end of the statement that
        uses it (the counter restarts at every statement of a block)."""
        self.ntemps += 1
        return "_t%d" % self.ntemps

    def ptemp(self, prefix):
        """A variable that lives across statements (goto state, run flags)."""
        self.nptemps += 1
        return "%s%d" % (prefix, self.nptemps)


class Generator:
    def __init__(self, chunkname):
        self.chunkname = chunkname
        self.errinfo = {}
        self.display_names = {}
        self.fs = None
        self.pre = []
        self.loops = []        # stack of loop kinds for break/goto handling
        self.nfuncs = 0
        self.override = {}     # id(Lua node) or id(Var) -> speculated static type
        self.hoisted = {}      # id(Lua node) -> temp name holding its value
        self.run = None        # speculation run of the current block (see speculate)
        self.speculated = False

    # -- positions ---------------------------------------------------------
    def stamp(self, node, lua):
        """Give a generated node the position of the Lua node it came from.

        Only the root of each generated piece is stamped here; the final
        ``fill_positions`` pass copies positions down to the nodes below it
        that have none, so every Python node ends up with the position of
        the innermost Lua node that produced it."""
        if "lineno" in node._attributes and getattr(node, "lineno", None) is None:
            line = lua.line or 1
            col = lua.col or 0
            node.lineno = line
            node.col_offset = col
            node.end_lineno = line
            node.end_col_offset = col + 1
        return node

    def note(self, lua, kind, *descs):
        key = (lua.line or 1, lua.col or 0)
        self.errinfo.setdefault(key, {})[kind] = list(descs)

    def describe(self, e, call=False):
        t = type(e)
        while t is A.Paren:
            e = e.expr
            t = type(e)
        if t is A.Name:
            v = self.res.names.get(id(e))
            if v is None:
                if e.name == "_ENV":
                    return "upvalue '_ENV'"     # the chunk's _ENV
                return "global '%s'" % e.name
            if v.func is not self.fs.info:
                return "upvalue '%s'" % e.name
            return "local '%s'" % e.name
        if t is A.Index:
            if type(e.key) is A.String:
                if type(e.obj) is A.Name and e.obj.name == "_ENV":
                    return "global '%s'" % e.key.value
                return "field '%s'" % e.key.value
            return "field '?'"
        if t is A.String and call:
            # only a called constant sits in a register Lua can name
            return "constant '%s'" % e.value
        return None

    def error(self, lua, msg):
        raise LuaSyntaxError(self.chunkname, lua.line, msg)

    # -- entry --------------------------------------------------------------
    def module(self, block):
        self.res = resolve(block, self.chunkname)
        self.infer_types()
        main = self.res.main
        fdef = self.function_def(main, "main_chunk")
        mod = ast.Module(body=_ENV_PREAMBLE() + [fdef], type_ignores=[])
        return mod

    # -- type inference -----------------------------------------------------
    def infer_types(self):
        """Static types of locals by a monotone fixpoint over their
        assignments.  Parameters of private local functions (only ever
        called directly) take the types of the arguments at their call
        sites; calls of local functions that always return one value take
        the type of what they return."""
        vars_ = self.res.all_vars
        for info in self.res.funcs.values():
            info.single_return = (_single_return(info.node.body.body)
                                  if info.node.name != "main chunk" else False)
        self.ret_types = {}
        returns = {}
        for v in vars_:
            f = v.local_function
            if f is None or v.reassigned:
                continue
            info = self.res.funcs[id(f)]
            if info.single_return:
                returns[id(f)] = _returns_of(f.body.body)
                self.ret_types[id(f)] = None
            if id(f) in self.res.private_funcs:
                for i, _ in enumerate(f.params):
                    pv = self.res.decls[(id(f), i)]
                    pv.is_param = False
                    for c in v.call_uses:
                        pv.assigns.append(c.args[i] if i < len(c.args) else A.Nil())
        for v in vars_:
            v.type = None if not v.is_param else ANY
        for _ in range(10000):
            changed = False
            for v in vars_:
                if v.is_param:
                    continue
                t = None
                for a in v.assigns:
                    at = self.assign_type(a)
                    t = _join(t, at)
                    if t == ANY:
                        break
                if t is None:
                    t = ANY if not v.assigns else None
                if t != v.type:
                    v.type = t
                    changed = True
            for fid, rets in returns.items():
                t = None
                for r in rets:
                    t = _join(t, self.etype(r))
                if t != self.ret_types[fid]:
                    self.ret_types[fid] = t
                    changed = True
            if not changed:
                break
        else:       # did not converge (cannot happen: the lattice is finite)
            for v in vars_:
                v.type = ANY
            self.ret_types = {k: ANY for k in self.ret_types}
        for v in vars_:
            if v.type is None:
                v.type = ANY
        for k, t in self.ret_types.items():
            if t is None:
                self.ret_types[k] = ANY

    def assign_type(self, a):
        if a is None:
            return ANY
        if type(a) is tuple:      # ('for', NumFor)
            s = a[1]
            ts = self.etype(s.start)
            tst = self.etype(s.step) if s.step is not None else INT
            if ts == INT and tst == INT:
                return INT
            if ts in _NUMERIC and tst in _NUMERIC:
                return FLOAT if FLOAT in (ts, tst) else NUM
            return NUM
        return self.etype(a)

    def etype(self, e):
        ov = self.override
        if ov:
            o = ov.get(id(e))
            if o is not None:
                return o
        t = type(e)
        if t is A.Number:
            return INT if type(e.value) is int else FLOAT
        if t is A.String:
            return STR
        if t is A.Nil:
            return NIL
        if t is A.TrueExpr or t is A.FalseExpr:
            return BOOL
        if t is A.Table:
            return TABLE
        if t is A.Function:
            return FUNC
        if t is A.Name:
            v = self.res.names.get(id(e))
            if v is None:
                return ANY
            if ov:
                o = ov.get(id(v))
                if o is not None:
                    return o
            return v.type
        if t is A.Paren:
            return self.etype(e.expr)
        if t is A.Call and type(e.func) is A.Name:
            v = self.res.names.get(id(e.func))
            if v is not None and v.local_function is not None and not v.reassigned:
                rt = getattr(self, "ret_types", {}).get(id(v.local_function), ANY)
                return rt
            return ANY
        if t is A.BinOp:
            op = e.op
            if op in ("==", "~=", "<", "<=", ">", ">="):
                return BOOL
            if op in ("and", "or"):
                lt = self.etype(e.left)
                rt = self.etype(e.right)
                if lt is None or rt is None:
                    return None
                if op == "or" and lt in _NONNIL and lt != BOOL:
                    return lt
                return _join(lt, rt)
            lt = self.etype(e.left)
            rt = self.etype(e.right)
            if lt is None or rt is None:
                return None
            if op == "..":
                return STR if lt in (STR, INT, FLOAT, NUM) and rt in (STR, INT, FLOAT, NUM) else ANY
            if lt in _NUMERIC and rt in _NUMERIC:
                if op in ("/", "^"):
                    return FLOAT
                if op in ("&", "|", "~", "<<", ">>"):
                    return INT
                if lt == INT and rt == INT:
                    return INT
                if lt == FLOAT or rt == FLOAT:
                    return FLOAT
                return NUM
            return ANY
        if t is A.UnOp:
            if e.op == "not":
                return BOOL
            ot = self.etype(e.operand)
            if ot is None:
                return None
            if e.op == "#":
                return INT if ot == STR else ANY
            if e.op == "-":
                return ot if ot in _NUMERIC else ANY
            if e.op == "~":
                return INT if ot in _NUMERIC else ANY
        return ANY

    # -- functions ----------------------------------------------------------
    def function_def(self, fnode, pyname):
        info = self.res.funcs[id(fnode)]
        outer_fs, outer_pre, outer_loops = self.fs, self.pre, self.loops
        self.fs = FuncState(info, outer_fs)
        self.pre = []
        self.loops = []
        body = []
        params = []
        for i, p in enumerate(fnode.params):
            v = self.res.decls[(id(fnode), i)]
            params.append(v)
        if info.assigned_upvals:
            body.append(ast.Nonlocal(names=sorted(info.assigned_upvals)))
        if info.assigns_env:
            body.append(ast.Global(names=["_ENV_", "_ENVg"]))
        for v in params:
            if v.boxed:
                body.append(assign(S(v.pyname), ast.List(elts=[N(v.pyname)], ctx=_LOAD)))
        body.extend(self.flag_updates(params))
        body.extend(self.block(fnode.body.body))
        if not body or not isinstance(body[-1], ast.Return):
            # at the line of 'end', where Lua puts a function's final return
            ret = ast.Return(value=ast.Tuple(elts=[], ctx=_LOAD))
            if fnode.end_line:
                ret.lineno = ret.end_lineno = fnode.end_line
                ret.col_offset, ret.end_col_offset = 0, 1
            body.append(ret)
        args = ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=v.pyname) for v in params],
            vararg=(ast.arg(arg="VA") if fnode.is_vararg else
                    None if id(fnode) in self.res.private_funcs else ast.arg(arg="_")),
            kwonlyargs=[ast.arg(arg=name) for name in sorted(info.free_boxes)],
            kw_defaults=[N(name) for name in sorted(info.free_boxes)],
            kwarg=None,
            defaults=[C(None)] * len(params))
        deco = sort_decorators(fnode, lambda n: self.res.names.get(id(n)), self.e_Name)
        fdef = ast.FunctionDef(name=pyname, args=args, body=body, decorator_list=deco,
                               returns=None)
        self.display_names[pyname] = fnode.name or "anonymous"
        self.fs, self.pre, self.loops = outer_fs, outer_pre, outer_loops
        self.stamp(fdef, fnode if fnode.line else A.Nil(line=1, col=0))
        return fdef

    def new_funcname(self, fnode):
        self.nfuncs += 1
        base = fnode.name or "anon"
        clean = "".join(ch if ch.isalnum() and ch.isascii() else "_" for ch in base)
        return "lua_%s_%d" % (clean, self.nfuncs)

    def function_expr(self, fnode):
        name = self.new_funcname(fnode)
        fdef = self.function_def(fnode, name)
        self.pre.append(fdef)
        return N(name)

    # -- blocks ---------------------------------------------------------------
    def block(self, stmts):
        targets = self.plan.wrapped.get(id(stmts))
        if targets:
            return self.wrapped_block(stmts, targets)
        return self.plain_block(stmts)

    def plain_block(self, stmts):
        out = []
        saved_run = self.run
        self.run = {"ok": None, "known": {}, "sites": []}
        for s in stmts:
            self.pre = []
            self.cur = s
            ts = type(s)
            if ts not in (A.Local, A.Assign, A.CallStat):
                # control flow ends a speculation run (it may branch around
                # the statements that established the known types)
                self.end_run(out)
            self.speculated = False
            self.fs.ntemps = 0      # temporaries never outlive their statement
            produced = getattr(self, "s_" + ts.__name__)(s)
            if ts is not A.CallStat and not self.speculated:
                self.forget_assigned(s)
            if ts not in (A.Local, A.Assign, A.CallStat):
                self.end_run(out)
            if self.pre:
                for p in self.pre:
                    self.stamp(p, s)
                out.extend(self.pre)
                self.pre = []
            for p in produced:
                self.stamp(p, s)
            out.extend(produced)
        self.end_run(out)
        self.run = saved_run
        return out

    def end_run(self, out):
        """Close the current speculation run and start a new one.  A run's
        flag is only needed when a later statement relies on the types an
        earlier one established: with a single speculated statement the flag
        (its initialisation, its test and its reset) is dropped."""
        sites = self.run.get("sites")
        if sites is not None and len(sites) == 1:
            init, node = sites[0]
            if init is not None:
                for i in range(len(out) - 1, -1, -1):
                    if out[i] is init:
                        del out[i]
                        break
            test = node.test
            if type(test) is ast.BoolOp and len(test.values) > 2:
                del test.values[0]
            elif type(test) is ast.BoolOp:
                node.test = test.values[1]
            else:
                node.test = C(True)
            del node.orelse[0]
        self.run = {"ok": None, "known": {}, "sites": []}

    def forget_assigned(self, s):
        """Locals assigned by a statement compiled generically lose their
        speculated type in the current run."""
        known = self.run["known"]
        if not known:
            return
        if type(s) is A.Assign:
            for t in s.targets:
                if type(t) is A.Name:
                    v = self.res.names.get(id(t))
                    if v is not None:
                        known.pop(id(v), None)
        elif type(s) in (A.LocalFunction,):
            pass

    def wrapped_block(self, stmts, targets):
        """A block holding labels targeted by general gotos (see gotos.py)."""
        state = self.fs.ptemp("_L")
        brk = state.replace("_L", "_B", 1)
        segments = [[]]
        seg_of = {}
        for s in stmts:
            if type(s) is A.Label and s.name in targets:
                seg_of[targets[s.name]] = len(segments)
                segments.append([])
            else:
                segments[-1].append(s)
        entry = ("wrap", id(stmts), state, brk, seg_of)
        self.loops.append(entry)
        try:
            body = []
            for i, seg in enumerate(segments):
                code = self.plain_block(seg)
                if code:
                    body.append(ast.If(test=ast.Compare(left=N(state), ops=[ast.LtE()],
                                                        comparators=[C(i)]),
                                       body=code, orelse=[]))
            body.append(ast.Break())
        finally:
            self.loops.pop()
        handler_body = []
        chain = ast.Raise(exc=None, cause=None)
        for lid, idx in sorted(seg_of.items(), reverse=True):
            chain = ast.If(test=ast.Compare(
                left=ast.Attribute(value=N("_g"), attr="label", ctx=_LOAD),
                ops=[ast.Eq()], comparators=[C(lid)]),
                body=[assign(S(state), C(idx))], orelse=[chain])
        handler_body.append(chain)
        tr = ast.Try(body=body, handlers=[ast.ExceptHandler(type=N("Goto"), name="_g",
                                                            body=handler_body)],
                     orelse=[], finalbody=[])
        out = [assign(S(state), C(0))]
        inside_loop = any(e == "loop" for e in self.loops)
        if inside_loop:
            out.append(assign(S(brk), C(False)))
        out.append(ast.While(test=C(True), body=[tr], orelse=[]))
        if inside_loop:
            out.append(ast.If(test=N(brk), body=self.emit_break(), orelse=[]))
        stamp_at = stmts[0] if stmts else A.Nil(line=1, col=0)
        for node in out:
            self.stamp(node, stamp_at)
        return out

    def emit_break(self):
        """Statements for a Lua 'break' at the current position."""
        for entry in reversed(self.loops):
            if entry == "loop":
                return [ast.Break()]
            # leaving a goto wrapper: flag it, the wrapper re-breaks after its loop
            return [assign(S(entry[3]), C(True)), ast.Break()]
        return None

    def sub_block(self, stmts):
        saved = self.pre
        self.pre = []
        body = self.block(stmts)
        self.pre = saved
        return body or [ast.Pass()]

    # -- statements -----------------------------------------------------------
    def table_flag(self, v):
        """Name of the flag holding "local v is a table", for locals whose
        fields are read often enough to be worth one type test per
        assignment instead of one per read; None otherwise."""
        if (v is None or v.captured or v.boxed or v.index_uses < 2 or v.type != ANY
                or v.is_env):
            return None
        return "_T" + v.pyname

    def flag_updates(self, vars_):
        out = []
        for v in vars_:
            f = self.table_flag(v)
            if f is not None:
                out.append(assign(S(f), ast.Compare(
                    left=call("_type", N(v.pyname)), ops=[ast.In()],
                    comparators=[N("TABLE_TYPES")])))
        return out

    def declare_store(self, v, value):
        if v.boxed:
            return assign(S(v.pyname), ast.List(elts=[value], ctx=_LOAD))
        return assign(S(v.pyname), value)

    def s_Local(self, s):
        spec = self.speculate(s, s.exprs)
        if spec is not None:
            return spec
        return self.s_Local_generic(s)

    def s_Local_generic(self, s):
        vars_ = [self.res.decls[(id(s), i)] for i in range(len(s.names))]
        return self._local_stores(s, vars_) + self.flag_updates(vars_)

    def _local_stores(self, s, vars_):
        values = self.explist(s.exprs, len(vars_))
        if len(vars_) == 1:
            out = [self.declare_store(vars_[0], values[0])]
            out.extend(ast.Expr(value=x) for x in values[1:])
            return out
        if isinstance(values, ast.expr):   # adjusted tuple
            tmp = [self.fs.temp() for _ in vars_]
            out = [assign(ast.Tuple(elts=[S(t) for t in tmp], ctx=_STORE), values)]
            out.extend(self.declare_store(v, N(t)) for v, t in zip(vars_, tmp))
            return out
        if not any(v.boxed for v in vars_) and len(values) == len(vars_):
            return [assign(ast.Tuple(elts=[S(v.pyname) for v in vars_], ctx=_STORE),
                           ast.Tuple(elts=values, ctx=_LOAD))]
        tmp = [self.fs.temp() for _ in values]
        out = [assign(ast.Tuple(elts=[S(t) for t in tmp], ctx=_STORE),
                      ast.Tuple(elts=values, ctx=_LOAD))]
        out.extend(self.declare_store(v, N(t)) for v, t in zip(vars_, tmp))
        return out

    def explist(self, exprs, n):
        """Values for n targets: a list of n Python exprs, plus extra exprs to
        evaluate for side effects; or a single expr producing an n-tuple when
        the last expression is multi-valued and must fill several targets."""
        if not exprs:
            return [C(None)] * n
        last = exprs[-1]
        if len(exprs) < n and type(last) in (A.Call, A.Method, A.Vararg):
            head = [self.value(e) for e in exprs[:-1]]
            k = n - len(head)
            tail = self.multi(last)
            if not head:
                return call("adjust", tail, C(k))
            return call("adjust", ast.Tuple(elts=head + [ast.Starred(value=tail, ctx=_LOAD)],
                                            ctx=_LOAD), C(n))
        vals = [self.value(e) for e in exprs]
        while len(vals) < n:
            vals.append(C(None))
        return vals

    def s_LocalFunction(self, s):
        v = self.res.decls[(id(s), 0)]
        if v.boxed:
            name = self.new_funcname(s.func)
            out = [assign(S(v.pyname), ast.List(elts=[C(None)], ctx=_LOAD))]
            out.append(self.function_def(s.func, name))
            out.append(assign(subscript(N(v.pyname), C(0), _STORE), N(name)))
            return out
        fdef = self.function_def(s.func, v.pyname)
        self.display_names[v.pyname] = s.func.name or s.name
        return [fdef]

    def s_TypeDecl(self, s):
        v = self.res.decls[(id(s), 0)]
        return [self.declare_store(v, call("type_value", C(s.name)))]

    def s_Assign(self, s):
        spec = self.speculate(s, s.exprs)
        if spec is not None:
            return spec
        return self.s_Assign_generic(s)

    def s_Assign_generic(self, s):
        targets = s.targets
        if len(targets) == 1 and len(s.exprs) == 1:
            t = targets[0]
            if type(t) is A.Name:
                return self.store_name(t, self.value(s.exprs[0]), s.exprs[0])
            app = self.append_store(t, s.exprs[0])
            if app is not None:
                return app
            obj = self.value(t.obj)
            key = self.value(t.key)
            val = self.value(s.exprs[0])
            return self.store_index(t, obj, key, val, self.etype(t.key), self.etype(s.exprs[0]),
                                    val_node=s.exprs[0])
        # multiple assignment: evaluate target prefixes, then values, then store
        out = []
        prepared = []
        # an _ENV assigned here: the globals assigned with it go to its old value
        envs = {id(self.res.names.get(id(t))) for t in targets
                if type(t) is A.Name and t.name == "_ENV"}
        for t in targets:
            if type(t) is A.Name:
                if (envs and self.res.names.get(id(t)) is None and t.name != "_ENV"
                        and id(self.res.env_for.get(id(t))) in envs):
                    ot = self.fs.temp()
                    out.append(assign(S(ot), self.env_expr(t)))
                    prepared.append((t, N(ot), C(t.name)))
                    continue
                prepared.append((t, None, None))
            else:
                ot = self.fs.temp()
                kt = self.fs.temp()
                out.append(assign(S(ot), self.value(t.obj)))
                out.append(assign(S(kt), self.value(t.key)))
                prepared.append((t, N(ot), N(kt)))
        values = self.explist(s.exprs, len(targets))
        tmps = [self.fs.temp() for _ in targets]
        if isinstance(values, ast.expr):
            out.append(assign(ast.Tuple(elts=[S(x) for x in tmps], ctx=_STORE), values))
        else:
            extra = values[len(targets):]
            vals = values[:len(targets)] + extra
            names = tmps + [self.fs.temp() for _ in extra]
            out.append(assign(ast.Tuple(elts=[S(x) for x in names], ctx=_STORE),
                              ast.Tuple(elts=vals, ctx=_LOAD)))
        for (t, o, k), tmp in reversed(list(zip(prepared, tmps))):
            if o is None:
                out.extend(self.store_name(t, N(tmp), None))
            elif type(t) is A.Name:
                out.extend(self.store_index(t, o, k, N(tmp), STR, ANY, is_global=True,
                                            env_desc=self.env_desc(t)))
            else:
                out.extend(self.store_index(t, o, k, N(tmp), self.etype(t.key), ANY))
        return out

    def append_store(self, t, src):
        """``t[#t + 1] = v`` for a local t: on a plain sequence the length is
        its entry count (see ``_len_border``), so appending in a loop costs
        two dict probes and a store."""
        k = t.key
        if not (type(t.obj) is A.Name and type(k) is A.BinOp and k.op == "+"
                and type(k.right) is A.Number and type(k.right.value) is int
                and k.right.value == 1 and type(k.left) is A.UnOp and k.left.op == "#"
                and type(k.left.operand) is A.Name):
            return None
        v = self.res.names.get(id(t.obj))
        if v is None or v.boxed or self.res.names.get(id(k.left.operand)) is not v:
            return None
        self.note(t, "index", self.describe(t.obj))
        T = N(v.pyname)
        n = self.fs.temp()
        key = self.fs.temp()
        fastkey = self._len_border(T, T, n)
        out = [assign(S(key), ifexp(fastkey, ast.BinOp(left=N(n), op=ast.Add(), right=C(1)),
                                    self.value(k)))]
        val = self.value(src)
        if not _simple(val):
            tmp = self.fs.temp()
            out.append(assign(S(tmp), val))
            val = N(tmp)
        fast = [assign(subscript(T, N(key), _STORE), val)]
        slow = [self.stamp(ast.Expr(value=call("setindex", T, N(key), val)), t)]
        conds = [typeis(T, "LuaTable"), typeis(N(key), "int")]
        if self.etype(src) not in _NONNIL:
            conds.append(isnot(val, C(None)))
        out.append(ast.If(test=and_(*conds), body=fast, orelse=slow))
        return out

    def store_name(self, t, value, src):
        v = self.res.names.get(id(t))
        if v is not None:
            if v.boxed:
                return [assign(subscript(N(v.pyname), C(0), _STORE), value)]
            return [assign(S(v.pyname), value)] + self.flag_updates([v])
        if t.name == "_ENV" and self.res.env_for.get(id(t)) is None:
            # rebinding the chunk's _ENV upvalue (and its raw getter)
            return [assign(S("_ENV_"), value), assign(S("_ENVg"), _env_getter())]
        env = self.env_expr(t)
        key = C(t.name)
        vt = self.etype(src) if src is not None else ANY
        return self.store_index(t, env, key, value, STR, vt, is_global=True, val_node=src,
                                env_desc=self.env_desc(t))

    def store_index(self, lua, obj, key, val, ktype, vtype, is_global=False, val_node=None,
                    env_desc=None):
        self.note(lua, "index", env_desc if is_global else self.describe(lua.obj) if type(lua) is A.Index else None)
        safe_key = ktype in (STR, INT, BOOL, TABLE, FUNC)
        if not _simple(obj):
            tmp = self.fs.temp()
            pre = [assign(S(tmp), obj)]
            obj = N(tmp)
        else:
            pre = []
        post = []
        if not _simple(key):
            tmp = self.fs.temp()
            pre.append(assign(S(tmp), key))
            key = N(tmp)
            if isinstance(lua, A.Index) and type(lua.key) in (A.Table, A.Function, A.Call, A.Method):
                post.append(assign(S(tmp), C(None)))   # do not keep new objects alive
        if not _simple(val):
            tmp = self.fs.temp()
            pre.append(assign(S(tmp), val))
            val = N(tmp)
            if type(val_node) in (A.Table, A.Function, A.Call, A.Method):
                post.append(assign(S(tmp), C(None)))
        slow = self.stamp(ast.Expr(value=call("setindex", obj, key, val)), lua)
        fast = assign(subscript(obj, key, _STORE), val)
        # plain table, or an existing field of a table with a metatable
        # (__newindex only applies to absent keys)
        ctmp = self.fs.temp()
        test = ast.BoolOp(op=ast.Or(), values=[
            is_(ast.NamedExpr(target=S(ctmp), value=call("_type", obj)), N("LuaTable")),
            and_(is_(N(ctmp), N("LuaMetaTable")), ast.Compare(left=key, ops=[ast.In()],
                                                              comparators=[obj]))])
        if not safe_key:
            if isinstance(key, ast.Constant):       # nil / float constant key
                return pre + [slow] + post
            # nil and float keys need the checks of rawset_checked
            test = and_(test, isnot(call("_type", key), N("float")), isnot(key, C(None)))
        if vtype in _NONNIL:
            return pre + [ast.If(test=test, body=[fast], orelse=[slow])] + post
        return pre + [ast.If(test=and_(test, isnot(val, C(None))), body=[fast], orelse=[slow])] + post

    def s_CallStat(self, s):
        return [ast.Expr(value=self.call_expr(s.call))]

    def s_Do(self, s):
        return self.block(s.body.body) or [ast.Pass()]

    def loop(self, kind, stmts):
        self.loops.append("loop")
        try:
            return self.sub_block(stmts)
        finally:
            self.loops.pop()

    def s_While(self, s):
        saved = self.pre
        self.pre = []
        test = self.test(s.cond)
        cond_pre = self.pre
        self.pre = saved
        body = self.loop("while", s.body.body)
        # loops iterate over the budgeted forever() (see ops.forever)
        if isinstance(test, ast.Constant) and test.value is True and not cond_pre:
            return [_forever_loop(body)]
        brk = ast.If(test=ast.UnaryOp(op=ast.Not(), operand=test), body=[ast.Break()], orelse=[])
        self.stamp(brk, s.cond)
        return [_forever_loop(cond_pre + [brk] + body)]

    def s_Repeat(self, s):
        body = self.loop("repeat", s.body.body)
        saved = self.pre
        self.pre = []
        test = self.test(s.cond)
        cond_pre = self.pre
        self.pre = saved
        brk = ast.If(test=test, body=[ast.Break()], orelse=[])
        self.stamp(brk, s.cond)
        return [_forever_loop(body + cond_pre + [brk])]

    def s_If(self, s):
        def build(i):
            cond, body = s.tests[i]
            saved = self.pre
            self.pre = []
            test = self.test(cond)
            cpre = self.pre
            self.pre = saved
            then = self.sub_block(body.body)
            if i + 1 < len(s.tests):
                orelse = build(i + 1)
            elif s.orelse is not None:
                orelse = self.sub_block(s.orelse.body)
            else:
                orelse = []
            node = ast.If(test=test, body=then, orelse=orelse)
            self.stamp(node, cond)
            return cpre + [node]
        return build(0)

    def s_NumFor(self, s):
        v = self.res.decls[(id(s), 0)]
        pre_loop = []
        start = self.value(s.start)
        stop = self.value(s.stop)
        step = self.value(s.step) if s.step is not None else None
        ts, tl = self.etype(s.start), self.etype(s.stop)
        tst = self.etype(s.step) if s.step is not None else INT
        if (ts in (INT, NUM, ANY) and tl in (INT, NUM, ANY) and tst == INT
                and (step is None or (type(s.step) is A.Number and s.step.value > 0))):
            # both bounds are evaluated, in order, before the loop; a short
            # range of two integers is a plain range, a long one is chunked
            # with budget ticks (ops.brange), anything else (floats, Lua's
            # errors) goes through forrange
            ta, tl0, tb = self.fs.temp(), self.fs.temp(), self.fs.temp()
            tail = [step] if step is not None else []
            pre_loop = [assign(S(ta), start), assign(S(tl0), stop)]
            tests = []
            if ts != INT:
                tests.append(typeis(N(ta), "int"))
            if tl != INT:
                tests.append(typeis(N(tl0), "int"))
            short = ast.Compare(
                left=N(ta), ops=[ast.GtE()],
                comparators=[ast.BinOp(left=ast.NamedExpr(
                    target=S(tb), value=ast.BinOp(left=N(tl0), op=ast.Add(), right=C(1))),
                    op=ast.Sub(), right=C(4096))])
            # with no type test, the range test has bound tb
            it = ifexp(and_(*tests, short), call("_range", N(ta), N(tb), *tail),
                       call("forrange", N(ta), N(tl0), *tail) if tests else
                       call("brange", N(ta), N(tb), *tail))
        else:
            it = call("forrange", start, stop, *([step] if step is not None else []))
        body = self.loop("for", s.body.body)
        if v.boxed:
            tmp = self.fs.temp()
            body = [assign(S(v.pyname), ast.List(elts=[N(tmp)], ctx=_LOAD))] + body
            target = S(tmp)
        else:
            target = S(v.pyname)
        return pre_loop + [ast.For(target=target, iter=it, body=body, orelse=[])]

    def s_GenFor(self, s):
        vars_ = [self.res.decls[(id(s), i)] for i in range(len(s.names))]
        n = len(vars_)
        exprs = s.exprs
        if (n == 2 and vars_[0].nrefs == 0 and vars_[0].name == "_" and len(exprs) == 1
                and type(exprs[0]) in (A.Call, A.Method) and not self.res.uses_debug):
            # for _, v in ...: the first variable is never read, so the loop
            # iterates over the values alone (unless the chunk uses the debug
            # library, whose getlocal would see `_` unset)
            it = call("forin_v", ast.Starred(value=self.multi(exprs[0]), ctx=_LOAD))
            vars_ = vars_[1:]
            n = 1
        elif len(exprs) == 1 and type(exprs[0]) in (A.Call, A.Method, A.Vararg):
            it = call("forin", C(n), ast.Starred(value=self.multi(exprs[0]), ctx=_LOAD))
        else:
            vals = [self.value(e) for e in exprs[:-1]]
            last = exprs[-1]
            if type(last) in (A.Call, A.Method, A.Vararg):
                vals.append(ast.Starred(value=self.multi(last), ctx=_LOAD))
            else:
                vals.append(self.value(last))
            it = call("forin", C(n), *vals)
        body = self.loop("for", s.body.body)
        targets = []
        boxes = []
        for v in vars_:
            if v.boxed:
                tmp = self.fs.temp()
                targets.append(S(tmp))
                boxes.append(assign(S(v.pyname), ast.List(elts=[N(tmp)], ctx=_LOAD)))
            else:
                targets.append(S(v.pyname))
        target = targets[0] if n == 1 else ast.Tuple(elts=targets, ctx=_STORE)
        return [ast.For(target=target, iter=it, body=boxes + self.flag_updates(vars_) + body,
                        orelse=[])]

    def s_Return(self, s):
        exprs = s.exprs
        if not exprs:
            return [ast.Return(value=ast.Tuple(elts=[], ctx=_LOAD))]
        if len(exprs) == 1:
            e = exprs[0]
            if type(e) in (A.Call, A.Method):
                return [ast.Return(value=self.call_expr(e))]
            if type(e) is A.Vararg:
                return [ast.Return(value=N("VA"))]
            return [ast.Return(value=self.value(e))]
        return [ast.Return(value=self.tuple_of(exprs))]

    def tuple_of(self, exprs):
        elts = [self.value(e) for e in exprs[:-1]]
        last = exprs[-1]
        if type(last) in (A.Call, A.Method, A.Vararg):
            elts.append(ast.Starred(value=self.multi(last), ctx=_LOAD))
        else:
            elts.append(self.value(last))
        return ast.Tuple(elts=elts, ctx=_LOAD)

    def s_Break(self, s):
        code = self.emit_break()
        if code is None:
            self.error(s, "<break> at line %d not inside a loop" % s.line)
        return code

    def s_Goto(self, s):
        kind = self.plan.kind.get(id(s))
        if kind == "continue":
            return [ast.Continue()]
        block_id, lid = self.plan.target[id(s)]
        for entry in reversed(self.loops):
            if entry == "loop":
                break
            if entry[1] == block_id:
                return [assign(S(entry[2]), C(entry[4][lid])), ast.Continue()]
        return [ast.Raise(exc=call("Goto", C(lid)), cause=None)]

    def s_Label(self, s):
        return []

    # -- speculation ------------------------------------------------------------
    def speculate(self, s, exprs):
        """Guarded arithmetic statements.

        When the right-hand sides of an assignment are arithmetic trees
        (+ - * / and unary minus) over operands of unknown type, check the
        operands' types once for the whole statement instead of at every
        operation: operands that are not locals or constants (field reads,
        calls) are evaluated first, in order, into temporaries (Lua leaves
        the evaluation order of operands unspecified), then

            if <every unknown operand is a float (int in integer code)>:
                <the statement compiled with those operands typed>
            else:
                <the statement compiled generically on the same values>
        """
        if self.hoisted or self.override or not exprs:
            return None
        nops = [0]
        leaves = []

        def walk(e):
            t = type(e)
            if t is A.Paren:
                return walk(e.expr)
            if t is A.BinOp and e.op in ("+", "-", "*", "/", "//", "%"):
                nops[0] += 1
                return walk(e.left) and walk(e.right)
            if t is A.UnOp and e.op == "-" and type(e.operand) is not A.Number:
                nops[0] += 1
                return walk(e.operand)
            if t is A.Number:
                return True
            if t in (A.Name, A.Index, A.Call, A.Method):
                leaves.append(e)
                return True
            return False
        for e in exprs:
            if type(e) in (A.Call, A.Method, A.Vararg) and e is exprs[-1] and len(exprs) > 1:
                return None
            if not walk(e):
                return None
        # worth its code size (and compile time) in loops only
        if nops[0] < 1 or "loop" not in self.loops:
            return None
        spec_t = FLOAT if self.fs.float_hint else INT
        run = self.run
        known = run["known"] if run is not None else {}
        guard_names = []
        pre = []
        override = {}
        hoisted = {}
        seen = set()
        for leaf in leaves:
            lt = self.etype(leaf)
            if lt in (INT, FLOAT):
                if type(leaf) is not A.Name:
                    tmp = self.fs.temp()
                    pre.append(assign(S(tmp), self.value(leaf)))
                    hoisted[id(leaf)] = tmp
                continue
            if lt not in (ANY, NUM):
                return None
            if type(leaf) is A.Name:
                v = self.res.names.get(id(leaf))
                if v is not None and id(v) in known:
                    override[id(v)] = known[id(v)]
                    continue
                if v is None or v.boxed:
                    tmp = self.fs.temp()
                    pre.append(assign(S(tmp), self.value(leaf)))
                    hoisted[id(leaf)] = tmp
                    override[id(leaf)] = spec_t
                    name = tmp
                else:
                    override[id(v)] = spec_t
                    name = v.pyname
            else:
                tmp = self.fs.temp()
                pre.append(assign(S(tmp), self.value(leaf)))
                hoisted[id(leaf)] = tmp
                override[id(leaf)] = spec_t
                name = tmp
            if name not in seen:
                seen.add(name)
                guard_names.append(name)
        if not guard_names and not (override and run is not None):
            return None
        # the typed version, then the generic one on the same hoisted values
        self.hoisted = hoisted
        self.override = override
        try:
            fast = self._spec_body(s)
            newly = self._spec_targets(s)
        finally:
            self.override = {}
        try:
            slow = self._spec_body(s)
        finally:
            self.hoisted = {}
        guard = [typeis(N(n), "float" if spec_t == FLOAT else "int") for n in guard_names]
        self.speculated = True
        if run is None:
            return pre + [ast.If(test=and_(*guard), body=fast, orelse=slow)]
        init = []
        if run["ok"] is None:
            run["ok"] = self.fs.ptemp("_ok")
            init = [assign(S(run["ok"]), C(True))]
        ok = run["ok"]
        # locals assigned here are known (in the fast branch, i.e. while
        # the run's flag holds) to have the type their typed value has
        for vid in newly[1]:
            known.pop(vid, None)
        known.update(newly[0])
        node = ast.If(test=and_(N(ok), *guard), body=fast,
                      orelse=[assign(S(ok), C(False))] + slow)
        if "sites" in run:
            run["sites"].append((init[0] if init else None, node))
        return init + pre + [node]

    def _spec_targets(self, s):
        """(known types gained, vars that lose theirs) by the typed version
        of statement s: locals (not captured) assigned a value whose type
        under the current speculation is int or float."""
        gained = {}
        lost = []
        if type(s) is A.Local:
            pairs = [(self.res.decls[(id(s), i)], s.exprs[i] if i < len(s.exprs) else None)
                     for i in range(len(s.names))]
        else:
            pairs = []
            for i, t in enumerate(s.targets):
                if type(t) is A.Name:
                    v = self.res.names.get(id(t))
                    if v is not None:
                        pairs.append((v, s.exprs[i] if i < len(s.exprs) else None))
        for v, e in pairs:
            t = self.etype(e) if e is not None and len(s.exprs) >= len(pairs) else None
            if t in (INT, FLOAT) and not v.captured and not v.boxed:
                gained[id(v)] = t
            else:
                lost.append(id(v))
        return gained, lost

    def _spec_body(self, s):
        saved = self.pre
        self.pre = []
        body = (self.s_Local_generic(s) if type(s) is A.Local else self.s_Assign_generic(s))
        out = self.pre + body
        self.pre = saved
        for node in out:
            self.stamp(node, s)
        return out

    # -- expressions ----------------------------------------------------------
    def value(self, e):
        """A Python expression for the single Lua value of e."""
        if self.hoisted:
            h = self.hoisted.get(id(e))
            if h is not None:
                return N(h)
        node = getattr(self, "e_" + type(e).__name__)(e)
        return self.stamp(node, e)

    def simple_value(self, e):
        """value(e) evaluated into a temp unless it is already simple."""
        v = self.value(e)
        if _simple(v):
            return v, v
        tmp = self.fs.temp()
        return ast.NamedExpr(target=S(tmp), value=v), N(tmp)

    def e_Nil(self, e):
        return C(None)

    def e_TrueExpr(self, e):
        return N("TRUE")

    def e_FalseExpr(self, e):
        return N("FALSE")

    def e_Number(self, e):
        return C(e.value)

    def e_String(self, e):
        return C(e.value)

    def e_Vararg(self, e):
        return ifexp(N("VA"), subscript(N("VA"), C(0)), C(None))

    def e_Paren(self, e):
        return self.value(e.expr)

    def e_Function(self, e):
        return self.function_expr(e)

    def e_Name(self, e):
        v = self.res.names.get(id(e))
        if v is not None:
            if v.boxed:
                return subscript(N(v.pyname), C(0))
            return N(v.pyname)
        # global: _ENV.name
        if e.name == "_ENV":
            return N("_ENV_")           # the chunk's _ENV upvalue itself
        envvar = self.res.env_for.get(id(e))
        self.note(e, "index", self.env_desc(e))
        key = C(e.name)
        tmp = self.fs.temp()
        if envvar is None:
            # the chunk's _ENV: _ENVg is its raw get (an empty dict's when it
            # is not a table), so the common case is one call
            got = ast.NamedExpr(target=S(tmp), value=call("_ENVg", key))
            return ifexp(isnot(got, C(None)), N(tmp), call("index", N("_ENV_"), key))
        # a local, parameter or upvalue named _ENV: any value
        env = self.env_expr(e)
        if envvar.boxed or envvar.type != TABLE:
            return call("index", env, key)
        got = ast.NamedExpr(target=S(tmp),
                            value=ast.Call(func=ast.Attribute(value=env, attr="get", ctx=_LOAD),
                                           args=[key], keywords=[]))
        return ifexp(isnot(got, C(None)), N(tmp), call("index", env, key))

    def env_expr(self, name_node):
        envvar = self.res.env_for.get(id(name_node))
        if envvar is None:
            return N("_ENV_")
        if envvar.boxed:
            return subscript(N(envvar.pyname), C(0))
        return N(envvar.pyname)

    def env_desc(self, name_node):
        """How Lua names the _ENV a global name goes through."""
        envvar = self.res.env_for.get(id(name_node))
        if envvar is None or envvar.func is not self.fs.info:
            return "upvalue '_ENV'"
        return "local '_ENV'"

    def e_Index(self, e):
        self.note(e, "index", self.describe(e.obj))
        if type(e.obj) is A.Name and not self.hoisted:
            v = self.res.names.get(id(e.obj))
            known_table = v is not None and not v.boxed and v.type == TABLE
            flag = self.table_flag(v) if v is not None else None
            if known_table or flag:
                o = self.value(e.obj)
                k = self.value(e.key)
                if _simple(k):
                    vt = self.fs.temp()
                    hit = isnot(ast.NamedExpr(target=S(vt), value=ast.Call(
                        func=ast.Attribute(value=o, attr="get", ctx=_LOAD), args=[k],
                        keywords=[])), C(None))
                    # own field, else the lookup cache of its metatable
                    mt = self.fs.temp()
                    cached = and_(
                        isnot(ast.NamedExpr(target=S(mt), value=ast.Attribute(
                            value=o, attr="meta", ctx=_LOAD)), C(None)),
                        isnot(ast.NamedExpr(target=S(vt), value=ast.Call(
                            func=ast.Attribute(value=ast.Attribute(value=N(mt), attr="ic",
                                                                   ctx=_LOAD),
                                               attr="get", ctx=_LOAD),
                            args=[k, N("_MISS")], keywords=[])), N("_MISS")))
                    found = ast.BoolOp(op=ast.Or(), values=[hit, cached])
                    test = found if known_table else and_(N(flag), found)
                    return ifexp(test, N(vt), call("index", o, k))
        first_o, o = self.simple_value(e.obj)
        k = self.value(e.key)
        if not _simple(k):
            tmp = self.fs.temp()
            first_k = ast.NamedExpr(target=S(tmp), value=k)
            k = N(tmp)
        else:
            first_k = None
        fast = ast.Call(func=ast.Attribute(value=o, attr="get", ctx=_LOAD), args=[k], keywords=[])
        test = typeis(first_o, "LuaTable")
        if first_k is None and _simple(k):
            # plain table: raw get; table with a metatable: raw hit inline,
            # a miss goes through index() (the __index protocol)
            vt = self.fs.temp()
            meta_hit = and_(call("_isinstance", o, N("LuaMetaTable")),
                            isnot(ast.NamedExpr(target=S(vt), value=ast.Call(
                                func=ast.Attribute(value=o, attr="get", ctx=_LOAD), args=[k],
                                keywords=[])), C(None)))
            return ifexp(test, fast, ifexp(meta_hit, N(vt), call("index", o, k)))
        if first_k is not None:
            test = and_(test, ast.BoolOp(op=ast.Or(), values=[first_k, C(True)]))
            # keep Lua's evaluation order (object, then key) in both branches
            return ifexp(test, fast, ast.Call(func=N("index"), args=[o, first_k], keywords=[]))
        return ifexp(test, fast, call("index", o, k))

    def e_Table(self, e):
        items = e.items
        if not items:
            return call("LuaTable")
        if (any(kind == "expr" for kind, _, _ in items) and any(kind == "pos" for kind, _, _ in items)
                and not (type(items[-1][2]) in (A.Call, A.Method, A.Vararg) and items[-1][0] == "pos")):
            spec = []
            values = []
            for kind, k, v in items:
                if kind == "pos":
                    spec.append(C(None))
                else:
                    spec.append(C("e"))
                    values.append(C(k) if kind == "named" else self.value(k))
                values.append(self.value(v))
            return call("table_ctor", ast.Tuple(elts=spec, ctx=_LOAD),
                        ast.Tuple(elts=values, ctx=_LOAD))
        keys = []
        vals = []
        maybe_nil = False
        pos = 0
        multi_tail = None
        for i, (kind, k, v) in enumerate(items):
            if kind == "pos":
                if i == len(items) - 1 and type(v) in (A.Call, A.Method, A.Vararg):
                    multi_tail = self.multi(v)
                    break
                pos += 1
                keys.append(C(pos))
            elif kind == "named":
                keys.append(C(k))
            else:
                kt = self.etype(k)
                kv = self.value(k)
                if kt in (STR, INT, BOOL, TABLE, FUNC):
                    keys.append(kv)
                else:
                    keys.append(call("key_checked", kv))
            vals.append(self.value(v))
            if self.etype(v) not in _NONNIL:
                maybe_nil = True
        d = ast.Dict(keys=keys, values=vals)
        if multi_tail is not None:
            return call("table_multi", d, C(pos), multi_tail)
        if maybe_nil:
            return call("table_nn", d)
        return call("LuaTable", d)

    def e_Call(self, e):
        return self.single(e)

    def e_Method(self, e):
        return self.single(e)

    def single(self, e):
        """First value of a call."""
        c = self.call_expr(e)
        if type(e) is A.Call and type(e.func) is A.Name:
            v = self.res.names.get(id(e.func))
            if v is not None and v.local_function is not None and not v.reassigned:
                info = self.res.funcs[id(v.local_function)]
                if info.single_return:
                    return c
        tmp = self.fs.temp()
        return ifexp(typeis(ast.NamedExpr(target=S(tmp), value=c), "_tuple"),
                     ifexp(N(tmp), subscript(N(tmp), C(0)), C(None)),
                     N(tmp))

    def multi(self, e):
        """A Python expression producing a tuple of all values of e."""
        if type(e) is A.Vararg:
            return N("VA")
        c = self.call_expr(e)
        self.stamp(c, e)
        tmp = self.fs.temp()
        return self.stamp(ifexp(typeis(ast.NamedExpr(target=S(tmp), value=c), "_tuple"),
                                N(tmp), ast.Tuple(elts=[N(tmp)], ctx=_LOAD)), e)

    def args(self, args):
        out = [self.value(a) for a in args[:-1]]
        if args:
            last = args[-1]
            if type(last) in (A.Call, A.Method, A.Vararg):
                out.append(ast.Starred(value=self.multi(last), ctx=_LOAD))
            else:
                out.append(self.value(last))
        return out

    def udata_method(self, o, key, get):
        """The method ``key`` of userdata ``o`` (channels, messages,
        requests...) from its class's method table, else falsy."""
        utmp = self.fs.temp()
        return and_(isnot(ast.NamedExpr(target=S(utmp), value=ast.Call(
                        func=ast.Attribute(value=N("_UDM"), attr="get", ctx=_LOAD),
                        args=[call("_type", o)], keywords=[])), C(None)),
                    isnot(get(N(utmp)), C(None)))

    def call_expr(self, e):
        if type(e) is A.Method:
            self.note(e, "index", self.describe(e.obj))
            self.note(e, "call", "method '%s'" % e.name)
            first_o, o = self.simple_value(e.obj)
            stable = False
            if type(e.obj) is A.Name:
                v = self.res.names.get(id(e.obj))
                stable = v is not None and not v.captured and not v.boxed
            if first_o is o and not stable:
                tmp = self.fs.temp()
                first_o = ast.NamedExpr(target=S(tmp), value=o)
                o = N(tmp)
            key = C(e.name)
            ftmp = self.fs.temp()
            got = ast.NamedExpr(target=S(ftmp), value=ast.Call(
                func=ast.Attribute(value=o, attr="get", ctx=_LOAD), args=[key], keywords=[]))
            # plain table: raw get; object of the class pattern: its own
            # field, else the field of its __index table; anything else
            # (deeper chains, __index functions, strings) through index()
            htmp = self.fs.temp()
            def get(obj):
                return ast.NamedExpr(target=S(ftmp), value=ast.Call(
                    func=ast.Attribute(value=obj, attr="get", ctx=_LOAD), args=[key], keywords=[]))
            meta_index = ast.NamedExpr(target=S(htmp), value=ast.Call(
                func=ast.Attribute(value=ast.Attribute(value=o, attr="meta", ctx=_LOAD),
                                   attr="get", ctx=_LOAD), args=[C("__index")], keywords=[]))
            v = self.res.names.get(id(e.obj)) if type(e.obj) is A.Name else None
            flag = self.table_flag(v) if (v is not None and stable) else None
            if flag or (v is not None and stable and not v.boxed and v.type == TABLE):
                # a local known to hold a table: own field, else the field of
                # its metatable's __index table, else the full protocol
                mtmp = self.fs.temp()
                found = ast.BoolOp(op=ast.Or(), values=[
                    isnot(get(o), C(None)),
                    and_(isnot(ast.NamedExpr(target=S(mtmp), value=ast.Attribute(
                             value=o, attr="meta", ctx=_LOAD)), C(None)),
                         ast.BoolOp(op=ast.Or(), values=[
                             # the metatable's lookup cache (deep class chains)
                             isnot(ast.NamedExpr(target=S(ftmp), value=ast.Call(
                                 func=ast.Attribute(value=ast.Attribute(
                                     value=N(mtmp), attr="ic", ctx=_LOAD),
                                     attr="get", ctx=_LOAD),
                                 args=[key], keywords=[])), C(None)),
                             # its __index table
                             and_(ast.Compare(left=call("_type", ast.NamedExpr(
                                      target=S(htmp), value=ast.Call(
                                          func=ast.Attribute(value=N(mtmp), attr="get",
                                                             ctx=_LOAD),
                                          args=[C("__index")], keywords=[]))),
                                      ops=[ast.In()], comparators=[N("TABLE_TYPES")]),
                                  isnot(get(N(htmp)), C(None)))]))])
                cond = and_(N(flag), found) if flag else found
                if flag:
                    # not a table after all: perhaps userdata with methods
                    cond = ast.BoolOp(op=ast.Or(), values=[cond, self.udata_method(o, key, get)])
                fn = ifexp(cond, N(ftmp), call("mindex", o, key, N("_G0_")))
                node = ast.Call(func=fn, args=[o] + self.args(e.args), keywords=[])
                return self.stamp(node, e)
            plain = and_(typeis(first_o, "LuaTable"), isnot(got, C(None)))
            inst = and_(typeis(o, "LuaMetaTable"), ast.BoolOp(op=ast.Or(), values=[
                isnot(get(o), C(None)),
                and_(ast.Compare(left=call("_type", meta_index), ops=[ast.In()],
                                 comparators=[N("TABLE_TYPES")]),
                     isnot(get(N(htmp)), C(None)))]))
            udata = self.udata_method(o, key, get)
            fn = ifexp(ast.BoolOp(op=ast.Or(), values=[plain, inst, udata]), N(ftmp),
                       call("mindex", o, key, N("_G0_")))
            node = ast.Call(func=fn, args=[o] + self.args(e.args), keywords=[])
            return self.stamp(node, e)
        self.note(e, "call", self.describe(e.func, call=True))
        fn = self.value(e.func)
        node = ast.Call(func=fn, args=self.args(e.args), keywords=[])
        return self.stamp(node, e)

    # operators --------------------------------------------------------------
    def e_UnOp(self, e):
        op = e.op
        if op == "not":
            return ifexp(self.test(e.operand), N("FALSE"), N("TRUE"))
        ot = self.etype(e.operand)
        if op == "-":
            if type(e.operand) is A.Number:
                v = e.operand.value
                if type(v) is int:
                    return C(-v if v != -0x8000000000000000 else v)
                return C(-v)
            x = self.value(e.operand)
            if ot == FLOAT:
                return ast.UnaryOp(op=ast.USub(), operand=x)
            self.note(e, "arith", self.describe(e.operand))
            return call("unm", x)
        if op == "#":
            self.note(e, "len", self.describe(e.operand))
            x = self.value(e.operand)
            if ot == STR:
                return call("_len", x)
            first_x, x2 = self._temp_expr(x)
            n = self.fs.temp()
            return ifexp(self._len_border(first_x, x2, n), N(n),
                         ifexp(typeis(x2, "LuaTable"),
                               ast.Call(func=ast.Attribute(value=x2, attr="length", ctx=_LOAD),
                                        args=[], keywords=[]),
                               call("length", x2)))
        if op == "~":
            self.note(e, "bitwise", self.describe(e.operand))
            return call("bnot", self.value(e.operand))
        raise InternalCompilerError("unknown unary operator %r" % op)

    @staticmethod
    def _len_border(first_x, x, n):
        """The test that a plain table's entry count ``n`` is a border
        (``t[n]`` set or n == 0, and ``t[n+1]`` nil): true for every
        sequence without other keys, so ``#t`` of an array costs two dict
        probes and no call or attribute access.  Any border is a valid
        ``#t``; other tables fall back to the border hint walk."""
        return and_(typeis(first_x, "LuaTable"),
                    ast.BoolOp(op=ast.Or(), values=[
                        ast.Compare(left=ast.NamedExpr(target=S(n), value=call("_len", x)),
                                    ops=[ast.In()], comparators=[x]),
                        ast.UnaryOp(op=ast.Not(), operand=N(n))]),
                    ast.Compare(left=ast.BinOp(left=N(n), op=ast.Add(), right=C(1)),
                                ops=[ast.NotIn()], comparators=[x]))

    def _temp_expr(self, x):
        if _simple(x):
            return x, x
        tmp = self.fs.temp()
        return ast.NamedExpr(target=S(tmp), value=x), N(tmp)

    def ring_raw(self, e):
        """Unwrapped Python expression for an integer + - * tree."""
        def operand(x):
            x0 = x
            while type(x) is A.Paren:
                x = x.expr
            if (type(x) is A.BinOp and x.op in _PYOP and self.etype(x.left) == INT
                    and self.etype(x.right) == INT):
                self.note(x, "arith", self.describe(x.left), self.describe(x.right))
                return self.stamp(self.ring_raw(x), x)
            return self.value(x0)
        return ast.BinOp(left=operand(e.left), op=_PYOP[e.op](), right=operand(e.right))

    @staticmethod
    def range_check(op, r, right):
        """The overflow test of an integer + - *: one-sided when the right
        operand is a constant that can only push the result one way."""
        if type(right) is A.Number and type(right.value) is int and op in ("+", "-"):
            c = right.value if op == "+" else -right.value
            if c >= 0:
                return ast.Compare(left=r, ops=[ast.LtE()], comparators=[C(0x7FFFFFFFFFFFFFFF)])
            return ast.Compare(left=r, ops=[ast.GtE()], comparators=[C(-0x8000000000000000)])
        # |r| <= maxinteger: one comparison instead of two (about 7 ns less
        # in CPython 3.11); mininteger itself takes the wrapping path,
        # which returns it unchanged
        return ast.Compare(left=call("_abs", r), ops=[ast.LtE()],
                           comparators=[C(0x7FFFFFFFFFFFFFFF)])

    def _has_call(self, e):
        """Does expression e call anything (not counting function bodies)?"""
        t = type(e)
        if t in (A.Call, A.Method):
            return True
        if t is A.Function or not isinstance(e, A.Node):
            return False
        for f in e._fields:
            x = getattr(e, f)
            if isinstance(x, A.Node) and self._has_call(x):
                return True
            if type(x) is list:
                for y in x:
                    if isinstance(y, A.Node) and self._has_call(y):
                        return True
                    if type(y) is tuple and any(isinstance(z, A.Node) and self._has_call(z)
                                               for z in y):
                        return True
        return False

    def _register_local(self, e):
        """Is e a local of the current function that a call could change
        (captured by a closure)?  Lua reads such a register operand when the
        operation runs, after the calls in the other operand."""
        while type(e) is A.Paren:
            e = e.expr
        if type(e) is not A.Name:
            return False
        v = self.res.names.get(id(e))
        return v is not None and v.captured and v.func is self.fs.info

    def _right_first(self, e, build):
        """Evaluate e.right before reading e.left (see _register_local)."""
        tmp = self.fs.temp()
        right = self.value(e.right)
        self.hoisted[id(e.right)] = tmp
        try:
            result = build()
        finally:
            del self.hoisted[id(e.right)]
        return ifexp(is_(ast.NamedExpr(target=S(tmp), value=right), N(tmp)), result, C(None))

    def e_BinOp(self, e):
        op = e.op
        if op in _CMP:
            return ifexp(self.compare(e), N("TRUE"), N("FALSE"))
        if op == "and" or op == "or":
            return self.logical(e)
        if op == "..":
            return self.concat(e)
        return self.arith(e)

    def compare(self, e):
        if (id(e.right) not in self.hoisted and self._register_local(e.left)
                and self._has_call(e.right)):
            return self._right_first(e, lambda: self.compare(e))
        left = self.value(e.left)
        right = self.value(e.right)
        if e.op in ("==", "~=") and (type(e.left) is A.Nil or type(e.right) is A.Nil):
            other = right if type(e.left) is A.Nil else left
            node = (is_ if e.op == "==" else isnot)(other, C(None))
        else:
            node = ast.Compare(left=left, ops=[_CMP[e.op]()], comparators=[right])
        return self.stamp(node, e)

    def logical(self, e):
        lt = self.etype(e.left)
        if e.op == "and":
            if self._is_compare(e.left):
                return ifexp(self.test(e.left), self.value(e.right), N("FALSE"))
            first, ref = self._temp_expr(self.value(e.left))
            return ifexp(self._truthy(first, ref, lt), self.value(e.right), ref)
        if self._is_compare(e.left):
            return ifexp(self.test(e.left), N("TRUE"), self.value(e.right))
        first, ref = self._temp_expr(self.value(e.left))
        if lt in _NONNIL and lt != BOOL:
            return first
        return ifexp(self._truthy(first, ref, lt), ref, self.value(e.right))

    @staticmethod
    def _is_compare(e):
        return (type(e) is A.BinOp and e.op in _CMP) or (type(e) is A.UnOp and e.op == "not")

    def _truthy(self, first, ref, t):
        if t in _NONNIL and t != BOOL:
            return ast.BoolOp(op=ast.Or(), values=[isnot(first, C(None)), C(True)])
        if t == NIL:
            return ast.BoolOp(op=ast.And(), values=[isnot(first, C(None)), C(False)])
        if first is ref:
            return and_(isnot(ref, C(None)), isnot(ref, N("FALSE")))
        return and_(isnot(first, C(None)), isnot(ref, N("FALSE")))

    def test(self, e):
        """A Python expression whose truth is the Lua truth of e."""
        t = type(e)
        if t is A.BinOp:
            if e.op in _CMP:
                return self.compare(e)
            if e.op == "and":
                return self.stamp(and_(self.test(e.left), self.test(e.right)), e)
            if e.op == "or":
                return self.stamp(ast.BoolOp(op=ast.Or(), values=[self.test(e.left), self.test(e.right)]), e)
        if t is A.UnOp and e.op == "not":
            return self.stamp(ast.UnaryOp(op=ast.Not(), operand=self.test(e.operand)), e)
        if t is A.TrueExpr:
            return C(True)
        if t in (A.FalseExpr, A.Nil):
            return C(False)
        if t is A.Paren:
            return self.test(e.expr)
        et = self.etype(e)
        v = self.value(e)
        if et in _NONNIL and et != BOOL:
            if _simple(v):
                return C(True)
            return self.stamp(ast.BoolOp(op=ast.Or(), values=[isnot(v, C(None)), C(True)]), e)
        first, ref = self._temp_expr(v)
        return self.stamp(self._truthy(first, ref, et), e)

    def concat(self, e):
        # flatten the right-associative chain a .. (b .. (c .. d))
        operands = []
        node = e
        while type(node) is A.BinOp and node.op == "..":
            operands.append(node.left)
            node = node.right
        operands.append(node)
        self.note(e, "concat", *[self.describe(o) for o in operands])
        # also note every inner '..' position (errors report the outermost)
        # evaluate every operand first (in order), then test the types:
        # the slow path must see each operand evaluated exactly once
        evals = []
        guards = []
        parts = []
        refs = []
        for i, o in enumerate(operands):
            t = self.etype(o)
            v = self.value(o)
            snapshot = (type(o) is A.Name and self.res.names.get(id(o)) is not None
                        and self.res.names[id(o)].captured
                        and any(self._has_call(x) for x in operands[i + 1:]))
            if _simple(v) and not snapshot:
                ref = v
            else:
                tmp = self.fs.temp()
                evals.append(is_(ast.NamedExpr(target=S(tmp), value=v), N(tmp)))
                ref = N(tmp)
            refs.append(ref)
            if t == STR:
                parts.append(ref)
            elif t == INT:
                parts.append(call("_pystr", ref))
            elif t == FLOAT:
                parts.append(call("fmt_float", ref))
            else:
                guards.append(typeis(ref, "str"))
                parts.append(ref)
        joined = parts[0]
        for p in parts[1:]:
            joined = ast.BinOp(left=joined, op=ast.Add(), right=p)
        if not guards:
            if evals:
                return ifexp(and_(*evals) if len(evals) > 1 else evals[0], joined, C(None))
            return joined
        slow = call("concat_n", *refs) if len(refs) > 2 else call("concat", *refs)
        conds = evals + guards
        return ifexp(and_(*conds) if len(conds) > 1 else conds[0], joined, slow)

    def arith(self, e):
        if (id(e.right) not in self.hoisted and self._register_local(e.left)
                and self._has_call(e.right)):
            return self._right_first(e, lambda: self.arith(e))
        op = e.op
        lt = self.etype(e.left)
        rt = self.etype(e.right)
        kind = "bitwise" if op in ("&", "|", "~", "<<", ">>") else "arith"
        self.note(e, kind, self.describe(e.left), self.describe(e.right))
        helper = _ARITH_HELPER[op]
        if op in _PYOP and lt == INT and rt == INT:
            # integer + - * trees wrap once at their root: reduction modulo
            # 2^64 commutes with + - *, so inner results may stay unwrapped
            raw = self.ring_raw(e)
            tmp = self.fs.temp()
            r = ast.NamedExpr(target=S(tmp), value=raw)
            left = e.left
            while type(left) is A.Paren:
                left = left.expr
            fused = type(left) is A.BinOp and left.op in _PYOP
            # a one-sided test is only valid when the left operand is in range
            check = (self.range_check(op, r, None) if fused
                     else self.range_check(op, r, e.right))
            return ifexp(check, N(tmp), call("wrapint", N(tmp)))
        left = self.value(e.left)
        right = self.value(e.right)
        if op in _PYOP:
            pyop = _PYOP[op]()
            if (lt == FLOAT and rt in _NUMERIC) or (rt == FLOAT and lt in _NUMERIC):
                return ast.BinOp(left=left, op=pyop, right=right)
            if lt in _NUMERIC and rt in _NUMERIC:
                tmp = self.fs.temp()
                r = ast.NamedExpr(target=S(tmp), value=ast.BinOp(left=left, op=pyop, right=right))
                return ifexp(self.range_check(op, r, e.right), N(tmp), call("wrapint", N(tmp)))
            # unknown operand types: inline int and float paths, helper
            # otherwise.  Both operands are evaluated (in order) before any
            # test can fail, so the helper sees them evaluated exactly once.
            fl, rl = self._temp_expr(left)
            fr, rr = self._temp_expr(right)
            evals = []
            if fl is not rl:
                evals.append(is_(fl, rl))
            if fr is not rr:
                evals.append(is_(fr, rr))
            unknown = [x for x, t in ((rl, lt), (rr, rt)) if t not in (INT, FLOAT)]
            if len(unknown) == 2 and isinstance(rl, ast.Name) and isinstance(rr, ast.Name) \
                    and rl.id == rr.id:
                unknown = unknown[:1]           # x * x: one test is enough
            raw = ast.BinOp(left=rl, op=_PYOP[op](), right=rr)
            if FLOAT in (lt, rt):
                # the result is a float whatever the other number is
                conds = [ast.BoolOp(op=ast.Or(), values=[typeis(x, "float"), typeis(x, "int")])
                         for x in unknown]
                fast = ifexp(and_(*conds) if len(conds) > 1 else conds[0], raw, call(helper, rl, rr))
                return ifexp(and_(*evals), fast, C(None)) if evals else fast
            int_conds = [typeis(x, "int") for x in unknown]
            tmp = self.fs.temp()
            r = ast.NamedExpr(target=S(tmp), value=ast.BinOp(left=rl, op=pyop, right=rr))
            float_conds = [typeis(x, "float") for x in unknown]
            if self.fs.float_hint:
                # numeric code with float literals or divisions: floats first
                int_fast = ifexp(and_(*int_conds, self.range_check(op, r, e.right)), N(tmp),
                                 call(helper, rl, rr))
                return ifexp(and_(*evals, *float_conds),
                             ast.BinOp(left=rl, op=_PYOP[op](), right=rr), int_fast)
            float_fast = ifexp(and_(*float_conds),
                               ast.BinOp(left=rl, op=_PYOP[op](), right=rr), call(helper, rl, rr))
            return ifexp(and_(*evals, *int_conds, self.range_check(op, r, e.right)), N(tmp),
                         float_fast)
        if op == "/":
            if type(e.right) is A.Number and e.right.value != 0 and lt == FLOAT:
                return ast.BinOp(left=left, op=ast.Div(), right=right)
            fl, rl = self._temp_expr(left)
            fr, rr = self._temp_expr(right)
            evals = [is_(f, r) for f, r in ((fl, rl), (fr, rr)) if f is not r]
            conds = [typeis(x, "float") for x, t in ((rl, lt), (rr, rt)) if t != FLOAT]
            fast = ifexp(and_(*conds, rr) if conds else rr,
                         ast.BinOp(left=rl, op=ast.Div(), right=rr), call("div", rl, rr))
            return ifexp(and_(*evals), fast, C(None)) if evals else fast
        if op in ("//", "%") and not (type(e.right) is A.Number and type(e.right.value) is int
                                      and e.right.value > 0):
            # a // b, a % b: Python's floor semantics match Lua's for ints;
            # divisors <= 0 go to the helper (zero, MININT // -1)
            pyop = ast.FloorDiv() if op == "//" else ast.Mod()
            fl, rl = self._temp_expr(left)
            fr, rr = self._temp_expr(right)
            evals = [is_(f, r) for f, r in ((fl, rl), (fr, rr)) if f is not r]
            conds = [typeis(x, "int") for x, t in ((rl, lt), (rr, rt)) if t != INT]
            conds.append(ast.Compare(left=rr, ops=[ast.Gt()], comparators=[C(0)]))
            fast = ifexp(and_(*conds), ast.BinOp(left=rl, op=pyop, right=rr), call(helper, rl, rr))
            return ifexp(and_(*evals), fast, C(None)) if evals else fast
        if op in ("//", "%") and type(e.right) is A.Number and type(e.right.value) is int and e.right.value > 0:
            pyop = ast.FloorDiv() if op == "//" else ast.Mod()
            if lt == INT:
                return ast.BinOp(left=left, op=pyop, right=right)
            fl, rl = self._temp_expr(left)
            return ifexp(typeis(fl, "int"), ast.BinOp(left=rl, op=pyop, right=right),
                         call(helper, rl, right))
        return call(helper, left, right)


def _join(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a == b:
        return a
    if a in _NUMERIC and b in _NUMERIC:
        return NUM
    return ANY


def _positioned_types():
    """The node types the walk must visit: those with positions or
    children (operators and contexts have neither)."""
    out = set()
    todo = [ast.AST]
    while todo:
        c = todo.pop()
        if getattr(c, "_attributes", ()) or getattr(c, "_fields", ()):
            out.add(c)
        todo.extend(c.__subclasses__())
    return frozenset(out)


_AST_TYPES = None


def fill_positions(tree):
    """Copy positions from each node to its descendants that have none
    (only the start: compile() takes the end to be the start)."""
    global _AST_TYPES
    if _AST_TYPES is None:
        _AST_TYPES = _positioned_types()
    types = _AST_TYPES
    stack = [(tree, 1, 0)]
    pop = stack.pop
    push = stack.append
    while stack:
        node, line, col = pop()
        d = node.__dict__
        if "lineno" in d:
            line = d["lineno"]
            col = d["col_offset"]
        elif node._attributes:
            d["lineno"] = line
            d["col_offset"] = col
        for v in d.values():
            tv = type(v)
            if tv is list:
                for x in v:
                    if type(x) in types:
                        push((x, line, col))
            elif tv in types:
                push((v, line, col))


def _has_float_hint(stmts):
    """Does a function body (not its nested functions) contain float
    literals, '/' or '^'?  Such code tests for floats before integers."""
    found = [False]

    def walk(x):
        if found[0] or isinstance(x, A.Function):
            return
        if isinstance(x, A.Number):
            if type(x.value) is float:
                found[0] = True
        elif isinstance(x, A.BinOp) and x.op in ("/", "^"):
            found[0] = True
            return
        if isinstance(x, A.Node):
            for f in x._fields:
                walk(getattr(x, f))
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
    walk(stmts)
    return found[0]


def _return_stmts(stmts):
    """The return statements of a function body (not of nested functions)."""
    out = []

    def visit(body):
        for s in body:
            t = type(s)
            if t is A.Return:
                out.append(s)
            elif t in (A.Do, A.While, A.Repeat, A.NumFor, A.GenFor):
                visit(s.body.body)
            elif t is A.If:
                for _, b in s.tests:
                    visit(b.body)
                if s.orelse is not None:
                    visit(s.orelse.body)
    visit(stmts)
    return out


def _returns_of(stmts):
    """The returned expressions of a single-return function body."""
    return [r.exprs[0] for r in _return_stmts(stmts)]


def _single_return(stmts):
    """True when every return in the function body returns exactly one value
    and the body cannot fall off its end."""
    for r in _return_stmts(stmts):
        if len(r.exprs) != 1 or type(r.exprs[0]) in (A.Call, A.Method, A.Vararg):
            return False
    return _ends_with_return(stmts)


def _ends_with_return(stmts):
    if not stmts:
        return False
    last = stmts[-1]
    t = type(last)
    if t is A.Return:
        return True
    if t is A.Do:
        return _ends_with_return(last.body.body)
    if t is A.If:
        if last.orelse is None:
            return False
        return all(_ends_with_return(b.body) for _, b in last.tests) and _ends_with_return(last.orelse.body)
    return False


def generate(block, chunkname, source=None):
    """Generate the Python module for a parsed chunk.  ``source`` (when
    given) lets a chunk without ``goto`` skip the goto analysis.

    Returns (module_ast, errinfo, display_names)."""
    g = Generator(chunkname)
    if source is not None and "goto" not in source:
        # no goto statement (labels alone compile to nothing)
        from .gotos import GotoPlan
        g.plan = GotoPlan()
    else:
        g.plan = analyze_gotos(block, chunkname)
    g.cur = None
    try:
        mod = g.module(block)
    except (LuaSyntaxError, InternalCompilerError, RecursionError):
        raise
    except Exception as exc:
        where = "%s:%d" % (chunkname, g.cur.line) if g.cur is not None else chunkname
        raise InternalCompilerError("internal compiler error at %s: %s: %s" % (
            where, type(exc).__name__, exc)) from exc
    fill_positions(mod)
    return mod, g.errinfo, g.display_names


