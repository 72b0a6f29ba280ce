"""Loops spend a budget: long loops call the tick hook between chunks."""

import pytest

from wippy.runtime import ops
from wippy.runtime.interp import LuaState


@pytest.fixture
def ticks():
    seen = []
    ops.set_tick_hook(lambda: seen.append(1))
    yield seen
    ops.set_tick_hook(None)


def run(src):
    return LuaState(standalone=False).execute(src, "@budget.lua")


N = ops.BUDGET_CHUNK


@pytest.mark.parametrize("loop", [
    "for i = 1, %d do s = s + 1 end" % (N * 5),
    "for i = %d, 1, -1 do s = s + 1 end" % (N * 5),
    "for i = 1, %d, 2 do s = s + 1 end" % (N * 10),
    "for i = 1.0, %d.0 do s = s + 1 end" % (N * 5),
    "local n = %d; for i = 1, n do s = s + 1 end" % (N * 5),
    "while s < %d do s = s + 1 end" % (N * 5),
    "while true do s = s + 1; if s == %d then break end end" % (N * 5),
    "repeat s = s + 1 until s == %d" % (N * 5),
    "local function it(_, i) if i < %d then return i + 1 end end "
    "for i in it, nil, 0 do s = s + 1 end" % (N * 5),
])
def test_long_loops_tick(ticks, loop):
    r = run("local s = 0\n%s\nreturn s" % loop)
    assert r == (N * 5,)
    assert 4 <= len(ticks) <= 6


def test_short_loops_do_not_tick(ticks):
    r = run("local s = 0 for j = 1, 10 do for i = 1, 100 do s = s + i end end "
            "local k = 0 while k < 50 do k = k + 1 end return s, k")
    assert r == (50500, 50)
    assert ticks == []


def test_tick_may_raise_to_stop_a_spinning_loop():
    class Stop(BaseException):
        pass
    count = []

    def hook():
        count.append(1)
        if len(count) == 3:
            raise Stop()
    ops.set_tick_hook(hook)
    try:
        with pytest.raises(Stop):
            run("while true do end")
        with pytest.raises(Stop):
            count.clear()
            run("local ok = pcall(function() while true do end end)")
    finally:
        ops.set_tick_hook(None)


def test_huge_range_without_len():
    ops.set_tick_hook(None)
    r = run("local n = 0 for i = math.mininteger, math.maxinteger do n = n + 1 "
            "if n == 10 then break end end return n")
    assert r == (10,)
