"""Function calls are short-lived processes, and ``wippy run -x`` runs an
entry inside the whole runtime: request/reply between a function and a
long-lived process, background ``coroutine.spawn`` work that outlives the
call, command names, exit statuses, and the process details apps rely on
(spawn arguments, early messages, name registration, the runtime-wide
event bus, Ctrl+C while reading input)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from wippy.app import App, CallError
from wippy.convert import to_python
from wippy.runtime.values import TRUE

from .projects import project

INDEX = """\
version: "1.0"
namespace: app
entries:
  - {name: procs, kind: process.host}
  - {name: term, kind: terminal.host}

  # a long-lived process answering get_cart with its items
  - name: cart
    kind: process.lua
    method: main
    modules: [time]
    source: |
      return {main = function()
        process.registry.register("cart")
        local items = {}
        local inbox = process.inbox()
        while true do
          local m = inbox:receive()
          local t, data = m:topic(), m:payload():data()
          if t == "add" then table.insert(items, data)
          elseif t == "get_cart" then process.send(m:from(), "cart", {items = items})
          end
        end
      end}
  - name: cart_service
    kind: process.service
    process: cart
    host: procs
    lifecycle: {auto_start: true, stop_timeout: 200ms}

  # never answers
  - name: silent
    kind: process.lua
    method: main
    source: |
      return {main = function()
        process.registry.register("silent")
        while true do process.inbox():receive() end
      end}
  - name: silent_service
    kind: process.service
    process: silent
    host: procs
    lifecycle: {auto_start: true, stop_timeout: 200ms}

  - name: ask
    kind: function.lua
    method: main
    modules: [time]
    source: |
      return {main = function(dest, add)
        if add then process.send("cart", "add", add) end
        process.send(dest or "cart", "get_cart", {})
        local inbox = process.inbox()
        local r = channel.select({inbox:case_receive(), time.after("300ms"):case_receive()})
        if r.channel ~= inbox then return nil, errors.new({kind = errors.TIMEOUT,
                                                           message = "no reply"}) end
        return r.value:payload():data()
      end}

  - name: pids
    kind: function.lua
    method: main
    source: |
      return {main = function()
        local co = coroutine.wrap(function() return process.pid() end)
        return {me = process.pid(), co = co()}
      end}

  - name: background
    kind: function.lua
    method: main
    modules: [time]
    source: |
      return {main = function(word, fail)
        coroutine.spawn(function()
          time.sleep("100ms")
          if fail then error("background boom") end
          process.send("cart", "add", word)
        end)
        return "accepted"
      end}

  - name: count
    kind: function.lua
    method: main
    meta:
      command: {name: count, short: counts the words}
    modules: [io]
    source: |
      return {main = function()
        local a = io.args()
        return {n = #a, first = a[1]}
      end}

  - name: status
    kind: process.lua
    method: main
    meta:
      command: {name: status}
    source: |
      return {main = function(code) return tonumber(code) end}

  - name: cli_cart
    kind: function.lua
    method: main
    source: |
      return {main = function(item)
        return funcs.new():call("app:ask", nil, item)
      end}
    modules: [funcs]

  - name: reader
    kind: process.lua
    method: main
    modules: [io]
    source: |
      return {main = function()
        io.print("ready")
        local line = io.readline()
        io.print("got", line)
        return 0
      end}

  - name: raw_reader
    kind: process.lua
    method: main
    modules: [io]
    source: |
      return {main = function()
        io.print("ready")
        local data = io.read(5)
        io.print("got", data)
        return 0
      end}

  - name: failing
    kind: function.lua
    method: main
    source: |
      return {main = function()
        return nil, errors.new({kind = errors.INVALID, message = "no such order"})
      end}
  - name: bytes
    kind: function.lua
    method: main
    source: |
      return {main = function() return "a\\255b", "plain" end}

  - name: spawner
    kind: process.lua
    method: main
    modules: [time]
    source: |
      return {main = function()
        -- arguments become parameters; a message sent before the child
        -- asks for its inbox is queued
        local pid = process.spawn("app:child", "app:procs", "a", 2)
        process.send(pid, "early", "first")
        local m = process.inbox():receive()
        return m:payload():data()
      end}
  - name: child
    kind: process.lua
    method: main
    modules: [time]
    source: |
      return {main = function(parent_word, n)
        time.sleep("50ms")
        local m = process.inbox():receive()
        process.send(m:from(), "back", parent_word .. n .. m:payload():data())
      end}

  - name: fails_softly          # `return nil, err`: an abnormal exit
    kind: process.lua
    method: main
    source: |
      return {main = function(msg)
        return nil, errors.new({kind = errors.INVALID, message = msg or "soft failure"})
      end}
  - name: watcher
    kind: process.lua
    method: main
    source: |
      return {main = function()
        process.spawn_monitored("app:fails_softly", "app:procs", "bad input")
        local ev = process.events():receive()
        return ev.kind .. "|" .. tostring(ev.result.error) .. "|" .. tostring(ev.result.value)
      end}

  - name: co_sender           # sends and calls from inside a Lua coroutine
    kind: process.lua
    method: main
    modules: [funcs]
    source: |
      return {main = function()
        local co = coroutine.wrap(function()
          process.send(process.pid(), "self", 1)
          return funcs.new():with_context({who = "ctx-kept"}):call("app:ctx_in_co")
        end)
        local r = co()
        local m = process.inbox():receive()
        return tostring(m:from() == process.pid()) .. "," .. tostring(r)
      end}
  - name: ctx_in_co
    kind: function.lua
    method: main
    modules: [ctx, funcs]
    source: |
      return {main = function()
        local co = coroutine.wrap(function()
          return funcs.call("app:ctx_echo")
        end)
        return co()
      end}
  - name: ctx_echo
    kind: function.lua
    method: main
    modules: [ctx]
    source: |
      return {main = function() return ctx.get("who") end}

  - name: names
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local out = {}
        out[1] = tostring(process.registry.register("me"))
        out[2] = tostring(process.registry.register("me"))
        local ok, err = process.registry.register("cart")
        out[3] = tostring(ok) .. " " .. tostring(err and err:kind())
        out[4] = tostring(process.registry.lookup("me") == process.pid())
        return table.concat(out, ",")
      end}

  - name: listener
    kind: process.lua
    method: main
    modules: [events]
    source: |
      return {main = function()
        local sub = events.subscribe("shop.*", "order.*")
        process.send("cart", "add", "subscribed")
        local ev = sub:channel():receive()
        return ev.system .. "|" .. ev.kind .. "|" .. ev.path .. "|" .. ev.data.id
      end}
  - name: gw
    kind: http.service
    addr: "127.0.0.1:0"
    lifecycle: {auto_start: true}
  - {name: api, kind: http.router, meta: {server: gw}, prefix: /api}
  - {name: ep_cart, kind: http.endpoint, meta: {router: api}, method: GET, path: /cart,
     func: h_cart}
  - {name: ep_bg, kind: http.endpoint, meta: {router: api}, method: POST, path: /bg,
     func: h_bg}
  - name: h_cart
    kind: function.lua
    method: main
    modules: [http, time]
    source: |
      local function ask(dest)
        process.send(dest, "get_cart", {})
        local inbox = process.inbox()
        local r = channel.select({inbox:case_receive(), time.after("300ms"):case_receive()})
        if r.channel ~= inbox then return nil end
        return r.value:payload():data()
      end
      return {main = function()
        local res = http.response()
        local dest = http.request():query("to") or "cart"
        local cart = ask(dest)
        if not cart then
          res:set_status(504)
          return res:write_json({error = "no reply"})
        end
        res:write_json(cart)
      end}
  - name: h_bg
    kind: function.lua
    method: main
    modules: [http, time]
    source: |
      return {main = function()
        local res = http.response()
        coroutine.spawn(function()
          time.sleep("200ms")
          process.send("cart", "add", "from-bg")
        end)
        res:set_status(202)
        res:write_json({accepted = true})
      end}
  - name: emitter
    kind: function.lua
    method: main
    modules: [events]
    source: |
      return {main = function()
        return events.send("shop.orders", "order.created", "/orders/7", {id = 7})
      end}
"""


@pytest.fixture
def app(tmp_path):
    a = App.open(project(tmp_path, INDEX))
    a.start()
    yield a
    a.stop(timeout=2)
    a.close()


def data(v):
    return to_python(v)


def test_function_has_its_own_pid_shared_with_its_coroutines(app):
    r = data(app.call("app:pids")[0])
    assert r["me"] == r["co"]
    assert r["me"].startswith("{") and r["me"].endswith("}")
    r2 = data(app.call("app:pids")[0])
    assert r2["me"] != r["me"]          # every call is a process of its own


def test_request_reply_between_function_and_process(app):
    r = data(app.call("app:ask", None, "apple")[0])
    assert r == {"items": ["apple"]}


def test_reply_that_never_comes_is_a_timeout_value(app):
    t0 = time.monotonic()
    r = app.call("app:ask", "silent")
    assert r[0] is None and r[1].kind == "Timeout"
    assert time.monotonic() - t0 < 5


def test_function_pid_is_released_after_the_call(app):
    before = set(app.node.procs)
    app.call("app:pids")
    assert set(app.node.procs) == before


def test_background_work_outlives_the_call(app):
    t0 = time.monotonic()
    assert app.call("app:background", "late")[0] == "accepted"
    assert time.monotonic() - t0 < 0.1 + 0.5       # returned before the work ran
    assert "late" not in data(app.call("app:ask")[0])["items"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        r = data(app.call("app:ask")[0])
        if "late" in r["items"]:
            break
        time.sleep(0.05)
    assert "late" in r["items"]


def test_background_failure_is_logged_with_traceback(app, caplog):
    import logging
    with caplog.at_level(logging.ERROR, logger="wippy"):
        assert app.call("app:background", "x", TRUE)[0] == "accepted"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and "background boom" not in caplog.text:
            time.sleep(0.05)
    assert "background boom" in caplog.text
    assert "[app:background]:4: background boom" in caplog.text
    assert "stack traceback:\n\t[app:background]:4: in function" in caplog.text
    # nothing else was harmed
    assert data(app.call("app:ask")[0])["items"] is not None


def test_background_work_is_cancelled_at_shutdown(tmp_path):
    a = App.open(project(tmp_path, INDEX))
    a.start()
    a.call("app:background", "never")
    t0 = time.monotonic()
    a.stop(timeout=2)
    a.close()
    assert time.monotonic() - t0 < 3
    assert not a.node.procs


def test_spawn_arguments_and_early_messages(app):
    assert app.run_process_main("app:spawner", []) == ("a2first",)


def test_registry_register_semantics(app):
    r = app.run_process_main("app:names", [])[0]
    assert r == "true,true,nil AlreadyExists,true"


def test_event_bus_is_runtime_wide(app):
    import gevent
    from wippy.app import run_in_hub
    out = {}

    def listen():
        out["r"] = app.run_process_main("app:listener", [])

    import threading
    th = threading.Thread(target=listen)
    th.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if "subscribed" in data(app.call("app:ask")[0])["items"]:
            break
        time.sleep(0.05)
    app.call("app:emitter")
    th.join(5)
    assert out["r"] == ("shop.orders|order.created|/orders/7|7",)


# -- wippy run -x / commands (subprocess) ------------------------------------

def wippy(root, *args, input=None, timeout=60):
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run([sys.executable, "-m", "wippy", "run", "-C", root] + list(args),
                          capture_output=True, text=True, input=input, timeout=timeout, env=env)


def test_x_boots_the_runtime_services_first(tmp_path):
    root = project(tmp_path, INDEX)
    r = wippy(root, "-x", "app:cli_cart", "pear")
    assert r.returncode == 0, r.stderr
    assert r.stdout == '{"items": ["pear"]}\n'


def test_x_by_command_name_and_run_name_with_args(tmp_path):
    root = project(tmp_path, INDEX)
    r = wippy(root, "-x", "count", "a", "b")
    assert r.returncode == 0, r.stderr
    assert r.stdout == '{"first": "a", "n": 2}\n'
    r = wippy(root, "count", "x", "y", "z")
    assert r.returncode == 0, r.stderr
    assert r.stdout == '{"first": "x", "n": 3}\n'


def test_process_result_is_the_exit_status(tmp_path):
    root = project(tmp_path, INDEX)
    r = wippy(root, "status", "7")
    assert r.returncode == 7 and r.stdout == ""
    r = wippy(root, "-x", "app:status", "0")
    assert r.returncode == 0 and r.stdout == ""


def test_unknown_entry_lists_commands(tmp_path):
    root = project(tmp_path, INDEX)
    for args in (["-x", "nope"], ["nope"], ["-x", "app:nope"]):
        r = wippy(root, *args)
        assert r.returncode != 0
        assert "nope" in r.stderr
        assert "count" in r.stderr and "status" in r.stderr
        assert "Traceback" not in r.stderr


def test_x_runs_on_the_host_given_and_only_on_a_terminal_host(tmp_path):
    root = project(tmp_path, INDEX)
    r = wippy(root, "-x", "app:count", "--host", "app:term", "w")
    assert r.returncode == 0, r.stderr
    assert r.stdout == '{"first": "w", "n": 1}\n'
    for host in ("app:procs", "app:nope"):
        r = wippy(root, "-x", "app:count", "--host", host)
        assert r.returncode == 1 and r.stdout == ""
        assert r.stderr == ("wippy: --host %s is not a terminal.host (terminal hosts: "
                            "app:term)\n" % host)


def test_x_serves_http_while_the_entry_runs(tmp_path):
    """-x starts the HTTP servers too: a request reaches a handler while
    the program waits for its input."""
    import socket
    import urllib.request
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    root = project(tmp_path, INDEX)
    p = subprocess.Popen([sys.executable, "-m", "wippy", "run", "-C", root, "-x", "app:reader",
                          "-o", "app:gw:addr=127.0.0.1:%d" % port],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"ready\n"
        with urllib.request.urlopen("http://127.0.0.1:%d/api/cart" % port, timeout=10) as r:
            assert r.status == 200 and r.read() == b'{"items":[]}'
        out, err = p.communicate(b"done\n", timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, err
    assert out == b"got\tdone\n" and err == b""


def test_x_function_results_as_they_are_and_nil_err_fails(tmp_path):
    root = project(tmp_path, INDEX)
    r = subprocess.run([sys.executable, "-m", "wippy", "run", "-C", root, "-x", "app:bytes"],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"a\xffb\nplain\n"            # a string's bytes, unchanged
    r = wippy(root, "-x", "app:failing")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == "error: no such order\n"


def test_project_without_lock_runs_with_the_defaults(tmp_path):
    root = project(tmp_path, INDEX)
    os.unlink(os.path.join(root, "wippy.lock"))
    r = wippy(root, "count", "a")
    assert r.returncode == 0, r.stderr
    assert r.stdout == '{"first": "a", "n": 1}\n' and r.stderr == ""
    r = wippy(root, "-x", "app:cli_cart", "fig")      # the services boot as well
    assert r.returncode == 0, r.stderr
    assert r.stdout == '{"items": ["fig"]}\n'


@pytest.mark.parametrize("reader", ["app:reader", "app:raw_reader"])
def test_readline_does_not_block_other_processes(app, reader):
    """A terminal process waiting for input (io.readline, io.read) leaves
    the services running."""
    r, w = os.pipe()
    rf, wf = os.fdopen(r, "rb", 0), os.fdopen(w, "wb", 0)
    import io
    out = io.BytesIO()
    from wippy.process import Host
    h = Host("app:t2", "terminal.host", rf, out, out)
    app.node.hosts["app:t2"] = h
    import threading
    res = {}
    th = threading.Thread(target=lambda: res.setdefault("r", app.run_process_main(
        reader, [], "app:t2")))
    th.start()
    deadline = time.monotonic() + 5
    while b"ready" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    # the cart service answers while the reader waits for its line
    assert data(app.call("app:ask", None, "during")[0])["items"] == ["during"]
    wf.write(b"hello\n")
    th.join(5)
    assert res["r"] == (0,)
    assert b"got\thello" in out.getvalue()


def test_ctrl_c_while_reading_input_exits_cleanly(tmp_path):
    root = project(tmp_path, INDEX)
    env = dict(os.environ)
    p = subprocess.Popen([sys.executable, "-m", "wippy", "run", "-C", root, "-x", "app:reader"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    line = p.stdout.readline()
    assert line == b"ready\n"
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        raise
    assert p.returncode == 130
    assert b"Traceback" not in err


def http_get(app, method, path):
    import http.client
    host, port = app.http.address("app:gw")
    c = http.client.HTTPConnection(host, port, timeout=10)
    try:
        c.request(method, path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def test_http_handler_talks_to_a_process(app):
    import json
    app.call("app:ask", None, "kiwi")
    st, body = http_get(app, "GET", "/api/cart")
    assert st == 200 and json.loads(body) == {"items": ["kiwi"]}
    t0 = time.monotonic()
    st, body = http_get(app, "GET", "/api/cart?to=silent")
    assert st == 504 and json.loads(body) == {"error": "no reply"}
    assert time.monotonic() - t0 < 5


def test_http_202_with_background_work(app):
    import json
    t0 = time.monotonic()
    st, body = http_get(app, "POST", "/api/bg")
    assert st == 202 and json.loads(body) == {"accepted": True}
    assert time.monotonic() - t0 < 0.2 + 1.0
    assert "from-bg" not in data(app.call("app:ask")[0])["items"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if "from-bg" in data(app.call("app:ask")[0])["items"]:
            break
        time.sleep(0.05)
    assert "from-bg" in data(app.call("app:ask")[0])["items"]


def test_process_returning_nil_err_exits_abnormally(app, tmp_path):
    r = app.run_process_main("app:watcher", [])[0]
    assert r.startswith("pid.exit|") and "bad input" in r and r.endswith("|nil")
    with pytest.raises(CallError) as ei:
        app.run_process_main("app:fails_softly", [])
    assert "soft failure" in str(ei.value.error)
    root = project(tmp_path / "p", INDEX)
    res = wippy(root, "-x", "app:fails_softly")
    assert res.returncode == 1 and "soft failure" in res.stderr and res.stdout == ""


def test_sends_and_calls_from_a_lua_coroutine_keep_sender_and_context(app):
    assert app.run_process_main("app:co_sender", []) == ("true,ctx-kept",)
