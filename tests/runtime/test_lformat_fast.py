"""string.format's generated code against its item-by-item interpreter.

The interpreter (``lformat._interpret``) is checked against the reference
Lua VM in test_lformat.py; here every generated form -- the per-format
function and the code inlined in ``format`` for hot formats -- must give the
same text, or the same error, for every argument type: ints at the 64-bit
edges, floats (-0.0, inf, nan, subnormals), strings with zeros, quotes,
control and high bytes, long strings, non-numbers.
"""

import itertools

import pytest

from wippy.runtime import lformat
from wippy.runtime.values import FALSE, TRUE, LuaError, LuaTable, MAXINT, MININT

INF = float("inf")
NAN = float("nan")

VALUES = [0, 1, -1, 42, -42, 255, 256, 65, 99999, -30000, MAXINT, MININT, 2 ** 53,
          0.0, -0.0, 1.5, -2.5, 0.1, 1 / 7, 1e15, 1e16, 1e300, -1e-300, 5e-324,
          INF, -INF, NAN, -NAN, 3.0,
          "", "abc", "alpha", "a\0b", "x" * 150, '"q"', "back\\slash", "\xe9t\xe9",
          "\xad", "tab\t", "new\nline", "\x7f", "\r", "123", " 7 ", "0x10",
          None, TRUE, FALSE, LuaTable()]

SPECS = []
for conv in "diuoxXcseEfgGqa":
    for flags in ["", "-", "0", "+", " ", "#", "-0", "+0", " 0", "+-", "- ", "0#"]:
        for width in ["", "1", "5", "20", "99"]:
            for prec in ["", ".0", ".3", ".99"]:
                SPECS.append("%" + flags + width + prec + conv)


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except LuaError as e:
        return ("err", str(e))


def reference(fmt, *args):
    return outcome(lambda: lformat._interpret(lformat._parse(fmt), args))


@pytest.fixture(autouse=True)
def fresh_format():
    lformat._reset_hot()
    yield
    lformat._reset_hot()


@pytest.mark.parametrize("conv", "diuoxXcseEfgGqa")
def test_generated_function_matches_interpreter(conv):
    for spec in SPECS:
        if spec[-1] != conv:
            continue
        for v in VALUES:
            got = outcome(lformat.format, spec, v)
            assert got == reference(spec, v), (spec, v, got)


MIXED = ["%d", "%5.2f", "%s=%d", "[%-8s|%8s]", "%x %X %o", "%.3e %g", "%05d:%+d %s",
         "%q", "%-5c|%3c", "%% %i %u %%"]


def test_hot_formats_are_inlined_and_match_interpreter():
    fmts = MIXED[:lformat._HOT_MAX]
    for f in fmts:
        for _ in range(lformat._HOT_AFTER + 2):
            lformat.format(f, *([1] * 3))
    assert [h[0] for h in lformat._HOT] == fmts
    for f in fmts:
        n = f.count("%") - 2 * f.count("%%")
        for args in itertools.product(VALUES, repeat=min(n, 2)):
            args = list(args) + [7] * (n - len(args))
            got = outcome(lformat.format, f, *args)
            assert got == reference(f, *args), (f, args, got)


def test_hot_format_with_missing_and_extra_arguments():
    f = "%d|%s"
    for _ in range(lformat._HOT_AFTER + 2):
        lformat.format(f, 1, "a")
    assert lformat._HOT and lformat._HOT[0][0] is f
    assert lformat.format(f, 1, "a", 3, 4, 5, 6, 7, 8, 9) == "1|a"
    with pytest.raises(LuaError, match=r"bad argument #3 to 'format' \(no value\)"):
        lformat.format(f, 1)
    with pytest.raises(LuaError, match=r"bad argument #2 to 'format' \(no value\)"):
        lformat.format(f)
    with pytest.raises(LuaError, match="number has no integer representation"):
        lformat.format(f, 1.5, "a")
    assert lformat.format(f, "10", 2.5) == "10|2.5"
    assert lformat.format(f, 2.0, None) == "2|nil"


def test_many_arguments_beyond_the_fixed_ones():
    f = " ".join(["%d"] * 9)
    for _ in range(lformat._HOT_AFTER + 2):
        assert lformat.format(f, *range(9)) == "0 1 2 3 4 5 6 7 8"
    with pytest.raises(LuaError, match=r"bad argument #10 to 'format' \(no value\)"):
        lformat.format(f, *range(8))
    assert lformat.format("%s" * 8, *"abcdefgh") == "abcdefgh"


def test_equal_format_strings_that_are_different_objects():
    f1 = "".join(["%", "5", "d"])
    f2 = "".join(["%", "5", "d"])
    assert f1 == f2 and f1 is not f2
    for _ in range(lformat._HOT_AFTER + 2):
        assert lformat.format(f1, 3) == "    3"
    assert lformat.format(f2, -3) == "   -3"
    for _ in range(lformat._HOT_AFTER + 2):
        assert lformat.format(f2, -3) == "   -3"
    assert len(lformat._HOT) == 2
    assert lformat._HOT[0][0] is f1 and lformat._HOT[1][0] is f2
    assert lformat.format(f2, 2.0) == "    2"


def test_hot_list_is_bounded():
    fmts = ["".join(["<%d", str(k), ">"]) for k in range(lformat._HOT_MAX + 4)]
    for f in fmts:
        for _ in range(lformat._HOT_AFTER + 2):
            lformat.format(f, 1)
    assert len(lformat._HOT) == lformat._HOT_MAX
    for k, f in enumerate(fmts):
        assert lformat.format(f, 5) == "<5%d>" % k
        assert lformat.format(f, 2.0) == "<2%d>" % k
        with pytest.raises(LuaError, match="number has no integer representation"):
            lformat.format(f, 2.5)
