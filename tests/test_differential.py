"""Differential tests: hypothesis-generated Lua expressions and short statement
sequences run in real Lua (through lupa) and in our runtime, compared result by
result.

Every generated chunk has the shape ``return pcall(function() <code> end)``.  It
runs

* in the reference, ``lupa.lua53`` (real Lua 5.3.6) when the installed lupa has
  it (lupa >= 2.0 wheels do), otherwise ``lupa.lua54`` with the emulation
  prelude described below; ``LuaRuntime(encoding=None)``, so strings are bytes;
* in ours, ``LuaState().execute(source, chunkname='diff.lua')``, which returns a
  tuple of Lua values (nil -> None, booleans -> values.TRUE/FALSE, strings ->
  str of latin-1 bytes, integers int, floats float, tables LuaTable).

Compared: whether an error happened (the pcall status; error *messages* are not
compared), the number of results, the type of every result (math.type for
numbers) and its value: floats bit for bit (so 0.0 and -0.0 differ), any two
NaNs are equal; strings byte for byte after normalising addresses
("table: 0x55..." -> "table: ADDR") and the sign of NaN ("-nan" -> "nan", which
the C library chooses); tables by shape (their key/value pairs, recursively),
never by identity.

Lua 5.3 versus 5.4 (only relevant when lupa.lua53 is missing and lupa.lua54 is
the reference):

* arithmetic with a string operand: 5.3 converts the string and always
  computes in floats ("10" + 1 == 11.0, -"2" == -2.0); 5.4 does the conversion
  in the string metamethods and keeps integers ("10" + 1 == 11);
* bitwise operators with a string operand: 5.3 converts the string to an
  integer ("3" | 0 == 3, "1.5" | 0 is an error); 5.4 raises an error ("attempt
  to perform bitwise operation on a string value") - contrary to a common
  belief, its string metamethods do not cover the bitwise operators;
* error messages differ in many places (not compared here anyway);
* integer for-loop overflow and zero steps (not generated here);
* __le falling back to not __lt (no metatables are generated here).

The lua54 fallback installs a prelude that redefines the string metatable's
arithmetic metamethods and adds bitwise ones so that 5.4 computes what 5.3
does for the two string cases above; everything else generated here behaves
the same in 5.3 and 5.4 (integer division and modulo by zero raise errors in
both, float to string conversion uses "%.14g" in both, math.tointeger,
math.floor and tonumber agree).

One quirk is real 5.3 behaviour and is therefore expected from our runtime
when lua53 is the reference: float modulo adjusts the fmod result when
``m * b < 0``, so for operands so tiny that the product underflows to zero no
adjustment happens.

Set WIPPY_DIFF_REF=lua54 to use the lua54 fallback even when lua53 exists.

Each test runs ``derandomize=True`` with a fixed number of examples (scale it
with the WIPPY_DIFF_SCALE environment variable, default 1.0) so that the whole
module takes well under a minute and CI sees the same examples every run.
"""

import math
import os
import re
import struct
import sys

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SCALE = float(os.environ.get("WIPPY_DIFF_SCALE", "1.0"))


def _examples(n):
    return max(1, int(n * SCALE))


# ---------------------------------------------------------------------------
# the reference

_EMULATE_53 = r"""
local smt = getmetatable("")
local function num(x)
  if type(x) == "number" then return x end
  if type(x) == "string" then return tonumber(x) end
end
local function farith(op)
  return function(a, b)
    local x, y = num(a), num(b)
    if x == nil or y == nil then error("attempt to perform arithmetic on a string value", 2) end
    return op(x + 0.0, y + 0.0)
  end
end
smt.__add = farith(function(x, y) return x + y end)
smt.__sub = farith(function(x, y) return x - y end)
smt.__mul = farith(function(x, y) return x * y end)
smt.__div = farith(function(x, y) return x / y end)
smt.__mod = farith(function(x, y) return x % y end)
smt.__pow = farith(function(x, y) return x ^ y end)
smt.__idiv = farith(function(x, y) return x // y end)
smt.__unm = function(a)
  local x = num(a)
  if x == nil then error("attempt to perform arithmetic on a string value", 2) end
  return -(x + 0.0)
end
local function int(x)
  local n = num(x)
  if n == nil then error("attempt to perform bitwise operation on a string value", 3) end
  local i = math.tointeger(n)
  if i == nil then error("number has no integer representation", 3) end
  return i
end
local function bitop(op) return function(a, b) return op(int(a), int(b)) end end
smt.__band = bitop(function(x, y) return x & y end)
smt.__bor = bitop(function(x, y) return x | y end)
smt.__bxor = bitop(function(x, y) return x ~ y end)
smt.__shl = bitop(function(x, y) return x << y end)
smt.__shr = bitop(function(x, y) return x >> y end)
smt.__bnot = function(a) return ~int(a) end
"""

_RUN = b"""
local code = ...
local f, err = load(code, "=diff.lua", "t")
if not f then return false, err end
return true, table.pack(f())
"""


class Reference:
    def __init__(self):
        try:
            if os.environ.get("WIPPY_DIFF_REF") == "lua54":
                raise ImportError("lua54 forced by WIPPY_DIFF_REF")
            import lupa.lua53 as mod
            self.name, self.emulated = "lupa.lua53", False
        except ImportError:
            mod = pytest.importorskip("lupa.lua54")
            self.name, self.emulated = "lupa.lua54 (+5.3 emulation prelude)", True
        self.mod = mod
        self.rt = mod.LuaRuntime(encoding=None)
        if self.emulated:
            self.rt.execute(_EMULATE_53.encode())
        self.runner = self.rt.eval(b"function(...) " + _RUN + b" end")

    def run(self, source):
        """-> ("ok", [canonical values]) or ("raise", message)."""
        try:
            ok, res = self.runner(source.encode("latin-1"))
        except self.mod.LuaError as e:
            return ("raise", str(e))
        if not ok:
            return ("raise", res)
        n = res[b"n"]
        return ("ok", [canon_lupa(res[i]) for i in range(1, n + 1)])


_REF = None


def reference():
    global _REF
    if _REF is None:
        _REF = Reference()
    return _REF


def run_wippy(source):
    from wippy.runtime.interp import LuaState
    try:
        st_ = LuaState(use_cache=False)
    except TypeError:
        st_ = LuaState()
    try:
        results = st_.execute(source, chunkname="diff.lua")
    except Exception as e:  # a compile error or an error escaping pcall
        return ("raise", "%s: %s" % (type(e).__name__, e))
    return ("ok", [canon_wippy(v) for v in results])


# ---------------------------------------------------------------------------
# canonical forms

_ADDR = re.compile(rb"(table|function|builtin|thread|userdata): (0x)?[0-9a-fA-F]+")


def _canon_bytes(b):
    b = _ADDR.sub(rb"\1: ADDR", b)
    return b.replace(b"-nan", b"nan")


def _canon_float(f):
    if f != f:
        return ("float", "nan")
    return ("float", struct.pack("<d", f).hex(), repr(f))


def _canon_table(items, canon):
    pairs = [(canon(k), canon(v)) for k, v in items]
    pairs.sort(key=repr)
    return ("table", tuple(pairs))


def canon_lupa(v):
    if v is None:
        return ("nil",)
    if v is True or v is False:
        return ("boolean", v)
    if type(v) is int:
        return ("integer", v)
    if type(v) is float:
        return _canon_float(v)
    if type(v) is bytes:
        return ("string", _canon_bytes(v))
    tname = reference().mod.lua_type(v)
    if tname == "table":
        return _canon_table(list(v.items()), canon_lupa)
    return (tname,)


def canon_wippy(v):
    from wippy.runtime import values
    if v is None:
        return ("nil",)
    if v is values.TRUE or v is values.FALSE:
        return ("boolean", bool(v))
    if type(v) is int:
        return ("integer", v)
    if type(v) is float:
        return _canon_float(v)
    if type(v) is str:
        return ("string", _canon_bytes(v.encode("latin-1")))
    if isinstance(v, values.LuaTable):
        return _canon_table(list(dict.items(v)), canon_wippy)
    if callable(v):
        return ("function",)
    return (values.lua_type(v),)


def compare(code):
    source = "return pcall(function()\n%s\nend)" % code
    ref = reference().run(source)
    ours = run_wippy(source)
    if ref[0] == "raise":
        # the generator only makes valid code: this is a bug in the test itself
        pytest.fail("the reference rejected the generated chunk:\n%s\n%s" % (source, ref[1]))
    if ours[0] == "raise":
        pytest.fail("wippy raised instead of returning pcall's results:\n%s\n%s"
                    % (source, ours[1]), pytrace=False)
    ref_vals, our_vals = ref[1], ours[1]
    ref_ok, our_ok = ref_vals[0], our_vals[0]
    detail = "\n--- chunk ---\n%s\n--- %s ---\n%s\n--- wippy ---\n%s" % (
        source, reference().name, _show(ref_vals), _show(our_vals))
    if ref_ok != our_ok:
        pytest.fail("error outcome differs" + detail, pytrace=False)
    if ref_ok == ("boolean", False):
        return  # both raised an error; the messages are not compared
    if ref_vals != our_vals:
        pytest.fail("results differ" + detail, pytrace=False)


def _show(vals):
    out = []
    for v in vals:
        if v[0] == "float" and len(v) == 3:
            out.append("float %s" % v[2])
        else:
            out.append(" ".join(str(x) for x in v))
    return "\n".join(out)


# ---------------------------------------------------------------------------
# generators

SPECIAL_INTS = [0, 1, -1, 2, 3, 7, -7, 10, 16, 63, 64, 255, 2**31 - 1, 2**31, 2**32,
                2**53, 2**53 + 1, -2**53, 2**62, 2**63 - 1, 2**63 - 2, -2**63, -2**63 + 1]
SPECIAL_FLOATS = [0.0, -0.0, 0.5, -0.5, 1.5, 2.0, 3.0, -2.5, 0.1, 1e308, -1e308, 1e-300,
                  5e-324, 2.0**53, 2.0**63, -2.0**63, 2.0**64, 1e15, 1e16, 123.456]
FLOAT_EXPRS = ["(1/0)", "(-1/0)", "(0/0)", "math.huge", "-math.huge", "math.pi"]
STRINGS = ["", "10", "0x10", " 5 ", "1e2", "3.5", "-2", "3.0", "abc", "1 2", "0x",
           "inf", "nan", " ", "9223372036854775807", "9223372036854775808",
           "-9223372036854775808", "0x7fffffffffffffff", "0xffffffffffffffff", "1e400",
           "a\0b", "\xff", "true", "nil", "-0", "- 1", "0b1"]
TABLES = ["{}", "{1, 2, 3}", "{x = 1}", '{"a", "b"}', "{10}", "{{}, {}}"]


def lua_int(v):
    if v == -2**63:
        return "math.mininteger"
    return str(v) if v >= 0 else "(%d)" % v


def lua_float(v):
    if math.isinf(v) or math.isnan(v):
        raise ValueError(v)
    r = repr(v)
    if "e" not in r and "." not in r:
        r += ".0"
    return r if math.copysign(1.0, v) > 0 else "(%s)" % r


def lua_string(s):
    out = []
    for ch in s:
        c = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif 32 <= c < 127:
            out.append(ch)
        else:
            out.append("\\%d" % c)
    return '"%s"' % "".join(out)


ints = st.one_of(st.sampled_from(SPECIAL_INTS), st.integers(-1000, 1000),
                 st.integers(-2**63, 2**63 - 1)).map(lua_int)
floats = st.one_of(st.sampled_from(SPECIAL_FLOATS),
                   st.floats(allow_nan=False, allow_infinity=False)).map(lua_float)
float_exprs = st.sampled_from(FLOAT_EXPRS)
strings = st.one_of(st.sampled_from(STRINGS), st.text("0123456789.xe-+ ab", max_size=5)).map(lua_string)
others = st.sampled_from(["true", "false", "nil"] + TABLES)

BINOPS = ["+", "-", "*", "/", "//", "%", "^",
          "&", "|", "~", "<<", ">>",
          "==", "~=", "<", "<=", ">", ">=",
          "..", "and", "or"]
ARITH_BINOPS = ["+", "-", "*", "/", "//", "%", "^", "&", "|", "~", "<<", ">>",
                "==", "~=", "<", "<=", ">", ">=", "and", "or"]
UNOPS = ["-", "not", "#", "~"]
ARITH_UNOPS = ["-", "not", "~"]


def leaves(names=()):
    parts = [ints, ints, floats, float_exprs, strings, others]
    if names:
        parts.append(st.sampled_from(list(names)))
        parts.append(st.sampled_from(list(names)))
    return st.one_of(*parts)


def calls(children):
    rep_count = st.sampled_from(["-1", "0", "1", "2", "3", "2.0", '"2"', "1.5"])
    return st.one_of(
        children.map(lambda e: "math.floor(%s)" % e),
        children.map(lambda e: "math.tointeger(%s)" % e),
        children.map(lambda e: "tostring(%s)" % e),
        children.map(lambda e: "tonumber(%s)" % e),
        st.tuples(children, st.sampled_from(["2", "8", "10", "16", "36"])).map(
            lambda t: "tonumber(%s, %s)" % t),
        st.tuples(children, rep_count).map(lambda t: "string.rep(%s, %s)" % t),
        st.tuples(children, rep_count, st.sampled_from(['""', '","', "1"])).map(
            lambda t: "string.rep(%s, %s, %s)" % t),
        st.tuples(st.one_of(st.sampled_from(["1", "2", "3", "4", "-1", "-2", "-3", '"#"']),
                            children),
                  st.lists(children, min_size=0, max_size=3)).map(
            lambda t: "select(%s)" % ", ".join([t[0]] + t[1])),
    )


def expressions(names=(), max_leaves=6, numeric_only=False):
    binops = ARITH_BINOPS if numeric_only else BINOPS
    unops = ARITH_UNOPS if numeric_only else UNOPS

    def extend(children):
        opts = [
            st.tuples(children, st.sampled_from(binops), children).map(" ".join),
            st.tuples(children, st.sampled_from(binops), children).map(
                lambda t: "(%s %s %s)" % t),
            st.tuples(st.sampled_from(unops), children).map(lambda t: "%s (%s)" % t),
            st.tuples(st.sampled_from(unops), children).map(" ".join),
            children.map(lambda e: "(%s)" % e),
        ]
        if not numeric_only:
            opts.append(calls(children))
        else:
            opts.append(children.map(lambda e: "math.floor(%s)" % e))
            opts.append(children.map(lambda e: "math.tointeger(%s)" % e))
        return st.one_of(*opts)

    return st.recursive(leaves(names), extend, max_leaves=max_leaves)


_STMT_EXPR = expressions(("a", "b", "c"), max_leaves=5)
_LOOP_EXPR = {v: expressions(("a", "b", "c", v), max_leaves=4, numeric_only=True)
              for v in ("i", "n", "k")}


@st.composite
def statement_sequences(draw):
    """A few statements over the locals a, b, c, ending in ``return a, b, c``.

    Loop bodies only use numeric-ish expressions (no concatenation, no
    string.rep), and there are at most two loops of at most nine iterations,
    so strings cannot grow without bound."""
    names = ("a", "b", "c")
    expr = _STMT_EXPR
    lines = ["local a, b, c = %s, %s, %s" % (draw(expr), draw(expr), draw(expr))]
    loops = 0
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["assign", "assign", "multi", "if", "for", "while",
                                     "repeat", "do", "select"]))
        target = draw(st.sampled_from(names))
        if kind in ("for", "while", "repeat") and loops >= 2:
            kind = "assign"
        if kind == "assign":
            lines.append("%s = %s" % (target, draw(expr)))
        elif kind == "multi":
            other = draw(st.sampled_from(names))
            lines.append("%s, %s = %s, %s" % (target, other, draw(expr), draw(expr)))
        elif kind == "if":
            lines.append("if %s then %s = %s else %s = %s end" % (
                draw(expr), target, draw(expr), draw(st.sampled_from(names)), draw(expr)))
        elif kind == "for":
            loops += 1
            start = draw(st.integers(-2, 2))
            stop = draw(st.integers(-2, 3))
            step = draw(st.sampled_from(["", ", 1", ", 2", ", -1", ", 0.5", ", -0.5"]))
            body = draw(_LOOP_EXPR["i"])
            lines.append("for i = %d, %d%s do %s = %s end" % (start, stop, step, target, body))
        elif kind == "while":
            loops += 1
            body = draw(_LOOP_EXPR["n"])
            lines.append("local n = 0 while n < %d and (%s) do n = n + 1 %s = %s end" % (
                draw(st.integers(0, 3)), draw(expr), target, body))
        elif kind == "repeat":
            loops += 1
            body = draw(_LOOP_EXPR["k"])
            lines.append("local k = 0 repeat k = k + 1 local x = %s %s = x until k >= 2 or x"
                         % (body, target))
        elif kind == "do":
            lines.append("do local %s = %s %s = %s end" % (
                draw(st.sampled_from(names)), draw(expr), target, draw(expr)))
        else:
            lines.append("%s = select('#', %s, %s)" % (target, draw(expr), draw(expr)))
    lines.append("return a, b, c")
    return "\n".join(lines)


COMMON = dict(derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])


@settings(max_examples=_examples(800), **COMMON)
@given(st.lists(expressions(), min_size=1, max_size=3))
def test_expressions(exprs):
    compare("return " + ", ".join(exprs))


@settings(max_examples=_examples(300), **COMMON)
@given(statement_sequences())
def test_statements(code):
    compare(code)


@pytest.mark.parametrize("code", [
    "return 1 + 2, 7 // 2, 7 % -3, 2^53 + 1, math.maxinteger + 1",
    "return -0.0, 0/0, 1/0, 1e308 * 10, 3 | 5, 1 << 63",
    'return "10" + 1, "3" | 0, -"2", "0x10" * 1, 10 .. 20',
    "return {}, {1, 2, {x = 1}}, nil, true, 'a\\0b'",
    "return math.tointeger('8'), math.floor('3.7'), tonumber(' 0x1p4 '), select(-1, 1, 2)",
    "return 1 // 0",
    "return tostring({}) .. tostring(0/0)",
])
def test_fixed(code):
    """Hand-picked chunks covering the canonicalisation paths."""
    compare(code)


def test_reference_self_check():
    """The reference itself behaves like Lua 5.3 on the documented differences
    (so the lua54 fallback's emulation prelude is exercised where it is used)."""
    ref = reference()
    status, vals = ref.run('return pcall(function() return "10" + 1, -"2", "3" | 0, '
                           '"6" // "4" end)')
    assert status == "ok"
    assert vals == [("boolean", True), _canon_float(11.0), _canon_float(-2.0),
                    ("integer", 3), _canon_float(1.0)]
    status, vals = ref.run('return pcall(function() return "1.5" | 0 end)')
    assert vals[0] == ("boolean", False)
