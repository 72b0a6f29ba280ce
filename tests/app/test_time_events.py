"""Timers (``time.after``, ``time.timer``, ``time.ticker``) and the ``events``
bus, driven from Lua in greenlets.

Delays are a few milliseconds; assertions check order and lower bounds, with
generous upper bounds, so a loaded machine does not make them flaky."""

import gc
import io

import gevent
import pytest

from wippy.runtime.interp import LuaState
from wippy.runtime.values import LuaTable, LuaError, TRUE, FALSE
from wippy.channel import Channel, make_channel_module
from wippy.modules import BUILTIN_MODULES, make_module_table
from wippy.modules import time as wtime
from wippy.modules import events as wevents
from wippy.modules.events import EventBus, compile_pattern, default_bus, reset_default_bus


class Env:
    def __init__(self):
        self.st = LuaState(standalone=False, stdout=io.BytesIO(), use_cache=False)
        self.glets = []
        G = self.st.G
        G["channel"] = make_channel_module()
        G["time"] = wtime.make_module()
        G["events"] = wevents.make_module()

        def spawn(fn, *args):
            self.glets.append(gevent.spawn(fn, *args))
            return ()

        def join(*_):
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
        G["join"] = join
        G["pending_timers"] = lambda *_: wtime.pending_timers()
        G["subscriptions"] = lambda *_: default_bus().subscriptions()

    def run(self, src):
        r = gevent.spawn(self.st.execute, src, "@t.lua").get(timeout=30)
        for g in self.glets:
            if g.dead and g.exception is not None:
                raise g.exception
        return r


@pytest.fixture
def env():
    reset_default_bus()
    e = Env()
    yield e
    for g in e.glets:
        g.kill()
    del e
    gc.collect()
    # every test cleans up its timers: none may outlive it (a ref'd hub
    # timer would delay other tests' deadlock detection)
    assert wtime.pending_timers() == 0
    reset_default_bus()


def to_list(t):
    return [t.get(i) for i in range(1, t.length() + 1)]


# -- time.after ---------------------------------------------------------------

def test_after_fires_once_in_delay_order(env):
    r = env.run("""
        local t0 = time.now()
        local a = time.after("30ms")
        local b = time.after(10 * time.MILLISECOND)
        local d = time.parse_duration("20ms")
        local c = time.after(d)
        local order, stamps = {}, {}
        for i = 1, 3 do
            local r = channel.select{a:case_receive(), b:case_receive(), c:case_receive()}
            order[i] = r.channel == a and "a" or r.channel == b and "b" or "c"
            assert(r.ok == true)
            stamps[i] = r.value
        end
        local elapsed = time.now():sub(t0):milliseconds()
        -- each fired once: nothing more arrives
        time.sleep("15ms")
        local again = channel.select{a:case_receive(), b:case_receive(), c:case_receive(),
                                     default = true}
        return order, elapsed, again.default, stamps[1]:before(stamps[2]) or
            stamps[1]:equal(stamps[2]), stamps[3]:sub(t0):milliseconds(), type(stamps[1])
    """)
    order, elapsed, again, ordered, last, ty = r
    assert to_list(order) == ["b", "c", "a"]
    assert 29 <= elapsed < 5000
    assert again is TRUE
    assert ordered is TRUE
    assert 29 <= last < 5000
    assert ty == "userdata"


def test_after_tick_is_a_time(env):
    r = env.run("""
        local t0 = time.now()
        local v, ok = time.after("2ms"):receive()
        return ok, v:sub(t0):nanoseconds() >= 2000000, v:year() == t0:year(),
               time.now():sub(v):nanoseconds() >= 0
    """)
    assert r == (TRUE, TRUE, TRUE, TRUE)


def test_after_zero_and_negative_fire_at_once(env):
    r = env.run("""
        local a = channel.select{time.after(0):case_receive(), default = true}
        local b = channel.select{time.after("-5s"):case_receive(), default = true}
        return a.default, a.ok, b.default, type(b.value)
    """)
    assert r == (None, TRUE, None, "userdata")


def test_after_bad_duration(env):
    r = env.run("""
        local ch, err = time.after("soon")
        local ch2, err2 = time.after({})
        return ch, err:kind(), tostring(err), ch2, err2:kind()
    """)
    assert r[0] is None and r[1] == "Invalid"
    assert 'invalid duration "soon"' in r[2]
    assert r[3] is None and r[4] == "Invalid"


def test_abandoned_after_is_cancelled(env):
    # a timeout channel nobody can receive from any more stops its watcher
    r = env.run("""
        local resp = channel.new(1)
        resp:send("fast")
        local r = channel.select{resp:case_receive(), time.after("10s"):case_receive()}
        local n = pending_timers()
        return r.value, n
    """)
    assert r[0] == "fast"
    gc.collect()
    assert wtime.pending_timers() == 0
    ch = wtime.after_channel(10 * wtime.SECOND)
    assert wtime.pending_timers() == 1
    del ch
    assert wtime.pending_timers() == 0


def test_select_timeout_pattern(env):
    r = env.run("""
        local resp = channel.new()
        spawn(function()
            time.sleep("40ms")
            pcall(resp.send, resp, "late")
        end)
        local timeout = time.after("5ms")
        local r = channel.select{resp:case_receive(), timeout:case_receive()}
        local timed_out = r.channel == timeout
        local late = resp:receive()
        join()
        return timed_out, late
    """)
    assert r == (TRUE, "late")


def test_receivers_in_several_greenlets(env):
    r = env.run("""
        local got = {}
        local done = channel.new(3)
        for i, d in ipairs({"15ms", "5ms", "10ms"}) do
            spawn(function()
                time.after(d):receive()
                got[#got + 1] = d
                done:send(true)
            end)
        end
        for i = 1, 3 do done:receive() end
        join()
        return got
    """)
    assert to_list(r[0]) == ["5ms", "10ms", "15ms"]


# -- time.timer ---------------------------------------------------------------

def test_timer_fires(env):
    r = env.run("""
        local t0 = time.now()
        local tm, err = time.timer("10ms")
        assert(err == nil)
        local same = tm:response() == tm:channel()
        local v, ok = tm:response():receive()
        local elapsed = time.now():sub(t0):milliseconds()
        return same, ok, type(v), elapsed, tm:stop(), tostring(tm):match("^Timer: ") ~= nil
    """)
    same, ok, ty, elapsed, stopped, name = r
    assert (same, ok, ty, name) == (TRUE, TRUE, "userdata", TRUE)
    assert 9 <= elapsed < 5000
    assert stopped is FALSE        # already fired and received


def test_timer_stop_pending(env):
    r = env.run("""
        local tm = time.timer("10ms")
        local s1 = tm:stop()
        local s2 = tm:stop()
        time.sleep("25ms")
        local r = channel.select{tm:channel():case_receive(), default = true}
        return s1, s2, r.default, pending_timers()
    """)
    assert r == (TRUE, FALSE, TRUE, 0)


def test_timer_stop_discards_unreceived_tick(env):
    r = env.run("""
        local tm = time.timer("2ms")
        time.sleep("15ms")           -- fired, tick buffered, not received
        local s = tm:stop()
        local r = channel.select{tm:channel():case_receive(), default = true}
        return s, r.default
    """)
    assert r == (TRUE, TRUE)


def test_timer_reset_pending_extends(env):
    r = env.run("""
        local t0 = time.now()
        local tm = time.timer("10ms")
        time.sleep("3ms")
        local was = tm:reset("30ms")
        local v = tm:response():receive()
        local at = v:sub(t0):milliseconds()
        time.sleep("10ms")
        local r = channel.select{tm:response():case_receive(), default = true}
        return was, at, r.default
    """)
    was, at, nothing = r
    assert was is TRUE
    assert 32 <= at < 5000         # 3ms + 30ms, not the original 10ms
    assert nothing is TRUE         # fired once only


def test_timer_reset_after_stop_and_after_fire(env):
    r = env.run("""
        local tm = time.timer("5ms")
        tm:stop()
        local t0 = time.now()
        local was1 = tm:reset("8ms")
        tm:channel():receive()
        local d1 = time.now():sub(t0):milliseconds()
        -- fired and received: reset reports false and arms again
        local was2 = tm:reset(3 * time.MILLISECOND)
        local v, ok = tm:channel():receive()
        -- fired but not received: reset discards the stale tick
        tm:reset("2ms")
        time.sleep("10ms")
        local t1 = time.now()
        local was3 = tm:reset("8ms")
        local v3 = tm:channel():receive()
        return was1, d1, was2, ok, was3, v3:sub(t1):milliseconds()
    """)
    was1, d1, was2, ok, was3, d3 = r
    assert (was1, was2, ok, was3) == (FALSE, FALSE, TRUE, TRUE)
    assert 7 <= d1 < 5000
    assert 7 <= d3 < 5000          # the fresh tick, not the stale one


def test_timer_invalid_durations(env):
    r = env.run("""
        local a, ea = time.timer(0)
        local b, eb = time.timer("-1s")
        local c, ec = time.timer("nope")
        local d, ed = time.ticker(0)
        local tm = time.timer("1h")
        local x, ex = tm:reset(0)
        local y, ey = tm:reset("bad")
        local still = tm:stop()
        return a, ea:kind(), b, eb:kind(), c, ec:kind(), d, ed:kind(), x, ex:kind(), y,
               ey:kind(), still, tostring(ea)
    """)
    assert r[0:12:2] == (None,) * 6
    assert r[1:12:2] == ("Invalid",) * 6
    assert r[12] is TRUE            # a failed reset leaves the timer armed
    assert "positive" in r[13]


def test_timer_methods_check_self(env):
    with pytest.raises(LuaError, match="bad argument #1 to 'stop'"):
        env.run("local tm = time.timer('1h'); local ok = pcall(tm.stop, tm); "
                "tm.stop(42)")


def test_timer_python_api(env):
    def main():
        t = wtime.Timer(3 * wtime.MILLISECOND)
        v, ok = t.ch.receive_py()
        assert ok is TRUE and isinstance(v, wtime.Time)
        assert t.stop() is False
        assert t.reset(wtime.HOUR) is False
        assert wtime.pending_timers() == 1
        assert t.stop() is True
        assert wtime.pending_timers() == 0
    gevent.spawn(main).get(timeout=30)


# -- time.ticker --------------------------------------------------------------

def test_ticker_ticks_and_stops(env):
    r = env.run("""
        local t0 = time.now()
        local tk, err = time.ticker("5ms")
        local ch = tk:response()
        local prev, increasing = t0, true
        for i = 1, 4 do
            local v, ok = ch:receive()
            if not v:after(prev) then increasing = false end
            prev = v
        end
        local elapsed = time.now():sub(t0):milliseconds()
        local s1 = tk:stop()
        local s2 = tk:stop()
        time.sleep("20ms")
        local r = channel.select{ch:case_receive(), default = true}
        return err, increasing, elapsed, s1, s2, r.default, tk:channel() == ch,
               tostring(tk):match("^Ticker: ") ~= nil
    """)
    err, increasing, elapsed, s1, s2, nothing, same, name = r
    assert err is None and increasing is TRUE
    assert 19 <= elapsed < 10000
    assert (s1, s2, nothing, same, name) == (TRUE, FALSE, TRUE, TRUE, TRUE)


def test_ticker_drops_ticks_for_slow_readers(env):
    r = env.run("""
        local tk = time.ticker("5ms")
        local ch = tk:channel()
        time.sleep("40ms")                   -- ~8 intervals, nobody reading
        local a = channel.select{ch:case_receive(), default = true}
        local b = channel.select{ch:case_receive(), default = true}
        local t0 = time.now()
        ch:receive()                         -- the next tick is a fresh one
        local wait = time.now():sub(t0):nanoseconds()
        tk:stop()
        return a.default, b.default, wait > 0
    """)
    assert r == (None, TRUE, TRUE)


def test_ticker_reset(env):
    r = env.run("""
        local tk = time.ticker("1h")
        local t0 = time.now()
        local was = tk:reset("5ms")
        tk:channel():receive()
        tk:channel():receive()
        local elapsed = time.now():sub(t0):milliseconds()
        tk:stop()
        return was, elapsed
    """)
    assert r[0] is TRUE
    assert 9 <= r[1] < 10000


def test_abandoned_ticker_stops(env):
    env.run("""
        local ch = time.ticker("5ms"):channel()   -- the Ticker itself is dropped
        ch:receive()
        ch:receive()                              -- keeps ticking through the channel
    """)
    gc.collect()
    assert wtime.pending_timers() == 0


def test_select_over_time_channels(env):
    r = env.run("""
        local tk = time.ticker("5ms")
        local tm = time.timer("40ms")
        local deadline = time.after("5s")
        local ticks = 0
        local t0 = time.now()
        while true do
            local r = channel.select{tk:channel():case_receive(), tm:channel():case_receive(),
                                     deadline:case_receive()}
            if r.channel == tm:channel() then break end
            assert(r.channel == tk:channel(), "deadline hit")
            ticks = ticks + 1
        end
        local elapsed = time.now():sub(t0):milliseconds()
        tk:stop()
        return ticks, elapsed
    """)
    ticks, elapsed = r
    assert 39 <= elapsed < 5000
    assert 1 <= ticks <= elapsed // 5 + 1


# -- events -------------------------------------------------------------------

def test_events_send_and_receive(env):
    r = env.run("""
        local sub, err = events.subscribe("orders")
        assert(err == nil)
        local ok, serr = events.send("orders", "order.created", "/orders/123",
                                     {order_id = "123", total = 99.5, items = {"a", "b"}})
        local ch = sub:channel()
        local evt, rok = ch:receive()
        events.send("system", "heartbeat", "/health")
        return ok, serr, rok, evt.system, evt.kind, evt.path, evt.data.order_id,
               evt.data.total, evt.data.items[2], sub:close(), tostring(sub)
    """)
    assert r[:10] == (TRUE, None, TRUE, "orders", "order.created", "/orders/123", "123", 99.5,
                      "b", TRUE)
    assert r[10].startswith("events.Subscription: ")


def test_events_without_data(env):
    r = env.run("""
        local sub = events.subscribe("system")
        events.send("system", "heartbeat", "/health")
        local evt = sub:channel():receive()
        local keys = {}
        for k in pairs(evt) do keys[#keys + 1] = k end
        table.sort(keys)
        sub:close()
        return evt.data, table.concat(keys, ",")
    """)
    assert r == (None, "kind,path,system")


def test_events_wildcards(env):
    r = env.run("""
        local subs = {
            one = events.subscribe("orders.*"),
            deep = events.subscribe("orders.**"),
            all = events.subscribe("**"),
            star = events.subscribe("*"),
            created = events.subscribe("*", "*.created"),
            alt = events.subscribe("(users|orders)", "user.(created|deleted)"),
            anykind = events.subscribe("users", "*"),
            exact = events.subscribe("users", "user.created"),
        }
        events.send("orders", "order.created", "/1")
        events.send("orders.eu", "order.created", "/2")
        events.send("orders.eu.fr", "order.paid", "/3")
        events.send("users", "user.created", "/4")
        events.send("users", "user.deleted", "/5")
        events.send("users", "user.renamed", "/6")
        events.send("users", "created", "/7")
        local out = {}
        for name, sub in pairs(subs) do
            local paths = {}
            while true do
                local r = channel.select{sub:channel():case_receive(), default = true}
                if r.default then break end
                paths[#paths + 1] = r.value.path
            end
            out[name] = table.concat(paths, " ")
            sub:close()
        end
        return out
    """)
    out = dict(r[0])
    assert out == {
        "one": "/2",
        "deep": "/1 /2 /3",
        "all": "/1 /2 /3 /4 /5 /6 /7",
        "star": "/1 /4 /5 /6 /7",
        "created": "/1 /4",
        "alt": "/4 /5",
        "anykind": "/4 /5 /6 /7",
        "exact": "/4",
    }


def test_events_several_subscribers_get_isolated_copies(env):
    r = env.run("""
        local a = events.subscribe("app")
        local b = events.subscribe("app", "thing.*")
        local payload = {n = 1, nested = {list = {1, 2, 3}}}
        payload.self = payload
        events.send("app", "thing.changed", "/x", payload)
        payload.n = 2                               -- the sender changes its table
        payload.nested.list[1] = 100
        local ea = a:channel():receive()
        local eb = b:channel():receive()
        ea.data.nested.list[2] = 200                -- one subscriber changes its copy
        a:close(); b:close()
        return ea.data.n, eb.data.n, ea.data.nested.list[1], eb.data.nested.list[2],
               ea.data ~= eb.data, ea.data ~= payload, ea.data.self == ea.data,
               ea ~= eb
    """)
    assert r == (1, 1, 1, 2, TRUE, TRUE, TRUE, TRUE)


def test_events_order_per_subscriber(env):
    r = env.run("""
        local sub = events.subscribe("seq")
        local ch = sub:channel()
        local got = {}
        local done = channel.new(1)
        spawn(function()
            for i = 1, 200 do
                local evt = ch:receive()
                got[i] = evt.data
                if i % 50 == 0 then time.sleep(1) end   -- yield now and then
            end
            done:send(true)
        end)
        for i = 1, 200 do
            events.send("seq", "n", "/n", i)
            if i % 30 == 0 then time.sleep(1) end
        end
        done:receive()
        join()
        sub:close()
        local ok = true
        for i = 1, 200 do if got[i] ~= i then ok = false end end
        return ok, #got
    """)
    assert r == (TRUE, 200)


def test_events_close(env):
    r = env.run("""
        local sub = events.subscribe("c")
        local n0 = subscriptions()
        events.send("c", "k", "/1")
        events.send("c", "k", "/2")
        local c1 = sub:close()
        local c2 = sub:close()
        events.send("c", "k", "/3")                 -- not delivered any more
        local ch = sub:channel()
        local e1 = ch:receive()
        local e2 = ch:receive()
        local e3, ok3 = ch:receive()
        return n0, subscriptions(), c1, c2, e1.path, e2.path, e3, ok3
    """)
    assert r == (1, 0, TRUE, TRUE, "/1", "/2", None, FALSE)


def test_events_close_wakes_blocked_receiver(env):
    r = env.run("""
        local sub = events.subscribe("w")
        local res = channel.new(1)
        spawn(function()
            local v, ok = sub:channel():receive()
            res:send(ok)
        end)
        time.sleep("2ms")
        sub:close()
        local ok = res:receive()
        join()
        return ok
    """)
    assert r == (FALSE,)


def test_events_select_with_timeout(env):
    r = env.run("""
        local sub = events.subscribe("alerts")
        local ch = sub:channel()
        spawn(function()
            time.sleep("5ms")
            events.send("alerts", "cpu.high", "/node/1", {load = 0.97})
        end)
        local r = channel.select{ch:case_receive(), time.after("5s"):case_receive()}
        local timeout = time.after("5ms")
        local r2 = channel.select{ch:case_receive(), timeout:case_receive()}
        join()
        sub:close()
        return r.channel == ch, r.value.data.load, r2.channel == timeout
    """)
    assert r == (TRUE, 0.97, TRUE)


def test_events_validation(env):
    r = env.run("""
        local out = {}
        local function add(a, e) out[#out + 1] = (a == nil and e and e:kind()) or "?" end
        add(events.send("", "k", "/p"))
        add(events.send("s", "", "/p"))
        add(events.send("s", "k", ""))
        add(events.send(nil, "k", "/p"))
        add(events.send("s", "k", "/p", {f = function() end}))
        add(events.subscribe(""))
        add(events.subscribe(nil))
        add(events.subscribe("s", 5))
        add(events.subscribe("a.(b"))
        return out, subscriptions()
    """)
    assert to_list(r[0]) == ["Invalid"] * 9
    assert r[1] == 0


def test_events_uncopyable_data_is_rejected_before_delivery(env):
    r = env.run("""
        local sub = events.subscribe("s")
        local ok, err = events.send("s", "k", "/p", {f = print or function() end})
        local r = channel.select{sub:channel():case_receive(), default = true}
        sub:close()
        return ok, tostring(err):match("function") ~= nil, r.default
    """)
    assert r == (None, TRUE, TRUE)


def test_events_registered_module():
    assert "events" in BUILTIN_MODULES
    m = make_module_table("events")
    assert set(m.keys()) == {"send", "subscribe"}


def test_forgotten_subscription_is_removed(env):
    env.run("""
        events.subscribe("gone")
        local keep = events.subscribe("kept")
        _G.kept = keep:channel()                     -- only the channel is kept
        keep = nil
    """)
    gc.collect()
    bus = default_bus()
    assert bus.subscriptions() == 1
    assert bus.publish("kept", "k", "/p", None) == 1
    assert bus.publish("gone", "k", "/p", None) == 0
    env.st.G["kept"] = None
    gc.collect()
    assert bus.subscriptions() == 0


# -- EventBus from Python ------------------------------------------------------

def test_bus_python_api():
    bus = EventBus()
    s1 = bus.subscribe("registry.**")
    s2 = bus.subscribe("registry", "entry.*")
    assert bus.publish("registry", "entry.create", "app:x", {"id": "app:x", "n": [1, 2]}) == 2
    assert bus.publish("registry", "registry.commit", "", None) == 1
    assert bus.publish("process", "factory.start", "", None) == 0
    e1 = s1.channel.buf[0]
    e2 = s2.channel.buf[0]
    assert type(e1) is LuaTable and e1["data"]["id"] == "app:x" and e1["data"]["n"][2] == 2
    assert e1["data"] is not e2["data"]
    assert len(s1.channel) == 2 and len(s2.channel) == 1
    s2.close()
    assert s2.closed and not s1.closed and bus.subscriptions() == 1
    bus.close()
    assert s1.closed and s1.channel.closed
    with pytest.raises(ValueError):
        bus.subscribe("x")


def test_bus_publish_from_hub_callback():
    bus = EventBus()
    sub = bus.subscribe("tick")

    def main():
        w = gevent.get_hub().loop.timer(0.003)
        w.start(bus.publish, "tick", "fired", "/t", 7)
        v, ok = sub.channel.receive_py()
        w.close()
        return v["data"], ok
    assert gevent.spawn(main).get(timeout=30) == (7, TRUE)


def test_bus_drops_beyond_max_pending():
    bus = EventBus(max_pending=3)
    sub = bus.subscribe("s")
    delivered = [bus.publish("s", "k", "/%d" % i, i) for i in range(5)]
    assert delivered == [1, 1, 1, 0, 0]
    assert sub.dropped == 2 and len(sub.channel) == 3


def test_default_bus_reset():
    bus = default_bus()
    sub = bus.subscribe("x")
    assert default_bus() is bus
    fresh = reset_default_bus()
    assert fresh is not bus and default_bus() is fresh
    assert sub.closed and sub.channel.closed


def test_compile_pattern():
    cases = [
        ("registry.*", "registry.create", True), ("registry.*", "registry", False),
        ("registry.*", "registry.entry.create", False), ("registry.**", "registry", True),
        ("registry.**", "registry.entry.create", True), ("a.**.b", "a.b", True),
        ("a.**.b", "a.x.y.b", True), ("a.**.b", "a.x.y", False),
        ("response.(accept|reject)", "response.reject", True),
        ("response.(accept|reject)", "response.acc", False), ("user*", "users", True),
        ("user*", "users.x", False), ("a+b", "a+b", True), ("a+b", "aab", False),
    ]
    for pat, name, want in cases:
        m = compile_pattern(pat)
        assert m(name) is want, (pat, name)
    assert compile_pattern("**") is None
    assert compile_pattern("*", any_star=True) is None
    assert compile_pattern("*")("x") and not compile_pattern("*")("x.y")
    with pytest.raises(ValueError):
        compile_pattern("a.(b")
