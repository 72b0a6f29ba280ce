"""Projects end to end: Lua entries, funcs, the registry module, runtime
changes, the allowlist, the CLI and wippyc build."""

import os
import subprocess
import sys

import pytest

from wippy.app import App, CallError

from .projects import project




BASIC = """
namespace: app
entries:
  - name: hello
    kind: function.lua
    source: file://hello.lua
    method: main
    modules: [json]
    imports:
      util: util
  - name: util
    kind: library.lua
    source: |
      local M = {}
      function M.greet(n) return "hello, " .. n end
      return M
  - name: caller
    kind: function.lua
    method: run
    modules: [funcs, registry, ctx]
    source: |
      local funcs = require("funcs")
      return {run = function(x)
        local r, err = funcs.call("app:hello", x)
        return r, err
      end,
      fail = function() end}
  - name: boom
    kind: function.lua
    method: main
    source: |
      return {main = function() error("kaboom") end}
  - name: soft
    kind: function.lua
    method: main
    source: |
      return {main = function() return nil, errors.new({message = "soft", kind = errors.NOT_FOUND}) end}
  - name: nomethod
    kind: function.lua
    source: |
      local a, b = ...
      return a + b
  - name: retfn
    kind: function.lua
    method: whatever
    source: |
      return function(x) return x * 2 end
  - name: missing
    kind: function.lua
    method: nope
    source: |
      return {main = function() end}
  - name: sandbox
    kind: function.lua
    method: main
    source: |
      return {main = function()
        local ok, err = pcall(require, "json")
        return type(load), type(dofile), type(io), type(debug), type(package),
               type(os.execute), type(collectgarbage), tostring(ok), tostring(err),
               type(errors), type(payload), type(process), type(os.time)
      end}
  - name: ctxread
    kind: function.lua
    method: main
    modules: [ctx, funcs]
    source: |
      local ctx = require("ctx")
      local funcs = require("funcs")
      return {main = function(nested)
        if nested then
          return ctx.get("user")
        end
        local ex = funcs.new():with_context({user = "ann"})
        return ex:call("app:ctxread", true)
      end}
"""

HELLO = """
local function main(name: string?): string
  return util.greet(name or "world") .. " " .. json.encode({1, 2})
end
return {main = main}
"""


@pytest.fixture
def app(tmp_path):
    root = project(tmp_path, BASIC, {"hello.lua": HELLO})
    a = App.open(root)
    yield a
    a.close()


def test_call_with_library_and_module(app):
    assert app.call("app:hello", "bob") == ("hello, bob [1,2]",)
    assert app.call("app:hello") == ("hello, world [1,2]",)


def test_funcs_call_and_errors(app):
    assert app.call("app:caller", "x") == ("hello, x [1,2]", None)
    with pytest.raises(CallError) as ei:
        app.call("app:boom")
    assert "[app:boom]:1: kaboom" in str(ei.value.error)


def test_callee_error_reaches_caller_as_value(tmp_path):
    root = project(tmp_path, BASIC + """
  - name: probe
    kind: function.lua
    method: main
    modules: [funcs]
    source: |
      local funcs = require("funcs")
      return {main = function()
        local r1, e1 = funcs.call("app:boom")
        local r2, e2 = funcs.call("app:soft")
        local r3, e3 = funcs.call("app:nothere")
        local r4, e4 = funcs.call("nocolon")
        return tostring(r1), tostring(e1), e2:kind(), e2:message(), e3:kind(), e4:kind()
      end}
""", {"hello.lua": HELLO})
    with _opened(root) as a:
        r = a.call("app:probe")
    assert r[0] == "nil"
    assert "kaboom" in r[1]
    assert r[2:] == ("NotFound", "soft", "NotFound", "Invalid")


class _opened:
    def __init__(self, root):
        self.app = App.open(root)

    def __enter__(self):
        return self.app

    def __exit__(self, *a):
        self.app.close()


def test_method_rules(app):
    assert app.call("app:nomethod", 2, 3) == (5,)
    assert app.call("app:retfn", 21) == (42,)
    with pytest.raises(CallError) as ei:
        app.call("app:missing")
    assert "method 'nope' not found in app:missing" in str(ei.value.error)
    with pytest.raises(CallError) as ei:
        app.call("app:util")
    assert "library.lua" in str(ei.value.error)


def test_sandbox_allowlist(app):
    r = app.call("app:sandbox")
    assert r[:7] == ("nil",) * 7
    assert r[7] == "false" and "module 'json' not found" in r[8]
    assert r[9:] == ("table", "table", "table", "function")


def test_context_propagates(app):
    assert app.call("app:ctxread") == ("ann",)


def test_runtime_changes_take_effect(app):
    # create, update and delete function entries from Lua through changesets
    src = """
      local registry = require("registry")
      local funcs = require("funcs")
      return {main = function(step)
        local snap = registry.snapshot()
        local ch = snap:changes()
        if step == "create" then
          ch:create({id = "app:dyn", kind = "function.lua",
                     data = {source = "return {main = function() return 1 end}", method = "main"}})
        elseif step == "update" then
          ch:update({id = "app:dyn", kind = "function.lua",
                     data = {source = "return {main = function() return 2 end}", method = "main"}})
        elseif step == "bad" then
          ch:update({id = "app:dyn", kind = "function.lua",
                     data = {source = "return {main = function() return 3 end}", method = "main"}})
          ch:create({id = "app:broken", kind = "function.lua",
                     data = {source = "return {main = function( end}", method = "main"}})
        elseif step == "delete" then
          ch:delete("app:dyn")
        end
        local v, err = ch:apply()
        if err then return nil, err end
        return v:id()
      end}
    """
    from wippy.registry import Entry
    app.registry.apply([("create", Entry("app:admin", "function.lua", {},
                                         {"source": src, "method": "main",
                                          "modules": ["registry", "funcs"]}))])
    base = app.registry.version
    assert app.call("app:admin", "create") == (base + 1,)
    assert app.call("app:dyn") == (1,)
    assert app.call("app:admin", "update") == (base + 2,)
    assert app.call("app:dyn") == (2,)
    # a changeset with a compile error is rejected as a whole
    r = app.call("app:admin", "bad")
    assert r[0] is None and "[app:broken]:1:" in str(r[1])
    assert app.call("app:dyn") == (2,)
    assert app.registry.get("app:broken") is None
    assert app.registry.version == base + 2
    assert app.call("app:admin", "delete") == (base + 3,)
    with pytest.raises(CallError) as ei:
        app.call("app:dyn")
    assert "not found" in str(ei.value.error)
    # rollback to the version where dyn returned 1
    app.registry.apply_version(base + 1)
    assert app.call("app:dyn") == (1,)


def test_registry_module(app):
    from wippy.registry import Entry
    src = """
      local registry = require("registry")
      return {main = function()
        local e = registry.get("app:hello")
        local found = registry.find({[".kind"] = "library.lua"})
        local nested = registry.find({meta = {command = "*"}})
        local id = registry.parse_id("a.b:c")
        local _, err = registry.get("app:none")
        local v = registry.current_version()
        local snap = registry.snapshot_at(v:id())
        return e.kind, e.data.method, #found, found[1].id, id.ns, id.name, err:kind(),
               v:id(), snap:get("app:util").kind, #registry.versions(), #registry.history()
      end}
    """
    app.registry.apply([("create", Entry("app:reg", "function.lua", {},
                                         {"source": src, "method": "main",
                                          "modules": ["registry"]}))])
    r = app.call("app:reg")
    assert r[:7] == ("function.lua", "main", 1, "app:util", "a.b", "c", "NotFound")
    assert r[7] == app.registry.version and r[8] == "library.lua"
    assert r[9] == r[10] == len(app.registry.versions())


def test_update_of_library_reaches_importers(app):
    from wippy.registry import Entry
    assert app.call("app:hello", "a") == ("hello, a [1,2]",)
    lib = app.registry.get("app:util")
    data = dict(lib.data, source="return {greet = function(n) return 'hi ' .. n end}")
    app.registry.apply([("update", Entry("app:util", "library.lua", lib.meta, data))])
    assert app.call("app:hello", "a") == ("hi a [1,2]",)


def run_cli(args, cwd, prog="wippy"):
    cmd = [sys.executable, "-c", "import sys; from wippy.cli import %s as m; sys.exit(m())"
           % ("main" if prog == "wippy" else "wippyc_main")] + args
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_cli_run_list_and_registry(tmp_path):
    idx = BASIC.replace("    source: file://hello.lua\n",
                        "    source: file://hello.lua\n    meta:\n      command: {name: hi, short: greets}\n")
    root = project(tmp_path, idx, {"hello.lua": HELLO})
    p = run_cli(["run", "-x", "app:hello", "cli"], root)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "hello, cli [1,2]\n"
    p = run_cli(["run", "-x", "app:boom"], root)
    assert p.returncode == 1 and "kaboom" in p.stderr and "Traceback" not in p.stderr
    p = run_cli(["run", "list"], root)
    assert "hi" in p.stdout and "greets" in p.stdout and "app:hello" in p.stdout
    p = run_cli(["run", "hi", "cmd"], root)
    assert p.stdout == "hello, cmd [1,2]\n"
    p = run_cli(["registry", "list", "-k", "library.*"], root)
    assert "app:util" in p.stdout and "app:hello" not in p.stdout
    p = run_cli(["registry", "show", "app:hello", "-f", "method"], root)
    assert p.stdout.strip() == "main"


def test_cli_init(tmp_path):
    p = run_cli(["init"], str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert "src: ./src" in (tmp_path / "wippy.lock").read_text()
    p = run_cli(["init"], str(tmp_path))
    assert p.returncode != 0


def test_wippyc_build_reports_errors(tmp_path):
    root = project(tmp_path, """
namespace: app
entries:
  - name: good
    kind: function.lua
    method: main
    source: file://good.lua
  - name: bad1
    kind: function.lua
    method: main
    source: file://bad1.lua
  - name: bad2
    kind: library.lua
    source: |
      local x = = 1
""", {"good.lua": "return {main = function() return 1 end}\n",
      "bad1.lua": "local a = 1\nreturn {main = function( end}\n"})
    p = run_cli(["build", root], root, prog="wippyc")
    assert p.returncode == 1
    assert "src/app/bad1.lua:2:" in p.stderr
    assert "[app:bad2]:1:" in p.stderr
    assert "Traceback" not in p.stderr


def test_run_after_build_compiles_nothing(tmp_path, monkeypatch):
    root = project(tmp_path, BASIC, {"hello.lua": HELLO})
    env = dict(os.environ)
    env.pop("WIPPY_CACHE_DIR", None)
    cmd = [sys.executable, "-c", "import sys; from wippy.cli import wippyc_main as m; "
           "sys.exit(m())", "build", "-q", root]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    monkeypatch.delenv("WIPPY_CACHE_DIR", raising=False)
    import wippy.compiler.chunk as chunk

    def no_compile(*a, **k):
        raise AssertionError("compiled after wippyc build")
    monkeypatch.setattr(chunk, "_generate", no_compile)
    a = App.open(root)
    try:
        assert a.call("app:hello", "c") == ("hello, c [1,2]",)
    finally:
        a.close()


def test_project_problems_block_boot(tmp_path):
    root = project(tmp_path, """
namespace: app
entries:
  - name: f
    kind: function.lua
    method: main
    source: file://nothere.lua
  - name: f
    kind: nosuch.kind
""")
    p = run_cli(["run", "-x", "app:f"], root)
    assert p.returncode == 1
    assert "nothere.lua" in p.stderr and "Traceback" not in p.stderr


ASYNC = BASIC + """
  - name: slow
    kind: function.lua
    method: main
    modules: [time]
    source: |
      local time = require("time")
      return {main = function(ms, v)
        time.sleep(ms * time.MILLISECOND)
        return v
      end}
  - name: futures
    kind: function.lua
    method: main
    modules: [funcs]
    source: |
      local funcs = require("funcs")
      return {main = function()
        local f = funcs.async("app:slow", 20, "done")
        local before = f:is_complete()
        local r0, e0 = f:result()
        local v, ok = f:channel():receive()
        local p = f:result()
        local g = funcs.async("app:boom")
        g:channel():receive()
        local _, gerr = g:result()
        local h = funcs.async("app:slow", 1000, "never")
        local c1 = h:cancel()
        local _, herr = h:result()
        local ex = funcs.new():with_options({timeout = 10})
        local _, terr = ex:call("app:slow", 500, "late")
        return tostring(before), tostring(r0), tostring(e0), v:data(), p:data(),
               gerr:kind() == "" and tostring(gerr):find("kaboom") ~= nil,
               tostring(c1), herr:kind(), h:is_canceled(), terr:kind()
      end}
  - name: printer
    kind: function.lua
    method: main
    source: |
      return {main = function()
        print("a", 1, nil, true)
      end}
"""


def test_async_futures_and_timeouts(tmp_path):
    root = project(tmp_path, ASYNC, {"hello.lua": HELLO})
    with _opened(root) as a:
        r = a.call("app:futures")
    from wippy.runtime.values import TRUE
    assert r == ("false", "nil", "nil", "done", "done", TRUE, "true", "Canceled", TRUE,
                 "Timeout")


def test_print_is_a_log_line_with_location(tmp_path):
    root = project(tmp_path, ASYNC, {"hello.lua": HELLO})
    seen = []
    with _opened(root) as a:
        a.print_hook = lambda eid, loc, msg: seen.append((eid, loc, msg))
        a.call("app:printer")
    assert seen == [("app:printer", "app:printer:2", "a\t1\tnil\ttrue")]


def test_handlers_see_interpolated_data_registry_keeps_raw(monkeypatch):
    from wippy.registry import Entry, KindHandler, ChangeRejected
    seen = []

    class Rec(KindHandler):
        kinds = ("test.kind",)

        def apply(self, op, old, new):
            if new is not None:
                seen.append(new.data)
    a = App(".")
    a.registry.add_handler(Rec())
    monkeypatch.setenv("WIPPY_T_ADDR", "127.0.0.1:9999")
    monkeypatch.setenv("WIPPY_T_RAW", "never seen")
    monkeypatch.delenv("WIPPY_T_MISSING", raising=False)
    # an OS value is reached only through a variable on an env.storage.os storage
    a.registry.apply([("create", Entry("t:os", "env.storage.os", {}, {})),
                      ("create", Entry("t:addr", "env.variable", {},
                                       {"variable": "WIPPY_T_ADDR", "storage": "t:os"}))])
    with pytest.raises(ChangeRejected):
        a.registry.apply([("create", Entry("t:raw", "test.kind", {},
                                           {"v": "${env:WIPPY_T_RAW}"}))])
    raw = {"addr": "${env:WIPPY_T_ADDR}", "n": "${WIPPY_T_N|5}", "mixed": "x-${WIPPY_T_N|5}",
           "src": "$${literal}"}
    a.registry.apply([("create", Entry("t:one", "test.kind", {}, raw))])
    assert seen[-1] == {"addr": "127.0.0.1:9999", "n": 5, "mixed": "x-5", "src": "${literal}"}
    assert a.registry.get("t:one").data == raw
    with pytest.raises(ChangeRejected) as ei:
        a.registry.apply([("create", Entry("t:two", "test.kind", {},
                                           {"v": "${env:WIPPY_T_MISSING}"}))])
    assert "WIPPY_T_MISSING" in str(ei.value)
    assert a.registry.get("t:two") is None
