"""`wippy lua` standalone facilities: load, dofile, require, io, os, collectgarbage."""

import pytest


def test_load_text_chunks_with_env_and_errors(run_lua):
    status, out, err = run_lua(
        "local f = load('return 1 + ...')\n"
        "print(f(41))\n"
        "local env = {x = 5}\n"
        "print(load('return x', 'chunk', 't', env)())\n"
        "print(load('x = ', '=mine'))\n"
        "local parts = {'return ', '7'}\n"
        "local i = 0\n"
        "print(load(function() i = i + 1 return parts[i] end)())\n"
        "print(pcall(load('error(\"boom\")', '=inner')))\n")
    assert status == 0, err
    assert out.splitlines() == ["42", "5", "nil\tmine:1: unexpected symbol near <eof>", "7",
                                "false\tinner:1: boom"]


def test_dofile_and_require_local_modules(run_lua, tmp_path):
    (tmp_path / "mod.lua").write_text("local M = {}\nfunction M.twice(x) return 2 * x end\n"
                                      "print('loading', ...)\nreturn M\n")
    (tmp_path / "other.lua").write_text("return 10, 20\n")
    status, out, err = run_lua(
        "local m = require('mod')\n"
        "local again = require('mod')\n"
        "print(m.twice(21), m == again, package.loaded.mod == m)\n"
        "print(dofile('other.lua'))\n"
        "print(pcall(require, 'nosuch'))\n")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "loading\tmod\t./mod.lua"
    assert lines[1] == "42\ttrue\ttrue"
    assert lines[2] == "10\t20"
    assert lines[3].startswith("false\tmodule 'nosuch' not found:")


def test_io_read_lines_and_write(run_lua):
    status, out, err = run_lua(
        "local first = io.read()\n"
        "local n = io.read('n')\n"
        "io.write('first=', first, ' n=', n, '\\n')\n"
        "for line in io.lines() do io.write('[', line, ']') end\n"
        "io.stdout:write('!\\n')\n",
        stdin=b"hello\n42\nx\ny\n")
    assert status == 0, err
    assert out == "first=hello n=42\n[][x][y]!\n"   # the newline after 42 is still unread


def test_os_getenv_exit_and_collectgarbage(run_lua, monkeypatch):
    monkeypatch.setenv("WIPPY_TEST_VAR", "set")
    status, out, err = run_lua(
        "print(os.getenv('WIPPY_TEST_VAR'), os.getenv('WIPPY_NOT_SET'))\n"
        "print(type(collectgarbage('count')), collectgarbage())\n"
        "print(os.platform)\n"
        "os.exit(5)\nprint('not reached')\n")
    assert status == 5
    assert out.splitlines() == ["set\tnil", "number\t0", "wippy"]


def test_debug_traceback(run_lua):
    # functions are named as lua5.3 names them: by the calling code (no tail
    # calls here: Lua would print "(...tail calls...)" for those)
    status, out, err = run_lua(
        "local function inner() local t = debug.traceback('msg') return t end\n"
        "local function outer() local r = inner() return r end\n"
        "print(outer())\n")
    assert status == 0, err
    assert out.splitlines() == [
        "msg", "stack traceback:",
        "\tprog.lua:1: in upvalue 'inner'",
        "\tprog.lua:2: in local 'outer'",
        "\tprog.lua:3: in main chunk",
        "\t[C]: in ?"]


def test_error_objects_at_top_level(run_lua):
    status, out, err = run_lua("error({code = 1})\n")
    assert status == 1
    assert err.startswith("lua: (error object is a table value)")
    status, out, err = run_lua(
        "error(setmetatable({}, {__tostring = function() return 'custom' end}))\n")
    assert err.startswith("lua: custom")


# Uncaught errors print what lua5.3 prints (expected texts from Debian's lua5.3,
# program name aside): the message, then the traceback from the level of the
# error - C functions included, each level named as Lua names it - or, for an
# error object with __tostring, that string alone.
UNCAUGHT = [
    ("local t = setmetatable({}, {__index = function(t, k) error('no field ' .. k, 2) end})\n"
     "local function get() local v = t.foo return v end\n"
     "get()\n",
     "lua: prog.lua:2: no field foo\nstack traceback:\n\t[C]: in function 'error'\n"
     "\tprog.lua:1: in metamethod '__index'\n\tprog.lua:2: in local 'get'\n"
     "\tprog.lua:3: in main chunk\n\t[C]: in ?\n"),
    ("local M = {}\nfunction M.check(x) if not x then error('check failed') end end\n"
     "M.check(false)\n",
     "lua: prog.lua:2: check failed\nstack traceback:\n\t[C]: in function 'error'\n"
     "\tprog.lua:2: in field 'check'\n\tprog.lua:3: in main chunk\n\t[C]: in ?\n"),
    ("string.rep()\n",
     "lua: prog.lua:1: bad argument #1 to 'rep' (string expected, got no value)\n"
     "stack traceback:\n\t[C]: in function 'string.rep'\n\tprog.lua:1: in main chunk\n"
     "\t[C]: in ?\n"),
    ("table.sort({3, 2, 1}, function(a, b) error('in cmp') end)\n",
     "lua: prog.lua:1: in cmp\nstack traceback:\n\t[C]: in function 'error'\n"
     "\tprog.lua:1: in function <prog.lua:1>\n\t[C]: in function 'table.sort'\n"
     "\tprog.lua:1: in main chunk\n\t[C]: in ?\n"),
    ("local t = setmetatable({}, {__add = function(a, b) return nil .. 1 end})\n"
     "local r = t + 1\n",
     "lua: prog.lua:1: attempt to concatenate a nil value\nstack traceback:\n"
     "\tprog.lua:1: in metamethod '__add'\n\tprog.lua:2: in main chunk\n\t[C]: in ?\n"),
    ("error({})\n",
     "lua: (error object is a table value)\nstack traceback:\n\t[C]: in function 'error'\n"
     "\tprog.lua:1: in main chunk\n\t[C]: in ?\n"),
    ("error(setmetatable({}, {__tostring = function() return 'obj' end}))\n",
     "lua: obj\n"),
]


@pytest.mark.parametrize("source, expected", UNCAUGHT)
def test_uncaught_errors_print_as_lua53(run_lua, source, expected):
    status, out, err = run_lua(source)
    assert status == 1
    assert err == expected
