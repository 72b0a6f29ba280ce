"""Run the same string-library call in the reference Lua 5.3 VM (lupa) and in
our runtime, and compare the outcomes.

An outcome is ``("ok", [values...])`` or ``("err", message)``; messages lose
their ``chunk:line:`` prefix and the ``'string.find'`` spelling that lupa's
``pcall`` produces becomes ``'find'`` (what a direct call reports).  Values
are compared with their types (``1`` and ``1.0`` differ; NaN equals NaN).

Lua 5.3.6 is the reference (``lupa.lua53``), not the system's 5.4.  Where
the two differ the runtime follows 5.3.6, e.g.:

* ``%q`` writes inf/nan as ``inf``/``-inf``/``nan``/``-nan`` (5.4:
  ``1e9999``, ``(0/0)``), ignores flags and width (5.4 rejects them);
* "invalid capture index %1" has no " in pattern"/" in replacement string"
  suffix, gsub's bad third argument is "string/function/table expected"
  without ", got X";
* ``unpack("z", s)`` without a terminating zero reads to the end of ``s``
  (5.4: "unfinished string for format 'z'");
* ``gmatch`` has no ``init`` argument.
"""

import math
import re

import lupa.lua53

from wippy.runtime.values import FALSE, TRUE, LuaBool, LuaError, LuaTable

L = lupa.lua53.LuaRuntime(encoding=None)
_pcall_pack = L.eval("function(f, ...) return table.pack(pcall(f, ...)) end")
_lua_type = L.eval("type")


class LFn:
    """A function replacement given twice: as Lua source and as Python."""

    def __init__(self, lua_src, py):
        self.lua = L.eval(lua_src)
        self.py = py

    def __repr__(self):
        return "LFn"


def to_lua(v):
    if isinstance(v, str):
        return v.encode("latin-1")
    if isinstance(v, LuaBool):
        return bool(v.value)
    if isinstance(v, LuaTable):
        t = L.table()
        for k, x in v.items():
            t[to_lua(k)] = to_lua(x)
        return t
    if isinstance(v, LFn):
        return v.lua
    return v


def to_py(v):
    if isinstance(v, LFn):
        return v.py
    return v


def from_lua(v):
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if v is True:
        return TRUE
    if v is False:
        return FALSE
    if v is None or isinstance(v, (int, float)):
        return v
    t = _lua_type(v)
    return "<%s>" % t.decode()


_POS = re.compile(r'^(\[string "[^"]*"\]|[\w./-]+\.lua|\w+):\d+: ')


def clean_msg(m):
    if isinstance(m, bytes):
        m = m.decode("latin-1")
    m = str(m)
    m = _POS.sub("", m)
    return re.sub(r"'string\.(\w+)'", r"'\1'", m)


def lua_run(fname, *args):
    f = L.eval(fname)
    t = _pcall_pack(f, *[to_lua(a) for a in args])
    n = t[b"n"]
    vals = [t[i] for i in range(1, n + 1)]
    if vals[0]:
        return ("ok", [from_lua(v) for v in vals[1:]])
    return ("err", clean_msg(vals[1]))


def norm_result(r):
    if type(r) is tuple:
        return list(r)
    return [r]


def py_run(func, *args):
    try:
        r = func(*[to_py(a) for a in args])
    except LuaError as e:
        return ("err", clean_msg(e.value))
    return ("ok", norm_result(r))


def _same(a, b):
    if type(a) is not type(b):
        return False
    if type(a) is float:
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


def same_outcome(x, y):
    if x[0] != y[0]:
        return False
    if x[0] == "err":
        return x[1] == y[1]
    return len(x[1]) == len(y[1]) and all(_same(a, b) for a, b in zip(x[1], y[1]))


def check(fname, func, *args):
    """Assert that ``func(*args)`` behaves like Lua's ``fname(*args)``."""
    want = lua_run(fname, *args)
    got = py_run(func, *args)
    assert same_outcome(want, got), "%s%r: lua %r, ours %r" % (fname, args, want, got)
    return got


def lua_gmatch_all(s, p, limit=1000):
    f = L.eval("""function(s, p, limit)
        local out, n = {}, 0
        local ok, err = pcall(function()
          for a, b, c in string.gmatch(s, p) do
            n = n + 1
            out[n] = {a, b, c}
            if n >= limit then break end
          end
        end)
        return ok, err, out, n
      end""")
    ok, err, out, n = f(to_lua(s), to_lua(p), limit)
    if not ok:
        return ("err", clean_msg(err))
    res = []
    for i in range(1, n + 1):
        row = out[i]
        res.append(tuple(from_lua(row[j]) for j in (1, 2, 3)))
    return ("ok", res)


def py_gmatch_all(gmatch, s, p, limit=1000):
    res = []
    try:
        it = gmatch(s, p)
        while len(res) < limit:
            r = it(None, None)
            r = norm_result(r)
            if not r or r[0] is None:
                break
            r = (r + [None, None, None])[:3]
            res.append(tuple(r))
    except LuaError as e:
        return ("err", clean_msg(e.value))
    return ("ok", res)


def check_gmatch(gmatch, s, p):
    want = lua_gmatch_all(s, p)
    got = py_gmatch_all(gmatch, s, p)
    ok = want[0] == got[0] and (
        want[1] == got[1] if want[0] == "err" else
        len(want[1]) == len(got[1]) and all(
            all(_same(a, b) for a, b in zip(x, y)) for x, y in zip(want[1], got[1])))
    assert ok, "gmatch(%r, %r): lua %r, ours %r" % (s, p, want, got)
