"""Differential tests of ``_ENV`` (Lua 5.3 manual §2.2) against real Lua
through lupa: random programs mixing locals, globals and every way of
rebinding ``_ENV`` - ``local _ENV``, ``_ENV`` parameters, closures capturing
a local ``_ENV`` (and assigning it), loop variables named ``_ENV``,
assignments to the chunk's ``_ENV`` (at the top level and from nested
functions), multiple assignments with ``_ENV``, metatables on environments
and ``load`` with an environment.

Each program runs under the same Lua runner in both interpreters: the
runner loads it as ``=diff.lua`` and calls it in ``pcall`` with an output
buffer; the program appends what it observes (values, environment
identities, error messages of pcall'd pieces).  Compared: the buffer, the
status and the error message, byte for byte.

The reference is ``lupa.lua53`` when available, else ``lupa.lua54`` (which
agrees on everything generated here).  Programs come from a seeded
``random.Random`` per test case, so every run sees the same programs; scale
the count with WIPPY_DIFF_SCALE.
"""

import os
import random

import pytest

SCALE = float(os.environ.get("WIPPY_DIFF_SCALE", "1.0"))
NPROGRAMS = max(1, int(120 * SCALE))

RUNNER = """
local code = ...
local buf = {}
local f, err = load(code, "=diff.lua", "t")
if not f then return "load failed: " .. err end
local ok, msg = pcall(f, buf)
return table.concat(buf, "\\n") .. "\\n-- " .. tostring(ok) .. " " .. tostring(msg)
"""

HEADER = """\
local buf = ...
local G, E1, E2, E3 = _G, {}, {}, {}
local setmetatable, rawget, rawset, load, ipairs, pcall, tostring, type, select =
  setmetatable, rawget, rawset, load, ipairs, pcall, tostring, type, select
local names = {[G] = "G", [E1] = "E1", [E2] = "E2", [E3] = "E3"}
local function show(v)
  if names[v] then return names[v] end
  local t = type(v)
  if t == "table" or t == "function" then return t end
  return tostring(v)
end
local function out(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = show((select(i, ...))) end
  local s = ""
  for i = 1, #parts do s = s .. (i > 1 and " " or "") .. parts[i] end
  buf[#buf + 1] = s
end
local function setenv(e) _ENV = e end
local function getenv() return _ENV end
local function readg() return g1, g2 end
"""

TRAILER = """
out("end", show(getenv()), pcall(readg))
setenv(G)
out(rawget(G, "g1"), rawget(G, "g2"), rawget(E1, "g1"), rawget(E2, "g2"), rawget(E3, "g3"))
"""

GLOBALS = ("g1", "g2", "g3", "g4")


class Gen:
    """Random statements; ``locals`` are the plain locals in scope."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0
        self.lines = []
        self.locals = []

    def name(self, prefix):
        self.n += 1
        return "%s%d" % (prefix, self.n)

    def emit(self, depth, text):
        self.lines.append("  " * depth + text)

    # expressions ---------------------------------------------------------
    def expr(self):
        r = self.r
        g = r.choice(GLOBALS)
        k = r.randrange(9)
        if k == 0:
            return str(r.randrange(-3, 10))
        if k == 1:
            return "(%s or 0) + %d" % (g, r.randrange(1, 5))
        if k == 2 and self.locals:
            return r.choice(self.locals)
        if k == 3:
            return "_ENV"
        if k == 4:
            return 'rawget(_ENV, "%s")' % g
        if k == 5:
            return "%s and %s" % (g, self.expr())
        if k == 6:
            return "_ENV == %s" % r.choice(("E1", "E2", "E3", "G"))
        return g

    def env(self):
        r = self.r
        k = r.randrange(14)
        if k < 6:
            return r.choice(("E1", "E2", "E3", "G", "E1", "E2"))
        if k == 6:
            return "_ENV"
        if k == 7:
            return "{%s = %d}" % (r.choice(GLOBALS), r.randrange(100))
        if k == 8:
            # (not _ENV: it may be a string, and a string __index is not
            # followed by ops.index yet)
            return "setmetatable({}, {__index = %s})" % r.choice(("E1", "E2", "E3", "G"))
        if k == 9:
            return "setmetatable({}, {__newindex = %s})" % r.choice(("E1", "E2", "E3"))
        if k == 10:
            return "getenv()"
        if k == 11 and r.random() < 0.3:
            return r.choice(("nil", "5", '"str"'))
        return r.choice(("E1", "E2", "E3"))

    # statements ----------------------------------------------------------
    def block(self, depth, count):
        saved = list(self.locals)
        for _ in range(count):
            self.stmt(depth)
        self.locals = saved

    def stmt(self, depth):
        r = self.r
        k = r.randrange(19 if depth < 3 else 6)
        g = r.choice(GLOBALS)
        if k == 0:
            self.emit(depth, "%s = %s" % (g, self.expr()))
        elif k == 1:
            self.emit(depth, "out(%s, %s)" % (self.expr(), self.expr()))
        elif k == 2:
            name = self.name("l")
            self.emit(depth, "local %s = %s" % (name, self.expr()))
            self.locals.append(name)
        elif k == 3:
            self.emit(depth, "out(pcall(function() return %s end))" % self.expr())
        elif k == 4:
            self.emit(depth, "%s = (%s or 0) + 1" % (g, g))
        elif k == 5:
            i = r.randrange(1, 3)
            j = r.randrange(i + 1, 5)
            target = "G" if j == 4 else "E%d" % j
            field = r.choice(("__index", "__newindex", "__index"))
            self.emit(depth, "setmetatable(E%d, {%s = %s})" % (i, field, target))
        elif k == 6:
            self.emit(depth, "do local _ENV = %s" % self.env())
            self.block(depth + 1, r.randrange(1, 4))
            self.emit(depth, "end")
        elif k == 7:
            f = self.name("f")
            self.emit(depth, "do local function %s(_ENV, x)" % f)
            self.block(depth + 1, r.randrange(0, 3))
            self.emit(depth + 1, "return %s, x" % self.expr())
            self.emit(depth, "end")
            self.emit(depth + 1, "out(pcall(%s, %s, %d)) end" % (f, self.env(), r.randrange(9)))
        elif k == 8:
            get, set_ = self.name("get"), self.name("set")
            self.emit(depth, "do local %s, %s = (function() local _ENV = %s" % (get, set_, self.env()))
            self.emit(depth + 1, "return function() return %s end, function(e) _ENV = e end end)()"
                      % self.expr())
            self.emit(depth + 1, "out(pcall(%s)); %s(%s); out(pcall(%s)) end"
                      % (get, set_, self.env(), get))
        elif k == 9:
            self.emit(depth, "setenv(%s)" % self.env())
        elif k == 10:
            self.emit(depth, "_ENV = %s" % self.env())
        elif k == 11:
            self.emit(depth, "for i, _ENV in ipairs({%s, %s}) do" % (self.env(), self.env()))
            self.block(depth + 1, r.randrange(1, 3))
            self.emit(depth, "end")
        elif k == 12:
            code = "%s = (%s or 0) + 1 return %s, _ENV" % (g, g, r.choice(GLOBALS))
            if r.random() < 0.7:
                self.emit(depth, 'out(pcall(load("%s", "=ld", "t", %s)))' % (code, self.env()))
            else:
                self.emit(depth, 'out(pcall(load("%s", "=ld")))' % code)
        elif k == 13:
            if r.random() < 0.5:
                self.emit(depth, "%s, _ENV = %s, %s" % (g, self.expr(), self.env()))
            else:
                self.emit(depth, "_ENV, %s = %s, %s" % (g, self.env(), self.expr()))
        elif k == 14:
            f = self.name("gf")
            self.emit(depth, "function %s() return %s end" % (f, self.expr()))
            self.emit(depth, "out(pcall(%s))" % f)
        elif k == 15:
            self.emit(depth, "out(pcall(function()")
            self.block(depth + 1, r.randrange(1, 4))
            self.emit(depth, "end))")
        elif k == 16:
            # a fresh local _ENV per iteration, captured by closures
            fs = self.name("fs")
            self.emit(depth, "do local %s = {} for i = 1, %d do local _ENV = %s"
                      % (fs, r.randrange(1, 4), self.env()))
            self.emit(depth + 1, "%s[i] = function() %s = (%s or 0) + i; return %s end end"
                      % (fs, g, g, g))
            self.emit(depth + 1, "for i = 1, #%s do out(pcall(%s[i])) end end" % (fs, fs))
        elif k == 17:
            # arithmetic on globals in a loop (the guarded fast paths)
            self.emit(depth, "for i = 1, 3 do %s = (%s or 0) + i * 2 - %s end"
                      % (g, g, r.choice(("1", "0.5", "i"))))
        else:
            self.emit(depth, "out(readg())")

    def program(self):
        self.block(0, self.r.randrange(4, 12))
        return HEADER + "\n".join(self.lines) + TRAILER


def _reference_runner():
    try:
        import lupa.lua53 as mod
    except ImportError:
        mod = pytest.importorskip("lupa.lua54")
    return mod


@pytest.fixture(scope="module")
def lupa_mod():
    pytest.importorskip("lupa")
    return _reference_runner()


def run_ref(mod, code):
    rt = mod.LuaRuntime(encoding=None)
    fn = rt.eval(b"function(...) " + RUNNER.encode() + b" end")
    return fn(code.encode("latin-1")).decode("latin-1")


def run_ours(code):
    from wippy.runtime.interp import LuaState
    st_ = LuaState(use_cache=False)
    (res,) = st_.execute(RUNNER, "runner.lua", code)
    return res


@pytest.mark.parametrize("seed", range(NPROGRAMS))
def test_env_program(lupa_mod, seed):
    code = Gen(seed).program()
    expected = run_ref(lupa_mod, code)
    got = run_ours(code)
    assert not expected.startswith("load failed"), expected + "\n" + code
    if got != expected:
        pytest.fail("program %d differs\n--- program ---\n%s\n--- reference ---\n%s\n"
                    "--- wippy ---\n%s" % (seed, code, expected, got), pytrace=False)
