"""The Lua ``math`` library (Lua 5.3 §6.7): integer and float results
exactly as Lua returns them."""

import math
from math import sqrt as _sqrt, floor as _floor

from .values import LuaTable, TRUE, FALSE, MAXINT, MININT, wrap, LuaError, lua_type
from .ops import tointeger, fmod_lua, fpow, NEG_NAN, OpError
from .errors import _innermost_lua
from .baselib import check_num, check_int, arg_error, NONE, typename_arg
from .errors import rt_error

__all__ = ["make_math_lib"]

_inf = math.inf
_NAN = float("nan")         # positive NaN (prints as "nan"; NEG_NAN prints "-nan")


def _flt_to_int(f):
    if -9.2233720368547758e18 <= f < 9.2233720368547758e18:
        return int(f)
    return None


def m_floor(x=NONE, *_):
    if type(x) is int:
        return x
    if type(x) is float and -9.2233720368547758e18 <= x < 9.2233720368547758e18:
        return _floor(x)          # an int that fits: the common case
    # not an integer (numeric strings included): through a float, as Lua
    x = float(check_num(x, 1, "floor"))
    f = math.floor(x) if x == x and x not in (_inf, -_inf) else x
    i = _flt_to_int(float(f))
    return i if i is not None else float(f)


def m_ceil(x=NONE, *_):
    if type(x) is int:
        return x
    # not an integer (numeric strings included): through a float, as Lua
    x = float(check_num(x, 1, "ceil"))
    f = math.ceil(x) if x == x and x not in (_inf, -_inf) else x
    i = _flt_to_int(float(f))
    return i if i is not None else float(f)


def m_abs(x=NONE, *_):
    if type(x) is int:
        return wrap(abs(x))
    # anything but an integer (numeric strings included) goes through fabs
    return abs(float(check_num(x, 1, "abs")))


def m_fmod(a=NONE, b=NONE, *_):
    # the integer path needs two actual integers (lua_isinteger): numeric
    # strings give a float result
    if type(a) is not int or type(b) is not int:
        # fmod(luaL_checknumber(L, 1), luaL_checknumber(L, 2)): gcc evaluates
        # the second argument first, so a bad second argument is reported
        b = float(check_num(b, 2, "fmod"))
        a = float(check_num(a, 1, "fmod"))
    if type(a) is int and type(b) is int:
        if b == 0:
            arg_error(2, "fmod", "zero")
        if b == -1:
            return 0
        r = abs(a) % abs(b)
        return -r if a < 0 else r
    a, b = float(a), float(b)
    if b == 0.0 or a != a or b != b or a in (_inf, -_inf):
        return NEG_NAN
    if b in (_inf, -_inf):
        return a
    return math.fmod(a, b)


def m_modf(x=NONE, *_):
    if type(x) is int:
        return (x, 0.0)
    x = float(check_num(x, 1, "modf"))
    if x in (_inf, -_inf):
        return (x, 0.0)
    if x != x:
        return (x, x)
    ip = float(math.floor(x)) if x >= 0 else float(math.ceil(x))
    i = _flt_to_int(ip)
    return (i if i is not None else ip, 0.0 if x == ip else x - ip)


def m_tointeger(x=NONE, *_):
    if type(x) is int:
        return x
    if type(x) is float:
        return tointeger(x)
    if type(x) is str:      # Lua 5.3 converts numeric strings (lua_tointegerx)
        from .values import str2number
        n = str2number(x)
        return None if n is None else m_tointeger(n)
    if x is NONE:
        arg_error(1, "tointeger", "value expected")
    return None


def m_type(x=NONE, *_):
    if x is NONE:
        arg_error(1, "type", "value expected")
    if type(x) is int:
        return "integer"
    if type(x) is float:
        return "float"
    return None


def _lt(a, b):
    """lua_compare(a, b, LUA_OPLT) from C code: a failed comparison has no
    position in its message (the running function is not Lua)."""
    try:
        return a < b
    except TypeError:
        _compare_error(a, b)
    except OpError as e:
        if e.kind != "compare" or _innermost_lua(e.__traceback__) is not None:
            raise
        raise LuaError(e.message) from None


def _compare_error(a, b):
    ta, tb = lua_type(a), lua_type(b)
    if ta == tb:
        raise LuaError("attempt to compare two %s values" % ta)
    raise LuaError("attempt to compare %s with %s" % (ta, tb))


def m_max(*args):
    # Lua 5.3.6: any values compared with '<' (no number check), the
    # winning argument returned as it is
    if not args:
        arg_error(1, "max", "value expected")
    best = args[0]
    for v in args[1:]:
        if _lt(best, v):
            best = v
    return best


def m_min(*args):
    if not args:
        arg_error(1, "min", "value expected")
    best = args[0]
    for v in args[1:]:
        if _lt(v, best):
            best = v
    return best


def m_sqrt(x=NONE, *_):
    if type(x) is float and x >= 0.0:
        return _sqrt(x)
    x = float(check_num(x, 1, "sqrt"))
    if x < 0:
        return NEG_NAN
    return math.sqrt(x)


def _float_fn(name, fn, domain_nan=NEG_NAN):
    """A float function; ``domain_nan`` is the NaN glibc returns for an
    argument outside the domain (Python raises instead)."""
    def f(x=NONE, *_):
        x = float(check_num(x, 1, name))
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return domain_nan if x == x else x
    f.__name__ = name
    return f


def m_log(x=NONE, base=None, *_):
    x = float(check_num(x, 1, "log"))
    if base is None:
        return _log(x)
    b = float(check_num(base, 2, "log"))
    if b == 2.0:
        return _log2(x)
    if b == 10.0:
        return _log10(x)
    return _div(_log(x), _log(b))


def _div(a, b):
    from .ops import fdiv
    return fdiv(a, b)


def _log(x):
    if x == 0:
        return -_inf
    if x < 0:
        return NEG_NAN
    return math.log(x)


def _log2(x):
    if x == 0:
        return -_inf
    if x < 0:
        return NEG_NAN
    return math.log2(x)


def _log10(x):
    if x == 0:
        return -_inf
    if x < 0:
        return _NAN             # glibc's log10 of a negative number is +nan
    return math.log10(x)


def m_exp(x=NONE, *_):
    x = float(check_num(x, 1, "exp"))
    try:
        return math.exp(x)
    except OverflowError:
        return _inf


def m_atan(y=NONE, x=1.0, *_):
    y = float(check_num(y, 1, "atan"))
    x = float(check_num(x, 2, "atan", 1.0))
    if y != y or x != x:
        return y + x            # the NaN operand, sign included, as C's atan2
    return math.atan2(y, x)


def m_ult(a=NONE, b=NONE, *_):
    a = check_int(a, 1, "ult")
    b = check_int(b, 2, "ult")
    return TRUE if (a & 0xFFFFFFFFFFFFFFFF) < (b & 0xFFFFFFFFFFFFFFFF) else FALSE


class _GlibcRandom:
    """glibc's random()/srandom() (the TYPE_3 additive feedback generator),
    which Lua 5.3 on Linux uses for math.random: seeded programs, and
    programs that never seed (srandom(1) is the default), see the numbers
    real Lua prints."""

    def __init__(self, seed=1):
        self.seed(seed)

    def seed(self, seed):
        seed &= 0xFFFFFFFF
        if seed == 0:
            seed = 1
        word = seed - 0x100000000 if seed > 0x7FFFFFFF else seed   # int32_t
        r = [word & 0xFFFFFFFF]
        for _ in range(1, 31):
            hi = int(word / 127773)             # C division truncates
            lo = word - hi * 127773
            word = 16807 * lo - 2836 * hi
            if word < 0:
                word += 2147483647
            r.append(word & 0xFFFFFFFF)
        r.extend(r[0:3])                        # r[31..33] = r[0..2]
        self.r = r                              # the last 34 values
        for _ in range(34, 344):
            self._next()

    def _next(self):
        r = self.r
        v = (r[-31] + r[-3]) & 0xFFFFFFFF
        r.append(v)
        del r[0]
        return v

    def random(self):
        """random(): 31 random bits."""
        return self._next() >> 1


_RAND_SCALE = 1.0 / 2147483648.0            # 1 / (L_RANDMAX + 1)


def _make_random(rng):
    """math.random and math.randomseed over one generator: each Lua state
    starts from srandom(1) like a fresh lua5.3 process."""

    def m_random(*args):
        r = rng.random() * _RAND_SCALE
        nargs = len(args)
        if nargs == 0:
            return r
        if nargs == 1:
            low = 1
            up = check_int(args[0], 1, "random")
        elif nargs == 2:
            low = check_int(args[0], 1, "random")
            up = check_int(args[1], 2, "random")
        else:
            rt_error("wrong number of arguments")
        if not low <= up:
            arg_error(1, "random", "interval is empty")
        if not (low >= 0 or up <= MAXINT + low):
            arg_error(1, "random", "interval too large")
        r *= float(up - low) + 1.0
        return wrap(int(r) + low)

    def m_randomseed(x=NONE, *_):
        # l_srand((unsigned int)(lua_Integer)luaL_checknumber(L, 1)), then one
        # value is discarded
        f = float(check_num(x, 1, "randomseed"))
        n = int(f) if f == f and abs(f) < 9.3e18 else 0
        rng.seed(n & 0xFFFFFFFF)
        rng.random()
        return ()

    return m_random, m_randomseed


def make_math_lib():
    lib = LuaTable()
    m_random, m_randomseed = _make_random(_GlibcRandom(1))
    fns = [("floor", m_floor), ("ceil", m_ceil), ("abs", m_abs), ("fmod", m_fmod),
           ("modf", m_modf), ("tointeger", m_tointeger), ("type", m_type), ("max", m_max),
           ("min", m_min), ("sqrt", m_sqrt), ("log", m_log), ("exp", m_exp),
           ("atan", m_atan), ("ult", m_ult), ("random", m_random),
           ("randomseed", m_randomseed),
           ("sin", _float_fn("sin", math.sin)), ("cos", _float_fn("cos", math.cos)),
           ("tan", _float_fn("tan", math.tan)),
           ("asin", _float_fn("asin", math.asin, _NAN)),
           ("acos", _float_fn("acos", math.acos, _NAN)),
           ("deg", _float_fn("deg", lambda x: x * (180.0 / math.pi))),
           ("rad", _float_fn("rad", lambda x: x * (math.pi / 180.0)))]
    for name, fn in fns:
        lib[name] = fn
    lib["pi"] = math.pi
    lib["huge"] = _inf
    lib["maxinteger"] = MAXINT
    lib["mininteger"] = MININT
    return lib
