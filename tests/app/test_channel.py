"""The ``channel`` module (wippy/channel.py), driven from Lua in greenlets."""

import io
import time

import gevent
import pytest

from wippy.runtime.interp import LuaState
from wippy.runtime.values import LuaTable, LuaError, TRUE, FALSE
from wippy.channel import Channel, Case, make_channel_module, select_py


class Env:
    def __init__(self):
        self.st = LuaState(standalone=False, stdout=io.BytesIO(), use_cache=False)
        self.glets = []
        G = self.st.G
        G["channel"] = make_channel_module()

        def spawn(fn, *args):
            g = gevent.spawn(fn, *args)
            self.glets.append(g)
            return ()

        def sleep(s=0, *_):
            gevent.sleep(s)
            return ()

        def join(*_):
            # wait for every spawned greenlet; re-raise the first error
            while True:
                pending = [g for g in self.glets if not g.dead]
                if not pending:
                    break
                gevent.joinall(pending)
            for g in self.glets:
                if g.exception is not None:
                    raise g.exception
            return ()

        G["spawn"] = spawn
        G["sleep"] = sleep
        G["join"] = join

    def run(self, src):
        r = gevent.spawn(self.st.execute, src, "@t.lua").get()
        for g in self.glets:
            if g.dead and g.exception is not None:
                raise g.exception
        return r


@pytest.fixture
def env():
    return Env()


def to_list(t):
    return [t.get(i) for i in range(1, t.length() + 1)]


# -- basics -------------------------------------------------------------------

def test_new_and_type(env):
    r = env.run("""
        local a, b = channel.new(), channel.new(3)
        return type(a), tostring(a):match("^channel: ") ~= nil, a == a, a ~= b
    """)
    assert r == ("userdata", TRUE, TRUE, TRUE)


def test_new_bad_size(env):
    with pytest.raises(LuaError, match="bad argument #1 to 'new'"):
        env.run("channel.new(-1)")
    with pytest.raises(LuaError, match="bad argument #1 to 'new'"):
        env.run("channel.new('x')")
    assert isinstance(env.run("return channel.new(2.0)")[0], Channel)


def test_buffered_fifo(env):
    r = env.run("""
        local ch = channel.new(5)
        for i = 1, 5 do assert(ch:send(i) == true) end
        local out = {}
        for i = 1, 5 do
            local v, ok = ch:receive()
            assert(ok == true)
            out[#out + 1] = v
        end
        return table.concat(out, ",")
    """)
    assert r == ("1,2,3,4,5",)


def test_buffered_send_blocks_when_full(env):
    r = env.run("""
        local ch = channel.new(2)
        local log = {}
        spawn(function()
            for i = 1, 5 do
                ch:send(i)
                log[#log + 1] = "s" .. i
            end
        end)
        sleep(0.01)
        log[#log + 1] = "-"
        for i = 1, 5 do
            local v = ch:receive()
            log[#log + 1] = "r" .. v
            sleep(0)
        end
        join()
        return table.concat(log, " ")
    """)
    log = r[0].split()
    # the producer filled the buffer and blocked on the third send
    assert log[:3] == ["s1", "s2", "-"]
    assert [x for x in log if x[0] == "r"] == ["r1", "r2", "r3", "r4", "r5"]
    assert [x for x in log if x[0] == "s"] == ["s1", "s2", "s3", "s4", "s5"]


def test_unbuffered_rendezvous(env):
    r = env.run("""
        local ch = channel.new()
        local log = {}
        spawn(function()
            log[#log + 1] = "send start"
            ch:send("x")
            log[#log + 1] = "send done"
        end)
        sleep(0.01)
        log[#log + 1] = "before receive"   -- the sender is still blocked
        local v, ok = ch:receive()
        log[#log + 1] = "got " .. v .. " " .. tostring(ok)
        join()
        return table.concat(log, "|")
    """)
    assert r == ("send start|before receive|got x true|send done",)


def test_unbuffered_receiver_first(env):
    r = env.run("""
        local ch = channel.new(0)
        local got
        spawn(function() got = {ch:receive()} end)
        sleep(0)
        assert(got == nil)
        assert(ch:send(42) == true)
        join()
        return got[1], got[2]
    """)
    assert r == (42, TRUE)


def test_send_nil_value(env):
    r = env.run("""
        local ch = channel.new(1)
        ch:send(nil)
        return select('#', ch:receive())
    """)
    assert r == (2,)
    r = env.run("""
        local ch = channel.new(1)
        ch:send()
        return ch:receive()
    """)
    assert r == (None, TRUE)


def test_tables_pass_by_reference(env):
    r = env.run("""
        local ch = channel.new(1)
        local t = {1}
        ch:send(t)
        return ch:receive() == t
    """)
    assert r == (TRUE,)


# -- close --------------------------------------------------------------------

def test_close_drain_then_nil_false(env):
    r = env.run("""
        local ch = channel.new(3)
        ch:send("a"); ch:send("b")
        ch:close()
        ch:close()   -- idempotent
        local a, oka = ch:receive()
        local b, okb = ch:receive()
        local c, okc = ch:receive()
        local d, okd = ch:receive()
        return a, oka, b, okb, c, okc, d, okd
    """)
    assert r == ("a", TRUE, "b", TRUE, None, FALSE, None, FALSE)


def test_send_on_closed_raises(env):
    r = env.run("""
        local ch = channel.new(1)
        ch:close()
        local ok, err = pcall(ch.send, ch, 1)
        local ok2, err2 = pcall(function() ch:send(1) end)
        return ok, err, ok2, err2
    """)
    assert r[0] is FALSE and "send on closed channel" in r[1]
    assert r[2] is FALSE and r[3] == "t.lua:5: send on closed channel"


def test_close_wakes_blocked_receivers(env):
    r = env.run("""
        local ch = channel.new()
        local res = {}
        for i = 1, 3 do
            spawn(function()
                local v, ok = ch:receive()
                res[#res + 1] = tostring(v) .. "/" .. tostring(ok)
            end)
        end
        sleep(0)
        ch:close()
        join()
        return table.concat(res, ",")
    """)
    assert r == ("nil/false,nil/false,nil/false",)


def test_close_wakes_blocked_senders_with_error(env):
    r = env.run("""
        local ch = channel.new(1)
        ch:send("kept")
        local res = {}
        for i = 1, 3 do
            spawn(function()
                local ok, err = pcall(ch.send, ch, i)
                res[#res + 1] = tostring(ok) .. ":" .. tostring(err):match("send on closed channel")
            end)
        end
        sleep(0)
        ch:close()
        join()
        local v, ok = ch:receive()
        local v2, ok2 = ch:receive()
        return table.concat(res, ","), v, ok, v2, ok2
    """)
    assert r == ("false:send on closed channel," * 2 + "false:send on closed channel",
                 "kept", TRUE, None, FALSE)


def test_unbuffered_blocked_sender_error_on_close(env):
    with pytest.raises(LuaError, match="t.lua:4: send on closed channel"):
        env.run("""
            local ch = channel.new()
            spawn(function() sleep(0.01); ch:close() end)
            ch:send(1)
        """)


# -- select -------------------------------------------------------------------

def test_select_receive(env):
    r = env.run("""
        local a, b = channel.new(1), channel.new(1)
        b:send("vb")
        local r = channel.select{a:case_receive(), b:case_receive()}
        return r.channel == b, r.channel == a, r.value, r.ok, r.default
    """)
    assert r == (TRUE, FALSE, "vb", TRUE, None)


def test_select_send_case(env):
    r = env.run("""
        local a, b = channel.new(0), channel.new(1)
        local r = channel.select{a:case_send("x"), b:case_send("y")}
        local v, ok = b:receive()
        return r.channel == b, r.value, r.ok, v, ok
    """)
    assert r == (TRUE, "y", TRUE, "y", TRUE)


def test_select_blocks_until_ready(env):
    r = env.run("""
        local a, b, c = channel.new(), channel.new(), channel.new()
        spawn(function() sleep(0.01); b:send("late") end)
        local r = channel.select{a:case_receive(), b:case_receive(), c:case_send(1)}
        return r.channel == b, r.value, r.ok
    """)
    assert r == (TRUE, "late", TRUE)


def test_select_blocked_send_case_taken(env):
    r = env.run("""
        local a, b = channel.new(), channel.new()
        local got
        spawn(function() sleep(0.01); got = {b:receive()} end)
        local r = channel.select{a:case_receive(), b:case_send("sent")}
        join()
        return r.channel == b, r.value, r.ok, got[1], got[2]
    """)
    assert r == (TRUE, "sent", TRUE, "sent", TRUE)


def test_select_unregisters_from_other_channels(env):
    r = env.run("""
        local a, b = channel.new(), channel.new()
        spawn(function() sleep(0.01); a:send(1) end)
        local r = channel.select{a:case_receive(), b:case_receive()}
        -- the select must no longer be waiting on b: a send on b now has no
        -- receiver and must block; a receiver spawned later gets the value.
        local got
        spawn(function() sleep(0.01); got = b:receive() end)
        b:send("for later")
        join()
        return r.value, got
    """)
    assert r == (1, "for later")


def test_select_leaves_no_sudogs():
    env = Env()
    a, b = Channel(0), Channel(0)
    env.st.G["a"], env.st.G["b"] = a, b
    env.run("""
        for i = 1, 50 do
            spawn(function() a:send(i) end)
            local r = channel.select{a:case_receive(), b:case_receive()}
            assert(r.value == i)
        end
        join()
    """)
    assert len(b.recvq) == 0 and len(a.recvq) == 0 and len(a.sendq) == 0


def test_select_closed_receive(env):
    r = env.run("""
        local a = channel.new()
        a:close()
        local r = channel.select{a:case_receive()}
        return r.channel == a, r.value, r.ok
    """)
    assert r == (TRUE, None, FALSE)


def test_select_woken_by_close(env):
    r = env.run("""
        local a, b = channel.new(), channel.new()
        spawn(function() sleep(0.01); b:close() end)
        local r = channel.select{a:case_receive(), b:case_receive()}
        return r.channel == b, r.value, r.ok
    """)
    assert r == (TRUE, None, FALSE)


def test_select_send_on_closed_raises(env):
    with pytest.raises(LuaError, match="send on closed channel"):
        env.run("""
            local a = channel.new(1)
            a:close()
            channel.select{a:case_send(1)}
        """)


def test_select_default(env):
    r = env.run("""
        local a = channel.new()
        local r = channel.select{a:case_receive(), default = true}
        local b = channel.new(1)
        b:send(5)
        local r2 = channel.select{b:case_receive(), default = true}
        local r3 = channel.select{a:case_send(1), default = true}
        local r4 = channel.select{default = true}
        return r.default, r.ok, r.channel, r2.default, r2.value, r3.default, r4.default
    """)
    assert r == (TRUE, TRUE, None, None, 5, TRUE, TRUE)


def test_select_bad_cases(env):
    with pytest.raises(LuaError, match="invalid case"):
        env.run("channel.select{1}")
    with pytest.raises(LuaError, match="invalid case"):
        env.run("channel.select{channel.new()}")
    with pytest.raises(LuaError, match="bad argument #1 to 'select'"):
        env.run("channel.select(nil)")
    with pytest.raises(LuaError, match="no cases"):
        env.run("channel.select{}")


def test_select_fairness(env):
    r = env.run("""
        local a, b, c = channel.new(1), channel.new(1), channel.new(1)
        local n = {0, 0, 0}
        for i = 1, 3000 do
            a:send(1); b:send(2)   -- both ready, c never
            local r = channel.select{a:case_receive(), b:case_receive(), c:case_receive()}
            n[r.value] = n[r.value] + 1
            -- drain the other
            channel.select{a:case_receive(), b:case_receive()}
        end
        return n[1], n[2], n[3]
    """)
    na, nb, nc = r
    assert na + nb == 3000 and nc == 0
    assert 1200 < na < 1800, r


def test_select_identity_with_userdata_keys(env):
    r = env.run("""
        local chans = {}
        for i = 1, 5 do chans[i] = channel.new(1) end
        local idx = {}
        for i, c in ipairs(chans) do idx[c] = i end
        chans[4]:send("four")
        local cases = {}
        for i, c in ipairs(chans) do cases[i] = c:case_receive() end
        local r = channel.select(cases)
        return idx[r.channel], r.value
    """)
    assert r == (4, "four")


def test_select_same_channel_send_and_receive(env):
    # a buffered channel with room: the receive is not ready, the send is
    r = env.run("""
        local a = channel.new(1)
        local r = channel.select{a:case_receive(), a:case_send(7)}
        return r.value, r.ok, (a:receive())
    """)
    assert r == (7, TRUE, 7)


# -- many greenlets -----------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 16])
def test_many_producers_consumers(env, size):
    r = env.run("""
        local size = ...
        local ch = channel.new(%d)
        local done = channel.new(100)
        local NP, NM = 100, 100
        local seen = {}
        local count = 0
        for p = 1, NP do
            spawn(function()
                for m = 1, NM do ch:send(p * 1000 + m) end
                done:send(true)
            end)
        end
        local results = channel.new()
        for c = 1, 10 do
            spawn(function()
                local mine = 0
                while true do
                    local v, ok = ch:receive()
                    if not ok then break end
                    assert(not seen[v], "duplicate")
                    seen[v] = true
                    count = count + 1
                    mine = mine + 1
                end
                results:send(mine)
            end)
        end
        for p = 1, NP do done:receive() end
        ch:close()
        local total = 0
        for c = 1, 10 do total = total + results:receive() end
        join()
        for p = 1, NP do for m = 1, NM do assert(seen[p * 1000 + m], "lost") end end
        return count, total
    """ % size)
    assert r == (10000, 10000)


def test_per_producer_order_preserved(env):
    r = env.run("""
        local ch = channel.new(3)
        for p = 1, 20 do
            spawn(function() for m = 1, 50 do ch:send({p, m}) end end)
        end
        local last = {}
        for i = 1, 1000 do
            local v = ch:receive()
            local p, m = v[1], v[2]
            assert((last[p] or 0) + 1 == m, "out of order")
            last[p] = m
        end
        join()
        return true
    """)
    assert r == (TRUE,)


def test_select_many_greenlets(env):
    r = env.run("""
        local a, b, quit = channel.new(), channel.new(4), channel.new()
        local got = {}
        local n = 0
        local consumers_done = channel.new(10)
        for c = 1, 5 do
            spawn(function()
                while true do
                    local r = channel.select{a:case_receive(), b:case_receive(), quit:case_receive()}
                    if r.channel == quit then break end
                    assert(not got[r.value])
                    got[r.value] = true
                    n = n + 1
                end
                consumers_done:send(true)
            end)
        end
        for p = 1, 20 do
            spawn(function()
                for m = 1, 50 do
                    local v = p * 1000 + m
                    if m %% 2 == 0 then a:send(v) else b:send(v) end
                end
            end)
        end
        while n < 1000 do sleep(0.001) end
        quit:close()
        for c = 1, 5 do consumers_done:receive() end
        join()
        return n
    """.replace("%%", "%"))
    assert r == (1000,)


def test_fifo_among_blocked_receivers(env):
    r = env.run("""
        local ch = channel.new()
        local order = {}
        for i = 1, 5 do
            spawn(function() local v = ch:receive(); order[#order + 1] = i .. "=" .. v end)
            sleep(0)
        end
        for v = 1, 5 do ch:send(v) end
        join()
        return table.concat(order, ",")
    """)
    assert r == ("1=1,2=2,3=3,4=4,5=5",)


def test_fifo_among_blocked_senders(env):
    r = env.run("""
        local ch = channel.new(1)
        ch:send(0)
        for i = 1, 5 do
            spawn(function() ch:send(i) end)
            sleep(0)
        end
        local out = {}
        for i = 0, 5 do out[#out + 1] = ch:receive() end
        join()
        return table.concat(out, ",")
    """)
    assert r == ("0,1,2,3,4,5",)


def test_lua_coroutine_can_block(env):
    r = env.run("""
        local ch = channel.new()
        spawn(function() sleep(0.01); ch:send("hi") end)
        local co = coroutine.wrap(function() return ch:receive() end)
        return co()
    """)
    assert r == ("hi", TRUE)


# -- deadlock, Python API -----------------------------------------------------

def test_deadlock_is_loop_exit(env):
    with pytest.raises(gevent.exceptions.LoopExit):
        env.run("channel.new():receive()")
    # in the main greenlet too
    ch = Channel()
    with pytest.raises(gevent.exceptions.LoopExit):
        ch.receive_py()
    assert not ch.recvq        # the waiter was unqueued


def test_killed_waiter_is_unqueued():
    a, b = Channel(), Channel()
    g = gevent.spawn(select_py, [Case(a, False), Case(b, True, 1)])
    gevent.sleep(0)
    assert len(a.recvq) == 1 and len(b.sendq) == 1
    g.kill()
    assert not a.recvq and not b.sendq
    assert a.try_send(1) is False


def test_python_api():
    ch = Channel()
    out = []
    g = gevent.spawn(lambda: out.append(ch.receive_py()))
    gevent.sleep(0)
    ch.send_py("v")
    g.join()
    assert out == [("v", TRUE)]

    ch = Channel()
    assert ch.deliver_and_close("once") is True
    assert ch.receive_py() == ("once", TRUE)
    assert ch.receive_py() == (None, FALSE)
    assert ch.deliver_and_close("again") is False
    with pytest.raises(LuaError, match="send on closed channel"):
        ch.send_py(1)

    # delivered to a receiver already waiting (e.g. a timer firing in the hub)
    ch = Channel()
    out = []
    g = gevent.spawn(lambda: out.append(ch.receive_py()))
    gevent.sleep(0)
    gevent.get_hub().loop.run_callback(ch.deliver_and_close, "t")
    g.join()
    assert out == [("t", TRUE)]

    ch = Channel(1)
    assert ch.try_send(1) is True and ch.try_send(2) is False


def test_select_py_default():
    a = Channel()
    assert select_py([Case(a, False)], True) == (-1, None, TRUE)


def test_buffered_pair_is_fast():
    ch = Channel(10)
    from wippy.channel import _lua_send, _lua_receive
    n = 20000
    t0 = time.perf_counter()
    for i in range(n):
        _lua_send(ch, i)
        _lua_receive(ch)
    dt = (time.perf_counter() - t0) / n
    assert dt < 20e-6, dt
