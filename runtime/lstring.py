"""The Lua ``string`` library and the string metatable.

Strings are Python ``str`` of bytes (see values.py), so every function here
counts and indexes bytes.  Patterns live in lpattern.py, ``format`` in
lformat.py and ``pack``/``unpack`` in lpack.py.
"""

from .values import LuaTable, TRUE, FALSE, LuaError
from .ops import set_type_metatable, setmetatable
from .baselib import check_int, check_str, arg_error, NONE, typename_arg
from .errors import rt_error
from . import lpattern, lformat, lpack

__all__ = ["make_string_lib"]

MAXSIZE = 0x7FFFFFFF        # lstrlib.c's MAXSIZE (INT_MAX): limit of string.rep results
MAX_RESULTS = 999980        # about where lua_checkstack refuses more results


def _posrelat(pos, n):
    if pos >= 0:
        return pos
    if -pos > n:
        return 0
    return n + pos + 1


def s_len(s=NONE, *_):
    return len(check_str(s, 1, "len"))


def s_sub(s=NONE, i=NONE, j=None, *_):
    s = check_str(s, 1, "sub")
    n = len(s)
    i = _posrelat(check_int(i, 2, "sub"), n)       # required, unlike j
    j = _posrelat(check_int(j, 3, "sub", -1), n)
    if i < 1:
        i = 1
    if j > n:
        j = n
    if i > j:
        return ""
    return s[i - 1:j]


# the C locale changes only a-z / A-Z: Python's upper()/lower() do exactly
# that on an ASCII string (isascii() is a flag test); other bytes go through
# the tables, which leave them alone

def s_upper(s=NONE, *_):
    if type(s) is not str:
        s = check_str(s, 1, "upper")
    return s.upper() if s.isascii() else s.translate(_UPPER)


def s_lower(s=NONE, *_):
    if type(s) is not str:
        s = check_str(s, 1, "lower")
    return s.lower() if s.isascii() else s.translate(_LOWER)


_UPPER = {c: c - 32 for c in range(ord("a"), ord("z") + 1)}
_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def s_rep(s=NONE, n=NONE, sep="", *_):
    s = check_str(s, 1, "rep")
    n = check_int(n, 2, "rep")
    sep = check_str(sep, 3, "rep", "")
    if n <= 0:
        return ""
    # exactly lstrlib.c's test, MAXSIZE being INT_MAX in Lua 5.3: results
    # beyond 2^31 - 1 bytes are refused before anything is allocated
    if len(s) + len(sep) > MAXSIZE // n:
        rt_error("resulting string too large")
    if sep:
        return (s + sep) * (n - 1) + s
    return s * n


def s_reverse(s=NONE, *_):
    return check_str(s, 1, "reverse")[::-1]


def s_byte(s=NONE, i=None, j=None, *_):
    s = check_str(s, 1, "byte")
    n = len(s)
    pi = _posrelat(check_int(i, 2, "byte", 1), n)
    pj = _posrelat(check_int(j, 3, "byte", pi), n)
    if pi < 1:
        pi = 1
    if pj > n:
        pj = n
    if pi > pj:
        return ()
    if pi == pj:
        return ord(s[pi - 1])
    if pj - pi >= MAX_RESULTS:      # luaL_checkstack fails near LUAI_MAXSTACK
        rt_error("stack overflow (string slice too long)")
    return tuple([ord(c) for c in s[pi - 1:pj]])


def s_char(*args):
    out = []
    for i, c in enumerate(args):
        c = check_int(c, i + 1, "char")
        if not 0 <= c <= 255:
            arg_error(i + 1, "char", "value out of range")
        out.append(chr(c))
    return "".join(out)


def s_dump(f=NONE, *_):
    rt_error("unable to dump given function")


def _string_call(_self, v=NONE, *_):
    """Wippy's callable ``string(x)``: the value as a string."""
    from .ops import tostring_meta
    if v is NONE:
        arg_error(1, "string", "value expected")
    return tostring_meta(v)


def make_string_lib():
    lib = LuaTable()
    for name, fn in [("len", s_len), ("sub", s_sub), ("upper", s_upper), ("lower", s_lower),
                     ("rep", s_rep), ("reverse", s_reverse), ("byte", s_byte),
                     ("char", s_char), ("format", lformat.format), ("find", lpattern.find),
                     ("match", lpattern.match), ("gmatch", lpattern.gmatch),
                     ("gsub", lpattern.gsub), ("dump", s_dump), ("pack", lpack.pack),
                     ("unpack", lpack.unpack), ("packsize", lpack.packsize)]:
        lib[name] = fn
    meta = LuaTable()
    meta["__index"] = lib
    set_type_metatable("string", meta)
    callmeta = LuaTable()
    callmeta["__call"] = _string_call
    setmetatable(lib, callmeta)
    return lib
