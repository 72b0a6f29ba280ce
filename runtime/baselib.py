"""The Lua base library (Lua 5.3 §6.1) plus Wippy's global ``unpack``.

Builtins are plain Python functions taking Lua values positionally; they
accept extra arguments (Lua ignores them) and return one value, or a tuple
for zero or several values.
"""

import sys
from functools import partial as _partial
from itertools import count as _count, takewhile as _takewhile
from operator import is_not as _is_not

from .values import (LuaTable, LuaMetaTable, LuaFrozenTable, LuaClassTable, TABLE_TYPES,
                     TRUE, FALSE, tostr,
                     LuaError, lua_type, tostring, str2number, MAXINT, MININT, Userdata)
from .ops import (index, tostring_meta, class_written, getmetatable as raw_getmetatable, setmetatable as
                  raw_setmetatable, rawset_checked, register_fast_iter, length, OpError,
                  freeze)
from .errors import rt_error, arg_error, where, convert, lua_frame

__all__ = ["install", "NONE", "lua_print", "lua_next", "lua_pcall"]


_NONE_NE = _partial(_is_not, None)     # C-level "v is not None"


class _NoneType:
    __slots__ = ()

    def __repr__(self):
        return "<none>"


NONE = _NoneType()     # "no value" (as opposed to nil) for argument checks


def typename_arg(v):
    return "no value" if v is NONE else lua_type(v)


def check_table(v, n, fname):
    if type(v) not in TABLE_TYPES:
        arg_error(n, fname, "table expected, got %s" % typename_arg(v))
    return v


def check_int(v, n, fname, default=NONE):
    t = type(v)
    if t is int:
        return v
    if (v is NONE or v is None) and default is not NONE:
        return default
    if t is float:
        if v.is_integer() and -9.2233720368547758e18 <= v < 9.2233720368547758e18:
            return int(v)
        arg_error(n, fname, "number has no integer representation")
    if t is str:
        x = str2number(v)
        if x is not None:
            return check_int(x, n, fname)
    arg_error(n, fname, "number expected, got %s" % typename_arg(v))


def check_num(v, n, fname, default=NONE):
    t = type(v)
    if t is int or t is float:
        return v
    if (v is NONE or v is None) and default is not NONE:
        return default
    if t is str:
        x = str2number(v)
        if x is not None:
            return x
    arg_error(n, fname, "number expected, got %s" % typename_arg(v))


def check_str(v, n, fname, default=NONE):
    s = tostr(v)
    if s is not None:
        return s
    if (v is NONE or v is None) and default is not NONE:
        return default
    arg_error(n, fname, "string expected, got %s" % typename_arg(v))


def check_any(v, n, fname):
    if v is NONE:
        arg_error(n, fname, "value expected")
    return v


# ----------------------------------------------------------------------------

def make_print(write):
    def lua_print(*args):
        write("\t".join([tostring_meta(a) for a in args]) + "\n")
        return ()
    return lua_print


def lua_print(*args):
    sys.stdout.write("\t".join([tostring_meta(a) for a in args]) + "\n")
    return ()


def lua_type_fn(v=NONE, *_):
    check_any(v, 1, "type")
    return lua_type(v)


def lua_tostring(v=NONE, *_):
    check_any(v, 1, "tostring")
    return tostring_meta(v)


_DIGITS = {c: i for i, c in enumerate("0123456789abcdefghijklmnopqrstuvwxyz")}


def lua_tonumber(v=NONE, base=None, *_):
    if base is None:
        check_any(v, 1, "tonumber")
        t = type(v)
        if t is int or t is float:
            return v
        if t is str:
            return str2number(v)
        return None
    b = check_int(base, 2, "tonumber")
    if type(v) is not str:
        arg_error(1, "tonumber", "string expected, got %s" % typename_arg(v))
    if not 2 <= b <= 36:
        arg_error(2, "tonumber", "base out of range")
    s = v.strip(" \f\n\r\t\v").lower()
    neg = False
    if s[:1] == "-":
        neg = True
        s = s[1:]
    if not s:
        return None
    n = 0
    for ch in s:
        d = _DIGITS.get(ch)
        if d is None or d >= b:
            return None
        n = n * b + d
    if neg:
        n = -n
    n &= 0xFFFFFFFFFFFFFFFF
    return n - 0x10000000000000000 if n > MAXINT else n


def lua_ipairs_aux(t, i):
    i += 1
    v = t.get(i) if type(t) is LuaTable else index(t, i)
    if v is None:
        return None
    return (i, v)


def lua_ipairs(t=NONE, *_):
    check_any(t, 1, "ipairs")
    return (lua_ipairs_aux, t, 0)


def _ipairs_fast(t, c):
    vals = _ipairs_values(t, c)
    return None if vals is None else zip(_count(1), vals)


def _ipairs_gen(t):
    i = 1
    get = t.get
    while True:
        v = get(i)
        if v is None:
            return
        yield (i, v)
        i += 1


class _NextCache:
    __slots__ = ("keys", "pos")


def lua_next(t=NONE, k=None, *_):
    check_table(t, 1, "next")
    if k is None:
        if not t:
            return None
        keys = list(t)
        cache = _NextCache()
        cache.keys = keys
        cache.pos = None
        t.__dict__["_next"] = cache
        for i, key in enumerate(keys):
            v = t.get(key)
            if v is not None:
                return (key, v)
        return None
    cache = t.__dict__.get("_next")
    if cache is None or (cache.pos is None and k not in t):
        cache = None
    if cache is not None:
        if cache.pos is None:
            cache.pos = {key: i for i, key in enumerate(cache.keys)}
        i = cache.pos.get(k)
    else:
        i = None
    if i is None:
        if k not in t:
            if type(k) is float and k.is_integer() and int(k) in t:
                k = int(k)
            else:
                rt_error("invalid key to 'next'")
        keys = list(t)
        cache = _NextCache()
        cache.keys = keys
        cache.pos = {key: j for j, key in enumerate(keys)}
        t.__dict__["_next"] = cache
        i = cache.pos[k]
    keys = cache.keys
    for j in range(i + 1, len(keys)):
        key = keys[j]
        v = t.get(key)
        if v is not None:
            return (key, v)
    return None


def _pairs_fast(t, c):
    if type(t) not in TABLE_TYPES or c is not None:
        return None
    return _pairs_gen(t)


def _pairs_gen(t):
    get = t.get
    for k in list(t):
        v = get(k)
        if v is not None:
            yield (k, v)


def lua_pairs(t=NONE, *_):
    mt = raw_getmetatable(t)
    if mt is not None:
        h = mt.get("__pairs")
        if h is not None:
            r = h(t)
            if type(r) is not tuple:
                r = (r,)
            r = r + (None,) * (3 - len(r))
            return r[:3]
    check_table(t, 1, "pairs")
    return (lua_next, t, None)


def lua_rawget(t=NONE, k=NONE, *_):
    check_table(t, 1, "rawget")
    check_any(k, 2, "rawget")
    return t.get(k)


def lua_rawset(t=NONE, k=NONE, v=NONE, *_):
    check_table(t, 1, "rawset")
    check_any(k, 2, "rawset")
    check_any(v, 3, "rawset")
    if type(t) is LuaFrozenTable:
        rt_error("attempt to modify a frozen table")
    rawset_checked(t, k, v)
    if type(t) is LuaClassTable:
        class_written(t, k, v)
    return t


def lua_rawequal(a=NONE, b=NONE, *_):
    check_any(a, 1, "rawequal")
    check_any(b, 2, "rawequal")
    if a is b:
        return TRUE
    ta, tb = type(a), type(b)
    if ta in TABLE_TYPES or tb in TABLE_TYPES:
        return FALSE
    if (ta in (int, float)) and (tb in (int, float)):
        return TRUE if a == b else FALSE
    if ta is tb and ta is str:
        return TRUE if a == b else FALSE
    return FALSE


def lua_rawlen(v=NONE, *_):
    if type(v) in TABLE_TYPES:
        return v.length()
    if type(v) is str:
        return len(v)
    arg_error(1, "rawlen", "table or string expected")


def lua_setmetatable(t=NONE, mt=NONE, *_):
    check_table(t, 1, "setmetatable")
    if mt is not None and type(mt) not in TABLE_TYPES:
        arg_error(2, "setmetatable", "nil or table expected")
    if type(t) is LuaFrozenTable:
        rt_error("attempt to modify a frozen table")
    old = t.meta
    if old is not None and old.get("__metatable") is not None:
        rt_error("cannot change a protected metatable")
    return raw_setmetatable(t, mt)


def lua_getmetatable(v=NONE, *_):
    check_any(v, 1, "getmetatable")
    mt = raw_getmetatable(v)
    if mt is None:
        return None
    if isinstance(v, Userdata) and type(mt) is not LuaFrozenTable:
        # a userdata class's metatable is shared by every process: what Lua
        # gets of it is frozen, with its method table
        h = mt.get("__index")
        if type(h) in TABLE_TYPES:
            freeze(h)
        freeze(mt)
    protected = mt.get("__metatable")
    if protected is not None:
        return protected
    return mt


def lua_assert(v=NONE, msg=NONE, *rest):
    if v is NONE:
        arg_error(1, "assert", "value expected")
    if v is None or v is FALSE:
        if msg is NONE:
            rt_error("assertion failed!")
        raise LuaError(msg)
    if msg is NONE:
        return v
    return (v, msg) + rest


def lua_error(msg=None, level=1, *_):
    if type(msg) is str and type(level) is int and level > 0:
        msg = where(level) + msg
    raise LuaError(msg)


def lua_pcall(f=NONE, *args):
    if f is NONE:
        arg_error(1, "pcall", "value expected")
    try:
        r = f(*args)
    except LuaError as e:
        return (FALSE, e.value)
    except Exception as e:
        return (FALSE, convert(e).value)
    if type(r) is tuple:
        return (TRUE,) + r
    return (TRUE, r)


def lua_xpcall(f=NONE, handler=NONE, *args):
    try:
        r = f(*args)
    except Exception as e:
        err = e if isinstance(e, LuaError) else convert(e)
        from . import debuglib
        debuglib.pending_traceback = err.__traceback__
        try:
            h = handler(err.value)
        except Exception:
            # Lua calls the handler on its own errors until it gives up
            return (FALSE, "error in error handling")
        finally:
            debuglib.pending_traceback = None
        if type(h) is tuple:
            return (FALSE,) + h
        return (FALSE, h)
    if type(r) is tuple:
        return (TRUE,) + r
    return (TRUE, r)


def lua_select(n=NONE, *args):
    if n == "#":
        return len(args)
    i = check_int(n, 1, "select")
    if i < 0:
        i = len(args) + i
        if i < 0:
            arg_error(1, "select", "index out of range")
        return args[i:]
    if i == 0:
        arg_error(1, "select", "index out of range")
    return args[i - 1:]


def lua_unpack(t=NONE, i=None, j=None, *_):
    i = check_int(i, 2, "unpack", 1)
    if j is None:
        j = length(t) if type(t) is not LuaTable else t.length()
    else:
        j = check_int(j, 3, "unpack")
    if i > j:
        return ()
    if j - i >= 10000000:
        rt_error("too many results to unpack")
    if type(t) is LuaTable:
        get = t.get
        return tuple([get(k) for k in range(i, j + 1)])
    return tuple([index(t, k) for k in range(i, j + 1)])


def lua_collectgarbage(opt="collect", *_):
    import gc
    if opt in ("collect", None):
        from .weak import sweep
        sweep()
        return 0
    if opt == "count":
        try:
            import resource
            kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        except Exception:     # pragma: no cover
            kb = 0
        import tracemalloc
        if tracemalloc.is_tracing():
            kb = tracemalloc.get_traced_memory()[0] / 1024.0
        return (float(kb), 0) if False else float(kb)
    if opt in ("step", "isrunning"):
        return TRUE
    if opt in ("stop", "restart", "incremental", "generational", "setpause", "setstepmul"):
        return 0
    arg_error(1, "collectgarbage", "invalid option '%s'" % tostring(opt))


def _pairs_values(t, c):
    if type(t) not in TABLE_TYPES or c is not None:
        return None
    # the keys as they are now, each value read when the loop reaches it
    # (a value removed meanwhile is skipped, as next would)
    return filter(_NONE_NE, map(t.get, list(t)))


def _ipairs_values(t, c):
    if type(t) is not LuaTable or c != 0 or type(c) is not int:
        return None
    # C-level iteration: t.get(1), t.get(2), ... until the first nil, each
    # read when the loop reaches it (as Lua's ipairs does)
    return _takewhile(_NONE_NE, map(t.get, _count(1)))


register_fast_iter(lua_next, _pairs_fast, _pairs_values)
register_fast_iter(lua_ipairs_aux, _ipairs_fast, _ipairs_values)


# -- load / loadfile (used by the standalone state) -------------------------

def opt_string(v, n, fname, default):
    """``luaL_optstring``: nil/none gives the default, numbers convert."""
    if v is None or v is NONE:
        return default
    if type(v) is str:
        return v
    if type(v) in (int, float):
        return tostring(v)
    arg_error(n, fname, "string expected, got %s" % typename_arg(v))


def load_chunk(state, src, name, mode, env):
    """What ``load`` and ``loadfile`` do once they have the source: check
    the mode (a string of 'b'/'t'), compile, and bind the chunk with its
    ``_ENV`` upvalue set to ``env`` - any value, nil included - or to the
    state's globals when ``env`` is NONE (not given).  Returns the function,
    or (nil, message)."""
    binary = src[:1] == "\x1b"
    if ("b" if binary else "t") not in mode:
        return (None, "attempt to load a %s chunk (mode is '%s')"
                % ("binary" if binary else "text", mode))
    if binary:
        return (None, "attempt to load a binary chunk")
    from ..compiler.errors import LuaSyntaxError
    try:
        chunk = state.compile(src, name)
    except LuaSyntaxError as e:
        return (None, str(e))
    return state.bind(chunk, env)


def make_loadfile(state):
    """``loadfile([filename [, mode [, env]]])`` of Lua 5.3 (no filename:
    the standard input)."""
    def lua_loadfile(fname=None, mode=None, env=NONE, *_):
        fname = opt_string(fname, 1, "loadfile", None)
        mode = opt_string(mode, 2, "loadfile", "bt")
        if fname is None:
            data = state.stdin.read()
            name = "stdin"
        else:
            try:
                with open(fname, "rb") as f:
                    data = f.read()
            except OSError as e:
                return (None, "cannot open %s: %s" % (fname, e.strerror or e))
            name = fname
        src = data.decode("latin-1")
        if src[:3] == "\xef\xbb\xbf":
            src = src[3:]
        if src[:1] == "#":              # skip a first '#' line, keep its newline
            nl = src.find("\n")
            src = src[nl:] if nl >= 0 else ""
        return load_chunk(state, src, name, mode, env)
    return lua_loadfile


def install(G, write=None):
    """Install the base library into the globals table G."""
    G["_G"] = G
    G["_VERSION"] = "Lua 5.3"
    G["print"] = make_print(write) if write is not None else lua_print
    G["type"] = lua_type_fn
    G["tostring"] = lua_tostring
    G["tonumber"] = lua_tonumber
    G["ipairs"] = lua_ipairs
    G["pairs"] = lua_pairs
    G["next"] = lua_next
    G["rawget"] = lua_rawget
    G["rawset"] = lua_rawset
    G["rawequal"] = lua_rawequal
    G["rawlen"] = lua_rawlen
    G["setmetatable"] = lua_setmetatable
    G["getmetatable"] = lua_getmetatable
    G["assert"] = lua_assert
    G["error"] = lua_error
    G["pcall"] = lua_pcall
    G["xpcall"] = lua_xpcall
    G["select"] = lua_select
    G["unpack"] = lua_unpack
    return G
