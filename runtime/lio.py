"""The ``io`` library for standalone scripts: ``write``, ``read`` and
``lines`` on the standard streams (``io.stdout:write`` style calls too)."""

from .values import LuaTable, TRUE, FALSE
from .ops import setmetatable, tostring_meta
from .baselib import check_str, arg_error, NONE
from .errors import rt_error
from .values import fmt_float, str2number, lua_type

__all__ = ["make_io_lib"]


class _Reader:
    def __init__(self, stream):
        self.stream = stream

    def readline(self, keep):
        line = self.stream.readline()
        if not line:
            return None
        s = line.decode("latin-1")
        if not keep and s.endswith("\n"):
            s = s[:-1]
        return s

    def read(self, fmt):
        if type(fmt) is int:
            if fmt == 0:
                b = self.stream.peek(1)[:1] if hasattr(self.stream, "peek") else b""
                return "" if b else None
            data = self.stream.read(fmt)
            return data.decode("latin-1") if data else None
        f = fmt.lstrip("*")[:1] if type(fmt) is str else ""
        if f == "l":
            return self.readline(False)
        if f == "L":
            return self.readline(True)
        if f == "a":
            return self.stream.read().decode("latin-1")
        if f == "n":
            line = self.stream.readline().decode("latin-1")
            return str2number(line.strip())
        arg_error(1, "read", "invalid format")


def make_io_lib(state):
    lib = LuaTable()
    reader = _Reader(state.stdin)
    write = state.write

    def io_write(*args):
        for i, a in enumerate(args):
            t = type(a)
            if t is str:
                write(a)
            elif t is int:
                write(str(a))
            elif t is float:
                write("%.14g" % a)
            else:
                arg_error(i + 1, "write", "string expected, got %s" % lua_type(a))
        return stdout

    def io_read(*fmts):
        if not fmts:
            return reader.read("l")
        return tuple(reader.read(f) for f in fmts)

    def io_lines(fname=None, *fmts):
        if fname is not None:
            try:
                f = open(check_str(fname, 1, "lines"), "rb")
            except OSError as e:
                rt_error("%s: %s" % (fname, e.strerror))
            r = _Reader(f)
        else:
            r = reader

        def it(*_):
            if not fmts:
                return r.read("l")
            return tuple(r.read(x) for x in fmts)
        return it

    stdout = LuaTable()
    meta = LuaTable()
    methods = LuaTable()
    methods["write"] = lambda self, *a: io_write(*a)
    methods["flush"] = lambda *a: (state.stdout.flush(), ())[1]
    methods["close"] = lambda *a: TRUE
    methods["setvbuf"] = lambda *a: TRUE
    meta["__index"] = methods
    meta["__name"] = "FILE*"
    setmetatable(stdout, meta)
    stderr = LuaTable()
    emeta = LuaTable()
    emethods = LuaTable()
    emethods["write"] = lambda self, *a: (state.stderr.write("".join(
        tostring_meta(x) for x in a).encode("latin-1")), self)[1]
    emethods["flush"] = lambda *a: ()
    emeta["__index"] = emethods
    emeta["__name"] = "FILE*"
    setmetatable(stderr, emeta)
    stdin = LuaTable()
    imeta = LuaTable()
    imethods = LuaTable()
    imethods["read"] = lambda self, *f: io_read(*f)
    imethods["lines"] = lambda self, *f: io_lines(None, *f)
    imethods["close"] = lambda *a: TRUE
    imeta["__index"] = imethods
    imeta["__name"] = "FILE*"
    setmetatable(stdin, imeta)
    lib["write"] = io_write
    lib["read"] = io_read
    lib["lines"] = io_lines
    lib["stdout"] = stdout
    lib["stderr"] = stderr
    lib["stdin"] = stdin
    return lib
