"""The Lua ``math`` library (Lua 5.3 §6.7): integer and float results
exactly as Lua returns them."""

import math
import random as _random

from .values import LuaTable, TRUE, FALSE, MAXINT, MININT, wrap
from .ops import tointeger, fmod_lua, fpow, NEG_NAN
from .baselib import check_num, check_int, arg_error, NONE, typename_arg
from .errors import rt_error

__all__ = ["make_math_lib"]

_inf = math.inf


def _flt_to_int(f):
    if -9.2233720368547758e18 <= f < 9.2233720368547758e18:
        return int(f)
    return None


def m_floor(x=NONE, *_):
    if type(x) is int:
        return x
    x = check_num(x, 1, "floor")
    if type(x) is int:
        return x
    f = math.floor(x) if x == x and x not in (_inf, -_inf) else x
    i = _flt_to_int(float(f))
    return i if i is not None else float(f)


def m_ceil(x=NONE, *_):
    if type(x) is int:
        return x
    x = check_num(x, 1, "ceil")
    if type(x) is int:
        return x
    f = math.ceil(x) if x == x and x not in (_inf, -_inf) else x
    i = _flt_to_int(float(f))
    return i if i is not None else float(f)


def m_abs(x=NONE, *_):
    x = check_num(x, 1, "abs")
    if type(x) is int:
        return wrap(abs(x))
    return abs(x)


def m_fmod(a=NONE, b=NONE, *_):
    a = check_num(a, 1, "fmod")
    b = check_num(b, 2, "fmod")
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
    return (i if i is not None else ip, x - ip)


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


def m_max(*args):
    if not args:
        arg_error(1, "max", "value expected")
    best = check_num(args[0], 1, "max")
    for i, v in enumerate(args[1:], 2):
        v = check_num(v, i, "max")
        if best < v:
            best = v
    return best


def m_min(*args):
    if not args:
        arg_error(1, "min", "value expected")
    best = check_num(args[0], 1, "min")
    for i, v in enumerate(args[1:], 2):
        v = check_num(v, i, "min")
        if v < best:
            best = v
    return best


def m_sqrt(x=NONE, *_):
    x = float(check_num(x, 1, "sqrt"))
    if x < 0:
        return NEG_NAN
    return math.sqrt(x)


def _float_fn(name, fn):
    def f(x=NONE, *_):
        x = float(check_num(x, 1, name))
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return NEG_NAN if x == x else x
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
        return NEG_NAN
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
    return math.atan2(y, x)


def m_ult(a=NONE, b=NONE, *_):
    a = check_int(a, 1, "ult")
    b = check_int(b, 2, "ult")
    return TRUE if (a & 0xFFFFFFFFFFFFFFFF) < (b & 0xFFFFFFFFFFFFFFFF) else FALSE


class _Rand:
    rng = _random.Random(0)


def m_random(m=None, n=None, *rest):
    rng = _Rand.rng
    if m is None and n is None:
        return rng.random()
    if rest:
        rt_error("wrong number of arguments")
    if n is None:
        low, up = 1, check_int(m, 1, "random")
        if low > up:
            arg_error(1, "random", "interval is empty")
    else:
        low, up = check_int(m, 1, "random"), check_int(n, 2, "random")
        if low > up:
            arg_error(2, "random", "interval is empty")
    return rng.randint(low, up)


def m_randomseed(x=None, *_):
    if x is None:
        _Rand.rng.seed()
    else:
        _Rand.rng.seed(check_num(x, 1, "randomseed"))
    return ()


def make_math_lib():
    lib = LuaTable()
    fns = [("floor", m_floor), ("ceil", m_ceil), ("abs", m_abs), ("fmod", m_fmod),
           ("modf", m_modf), ("tointeger", m_tointeger), ("type", m_type), ("max", m_max),
           ("min", m_min), ("sqrt", m_sqrt), ("log", m_log), ("exp", m_exp),
           ("atan", m_atan), ("ult", m_ult), ("random", m_random),
           ("randomseed", m_randomseed),
           ("sin", _float_fn("sin", math.sin)), ("cos", _float_fn("cos", math.cos)),
           ("tan", _float_fn("tan", math.tan)), ("asin", _float_fn("asin", math.asin)),
           ("acos", _float_fn("acos", math.acos)),
           ("deg", _float_fn("deg", lambda x: x * (180.0 / math.pi))),
           ("rad", _float_fn("rad", lambda x: x * (math.pi / 180.0)))]
    for name, fn in fns:
        lib[name] = fn
    lib["pi"] = math.pi
    lib["huge"] = _inf
    lib["maxinteger"] = MAXINT
    lib["mininteger"] = MININT
    return lib
