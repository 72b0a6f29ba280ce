"""The ``debug`` library of standalone scripts (``debug.traceback`` for
now; the rest comes with the debug-library issue)."""

import sys

from .values import LuaTable, tostring
from .errors import lua_traceback, LUA_FILES, short_src, function_label

__all__ = ["make_debug_lib", "pending_traceback"]

# set by xpcall while its message handler runs: the traceback of the error
pending_traceback = None


def _stack_traceback(level):
    f = sys._getframe(1)
    frames = []
    while f is not None:
        code = f.f_code
        if code.co_filename in LUA_FILES:
            frames.append((short_src(code.co_filename), f.f_lineno, code.co_name, code.co_firstlineno))
        f = f.f_back
    frames = frames[max(level - 1, 0):]
    out = ["stack traceback:"]
    for fname, line, name, first in frames:
        out.append("\t%s:%d: in %s" % (fname, line, function_label(name, fname, first)))
    out.append("\t[C]: in ?")
    return "\n".join(out)


def d_traceback(msg=None, level=1, *_):
    if msg is not None and type(msg) not in (str, int, float):
        return msg
    text = _stack_traceback(level if type(level) is int else 1)
    if msg is not None:
        return tostring(msg) + "\n" + text
    return text


def make_debug_lib():
    lib = LuaTable()
    lib["traceback"] = d_traceback
    return lib
