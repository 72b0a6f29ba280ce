"""Differential test of debug.getinfo / debug.getlocal on generated call
stacks: the same chunk runs in real Lua 5.3 (lupa.lua53; lupa.lua54 when
5.3 is missing) and in our runtime, and the report it builds must be equal.

Each example is a chain of 1-4 functions declared in different ways (global,
main-chunk local called as an upvalue, local of the caller, table field,
method), with parameters, varargs, locals, locals of ended ``do`` blocks and
numeric ``for`` loops; the innermost one walks the stack with
``debug.getinfo(level, "Slnu")`` and ``debug.getlocal(level, i)`` (positive
and vararg indexes) up to the main chunk.  No call is a tail call (Lua drops
the calling level of a tail call; Python has no tail calls).  Compared:
short_src, what, name, namewhat, currentline, linedefined, lastlinedefined,
nparams, isvararg, nups and every named local with its value (addresses
normalised).  The main chunk's own name is not compared: the reference calls
it from a Lua function, we call it from Python.
"""

import os
import re

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SCALE = float(os.environ.get("WIPPY_DIFF_SCALE", "1.0"))

REPORT = """\
local function report()
  local out = {}
  local level = 2
  while true do
    local info = debug.getinfo(level, "Slnu")
    if not info or info.what == "C" then break end
    local name = info.what == "main" and "-" or tostring(info.name)
    out[#out + 1] = table.concat({info.short_src, info.what, name, info.namewhat,
      info.currentline, info.linedefined, info.lastlinedefined, info.nparams,
      tostring(info.isvararg), info.nups}, "|")
    local i = 1
    while true do
      local n, v = debug.getlocal(level, i)
      if not n then break end
      if n:sub(1, 1) ~= "(" then out[#out + 1] = "  " .. n .. "=" .. tostring(v) end
      i = i + 1
    end
    local j = 1
    while true do
      local n, v = debug.getlocal(level, -j)
      if not n then break end
      out[#out + 1] = "  " .. n .. "[" .. j .. "]=" .. tostring(v)
      j = j + 1
    end
    if info.what == "main" then break end
    level = level + 1
  end
  return table.concat(out, "\\n")
end
T = {}
"""

STYLES = ["global", "upvalue", "local", "field", "method"]


@st.composite
def programs(draw):
    depth = draw(st.integers(1, 4))
    lines = [REPORT]
    callee = None           # (style, name) of the function the next one calls
    for d in range(depth):
        name = "F%d" % d
        style = draw(st.sampled_from(STYLES))
        nparams = draw(st.integers(0, 3))
        params = ["p%d_%d" % (d, k) for k in range(nparams)]
        vararg = draw(st.booleans())
        plist = ", ".join(params + (["..."] if vararg else []))
        if style == "global":
            head = "function %s(%s)" % (name, plist)
        elif style in ("upvalue", "local"):
            head = "local function %s(%s)" % (name, plist)
        elif style == "field":
            head = "function T.%s(%s)" % (name, plist)
        else:
            head = "function T:%s(%s)" % (name, plist)
        body = []
        for k in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["num", "str", "block", "for"]))
            if kind == "num":
                body.append("local l%d_%d = %d" % (d, k, draw(st.integers(-5, 5))))
            elif kind == "str":
                body.append("local s%d_%d = %r" % (d, k, draw(st.sampled_from(["a", "bc"]))))
            elif kind == "block":
                body.append("do local b%d_%d = %d end" % (d, k, k))
            else:
                body.append("for i%d_%d = 1, 2 do local x = i%d_%d end" % (d, k, d, k))
        body.append(_call(callee, draw))
        body.append("return r")
        lines.append(head)
        lines.extend("  " + b for b in body)
        lines.append("end")
        callee = (style, name)
    lines.append(_call(callee, draw))
    lines.append("return r")
    return "\n".join(lines) + "\n"


def _call(callee, draw):
    nargs = draw(st.integers(0, 4))
    args = ", ".join(str(draw(st.integers(0, 9))) for _ in range(nargs))
    if callee is None:
        return "local r = report()"
    style, name = callee
    if style == "local":
        return "local g = %s\n  local r = g(%s)" % (name, args)
    if style == "field":
        return "local r = T.%s(%s)" % (name, args)
    if style == "method":
        return "local r = T:%s(%s)" % (name, args)
    return "local r = %s(%s)" % (name, args)


_ADDR = re.compile(r"(table|function|thread|userdata): (0x)?[0-9a-fA-F]+")

_REF = None


def reference():
    global _REF
    if _REF is None:
        try:
            import lupa.lua53 as mod
        except ImportError:
            mod = pytest.importorskip("lupa.lua54")
        rt = mod.LuaRuntime(encoding=None)
        runner = rt.eval(b"function(code) local f = assert(load(code, '=diff.lua', 't')) "
                         b"return f() end")
        _REF = runner
    return _REF


def run_ref(source):
    out = reference()(source.encode("latin-1"))
    return _ADDR.sub(r"\1: ADDR", out.decode("latin-1"))


def run_ours(source):
    from wippy.runtime.interp import LuaState
    r = LuaState(use_cache=False).execute(source, "diff.lua")
    return _ADDR.sub(r"\1: ADDR", r[0])


@settings(max_examples=max(1, int(150 * SCALE)), derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(programs())
def test_getinfo_getlocal_match_lua(source):
    assert run_ours(source) == run_ref(source), source


def test_a_known_stack():
    src = ("local function a(x, ...) local y = x + 1 local r = report() return r end\n"
           "local r = a(1, 'v')\nreturn r\n")
    assert run_ours(REPORT + src) == run_ref(REPORT + src)
    assert "y=2" in run_ours(REPORT + src)
