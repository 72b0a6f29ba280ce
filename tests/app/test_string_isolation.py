"""Strings share one metatable across the runtime, so an entry must not be
able to change it: its ``__index`` table is frozen.  An instance's own
``string`` table is a copy it may change, its additions work as methods
(``s:shout()`` after ``string.shout = f``) and nothing of it reaches another
process; ``string(x)`` (Wippy's cast) works on the copy."""

import pytest

from .projects import opened, run_main as run

INDEX = """\
namespace: app
entries:
  - {name: procs, kind: process.host}
  - name: writer
    kind: process.lua
    method: main
    source: |
      return {main = function()
        function string.shout(s) return s:upper() .. "!" end
        local ok, err = pcall(function()
          getmetatable("").__index.whisper = function(s) return s:lower() end
        end)
        local ok2 = pcall(function() getmetatable("").__index = {} end)
        return {shout = ("hi"):shout(), meta_write = tostring(ok), err = tostring(err),
                meta_replace = tostring(ok2), cast = string(5), rep = ("ab"):rep(2)}
      end}
  - name: reader
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local ok, err = pcall(function() return ("hi"):shout() end)
        local ok2 = pcall(function() return ("HI"):whisper() end)
        return {shout = tostring(ok), err = tostring(err), whisper = tostring(ok2),
                field = tostring(string.shout), upper = ("x"):upper()}
      end}
  - name: attacks
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local function try(f) local ok, err = pcall(f) return tostring(ok) .. " " .. tostring(err) end
        local ch = channel.new(1)
        local r = {
          call = try(function() getmetatable(string).__call = function() return "x" end end),
          callidx = try(function() getmetatable(string).__index = {} end),
          setmeta = try(function() setmetatable(getmetatable("").__index, {}) end),
          setmeta_meta = try(function() setmetatable(getmetatable(""), {}) end),
          rawset = try(function() rawset(getmetatable("").__index, "x", 1) end),
          udata = try(function() getmetatable(ch).__index.close = function() end end),
        }
        ch:send(5)
        r.udata_still = tostring(ch:receive())
        r.own = try(function() setmetatable(string, {__index = {extra = 1}}) end)
        r.extra = tostring(string.extra)
        return r
      end}
  - name: envswap
    kind: process.lua
    method: main
    source: |
      local print_ok = type(print)
      _ENV = setmetatable({}, {__index = _G})
      function string.shout(s) return s:upper() .. "!" end
      return {main = function()
        return {field = string.shout("hi"), method = ("hi"):shout(), p = print_ok}
      end}
  - name: nostring
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local ok = pcall(function() return ("hi"):shout() end)
        return {shout = tostring(ok), len = ("abc"):len()}
      end}
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    yield from opened(tmp_path_factory, "strings", INDEX)




def test_own_string_additions_are_methods_and_the_shared_metatable_is_frozen(app):
    r = run(app, "app:writer")
    assert r["shout"] == "HI!"
    assert r["meta_write"] == "false" and "frozen table" in r["err"]
    assert r["meta_replace"] == "false"
    assert r["cast"] == "5" and r["rep"] == "abab"


def test_another_process_sees_none_of_it(app):
    run(app, "app:writer")
    r = run(app, "app:reader")
    assert r["shout"] == "false" and "method 'shout'" in r["err"]
    assert r["whisper"] == "false" and r["field"] == "nil" and r["upper"] == "X"
    r = run(app, "app:nostring")
    assert r == {"shout": "false", "len": 3}


def test_shared_metatables_cannot_be_changed_and_own_string_can(app):
    r = run(app, "app:attacks")
    for k in ("call", "callidx", "setmeta", "setmeta_meta", "rawset", "udata"):
        assert r[k].startswith("false") and "frozen table" in r[k], (k, r[k])
    assert r["udata_still"] == "5"
    assert r["own"].startswith("true") and r["extra"] == "1"
    # and nothing of it reached another process
    r = run(app, "app:reader")
    assert r["upper"] == "X" and r["field"] == "nil"


def test_string_additions_are_methods_after_ENV_is_replaced(app):
    assert run(app, "app:envswap") == {"field": "HI!", "method": "HI!", "p": "function"}
