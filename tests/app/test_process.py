"""Project-level tests of the actor runtime: processes spawned, messaged,
monitored, linked, cancelled, terminated and named from Lua, and
process.service supervision -- each driven through ``App.open`` and
``app.run_process_main``.  Timing checks leave wide margins (slow, loaded
machines)."""

import os
import textwrap
import time

import gevent
import pytest

from wippy.app import App, CallError, run_in_hub
from wippy.convert import to_python

# ---------------------------------------------------------------------------
# helpers

HEAD = """\
namespace: app
entries:
  - {name: procs, kind: process.host}
"""

# small processes shared by the tests (the test drivers are added per test)
COMMON = """
  - name: ret                 # returns its argument
    kind: process.lua
    method: main
    source: |
      return {main = function(v) return v end}
  - name: fail                # raises
    kind: process.lua
    method: main
    source: |
      return {main = function(msg) error(msg or "boom", 0) end}
  - name: echo                # sends every message back to its sender until "stop"
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local inbox = process.inbox()
        while true do
          local m = inbox:receive()
          if m:topic() == "stop" then return "stopped" end
          process.send(m:from(), m:topic(), m:payload():data())
        end
      end}
  - name: sleeper             # blocks on its inbox
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local m = process.inbox():receive()
        return m:topic()
      end}
  - name: spinner             # never yields by itself
    kind: process.lua
    method: main
    source: |
      return {main = function() while true do end end}
  - name: canceled            # returns the reason of the CANCEL it gets
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local ev = process.events():receive()
        return ev.kind .. ":" .. tostring(ev.reason)
      end}
"""


def write_project(root, entries, head=HEAD):
    os.makedirs(os.path.join(root, "src", "app"), exist_ok=True)
    with open(os.path.join(root, "wippy.lock"), "w") as f:
        f.write("directories:\n  modules: .wippy\n  src: ./src\n")
    with open(os.path.join(root, "src", "app", "_index.yaml"), "w") as f:
        f.write(head + entries)
    return str(root)


def driver(name, body, modules=("time",)):
    """A process.lua entry whose main runs ``body`` (Lua)."""
    src = "return {main = function(...)\n" + textwrap.indent(textwrap.dedent(body), "  ") \
        + "\nend}\n"
    return ("\n  - name: %s\n    kind: process.lua\n    method: main\n    modules: [%s]\n"
            "    source: |\n%s" % (name, ", ".join(modules), textwrap.indent(src, "      ")))


def run(app, eid, *args, timeout=60.0):
    """run_process_main with a watchdog: a hung test fails instead of hanging."""
    def body():
        with gevent.Timeout(timeout, AssertionError("%s did not finish in %ss" % (eid, timeout))):
            return app.run_process_main(eid, list(args))
    (r,) = run_in_hub(body)
    return to_python(r)


DRIVERS = {}            # name -> Lua body of a driver entry (added below, per test)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("procs")
    entries = COMMON + "".join(driver(n, b) for n, b in DRIVERS.items())
    a = App.open(write_project(root, entries))
    yield a
    a.stop(5)
    a.close()


# ---------------------------------------------------------------------------
# spawning

DRIVERS["spawn_variants"] = """
local out = {}
local ev = process.events()
process.set_options({trap_links = true})

-- plain: a PID, and no event when it ends
local p1, e1 = process.spawn("app:ret", "app:procs", 1)
out.plain = type(p1) == "string" and p1:sub(1, 1) == "{" and e1 == nil

-- monitored: EXIT with the return value
local p2 = process.spawn_monitored("app:ret", "app:procs", 2)
local e = ev:receive()
out.monitored = e.kind == process.event.EXIT and e.from == p2 and e.result.value == 2

-- linked: a failure comes as LINK_DOWN (trap_links is on)
local p3 = process.spawn_linked("app:fail", "app:procs", "linked boom")
e = ev:receive()
out.linked = e.kind == process.event.LINK_DOWN and e.from == p3
  and tostring(e.result.error):find("linked boom", 1, true) ~= nil

-- linked and monitored: both events
local p4 = process.spawn_linked_monitored("app:fail", "app:procs")
local kinds = {}
for _ = 1, 2 do
  e = ev:receive()
  if e.from == p4 then kinds[e.kind] = true end
end
out.linked_monitored = kinds[process.event.EXIT] and kinds[process.event.LINK_DOWN] or false

-- distinct PIDs
out.distinct = p1 ~= p2 and p2 ~= p3 and p3 ~= p4
return out
"""


def test_spawn_variants(app):
    r = run(app, "app:spawn_variants")
    assert r == {"plain": True, "monitored": True, "linked": True,
                 "linked_monitored": True, "distinct": True}


DRIVERS["spawner"] = """
local ev = process.events()
local sp = process.with_context({k = "v"}):with_name("named_child")
  :with_message("hello", "world")
local pid, err = sp:spawn_monitored("app:spawner_child", "app:procs")
assert(pid, tostring(err))
local e = ev:receive()
return e.result.value
"""

COMMON += """
  - name: spawner_child
    kind: process.lua
    method: main
    modules: [ctx]
    source: |
      return {main = function()
        local m = process.inbox():receive()
        local named = process.registry.lookup("named_child") == process.pid()
        return m:topic() .. ":" .. m:payload():data() .. ":" .. tostring(named)
          .. ":" .. tostring(ctx.get("k"))
      end}
"""


def test_spawner_name_message_context(app):
    assert run(app, "app:spawner") == "hello:world:true:v"


DRIVERS["spawn_errors"] = """
local out = {}
local p, e = process.spawn("app:nope", "app:procs")
out.unknown_entry = p == nil and e:kind() == errors.NOT_FOUND
p, e = process.spawn("app:ret", "app:nohost")
out.unknown_host = p == nil and e:kind() == errors.NOT_FOUND
p, e = process.spawn_monitored("app:procs", "app:procs")
out.not_a_process = p == nil and e ~= nil
return out
"""


def test_spawn_of_unknown_entry_or_host(app):
    assert run(app, "app:spawn_errors") == {"unknown_entry": True, "unknown_host": True,
                                            "not_a_process": True}


DRIVERS["exec"] = """
local v, e = process.exec("app:ret", "app:procs", {a = 1})
local v2, e2 = process.exec("app:fail", "app:procs", "exec boom")
return {value = v.a, err_nil = e == nil, v2_nil = v2 == nil,
        err2 = tostring(e2)}
"""


def test_exec_returns_result_or_error(app):
    r = run(app, "app:exec")
    assert r["value"] == 1 and r["err_nil"] and r["v2_nil"]
    assert "exec boom" in r["err2"]


# ---------------------------------------------------------------------------
# messages

DRIVERS["order"] = """
local echo = process.spawn("app:echo", "app:procs")
for i = 1, 200 do process.send(echo, "n", i) end
process.send(echo, "n", "a", "b", "c")        -- several values: one message each
local got = {}
local inbox = process.inbox()
for _ = 1, 203 do table.insert(got, inbox:receive():payload():data()) end
process.send(echo, "stop")
return got
"""


def test_send_receive_order(app):
    assert run(app, "app:order") == list(range(1, 201)) + ["a", "b", "c"]


DRIVERS["copying"] = """
local echo = process.spawn("app:mutator", "app:procs")
local mine = {n = 1, list = {1, 2, 3}}
process.send(echo, "t", mine)
mine.after_send = true                        -- the receiver got a copy already
local back = process.inbox():receive():payload():data()
return {mine_n = mine.n, mine_len = #mine.list, mine_mut = mine.mutated == nil,
        back_n = back.n, back_len = #back.list, back_after = back.after_send == nil,
        fresh = back ~= mine}
"""

COMMON += """
  - name: mutator             # mutates what it receives, sends it back
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local m = process.inbox():receive()
        local t = m:payload():data()
        t.n = 99
        table.insert(t.list, 4)
        t.mutated = true
        process.send(m:from(), "back", t)
      end}
"""


def test_payload_is_copied(app):
    r = run(app, "app:copying")
    assert r == {"mine_n": 1, "mine_len": 3, "mine_mut": True, "back_n": 99, "back_len": 4,
                 "back_after": True, "fresh": True}


DRIVERS["bad_payloads"] = """
local pid = process.spawn("app:sleeper", "app:procs")
local out = {}
local ok, err = pcall(process.send, pid, "t", function() end)
out.func = not ok and tostring(err):find("function", 1, true) ~= nil
ok, err = pcall(process.send, pid, "t", channel.new(1))
out.chan = not ok
ok, err = pcall(process.send, pid, "t", {nested = {f = print}})
out.nested = not ok
process.send(pid, "done")
return out
"""


def test_sending_function_or_channel_is_an_error(app):
    assert run(app, "app:bad_payloads") == {"func": True, "chan": True, "nested": True}


DRIVERS["listen"] = """
local echo = process.spawn("app:echo", "app:procs")
local ch = process.listen("news")
local inbox = process.inbox()
local out = {}
process.send(echo, "news", "first")           -- echo sends it back on topic "news"
out.listened = ch:receive()                   -- a raw payload on the topic channel
process.send(echo, "other", "x")
out.other = inbox:receive():topic()           -- other topics still reach the inbox
out.unlisten = process.unlisten(ch)
local _, ok = ch:receive()
out.closed = ok == false
process.send(echo, "news", "second")          -- back to the inbox now
local m = inbox:receive()
out.inbox_topic, out.inbox_data = m:topic(), m:payload():data()
local mch = process.listen("msgs", {message = true})
process.send(echo, "msgs", 7)
local mm = mch:receive()
out.msg_mode = mm:topic() == "msgs" and mm:from() == echo and mm:payload():data() == 7
process.send(echo, "stop")
return out
"""


def test_listen_and_unlisten(app):
    assert run(app, "app:listen") == {"listened": "first", "other": "other", "unlisten": True,
                                      "closed": True, "inbox_topic": "news",
                                      "inbox_data": "second", "msg_mode": True}


# messages sent right after the spawn, before the child ran and subscribed,
# still reach its listener; other topics stay in the inbox, in order
DRIVERS["early_listener"] = """
local jobs = process.listen("job", {message = true})
local first, second = jobs:receive(), jobs:receive()
local inbox = process.inbox()
local a, b = inbox:receive(), inbox:receive()
return first:payload():data() .. second:payload():data() .. "|" .. a:topic() .. b:topic()
"""
DRIVERS["listen_early"] = """
local child = process.spawn_monitored("app:early_listener", "app:procs")
process.send(child, "note", 1)
process.send(child, "job", "a")
process.send(child, "memo", 2)
process.send(child, "job", "b")
return process.events():receive().result.value
"""


def test_messages_sent_before_listen_reach_the_listener(app):
    assert run(app, "app:listen_early") == "ab|notememo"


DRIVERS["send_errors"] = """
local out = {}
local ok, err = process.send("no_such_name", "t", 1)
out.unknown_name = ok == nil and err:kind() == errors.NOT_FOUND
local pid = process.spawn_monitored("app:ret", "app:procs", 0)
process.events():receive()                    -- it is gone
local dok, derr = process.send(pid, "t", 1)
out.dead_pid = dok == nil and derr:kind() == errors.NOT_FOUND
ok, err = process.send(pid, "@inbox", 1)
out.reserved_topic = ok == nil and err:kind() == errors.INVALID
return out
"""


def test_send_to_unknown_name_and_dead_pid(app):
    assert run(app, "app:send_errors") == {"unknown_name": True, "dead_pid": True,
                                           "reserved_topic": True}


# ---------------------------------------------------------------------------
# lifecycle: monitors, links, cancel, terminate

DRIVERS["monitors"] = """
local ev = process.events()
local ok_pid = process.spawn_monitored("app:ret", "app:procs", {x = 5})
local e1 = ev:receive()
local bad_pid = process.spawn_monitored("app:fail", "app:procs", "monitored boom")
local e2 = ev:receive()
-- monitor an already running process, then unmonitor another one
local s1 = process.spawn("app:sleeper", "app:procs")
local s2 = process.spawn("app:sleeper", "app:procs")
process.monitor(s1)
process.monitor(s2)
process.unmonitor(s2)
process.send(s2, "wake2")
process.send(s1, "wake1")
local e3 = ev:receive()
return {
  ok = e1.kind == process.event.EXIT and e1.from == ok_pid and e1.result.value.x == 5
    and e1.result.error == nil,
  bad = e2.kind == process.event.EXIT and e2.from == bad_pid and e2.result.value == nil
    and tostring(e2.result.error):find("monitored boom", 1, true) ~= nil,
  explicit = e3.from == s1 and e3.result.value == "wake1",
}
"""


def test_monitor_exit_events(app):
    assert run(app, "app:monitors") == {"ok": True, "bad": True, "explicit": True}


DRIVERS["link_trap"] = """
process.set_options({trap_links = true})
local ev = process.events()
local ok_pid = process.spawn_linked("app:ret", "app:procs", 1)   -- normal exit: no event
local bad = process.spawn_linked("app:fail", "app:procs", "link boom")
local e = ev:receive()
return {kind = e.kind, from_bad = e.from == bad,
        err = tostring(e.result.error), trap = process.get_options().trap_links}
"""


def test_link_down_with_trap_links(app):
    r = run(app, "app:link_trap")
    assert r["kind"] == "pid.link.down" and r["from_bad"] and r["trap"] is True
    assert "link boom" in r["err"]


DRIVERS["link_kill"] = """
-- a middle process linked to a failing child, without trap_links: it dies too
local ev = process.events()
local mid = process.spawn_monitored("app:linker", "app:procs", "app:fail")
local e = ev:receive()
local mid2 = process.spawn_monitored("app:linker", "app:procs", "app:ret")
local e2 = ev:receive()
return {killed = e.from == mid and e.result.error ~= nil, killed_value = e.result.value,
        survived = e2.from == mid2 and e2.result.error == nil, survived_value = e2.result.value}
"""

COMMON += """
  - name: linker              # links to a child, then waits a while
    kind: process.lua
    method: main
    modules: [time]
    source: |
      return {main = function(child)
        process.spawn_linked(child, "app:procs")
        time.sleep("300ms")
        return "outlived"
      end}
"""


def test_link_kills_partner_without_trap_but_not_on_normal_exit(app):
    r = run(app, "app:link_kill")
    assert r == {"killed": True, "survived": True, "survived_value": "outlived"}


DRIVERS["cancel"] = """
local ev = process.events()
local pid = process.spawn_monitored("app:canceled", "app:procs")
local ok = process.cancel(pid, "time to go")
local e = ev:receive()
local ok2, err2 = process.cancel("{app:procs|0xfffff}", "x")
return {ok = ok, value = e.result.value, missing = ok2 == nil and err2:kind() == errors.NOT_FOUND}
"""


def test_cancel_delivers_reason(app):
    assert run(app, "app:cancel") == {"ok": True, "value": "pid.cancel:time to go",
                                      "missing": True}


DRIVERS["terminate"] = """
local ev = process.events()
local blocked = process.spawn_monitored("app:sleeper", "app:procs")
local spin = process.spawn_monitored("app:spinner", "app:procs")
time.sleep("50ms")                            -- the spinner is spinning by now
local out = {}
out.t1 = process.terminate(blocked)
out.t2 = process.terminate(spin)
local seen = {}
for _ = 1, 2 do
  local e = ev:receive()
  seen[e.from] = e.result.error ~= nil and e.result.value == nil
end
out.blocked, out.spin = seen[blocked], seen[spin]
local ok, err = process.terminate(blocked)    -- gone now
out.again = ok == nil and err:kind() == errors.NOT_FOUND
return out
"""


def test_terminate_blocked_and_spinning_processes(app):
    assert run(app, "app:terminate") == {"t1": True, "t2": True, "blocked": True, "spin": True,
                                         "again": True}


DRIVERS["kill_unstarted"] = """
-- a linked child killed by our crash before it ever ran must still be cleaned up
local child = process.with_context({}):with_name("never_ran")
  :spawn_linked("app:sleeper", "app:procs")
error("parent crashes at once", 0)
"""


def test_killing_a_process_that_never_ran_releases_it(app):
    with pytest.raises(CallError, match="parent crashes at once"):
        run(app, "app:kill_unstarted")

    def check():
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "never_ran" in app.node.names:
            gevent.sleep(0.01)
        return "never_ran" in app.node.names, [p.eid for p in app.node.procs.values()]
    named, eids = run_in_hub(check)
    assert not named and "app:sleeper" not in eids


# ---------------------------------------------------------------------------
# names

DRIVERS["names"] = """
local out = {}
local reg = process.registry
out.register = reg.register("driver_name")
out.lookup = reg.lookup("driver_name") == process.pid()
out.idempotent = reg.register("driver_name") == true
local child = process.spawn_monitored("app:named_child", "app:procs", process.pid())
process.inbox():receive()                     -- the child holds "child_name" now
out.child_lookup = reg.lookup("child_name") == child
local ok, err = reg.register("child_name")
out.clash = ok == nil and err:kind() == errors.ALREADY_EXISTS
out.by_name = process.send("child_name", "go", 1) == true
process.events():receive()                    -- the child exited: its name is free
local pid, err2 = reg.lookup("child_name")
out.released = pid == nil and err2:kind() == errors.NOT_FOUND
out.reuse = reg.register("child_name") == true
out.unregister = reg.unregister("child_name") == true
out.unregister_again = reg.unregister("child_name") == false
out.gone = reg.lookup("child_name") == nil
return out
"""

COMMON += """
  - name: named_child
    kind: process.lua
    method: main
    source: |
      return {main = function(parent)
        process.registry.register("child_name")
        process.send(parent, "ready")
        return process.inbox():receive():topic()
      end}
"""


def test_registry_names(app):
    r = run(app, "app:names")
    assert r == dict.fromkeys(["register", "lookup", "idempotent", "child_lookup", "clash",
                               "by_name", "released", "reuse", "unregister",
                               "unregister_again", "gone"], True)


# ---------------------------------------------------------------------------
# process.service supervision

SERVICE = """
  - name: worker
    kind: process.lua
    method: main
    source: |
      return {main = function(mode)
        if mode == "fail" then error("service boom", 0) end
        return 0
      end}
  - name: svc
    kind: process.service
    process: worker
    host: procs
    input: [%s]
    lifecycle:
      auto_start: true
      restart: %s
"""


def _service_app(tmp_path, mode, restart):
    return App.open(write_project(tmp_path, SERVICE % (mode, restart)))


def _wait_service(app, pred, timeout):
    def body():
        svc = app.services.services["app:svc"]
        deadline = time.monotonic() + timeout
        while not pred(svc) and time.monotonic() < deadline:
            gevent.sleep(0.02)
        return svc
    return run_in_hub(body)


def test_service_that_returns_is_not_restarted(tmp_path):
    app = _service_app(tmp_path, "ok", "{initial_delay: 0.05, jitter: 0}")
    try:
        app.start()
        svc = _wait_service(app, lambda s: s.status == "completed", 30)
        assert svc.status == "completed"
        run_in_hub(lambda: gevent.sleep(0.5))
        assert svc.starts == 1 and len(svc.history) == 1 and svc.history[0][2] is None
    finally:
        app.stop(5)
        app.close()


def test_failing_service_restarts_with_growing_delays(tmp_path):
    app = _service_app(tmp_path, "fail", "{initial_delay: 0.05, backoff_factor: 2, jitter: 0, "
                                         "max_delay: 10s, max_attempts: 5}")
    try:
        app.start()
        svc = _wait_service(app, lambda s: s.status == "failed", 60)
        assert svc.status == "failed"
        run_in_hub(lambda: gevent.sleep(0.5))
        # max_attempts 5: five runs, four restarts, then it gives up
        assert svc.starts == 5 and len(svc.history) == 5
        assert all("service boom" in str(h[2]) for h in svc.history)
        gaps = [svc.history[i + 1][0] - svc.history[i][1] for i in range(4)]
        nominal = [0.05, 0.1, 0.2, 0.4]
        for g, n in zip(gaps, nominal):
            assert g >= n * 0.9, (gaps, nominal)        # never restarted early
        assert gaps[-1] > gaps[0] + 0.15, gaps           # and the delays grow
    finally:
        app.stop(5)
        app.close()


def test_service_stop_cancels_running_process(tmp_path):
    entries = """
  - name: worker
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local ev = process.events():receive()
        return 0
      end}
  - name: svc
    kind: process.service
    process: worker
    host: procs
    lifecycle: {auto_start: true, stop_timeout: 20s}
"""
    app = App.open(write_project(tmp_path, entries))
    try:
        app.start()
        svc = _wait_service(app, lambda s: s.status == "running" and s.pid in app.node.procs,
                            30)
        assert svc.status == "running"
        t = time.monotonic()
        app.stop(20)
        assert time.monotonic() - t < 10               # CANCEL ended it, no stop timeout
        assert svc.status == "stopped" and svc.starts == 1
        assert not app.node.procs
    finally:
        app.close()
