"""The ``os`` library: the subset Wippy grants (time, clock, date, difftime)
plus, for standalone scripts, ``getenv``, ``exit`` and ``setlocale``.
``execute``, ``remove``, ``rename`` and ``tmpname`` exist but raise: wippy
never starts programs or deletes files."""

import os
import time as _time

from .values import LuaTable, TRUE, FALSE, str2number
from .baselib import check_int, check_str, check_table, arg_error, NONE
from .errors import rt_error
from .ops import index, setindex

__all__ = ["make_os_lib"]


_MAXDATEFIELD = 0x7FFFFFFF // 2


def _getfield(t, key, d, delta):
    """loslib.c's getfield: an integer field of a date table."""
    v = index(t, key)
    n = _tointeger(v)
    if n is None:
        if v is not None:
            rt_error("field '%s' is not an integer" % key)
        if d < 0:
            rt_error("field '%s' missing in date table" % key)
        return d
    if not -_MAXDATEFIELD <= n <= _MAXDATEFIELD:
        rt_error("field '%s' is out-of-bound" % key)
    return n - delta


def _tointeger(v):
    """lua_tointegerx: integers, floats with an integral value, numeric
    strings; None otherwise."""
    if type(v) is str:
        v = str2number(v)
    if type(v) is int:
        return v
    if type(v) is float and v.is_integer() and -2.0 ** 63 <= v < 2.0 ** 63:
        return int(v)
    return None


def _setallfields(t, st):
    setindex(t, "sec", st.tm_sec)
    setindex(t, "min", st.tm_min)
    setindex(t, "hour", st.tm_hour)
    setindex(t, "day", st.tm_mday)
    setindex(t, "month", st.tm_mon)
    setindex(t, "year", st.tm_year)
    setindex(t, "wday", (st.tm_wday + 1) % 7 + 1)
    setindex(t, "yday", st.tm_yday)
    if st.tm_isdst >= 0:
        setindex(t, "isdst", TRUE if st.tm_isdst else FALSE)


def os_time(t=None, *_):
    if t is None or t is NONE:
        return int(_time.time())
    check_table(t, 1, "time")
    # the fields are read in loslib.c's order, which decides which error shows
    sec = _getfield(t, "sec", 0, 0)
    minute = _getfield(t, "min", 0, 0)
    hour = _getfield(t, "hour", 12, 0)
    day = _getfield(t, "day", -1, 0)
    month = _getfield(t, "month", -1, 1)
    year = _getfield(t, "year", -1, 1900)
    isdst = index(t, "isdst")
    isdst = -1 if isdst is None else (0 if isdst is FALSE else 1)
    tm = (year + 1900, month + 1, day, hour, minute, sec, 0, 0, isdst)
    try:
        r = int(_time.mktime(tm))
        st = _time.localtime(r)
    except (OverflowError, ValueError, OSError):
        r = -1
    if r == -1:
        rt_error("time result cannot be represented in this installation")
    _setallfields(t, st)       # Lua 5.3 normalizes the table's fields
    return r


def os_clock(*_):
    return _time.process_time()


def _tm_table(st):
    t = LuaTable()
    t["year"] = st.tm_year
    t["month"] = st.tm_mon
    t["day"] = st.tm_mday
    t["hour"] = st.tm_hour
    t["min"] = st.tm_min
    t["sec"] = st.tm_sec
    t["wday"] = (st.tm_wday + 1) % 7 + 1
    t["yday"] = st.tm_yday
    t["isdst"] = TRUE if st.tm_isdst > 0 else FALSE
    return t


# LUA_STRFTIMEOPTIONS (C99): one-character conversions, then two-character
# ones with the E and O modifiers
_OPTIONS1 = set("aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%")
_OPTIONS2 = {"Ec", "EC", "Ex", "EX", "Ey", "EY", "Od", "Oe", "OH", "OI", "Om", "OM", "OS",
             "Ou", "OU", "OV", "Ow", "OW", "Oy"}


def _checktime(v, n, fname):
    return check_int(v, n, fname)


def os_date(fmt=None, t=None, *_):
    fmt = check_str(fmt, 1, "date", "%c")
    when = int(_time.time()) if t is None or t is NONE else _checktime(t, 2, "date")
    utc = fmt[:1] == "!"
    if utc:
        fmt = fmt[1:]
    try:
        st = _time.gmtime(when) if utc else _time.localtime(when)
    except (OverflowError, ValueError, OSError):
        st = None
    if st is None:
        rt_error("time result cannot be represented in this installation")
    if fmt == "*t":
        return _tm_table(st)
    out = []
    i = 0
    n = len(fmt)
    while i < n:
        c = fmt[i]
        if c != "%":
            j = fmt.find("%", i)
            if j < 0:
                j = n
            out.append(fmt[i:j])
            i = j
            continue
        i += 1
        if fmt[i:i + 1] in _OPTIONS1 and i < n:
            conv = fmt[i]
        elif fmt[i:i + 2] in _OPTIONS2:
            conv = fmt[i:i + 2]
        else:
            # the message quotes the rest of the format, as Lua's does
            arg_error(1, "date", "invalid conversion specifier '%%%s'" % fmt[i:])
        i += len(conv)
        try:
            out.append(_time.strftime("%" + conv, st))
        except (ValueError, OverflowError, UnicodeError):
            rt_error("time result cannot be represented in this installation")
    return "".join(out)


def os_difftime(a=NONE, b=NONE, *_):
    # Lua 5.3.6: two integer times, both required
    t1 = _checktime(a, 1, "difftime")
    t2 = _checktime(b, 2, "difftime")
    return float(t1 - t2)


def os_getenv(name=NONE, *_):
    name = check_str(name, 1, "getenv")
    if os.supports_bytes_environ:       # Lua strings are bytes: no decoding
        v = os.environb.get(name.encode("latin-1"))
        return None if v is None else v.decode("latin-1")
    return os.environ.get(name)


def os_exit(code=None, close=None, *_):
    from .interp import LuaExit
    if code is None or code is TRUE:
        raise LuaExit(0)
    if code is FALSE:
        raise LuaExit(1)
    raise LuaExit(check_int(code, 1, "exit"))


_CATEGORIES = ("all", "collate", "ctype", "monetary", "numeric", "time")


def os_setlocale(locale=NONE, category=NONE, *_):
    """Only the C locale exists: setting "C", "POSIX" or the default ("")
    and querying (nil) give "C"; any other locale cannot be set (nil)."""
    name = check_str(locale, 1, "setlocale", None)
    cat = check_str(category, 2, "setlocale", "all")
    if cat not in _CATEGORIES:
        arg_error(2, "setlocale", "invalid option '%s'" % cat)
    if name is None or name in ("", "C", "POSIX"):
        return "C"
    return None


def _not_available(name, reason):
    def fn(*_):
        rt_error("'%s' is not available in wippy (%s)" % (name, reason))
    return fn


def make_os_lib(standalone=True):
    lib = LuaTable()
    for name, fn in [("time", os_time), ("clock", os_clock), ("date", os_date),
                     ("difftime", os_difftime)]:
        lib[name] = fn
    lib["platform"] = "wippy"
    if standalone:
        for name, fn in [("getenv", os_getenv), ("exit", os_exit),
                         ("setlocale", os_setlocale),
                         ("execute", _not_available("os.execute",
                                                    "wippy lua does not start programs")),
                         ("remove", _not_available("os.remove",
                                                   "wippy lua does not delete files")),
                         ("rename", _not_available("os.rename",
                                                   "wippy lua does not move files")),
                         ("tmpname", _not_available("os.tmpname", "use io.tmpfile"))]:
            lib[name] = fn
    return lib
