"""The ``os`` library: the subset Wippy grants (time, clock, date, difftime)
plus, for standalone scripts, ``getenv``, ``exit``, ``remove``, ``rename``,
``tmpname``."""

import os
import time as _time
import calendar

from .values import LuaTable, TRUE, FALSE
from .baselib import check_int, check_num, check_str, check_table, arg_error, NONE
from .errors import rt_error
from .ops import index

__all__ = ["make_os_lib"]


def os_time(t=None, *_):
    if t is None:
        return int(_time.time())
    check_table(t, 1, "time")

    def field(k, d=None):
        v = index(t, k)
        if v is None:
            if d is None:
                rt_error("field '%s' missing in date table" % k)
            return d
        if type(v) is float and v.is_integer():
            v = int(v)
        if type(v) is str:
            from .values import str2number
            n = str2number(v)
            v = int(n) if n is not None and float(n).is_integer() else v
        if type(v) is not int:
            rt_error("field '%s' is not an integer" % k)
        return v
    year = field("year")
    month = field("month")
    day = field("day")
    hour = field("hour", 12)
    minute = field("min", 0)
    sec = field("sec", 0)
    isdst = index(t, "isdst")
    tm = (year, month, day, hour, minute, sec, 0, 0, -1 if isdst is None else (1 if isdst is TRUE else 0))
    try:
        return int(_time.mktime(tm))
    except (OverflowError, ValueError):
        rt_error("time result cannot be represented in this installation")


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


_VALID = set("aAbBcdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%")


def os_date(fmt="%c", t=None, *_):
    fmt = check_str(fmt, 1, "date", "%c")
    when = _time.time() if t is None else check_int(t, 2, "date")
    utc = False
    if fmt.startswith("!"):
        utc = True
        fmt = fmt[1:]
    try:
        st = _time.gmtime(when) if utc else _time.localtime(when)
    except (OverflowError, ValueError, OSError):
        rt_error("time result cannot be represented in this installation")
    if fmt.startswith("*t"):
        return _tm_table(st)
    out = []
    i = 0
    n = len(fmt)
    while i < n:
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            rt_error("bad argument #1 to 'date' (invalid conversion specifier '%')")
        spec = fmt[i + 1]
        j = i + 2
        if spec in "EO" and j < n:
            spec2 = fmt[j]
            j += 1
            conv = "%" + spec + spec2
        else:
            conv = "%" + spec
            if spec not in _VALID:
                arg_error(1, "date", "invalid conversion specifier '%s'" % conv)
        out.append(_time.strftime(conv, st))
        i = j
    return "".join(out)


def os_difftime(a=NONE, b=None, *_):
    a = check_num(a, 1, "difftime")
    b = check_num(b, 2, "difftime", 0)
    return float(a - b)


def os_getenv(name=NONE, *_):
    name = check_str(name, 1, "getenv")
    v = os.environ.get(name)
    return v


def os_exit(code=None, close=None, *_):
    from .interp import LuaExit
    if code is None or code is TRUE:
        raise LuaExit(0)
    if code is FALSE:
        raise LuaExit(1)
    raise LuaExit(check_int(code, 1, "exit"))


def os_remove(name=NONE, *_):
    name = check_str(name, 1, "remove")
    try:
        if os.path.isdir(name):
            os.rmdir(name)
        else:
            os.remove(name)
    except OSError as e:
        return (None, "%s: %s" % (name, e.strerror), e.errno)
    return TRUE


def os_rename(a=NONE, b=NONE, *_):
    a = check_str(a, 1, "rename")
    b = check_str(b, 2, "rename")
    try:
        os.rename(a, b)
    except OSError as e:
        return (None, "%s: %s" % (a, e.strerror), e.errno)
    return TRUE


def os_tmpname(*_):
    import tempfile
    fd, path = tempfile.mkstemp(prefix="lua_")
    os.close(fd)
    return path


def make_os_lib(standalone=True):
    lib = LuaTable()
    for name, fn in [("time", os_time), ("clock", os_clock), ("date", os_date),
                     ("difftime", os_difftime)]:
        lib[name] = fn
    lib["platform"] = "wippy"
    if standalone:
        for name, fn in [("getenv", os_getenv), ("exit", os_exit), ("remove", os_remove),
                         ("rename", os_rename), ("tmpname", os_tmpname)]:
            lib[name] = fn
    return lib
