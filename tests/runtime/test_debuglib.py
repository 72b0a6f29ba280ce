"""The debug library of standalone scripts (runtime/debuglib.py).

Lua-visible behaviour is checked against lua5.3 by the conformance programs
tests/lua/lib_debug_*.lua; these tests cover what they cannot: debug.debug
on stdin, that no trace function stays installed, Python-level invariants and
bad input never escaping as a Python exception."""

import io
import sys

import pytest

from wippy.runtime.interp import LuaState, run_file
from wippy.runtime.values import LuaError, LuaTable


def run(src, **kw):
    st = LuaState(use_cache=False, **kw)
    try:
        return st.execute(src, "dbg.lua")
    finally:
        sys.settrace(None)


def test_getinfo_fields_of_a_lua_function():
    r = run("local function f(a, b, ...) local i = debug.getinfo(1)\n"
            "  return i.what, i.linedefined, i.lastlinedefined, i.nparams, i.isvararg,\n"
            "         i.currentline, i.source, i.short_src, i.func == f, i.nups\n"
            "end\n"
            "local a, b, c, d, e, f2, g, h, i, j = f()\n"
            "return a, b, c, d, e, f2, g, h, i, j\n")
    assert r[0] == "Lua" and r[1] == 1 and r[2] == 4 and r[3] == 2
    assert r[4].value is True and r[5] == 1
    assert r[6] == "@dbg.lua" and r[7] == "dbg.lua"
    assert r[8].value is True
    assert r[9] == 2          # debug (through _ENV) and f itself


def test_levels_past_the_stack_are_nil_and_level_zero_is_getinfo():
    r = run("return debug.getinfo(0, 'n').name, debug.getinfo(50), debug.getinfo(0, 'S').what")
    assert r == ("getinfo", None, "C")


def test_getlocal_and_setlocal_of_captured_locals():
    r = run("local x = 1\n"
            "local function g() return x end\n"
            "debug.setlocal(1, 1, 42)\n"
            "local n, v = debug.getlocal(1, 1)\n"
            "return n, v, g(), x\n")
    assert r == ("x", 42, 42, 42)


def test_setlocal_of_a_loop_local_captured_per_iteration():
    r = run("local fs = {}\n"
            "for i = 1, 2 do\n"
            "  local v = i * 10\n"
            "  fs[i] = function() return v end\n"
            "  if i == 2 then debug.setlocal(1, 6, 99) end\n"
            "end\n"
            "return fs[1](), fs[2]()\n")
    assert r == (10, 99)


def test_upvaluejoin_of_closure_cells():
    r = run("local a, b = 1, 2\n"
            "local function fa() return a end\n"
            "local function fb() return b end\n"
            "debug.upvaluejoin(fa, 1, fb, 1)\n"
            "b = 7\n"
            "return fa(), debug.upvalueid(fa, 1) == debug.upvalueid(fb, 1)\n")
    assert r[0] == 7 and r[1].value is True


def test_upvaluejoin_of_different_kinds_is_a_lua_error():
    r = run("local a = 1\n"
            "local function fa() return a end\n"
            "local fs = {}\n"
            "for i = 1, 1 do fs[i] = function() return i end end\n"
            "return pcall(debug.upvaluejoin, fa, 1, fs[1], 1)\n")
    assert r[0].value is False and "cannot join" in r[1]


def test_no_trace_function_without_a_hook():
    before = sys.gettrace()
    run("debug.sethook(function() end, 'l') debug.sethook()")
    assert sys.gettrace() is before
    run("local n = 0 debug.sethook(function() n = n + 1 end, 'c') local x = tostring(1)\n"
        "debug.sethook() return n")
    assert sys.gettrace() is before


def test_hooks_of_finished_coroutines_are_dropped():
    # a hook belongs to its coroutine; once every hooked coroutine is dead
    # the trace function goes away
    st = LuaState(use_cache=False)
    st.G["tracing"] = lambda *a: sys.gettrace() is not None
    try:
        r = st.execute(
            "local n = 0\n"
            "local co = coroutine.wrap(function()\n"
            "  debug.sethook(function() n = n + 1 end, 'l')\n"
            "  local a = 1\n"
            "end)\n"
            "co()\n"
            "local inside = n\n"
            "local function f() local b = 2 end f() f()\n"
            "return inside, n, tracing(), debug.gethook()", "dbg.lua")
    finally:
        sys.settrace(None)
    assert r[0] == 2 and r[1] == 2          # lines 4 and 5 of the coroutine only
    assert r[2] is False and r[3] is None


def test_hook_counts_lines_of_running_function():
    r = run("local n = 0\n"
            "debug.sethook(function(ev, line) n = n + 1 end, 'l')\n"
            "local a = 1\n"
            "local b = 2\n"
            "debug.sethook()\n"
            "return n\n")
    assert r == (3,)


def test_gethook_returns_the_hook_mask_and_count():
    r = run("local h = function() end\n"
            "debug.sethook(h, 'lrc', 3)\n"
            "local f, m, c = debug.gethook()\n"
            "debug.sethook()\n"
            "return f == h, m, c, debug.gethook()\n")
    assert r[0].value is True and r[1:] == ("crl", 3, None, "", 0)


def test_metatable_per_type_is_reset_by_a_new_state():
    run("debug.setmetatable(0, {__index = function() return 1 end})")
    r = run("return getmetatable(0), (pcall(function() return (1).x end))")
    assert r[0] is None and r[1].value is False


def test_getregistry_holds_globals_and_loaded():
    r = run("local r = debug.getregistry() return r[2] == _G, r._LOADED == package.loaded")
    assert r[0].value is True and r[1].value is True


def test_debug_debug_reads_commands_until_cont(tmp_path):
    (tmp_path / "d.lua").write_bytes(b"x = 1\ndebug.debug()\nprint('after', x)\n")
    out = io.BytesIO()
    err = io.BytesIO()
    stdin = io.BytesIO(b"x = x + 41\nprint('in', x)\nerror('oops')\ncont\nprint('never')\n")
    import os
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        status = run_file("d.lua", stdout=out, stderr=err, stdin=stdin, use_cache=False)
    finally:
        os.chdir(cwd)
    assert status == 0
    assert out.getvalue() == b"in\t42\nafter\t42\n"
    assert err.getvalue() == (b"lua_debug> lua_debug> lua_debug> (debug command):1: oops\n"
                              b"lua_debug> ")


def test_debug_debug_stops_at_end_of_input():
    st = LuaState(use_cache=False, stdin=io.BytesIO(b""), stderr=io.BytesIO())
    assert st.execute("debug.debug() return 1", "dbg.lua") == (1,)


@pytest.mark.parametrize("call", [
    "debug.getinfo('x')", "debug.getinfo(1, 5.5)", "debug.getlocal()", "debug.getlocal(1, 'a')",
    "debug.getlocal(200, 1)", "debug.setlocal(1)", "debug.setlocal(1, 1)",
    "debug.getupvalue()", "debug.getupvalue(print)", "debug.setupvalue(print, 1)",
    "debug.upvalueid(print, 1)", "debug.upvaluejoin(1, 1, 2, 2)", "debug.setmetatable()",
    "debug.sethook(1)", "debug.sethook(function() end, {})", "debug.setuservalue()",
    "debug.traceback('m', 'x')", "debug.getinfo(coroutine.create(print), 'x')",
])
def test_bad_input_raises_lua_errors_only(call):
    r = run("return pcall(function() return %s end)" % call)
    assert r[0].value is False
    assert isinstance(r[1], str) and "internal error" not in r[1] and "Traceback" not in r[1]
    assert r[1].startswith("dbg.lua:1: bad argument #") or r[1].startswith("bad argument #")


def test_out_of_range_values_are_nil_not_errors():
    r = run("local function f() end\n"
            "return debug.setupvalue(f, 3, 1), debug.getupvalue(f, 3), debug.getlocal(f, 9),\n"
            "       debug.getlocal(1, 99), debug.getlocal(1, -1), debug.getinfo(99)\n")
    assert len(r) <= 6 and all(v is None for v in r)
    r = run("local function f() end\n"
            "return select('#', debug.getupvalue(f, 3)), select('#', debug.setupvalue(f, 3, 1))")
    assert r == (0, 0)


def test_getinfo_on_a_suspended_coroutine_and_a_dead_one():
    r = run("local co = coroutine.create(function(a) coroutine.yield() end)\n"
            "local before = debug.getinfo(co, 0)\n"
            "coroutine.resume(co, 1)\n"
            "local top = debug.getinfo(co, 0, 'n').name\n"
            "local lua = debug.getinfo(co, 1, 'S').what\n"
            "coroutine.resume(co)\n"
            "return before, top, lua, debug.getinfo(co, 0), debug.traceback(co)\n")
    assert r == (None, "yield", "Lua", None, "stack traceback:")


def test_userdata_keeps_its_metatable():
    # a userdata's metatable is that of its kind (FILE*): setting the same
    # one is allowed, another one is a Lua error naming the kind
    r = run("local mt = debug.getmetatable(io.stdout)\n"
            "return debug.setmetatable(io.stdout, mt) == io.stdout,\n"
            "       pcall(debug.setmetatable, io.stdout, {})", standalone=True)
    assert r[0].value is True and r[1].value is False
    assert r[2] == "cannot change the metatable of a FILE* userdata"
