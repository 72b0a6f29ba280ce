"""`wippy lua`'s io, os, require/package and bit32 libraries: the parts the
conformance programs (tests/lua/lib_io_*, lib_os*, lib_require, lib_bit32)
cannot cover: standard input, exit statuses, files left open at exit, what
wippy refuses (programs, deleting files, C modules), environment paths."""

import os

import pytest

from wippy.runtime.interp import LuaState
from wippy.runtime.values import TRUE
from wippy.runtime import los, package


def _ok(status, out, err):
    assert status == 0, err
    assert "Traceback" not in out + err
    return out.splitlines()


def test_stdin_formats_and_default_input(run_lua):
    out = _ok(*run_lua(
        "print(io.read('n', 'n', 'l'))\n"
        "print(io.read('L'))\n"
        "print(io.read(3), io.read(0), io.read('*l'))\n"
        "print(io.stdin:read('n'))\n"
        "for l in io.stdin:lines() do io.write('[', l, ']') end print()\n"
        "print(io.read(), io.read('a'), io.read(0))\n",
        stdin=b"  0x10 -2.5e1 rest\nsecond\nabcdef\n42 tail\nx\n\ny"))
    assert out == ["16\t-25.0\t rest", "second", "", "abc\t\tdef", "42", "[ tail][x][][y]",
                   "nil\t\tnil"]


def test_stdin_lines_and_binary_bytes(run_lua):
    out = _ok(*run_lua(
        "local n, total = 0, 0\n"
        "for l in io.lines() do n = n + 1 total = total + #l end\n"
        "print(n, total)\n", stdin=b"\xff\x00\x80\n\xe9\n"))
    assert out == ["2\t4"]


def test_binary_round_trip_of_all_bytes(run_lua, tmp_path):
    out = _ok(*run_lua(
        "local s = {} for i = 0, 255 do s[#s + 1] = string.char(i) end s = table.concat(s)\n"
        "local f = io.open('bytes.bin', 'wb') f:write(s, s) f:close()\n"
        "local r = io.open('bytes.bin', 'rb') local back = r:read('a') r:close()\n"
        "print(#back, back == s .. s)\n"))
    assert out == ["512\ttrue"]
    assert (tmp_path / "bytes.bin").read_bytes() == bytes(range(256)) * 2


def test_open_errors_are_results_and_closed_files_raise(run_lua):
    status, out, err = run_lua(
        "print(io.open('missing.txt'))\n"
        "print(io.open('missing.txt', 'r+'))\n"
        "local f = io.open('prog.lua') f:close()\n"
        "print(pcall(f.read, f))\n"
        "print(io.type(f), tostring(f))\n"
        "f:read()\n")
    assert status == 1
    assert out.splitlines() == [
        "nil\tmissing.txt: No such file or directory\t2",
        "nil\tmissing.txt: No such file or directory\t2",
        "false\tattempt to use a closed file",
        "closed file\tfile (closed)"]
    assert err.startswith("lua: prog.lua:6: attempt to use a closed file\nstack traceback:")
    assert "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can open any file")
def test_permission_denied(run_lua, tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("x")
    p.chmod(0)
    try:
        out = _ok(*run_lua("print(io.open('secret.txt'))\n"))
    finally:
        p.chmod(0o600)
    assert out == ["nil\tsecret.txt: Permission denied\t13"]


def test_file_handles_print_like_lua(run_lua):
    out = _ok(*run_lua(
        "local f = io.tmpfile()\n"
        "print(tostring(f):match('^file %(0x%x+%)$') ~= nil, tostring(io.stdout):match('^file %(0x') ~= nil)\n"
        "print(getmetatable(f).__name, type(f), io.type(f))\n"
        "f:close() print(tostring(f))\n"))
    assert out == ["true\ttrue", "FILE*\tuserdata\tfile", "file (closed)"]


def test_setvbuf_and_flush_decide_when_data_reaches_the_file(run_lua):
    out = _ok(*run_lua(
        "local w = io.open('buf.txt', 'w')\n"
        "local function seen() local r = io.open('buf.txt') local s = r:read('a') r:close() return s end\n"
        "w:write('a') print('full', seen())\n"
        "print(w:flush(), seen())\n"
        "w:setvbuf('no') w:write('b') print('no', seen())\n"
        "w:setvbuf('line') w:write('c') print('line', seen()) w:write('\\n') print('line nl', seen() == 'abc\\n')\n"
        "w:close()\n"))
    assert out == ["full\t", "true\ta", "no\tab", "line\tab", "line nl\ttrue"]


def test_huge_read_count_reads_what_is_there(run_lua):
    out = _ok(*run_lua(
        "local f = io.tmpfile() f:write('0123456789') f:seek('set')\n"
        "print(f:read(1 << 40), f:read(1 << 40))\n"))
    assert out == ["0123456789\tnil"]


def test_io_lines_with_a_name_closes_the_file_at_eof(tmp_path):
    p = tmp_path / "three.txt"
    p.write_bytes(b"a\nb\nc\n")
    st = LuaState(standalone=True)
    st.G["path"] = str(p)
    n = st.execute("local n = 0 for l in io.lines(path) do n = n + 1 end return n")
    assert n == (3,)
    st.execute("local it = io.lines(path) it() it() it() it()")
    assert [f.closed for f in st.io_files] == [True] * len(st.io_files)
    # an iterator not run to the end keeps its file open until the state is closed
    st.execute("keep = io.lines(path) keep()")
    assert any(not f.closed for f in st.io_files)
    from wippy.runtime.lio import close_all
    close_all(st)
    assert all(f.closed for f in st.io_files)


def test_exit_statuses_and_files_left_open_are_written(run_lua, tmp_path):
    status, out, err = run_lua(
        "local f = io.open('left_open.txt', 'w')\n"
        "f:write('written by exit')\n"
        "io.write('partial line')\n"
        "os.exit(3)\n")
    assert status == 3 and out == "partial line" and err == ""
    assert (tmp_path / "left_open.txt").read_text() == "written by exit"
    assert run_lua("os.exit(false)")[0] == 1
    assert run_lua("os.exit(true, true)")[0] == 0
    assert run_lua("os.exit()")[0] == 0
    assert run_lua("os.exit(2.0)")[0] == 2


def test_exit_from_a_coroutine_inside_pcall(run_lua):
    status, out, err = run_lua(
        "coroutine.wrap(function() pcall(os.exit, 4) end)()\nprint('not reached')\n")
    assert (status, out, err) == (4, "", "")


@pytest.mark.parametrize("call, name", [
    ("io.popen('ls')", "io.popen"),
    ("os.execute('true')", "os.execute"),
    ("os.execute()", "os.execute"),
    ("os.remove('keep.txt')", "os.remove"),
    ("os.rename('keep.txt', 'other.txt')", "os.rename"),
    ("os.tmpname()", "os.tmpname"),
])
def test_programs_and_file_removal_are_not_available(run_lua, tmp_path, call, name):
    (tmp_path / "keep.txt").write_text("still here")
    status, out, err = run_lua("print(pcall(function() return %s end))\n%s\n" % (call, call))
    assert status == 1
    assert out.startswith("false\tprog.lua:1: '%s' is not available in wippy (" % name)
    assert err.startswith("lua: prog.lua:2: '%s' is not available in wippy" % name)
    assert "Traceback" not in err
    assert (tmp_path / "keep.txt").read_text() == "still here"
    assert not (tmp_path / "other.txt").exists()


def test_setlocale_only_knows_c(run_lua):
    out = _ok(*run_lua(
        "print(os.setlocale(''), os.setlocale(), os.setlocale('C', 'ctype'),"
        " os.setlocale('en_US.UTF-8'), os.setlocale('de_DE', 'numeric'))\n"))
    assert out == ["C\tC\tC\tnil\tnil"]


def test_c_modules_and_loadlib_report_they_cannot_load(run_lua, tmp_path):
    (tmp_path / "cmod.so").write_bytes(b"\x7fELF not really")
    status, out, err = run_lua(
        "package.cpath = './?.so'\n"
        "print(package.loadlib('./cmod.so', 'luaopen_cmod'))\n"
        "print(package.loadlib('./cmod.so', '*'))\n"
        "print(pcall(require, 'cmod'))\n"
        "print(pcall(require, 'cmod.inner'))\n"
        "print(pcall(package.loadlib, 'x'))\n")
    lines = _ok(status, out, err)
    msg = "dynamic libraries are not available in wippy"
    assert lines[0] == "nil\t%s\tabsent" % msg
    assert lines[1] == "nil\t%s\tabsent" % msg
    assert lines[2] == "false\terror loading module 'cmod' from file './cmod.so':"
    assert lines[3] == "\t" + msg
    assert lines[4] == "false\terror loading module 'cmod.inner' from file './cmod.so':"
    assert lines[6] == "false\tbad argument #2 to 'package.loadlib' (string expected, got no value)"


def test_default_paths_are_lua_53s(run_lua, monkeypatch):
    for name in ("LUA_PATH", "LUA_PATH_5_3", "LUA_CPATH", "LUA_CPATH_5_3"):
        monkeypatch.delenv(name, raising=False)
    out = _ok(*run_lua("print(package.path) print(package.cpath)"))
    assert out == [package.LUA_PATH_DEFAULT, package.LUA_CPATH_DEFAULT]
    assert "./?.lua;./?/init.lua" in out[0]


def test_lua_path_environment_with_default_marker(run_lua, tmp_path, monkeypatch):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helper.lua").write_text("return {where = select(2, ...)}\n")
    monkeypatch.setenv("LUA_PATH", "ignored/?.lua")
    monkeypatch.setenv("LUA_PATH_5_3", "./lib/?.lua;;")
    monkeypatch.setenv("LUA_CPATH", "./c/?.so")
    monkeypatch.delenv("LUA_CPATH_5_3", raising=False)
    out = _ok(*run_lua(
        "print(package.path) print(package.cpath) print(require('helper').where)\n"))
    assert out == ["./lib/?.lua;" + package.LUA_PATH_DEFAULT + ";", "./c/?.so", "./lib/helper.lua"]


def test_module_errors_show_lua_positions_not_python(run_lua, tmp_path):
    (tmp_path / "broken.lua").write_text("local t = {}\nreturn t.x.y\n")
    status, out, err = run_lua("package.path = './?.lua'\nrequire('broken')\n")
    assert status == 1
    assert err.startswith("lua: ./broken.lua:2: attempt to index a nil value (field 'x')")
    assert "Traceback" not in err
    status, out, err = run_lua("package.path = './?.lua'\nrequire('absent')\n")
    assert err.startswith("lua: prog.lua:2: module 'absent' not found:\n"
                          "\tno field package.preload['absent']\n\tno file './absent.lua'\n")


def test_wippy_entries_keep_the_narrow_os():
    narrow = los.make_os_lib(standalone=False)
    assert sorted(narrow.keys()) == ["clock", "date", "difftime", "platform", "time"]
    wide = los.make_os_lib(standalone=True)
    for name in ("exit", "getenv", "setlocale", "execute", "remove", "rename", "tmpname"):
        assert name in wide
    st = LuaState(standalone=False)
    assert st.G.get("bit32") is None and st.G.get("io") is None and st.G.get("require") is None


def test_bit32_from_require_and_global():
    st = LuaState(standalone=True)
    assert st.execute("return require('bit32') == bit32, bit32.band(-1), "
                      "bit32.arshift(0x80000000, 1), bit32.lrotate(1, -1)") == (
        TRUE, 0xFFFFFFFF, 0xC0000000, 0x80000000)
