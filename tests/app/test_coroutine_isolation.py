"""Which Lua coroutine is running is a property of the greenlet that runs,
so processes interleaving on gevent each see their own: a process blocked
inside a coroutine does not make another process's main function look like
a coroutine, and a yield outside a coroutine fails in its own process
instead of resuming another one."""

import pytest

from .projects import opened, run_main

INDEX = """\
namespace: app
entries:
  - {name: procs, kind: process.host}
  - name: a
    kind: process.lua
    method: main
    source: |
      return {main = function(parent)
        local co = coroutine.create(function()
          local me, ismain = coroutine.running()
          process.send(parent, "inside", true)
          local msg = process.inbox():receive()
          return "a-done:" .. tostring(msg:payload():data()) .. ":" .. tostring(ismain)
        end)
        local ok, r = coroutine.resume(co)
        return r
      end}
  - name: b
    kind: process.lua
    method: main
    source: |
      return {main = function(yield_it)
        local co, ismain = coroutine.running()
        local r = {ismain = tostring(ismain), yieldable = tostring(coroutine.isyieldable()),
                   status = coroutine.status(co)}
        if yield_it then
          local ok, err = pcall(coroutine.yield, "yielded-by-b")
          r.yield_ok, r.yield_err = tostring(ok), tostring(err)
        end
        return r
      end}
  - name: driver
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local inbox = process.inbox()
        local ev = process.events()
        local a = process.spawn_monitored("app:a", "app:procs", process.pid())
        inbox:receive()                  -- a is blocked inside its coroutine
        process.spawn_monitored("app:b", "app:procs", true)
        local during = ev:receive().result.value
        process.send(a, "go", "msg")
        local ea = ev:receive()
        return {during = during, a_from = ea.from == a, a_result = tostring(ea.result.value)}
      end}
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    yield from opened(tmp_path_factory, "coiso", INDEX)


def test_a_process_inside_a_coroutine_does_not_leak_into_another(app):
    r = run_main(app, "app:driver", timeout=30)
    during = r["during"]
    assert during["ismain"] == "true" and during["yieldable"] == "false"
    assert during["status"] == "running"
    assert during["yield_ok"] == "false"
    assert "outside a coroutine" in during["yield_err"]
    assert r["a_from"] is True and r["a_result"] == "a-done:msg:false"
