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


def where(level=1):
    f = lua_frame(level)
    if f is None:
        return ""
    return "%s:%d: " % (short_src(f.f_code.co_filename), f.f_lineno)


def short_src(chunkname):
    if chunkname[:1] in "=@":
        return chunkname[1:]
    return chunkname


def rt_error(msg, level=1):
    """Raise a Lua error with the position of the calling Lua code."""
    raise LuaError(where(level) + msg)


def arg_error(n, fname, msg):
    rt_error("bad argument #%d to '%s' (%s)" % (n, fname, msg))


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

_PYTYPES = {"NoneType": "nil", "int": "number", "float": "number", "str": "string",
            "LuaBool": "boolean", "LuaTable": "table", "LuaMetaTable": "table",
            "LuaFrozenTable": "table", "function": "function",
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
    out = ["stack traceback:"]
    for fname, line, name, first in reversed(lines):
        out.append("\t%s:%d: in %s" % (fname, line, function_label(name, fname, first)))
    out.append("\t[C]: in ?")
    return "\n".join(out)


def function_label(pyname, fname, first):
    if pyname in ("main_chunk", "main chunk"):
        return "main chunk"
    if pyname == "anonymous" or pyname.startswith("lua_anon"):
        return "function <%s:%d>" % (fname, first)
    return "function '%s'" % pyname.replace("__", ":").replace("_dot_", ".")
