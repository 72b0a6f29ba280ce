"""Comparator shapes recognised as sort keys beyond plain field reads
(compiler/sortkey.py: computed keys, upvalues, ``or``/``and`` and statement
tie-breaks) and the key sort of runtime/ltable.py: which shapes are
recognised, that the key path is really taken, and that table.sort then
gives what real Lua (lupa.lua54) gives on random arrays -- emitting the
sorted keys, so that the output is determined whatever a correct sort does
with ties -- and the order of ties our comparator path gives.  Near misses
are not recognised and still behave as Lua."""

import pytest

from wippy.compiler.parser import parse
from wippy.compiler.dialect import strip_types
from wippy.compiler.scope import resolve
from wippy.compiler.sortkey import sort_spec, ARG, CONST, UPVAL, INDEX, ARITH
from wippy.runtime import ltable
from wippy.runtime.interp import LuaState

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


# -- recognition -------------------------------------------------------------

def spec_of(src, prelude="local M, K, W = 1000, 3, {} "):
    """sort_spec of the function expression ``src``, resolved where the
    locals of ``prelude`` are visible (upvalues)."""
    block = parse(strip_types(prelude + "local f = " + src), "t.lua")
    res = resolve(block, "t.lua")
    fn = block.body[-1].exprs[0]
    return sort_spec(fn, lambda n: res.names.get(id(n)))


MOD_M = (ARITH, "%", (ARG,), (UPVAL, 0))
KEY3_ID = (ARITH, "+", (ARITH, "*", (INDEX, (ARG,), (CONST, "'key'", "key")), (CONST, "3", 3)),
           (INDEX, (ARG,), (CONST, "'id'", "id")))


@pytest.mark.parametrize("src, spec", [
    ("function(x, y) return x % M < y % M or (x % M == y % M and x < y) end",
     ((MOD_M, False), ((), False))),
    ("function(x, y) return x.key * 3 + x.id < y.key * 3 + y.id end", ((KEY3_ID, False),)),
    ("function(x, y) return y.key * 3 + y.id < x.key * 3 + x.id end", ((KEY3_ID, True),)),
    # flattened, reordered terms and conjuncts, == either way round
    ("function(a, b) return (a.k == b.k and a.n < b.n) or a.k > b.k end",
     ((("k",), True), (("n",), False))),
    ("function(a, b) return a.k < b.k or a.k == b.k and a.n < b.n "
     "or b.n == a.n and a.k == b.k and a.id > b.id end",
     ((("k",), False), (("n",), False), (("id",), True))),
    ("function(a, b) return a.k < b.k or (a.k == b.k and (a.n < b.n or "
     "(a.n == b.n and a.id < b.id))) end",
     ((("k",), False), (("n",), False), (("id",), False))),
    # statement forms
    ("function(a, b) if a % M ~= b % M then return a % M > b % M end return a < b end",
     ((MOD_M, True), ((), False))),
    ("function(a, b) if a.k ~= b.k then return a.k < b.k else return a.id < b.id end end",
     ((("k",), False), (("id",), False))),
    ("function(a, b) if a.k ~= b.k then return a.k < b.k elseif a.n ~= b.n then "
     "return a.n > b.n else return a.id < b.id end end",
     ((("k",), False), (("n",), True), (("id",), False))),
    ("function(a, b) if a.k == b.k then return a.id < b.id end return a.k < b.k end",
     ((("k",), False), (("id",), False))),
    ("function(a, b) if a.k == b.k then return a.id < b.id else return b.k < a.k end end",
     ((("k",), True), (("id",), False))),
    ("function(a, b) if a.k < b.k then return true elseif a.k > b.k then return false end "
     "return a.id < b.id end",
     ((("k",), False), (("id",), False))),
    ("function(a, b) if a.k < b.k then return false end if b.k < a.k then return true end "
     "return a.id < b.id end",
     ((("k",), True), (("id",), False))),
    # other key expressions
    ("function(a, b) return #a.name < #b.name end",
     (((7, (INDEX, (ARG,), (CONST, "'name'", "name"))), False),)),
    ("function(a, b) return a[1] .. a[2] > b[1] .. b[2] end",
     (((5, (INDEX, (ARG,), (CONST, "1", 1)), (INDEX, (ARG,), (CONST, "2", 2))), True),)),
    ("function(a, b) return -a.v // K < -b.v // K end",
     (((ARITH, "//", (6, (INDEX, (ARG,), (CONST, "'v'", "v"))), (UPVAL, 0)), False),)),
    ("function(a, b) return W[a.c] < W[b.c] end",
     (((INDEX, (UPVAL, 0), (INDEX, (ARG,), (CONST, "'c'", "c"))), False),)),
    # locals naming key expressions
    ("function(a, b) local x = a % M return x < b % M end", ((MOD_M, False),)),
    ("function(a, b) local ka, kb = a.k, b.k if ka ~= kb then return ka > kb end "
     "local m <const> = M local ia, ib = a.id % m, b.id % m return ia < ib end",
     ((("k",), True), ((ARITH, "%", (INDEX, (ARG,), (CONST, "'id'", "id")), (UPVAL, 0)),
                       False))),
    ("function(a, b) local pa = a.p if pa == b.p then local x, y = a.id, b.id "
     "return x < y end return pa < b.p end",
     ((("p",), False), (("id",), False))),
])
def test_recognised(src, spec):
    assert spec_of(src) == spec


@pytest.mark.parametrize("src", [
    "function(a, b) return a % M <= b % M end",                   # not strict
    "function(a, b) return a.k < b.k or a.k == b.k end",          # <= in disguise
    "function(a, b) return a.k * 2 < b.k * 3 end",                # different expressions
    "function(a, b) return a.k * 1 < b.k * 1.0 end",              # 1 and 1.0 differ
    "function(a, b) return a.k * 0.0 < b.k * -0.0 end",
    "function(a, b) return a.k + b.k < b.k end",
    "function(a, b) return M < M end",                            # no argument
    "function(a, b) return a % G < b % G end",                    # a global (_ENV read)
    "function(a, b) return f(a) < f(b) end",
    "function(a, b) return a:len() < b:len() end",
    "function(a, b) M = M + 1 return a % M < b % M end",          # side effect
    # locals: unused (Lua evaluates it, maybe raising), shadowing a
    # parameter, of both arguments, to-be-closed, assigned
    "function(a, b) local x = a.z * 2 return a.k < b.k end",
    "function(a, b) local a = a.k return a < b.k end",
    "function(a, b) local d = a.k - b.k return d < 0 end",
    "function(a, b) local x <close> = a.k return x < b.k end",
    "function(a, b) local x = a.k x = x + 1 return x < b.k end",
    "function(a, b) local x, y = a.k return x < b.k end",
    "function(a, b) local x, x = a.k, b.k return x < b.k end",
    "function(a, b) if a.k then local x = 1 end return x < b.k end",
    "function(a, b) return a.k < b.k and 1 or nil end",           # non-boolean result
    "function(a, b) return a.k > b.k and a or nil end",
    "function(a, b) return a.k - b.k end",
    "function(a, b) return a.k ~= b.k and a.k < b.k or a.id < b.id end",   # not lexicographic
    "function(a, b) return a.k < b.k or a.n < b.n end",
    "function(a, b) return a.k < b.k or (a.k == b.k and a.n < b.n) or "
    "(a.k == b.k and a.n > b.n) end",
    "function(a, b) return a.k < b.k or (a.n == b.n and a.id < b.id) end",
    "function(a, b) return (a.k < b.k) == true end",
    "function(a, b) return not (a.k >= b.k) end",
    "function(a, b) if a.k ~= b.k then return a.k < b.k end print(a) return a.id < b.id end",
    "function(a, b) if a.k < b.k then return true elseif a.k > b.k then return true end "
    "return a.id < b.id end",
    "function(a, b) if a.k < b.k then return true elseif a.k < b.k then return false end "
    "return a.id < b.id end",
    "function(a, b) if a.k < b.k then return true end return a.id < b.id end",
    "function(a, b) if a.k ~= b.k then return a.n < b.n end return a.id < b.id end",
    "function(a, b) if a.k == b.k then return a.id < b.id end return a.n < b.n end",
    "function(a, b) return a.k < b.k, true end",
    "function(a, b) return a.t.x < b.t.y end",
    "function(a, b) return (a == b) end",
    "function(a, b) return a.k .. b.k < b.k .. a.k end",
    "function(a, b) return a[b] < b[a] end",
])
def test_not_recognised(src):
    assert spec_of(src) is None


# -- running ---------------------------------------------------------------

def show(x):
    if x is None:
        return "nil"
    if isinstance(x, bytes):
        return x.decode("latin-1")
    if x is True or x is False:
        return str(x).lower()
    return str(x)


def run_ours(src):
    out = []
    st_ = LuaState(standalone=True)
    st_.G["emit"] = lambda *a: out.append(" ".join(map(show, a))) or ()
    st_.execute(src, chunkname="t.lua")
    return out


def run_ref(src):
    lupa = pytest.importorskip("lupa")
    from lupa import lua54 as L
    rt = L.LuaRuntime(encoding=None)
    out = []
    rt.globals()[b"emit"] = lambda *a: out.append(" ".join(map(show, a)))
    rt.execute(src.encode("latin-1"))
    return out


@pytest.fixture
def key_path(monkeypatch):
    """Records, for each table.sort call that reached the key path, whether
    the keys sorted it (True) or the comparator had to run (False)."""
    seen = []
    real = ltable._key_sort

    def spy(items, spec):
        r = real(items, spec)
        seen.append(r is not None)
        return r
    monkeypatch.setattr(ltable, "_key_sort", spy)
    return seen


def lua_num(v):
    if isinstance(v, float):
        if v != v:
            return "(0/0)"
        if v in (float("inf"), float("-inf")):
            return "(1/0)" if v > 0 else "(-1/0)"
        return "(%r)" % v
    return "(%d)" % v


def lua_str(s):
    return '"' + "".join("\\%d" % ord(c) for c in s) + '"'


# every program sorts an array built from DATA with CMP, then emits the
# sorted keys EMIT(x) (equal for elements a correct sort may leave in either
# order) joined by spaces, or the error without its position
PROGRAM = """
local M, K, W = %(M)s, %(K)s, {%(W)s}
local data = {%(DATA)s}
local ok, err = pcall(table.sort, data, %(CMP)s)
if not ok then emit("error", (tostring(err):gsub("^.-:%%d+: ", ""))) return end
local out = {}
for i = 1, #data do local x = data[i]; out[i] = tostring(%(EMIT)s) end
emit(table.concat(out, " "))
"""


def program(data, cmp, emit, M=1000, K=3, W=""):
    return PROGRAM % dict(DATA=", ".join(data), CMP=cmp, EMIT=emit, M=M, K=K, W=W)


def check(src, key_path, expect_key=True):
    ours = run_ours(src)
    assert ours == run_ref(src)
    if expect_key is not None:
        assert key_path and all(key_path) == expect_key, key_path
    return ours


ints = st.integers(min_value=-2**62, max_value=2**62)
small = st.integers(min_value=-50, max_value=50)
nums = st.one_of(small, st.floats(min_value=-60, max_value=60, allow_nan=False).map(
    lambda f: round(f, 1)))
size = st.integers(min_value=100, max_value=260)


@SETTINGS
@given(data=st.lists(st.one_of(ints, small), min_size=100, max_size=260),
       M=st.sampled_from([1000, 7, -7, 2**40]))
def test_bymod_ints(data, M, key_path):
    key_path.clear()
    cmp = "function(x, y) return x % M < y % M or (x % M == y % M and x < y) end"
    check(program(map(lua_num, data), cmp, "x", M=M), key_path)


@SETTINGS
@given(data=st.lists(nums, min_size=100, max_size=260),
       M=st.sampled_from(["7", "2.5", "-3", "1/0", "-1/0"]))
def test_mod_floats_and_ints(data, M, key_path):
    """% with floats, ints and mixes; ties broken by the value; 1 and 1.0
    are equal."""
    key_path.clear()
    cmp = ("function(x, y) if x % M ~= y % M then return x % M > y % M end "
           "return x < y end")
    # x + 0.0: 1 and 1.0, 0.0 and -0.0 are ties a sort may leave either way
    check(program(map(lua_num, data), cmp, "x + 0.0", M=M), key_path)


@SETTINGS
@given(keys=st.lists(st.tuples(st.integers(0, 99), ints), min_size=100, max_size=260),
       K=st.sampled_from(["3", "-3", "3.5", "2^62", "4611686018427387904"]))
def test_weighted_records_wrap(keys, K, key_path):
    """Integer wrap-around of * and +, float mixing."""
    key_path.clear()
    data = ["{key = %s, id = %s}" % (lua_num(k), lua_num(i)) for k, i in keys]
    cmp = "function(x, y) return x.key * K + x.id < y.key * K + y.id end"
    check(program(data, cmp, "x.key * K + x.id", K=K), key_path)


words = st.text(alphabet="ab\x00\xe9Z", max_size=4)


@SETTINGS
@given(recs=st.lists(st.tuples(words, words, st.integers(0, 5)), min_size=100, max_size=200))
def test_strings_concat_len(recs, key_path):
    """String keys in byte order, .., #, a number concatenated; three levels
    in flattened or/and form."""
    key_path.clear()
    data = ["{s = %s, t = %s, n = %d}" % (lua_str(s), lua_str(t), n) for s, t, n in recs]
    cmp = ("function(a, b) return #a.s < #b.s or (#a.s == #b.s and a.s .. a.n > b.s .. b.n) "
           "or (#a.s == #b.s and a.s .. a.n == b.s .. b.n and a.t < b.t) end")
    ours = check(program(data, cmp, "#x.s .. '|' .. x.s .. x.n .. '|' .. x.t"), key_path)
    assert ours[0] != "error"


@SETTINGS
@given(recs=st.lists(st.tuples(nums, nums, st.integers(1, 4)), min_size=100, max_size=200))
def test_statement_forms_and_arith(recs, key_path):
    """if < return true / elseif > return false, //, /, ^, unary minus and an
    upvalue table indexed by a field."""
    key_path.clear()
    data = ["{v = %s, w = %s, c = %d}" % (lua_num(v), lua_num(w), c) for v, w, c in recs]
    cmp = ("function(a, b) if -a.v // K < -b.v // K then return false "
           "elseif -a.v // K > -b.v // K then return true end "
           "if a.w / W[a.c] == b.w / W[b.c] then return a.v ^ 2 < b.v ^ 2 end "
           "return a.w / W[a.c] < b.w / W[b.c] end")
    check(program(data, cmp, "(-x.v // K + 0.0) .. ',' .. (x.w / W[x.c] + 0.0) .. ',' .. x.v ^ 2",
                  W="1, 3, 0.5, -7"), key_path)


@SETTINGS
@given(recs=st.lists(st.tuples(st.integers(0, 9), ints), min_size=100, max_size=200),
       M=st.sampled_from(["7", "-5", "2.5", "2^40"]))
def test_locals(recs, M, key_path):
    """Locals naming the keys, a <const> one of no argument."""
    key_path.clear()
    data = ["{p = %d, id = %s}" % (p, lua_num(i)) for p, i in recs]
    cmp = ("function(a, b) local pa, pb = a.p, b.p if pa ~= pb then return pa > pb end "
           "local m <const> = M * 1 local ia, ib = a.id % m, b.id % m "
           "return ia < ib or (ia == ib and a.id < b.id) end")
    check(program(data, cmp, "x.p .. ',' .. x.id", M=M), key_path)


def test_same_ties_as_the_comparator_path(key_path):
    """Ties (only the key decides): the key sort leaves what the comparator
    path (timsort, stable) leaves."""
    body = """
      local M = 13
      local recs = {}
      for i = 1, 500 do recs[i] = {k = (i * 7919) %% 1000, id = i} end
      table.sort(recs, %s)
      local ids = {}
      for i = 1, #recs do ids[i] = recs[i].id end
      emit(table.concat(ids, ","))
    """
    keyed = run_ours(body % "function(a, b) return a.k % M > b.k % M end")
    assert key_path == [True]
    general = run_ours(body % "function(a, b) return not not (a.k % M > b.k % M) end")
    assert key_path == [True]
    assert keyed == general


def test_upvalues_read_when_sorting(key_path):
    """Upvalues are read at each sort (not when the function was made), boxed
    loop locals included."""
    src = """
      local M = 10
      local fs = {}
      for i = 1, 3 do
        local D = i * 7
        fs[i] = function(a, b) return a % D < b % D or (a % D == b % D and a < b) end
      end
      local cmp = function(a, b) return a % M > b % M or (a % M == b % M and a > b) end
      for r = 1, 2 do
        M = M + 3
        local t = {}
        for i = 1, 150 do t[i] = (i * 37) % 149 end
        table.sort(t, cmp)
        emit(table.concat(t, ","))
        for j = 1, 3 do
          table.sort(t, fs[j])
          emit(table.concat(t, ","))
        end
      end
    """
    assert run_ours(src) == run_ref(src)
    assert key_path == [True] * 8


ERRORS = [
    # (setup, comparator): the key cannot be computed or compared
    ("data[7].k = nil", "function(a, b) return a.k * 2 < b.k * 2 end"),
    ("data[7].k = {}", "function(a, b) return a.k * 2 < b.k * 2 end"),
    ("data[7].k = 0", "function(a, b) return a.id // a.k < b.id // b.k end"),
    ("data[7].k = 0", "function(a, b) return a.id % a.k < b.id % b.k end"),
    ("data[7] = 5", "function(a, b) return a.k + 1 < b.k + 1 end"),
    ("data[7].k = true", "function(a, b) return -a.k < -b.k end"),
    ("data[7].k = 5", "function(a, b) return #a.k < #b.k end"),
    ("data[7].k = {}", "function(a, b) return a.k .. '' < b.k .. '' end"),
]


@pytest.mark.parametrize("setup, cmp", ERRORS)
def test_key_errors_are_the_comparators(setup, cmp, key_path):
    """A key that cannot be computed: the comparator runs and raises what
    Lua raises."""
    src = """
      local data = {}
      for i = 1, 200 do data[i] = {k = i %% 9 + 1, id = i} end
      %s
      local ok, err = pcall(table.sort, data, %s)
      emit(ok, (tostring(err):gsub("^.-:%%d+: ", "")))
    """ % (setup, cmp)
    ours = run_ours(src)
    assert ours == run_ref(src)
    assert ours[0].startswith("false")
    assert key_path == [False]


def test_incomparable_keys_raise(key_path):
    """Numbers and strings among the keys: Lua raises a compare error (which
    operand comes first depends on the algorithm)."""
    src = """
      local data = {}
      for i = 1, 200 do data[i] = {k = i % 9, id = i} end
      data[50].k = "x"
      emit(pcall(table.sort, data, function(a, b) return a.k + 0 < b.k + 0 end))
      for i = 1, 200 do data[i] = {k = i % 9, id = i} end
      data[50].k = "7"      -- coerced by +: the comparator runs
      emit(pcall(table.sort, data, function(a, b) return a.k .. 1 < b.k .. 1 end))
    """
    ours = run_ours(src)
    assert "attempt to perform arithmetic" in ours[0] and ours[0].startswith("false")
    ref = run_ref(src)
    assert ref[0].startswith("false")
    assert ours[1] == ref[1] == "true"
    assert key_path == [False, True]


def test_metamethods_use_the_comparator(key_path):
    """A key read through __index or computed with __add / __len / __concat
    runs them exactly as the comparator path does (same calls, same
    order)."""
    body = """
      local calls = 0
      local V = setmetatable({}, {__add = function(a, b) calls = calls + 1; return 5 end,
                                  __len = function() calls = calls + 1; return 2 end,
                                  __concat = function() calls = calls + 1; return "c" end})
      local mt = {__index = function(t, k) calls = calls + 1; return t.id %% 7 end}
      local recs = {}
      for i = 1, 200 do recs[i] = {k = i %% 5, id = i} end
      recs[9].k = V
      for i = 150, 200 do recs[i] = setmetatable({id = i}, mt) end
      local ok = pcall(table.sort, recs, %s)
      local ids = {}
      for i = 1, #recs do ids[i] = recs[i].id end
      emit(ok, calls, table.concat(ids, ","))
    """
    for key, general in [
        ("function(a, b) return a.k + 1 < b.k + 1 end",
         "function(a, b) return not not (a.k + 1 < b.k + 1) end"),
        ("function(a, b) return #a.k < #b.k end",
         "function(a, b) return not not (#a.k < #b.k) end"),
    ]:
        key_path.clear()
        keyed = run_ours(body % key)
        assert key_path == [False]
        assert keyed == run_ours(body % general)


NEAR_MISSES = [
    # (comparator, emit): not recognised; behaves as Lua
    ("function(x, y) n = n + 1 return x % 10 < y % 10 or (x % 10 == y % 10 and x < y) end",
     "x"),
    ("function(x, y) return x % 10 < y % 10 or (x % 10 == y % 10 and x > y) and true "
     "or false end", "x"),
    ("function(x, y) return x // 3 < (y + 0) // 3 end", "x // 3"),
    ("function(x, y) return x % 10 < y % 10 and 1 or nil end", "x % 10"),
    # not a strict weak order: on long arrays Lua's quicksort may detect it
    # and ours (timsort) not (docs/known-deviations.md); short ones only
    ("function(x, y) return x % 10 ~= y % 10 and x % 10 < y % 10 or x < y end", None),
    ("function(x, y) return x % G < y % G or (x % G == y % G and x < y) end", "x"),
]


@pytest.mark.parametrize("cmp, emit", NEAR_MISSES)
@pytest.mark.parametrize("n", [50, 300])
def test_near_misses_behave_as_lua(cmp, emit, n, key_path):
    """Not recognised (no key path).  Short arrays run Lua's own algorithm:
    the whole result (ties, number of comparator calls) is Lua's; long
    ones: what the comparator determines."""
    src = """
      n, G = 0, 10
      local data = {}
      for i = 1, %d do data[i] = (i * 7919) %% 1009 - 300 end
      local ok, err = pcall(table.sort, data, %s)
      local out = {}
      for i = 1, #data do local x = data[i]; out[i] = tostring(%s) end
      emit(ok, ok or (tostring(err):gsub("^.-:%%d+: ", "")), %s)
      emit(%s)
    """ % (n, cmp, emit or "x", "table.concat(out, ' ')" if emit or n < 100 else "''",
           "n" if n < 100 else "''")
    if emit is None and n >= 100:
        assert run_ours(src)[0].startswith("true")
    else:
        assert run_ours(src) == run_ref(src)
    assert key_path == []


def test_le_comparator_is_invalid(key_path):
    src = """
      local data = {}
      for i = 1, 300 do data[i] = {k = i % 10} end
      emit(pcall(table.sort, data, function(a, b) return a.k * 2 <= b.k * 2 end))
    """
    ours = run_ours(src)
    assert ours == run_ref(src) or "invalid order function" in ours[0]
    assert "invalid order function for sorting" in ours[0]
    assert key_path == []
