"""The Lua ``table`` library, plus Wippy's ``table.create`` and ``table.freeze``."""

from functools import cmp_to_key

from .values import LuaTable, LuaMetaTable, LuaFrozenTable, LuaClassTable, TABLE_TYPES, TRUE, FALSE, LuaError, lua_type
from .ops import index, setindex, length, tostring_meta, truth
from .baselib import check_int, check_table, check_str, arg_error, NONE, typename_arg, lua_unpack
from .errors import rt_error

__all__ = ["make_table_lib"]


def _len(t):
    return t.length() if type(t) is LuaTable else length(t)


def _get(t):
    return t.get if type(t) is LuaTable else (lambda k: index(t, k))


def _set(t, k, v):
    if type(t) is LuaTable:
        if v is None:
            t.pop(k, None)
        else:
            t[k] = v
    else:
        setindex(t, k, v)


def t_insert(t=NONE, *args):
    check_table(t, 1, "insert")
    n = _len(t)
    if len(args) == 1:
        v = args[0]
        if type(t) is LuaTable:
            if v is not None:
                t[n + 1] = v
                t.border = n + 1
        else:
            setindex(t, n + 1, v)
        return ()
    if len(args) != 2:
        rt_error("wrong number of arguments to 'insert'")
    pos = check_int(args[0], 2, "insert")
    v = args[1]
    if pos < 1 or pos > n + 1:
        arg_error(2, "insert", "position out of bounds")
    get = _get(t)
    for i in range(n, pos - 1, -1):
        _set(t, i + 1, get(i))
    _set(t, pos, v)
    return ()


def t_remove(t=NONE, pos=None, *_):
    check_table(t, 1, "remove")
    n = _len(t)
    get = _get(t)
    if pos is None:
        if n == 0:
            return None
        v = get(n)
        _set(t, n, None)
        return v
    pos = check_int(pos, 2, "remove")
    if n == 0 and pos in (0, n):
        return get(pos)
    if n + 1 == pos:
        v = get(pos)
        _set(t, pos, None)
        return v
    if pos < 1 or pos > n + 1:
        arg_error(2, "remove", "position out of bounds")
    v = get(pos)
    for i in range(pos, n):
        _set(t, i, get(i + 1))
    _set(t, n, None)
    return v


def t_concat(t=NONE, sep="", i=None, j=None, *_):
    check_table(t, 1, "concat")
    sep = check_str(sep, 2, "concat", "")
    i = check_int(i, 3, "concat", 1)
    j = check_int(j, 4, "concat", None) if j is not None else _len(t)
    get = _get(t)
    parts = []
    for k in range(i, j + 1):
        v = get(k)
        tv = type(v)
        if tv is str:
            parts.append(v)
        elif tv is int or tv is float:
            parts.append(tostring_meta(v))
        else:
            rt_error("invalid value (%s) at index %d in table for 'concat'" % (lua_type(v), k))
    return sep.join(parts)


def t_pack(*args):
    t = LuaTable(zip(range(1, len(args) + 1), args))
    for k in [k for k, v in t.items() if v is None]:
        del t[k]
    t["n"] = len(args)
    return t


def t_move(a1=NONE, f=NONE, e=NONE, t=NONE, a2=None, *_):
    check_table(a1, 1, "move")
    f = check_int(f, 2, "move")
    e = check_int(e, 3, "move")
    t = check_int(t, 4, "move")
    if a2 is None:
        a2 = a1
    check_table(a2, 5, "move")
    if e >= f:
        if not (f > 0 or e < 0x7FFFFFFFFFFFFFFF + f):
            arg_error(3, "move", "too many elements to move")
        get = _get(a1)
        if t > e or t <= f or a1 is not a2:
            for i in range(0, e - f + 1):
                _set(a2, t + i, get(f + i))
        else:
            for i in range(e - f, -1, -1):
                _set(a2, t + i, get(f + i))
    return a2


class _SortError(Exception):
    pass


def t_sort(t=NONE, comp=None, *_):
    check_table(t, 1, "sort")
    n = _len(t)
    if n < 2:
        return ()
    get = _get(t)
    items = [get(i) for i in range(1, n + 1)]
    if comp is not None:
        if not callable(comp):
            arg_error(2, "sort", "function expected, got %s" % typename_arg(comp))

        def lt(a, b):
            r = comp(a, b)
            if type(r) is tuple:
                r = r[0] if r else None
            return r is not None and r is not FALSE

        def cmp(a, b):
            if lt(a, b):
                if lt(b, a):
                    raise _SortError
                return -1
            if lt(b, a):
                return 1
            return 0
        key = cmp_to_key(cmp)
    else:
        for v in items:
            if v is None:
                rt_error("attempt to compare nil with number")

        def cmp(a, b):
            try:
                if a < b:
                    return -1
                if b < a:
                    return 1
                return 0
            except TypeError:
                from .ops import lt as lua_lt
                lua_lt(a, b)
                raise
        key = cmp_to_key(cmp)
        if all(type(v) is int or type(v) is float for v in items) or all(type(v) is str for v in items):
            key = None
    try:
        items.sort(key=key)
    except _SortError:
        rt_error("invalid order function for sorting")
    if type(t) is LuaTable:
        for i, v in enumerate(items, 1):
            t[i] = v
    else:
        for i, v in enumerate(items, 1):
            setindex(t, i, v)
    return ()


def t_create(narr=0, nrec=0, *_):
    return LuaTable()


def t_freeze(t=NONE, *_):
    check_table(t, 1, "freeze")
    if type(t) is LuaFrozenTable:
        return t
    mt = t.meta
    if type(t) is LuaClassTable:
        from .ops import CLASS_VERSION
        CLASS_VERSION[0] += 1
    t.__class__ = LuaFrozenTable
    t.meta = mt
    return t


def t_isfrozen(t=NONE, *_):
    check_table(t, 1, "isfrozen")
    return TRUE if type(t) is LuaFrozenTable else FALSE


def make_table_lib():
    lib = LuaTable()
    for name, fn in [("insert", t_insert), ("remove", t_remove), ("concat", t_concat),
                     ("pack", t_pack), ("unpack", lua_unpack), ("move", t_move),
                     ("sort", t_sort), ("create", t_create), ("freeze", t_freeze),
                     ("isfrozen", t_isfrozen)]:
        lib[name] = fn
    return lib
