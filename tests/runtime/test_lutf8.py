"""runtime.lutf8 against the reference Lua 5.3 VM (lupa.lua53).

Fixed cases follow Lua 5.3's testes/utf8.lua; hypothesis makes random byte
strings (biased towards UTF-8 lead/continuation bytes) and positions.
"""

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from luaref import L, clean_msg, from_lua, lua_run, py_run, same_outcome, to_lua
from wippy.runtime import lutf8
from wippy.runtime.ops import forin
from wippy.runtime.values import MAXINT, MININT, TRUE, LuaError, LuaTable

SETTINGS = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _clean(outcome):
    if outcome[0] == "err":
        return ("err", re.sub(r"'utf8\.(\w+)'", r"'\1'", outcome[1]))
    return outcome


def check(fname, func, *args):
    want = _clean(lua_run(fname, *args))
    got = _clean(py_run(func, *args))
    assert same_outcome(want, got), "%s%r: lua %r, ours %r" % (fname, args, want, got)
    return got


_lua_codes = L.eval("""function(s)
    local out, n = {}, 0
    local ok, err = pcall(function()
      for p, c in utf8.codes(s) do n = n + 1; out[n] = {p, c} end
    end)
    return ok, err, out, n
  end""")


def lua_codes(s):
    ok, err, out, n = _lua_codes(to_lua(s))
    res = [(out[i][1], out[i][2]) for i in range(1, n + 1)]
    return res, (None if ok else clean_msg(err))


def py_codes_generic(s):
    f, state, c = lutf8.u_codes(s)
    res = []
    try:
        while True:
            r = f(state, c)
            if r == ():
                break
            res.append(r)
            c = r[0]
    except LuaError as e:
        return res, clean_msg(e.value)
    return res, None


def py_codes_fast(s):
    res = []
    try:
        for pc in forin(2, *lutf8.u_codes(s)):
            res.append(pc)
    except LuaError as e:
        return res, clean_msg(e.value)
    return res, None


def check_codes(s):
    want = lua_codes(s)
    assert py_codes_generic(s) == want, s
    assert py_codes_fast(s) == want, s


# --------------------------------------------------------------------------

def test_charpattern():
    assert lutf8.make_utf8_lib()["charpattern"] == from_lua(L.eval("utf8.charpattern"))


CHAR = [(), (0,), (0x7F,), (0x80,), (0x7FF,), (0x800,), (0xFFFF,), (0x10000,), (0x10FFFF,),
        (0x110000,), (-1,), (0xD800,), (0xDFFF,), (0x7FFFFFFF,), (MAXINT,), (MININT,),
        (72, 233, 0x20AC, 0x1F600), (1.0,), (1.5,), ("65",), ("x",), (None,), (TRUE,),
        (65, None), (65, 0x110000), (1e100,)]


@pytest.mark.parametrize("args", CHAR, ids=repr)
def test_char(args):
    check("utf8.char", lutf8.u_char, *args)


@given(st.lists(st.integers(0, 0x10FFFF), max_size=6))
@SETTINGS
def test_char_random(codes):
    check("utf8.char", lutf8.u_char, *codes)


STRINGS = ["", "abc", "h\xc3\xa9llo", "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80x",
           "\xff", "\x80", "a\x80", "\xc3", "\xc3(", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
           "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xef\xbf\xbf", "\xf0\x8f\xbf\xbf",
           "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80",
           "\xfc\x84\x80\x80\x80\x80", "\xfe", "a\0b", "\xc3\xa9\x80", "\xe4\xb8", "abc\xe4"]

POSITIONS = [None, 0, 1, 2, 3, 4, 5, 6, -1, -2, -3, -6, -7, MAXINT, MININT, 1.0, 1.5, "2",
             "x", TRUE]


@pytest.mark.parametrize("s", STRINGS, ids=repr)
def test_fixed_strings(s):
    check("utf8.len", lutf8.u_len, s)
    check("utf8.codepoint", lutf8.u_codepoint, s, 1, -1)
    check_codes(s)
    for i in POSITIONS:
        check("utf8.codepoint", lutf8.u_codepoint, s, i)
        check("utf8.len", lutf8.u_len, s, i)
        check("utf8.len", lutf8.u_len, s, 1, i)
        for n in (0, 1, 2, 3, -1, -2, -3, 10, -10):
            check("utf8.offset", lutf8.u_offset, s, n, i)
        for j in (None, -1, 0, 2, 4):
            check("utf8.codepoint", lutf8.u_codepoint, s, i, j)
            check("utf8.len", lutf8.u_len, s, i, j)


@pytest.mark.parametrize("args", [(), (None,), (12,), (1.5,), (LuaTable(),), ("abc", "x"),
                                  ("abc", None, "x"), ("abc", 1.5), ("abc", 1, 2.5)],
                         ids=repr)
def test_bad_arguments(args):
    check("utf8.len", lutf8.u_len, *args)
    check("utf8.codepoint", lutf8.u_codepoint, *args)
    check("utf8.offset", lutf8.u_offset, *args)
    check("utf8.codes", lambda *a: ("<function>",) + lutf8.u_codes(*a)[1:], *args)


@pytest.mark.parametrize("args", [("abc", 0), ("abc", 1), ("abc", 3), ("abc", 4), ("abc", -1),
                                  ("abc", MININT), ("abc", MAXINT), ("abc", 1.0), ("abc", 1.5),
                                  ("abc", "1"), ("abc", None), ("abc", TRUE),
                                  ("a\x80", 0), ("\xc3\xa9\x80", 0), ("\xc3\xa9\x80", 1),
                                  ("a\xffb", 1), ("a\xffb", 2), (None, 0), (12, 0)],
                         ids=repr)
def test_iterator_direct(args):
    """The function utf8.codes returns, called directly with any control."""
    f = L.eval("(utf8.codes(''))")
    want = L.eval("""function(f, ...)
        local t = table.pack(pcall(f, ...))
        return t
      end""")(f, *[to_lua(a) for a in args])
    n = want[b"n"]
    vals = [want[i] for i in range(1, n + 1)]
    want = ("ok", [from_lua(v) for v in vals[1:]]) if vals[0] else ("err", clean_msg(vals[1]))
    got = py_run(lutf8._iter_aux, *args)
    if got[0] == "err":     # called from Python, not through pcall
        got = ("err", got[1].replace("'for iterator'", "'?'"))
    if got[0] == "ok" and got[1] == [()]:
        got = ("ok", [])
    assert same_outcome(want, got), (args, want, got)


# byte strings made mostly of UTF-8-like pieces
_piece = st.one_of(
    st.integers(0, 0x10FFFF).map(lutf8._encode),
    st.integers(0, 0x7FFFFFFF).map(lutf8._encode),
    st.integers(0, 255).map(chr),
    st.sampled_from(["\x80", "\xbf", "\xc0", "\xc1", "\xc2", "\xed\xa0", "\xf4", "\xf5",
                     "\xf8", "\xff", "\0"]))
byte_strings = st.lists(_piece, max_size=12).map("".join)
positions = st.one_of(st.none(), st.integers(-20, 20), st.sampled_from([MAXINT, MININT]))


@given(byte_strings)
@SETTINGS
def test_random_len_codepoint_codes(s):
    check("utf8.len", lutf8.u_len, s)
    check("utf8.codepoint", lutf8.u_codepoint, s, 1, -1)
    check_codes(s)


@given(byte_strings, positions, positions)
@SETTINGS
def test_random_ranges(s, i, j):
    check("utf8.len", lutf8.u_len, s, i, j)
    check("utf8.codepoint", lutf8.u_codepoint, s, i, j)


@given(byte_strings, st.integers(-15, 15), positions)
@SETTINGS
def test_random_offset(s, n, i):
    check("utf8.offset", lutf8.u_offset, s, n, i)


@given(st.text(max_size=20))
@SETTINGS
def test_random_unicode_text(text):
    s = text.encode("utf-8", "surrogatepass").decode("latin-1")
    check("utf8.len", lutf8.u_len, s)
    check("utf8.codepoint", lutf8.u_codepoint, s, 1, -1)
    check_codes(s)
    assert lutf8.u_char(*[ord(ch) for ch in text]) == s


def test_codepoint_too_many_results():
    with pytest.raises(LuaError, match="string slice too long"):
        lutf8.u_codepoint("a" * 1000001, 1, -1)


# --------------------------------------------------------------------------
# inside Lua programs: error positions, qualified names, the for-loop paths

PROGRAM = r"""
local function show(...) print(select('#', ...), ...) end
show(pcall(utf8.char, 0x110000))
show(pcall(function() return utf8.char(-1) end))
show(pcall(function() return utf8.codepoint("\xff") end))
show(pcall(utf8.codepoint, "\xff"))
show(pcall(utf8.offset, "\xc3\xa9", 1, 2))
show(pcall(function() return utf8.offset("\xc3\xa9", 1, 2) end))
show(pcall(function() for p, c in utf8.codes("ab\xff") do print(p, c) end end))
show(pcall(function() for p in utf8.codes("a\xc3\xa9\x80") do print(p) end end))
show(pcall(function() for p, c in utf8.codes(123) do print(p, c) end end))
local f, s, c = utf8.codes("x\xe2\x82\xacy")
show(f(s, c)); show(f(s, 1)); show(f(s, 2)); show(f(s, 5)); show(f(s, 99))
show(pcall(f, nil, 0))
show(pcall(f, "\xff", 0))
show(pcall(function() for p, c in f, nil, 0 do end end))
for p, c in utf8.codes("h\xc3\xa9\xf0\x9f\x98\x80!") do print(p, c) end
for p, c in f, "\xc3\xa9z", 0 do print(p, c) end
for p, c in f, "\xc3\xa9z", 1 do print(p, c) end
show(("h\xc3\xa9llo"):len(), utf8.len("h\xc3\xa9llo"))
show(string.find("h\xc3\xa9llo", utf8.charpattern, 2))
for ch in string.gmatch("a\xc3\xa9\xe2\x82\xac", utf8.charpattern) do show(utf8.codepoint(ch)) end
"""


def test_in_lua_program(tmp_path):
    from wippy.runtime.errors import register_builtins
    from wippy.runtime.interp import LuaState, run_protected
    import subprocess
    import shutil

    path = tmp_path / "u.lua"
    path.write_bytes(PROGRAM.encode("latin-1"))
    out = io.BytesIO()
    st_ = LuaState(stdout=out, stderr=out, args=["u.lua"])
    st_.G["utf8"] = lutf8.make_utf8_lib()
    register_builtins(st_.G)
    fn = st_.load(PROGRAM, "u.lua")
    assert run_protected(st_, fn, [], out, out) == 0
    lua = shutil.which("lua5.3")
    if lua is None:
        pytest.skip("lua5.3 not installed")
    want = subprocess.run([lua, "u.lua"], cwd=tmp_path, capture_output=True).stdout
    assert out.getvalue().decode("latin-1") == want.decode("latin-1")
