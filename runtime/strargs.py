"""Argument checking for the string library (the ``luaL_check*`` family).

Each helper takes the value, the argument number and the Lua name of the
builtin, and either returns the converted value or raises the exact Lua 5.3
message, e.g. ``bad argument #3 to 'find' (number expected, got table)``.

* ``check_str``  -- ``luaL_checklstring``: strings, numbers converted to strings;
* ``check_int``  -- ``luaL_checkinteger``: integers, floats with an exact
  integer value, numeric strings;
* ``check_num``  -- ``luaL_checknumber``: numbers and numeric strings;
* ``typename``   -- the type name used in those messages (``__name`` aware).

``NOARG`` stands for an absent argument (``got no value``), as opposed to an
explicit nil.
"""

from .errors import arg_error
from .values import TABLE_TYPES, fmt_float, lua_type, str2number

__all__ = ["NOARG", "typename", "check_str", "check_int", "check_num"]

NOARG = type("NoArg", (), {"__repr__": lambda self: "<no value>"})()

_TWO63 = 9223372036854775808.0


def typename(v):
    """The type name ``luaL_typeerror`` reports for ``v``."""
    if v is NOARG:
        return "no value"
    if type(v) in TABLE_TYPES and v.meta is not None:
        name = v.meta.get("__name")
        if type(name) is str:
            return name
    return lua_type(v)


def check_str(v, n, fname):
    t = type(v)
    if t is str:
        return v
    if t is int:
        return str(v)
    if t is float:
        return fmt_float(v)
    arg_error(n, fname, "string expected, got %s" % typename(v))


def _float2int(f, n, fname):
    if f.is_integer() and -_TWO63 <= f < _TWO63:
        return int(f)
    arg_error(n, fname, "number has no integer representation")


def check_int(v, n, fname):
    t = type(v)
    if t is int:
        return v
    if t is float:
        return _float2int(v, n, fname)
    if t is str:
        x = str2number(v)
        if x is not None:
            return x if type(x) is int else _float2int(x, n, fname)
    arg_error(n, fname, "number expected, got %s" % typename(v))


def check_num(v, n, fname):
    t = type(v)
    if t is int or t is float:
        return v
    if t is str:
        x = str2number(v)
        if x is not None:
            return x
    arg_error(n, fname, "number expected, got %s" % typename(v))
