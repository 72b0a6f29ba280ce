"""Conversions between Lua values and plain Python values, and deep copies of
Lua values for sending them between isolated executions.

Lua strings are byte strings held in ``str`` (one char per byte).  Text from
Python (real Unicode) enters Lua as its UTF-8 bytes (``text_to_lua``) and
leaves it by decoding them (``lua_to_text``).
"""

from wippy.runtime.values import (LuaTable, LuaBool, TRUE, FALSE, TABLE_TYPES, Userdata,
                                  MAXINT, MININT)
from wippy.runtime.errors import rt_error

__all__ = ["to_python", "to_lua", "copy_value", "text_to_lua", "lua_to_text", "is_array",
           "CopyError"]


def text_to_lua(s):
    """Real text -> Lua string (its UTF-8 bytes, one char per byte).  Lone
    surrogates made by ``lua_to_text(..., "surrogateescape")`` turn back into
    the original bytes."""
    if s.isascii():
        return s
    try:
        return s.encode("utf-8", "surrogateescape").decode("latin-1")
    except UnicodeEncodeError:
        return s.encode("utf-8", "surrogatepass").decode("latin-1")


def lua_to_text(s, errors="replace"):
    """Lua string (bytes) -> real text, decoding UTF-8 (invalid bytes are
    replaced with U+FFFD, or kept with ``errors="surrogateescape"``)."""
    if s.isascii():
        return s
    return s.encode("latin-1").decode("utf-8", errors)


def is_array(t):
    """True when the keys of table t are exactly 1..n (an empty table too)."""
    n = len(t)
    if n == 0:
        return True
    for i in range(1, n + 1):
        if i not in t:
            return False
    return True


_SCALARS = frozenset((str, int, float, LuaBool, type(None)))


def to_python(v, _memo=None):
    """Lua value -> plain Python: tables become lists (keys exactly 1..n,
    empty tables included) or dicts (cycles are preserved), booleans become
    bool; strings stay byte strings held in str; everything else as is."""
    t = type(v)
    if t is LuaBool:
        return v is TRUE
    if t not in TABLE_TYPES:
        return v
    if _memo is None:
        _memo = {}
    r = _memo.get(id(v))
    if r is not None:
        return r
    if is_array(v):
        out = []
        _memo[id(v)] = out
        for i in range(1, len(v) + 1):
            x = v[i]
            tx = type(x)
            out.append(x if tx is str or tx is int or tx is float else to_python(x, _memo))
        return out
    out = {}
    _memo[id(v)] = out
    for k, x in v.items():
        tk = type(k)
        if tk is LuaBool:
            k = k is TRUE
        elif tk in TABLE_TYPES:
            k = id(k)           # unhashable as a Python value; identity stands in
        tx = type(x)
        out[k] = x if tx is str or tx is int or tx is float else to_python(x, _memo)
    return out


def to_lua(v, _memo=None):
    """Python value -> Lua value: dict -> table, list/tuple -> table 1..n
    (None items leave holes), bool -> TRUE/FALSE, bytes -> string, str (text)
    -> its UTF-8 bytes, ints outside 64 bits -> float.  Lua values (tables,
    LuaBool, userdata, functions) pass through unchanged."""
    t = type(v)
    if t is str:
        return v if v.isascii() else text_to_lua(v)
    if t is int:
        return v if MININT <= v <= MAXINT else float(v)
    if t is float or v is None or t is LuaBool:
        return v
    if t is bool:
        return TRUE if v else FALSE
    if t in TABLE_TYPES:
        return v
    if t is dict or t is list or t is tuple or isinstance(v, (dict, list, tuple)):
        if _memo is None:
            _memo = {}
        r = _memo.get(id(v))
        if r is not None:
            return r
        out = LuaTable()
        _memo[id(v)] = out
        if isinstance(v, dict):
            for k, x in v.items():
                if x is None:
                    continue
                k = to_lua(k, _memo)
                if k is None or (type(k) is float and k != k):
                    continue
                if type(k) is float and k.is_integer():
                    k = int(k)
                out[k] = to_lua(x, _memo)
        else:
            i = 0
            for x in v:
                i += 1
                if x is not None:
                    out[i] = to_lua(x, _memo)
            out.border = i if i in out else 0
        return out
    if t is bytes or t is bytearray or t is memoryview:
        return bytes(v).decode("latin-1")
    if isinstance(v, bool):
        return TRUE if v else FALSE
    if isinstance(v, int):
        return to_lua(int(v))
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return to_lua(str(v))
    return v


class CopyError(Exception):
    pass


def _reject(v):
    from wippy.runtime.values import lua_type
    name = lua_type(v)
    if name == "userdata" and type(v).__name__ == "Coroutine":
        name = "thread"
    tn = type(v).__name__
    if name == "thread" or tn == "Coroutine":
        rt_error("cannot send a thread")
    if name == "function":
        rt_error("cannot send a function")
    rt_error("cannot send a %s value" % name)


def copy_value(v, _memo=None):
    """Deep copy of a Lua value for another isolated execution: tables are
    copied (shared and cyclic references preserved, metatables dropped),
    scalars are shared, a userdata with a ``lua_copy(copy)`` method (such
    as WippyError) copies itself, anything else (functions, coroutines,
    other userdata) raises a Lua error."""
    t = type(v)
    if t is str or t is int or t is float or v is None or t is LuaBool:
        return v
    if t in TABLE_TYPES:
        if _memo is None:
            _memo = {}
        return _copy_table(v, _memo)
    if isinstance(v, Userdata):
        cp = getattr(v, "lua_copy", None)
        if cp is not None:
            if _memo is None:
                _memo = {}
            r = _memo.get(id(v))
            if r is None:
                r = cp(lambda x: copy_value(x, _memo))
                _memo[id(v)] = r
            return r
    _reject(v)


def _copy_table(t, memo):
    r = memo.get(id(t))
    if r is not None:
        return r
    simple = _SCALARS
    if simple.issuperset(map(type, t.values())) and simple.issuperset(map(type, t.keys())):
        # only scalars: one C-level copy
        out = LuaTable(t)
        out.border = t.border if type(t) is LuaTable else 0
        memo[id(t)] = out
        return out
    out = LuaTable()
    memo[id(t)] = out
    deferred = None
    for k, x in t.items():
        if type(x) in simple and type(k) in simple:
            out[k] = x
        else:
            # keep the key order: place a marker, fill in after
            if deferred is None:
                deferred = []
            out[k] = True
            deferred.append((k, x))
    if deferred is not None:
        for k, x in deferred:
            nk = k if type(k) in simple else copy_value(k, memo)
            nx = x if type(x) in simple else copy_value(x, memo)
            if nk is not k:
                del out[k]
            out[nk] = nx
    out.border = t.border if type(t) is LuaTable else 0
    return out
