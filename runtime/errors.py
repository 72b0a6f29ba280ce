"""Raising Lua errors from Python code with Lua positions.

Compiled chunks register their file name in ``LUA_FILES``; a frame whose code
comes from such a file is a Lua frame, and its ``f_lineno`` is the Lua line
(the code generator puts Lua positions on every Python node).

``rt_error(msg)`` is what every builtin uses for a runtime error: like
``luaL_error`` it prefixes the position of the Lua code that called the
builtin (``file.lua:12: bad argument #1 to 'rep' ...``).
"""

import sys

from .values import LuaError

__all__ = ["LUA_FILES", "rt_error", "arg_error", "where", "lua_frame"]

LUA_FILES = set()


def lua_frame(level=1):
    """The ``level``-th Lua frame up the Python stack (1 = innermost), or None."""
    f = sys._getframe(1)
    files = LUA_FILES
    while f is not None:
        if f.f_code.co_filename in files:
            level -= 1
            if level == 0:
                return f
        f = f.f_back
    return None


# code objects of Lua-visible builtins -> qualified name ("string.rep")
BUILTIN_CODES = {}


def register_builtins(G):
    """Record the builtins reachable from a globals table (and its library
    tables) so error positions can follow Lua's level rules."""
    def add(fn, qual):
        code = getattr(fn, "__code__", None)
        if code is not None and code not in BUILTIN_CODES:
            BUILTIN_CODES[code] = qual
    for k, v in list(G.items()):
        if type(k) is not str:
            continue
        if callable(v) and not isinstance(v, dict):
            add(v, k)
        elif isinstance(v, dict) and v is not G:
            for k2, v2 in list(v.items()):
                if type(k2) is str and callable(v2) and not isinstance(v2, dict):
                    add(v2, "%s.%s" % (k, k2))


def _levels(start):
    """Walk the Python stack as Lua's call stack: yields ('lua', frame) and
    ('c', qualname) entries, innermost first, skipping runtime helpers."""
    f = start
    files = LUA_FILES
    builtins = BUILTIN_CODES
    while f is not None:
        code = f.f_code
        if code.co_filename in files:
            yield "lua", f
        else:
            q = builtins.get(code)
            if q is not None:
                yield "c", q
        f = f.f_back


def where(level=1):
    """``luaL_where``: the position of the function at ``level`` (1 = the
    caller of the running builtin), or "" when that function is not Lua.

    When the error is raised by a runtime helper on behalf of Lua code (no
    builtin running), the position is that of the Lua code itself."""
    it = _levels(sys._getframe(1))
    first = next(it, None)
    if first is None:
        return ""
    if first[0] == "lua":
        if level <= 1:
            f = first[1]
            return "%s:%d: " % (short_src(f.f_code.co_filename), f.f_lineno)
        level -= 1
    for i, (kind, x) in enumerate(it, 1):
        if i == level:
            if kind == "lua":
                return "%s:%d: " % (short_src(x.f_code.co_filename), x.f_lineno)
            return ""
    return ""


def _called_from_c():
    """(caller is a builtin, qualified name of the running builtin)."""
    it = _levels(sys._getframe(2))
    first = next(it, None)
    if first is None or first[0] != "c":
        return False, None
    second = next(it, None)
    return (second is not None and second[0] == "c"), first[1]


def short_src(chunkname):
    if chunkname[:1] in "=@":
        return chunkname[1:]
    return chunkname


def rt_error(msg, level=1):
    """Raise a Lua error with the position of the calling Lua code."""
    raise LuaError(where(level) + msg)


def lua_traceback_lines(frames):
    """Lua 5.3 elides the middle of long tracebacks (10 first, 11 last)."""
    if len(frames) > 22:
        return frames[:10] + ["\t..."] + frames[-11:]
    return frames


def arg_error(n, fname, msg):
    """``luaL_argerror``: the function is named as the calling code names it
    (``local 'f'`` gives 'f', ``string.format`` gives 'format'); a method
    call counts ``self`` as argument 0."""
    via_c, qual = _called_from_c()
    if via_c and qual:
        fname = qual
    else:
        called = _call_site_name()
        if called is not None:
            kind, name = called
            fname = name
            if kind == "method":
                n -= 1
                if n == 0:
                    raise LuaError(where(1) + "calling '%s' on bad self (%s)" % (name, msg))
    raise LuaError(where(1) + "bad argument #%d to '%s' (%s)" % (n, fname, msg))


def _call_site_name():
    """(kind, name) of the function as named at the calling Lua position."""
    it = _levels(sys._getframe(1))
    first = next(it, None)
    if first is None or first[0] != "c":
        return None
    second = next(it, None)
    if second is None or second[0] != "lua":
        return None
    f = second[1]
    code = f.f_code
    info = ERRINFO.get(code.co_filename)
    if not info:
        return None
    pos = None
    for i, p in enumerate(code.co_positions()):
        if i == f.f_lasti // 2:
            pos = (p[0], p[2])
            break
    entry = info.get(pos) if pos else None
    if not entry:
        return None
    descs = entry.get("call")
    if not descs or not descs[0]:
        return None
    desc = descs[0]
    kind, _, rest = desc.partition(" ")
    if not (rest.startswith("'") and rest.endswith("'")):
        return None
    return kind, rest[1:-1]


# --------------------------------------------------------------------------
# turning Python exceptions raised by compiled code into Lua errors

# chunk file name -> {(line, col): {kind: [operand descriptions]}}
ERRINFO = {}

_MESSAGES = {
    "index": "attempt to index a %s value%s",
    "call": "attempt to call a %s value%s",
    "arith": "attempt to perform arithmetic on a %s value%s",
    "bitwise": "attempt to perform bitwise operation on a %s value%s",
    "concat": "attempt to concatenate a %s value%s",
    "len": "attempt to get length of a %s value%s",
}


def _tointeger_message(info, operand):
    desc = _describe(info, "bitwise", operand)
    return "number%s has no integer representation" % desc

_PYTYPES = {"NoneType": "nil", "int": "number", "float": "number", "str": "string",
            "LuaBool": "boolean", "LuaTable": "table", "LuaMetaTable": "table",
            "LuaFrozenTable": "table", "LuaClassTable": "table", "function": "function",
            "builtin_function_or_method": "function", "Coroutine": "thread",
            "method": "function"}


def _innermost_lua(tb):
    found = None
    files = LUA_FILES
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in files:
            found = tb
        tb = tb.tb_next
    return found


def _position(tb):
    code = tb.tb_frame.f_code
    for i, pos in enumerate(code.co_positions()):
        if i == tb.tb_lasti // 2:
            return pos[0], pos[2]
    return tb.tb_lineno, None


def _describe(info, kind, operand):
    if not info:
        return ""
    descs = info.get(kind)
    if not descs or operand >= len(descs) or not descs[operand]:
        return ""
    return " (%s)" % descs[operand]


def convert(exc):
    """The LuaError for any exception raised while running Lua code."""
    if isinstance(exc, LuaError):
        return exc
    from .ops import OpError
    tb = _innermost_lua(exc.__traceback__)
    prefix = ""
    info = None
    if tb is not None:
        line, col = _position(tb)
        fname = tb.tb_frame.f_code.co_filename
        prefix = "%s:%d: " % (short_src(fname), line if line else tb.tb_lineno)
        info = ERRINFO.get(fname, {}).get((line, col))
    if isinstance(exc, OpError):
        if exc.message is not None:
            msg = exc.message
        elif exc.kind == "tointeger":
            msg = _tointeger_message(info, exc.operand)
        else:
            msg = _MESSAGES[exc.kind] % (exc.tname, _describe(info, exc.kind, exc.operand))
    elif isinstance(exc, TypeError):
        msg = _type_error_message(str(exc), info)
    elif isinstance(exc, RecursionError):
        msg = "stack overflow"
    elif isinstance(exc, MemoryError):
        msg = "not enough memory"
    else:
        msg = "internal error: %s: %s" % (type(exc).__name__, exc)
    err = LuaError(prefix + msg)
    err.__cause__ = exc
    err.__traceback__ = exc.__traceback__
    return err


def _type_error_message(text, info):
    if text.endswith("object is not callable"):
        pyname = text.split("'")[1] if "'" in text else "?"
        return _MESSAGES["call"] % (_PYTYPES.get(pyname, "userdata"),
                                    _describe(info, "call", 0))
    if "not supported between instances of" in text:
        names = text.split("'")
        a = _PYTYPES.get(names[3], "userdata") if len(names) > 5 else "?"
        b = _PYTYPES.get(names[5], "userdata") if len(names) > 5 else "?"
        if names[1] in (">", ">="):      # Lua evaluates a > b as b < a
            a, b = b, a
        if a == b:
            return "attempt to compare two %s values" % a
        return "attempt to compare %s with %s" % (a, b)
    return "internal error: TypeError: %s" % text


def lua_traceback(tb, skip_inner=0):
    """Lua-style 'stack traceback:' lines for the Lua frames of ``tb``."""
    lines = []
    files = LUA_FILES
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in files:
            lines.append((short_src(code.co_filename), tb.tb_lineno, code.co_name,
                          code.co_firstlineno))
        tb = tb.tb_next
    body = ["\t%s:%d: in %s" % (fname, line, function_label(name, fname, first))
            for fname, line, name, first in reversed(lines)]
    return "\n".join(["stack traceback:"] + lua_traceback_lines(body) + ["\t[C]: in ?"])


def function_label(pyname, fname, first):
    if pyname in ("main_chunk", "main chunk"):
        return "main chunk"
    if pyname == "anonymous" or pyname.startswith("lua_anon"):
        return "function <%s:%d>" % (fname, first)
    return "function '%s'" % pyname.replace("__", ":").replace("_dot_", ".")
