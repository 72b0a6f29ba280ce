"""The command-line tools: `wippy lua` and `wippyc py`."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wippy(*args, cwd=None, input=b""):
    return subprocess.run([sys.executable, "-m", "wippy", *args], cwd=cwd, input=input,
                          capture_output=True, timeout=120)


def test_lua_runs_a_script_with_args(tmp_path):
    (tmp_path / "s.lua").write_text("print(#arg, arg[0], arg[1], arg[2], ...)\n")
    r = wippy("lua", "s.lua", "a", "b", cwd=tmp_path)
    assert r.returncode == 0
    assert r.stdout == b"2\ts.lua\ta\tb\ta\tb\n"


def test_uncaught_error_exits_1_with_lua_traceback(tmp_path):
    (tmp_path / "e.lua").write_text("local function f()\n  error('boom')\nend\nf()\n")
    r = wippy("lua", "e.lua", cwd=tmp_path)
    assert r.returncode == 1
    # exactly what lua5.3 prints (its program name aside)
    assert r.stderr.decode() == ("lua: e.lua:2: boom\nstack traceback:\n"
                                 "\t[C]: in function 'error'\n"
                                 "\te.lua:2: in local 'f'\n"
                                 "\te.lua:4: in main chunk\n"
                                 "\t[C]: in ?\n")


def test_syntax_error_is_lua_style(tmp_path):
    (tmp_path / "bad.lua").write_text("local x = = 1\n")
    r = wippy("lua", "bad.lua", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.decode() == "lua: bad.lua:1: unexpected symbol near '='\n"


def test_missing_file(tmp_path):
    r = wippy("lua", "nope.lua", cwd=tmp_path)
    assert r.returncode == 1
    assert b"cannot open nope.lua" in r.stderr


def test_os_exit_status(tmp_path):
    (tmp_path / "x.lua").write_text("io.write('bye') os.exit(3)\n")
    r = wippy("lua", "x.lua", cwd=tmp_path)
    assert r.returncode == 3
    assert r.stdout == b"bye"


def test_typed_example_runs():
    r = wippy("lua", "examples/hello.lua", "team", cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines() == ["hello, team (1)", "hello, team (2)",
                                              "hello, team (3)"]


def test_wippyc_py_prints_python(tmp_path):
    (tmp_path / "f.lua").write_text("local function add(a: integer, b) return a + b end\n")
    r = subprocess.run([sys.executable, "-c", "from wippy.cli import wippyc_main; "
                        "raise SystemExit(wippyc_main())", "py", "f.lua"],
                       cwd=tmp_path, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    src = r.stdout.decode()
    assert "def main_chunk(*VA):" in src
    assert "def add_(" in src
    compile(src, "f.py", "exec")


def test_utf8_text_round_trips(tmp_path):
    (tmp_path / "u.lua").write_bytes("local s = 'héllo ✓'\nprint(s, #s)\n".encode())
    r = wippy("lua", "u.lua", cwd=tmp_path)
    assert r.stdout == "héllo ✓\t10\n".encode()
