"""The ``debug`` library of standalone scripts (Lua 5.3 manual §6.10).

Wippy entries never see it; ``wippy lua`` scripts get all of it.

Stack levels.  A Lua function is a Python function compiled from a chunk
registered in ``errors.LUA_FILES``; its frame's ``f_lineno`` is the Lua line.
A builtin (a Python function reachable from the globals, ``errors.
BUILTIN_CODES``) is a C function.  Every other Python frame (runtime helpers,
generators, this module's internals) is invisible, so levels count like Lua's:
level 0 is the running debug function, 1 its caller, ...  In the main thread
one C level below the main chunk stands for the host that called it (``[C]:
in ?`` in tracebacks).  Coroutines are greenlets: the stack of a suspended one
starts at its greenlet's ``gr_frame``.  While xpcall's message handler runs,
the frames of the error (kept in ``pending_traceback``) are part of the stack,
as in Lua where the handler runs at the point of the error.

Function metadata (parameters, locals with the source ranges where they are
active, upvalue names in Lua's order) is not emitted by the compiler: the
first time it is needed for a chunk, the chunk's source (kept in
``linecache``) is parsed and resolved again with the compiler's own front end,
which gives exactly the Python names the generated code uses.  Nothing of this
costs anything until a debug function asks.

Upvalues are closure cells (captured locals), boxes (one-element lists of loop
locals captured by closures, passed to the closure as keyword-only defaults)
or the chunk's ``_ENV`` (the ``_ENV_`` global of the chunk's module
dictionary, shared by every function of one load like Lua's upvalue).

Hooks map onto ``sys.settrace`` restricted to Lua code objects; with no hook
set no trace function is installed.  Count hooks count Python bytecode
instructions ('opcode' trace events) of Lua functions, the closest thing to
Lua VM instructions.
"""

import ctypes
import gc
import linecache
import sys
import weakref

from .values import (LuaTable, LuaError, Userdata, TABLE_TYPES, TRUE, FALSE, tostring,
                     tostr, lua_type)
from .errors import (LUA_FILES, BUILTIN_CODES, ERRINFO, short_src, function_label,
                     arg_error, rt_error)
from . import ops as _ops
from . import coroutine as _co

__all__ = ["make_debug_lib", "error_traceback", "pending_traceback", "CHUNK_SOURCES"]

# set by xpcall while its message handler runs: the traceback of the error
pending_traceback = None

# chunk name -> the chunk's 'source' as Lua reports it, for chunks whose
# source is not "@" + chunk name (load'ed strings, stdin); filled by loaders
CHUNK_SOURCES = {}

_NONE = object()        # "no value" (as opposed to nil)


def _typename(v):
    return "no value" if v is _NONE else lua_type(v)


# --------------------------------------------------------------------------
# the function object running in a frame

def _probe_frame_layout():
    """CPython 3.11: a frame object points to its interpreter frame, whose
    first field is the function.  Verified on a live frame before use."""
    if sys.implementation.name != "cpython" or sys.version_info[:2] != (3, 11):
        return False

    def probe():
        return sys._getframe()
    try:
        f = probe()
        return _read_func(f) is probe
    except Exception:       # pragma: no cover - other layouts
        return False


def _read_func(frame):
    iframe = ctypes.c_void_p.from_address(id(frame) + 3 * ctypes.sizeof(ctypes.c_void_p)).value
    if not iframe:
        return None
    fptr = ctypes.c_void_p.from_address(iframe).value
    if not fptr:
        return None
    return ctypes.cast(fptr, ctypes.py_object).value


_FRAME_FUNC = _probe_frame_layout()


def _frame_func(frame):
    """The Python function whose call ``frame`` is, or None."""
    code = frame.f_code
    if _FRAME_FUNC:
        fn = _read_func(frame)
        if getattr(fn, "__code__", None) is code:
            return fn
    found = [r for r in gc.get_referrers(code)
             if type(r) is type(_frame_func) and r.__code__ is code]
    return found[0] if len(found) == 1 else None


def _set_closure_cell(fn, i, cell):
    """Make closure slot ``i`` of ``fn`` refer to ``cell`` (upvaluejoin)."""
    clo = fn.__closure__
    old = clo[i]
    if old is cell:
        return True
    if sys.implementation.name != "cpython":
        return False
    addr = id(clo) + tuple.__basicsize__ + i * ctypes.sizeof(ctypes.c_void_p)
    slot = ctypes.c_void_p.from_address(addr)
    if slot.value != id(old):
        return False
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(cell))
    slot.value = id(cell)
    ctypes.pythonapi.Py_DecRef(ctypes.py_object(old))
    return fn.__closure__[i] is cell


def _locals_to_fast(frame):
    ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))


# --------------------------------------------------------------------------
# function metadata from the chunk's source

_ENVUP = "_ENV"        # the chunk's own _ENV upvalue (declared outside main)


class _Local:
    __slots__ = ("name", "pyname", "boxed", "start", "end", "hidden", "var", "const")

    def __init__(self, name, pyname, boxed, start, end, hidden=None, var=None, const=None):
        self.name = name
        self.pyname = pyname
        self.boxed = boxed
        self.start = start
        self.end = end
        self.hidden = hidden        # 'index'/'control' (value of var), 'const', 'nil'
        self.var = var
        self.const = const


class _FMeta:
    """What Lua knows of one function prototype."""
    __slots__ = ("line", "col", "end", "linedefined", "lastlinedefined", "nparams",
                 "isvararg", "is_main", "locals", "upvals", "upset", "own", "name",
                 "closures")

    def __init__(self, fnode, is_main, end):
        self.line = fnode.line
        self.col = fnode.col
        self.end = end
        self.is_main = is_main
        self.linedefined = 0 if is_main else fnode.line
        self.lastlinedefined = 0 if is_main else fnode.end_line
        self.nparams = len(fnode.params)
        self.isvararg = bool(fnode.is_vararg)
        self.name = "main chunk" if is_main else (fnode.name or "anonymous")
        self.locals = []
        self.upvals = []        # [(name, pyname or None for the chunk _ENV, boxed)]
        self.upset = set()
        self.own = set()        # Python names of its parameters and locals
        self.closures = {}      # (line, col) of a nested function -> line of its closure


def _pos(n):
    return (n.line, n.col)


def _minpos(node):
    """Where a statement starts (its own position or that of its leftmost
    expression: ``a.b = c`` is positioned at '=')."""
    from ..compiler import luaast as A
    best = _pos(node)
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, A.Node):
            if type(x) in (A.Block, A.Function):
                continue
            if x.line and _pos(x) < best:
                best = _pos(x)
            for f in x._fields:
                stack.append(getattr(x, f))
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
    return best


def _const_number(e):
    from ..compiler import luaast as A
    if type(e) is A.Number:
        return e.value
    if type(e) is A.UnOp and e.op == "-" and type(e.operand) is A.Number:
        return -e.operand.value
    return None


class _Walker:
    """Walks a resolved chunk in the order Lua's parser reads it."""

    def __init__(self, res):
        from ..compiler import luaast as A
        self.A = A
        self.res = res
        self.metas = []
        self.stack = []         # [(meta, FuncInfo)]

    def function(self, fnode, is_main=False):
        res = self.res
        info = res.funcs[id(fnode)]
        body = fnode.body
        m = _FMeta(fnode, is_main, _pos(body))
        self.metas.append(m)
        if self.stack:
            # Lua creates the closure when it reaches 'end'
            self.stack[-1][0].closures[_pos(fnode)] = fnode.end_line
        if is_main:
            if not (body.body and _minpos(body.body[0]) == (1, 0)):
                m.closures[(1, 0)] = None       # the prologue and final return
            m.upvals.append((_ENVUP, None, False))
            m.upset.add(_ENVUP)
        self.stack.append((m, info))
        for i, p in enumerate(fnode.params):
            v = res.decls[(id(fnode), i)]
            m.locals.append(_Local(p, v.pyname, v.boxed, (-1, -1), m.end))
            m.own.add(v.pyname)
        self.block(body, m.end)
        self.stack.pop()

    def local(self, var, start, end):
        m = self.stack[-1][0]
        m.locals.append(_Local(var.name, var.pyname, var.boxed, start, end))
        m.own.add(var.pyname)

    def hidden(self, name, start, end, kind, var=None, const=None):
        self.stack[-1][0].locals.append(_Local(name, None, False, start, end, kind, var, const))

    def block(self, blk, end=None):
        if end is None:
            end = _pos(blk)
        stmts = blk.body
        for i, s in enumerate(stmts):
            after = _minpos(stmts[i + 1]) if i + 1 < len(stmts) else end
            self.stmt(s, after, end)

    def stmt(self, s, after, end):
        A = self.A
        t = type(s)
        decls = self.res.decls
        if t is A.Local:
            for e in s.exprs:
                self.expr(e)
            for i in range(len(s.names)):
                self.local(decls[(id(s), i)], after, end)
        elif t is A.LocalFunction:
            self.stack[-1][0].closures[_pos(s)] = s.func.end_line
            self.local(decls[(id(s), 0)], after, end)
            self.function(s.func)
        elif t is A.TypeDecl:
            v = decls.get((id(s), 0))
            if v is not None:
                self.local(v, after, end)
        elif t is A.Assign:
            for x in s.targets:
                self.expr(x)
            for e in s.exprs:
                self.expr(e)
        elif t is A.CallStat:
            self.expr(s.call)
        elif t is A.Do:
            self.block(s.body)
        elif t is A.While:
            self.expr(s.cond)
            self.block(s.body)
        elif t is A.Repeat:
            self.block(s.body, after)
            self.expr(s.cond)
        elif t is A.If:
            for cond, blk in s.tests:
                self.expr(cond)
                self.block(blk)
            if s.orelse is not None:
                self.block(s.orelse)
        elif t is A.NumFor:
            self.expr(s.start)
            self.expr(s.stop)
            if s.step is not None:
                self.expr(s.step)
            body = s.body
            b0 = _minpos(body.body[0]) if body.body else _pos(body)
            bend = _pos(body)
            v = decls[(id(s), 0)]
            self.hidden("(for index)", b0, bend, "index", v)
            self.hidden("(for limit)", b0, bend, "const", const=_const_number(s.stop))
            self.hidden("(for step)", b0, bend, "const",
                        const=1 if s.step is None else _const_number(s.step))
            self.local(v, b0, bend)
            self.block(body)
        elif t is A.GenFor:
            for e in s.exprs:
                self.expr(e)
            body = s.body
            b0 = _minpos(body.body[0]) if body.body else _pos(body)
            bend = _pos(body)
            v0 = decls[(id(s), 0)]
            self.hidden("(for generator)", b0, bend, "nil")
            self.hidden("(for state)", b0, bend, "nil")
            self.hidden("(for control)", b0, bend, "index", v0)
            for i in range(len(s.names)):
                self.local(decls[(id(s), i)], b0, bend)
            self.block(body)
        elif t is A.Return:
            for e in s.exprs:
                self.expr(e)

    def expr(self, e):
        A = self.A
        t = type(e)
        if t is A.Name:
            self.ref(e)
        elif t is A.Index:
            self.expr(e.obj)
            self.expr(e.key)
        elif t is A.Call:
            self.expr(e.func)
            for a in e.args:
                self.expr(a)
        elif t is A.Method:
            self.expr(e.obj)
            for a in e.args:
                self.expr(a)
        elif t is A.BinOp:
            self.expr(e.left)
            self.expr(e.right)
        elif t is A.UnOp:
            self.expr(e.operand)
        elif t is A.Paren:
            self.expr(e.expr)
        elif t is A.Table:
            for kind, k, v in e.items:
                if kind == "expr":
                    self.expr(k)
                self.expr(v)
        elif t is A.Function:
            self.function(e)

    def ref(self, node):
        res = self.res
        v = res.names.get(id(node))
        if v is None:
            v = res.env_for.get(id(node))
        if v is None:
            key, name, pyname, boxed, home = _ENVUP, "_ENV", None, False, None
        else:
            key, name, pyname, boxed, home = v.pyname, v.name, v.pyname, v.boxed, v.func
        for m, info in reversed(self.stack):
            if info is home:
                break
            if key not in m.upset:
                m.upset.add(key)
                m.upvals.append((name, pyname, boxed))


class _ChunkMeta:
    def __init__(self, metas):
        self.by_line = {}
        for m in metas:
            self.by_line.setdefault(m.linedefined, []).append(m)
        self.main = metas[0]


_CHUNKS = {}            # chunk name -> (source, _ChunkMeta or None)
_CODES = {}             # id(code) -> (code, _FMeta or None)
_POSITIONS = {}         # id(code) -> (code, list of (line, col) per code unit)


def _chunk_meta(chunkname):
    entry = linecache.cache.get(chunkname)
    if not entry or entry[1] is not None:
        return None
    source = "".join(entry[2])
    got = _CHUNKS.get(chunkname)
    if got is not None and got[0] == source:
        return got[1]
    meta = None
    try:
        from ..compiler.parser import parse
        from ..compiler.scope import resolve
        tree = parse(source, chunkname)
        res = resolve(tree, chunkname)
        w = _Walker(res)
        w.function(res.main, is_main=True)
        meta = _ChunkMeta(w.metas)
    except Exception:       # the source cannot be read back: no metadata
        meta = None
    _CHUNKS[chunkname] = (source, meta)
    return meta


def _code_meta(code):
    """The _FMeta of a Lua code object (None for builtins or unknown code)."""
    got = _CODES.get(id(code))
    if got is not None and got[0] is code:
        return got[1]
    meta = None
    if code.co_filename in LUA_FILES:
        cm = _chunk_meta(code.co_filename)
        if cm is not None:
            meta = _match(cm, code)
    _CODES[id(code)] = (code, meta)
    return meta


def _match(cm, code):
    if code.co_name == "main chunk":
        return cm.main
    cands = [m for m in cm.by_line.get(code.co_firstlineno, ()) if not m.is_main]
    if len(cands) > 1:
        names = set(code.co_varnames) | set(code.co_cellvars)
        own = [m for m in cands if m.own & names]
        if own:
            cands = own
        else:
            cands = [m for m in cands if not m.own] or cands
    if len(cands) > 1:
        named = [m for m in cands if m.name == code.co_name]
        cands = named or cands
    if len(cands) > 1:
        # several functions without locals on one line: by source range
        pos = [p for p in _positions(code) if p is not None and p[1]]

        def score(m):
            return sum(1 for p in pos if (m.line, m.col) < p <= m.end)
        cands = sorted(cands, key=score, reverse=True)
    return cands[0] if cands else None


def _positions(code):
    got = _POSITIONS.get(id(code))
    if got is not None and got[0] is code:
        return got[1]
    pos = [(p[0], p[2]) if p[0] is not None else None for p in code.co_positions()]
    _POSITIONS[id(code)] = (code, pos)
    return pos


def _frame_pos(frame):
    pos = _positions(frame.f_code)
    i = frame.f_lasti // 2
    if 0 <= i < len(pos) and pos[i] is not None:
        return pos[i]
    return (frame.f_lineno or 0, 0)


# --------------------------------------------------------------------------
# stack levels

_HOOK_CODES = set()     # code objects of the hook dispatchers (filled below)


class _Level:
    """One level of a Lua thread's stack: a Lua frame, a builtin frame or
    the host below the main chunk (frame None)."""
    __slots__ = ("kind", "frame", "qual", "hooked", "line", "via")

    def __init__(self, kind, frame, qual=None, line=None):
        self.kind = kind            # 'lua' or 'c'
        self.frame = frame
        self.qual = qual
        self.hooked = False         # called by a hook dispatcher
        self.line = line
        self.via = None             # (name, namewhat) when called by a runtime helper


# runtime helpers (runtime/ops.py) that call metamethods and iterators:
# what Lua 5.3 names the function they call
_OPS_FILE = _ops.__file__
_VIA = {"_generic_iter": ("for iterator", "for iterator")}
for _name, _event in [("index", "index"), ("index_method", "index"), ("_index_chain", "index"),
                      ("_index_slow", "index"), ("_class_lookup", "index"),
                      ("setindex", "newindex"), ("add", "add"), ("sub", "sub"), ("mul", "mul"),
                      ("div", "div"), ("fdiv", "div"), ("mod", "mod"), ("idiv", "idiv"),
                      ("pow", "pow"), ("unm", "unm"), ("band", "band"), ("bor", "bor"),
                      ("bxor", "bxor"), ("shl", "shl"), ("shr", "shr"), ("bnot", "bnot"),
                      ("concat", "concat"), ("concat_n", "concat"), ("length", "len"),
                      ("eq_meta", "eq"), ("lt_meta", "lt"), ("le_meta", "le"), ("lt", "lt"),
                      ("le", "le")]:
    _VIA[_name] = ("__" + _event, "metamethod")


def _frames(start):
    """Python frames from ``start`` outwards, with the error frames of a
    running xpcall handler spliced in."""
    tb = pending_traceback
    f = start
    if tb is None:
        while f is not None:
            yield f, None
            f = f.f_back
        return
    handler_base = tb.tb_frame
    while f is not None:
        if f is handler_base:
            inner = []
            t = tb.tb_next
            while t is not None:
                inner.append((t.tb_frame, t.tb_lineno))
                t = t.tb_next
            for fr, line in reversed(inner):
                yield fr, line
        yield f, None
        f = f.f_back


def _collect(start, main):
    return _collect_frames(_frames(start), main)


def _collect_frames(frames, main):
    """Levels from (Python frame, line or None) pairs, innermost first."""
    levels = []
    files = LUA_FILES
    builtins = BUILTIN_CODES
    hooks = _HOOK_CODES
    for f, line in frames:
        code = f.f_code
        if code.co_filename in files:
            levels.append(_Level("lua", f, line=line))
        else:
            q = builtins.get(code)
            if q is not None:
                levels.append(_Level("c", f, q))
            elif levels:
                if code in hooks:
                    levels[-1].hooked = True
                elif code.co_filename == _OPS_FILE and levels[-1].via is None:
                    via = _VIA.get(code.co_name)
                    if via is not None:
                        levels[-1].via = via
    if main:
        levels.append(_Level("c", None))
    return levels


def _thread_levels(co, start):
    """The levels of Lua thread ``co`` (None: the running one)."""
    cur = _co._state.current
    if co is None or co is cur or (cur is None and co is _co._state.main):
        return _collect(start, cur is None)
    if co is _co._state.main:
        import greenlet
        g = greenlet.getcurrent()
        while g.parent is not None:
            g = g.parent
        f = g.gr_frame
        return _collect(f, True) if f is not None else []
    if co.glet is None:
        return []
    f = co.glet.gr_frame
    return _collect(f, False) if f is not None else []


def _getthread(args):
    """Lua's ``getthread``: (thread or None, remaining args, arg offset)."""
    if args and type(args[0]) is _co.Coroutine:
        return args[0], args[1:], 1
    return None, args, 0


def _level_line(lv):
    if lv.kind != "lua":
        return -1
    if lv.line is not None:
        return lv.line
    return lv.frame.f_lineno


def _call_name(levels, i):
    """(name, namewhat) of the function at level i, from its caller."""
    lv = levels[i]
    if lv.hooked:
        return "?", "hook"
    if lv.via is not None:
        return lv.via
    if i + 1 >= len(levels):
        return None, ""
    caller = levels[i + 1]
    if caller.kind != "lua":
        return None, ""
    f = caller.frame
    info = ERRINFO.get(f.f_code.co_filename)
    if not info:
        return None, ""
    entry = info.get(_frame_pos(f))
    descs = entry.get("call") if entry else None
    if not descs or not descs[0]:
        return None, ""
    kind, _, rest = descs[0].partition(" ")
    if kind not in ("global", "local", "method", "field", "upvalue") or len(rest) < 2:
        return None, ""
    return rest[1:-1], kind


# --------------------------------------------------------------------------
# getinfo

def _source_of(chunkname):
    s = CHUNK_SOURCES.get(chunkname)
    if s is not None:
        return s
    if chunkname.startswith('[string "'):
        entry = linecache.cache.get(chunkname)
        if entry and entry[1] is None:
            return "".join(entry[2])
    return "@" + chunkname


def _active_lines(code, meta):
    """Lines with code: those of the function's own instructions (not the
    prologue, positioned at the 'function' keyword) and the line of 'end',
    where Lua puts the final return."""
    lines = set()
    start = (meta.line, meta.col)
    for p in _positions(code):
        if p is not None and (meta.is_main or p > start):
            line = meta.closures.get(p, p[0])
            if line is not None:
                lines.add(line)
    if not meta.is_main:
        lines.add(meta.lastlinedefined)
    t = LuaTable()
    for ln in sorted(lines):
        t[ln] = TRUE
    return t


def _fill_lua(t, opts, code, meta, fn):
    chunk = code.co_filename
    if "S" in opts:
        t["source"] = _source_of(chunk)
        t["short_src"] = short_src(chunk)
        if meta is not None:
            t["linedefined"] = meta.linedefined
            t["lastlinedefined"] = meta.lastlinedefined
            t["what"] = "main" if meta.is_main else "Lua"
        else:
            t["linedefined"] = code.co_firstlineno
            t["lastlinedefined"] = code.co_firstlineno
            t["what"] = "Lua"
    if "u" in opts:
        t["nups"] = len(meta.upvals) if meta is not None else 0
        t["nparams"] = code.co_argcount
        t["isvararg"] = TRUE if (meta.isvararg if meta is not None else
                                 "VA" in code.co_varnames[code.co_argcount:]) else FALSE
    if "L" in opts:
        if meta is not None:
            t["activelines"] = _active_lines(code, meta)
    if "f" in opts and fn is not None:
        t["func"] = fn


def _fill_c(t, opts, fn):
    if "S" in opts:
        t["source"] = "=[C]"
        t["short_src"] = "[C]"
        t["linedefined"] = -1
        t["lastlinedefined"] = -1
        t["what"] = "C"
    if "u" in opts:
        t["nups"] = 0
        t["nparams"] = 0
        t["isvararg"] = TRUE
    if "f" in opts and fn is not None:
        t["func"] = fn


_OPTS = set("SlutnLf")


def d_getinfo(*args):
    co, args, off = _getthread(args)
    what = args[0] if args else _NONE
    opts = args[1] if len(args) > 1 else None
    if opts is None:
        opts = "flnStu"
    elif type(opts) in (int, float):
        opts = tostr(opts)
    elif type(opts) is not str:
        arg_error(off + 2, "getinfo", "string expected, got %s" % _typename(opts))
    if any(c not in _OPTS for c in opts):
        arg_error(off + 2, "getinfo", "invalid option")
    t = LuaTable()
    if callable(what) and type(what) not in TABLE_TYPES and not isinstance(what, Userdata) \
            and type(what) is not _co.Coroutine:
        code = getattr(what, "__code__", None)
        if code is not None and code.co_filename in LUA_FILES:
            _fill_lua(t, opts, code, _code_meta(code), what)
        else:
            _fill_c(t, opts, what)
        if "l" in opts:
            t["currentline"] = -1
        if "t" in opts:
            t["istailcall"] = FALSE
        if "n" in opts:
            t["namewhat"] = ""
        return t
    level = _level_arg(what, off + 1, "getinfo")
    levels = _thread_levels(co, sys._getframe())
    if level < 0 or level >= len(levels):
        return None
    lv = levels[level]
    fn = None
    if "f" in opts and lv.frame is not None:
        fn = _frame_func(lv.frame)
    if lv.kind == "lua":
        code = lv.frame.f_code
        _fill_lua(t, opts, code, _code_meta(code), fn)
    else:
        _fill_c(t, opts, fn)
    if "l" in opts:
        t["currentline"] = _level_line(lv)
    if "t" in opts:
        t["istailcall"] = FALSE
    if "n" in opts:
        name, namewhat = _call_name(levels, level)
        if name is not None:
            t["name"] = name
        t["namewhat"] = namewhat
    return t


def _level_arg(v, n, fname):
    tv = type(v)
    if tv is int:
        return v
    if tv is float and v.is_integer():
        return int(v)
    if tv is str:
        from .values import str2number
        x = str2number(v)
        if type(x) is int:
            return x
        if type(x) is float and x.is_integer():
            return int(x)
    if tv is float or (tv is str and str2number(v) is not None):
        arg_error(n, fname, "number has no integer representation")
    arg_error(n, fname, "number expected, got %s" % _typename(v))


def _int_arg(v, n, fname):
    return _level_arg(v, n, fname)


# --------------------------------------------------------------------------
# locals

def _active_locals(lv):
    """[(_Local, value getter/setter context)] active at the level, in
    declaration order."""
    meta = _code_meta(lv.frame.f_code)
    if meta is None:
        return []
    pos = _frame_pos(lv.frame)
    return [loc for loc in meta.locals if loc.start <= pos < loc.end]


def _local_value(frame, loc, fl):
    if loc.hidden is not None:
        if loc.hidden == "index":
            return _local_value(frame, _Local(loc.var.name, loc.var.pyname, loc.var.boxed,
                                              None, None), fl)
        if loc.hidden == "const":
            return loc.const
        return None
    v = fl.get(loc.pyname)
    if loc.boxed and type(v) is list:
        return v[0] if v else None
    return v


def _vararg(frame):
    code = frame.f_code
    if "VA" not in code.co_varnames[code.co_argcount:]:
        return None
    va = frame.f_locals.get("VA")
    return va if type(va) is tuple else None


def _local_level(co, level, off, fname):
    levels = _thread_levels(co, sys._getframe(1))
    if level < 0 or level >= len(levels):
        arg_error(off + 1, fname, "level out of range")
    return levels[level]


def d_getlocal(*args):
    co, args, off = _getthread(args)
    what = args[0] if args else _NONE
    n = _int_arg(args[1] if len(args) > 1 else _NONE, off + 2, "getlocal")
    if callable(what) and type(what) not in TABLE_TYPES and not isinstance(what, Userdata) \
            and type(what) is not _co.Coroutine:
        code = getattr(what, "__code__", None)
        if code is None or code.co_filename not in LUA_FILES:
            return None
        meta = _code_meta(code)
        if meta is None or not 1 <= n <= meta.nparams:
            return None
        return meta.locals[n - 1].name
    level = _level_arg(what, off + 1, "getlocal")
    lv = _local_level(co, level, off, "getlocal")
    if lv.kind != "lua":
        return None
    frame = lv.frame
    if n < 0:
        va = _vararg(frame)
        if va is None or -n > len(va):
            return None
        return ("(*vararg)", va[-n - 1])
    act = _active_locals(lv)
    if not 1 <= n <= len(act):
        return None
    loc = act[n - 1]
    return (loc.name, _local_value(frame, loc, frame.f_locals))


def d_setlocal(*args):
    co, args, off = _getthread(args)
    level = _level_arg(args[0] if args else _NONE, off + 1, "setlocal")
    n = _int_arg(args[1] if len(args) > 1 else _NONE, off + 2, "setlocal")
    lv = _local_level(co, level, off, "setlocal")
    if len(args) < 3:
        arg_error(off + 3, "setlocal", "value expected")
    value = args[2]
    if lv.kind != "lua":
        return None
    frame = lv.frame
    if n < 0:
        va = _vararg(frame)
        if va is None or -n > len(va):
            return None
        lst = list(va)
        lst[-n - 1] = value
        frame.f_locals["VA"] = tuple(lst)
        _locals_to_fast(frame)
        return "(*vararg)"
    act = _active_locals(lv)
    if not 1 <= n <= len(act):
        return None
    loc = act[n - 1]
    if loc.hidden is not None:
        return loc.name
    fl = frame.f_locals
    if loc.boxed and type(fl.get(loc.pyname)) is list:
        fl[loc.pyname][0] = value
    else:
        fl[loc.pyname] = value
        _locals_to_fast(frame)
    return loc.name


# --------------------------------------------------------------------------
# upvalues

class UpvalueId(Userdata):
    """What ``debug.upvalueid`` returns: equal for the same upvalue."""
    __slots__ = ("ref",)

    def __init__(self, ref):
        self.ref = ref

    def __eq__(self, other):
        return type(other) is UpvalueId and other.ref is self.ref

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return id(self.ref)


def _check_function(v, n, fname):
    if not callable(v) or type(v) in TABLE_TYPES or isinstance(v, Userdata) \
            or type(v) is _co.Coroutine:
        arg_error(n, fname, "function expected, got %s" % _typename(v))
    return v


def _upval(fn, n):
    """(name, kind, ref) of upvalue n of fn: kind 'cell' (ref = (closure
    index)), 'box' (ref = pyname), 'env' or 'missing'; None when out of
    range."""
    code = getattr(fn, "__code__", None)
    if code is None or code.co_filename not in LUA_FILES:
        return None
    meta = _code_meta(code)
    if meta is None or not 1 <= n <= len(meta.upvals):
        return None
    name, pyname, boxed = meta.upvals[n - 1]
    if pyname is None:
        return name, "env", None
    if pyname in code.co_freevars and fn.__closure__ is not None:
        return name, "cell", code.co_freevars.index(pyname)
    kw = fn.__kwdefaults__
    if kw and type(kw.get(pyname)) is list:
        return name, "box", pyname
    if pyname == "_ENV_" and pyname in code.co_names:
        return name, "env", None
    return name, "missing", None


def _upval_get(fn, kind, ref):
    if kind == "cell":
        try:
            return fn.__closure__[ref].cell_contents
        except ValueError:
            return None
    if kind == "box":
        box = fn.__kwdefaults__[ref]
        return box[0] if box else None
    if kind == "env":
        return fn.__globals__.get("_ENV_")
    return None


def d_getupvalue(f=_NONE, n=_NONE, *_):
    n = _int_arg(n, 2, "getupvalue")
    _check_function(f, 1, "getupvalue")
    u = _upval(f, n)
    if u is None:
        return ()
    name, kind, ref = u
    return (name, _upval_get(f, kind, ref))


def d_setupvalue(f=_NONE, n=_NONE, v=_NONE, *_):
    if v is _NONE:
        arg_error(3, "setupvalue", "value expected")
    n = _int_arg(n, 2, "setupvalue")
    _check_function(f, 1, "setupvalue")
    u = _upval(f, n)
    if u is None:
        return ()
    name, kind, ref = u
    if kind == "cell":
        f.__closure__[ref].cell_contents = v
    elif kind == "box":
        f.__kwdefaults__[ref][0] = v
    elif kind == "env":
        g = f.__globals__
        g["_ENV_"] = v
        # the generated code reads globals through _ENVg, the raw get of _ENV
        g["_ENVg"] = v.get if type(v) in TABLE_TYPES else g.get("_ENVn", {}.get)
    return name


def _upval_checked(f, n, argn, fname):
    _check_function(f, argn, fname)
    u = _upval(f, n)
    if u is None:
        arg_error(argn + 1, fname, "invalid upvalue index")
    return u


def _upval_ref(f, kind, ref):
    if kind == "cell":
        return f.__closure__[ref]
    if kind == "box":
        return f.__kwdefaults__[ref]
    if kind == "env":
        return f.__globals__
    return f


def d_upvalueid(f=_NONE, n=_NONE, *_):
    n = _int_arg(n, 2, "upvalueid")
    _, kind, ref = _upval_checked(f, n, 1, "upvalueid")
    return UpvalueId(_upval_ref(f, kind, ref))


def d_upvaluejoin(f1=_NONE, n1=_NONE, f2=_NONE, n2=_NONE, *_):
    n1 = _int_arg(n1, 2, "upvaluejoin")
    _, k1, r1 = _upval_checked(f1, n1, 1, "upvaluejoin")
    n2 = _int_arg(n2, 4, "upvaluejoin")
    _, k2, r2 = _upval_checked(f2, n2, 3, "upvaluejoin")
    if k1 == "cell" and k2 == "cell":
        if _set_closure_cell(f1, r1, f2.__closure__[r2]):
            return None
    elif k1 == "box" and k2 == "box":
        f1.__kwdefaults__[r1] = f2.__kwdefaults__[r2]
        return None
    elif k1 == "env" and k2 == "env" and f1.__globals__ is f2.__globals__:
        return None
    rt_error("cannot join these upvalues (a loop local captured by a closure, a "
             "captured local and a chunk's _ENV are stored differently)")


# --------------------------------------------------------------------------
# metatables, uservalues, registry

def d_getmetatable(v=_NONE, *_):
    if v is _NONE:
        arg_error(1, "getmetatable", "value expected")
    return _ops.getmetatable(v)


def d_setmetatable(v=_NONE, mt=_NONE, *_):
    if mt is _NONE or (mt is not None and type(mt) not in TABLE_TYPES):
        arg_error(2, "setmetatable", "nil or table expected")
    if v is _NONE:
        arg_error(1, "setmetatable", "value expected")
    if type(v) in TABLE_TYPES:
        _ops.setmetatable(v, mt)
        return v
    if isinstance(v, Userdata):
        cls = type(v)
        if cls.lua_meta is not mt:
            # userdata metatables belong to their Python class (ops)
            name = cls.lua_meta.get("__name") if cls.lua_meta is not None else None
            rt_error("cannot change the metatable of a %s userdata" % (
                name if type(name) is str else "host"))
        return v
    if mt is not None:
        _ops.mark_class(mt)
    _ops.set_type_metatable(lua_type(v), mt)
    return v


_USERVALUES = weakref.WeakKeyDictionary()
_USERVALUES_STRONG = {}


def d_getuservalue(u=_NONE, *_):
    if not isinstance(u, Userdata):
        return None
    try:
        return _USERVALUES.get(u)
    except TypeError:
        return _USERVALUES_STRONG.get(id(u), (None, None))[1]


def d_setuservalue(u=_NONE, v=_NONE, *_):
    if not isinstance(u, Userdata):
        arg_error(1, "setuservalue", "userdata expected, got %s" % _typename(u))
    if v is _NONE:
        arg_error(2, "setuservalue", "value expected")
    try:
        if v is None:
            _USERVALUES.pop(u, None)
        else:
            _USERVALUES[u] = v
    except TypeError:
        if v is None:
            _USERVALUES_STRONG.pop(id(u), None)
        else:
            _USERVALUES_STRONG[id(u)] = (u, v)
    return u


# --------------------------------------------------------------------------
# traceback

def _global_name(fn, loaded):
    """Lua 5.3's ``pushglobalfuncname``: the name under which ``fn`` is
    found in ``package.loaded`` (two levels deep, ``_G.`` dropped)."""
    if fn is None or type(loaded) not in TABLE_TYPES:
        return None
    for k, v in loaded.items():
        if type(k) is not str:
            continue
        if v is fn:
            return k
        if type(v) in TABLE_TYPES:
            for k2, v2 in v.items():
                if v2 is fn and type(k2) is str:
                    return k2 if k == "_G" else "%s.%s" % (k, k2)
    return None


def _tb_label(levels, i, loaded=None):
    """Lua 5.3's ``pushfuncname``: a global name, else the name the calling
    code gives (``local 'f'``, ``method 'm'``...), else main chunk or
    ``function <src:line>``."""
    lv = levels[i]
    if lv.kind == "c":
        if lv.qual:
            return "function '%s'" % lv.qual
        name, namewhat = _call_name(levels, i) if lv.frame is not None else (None, "")
        return "%s '%s'" % (namewhat, name) if namewhat else "?"
    name = _global_name(_frame_func(lv.frame), loaded) if loaded is not None else None
    if name is not None:
        return "function '%s'" % name
    name, namewhat = _call_name(levels, i)
    if namewhat:
        return "%s '%s'" % (namewhat, name)
    code = lv.frame.f_code
    meta = _code_meta(code)
    if meta is None or meta.is_main:
        return function_label(code.co_name, short_src(code.co_filename), code.co_firstlineno)
    return "function <%s:%d>" % (short_src(code.co_filename), meta.linedefined)


def _traceback_text(levels, level, loaded=None):
    shown = list(range(max(level, 0), len(levels)))
    if len(shown) > 22:         # only the levels Lua prints get a label
        shown = shown[:10] + [None] + shown[-11:]
    out = []
    for i in shown:
        if i is None:
            out.append("\t...")
            continue
        lv = levels[i]
        if lv.kind == "lua":
            out.append("\t%s:%d: in %s" % (short_src(lv.frame.f_code.co_filename),
                                           _level_line(lv), _tb_label(levels, i, loaded)))
        else:
            out.append("\t[C]: in %s" % _tb_label(levels, i, loaded))
    return "\n".join(["stack traceback:"] + out)


def error_traceback(tb, loaded=None):
    """The traceback ``lua`` prints for an uncaught error (its message
    handler runs ``luaL_traceback`` at level 1): the levels of the Python
    traceback ``tb`` from the point of the error out to the host."""
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    frames.reverse()
    return _traceback_text(_collect_frames(frames, True), 0, loaded)


def _make_traceback(getregistry):
    def d_traceback(*args):
        co, args, off = _getthread(args)
        msg = args[0] if args else None
        if msg is not None and type(msg) not in (str, int, float):
            return msg
        lvarg = args[1] if len(args) > 1 else None
        default = 1 if co is None or co is (_co._state.current or _co._state.main) else 0
        level = default if lvarg is None else _level_arg(lvarg, off + 2, "traceback")
        levels = _thread_levels(co, sys._getframe())
        text = _traceback_text(levels, level, getregistry().get("_LOADED"))
        if msg is not None:
            return tostring(msg) + "\n" + text
        return text
    return d_traceback


# --------------------------------------------------------------------------
# hooks

class _Hook:
    __slots__ = ("fn", "mask", "count", "left", "call", "ret", "line", "thread")

    def __init__(self, fn, mask, count, thread):
        self.fn = fn
        self.mask = mask
        self.count = count
        self.left = count
        self.call = "c" in mask
        self.ret = "r" in mask
        self.line = "l" in mask
        self.thread = thread


_hooks = {}             # Lua thread (coroutine; _co._state.main) -> _Hook
_cstate = _co._state


def _local_trace(frame, event, arg):
    hook = _hooks.get(_cstate.current or _cstate.main)
    if hook is None:
        return None
    if event == "line":
        if hook.line:
            hook.fn("line", frame.f_lineno)
    elif event == "opcode":
        if hook.count:
            hook.left -= 1
            if hook.left <= 0:
                hook.left = hook.count
                hook.fn("count", None)
    elif event == "return":
        if hook.ret:
            hook.fn("return", None)
    return _local_trace


_dead_hooks = weakref.WeakKeyDictionary()      # finished coroutine -> _Hook (gethook)


def _drop_dead_hooks():
    """Set aside the hooks of finished coroutines (they never run again);
    uninstall the trace function when no hook is left."""
    for k in [k for k in _hooks if k.status == "dead"]:
        _dead_hooks[k] = _hooks.pop(k)
    if not _hooks:
        sys.settrace(None)


def _global_trace(frame, event, arg):
    hook = _hooks.get(_cstate.current or _cstate.main)
    if hook is None:
        _drop_dead_hooks()
        return None
    code = frame.f_code
    if code.co_filename in LUA_FILES:
        if hook.call:
            hook.fn("call", None)
        if hook.line or hook.ret or hook.count:
            frame.f_trace_lines = hook.line
            frame.f_trace_opcodes = bool(hook.count)
            return _local_trace
        return None
    if code in BUILTIN_CODES:
        if hook.call:
            hook.fn("call", None)
        if hook.ret:
            frame.f_trace_lines = False
            return _c_trace
    return None


def _c_trace(frame, event, arg):
    if event == "return":
        hook = _hooks.get(_cstate.current or _cstate.main)
        if hook is not None and hook.ret:
            hook.fn("return", None)
    return _c_trace


_HOOK_CODES.update((_local_trace.__code__, _global_trace.__code__, _c_trace.__code__))


def d_sethook(*args):
    """Hooks belong to a Lua thread, as in Lua (a coroutine does not inherit
    the hook of the thread that created or resumed it).  One trace function
    serves them all; it is installed while any thread has a hook."""
    co, args, off = _getthread(args)
    running = _cstate.current or _cstate.main
    key = running if co is None else co
    fn = args[0] if args else None
    if fn is None:
        _hooks.pop(key, None)
        _dead_hooks.pop(key, None)
        _drop_dead_hooks()
        return None
    mask = args[1] if len(args) > 1 else _NONE
    smask = tostr(mask)
    if smask is None:
        arg_error(off + 2, "sethook", "string expected, got %s" % _typename(mask))
    _check_function(fn, off + 1, "sethook")
    count = args[2] if len(args) > 2 else None
    count = 0 if count is None else _int_arg(count, off + 3, "sethook")
    mask = "".join(c for c in "crl" if c in smask)
    if not mask and count <= 0:
        _hooks.pop(key, None)
        _dead_hooks.pop(key, None)
        _drop_dead_hooks()
        return None
    hook = _Hook(fn, mask, max(count, 0), key)
    _hooks[key] = hook
    sys.settrace(_global_trace)
    # the functions already running in that thread trace their lines and
    # returns from now on
    if key is running:
        me = sys._getframe()
        if hook.ret:
            me.f_trace_lines = False
            me.f_trace = _c_trace
        f = me.f_back
    elif key is _cstate.main:
        import greenlet
        g = greenlet.getcurrent()
        while g.parent is not None:
            g = g.parent
        f = g.gr_frame
    else:
        f = key.glet.gr_frame if key.glet is not None else None
    while f is not None:
        if f.f_code.co_filename in LUA_FILES:
            f.f_trace = _local_trace
            f.f_trace_lines = hook.line
            f.f_trace_opcodes = bool(hook.count)
        f = f.f_back
    return None


def d_gethook(*args):
    co, _, _ = _getthread(args)
    key = co if co is not None else (_cstate.current or _cstate.main)
    hook = _hooks.get(key) or _dead_hooks.get(key)
    if hook is None:
        return (None, "", 0)
    return (hook.fn, hook.mask, hook.count)


# --------------------------------------------------------------------------
# debug.debug

def _make_debug(state):
    def d_debug(*_):
        if state is None:
            return None
        err = state.stderr
        inp = state.stdin
        while True:
            err.write(b"lua_debug> ")
            try:
                err.flush()
            except Exception:       # pragma: no cover
                pass
            line = inp.readline()
            if not line or line == b"cont\n":
                return None
            src = line.decode("latin-1")
            try:
                fn = state.load(src, "(debug command)")
                fn()
            except Exception as e:
                from .errors import convert
                le = e if isinstance(e, LuaError) else convert(e)
                v = le.value
                text = tostr(v) if tostr(v) is not None else (
                    "nil" if v is None else "(error object is a %s value)" % lua_type(v))
                err.write((text + "\n").encode("latin-1", "replace"))
    return d_debug


# --------------------------------------------------------------------------

def make_debug_lib(state=None):
    # a new standalone state starts with Lua's defaults: only strings have a
    # metatable
    for tname in ("nil", "boolean", "number", "function", "thread", "userdata"):
        _ops.set_type_metatable(tname, None)
    lib = LuaTable()
    registry = LuaTable()
    if state is not None:
        registry[1] = _co._state.main
        registry[2] = state.G

    def d_getregistry(*_):
        if state is not None and "_LOADED" not in registry:
            pkg = state.G.get("package")
            if type(pkg) in TABLE_TYPES:
                if pkg.get("loaded") is not None:
                    registry["_LOADED"] = pkg.get("loaded")
                if pkg.get("preload") is not None:
                    registry["_PRELOAD"] = pkg.get("preload")
        return registry
    lib["getregistry"] = d_getregistry
    lib["debug"] = _make_debug(state)
    lib["traceback"] = _make_traceback(d_getregistry)
    lib["getinfo"] = d_getinfo
    lib["getlocal"] = d_getlocal
    lib["setlocal"] = d_setlocal
    lib["getupvalue"] = d_getupvalue
    lib["setupvalue"] = d_setupvalue
    lib["upvalueid"] = d_upvalueid
    lib["upvaluejoin"] = d_upvaluejoin
    lib["getmetatable"] = d_getmetatable
    lib["setmetatable"] = d_setmetatable
    lib["getuservalue"] = d_getuservalue
    lib["setuservalue"] = d_setuservalue
    lib["sethook"] = d_sethook
    lib["gethook"] = d_gethook
    return lib
