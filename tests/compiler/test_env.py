"""``_ENV`` in the compiler: which code takes which path, and the behaviour
of the cases the generated code distinguishes (the chunk's ``_ENV`` upvalue,
locals/parameters/upvalues named ``_ENV``, rebinding, ``load`` with an env).

The conformance programs tests/lua/env_*.lua and the differential test
tests/runtime/test_env_differential.py compare whole programs with Lua 5.3;
these tests pin down the code shapes and the corner cases one at a time."""

import ast
import io

import pytest

from wippy.compiler.chunk import python_source
from wippy.runtime.interp import LuaState
from wippy.runtime.values import LuaError, LuaTable, TRUE


def run(src, *args):
    out = io.BytesIO()
    st = LuaState(use_cache=False, stdout=out)
    res = st.execute(src, "env.lua", *args)
    return res, out.getvalue().decode("latin-1")


def py(src):
    return python_source(src, "env.lua")


def funcs(src):
    """{python function name: its source} of the generated module."""
    mod = ast.parse(py(src))
    return {n.name: ast.unparse(n) for n in ast.walk(mod) if isinstance(n, ast.FunctionDef)}


# -- code shapes ---------------------------------------------------------------

def test_plain_global_read_is_one_getter_call():
    src = "local n = 0\nfor i = 1, 10 do n = n + (x or 1) end\nreturn n"
    code = py(src)
    assert "_ENVg('x')" in code
    assert "index(_ENV_, 'x')" in code          # only on a miss
    assert "global" not in code


def test_functions_that_do_not_mention_env_keep_the_fast_path():
    # one function rebinds a local _ENV; the others are compiled as usual
    src = ("local function plain() return y end\n"
           "local function sandboxed(_ENV) return y end\n"
           "return plain(), sandboxed({y = 2})")
    fs = funcs(src)
    plain = next(v for k, v in fs.items() if "plain" in k)
    boxed = next(v for k, v in fs.items() if "sandboxed" in k)
    assert "_ENVg('y')" in plain
    assert "index(_ENV_1, 'y')" in boxed and "_ENVg" not in boxed


def test_local_env_never_shadows_the_chunk_env():
    src = ("local x = 1\n"
           "do local _ENV = {print = 1}; y = 2 end\n"
           "do local _ENV = {}; z = 3 end\n"
           "return y, z, x")
    code = py(src)
    assert "_ENV_1" in code and "_ENV_2" in code
    assert "_ENV_ =" not in code
    assert run(src)[0] == (None, None, 1)


def test_only_functions_assigning_the_chunk_env_declare_it_global():
    src = ("local function set(t) _ENV = t end\n"
           "local function get() return v end\n"
           "set({v = 5})\nreturn get()")
    fs = funcs(src)
    setter = next(v for k, v in fs.items() if "set" in k)
    getter = next(v for k, v in fs.items() if "get" in k)
    assert "global _ENV_, _ENVg" in setter
    assert "global" not in getter
    assert run(src)[0] == (5,)


def test_table_typed_local_env_reads_raw_first():
    src = "local _ENV = {a = 1}\nreturn a"
    assert "_ENV_1.get('a')" in py(src)
    assert run(src)[0] == (1,)


def test_speculation_still_applies_in_chunks_mentioning_env():
    src = ("local _ENV = setmetatable({x = 2}, {__index = _ENV})\n"
           "local s = 0.5\nfor i = 1, 100 do s = s + x * 2 end\nreturn s")
    # the operands' types are checked once for the statement
    assert "if _type(s_) is float and _type(_t1) is float:" in py(src)
    assert run(src)[0] == (400.5,)


# -- behaviour ---------------------------------------------------------------

def test_parameter_env_and_varargs():
    src = "local function f(_ENV, ...) return x, ... end\nreturn f({x = 'X'}, 1, 2)"
    assert run(src)[0] == ("X", 1, 2)


def test_for_variable_named_env():
    src = ("local r = {}\n"
           "for _, _ENV in ipairs({{v = 1}, {v = 2}}) do r[#r + 1] = v end\n"
           "return r[1], r[2]")
    # ipairs is read before the loop variable exists
    assert run(src)[0] == (1, 2)


def test_captured_env_per_iteration_and_reassigned_upvalue():
    src = ("local fs = {}\n"
           "for i = 1, 3 do local _ENV = {n = i}; fs[i] = function() return n end end\n"
           "local function mk() local _ENV = {a = 1}\n"
           "  return function() return a end, function(t) _ENV = t end end\n"
           "local get, set = mk(); local before = get(); set({a = 2})\n"
           "return fs[1](), fs[2](), fs[3](), before, get()")
    assert run(src)[0] == (1, 2, 3, 1, 2)


def test_assigning_chunk_env_reaches_every_function():
    src = ("local G = _G\n"
           "function old() return tag end\n"
           "local function set(t) _ENV = t end\n"
           "set(G.setmetatable({tag = 'new'}, {__index = G}))\n"
           "local r1 = G.old()\n"
           "_ENV = G\n"
           "return r1, old(), tag")
    assert run(src)[0] == ("new", None, None)


def test_multiple_assignment_uses_the_old_env():
    src = ("local e1, e2 = {}, {}\n"
           "do local _ENV = e1; x, _ENV = 1, e2; y = 2 end\n"
           "local G = _G\n"
           "a, _ENV = 3, G.setmetatable({}, {__index = G})\n"
           "return e1.x, e2.x, e2.y, G.rawget(G, 'a')")
    assert run(src)[0] == (1, None, 2, 3)


def test_env_metatables():
    src = ("local log = {}\n"
           "local _ENV = setmetatable({}, {__index = function(_, k) return k .. '!' end,\n"
           "  __newindex = function(t, k, v) log[#log + 1] = k end})\n"
           "q = 1\nreturn hello, log[1], rawget(_ENV, 'q')")
    # rawget is read through __index too: it is not a field of the env
    with pytest.raises(LuaError, match="attempt to call a string value"):
        run(src)
    src = src.replace("rawget(_ENV, 'q')", "#log")
    assert run(src)[0] == ("hello!", "q", 1)


def test_env_can_be_any_value():
    st = LuaState(use_cache=False)
    assert st.execute("return load('return upper(\"a\"), _ENV', 'c', 't', 'str')()") == (
        "A", "str")
    assert st.execute("return load('return 1', 'c', 't', nil)()") == (1,)
    with pytest.raises(LuaError, match=r"^c:1: attempt to index a nil value \(upvalue '_ENV'\)"):
        st.execute("return load('return x', '=c', 't', nil)()")


@pytest.mark.parametrize("src, msg", [
    ("local _ENV = nil; return x", "env.lua:1: attempt to index a nil value (local '_ENV')"),
    ("local _ENV = 5; local function f() return x end; return f()",
     "env.lua:1: attempt to index a number value (upvalue '_ENV')"),
    ("_ENV = nil; x = 1", "env.lua:1: attempt to index a nil value (upvalue '_ENV')"),
    ("local _ENV = {}; _ENV.f()", "env.lua:1: attempt to call a nil value (global 'f')"),
    ("_ENV()", "env.lua:1: attempt to call a table value (upvalue '_ENV')"),
    ("return _ENV.a.b", "env.lua:1: attempt to index a nil value (global 'a')"),
])
def test_error_messages_name_env(src, msg):
    with pytest.raises(LuaError) as info:
        run(src)
    assert str(info.value) == msg


def test_loadfile_env_and_mode(tmp_path):
    p = tmp_path / "m.lua"
    p.write_bytes(b"#!/bin/lua\nv = 1\nreturn _ENV, debug_line()\n")
    st = LuaState(use_cache=False)
    lf = st.G["loadfile"]
    env = LuaTable({"debug_line": lambda *a: 7})
    fn = lf(str(p), "t", env)
    assert fn() == (env, 7) and env["v"] == 1
    assert lf(str(p), "b") == (None, "attempt to load a text chunk (mode is 'b')")
    missing = str(tmp_path / "none.lua")
    assert lf(missing) == (None, "cannot open %s: No such file or directory" % missing)


def test_chunk_env_is_per_load():
    st = LuaState(use_cache=False)
    src = ("local src = 'local v = ... if v then _ENV = v end return _ENV'\n"
           "local f, g, e = load(src), load(src), {}\n"
           "return f(e) == e, f() == e, g() == _G")    # one closure: one upvalue
    assert st.execute(src) == (TRUE, TRUE, TRUE)
