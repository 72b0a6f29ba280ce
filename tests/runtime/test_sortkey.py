"""Comparators recognised as sort keys (compiler/sortkey.py): which shapes are
recognised, and that table.sort then orders exactly as running the
comparator does -- checked against real Lua through lupa on arrays whose
comparator is a total order (so every correct sort gives the same result),
and against our own comparator path for stable tie order."""

import random

import pytest

from wippy.compiler.parser import parse
from wippy.compiler.dialect import strip_types
from wippy.compiler.sortkey import sort_spec
from wippy.compiler import luaast as A
from wippy.runtime.interp import LuaState


def fn_node(src):
    block = parse(strip_types("local f = " + src), "t.lua")
    return block.body[0].exprs[0]


@pytest.mark.parametrize("src, spec", [
    ("function(a, b) return a < b end", (((), False),)),
    ("function(a, b) return a > b end", (((), True),)),
    ("function(a, b) return b < a end", (((), True),)),
    ("function(x, y) return x.score > y.score end", ((("score",), True),)),
    ("function(x, y) return (x.a.b) < (y.a.b) end", ((("a", "b"), False),)),
    ("function(x, y) return x['k'] < y['k'] end", ((("k",), False),)),
    ("function(x, y) if x.k ~= y.k then return x.k < y.k end return x.id > y.id end",
     ((("k",), False), (("id",), True))),
    ("function(x, y) if y.k ~= x.k then return y.k < x.k end "
     "if x.n ~= y.n then return x.n < y.n end return x.id < y.id end",
     ((("k",), True), (("n",), False), (("id",), False))),
])
def test_recognised(src, spec):
    assert sort_spec(fn_node(src)) == spec


@pytest.mark.parametrize("src", [
    "function(a, b) return a <= b end",                 # not a strict order
    "function(a, b) return a.x < b.y end",              # different fields
    "function(a, b) return a.x < a.x end",
    "function(a, b) return f(a) < f(b) end",            # calls
    "function(a, b) return a[k] < b[k] end",            # free variable
    "function(a, b, c) return a < b end",
    "function(a, ...) return a < ... end",
    "function(a, b) print(a) return a < b end",         # side effect
    "function(x, y) if x.k ~= y.k then return x.n < y.n end return x.id < y.id end",
    "function(x, y) if x.k == y.k then return x.k < y.k end return x.id < y.id end",
    "function(x, y) local k = 1 return x.k < y.k end",
    "function(_ENV, y) return _ENV < y end",
])
def test_not_recognised(src):
    assert sort_spec(fn_node(src)) is None


def run_ours(src):
    out = []
    st = LuaState(standalone=True)
    st.G["emit"] = lambda *a: out.append(" ".join(map(str, a))) or ()
    st.execute(src, chunkname="t.lua")
    return out


def run_ref(src):
    lupa = pytest.importorskip("lupa")
    try:
        from lupa import lua53 as L
    except ImportError:
        from lupa import lua54 as L
    rt = L.LuaRuntime(encoding=None)
    out = []
    rt.globals()[b"emit"] = lambda *a: out.append(" ".join(
        x.decode("latin-1") if isinstance(x, bytes) else
        (("%d" % x) if isinstance(x, int) else repr(x)) for x in a))
    rt.execute(src.encode("latin-1"))
    return out


PROGRAM = """
local seed = %d
local function rand(n) seed = (seed * 1103515245 + 12345) %% 2147483648; return seed %% n end
local recs = {}
for i = 1, %d do
  recs[i] = {k = rand(%d), s = string.char(97 + rand(5)) .. rand(9), id = i,
             f = rand(7) + 0.5}
end
table.sort(recs, %s)
for i = 1, #recs do emit(recs[i].id) end
"""

COMPARATORS = [
    "function(a, b) if a.k ~= b.k then return a.k < b.k end return a.id < b.id end",
    "function(a, b) if a.s ~= b.s then return a.s > b.s end return a.id > b.id end",
    "function(a, b) if a.f ~= b.f then return b.f < a.f end "
    "if a.k ~= b.k then return a.k < b.k end return a.id < b.id end",
    "function(a, b) return a.id > b.id end",
]


@pytest.mark.parametrize("cmp", COMPARATORS)
@pytest.mark.parametrize("seed, n, kr", [(1, 150, 5), (2, 400, 50), (3, 1000, 1000)])
def test_same_order_as_lua(cmp, seed, n, kr):
    src = PROGRAM % (seed, n, kr, cmp)
    assert run_ours(src) == run_ref(src)


def test_ties_keep_the_comparator_paths_order():
    """A one-level key with ties: the key sort and the comparator path
    (timsort, stable) leave the same order."""
    body = """
      local recs = {}
      for i = 1, 500 do recs[i] = {k = (i * 7919) %% 13, id = i} end
      table.sort(recs, %s)
      for i = 1, #recs do emit(recs[i].id) end
    """
    keyed = run_ours(body % "function(a, b) return a.k < b.k end")
    general = run_ours(body % "function(a, b) return not not (a.k < b.k) end")
    assert keyed == general


@pytest.mark.parametrize("setup, err", [
    ("recs[7].k = nil", "attempt to compare"),
    ("recs[7].k = 'x'", "attempt to compare"),
    ("recs[7] = 5", "attempt to index"),
])
def test_bad_keys_raise_what_the_comparator_raises(setup, err):
    src = """
      local recs = {}
      for i = 1, 200 do recs[i] = {k = i %% 9, id = i} end
      %s
      local ok, e = pcall(table.sort, recs, function(a, b) return a.k < b.k end)
      emit(ok, e)
    """ % setup
    out = run_ours(src)[0]
    assert out.startswith("false") and err in out


def test_metatables_and_nan_use_the_comparator():
    """Keys read through __index, or a NaN key: the key sort steps aside and
    the result is the comparator path's (an unrecognised equivalent)."""
    body = """
      local recs = {}
      local mt = {__index = function(t, k) return t.id %% 7 end}
      for i = 1, 200 do recs[i] = setmetatable({id = i}, mt) end
      table.sort(recs, %s)
      local ids = {}
      for i = 1, #recs do ids[i] = recs[i].id end
      emit(table.concat(ids, ","))
      local nums = {}
      for i = 1, 200 do nums[i] = (i * 37) %% 101 end
      nums[50] = 0/0
      emit(pcall(table.sort, nums, %s))
      emit(table.concat(nums, ","))
    """
    keyed = run_ours(body % ("function(a, b) return a.k < b.k end",
                             "function(a, b) return a > b end"))
    general = run_ours(body % ("function(a, b) return not not (a.k < b.k) end",
                               "function(a, b) return not not (a > b) end"))
    assert keyed == general
    assert len(keyed[0].split(",")) == 200
    assert keyed[0] != ",".join(str(i) for i in range(1, 201))    # it did sort
