"""The actor runtime's lean paths (issue 5's speed and memory figures) keep
every documented behaviour: process isolation of the library tables (also
through aliases and nested tables), the globals an entry can reach, the
spawn run queue (order, kills before the start, blocking processes), the
channel wait queues (short lists, long deques, reused waiting objects) and
the fast path of ``process.send``."""

import textwrap

import gevent
import pytest

from wippy.app import run_in_hub
from wippy.channel import Channel, Case, select_py, _LONGQ
from wippy.runtime.values import TRUE, FALSE

from .projects import opened, run_main as run

HEAD = """\
namespace: app
entries:
  - {name: procs, kind: process.host}
  - name: lib
    kind: library.lua
    source: |
      return {twice = function(x) return 2 * x end}
"""


def proc(name, body, modules=(), imports=None):
    src = textwrap.dedent(body)
    out = "\n  - name: %s\n    kind: process.lua\n    method: main\n" % name
    if modules:
        out += "    modules: [%s]\n" % ", ".join(modules)
    if imports:
        out += "    imports: {%s}\n" % ", ".join("%s: %s" % kv for kv in imports.items())
    return out + "    source: |\n" + textwrap.indent(src, "      ")


ENTRIES = [
    # writes to its library tables, directly, through an alias and nested
    proc("writer", """
        return {main = function()
          local s = string
          string.foo = "mine"
          s.bar = "alias"
          string.format = function() return "patched" end
          process.event.MINE = "x"
          table.insert = nil
          return string.format("%d", 1) .. "," .. s.bar .. "," .. string.foo
        end}
        """),
    # reports what it sees of the same tables
    proc("reader", """
        return {main = function()
          local s = string
          return {foo = tostring(string.foo), bar = tostring(s.bar),
                  fmt = string.format("%d", 7), mine = tostring(process.event.MINE),
                  insert = type(table.insert)}
        end}
        """),
    # names _G: every global is there
    proc("globals", """
        return {main = function()
          local names = {}
          for k in pairs(_G) do names[#names + 1] = k end
          table.sort(names)
          return {names = table.concat(names, ","), same = _G._G == _G,
                  math = rawget(_G, "math") == math, env = _ENV == _G}
        end}
        """),
    # names _ENV only
    proc("env", """
        return {main = function()
          local lib = _ENV["str" .. "ing"]
          return lib.len("abc") + #_ENV.tostring(12)
        end}
        """),
    # an import it names through require, one it names directly
    proc("imports_req", """
        return {main = function() return require("lib").twice(21) end}
        """, imports={"lib": "app:lib"}),
    proc("imports_direct", """
        return {main = function() return lib.twice(4) end}
        """, imports={"lib": "app:lib"}),
    proc("ret", """
        return {main = function(v) return v end}
        """),
    proc("blocker", """
        return {main = function() return process.inbox():receive():topic() end}
        """),
    proc("reporter", """
        return {main = function(parent, i) process.send(parent, "started", i) end}
        """),
    # a burst of spawns: they start in order, a blocked one does not hold
    # the others back, one killed before it ran exits Canceled
    proc("burst", """
        return {main = function(n)
          local me = process.pid()
          local inbox = process.inbox()
          local ev = process.events()
          local blocker = process.spawn_monitored("app:blocker", "app:procs")
          for i = 1, n do process.spawn("app:reporter", "app:procs", me, i) end
          local doomed = process.spawn_monitored("app:ret", "app:procs", "never")
          process.terminate(doomed)
          local order = {}
          for i = 1, n do order[i] = inbox:receive():payload():data() end
          local e = ev:receive()
          local killed = e.from == doomed and e.result.error ~= nil
            and e.result.value == nil
          process.send(blocker, "wake")
          e = ev:receive()
          local woke = e.from == blocker and e.result.value == "wake"
          local inorder = true
          for i = 1, n do inorder = inorder and order[i] == i end
          return {inorder = inorder, killed = killed, woke = woke,
                  kind = tostring(e.kind)}
        end}
        """),
    proc("waiting_writer", """
        return {main = function(parent)
          local s = string
          string.foo = "mine"
          s.bar = "alias"
          string.format = function() return "patched" end
          process.event.MINE = "x"
          table.insert = nil
          process.send(parent, "written", true)
          process.inbox():receive()
          return string.format("%d", 1) .. "," .. s.bar .. "," .. string.foo
        end}
        """),
    proc("concurrent", """
        return {main = function()
          local inbox = process.inbox()
          local ev = process.events()
          local w = process.spawn_monitored("app:waiting_writer", "app:procs", process.pid())
          inbox:receive()
          local r = process.spawn_monitored("app:reader", "app:procs")
          local e = ev:receive()
          local out = {reader = e.result.value}
          process.send(w, "go")
          e = ev:receive()
          out.writer = e.result.value
          return out
        end}
        """),
    # process.send: the fast path and the others give the same results
    proc("sends", """
        return {main = function()
          local me = process.pid()
          local inbox = process.inbox()
          local out = {}
          out.one = process.send(me, "t", {a = 1})
          local m = inbox:receive()
          out.copied = m:topic() == "t" and m:from() == me and m:payload():data().a == 1
          out.none = process.send(me, "empty")
          m = inbox:receive()
          out.none_data = m:payload():data() == nil
          process.send(me, "two", 1, 2)
          out.two = inbox:receive():payload():data() + inbox:receive():payload():data()
          local ok, err = process.send(me, "@bad", 1)
          out.bad_topic = ok == nil and err ~= nil
          ok, err = process.send("{nohost|0x99999}", "t", 1)
          out.dead = ok == nil and err ~= nil
          ok, err = process.send("no-such-name", "t", 1)
          out.unknown = ok == nil and err ~= nil
          local ok2, e2 = pcall(process.send, me, "f", function() end)
          out.func = not ok2
          process.registry.register("footprint-self")
          process.send("footprint-self", "byname", 5)
          out.byname = inbox:receive():payload():data() == 5
          return out
        end}
        """),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    yield from opened(tmp_path_factory, "footprint", HEAD + "".join(ENTRIES))




# ---------------------------------------------------------------------------
# isolation of the library tables


def test_library_writes_stay_in_their_process(app):
    clean = run(app, "app:reader")
    assert run(app, "app:writer") == "patched,alias,mine"
    assert run(app, "app:reader") == clean == {
        "foo": "nil", "bar": "nil", "fmt": "7", "mine": "nil", "insert": "function"}


def test_library_writes_of_one_process_while_another_runs(app):
    # the writer has written and is blocked when the reader runs
    assert run(app, "app:concurrent") == {
        "reader": {"foo": "nil", "bar": "nil", "fmt": "7", "mine": "nil",
                   "insert": "function"},
        "writer": "patched,alias,mine"}


# ---------------------------------------------------------------------------
# the globals an instance gets


def test_naming_G_gives_every_global(app):
    r = run(app, "app:globals")
    names = set(r["names"].split(","))
    assert {"string", "table", "math", "os", "utf8", "coroutine", "process", "channel",
            "errors", "payload", "print", "pairs", "require", "_G", "_VERSION"} <= names
    assert r["same"] is True and r["math"] is True and r["env"] is True


def test_naming_ENV_reaches_globals_by_computed_name(app):
    assert run(app, "app:env") == 5


def test_imports_reached_by_require_or_by_name(app):
    assert run(app, "app:imports_req") == 42
    assert run(app, "app:imports_direct") == 8


def test_an_instance_holds_only_what_its_code_names(app):
    lua = app.lua
    ce = lua.compiled["app:blocker"]
    G = lua.new_globals(ce)
    assert set(G) == {"process"}
    assert G["process"] is not lua.new_globals(ce)["process"]       # a copy each
    # nested tables of a library are copied too
    assert G["process"]["event"] is not ce.gtmpl["process"]["event"]
    ce = lua.compiled["app:globals"]
    G = lua.new_globals(ce)
    assert G["_G"] is G and {"string", "process", "print"} <= set(G)


def test_module_globals_hold_only_the_helpers_the_code_names(app):
    from wippy.luaentry import _HELPERS
    inst = app.lua.new_instance_for("app:ret", ("process.lua",))
    g = inst.fn.__globals__
    assert g["_ENV_"] is inst.G
    assert len(g) < len(_HELPERS)


# ---------------------------------------------------------------------------
# spawning


def test_spawn_burst_order_kill_before_start_and_blocking(app):
    r = run(app, "app:burst", 300)
    assert r == {"inorder": True, "killed": True, "woke": True, "kind": "pid.exit"}
    assert not app.node._pending


def test_terminate_before_start_from_python(app):
    def body():
        node = app.node
        pid = node.spawn("app:blocker", "app:procs", ())
        p = node.procs[pid]
        node.terminate(pid)          # not started yet: it exits at once
        assert p.exited and not p.started
        gevent.sleep(0.01)
        return p.started, p.error is not None, pid in node.procs
    assert run_in_hub(body) == (False, True, False)


def test_process_send_paths(app):
    assert run(app, "app:sends") == {
        "one": True, "copied": True, "none": True, "none_data": True, "two": 3,
        "bad_topic": True, "dead": True, "unknown": True, "func": True, "byname": True}


# ---------------------------------------------------------------------------
# channel wait queues


def _in_hub(fn):
    return run_in_hub(fn)


def test_many_receivers_keep_fifo_order_past_the_list_size():
    def body():
        ch = Channel(0)
        n = _LONGQ * 3
        got = []

        def recv(i):
            v, ok = ch.receive_py()
            got.append((i, v, ok))
        gs = [gevent.spawn(recv, i) for i in range(n)]
        gevent.sleep(0)
        assert len(ch.recvq) == n and type(ch.recvq) is not list
        for i in range(n - 5):
            ch.send_py(i)
        ch.close()
        gevent.joinall(gs)
        return got
    got = _in_hub(body)
    n = _LONGQ * 3
    assert [(i, v) for i, v, ok in got[:n - 5]] == [(i, i) for i in range(n - 5)]
    assert all(ok is TRUE for _, _, ok in got[:n - 5])
    assert all(v is None and ok is FALSE for _, v, ok in got[n - 5:])


def test_many_senders_keep_fifo_order():
    def body():
        ch = Channel(0)
        n = _LONGQ * 2 + 3
        gs = [gevent.spawn(ch.send_py, i) for i in range(n)]
        gevent.sleep(0)
        out = [ch.receive_py()[0] for _ in range(n)]
        gevent.joinall(gs)
        return out, len(ch.sendq)
    out, left = _in_hub(body)
    assert out == list(range(_LONGQ * 2 + 3)) and left == 0


def test_reused_receive_waiter_after_kill_select_and_close():
    def body():
        from wippy.channel import _lua_receive
        ch = Channel(0)
        res = []

        def r():
            res.append(_lua_receive(ch))
        # a normal receive leaves its waiting object for the next one
        g = gevent.spawn(r)
        gevent.sleep(0)
        ch.send_py(1)
        g.join()
        spare = ch.spare
        assert spare is not None
        # a receiver killed while waiting is unqueued; the channel still works
        g = gevent.spawn(r)
        gevent.sleep(0)
        assert ch.spare is None and len(ch.recvq) == 1
        g.kill()
        assert not ch.recvq
        g = gevent.spawn(r)
        gevent.sleep(0)
        ch.send_py(2)
        g.join()
        # a select on the same channel, then a receive again
        other = Channel(0)
        sel = gevent.spawn(select_py, [Case(ch, False), Case(other, False)])
        gevent.sleep(0)
        ch.send_py(3)
        sel.join()
        g = gevent.spawn(r)
        gevent.sleep(0)
        ch.close()
        g.join()
        return res, sel.value, len(other.recvq)
    res, selv, left = _in_hub(body)
    assert res == [(1, TRUE), (2, TRUE), (None, FALSE)]
    assert selv == (0, 3, TRUE) and left == 0


def test_woken_receiver_ignores_a_stray_switch():
    # a greenlet switched to by something else while it waits keeps waiting
    def body():
        ch = Channel(0)
        out = []

        def r():
            out.append(ch.receive_py())
        g = gevent.spawn(r)
        gevent.sleep(0)
        gevent.get_hub().loop.run_callback(g.switch, "stray")
        gevent.sleep(0)
        assert not out and len(ch.recvq) == 1
        ch.send_py("real")
        g.join()
        return out
    assert _in_hub(body) == [("real", TRUE)]


def test_spawn_burst_with_runners_giving_up_their_slice_at_once(app, monkeypatch):
    # every runner stops after one process: the callbacks left over start
    # the rest, nothing is lost or run twice
    import wippy.process as wp
    monkeypatch.setattr(wp, "SLICE", -1.0)
    r = run(app, "app:burst", 50)
    assert r == {"inorder": True, "killed": True, "woke": True, "kind": "pid.exit"}
    assert not app.node._pending


def test_a_channel_that_was_received_from_is_freed_without_the_cycle_collector():
    import gc
    import weakref

    def body():
        ch = Channel(0)
        g = gevent.spawn(ch.receive_py)
        gevent.sleep(0)
        ch.send_py(1)
        g.join()
        assert ch.spare is not None and ch.spare.chan is None
        wr = weakref.ref(ch)
        gc.disable()
        try:
            del ch, g
            return wr() is None
        finally:
            gc.enable()
    assert _in_hub(body)
