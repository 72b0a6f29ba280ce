"""Out-of-line Lua operations.

Generated code handles the common cases inline (integers, floats, plain
tables) and calls these functions for everything else: metamethods,
string coercions, integer wraparound, division by zero and errors.

Errors that need the name of a variable (``attempt to index a nil value
(local 'user')``) are raised as ``OpError``: the code generator records, for
the source position of each operation, how its operands are named, and
``errors.convert`` completes the message from the position of the innermost
Lua frame when the error is caught.
"""

import math
from itertools import chain as _chain, repeat as _repeat_it
from operator import itemgetter as _itemgetter

_chain_from = _chain.from_iterable
_first_item = __import__("operator").itemgetter(0)

from .values import (EMPTY_IC, Userdata, LuaTable, LuaMetaTable, LuaFrozenTable, LuaClassTable, TABLE_TYPES,
                     TRUE, FALSE, LuaError, MAXINT, MININT, wrap, fmt_float,
                     lua_type, str2number, tostr)

__all__ = [
    "OpError", "index", "setindex", "rawset_checked", "add", "sub", "mul", "div",
    "mod", "idiv", "pow", "unm", "band", "bor", "bxor", "shl", "shr", "bnot",
    "concat", "concat_n", "length", "eq_meta", "lt_meta", "le_meta", "call_meta",
    "tostring_meta", "first", "mr", "adjust", "forrange", "forin", "getmetatable",
    "setmetatable", "wrapint", "fdiv", "tointeger", "truth", "lt", "le",
]

NEG_NAN = -math.nan
_NUMBERS = (int, float)
_nan = math.nan
_inf = math.inf


class OpError(Exception):
    """A failed operation whose message is completed with variable names.

    ``kind`` is one of 'index', 'call', 'arith', 'concat', 'len', 'compare',
    'bitwise'; ``operand`` is 0 or 1 (which operand was bad); ``tname`` the
    Lua type name of the bad value; ``message`` a ready message when the
    operand needs no name (e.g. integer division by zero)."""

    def __init__(self, kind, operand=0, tname=None, message=None):
        Exception.__init__(self, kind, operand, tname, message)
        self.kind = kind
        self.operand = operand
        self.tname = tname
        self.message = message


# --------------------------------------------------------------------------
# metatables


def getmetatable(v):
    """The raw metatable of any value (strings share the string metatable)."""
    t = type(v)
    if t is LuaTable:
        return None
    if t is LuaMetaTable or t is LuaFrozenTable or t is LuaClassTable:
        return v.meta
    if isinstance(v, Userdata):
        return t.lua_meta
    return _type_metas.get(lua_type(v))


_type_metas = {}


def set_type_metatable(tname, mt):
    if mt is None:
        _type_metas.pop(tname, None)
    else:
        _type_metas[tname] = mt


# Lookups through metatables are cached per metatable in its ``ic`` dict.
# Every write to a class table (and every change of a class table's
# metatable) drops all the caches at once: the metatables whose cache holds
# something are listed in _POPULATED and get the shared empty cache back.
_MISS = object()
_POPULATED = []


# Userdata class -> the table of its methods (its metatable's __index), for
# the method-call fast path of generated code (filled by ``index``)
_UDM = {}


_adopt = LuaMetaTable.adopt


def classes_changed():
    """Drop every metatable lookup cache (a class table changed)."""
    if _UDM:
        _UDM.clear()
    if _POPULATED:
        for mt in _POPULATED:
            mt.ic = EMPTY_IC
        _POPULATED.clear()


def freeze(t):
    """Make table ``t`` frozen (``table.freeze``; also the tables every Lua
    state shares: a userdata class's metatable and method table, the string
    metatable): Lua writes to it raise, Python code still fills it with dict
    methods."""
    tt = type(t)
    if tt is LuaFrozenTable or tt not in TABLE_TYPES:
        return t
    if tt is LuaClassTable:
        classes_changed()
    _adopt(t, LuaFrozenTable, t.meta)
    return t


def mark_class(mt):
    """A table becomes a metatable: it and its __index table are "classes"."""
    tm = type(mt)
    if tm is LuaTable:
        _adopt(mt, LuaClassTable, None)
    elif tm is LuaMetaTable:
        mt.__class__ = LuaClassTable
    h = mt.get("__index")
    th = type(h)
    if th is LuaTable:
        _adopt(h, LuaClassTable, None)
    elif th is LuaMetaTable:
        h.__class__ = LuaClassTable


def setmetatable(t, mt):
    tt = type(t)
    if tt is LuaClassTable:
        classes_changed()
        t.meta = mt
        if mt is not None:
            mark_class(mt)
        return t
    if mt is None:
        if tt is LuaMetaTable:
            t.meta = None           # the slot, before LuaTable hides it
            t.__class__ = LuaTable
        elif tt is LuaFrozenTable:
            classes_changed()
            t.meta = None
        return t
    if tt is LuaTable:
        _adopt(t, LuaMetaTable, mt)
    else:
        if tt is LuaFrozenTable:
            classes_changed()   # cached lookups may have gone through it
        else:
            t.__class__ = LuaMetaTable
        t.meta = mt
    mark_class(mt)
    return t


def class_written(t, k, v):
    """Bookkeeping after a raw write into a class table."""
    classes_changed()
    if k == "__index":
        if type(v) is LuaTable:
            _adopt(v, LuaClassTable, None)
        elif type(v) is LuaMetaTable:
            v.__class__ = LuaClassTable


def metamethod(v, event):
    mt = getmetatable(v)
    if mt is None:
        return None
    return mt.get(event)


# --------------------------------------------------------------------------
# indexing


def index(o, k):
    """``o[k]`` with the full __index protocol.

    The first lines are the fast path for objects of the class pattern
    (instance -> metatable -> __index table), which generated code reaches
    for every field or method that is not a raw field of a plain table."""
    if type(o) is LuaMetaTable:
        v = o.get(k)
        if v is not None:
            return v
        mt = o.meta
        if type(mt) is LuaClassTable:
            v = mt.ic.get(k, _MISS)
            if v is not _MISS:
                return v
            v, cacheable = _class_lookup(o, mt, k)
            if cacheable:
                ic = mt.ic
                if ic is EMPTY_IC:
                    ic = mt.ic = {}
                    _POPULATED.append(mt)
                ic[k] = v
            return v
        h = mt.get("__index")
        if h is None:
            return None
        th = type(h)
        if th is LuaTable:
            return h.get(k)
        if th is LuaMetaTable:          # a subclass: one more level inline
            v = h.get(k)
            if v is not None:
                return v
            h2 = h.meta.get("__index")
            if type(h2) is LuaTable:
                return h2.get(k)
            if h2 is None:
                return None
            return _index_chain(h, h2, k)
        return _index_chain(o, h, k)
    if type(o) is LuaTable:
        return o.get(k)
    mt = type(o).lua_meta if isinstance(o, Userdata) else None
    if mt is not None:
        # a method of userdata (channels, messages, errors...): one probe
        h = mt.get("__index")
        th = type(h)
        if th is LuaTable or ((th is LuaClassTable or th is LuaFrozenTable) and h.meta is None):
            _UDM[type(o)] = h
            return h.get(k)
    elif type(o) is str:
        # a string method: the string metatable's __index table
        mt = _type_metas.get("string")
        if mt is not None:
            h = mt.get("__index")
            if type(h) in TABLE_TYPES:
                v = h.get(k)
                if v is not None:
                    return v
    return _index_slow(o, k)


def mindex(o, k, env):
    """``o:k`` when the inline paths of a method call found nothing: the
    full protocol, and for a string whose method the string metatable lacks,
    the ``string`` table of the globals the calling chunk was loaded with
    (``_G0_``: they stay its globals when the chunk replaces ``_ENV``).  A
    Wippy instance has its own copy of ``string`` (the shared string
    metatable cannot be written from an entry), so
    ``function string.trim(s) ... end`` followed by ``s:trim()`` works there
    as in a Lua state of its own."""
    v = index(o, k)
    if v is None and type(o) is str and type(env) in TABLE_TYPES:
        s = env.get("string")
        if type(s) in TABLE_TYPES:
            v = s.get(k)
    return v


def _class_lookup(o, mt, k):
    """Follow __index from o's metatable mt: (value, cacheable).  The result
    may be cached per metatable only when every table on the way is a class
    table (whose writes drop the caches) or frozen, and no __index
    function was called."""
    loop = 0
    cur = o
    while True:
        h = mt.get("__index")
        if h is None:
            return None, True
        th = type(h)
        if th is LuaClassTable or th is LuaFrozenTable:
            v = h.get(k)
            if v is not None:
                return v, True
            mt = h.meta
            if mt is None:
                return None, True
            if type(mt) is not LuaClassTable:
                return index(h, k), False
            cur = h
            loop += 1
            if loop >= 2000:
                raise OpError("index", 0, None, "'__index' chain too long; possible loop")
            continue
        if th in TABLE_TYPES:
            return index(h, k), False
        if lua_type(h) != "function":
            return _index_value(h, k), False
        return _meta_result(h(cur, k)), False


def _index_chain(o, h, k):
    loop = 0
    while True:
        th = type(h)
        if th is LuaTable:
            return h.get(k)
        if th is LuaMetaTable or th is LuaFrozenTable or th is LuaClassTable:
            v = h.get(k)
            if v is not None:
                return v
            if h.meta is None:
                return None
            o = h
            h = h.meta.get("__index")
            if h is None:
                return None
            loop += 1
            if loop >= 2000:
                raise OpError("index", 0, None, "'__index' chain too long; possible loop")
            continue
        if lua_type(h) != "function":
            return _index_value(h, k)
        return _meta_result(h(o, k))


def _index_value(h, k):
    """An ``__index`` that is neither a table nor a function is indexed in
    turn (with its own metatable); a failure names no variable."""
    try:
        return index(h, k)
    except OpError as e:
        if e.message is not None:
            raise
        raise OpError("index", 0, None, "attempt to index a %s value" % e.tname) from None


def _index_slow(o, k):
    t = type(o)
    if t is LuaClassTable or t is LuaFrozenTable:
        v = o.get(k)
        if v is not None:
            return v
        if o.meta is None:
            return None
        h = o.meta.get("__index")
        if h is None:
            return None
        return _index_chain(o, h, k)
    mt = getmetatable(o)
    h = mt.get("__index") if mt is not None else None
    if h is None:
        raise OpError("index", 0, lua_type(o))
    return _index_chain(o, h, k)


def index_method(o, k):
    """``o:k`` lookup (same as index, kept separate for profiles)."""
    return index(o, k)


def setindex(o, k, v):
    """``o[k] = v`` with the full __newindex protocol."""
    loop = 0
    while True:
        t = type(o)
        if t is LuaTable:
            rawset_checked(o, k, v)
            return
        if t is LuaMetaTable:
            if k in o:
                rawset_checked(o, k, v)
                return
            h = o.meta.get("__newindex")
            if h is None:
                rawset_checked(o, k, v)
                return
        elif t is LuaClassTable:
            mt = o.meta
            h = mt.get("__newindex") if mt is not None and k not in o else None
            if h is None:
                rawset_checked(o, k, v)
                class_written(o, k, v)
                return
        elif t is LuaFrozenTable:
            raise LuaError(_where() + "attempt to modify a frozen table")
        else:
            mt = getmetatable(o)
            h = mt.get("__newindex") if mt is not None else None
            if h is None:
                raise OpError("index", 0, lua_type(o))
        if type(h) in TABLE_TYPES:
            o = h
            loop += 1
            if loop >= 2000:
                raise OpError("index", 0, None, "'__newindex' chain too long; possible loop")
            continue
        h(o, k, v)
        return


def rawset_checked(t, k, v):
    """Raw assignment with Lua's key rules (nil/NaN keys, float keys)."""
    tk = type(k)
    if tk is float:
        if k.is_integer():
            k = int(k)
        elif k != k:
            raise LuaError(_where() + "table index is NaN")
    elif k is None:
        raise LuaError(_where() + "table index is nil")
    if v is None:
        t.pop(k, None)
    else:
        t[k] = v


def _where():
    from .errors import where
    return where()


# --------------------------------------------------------------------------
# arithmetic


def _str_arith(v):
    """A string operand of arithmetic: Lua 5.3 converts it to a float."""
    n = str2number(v)
    return float(n) if n is not None else None


def _arith_operands(a, b, op):
    """Coerce both operands to numbers (strings become floats) or raise."""
    x = a if type(a) in _NUMBERS else (_str_arith(a) if type(a) is str else None)
    y = b if type(b) in _NUMBERS else (_str_arith(b) if type(b) is str else None)
    if x is None or y is None:
        h = metamethod(a, op)
        if h is None:
            h = metamethod(b, op)
        if h is not None:
            return None, None, h
        bad = 0 if x is None else 1
        kind = "bitwise" if op in _BITWISE_EVENTS and x is not None and y is not None else "arith"
        raise OpError(kind, bad, lua_type(a if bad == 0 else b))
    return x, y, None


def _meta_result(r):
    if type(r) is tuple:
        return r[0] if r else None
    return r


def wrapint(r):
    """Fix up the result of an inline + - * whose range check failed."""
    if type(r) is int:
        return wrap(r)
    return r


def add(a, b):
    if type(a) is int and type(b) is int:
        r = a + b
        return r if MININT <= r <= MAXINT else wrap(r)
    if type(a) is float and type(b) in _NUMBERS or type(b) is float and type(a) is int:
        return a + b
    x, y, h = _arith_operands(a, b, "__add")
    if h is not None:
        return _meta_result(h(a, b))
    return add(x, y)


def sub(a, b):
    if type(a) is int and type(b) is int:
        r = a - b
        return r if MININT <= r <= MAXINT else wrap(r)
    if type(a) is float and type(b) in _NUMBERS or type(b) is float and type(a) is int:
        return a - b
    x, y, h = _arith_operands(a, b, "__sub")
    if h is not None:
        return _meta_result(h(a, b))
    return sub(x, y)


def mul(a, b):
    if type(a) is int and type(b) is int:
        r = a * b
        return r if MININT <= r <= MAXINT else wrap(r)
    if type(a) is float and type(b) in _NUMBERS or type(b) is float and type(a) is int:
        return a * b
    x, y, h = _arith_operands(a, b, "__mul")
    if h is not None:
        return _meta_result(h(a, b))
    return mul(x, y)


def fdiv(a, b):
    """Float division with IEEE results for division by zero."""
    try:
        return a / b
    except ZeroDivisionError:
        a = float(a)
        if a != a or a == 0.0:
            return NEG_NAN
        return math.copysign(_inf, a) * math.copysign(1.0, b)
    except OverflowError:
        return float(a) / float(b)


def div(a, b):
    if type(a) in _NUMBERS and type(b) in _NUMBERS:
        if type(a) is int and type(b) is int and (a > 9007199254740992 or a < -9007199254740992
                                                  or b > 9007199254740992 or b < -9007199254740992):
            return fdiv(float(a), float(b))
        return fdiv(a, b)
    x, y, h = _arith_operands(a, b, "__div")
    if h is not None:
        return _meta_result(h(a, b))
    return div(x, y)


def fmod_lua(a, b):
    """Lua 5.3 float modulo: fmod adjusted toward the divisor's sign."""
    a = float(a)
    b = float(b)
    if a != a:
        return a                    # a NaN operand comes through as it is
    if b != b:
        return b
    if b == 0.0 or a in (_inf, -_inf):
        return NEG_NAN
    if b in (_inf, -_inf):
        if a == 0.0 or (a > 0) == (b > 0):
            return a
        return b
    m = math.fmod(a, b)
    if (m > 0) if b < 0 else (m < 0 and b != m):
        m += b
    return m


def mod(a, b):
    if type(a) is int and type(b) is int:
        if b == 0:
            raise OpError("arith", 1, None, "attempt to perform 'n%%0'" % ())
        return a % b
    if type(a) in _NUMBERS and type(b) in _NUMBERS:
        return fmod_lua(a, b)
    x, y, h = _arith_operands(a, b, "__mod")
    if h is not None:
        return _meta_result(h(a, b))
    return mod(x, y)


def idiv(a, b):
    if type(a) is int and type(b) is int:
        if b == 0:
            raise OpError("arith", 1, None, "attempt to divide by zero")
        r = a // b
        return r if r <= MAXINT else wrap(r)
    if type(a) in _NUMBERS and type(b) in _NUMBERS:
        q = fdiv(a, b)
        if q != q or q in (_inf, -_inf) or q == 0:
            return q                      # keeps the sign of a zero quotient
        return float(math.floor(q))
    x, y, h = _arith_operands(a, b, "__idiv")
    if h is not None:
        return _meta_result(h(a, b))
    return idiv(x, y)


def fpow(a, b):
    a = float(a)
    b = float(b)
    try:
        return math.pow(a, b)
    except OverflowError:
        if a < 0 and b.is_integer() and int(b) % 2 == 1:
            return -_inf
        return _inf
    except ValueError:
        if a == 0.0:
            if b.is_integer() and int(b) % 2 == 1:
                return math.copysign(_inf, a)
            return _inf
        return NEG_NAN


def pow(a, b):
    if type(a) in _NUMBERS and type(b) in _NUMBERS:
        return fpow(a, b)
    x, y, h = _arith_operands(a, b, "__pow")
    if h is not None:
        return _meta_result(h(a, b))
    return fpow(x, y)


def unm(a):
    t = type(a)
    if t is int:
        return -a if a != MININT else MININT
    if t is float:
        return -a
    if t is str:
        x = _str_arith(a)
        if x is not None:
            return -x
    h = metamethod(a, "__unm")
    if h is not None:
        return _meta_result(h(a, a))
    raise OpError("arith", 0, lua_type(a))


# --------------------------------------------------------------------------
# bitwise

_BITWISE_EVENTS = frozenset(("__band", "__bor", "__bxor", "__shl", "__shr", "__bnot"))


def _toint_bitwise(v):
    t = type(v)
    if t is int:
        return v
    if t is float:
        if v.is_integer() and -9.2233720368547758e18 <= v < 9.2233720368547758e18:
            return int(v)
        return None
    if t is str:
        n = str2number(v)
        if n is None:
            return None
        return _toint_bitwise(n)
    return None


def _bitwise(a, b, event, fn):
    x = _toint_bitwise(a)
    y = _toint_bitwise(b)
    if x is None or y is None:
        h = metamethod(a, event)
        if h is None:
            h = metamethod(b, event)
        if h is not None:
            return _meta_result(h(a, b))
        bad = 0 if x is None else 1
        v = a if bad == 0 else b
        if type(v) in _NUMBERS or (type(v) is str and str2number(v) is not None):
            raise OpError("tointeger", bad, lua_type(v))
        raise OpError("bitwise", bad, lua_type(v))
    return wrap(fn(x, y))


def band(a, b):
    if type(a) is int and type(b) is int:
        return a & b
    return _bitwise(a, b, "__band", int.__and__)


def bor(a, b):
    if type(a) is int and type(b) is int:
        return a | b
    return _bitwise(a, b, "__bor", int.__or__)


def bxor(a, b):
    if type(a) is int and type(b) is int:
        return a ^ b
    return _bitwise(a, b, "__bxor", int.__xor__)


def _shl(x, n):
    if n <= -64 or n >= 64:
        return 0
    if n >= 0:
        return (x << n) & 0xFFFFFFFFFFFFFFFF
    return (x & 0xFFFFFFFFFFFFFFFF) >> -n


def shl(a, b):
    return _bitwise(a, b, "__shl", _shl)


def shr(a, b):
    return _bitwise(a, b, "__shr", lambda x, n: _shl(x, -n))


def bnot(a):
    x = _toint_bitwise(a)
    if x is None:
        h = metamethod(a, "__bnot")
        if h is not None:
            return _meta_result(h(a, a))
        if type(a) in _NUMBERS:
            raise OpError("tointeger", 0, lua_type(a))
        raise OpError("bitwise", 0, lua_type(a))
    return wrap(~x)


def tointeger(v):
    """Float/int/string to an exact integer, or None (``math.tointeger``)."""
    return _toint_bitwise(v) if type(v) is not str else None


# --------------------------------------------------------------------------
# strings and lengths


_tostr = tostr


def concat(a, b):
    x = _tostr(a)
    y = _tostr(b)
    if x is None or y is None:
        h = metamethod(a, "__concat")
        if h is None:
            h = metamethod(b, "__concat")
        if h is not None:
            return _meta_result(h(a, b))
        bad = 0 if x is None else 1
        raise OpError("concat", bad, lua_type(a if bad == 0 else b))
    return x + y


def concat_n(*vals):
    """``v1 .. v2 .. ... .. vn`` (right associative, as Lua evaluates it)."""
    parts = []
    for v in vals:
        s = _tostr(v)
        if s is None:
            break
        parts.append(s)
    else:
        return "".join(parts)
    # slow path: fold from the right with metamethods
    acc = vals[-1]
    for i in range(len(vals) - 2, -1, -1):
        try:
            acc = concat(vals[i], acc)
        except OpError as e:
            if e.operand == 1 and i != len(vals) - 2:
                # the accumulated right operand is not a variable of its own
                e.operand = 2
            elif e.operand == 1:
                e.operand = i + 1
            else:
                e.operand = i
            raise
    return acc


def length(v):
    t = type(v)
    if t is str:
        return len(v)
    if t is LuaTable:
        return v.length()
    h = metamethod(v, "__len")
    if h is not None:
        return _meta_result(h(v))
    if t in TABLE_TYPES:
        return v.length()
    raise OpError("len", 0, lua_type(v))


# --------------------------------------------------------------------------
# comparison metamethods (called from LuaMetaTable's Python dunders)


def truth(v):
    return v is not None and v is not FALSE


def eq_meta(a, b):
    h = metamethod(a, "__eq")
    if h is None:
        h = metamethod(b, "__eq")
    if h is None:
        return False
    return truth(_meta_result(h(a, b)))


def _cmp_error(a, b):
    ta = lua_type(a)
    tb = lua_type(b)
    if ta == tb:
        raise OpError("compare", 0, None, "attempt to compare two %s values" % ta)
    raise OpError("compare", 0, None, "attempt to compare %s with %s" % (ta, tb))


def lt_meta(a, b):
    h = metamethod(a, "__lt")
    if h is None:
        h = metamethod(b, "__lt")
    if h is None:
        _cmp_error(a, b)
    return truth(_meta_result(h(a, b)))


def le_meta(a, b):
    h = metamethod(a, "__le")
    if h is None:
        h = metamethod(b, "__le")
    if h is not None:
        return truth(_meta_result(h(a, b)))
    h = metamethod(b, "__lt")
    if h is None:
        h = metamethod(a, "__lt")
    if h is None:
        _cmp_error(a, b)
    return not truth(_meta_result(h(b, a)))


def lt(a, b):
    """``a < b`` for any values (the generated code uses Python's ``<``;
    this is for library code)."""
    try:
        return a < b
    except TypeError:
        _cmp_error(a, b)


def le(a, b):
    try:
        return a <= b
    except TypeError:
        _cmp_error(a, b)


def call_meta(t, args):
    h = t.meta.get("__call") if t.meta is not None else None
    if h is None or type(h) in TABLE_TYPES:
        # Lua 5.3 does not follow a __call that is itself a table
        raise OpError("call", 0, "table")
    return h(t, *args)


def tostring_meta(v):
    """``tostring`` with __tostring and __name."""
    t = type(v)
    if t is str:
        return v
    if t is int:
        return str(v)
    if t is float:
        return fmt_float(v)
    mt = getmetatable(v)
    if mt is not None:
        h = mt.get("__tostring")
        if h is not None:
            r = _meta_result(h(v))
            if type(r) is not str:
                if type(r) in _NUMBERS:
                    return _tostr(r)
                raise LuaError(_where() + "'__tostring' must return a string")
            return r
        name = mt.get("__name")
        if type(name) is str and t in TABLE_TYPES:
            return "%s: 0x%08x" % (name, id(v))
    from .values import tostring
    return tostring(v)


# --------------------------------------------------------------------------
# multiple results


def first(r):
    if type(r) is tuple:
        return r[0] if r else None
    return r


def mr(r):
    return r if type(r) is tuple else (r,)


def adjust(r, n):
    """Exactly ``n`` values from a call result (padding with nil)."""
    if type(r) is not tuple:
        r = (r,)
    k = len(r)
    if k == n:
        return r
    if k > n:
        return r[:n]
    return r + (None,) * (n - k)


# --------------------------------------------------------------------------
# loops


def _forlimit_int(limit, step):
    """Clip a float limit for an integer loop (Lua 5.3 forlimit)."""
    if type(limit) is int:
        return limit
    if limit != limit:
        return None
    if limit == math.inf:
        return MAXINT if step > 0 else None
    if limit == -math.inf:
        return MININT if step < 0 else None
    if step > 0:
        f = math.floor(limit)
        if f >= 9.2233720368547758e18:
            return MAXINT
        if f < -9.2233720368547758e18:
            return None
        return int(f)
    f = math.ceil(limit)
    if f < -9.2233720368547758e18:
        return MININT
    if f >= 9.2233720368547758e18:
        return None
    return int(f)


def _fornum(v, what):
    if type(v) in _NUMBERS:
        return v
    if type(v) is str:
        n = str2number(v)
        if n is not None:
            return n
    raise LuaError(_where() + "'for' %s must be a number" % what)


# --------------------------------------------------------------------------
# the loop budget
#
# Lua code runs cooperatively; so that a long loop cannot starve the other
# greenlets, loops spend a budget: long numeric ranges are iterated in
# chunks of BUDGET_CHUNK with a call to the tick hook between chunks, and
# ``while``/``repeat`` loops iterate over ``forever()``, an endless C-level
# iterator that ticks every BUDGET_CHUNK steps.  The iteration itself stays
# in C; the hook (installed by the host: yield to other greenlets, notice a
# termination) runs once per chunk.  Without a hook (``wippy lua``) a tick
# does nothing.

BUDGET_CHUNK = 4096
TICK_HOOK = [None]
_NONES = (None,) * BUDGET_CHUNK


def set_tick_hook(fn):
    """Install the function called once per chunk of loop iterations."""
    TICK_HOOK[0] = fn


def _tick(chunk):
    h = TICK_HOOK[0]
    if h is not None:
        h()
    return chunk


def _range_chunk(r, i):
    h = TICK_HOOK[0]
    if h is not None:
        h()
    return r[i:i + BUDGET_CHUNK]


def brange(start, stop, step=1):
    """``range(start, stop, step)`` for a numeric for, chunked with budget
    ticks when it is long."""
    r = range(start, stop, step)
    try:
        n = len(r)
    except OverflowError:       # more than sys.maxsize iterations
        return _long_range(start, stop, step)
    if n <= BUDGET_CHUNK:
        return r
    return _chain_from(map(_range_chunk, _repeat_it(r), range(0, n, BUDGET_CHUNK)))


def _long_range(start, stop, step):
    h = TICK_HOOK
    i = start
    k = BUDGET_CHUNK
    while (i < stop) if step > 0 else (i > stop):
        yield i
        i += step
        k -= 1
        if not k:
            k = BUDGET_CHUNK
            if h[0] is not None:
                h[0]()


def forever():
    """The endless iterable behind ``while`` and ``repeat`` loops."""
    # the first chunk comes without a tick: a short loop costs nothing
    return _chain(_NONES, _chain_from(map(_tick, _repeat_it(_NONES))))


def forrange(start, stop, step=1):
    """The iterable of a numeric ``for``."""
    if type(start) is int and type(stop) is int and type(step) is int:
        if step == 0:
            return _zero_step(start, stop)
        return brange(start, stop + 1, step) if step > 0 else brange(start, stop - 1, step)
    start = _fornum(start, "initial value")
    stop = _fornum(stop, "limit")
    step = _fornum(step, "step")
    if step == 0:
        # Lua 5.3 has no zero-step check: the loop runs while limit <= index
        return _zero_step(start if type(start) is int and type(step) is int else float(start),
                          stop)
    if type(start) is int and type(step) is int:
        lim = _forlimit_int(stop, step)
        if lim is None:
            return ()
        return brange(start, lim + 1, step) if step > 0 else brange(start, lim - 1, step)
    return _float_range(float(start), float(stop), float(step))


def _zero_step(start, stop):
    if stop <= start:
        return _repeat(start)
    return ()


def _repeat(v):
    h = TICK_HOOK
    while True:
        for _ in _NONES:
            yield v
        if h[0] is not None:
            h[0]()


def _float_range(i, stop, step):
    h = TICK_HOOK
    k = BUDGET_CHUNK
    while (i <= stop) if step > 0 else (i >= stop):
        yield i
        i += step
        k -= 1
        if not k:
            k = BUDGET_CHUNK
            if h[0] is not None:
                h[0]()


def forin(n, f, s=None, c=None, *_):
    """The iterator behind a generic ``for`` with ``n`` variables: yields
    single values when n == 1, tuples of exactly n values otherwise."""
    fast = _FAST_ITERS.get(f)
    if fast is not None:
        it = fast(s, c)
        if it is not None:
            if n == 2:
                return it
            if n == 1:
                return (kv[0] for kv in it)
            return (kv + (None,) * (n - 2) for kv in it)
    lv = getattr(f, "lua_values", None)
    if lv is not None:
        # an iterator function backed by a Python iterator (string.gmatch):
        # the loop steps the iterator itself
        it, mode, ncap = lv
        if mode != 2:           # one value per step
            if n == 1:
                return it
            if n == 2:
                return zip(it, _repeat_it(None))
            pad = (None,) * (n - 1)
            return ((v,) + pad for v in it)
        if n == ncap:
            return it
        if n == 1:
            return map(_first_item, it)
        if n < ncap:
            return (t[:n] for t in it)
        pad = (None,) * (n - ncap)
        return (t + pad for t in it)
    return _generic_iter(n, f, s, c)


def _generic_iter(n, f, s, c):
    h = TICK_HOOK
    k = BUDGET_CHUNK
    while True:
        k -= 1
        if not k:
            k = BUDGET_CHUNK
            if h[0] is not None:
                h[0]()
        r = f(s, c)
        if type(r) is tuple:
            if not r:
                return
            c = r[0]
            if c is None:
                return
            if n == 1:
                yield c
            else:
                k = len(r)
                yield r if k == n else (r[:n] if k > n else r + (None,) * (n - k))
        else:
            if r is None:
                return
            c = r
            if n == 1:
                yield r
            else:
                yield (r,) + (None,) * (n - 1)


# fast iterators: function -> maker(state, control) returning a Python iterator of
# (key, value) pairs, or None when the fast path does not apply
_FAST_ITERS = {}


def register_fast_iter(fn, maker, values=None):
    """``maker`` gives the (key, value) pairs of the iteration; ``values``,
    when given, just its values (for ``for _, v in ...`` loops)."""
    _FAST_ITERS[fn] = maker
    if values is not None:
        _FAST_VALUES[fn] = values


_FAST_VALUES = {}
_second = _itemgetter(1)


def forin_v(f, s=None, c=None, *_):
    """The iterator of a two-variable generic ``for`` whose first variable
    is never read (``for _, v in ipairs(t)``): the second values only,
    straight from C-level iterators where the iteration has one."""
    fast = _FAST_VALUES.get(f)
    if fast is not None:
        it = fast(s, c)
        if it is not None:
            return it
    return map(_second, forin(2, f, s, c))


# --------------------------------------------------------------------------
# table constructors


def table_nn(d):
    """A table from a dict display whose values may be nil."""
    t = LuaTable(d)
    if None in d.values():
        for k in [k for k, v in d.items() if v is None]:
            del t[k]
    return t


def table_multi(d, npos, tail):
    """A table constructor ending in a multi-valued expression."""
    t = table_nn(d)
    for i, v in enumerate(tail, npos + 1):
        if v is not None:
            t[i] = v
    return t


def table_ctor(spec, values):
    """A constructor mixing computed keys with positional items: every item
    is evaluated in source order, positional items are stored last (as Lua's
    SETLIST does).  spec[i] is None for a positional value, or 'e' for a
    computed key followed by its value in ``values``."""
    t = LuaTable()
    pos = []
    it = iter(values)
    for kind in spec:
        if kind is None:
            pos.append(next(it))
        else:
            k = key_checked(next(it))
            v = next(it)
            if v is None:
                t.pop(k, None)
            else:
                t[k] = v
    for i, v in enumerate(pos, 1):
        if v is None:
            t.pop(i, None)
        else:
            t[i] = v
    return t


def key_checked(k):
    """Normalise a computed constructor key (float keys, nil/NaN errors)."""
    if type(k) is float:
        if k.is_integer():
            return int(k)
        if k != k:
            raise LuaError(_where() + "table index is NaN")
    elif k is None:
        raise LuaError(_where() + "table index is nil")
    return k


class Goto(Exception):
    """A goto leaving nested Python loops (see compiler/gotos.py)."""

    def __init__(self, label):
        self.label = label


class TypeValue:
    """The runtime value of a Wippy ``type Name = ...`` declaration."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "type: %s" % self.name


def type_value(name):
    return TypeValue(name)


def sortkey(spec):
    """The decorator the compiler puts on a comparator it recognised as a
    sort key (compiler/sortkey.py): ``table.sort`` reads the attribute."""
    def deco(f):
        f.lua_sortkey = spec
        return f
    return deco


def helper_globals():
    """The globals every generated module needs (bound once, copied per load)."""
    g = {
        "__builtins__": {}, "LuaTable": LuaTable, "LuaMetaTable": LuaMetaTable,
        "TABLE_TYPES": TABLE_TYPES, "TRUE": TRUE, "_MISS": _MISS, "FALSE": FALSE,
        "MAXINT": MAXINT, "MININT": MININT, "fmt_float": fmt_float, "_UDM": _UDM,
        "_pystr": str, "_type": type, "_tuple": tuple, "_range": range, "_len": len, "_abs": abs, "_G0_": None,
        "int": int, "float": float, "str": str, "_isinstance": isinstance,
    }
    for name in ("index", "mindex", "setindex", "rawset_checked", "add", "sub", "mul", "div", "mod",
                 "idiv", "pow", "unm", "band", "bor", "bxor", "shl", "shr", "bnot", "concat",
                 "concat_n", "length", "first", "mr", "adjust", "forrange", "forin", "wrapint",
                 "fdiv", "table_nn", "table_multi", "key_checked", "type_value", "Goto",
                 "table_ctor", "brange", "forever", "sortkey", "forin_v"):
        g[name] = globals()[name]
    return g
