"""The Lua ``table`` library, plus Wippy's ``table.create`` and ``table.freeze``."""

import math
import operator
from functools import cmp_to_key
from itertools import islice, repeat

from .values import (LuaTable, LuaMetaTable, LuaFrozenTable, TRUE,
                     FALSE, LuaError, lua_type, MAXINT, MININT, wrap, tostr)
from .ops import index, setindex, length, tostring_meta, OpError, freeze
from .ops import add, sub, mul, div, idiv, mod, unm, pow as pow_
from .baselib import check_int, check_table, check_str, arg_error, NONE, typename_arg
from .errors import rt_error, _innermost_lua

# lua_checkstack fails a little below LUAI_MAXSTACK (1000000) results; the
# exact point depends on the stack in use, this is what a shallow call sees
MAX_RESULTS = 999980

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


def t_insert(t=NONE, a=NONE, b=NONE, *rest):
    # named parameters (no *args tuple) for the common table.insert(t, v)
    if b is NONE and type(t) is LuaTable and a is not NONE:
        # fast path: append to a plain sequence (its entry count is its
        # border: see LuaTable.length)
        n = len(t)
        if (n not in t and n) or n + 1 in t:
            n = t.length()
        if a is not None:
            t[n + 1] = a
        return ()
    args = (() if a is NONE else (a,) if b is NONE else (a, b)) + rest
    check_table(t, 1, "insert")
    n = _len(t)
    if len(args) == 1:
        v = args[0]
        if type(t) is LuaTable:
            if v is not None:
                t[n + 1] = v
        else:
            setindex(t, n + 1, v)
        return ()
    if len(args) != 2:
        rt_error("wrong number of arguments to 'insert'")
    pos = check_int(args[0], 2, "insert")
    v = args[1]
    if pos < 1 or pos > n + 1:
        arg_error(2, "insert", "position out of bounds")
    if type(t) is LuaTable and n - pos > 8:
        # a plain table: shift the values up in two C-level passes
        vals = list(map(t.get, range(pos, n + 1)))
        if None not in vals:
            t.update(zip(range(pos + 1, n + 2), vals))
            if v is None:
                del t[pos]
            else:
                t[pos] = v
            return ()
    get = _get(t)
    for i in range(n, pos - 1, -1):
        _set(t, i + 1, get(i))
    _set(t, pos, v)
    return ()


def t_remove(t=NONE, pos=None, *_):
    # ltablib.c's tremove: with no position (or pos == #t) t[#t] is removed,
    # even when #t is 0 (so t[0] is returned and cleared); a bad position is
    # reported against argument #1 in Lua 5.3
    check_table(t, 1, "remove")
    size = _len(t)
    pos = check_int(pos, 2, "remove", size)
    if pos != size and not 1 <= pos <= size + 1:
        arg_error(1, "remove", "position out of bounds")
    get = _get(t)
    v = get(pos)
    if type(t) is LuaTable and size - pos > 8:
        # a plain table: shift the values down in two C-level passes
        vals = list(map(t.get, range(pos + 1, size + 1)))
        if None not in vals:
            t.update(zip(range(pos, size), vals))
            del t[size]
            return v
    while pos < size:
        _set(t, pos, get(pos + 1))
        pos += 1
    _set(t, pos, None)
    return v


_STR_INT = {str, int}
_KEYS = [1]                 # the integers 1, 2, ... (see _range_values)
_KEYS_MAX = 1 << 17


def _range_values(t, i, j):
    """``[t[i], ..., t[j]]`` of a plain table (None for absent keys).

    An array filled in order has the keys 1, 2, ... first in the dict's
    insertion order; when the keys at the positions i-1 .. j-1 are exactly
    i .. j, the values are the dict's values there -- copying those is much
    faster than hashing every key.  The check compares with a kept list of
    the integers (no new int objects)."""
    if i >= 1 and j - i >= 16 and j <= _KEYS_MAX:
        keys = _KEYS
        if len(keys) < j:
            keys.extend(range(len(keys) + 1, j + 1))
        if i == 1 and j == len(t):
            if list(t) == keys[:j]:
                return list(t.values())
        elif list(islice(t, i - 1, j)) == keys[i - 1:j]:
            return list(islice(t.values(), i - 1, j))
    return list(map(t.get, range(i, j + 1)))


def t_concat(t=NONE, sep="", i=None, j=None, *_):
    if type(t) is LuaTable:
        if type(sep) is not str:
            sep = check_str(sep, 2, "concat", "")
        i = 1 if i is None else check_int(i, 3, "concat", 1)
        j = t.length() if j is None else check_int(j, 4, "concat")
        # a plain table whose dict holds every key of the range: one C-level
        # pass reads the values, and join checks they are all strings (a
        # range longer than the table has a nil in it: the loop below
        # reports it without building the list)
        if 0 <= j - i < len(t):
            vals = _range_values(t, i, j)
            try:
                return sep.join(vals)
            except TypeError:
                pass
            if set(map(type, vals)) <= _STR_INT:
                # format() of an integer is its tostring (faster than str())
                return sep.join(map(format, vals))
        return _concat(t, sep, i, j)
    check_table(t, 1, "concat")
    last = _len(t)
    sep = check_str(sep, 2, "concat", "")
    i = check_int(i, 3, "concat", 1)
    j = check_int(j, 4, "concat", last)
    return _concat(t, sep, i, j)


def _concat(t, sep, i, j):
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
    f = check_int(f, 2, "move")
    e = check_int(e, 3, "move")
    t = check_int(t, 4, "move")
    check_table(a1, 1, "move")
    if a2 is None or a2 is NONE:
        a2 = a1
        tt = 1
    else:
        tt = 5
    check_table(a2, tt, "move")
    if e >= f:
        if not (f > 0 or e < MAXINT + f):
            arg_error(3, "move", "too many elements to move")
        n = e - f + 1
        if not t <= MAXINT - n + 1:
            arg_error(4, "move", "destination wrap around")
        get = _get(a1)
        if t > e or t <= f or (a2 is not a1 and not a1 == a2):
            for i in range(0, n):
                _set(a2, t + i, get(f + i))
        else:
            for i in range(n - 1, -1, -1):
                _set(a2, t + i, get(f + i))
    return a2


def t_unpack(t=NONE, i=None, j=None, *_):
    i = check_int(i, 2, "unpack", 1)
    if j is None or j is NONE:
        j = _len(t)
    else:
        j = check_int(j, 3, "unpack")
    if i > j:
        return ()
    n = j - i + 1
    if n >= 0x7FFFFFFF or n > MAX_RESULTS:
        rt_error("too many results to unpack")
    if type(t) is LuaTable:
        get = t.get
        return tuple([get(k) for k in range(i, j + 1)])
    return tuple([index(t, k) for k in range(i, j + 1)])


# -- table.sort: ltablib.c's quicksort, step for step ------------------------
#
# The order Lua leaves equal elements in, which comparator calls it makes, and
# when it raises "invalid order function for sorting" are all observable, so
# the algorithm is a port of Lua 5.3's auxsort/partition working on a Python
# list (1-based, slot 0 unused) that is written back to the table afterwards
# (also when an error interrupts the sort, leaving the same partial order).
# Lua randomizes pivots of large, badly partitioned intervals with clock() and
# time(); a fixed pseudo-random sequence stands in for that.

RANLIMIT = 100


class _Rnd:
    state = 0x2545F491


def _randomize_pivot():
    _Rnd.state = (_Rnd.state * 1103515245 + 12345) & 0xFFFFFFFF
    return _Rnd.state


def _sort_error():
    rt_error("invalid order function for sorting")


def _partition(a, lo, up, lt):
    P = a[up - 1]
    i = lo
    j = up - 1
    while True:
        i += 1
        while lt(a[i], P):
            if i == up - 1:
                _sort_error()
            i += 1
        j -= 1
        while lt(P, a[j]):
            if j < i:
                _sort_error()
            j -= 1
        if j < i:
            a[up - 1] = a[i]
            a[i] = P
            return i
        a[i], a[j] = a[j], a[i]


def _auxsort(a, lo, up, lt, rnd):
    while lo < up:
        if lt(a[up], a[lo]):
            a[lo], a[up] = a[up], a[lo]
        if up - lo == 1:
            break
        if up - lo < RANLIMIT or rnd == 0:
            p = (lo + up) // 2
        else:
            r4 = (up - lo) // 4
            p = rnd % (r4 * 2) + (lo + r4)
        if lt(a[p], a[lo]):
            a[p], a[lo] = a[lo], a[p]
        elif lt(a[up], a[p]):
            a[p], a[up] = a[up], a[p]
        if up - lo == 2:
            break
        a[p], a[up - 1] = a[up - 1], a[p]
        p = _partition(a, lo, up, lt)
        if p - lo < up - p:
            _auxsort(a, lo, p - 1, lt, rnd)
            n = p - lo
            lo = p + 1
        else:
            _auxsort(a, p + 1, up, lt, rnd)
            n = up - p
            up = p - 1
        if lo < up and (up - lo) // 128 > n:
            rnd = _randomize_pivot()


def _res_true(r):
    """Lua truth of a comparator result other than TRUE, FALSE or None."""
    if type(r) is tuple:
        r = r[0] if r else None
    return r is not None and r is not FALSE


def _auxsort_f(a, lo, up, f, rnd):
    """``_auxsort`` with the comparison a call of the Lua function ``f``
    written out in place (``_partition`` too): the same steps and calls,
    without a Python wrapper per comparison."""
    T = TRUE
    F = FALSE
    while lo < up:
        if (r := f(a[up], a[lo])) is T or (r is not F and r is not None and _res_true(r)):
            a[lo], a[up] = a[up], a[lo]
        if up - lo == 1:
            break
        if up - lo < RANLIMIT or rnd == 0:
            p = (lo + up) // 2
        else:
            r4 = (up - lo) // 4
            p = rnd % (r4 * 2) + (lo + r4)
        if (r := f(a[p], a[lo])) is T or (r is not F and r is not None and _res_true(r)):
            a[p], a[lo] = a[lo], a[p]
        elif (r := f(a[up], a[p])) is T or (r is not F and r is not None and _res_true(r)):
            a[p], a[up] = a[up], a[p]
        if up - lo == 2:
            break
        P = a[p]
        a[p] = a[up - 1]
        a[up - 1] = P
        # _partition
        i = lo
        j = up - 1
        u1 = up - 1
        while True:
            i += 1
            while (r := f(a[i], P)) is T or (r is not F and r is not None and _res_true(r)):
                if i == u1:
                    _sort_error()
                i += 1
            j -= 1
            while (r := f(P, a[j])) is T or (r is not F and r is not None and _res_true(r)):
                if j < i:
                    _sort_error()
                j -= 1
            if j < i:
                break
            a[i], a[j] = a[j], a[i]
        a[u1] = a[i]
        a[i] = P
        p = i
        if p - lo < up - p:
            _auxsort_f(a, lo, p - 1, f, rnd)
            n = p - lo
            lo = p + 1
        else:
            _auxsort_f(a, p + 1, up, f, rnd)
            n = up - p
            up = p - 1
        if lo < up and (up - lo) // 128 > n:
            rnd = _randomize_pivot()


def _timsort(t, items, comp):
    """Sort a long array with a Lua comparator by Python's list.sort.

    Each comparison of the C-level timsort is one call of the comparator (no
    Python loop around it) and timsort needs fewer comparisons than Lua's
    quicksort: about 20% fewer on random data, far fewer on partly sorted
    data.  Whenever the comparator is a strict weak order the result is
    Lua's, except for the order of elements it calls equal, which is here
    their original order (Lua's quicksort is not stable; see
    docs/known-deviations.md).  Lua detects an invalid order function when
    its partition runs past the pivot, which almost always happens on long
    arrays if ``comp(x, x)`` is true (a "<=" comparator): that is checked
    once, up front.  Other inconsistent comparators leave some permutation
    of the elements; timsort stays safe with them.  An error from the
    comparator leaves the table unchanged."""
    T = TRUE
    F = FALSE
    x = items[0]
    if (r := comp(x, x)) is T or (r is not F and r is not None and _res_true(r)):
        _sort_error()

    def cmp(a, b, comp=comp, T=T, F=F):
        # one Python frame per comparison besides the comparator's: keep it
        # short (locals only; TRUE and FALSE are by far the usual results)
        if (r := comp(a, b)) is T:
            return -1
        if r is F or r is None or not _res_true(r):
            return 0
        return -1
    items.sort(key=cmp_to_key(cmp))
    _write_back(t, items)


_PLAIN = {LuaTable}
_STR = {str}
_NUM = {int, float}
_INT = {int}
_CATABLE = {str, int, float}
_LENABLE = {str, LuaTable}
_dget = dict.get
isnan = math.isnan

# key expression opcodes: compiler/sortkey.py
_ARG, _CONST, _UPVAL, _INDEX, _ARITH, _CONCAT, _UNM, _LEN = range(8)
_ARITH_OPS = {"+": add, "-": sub, "*": mul, "/": div, "//": idiv, "%": mod, "^": pow_}
_INT_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul,
            "//": operator.floordiv, "%": operator.mod}


class _NoKey(Exception):
    """A key that cannot be computed or compared without running Lua code
    (or raising): the comparator must run instead."""


def _types(v, vec):
    return set(map(type, v)) if vec else {type(v)}


def _key_eval(node, items, ups):
    """(is_vector, value) of a key expression: a list with one value per
    item, or one value common to all.  Only operations that cannot run a
    metamethod or raise are done (operand types are checked first); the
    arithmetic is ops' (exact Lua semantics), with int fast paths where
    Python's operator is Lua's."""
    op = node[0]
    if op == _ARG:
        return True, items
    if op == _CONST:
        return False, node[2]
    if op == _UPVAL:
        return False, ups[node[1]]
    if op == _INDEX:
        vo, o = _key_eval(node[1], items, ups)
        vk, k = _key_eval(node[2], items, ups)
        if _types(o, vo) != _PLAIN:
            raise _NoKey
        # a float key with an integral value finds the int key (equal hash)
        if vo:
            return True, list(map(_dget, o, k if vk else repeat(k, len(o))))
        if vk:
            return True, list(map(o.get, k))
        return False, o.get(k)
    if op == _ARITH:
        sym = node[1]
        vl, l = _key_eval(node[2], items, ups)
        vr, r = _key_eval(node[3], items, ups)
        tl, tr = _types(l, vl), _types(r, vr)
        if not (tl <= _NUM and tr <= _NUM):
            raise _NoKey            # strings (coerced) or metamethods: run Lua
        f = _ARITH_OPS[sym]
        if not (vl or vr):
            try:
                return False, f(l, r)
            except OpError:
                raise _NoKey from None
        n = len(l) if vl else len(r)
        L = l if vl else repeat(l, n)
        R = r if vr else repeat(r, n)
        g = _INT_OPS.get(sym)
        if g is not None and tl == _INT and tr == _INT:
            if sym in ("%", "//") and (0 in r if vr else r == 0):
                raise _NoKey        # attempt to perform 'n%%0' / divide by zero
            res = list(map(g, L, R))
            if res and (min(res) < MININT or max(res) > MAXINT):
                res = list(map(wrap, res))
            return True, res
        try:
            return True, list(map(f, L, R))
        except OpError:
            raise _NoKey from None  # an int divided by an int zero
    if op == _CONCAT:
        vl, l = _key_eval(node[1], items, ups)
        vr, r = _key_eval(node[2], items, ups)
        if not (_types(l, vl) <= _CATABLE and _types(r, vr) <= _CATABLE):
            raise _NoKey
        if not (vl or vr):
            return False, tostr(l) + tostr(r)
        l = list(map(tostr, l)) if vl else tostr(l)
        r = list(map(tostr, r)) if vr else tostr(r)
        if vl and vr:
            return True, list(map(operator.add, l, r))
        if vl:
            return True, [x + r for x in l]
        return True, [l + y for y in r]
    if op == _UNM:
        v, x = _key_eval(node[1], items, ups)
        if not _types(x, v) <= _NUM:
            raise _NoKey
        return (True, list(map(unm, x))) if v else (False, unm(x))
    if op == _LEN:
        v, x = _key_eval(node[1], items, ups)
        if not _types(x, v) <= _LENABLE:
            raise _NoKey            # __len, or an error
        return (True, list(map(length, x))) if v else (False, length(x))
    raise _NoKey


def _level_keys(expr, items, ups):
    """The keys of one level (a list), or None when they cannot be
    computed cleanly."""
    if not expr or type(expr[0]) is str:
        # a field path (compiler/sortkey.py's fast form)
        n = len(items)
        keys = items
        for f in expr:
            if set(map(type, keys)) != _PLAIN:
                return None
            keys = list(map(_dget, keys, repeat(f, n)))
        return keys
    try:
        vec, keys = _key_eval(expr, items, ups)
    except _NoKey:
        return None
    if not vec:
        return None                 # not reached: sortkey.py requires the argument
    return keys


def _key_sort(items, spec):
    """``items`` sorted by the key levels of a comparator the compiler
    recognised (compiler/sortkey.py), or None when a key is not a plain
    number (NaN excluded) or string, or cannot be computed without running
    Lua code (a metamethod) or raising -- then the comparator itself must
    run (and raise what it raises).  Every key of a level being a number, or
    every one a string, comparing them is exactly what the comparator's
    ``<``, ``>`` and ``==`` do (Python compares int with float exactly, as
    Lua does, and str by code point: Lua's byte order).  Stable passes from
    the last level to the first give exactly what timsort with the
    comparator gives.  Upvalues (``spec`` = (levels, getter)) are read once:
    a comparator without side effects cannot change them during the sort."""
    ups = ()
    if callable(spec[-1]):
        spec, getter = spec
        ups = getter()
    n = len(items)
    order = list(range(n))
    for expr, desc in reversed(spec):
        keys = _level_keys(expr, items, ups)
        if keys is None:
            return None
        types = set(map(type, keys))
        if types == _STR:
            pass
        elif types <= _NUM:
            if float in types and any(map(isnan, keys)):
                return None
        else:
            return None
        order.sort(key=keys.__getitem__, reverse=desc)
    return list(map(items.__getitem__, order))


def _default_lt(a, b):
    try:
        return a < b
    except TypeError:
        _compare_error(a, b)


def _compare_error(a, b):
    ta, tb = lua_type(a), lua_type(b)
    if ta == tb:
        raise LuaError("attempt to compare two %s values" % ta)
    raise LuaError("attempt to compare %s with %s" % (ta, tb))


def _meta_lt(a, b):
    # lua_compare from C code: the message of a failed comparison has no
    # position (the running function is not a Lua function)
    try:
        return a < b
    except TypeError:
        _compare_error(a, b)
    except OpError as e:
        if e.kind != "compare" or _innermost_lua(e.__traceback__) is not None:
            raise
        raise LuaError(e.message) from None


def _python_sorted(items):
    """Python's sort of items when Lua's algorithm with the default
    comparator must leave the same list, else None.  That is the case for
    all integers, all strings, or numbers without NaN where no two equal
    values can be told apart (1 and 1.0, 0.0 and -0.0): the order of equal
    elements is then invisible."""
    t0 = type(items[0])
    if t0 is int or t0 is str:
        for v in items:
            if type(v) is not t0:
                break
        else:
            return sorted(items)
    for v in items:
        tv = type(v)
        if tv is not int and (tv is not float or v != v):
            return None
    s = sorted(items)
    prev = s[0]
    for v in s:
        if v == prev and (type(v) is not type(prev) or (
                type(v) is float and math.copysign(1.0, v) != math.copysign(1.0, prev))):
            return None
        prev = v
    return s


def t_sort(t=NONE, comp=None, *_):
    check_table(t, 1, "sort")
    n = _len(t)
    if n <= 1:
        return ()
    if n >= 0x7FFFFFFF:
        arg_error(1, "sort", "array too big")
    if comp is not None and comp is not NONE and lua_type(comp) != "function":
        arg_error(2, "sort", "function expected, got %s" % typename_arg(comp))
    get = _get(t)
    items = [get(i) for i in range(1, n + 1)]
    if comp is None or comp is NONE:
        s = _python_sorted(items)
        if s is not None:
            _write_back(t, s)
            return ()
        lt = _meta_lt if any(isinstance(v, LuaMetaTable) for v in items) else _default_lt
    elif n < RANLIMIT:
        # Lua's own steps (and no randomized pivots at this size)
        a = [None] + items
        try:
            _auxsort_f(a, 1, n, comp, 0)
        finally:
            del a[0]
            _write_back(t, a)
        return ()
    else:
        spec = getattr(comp, "lua_sortkey", None)
        if spec is not None:
            s = _key_sort(items, spec)
            if s is not None:
                _write_back(t, s)
                return ()
        _timsort(t, items, comp)
        return ()
    a = [None] + items
    try:
        _auxsort(a, 1, n, lt, 0)
    finally:
        del a[0]
        _write_back(t, a)
    return ()


def _write_back(t, items):
    if type(t) is LuaTable:
        for i, v in enumerate(items, 1):
            if v is None:
                t.pop(i, None)
            else:
                t[i] = v
    else:
        for i, v in enumerate(items, 1):
            setindex(t, i, v)


def t_create(narr=0, nrec=0, *_):
    return LuaTable()


def t_freeze(t=NONE, *_):
    check_table(t, 1, "freeze")
    return freeze(t)


def t_isfrozen(t=NONE, *_):
    check_table(t, 1, "isfrozen")
    return TRUE if type(t) is LuaFrozenTable else FALSE


def make_table_lib():
    lib = LuaTable()
    for name, fn in [("insert", t_insert), ("remove", t_remove), ("concat", t_concat),
                     ("pack", t_pack), ("unpack", t_unpack), ("move", t_move),
                     ("sort", t_sort), ("create", t_create), ("freeze", t_freeze),
                     ("isfrozen", t_isfrozen)]:
        lib[name] = fn
    return lib
