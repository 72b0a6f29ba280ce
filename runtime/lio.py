"""The ``io`` library of standalone scripts (Lua 5.3 §6.8): files opened
with ``io.open`` in every mode, the standard streams as file handles, the
default input and output files.

A file handle is a ``LuaFile`` userdata wrapping a binary Python stream.
Lua strings are Python ``str`` holding one latin-1 code point per byte, so
data is read and written as bytes and mapped through latin-1.  Failures of
the operating system are returned the way ``luaL_fileresult`` returns them
(``nil, message, errno``); misuse raises Lua errors."""

import errno as _errno
import math
import os
import weakref

from .values import LuaTable, Userdata, TRUE, str2number, tostr
from .baselib import check_int, check_str, check_any, typename_arg, NONE
from .errors import rt_error, arg_error, BUILTIN_CODES

__all__ = ["make_io_lib", "LuaFile", "close_all"]


_EBADF = (None, os.strerror(_errno.EBADF), _errno.EBADF)
_L_MAXLENNUM = 200          # longest numeral read by the 'n' format
_MAXARGLINE = 250           # most formats 'lines' takes
_SPACES = b" \t\n\v\f\r"
_DIGITS = b"0123456789"
_XDIGITS = b"0123456789abcdefABCDEF"


class LuaFile(Userdata):
    """A Lua file handle.  ``std`` marks the standard streams, which
    ``close`` refuses to close; ``vbuf`` is the ``setvbuf`` mode."""
    __slots__ = ("f", "closed", "std", "readable", "writable", "vbuf", "__weakref__")
    lua_meta = None         # set below

    def __init__(self, f, readable, writable, std=False):
        self.f = f
        self.closed = False
        self.std = std
        self.readable = readable
        self.writable = writable
        self.vbuf = "full"


class _Directory:
    """What C's ``fopen(dir, "r")`` gives: a handle that opens but cannot be
    read (every read fails with EISDIR)."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDONLY)

    def _fail(self, *_):
        raise IsADirectoryError(_errno.EISDIR, os.strerror(_errno.EISDIR))
    read = readline = peek = _fail

    def seek(self, offset, whence=0):
        return os.lseek(self.fd, offset, whence)

    def tell(self):
        return os.lseek(self.fd, 0, 1)

    def flush(self):
        pass

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _Unreadable:
    """Reads of a handle opened for writing only fail like C's (EBADF)."""

    def _fail(self, *_):
        raise OSError(_errno.EBADF, os.strerror(_errno.EBADF))
    read = readline = peek = _fail


_UNREADABLE = _Unreadable()


def _fileresult(e):
    """``luaL_fileresult`` for a failed operation without a file name."""
    n = getattr(e, "errno", None)
    if n is None:           # Python's own refusals (unseekable stream, ...)
        n = _errno.ESPIPE if "seek" in str(e) else _errno.EBADF
    return (None, os.strerror(n), n)


# ---------------------------------------------------------------------------
# checking handles


def _tofile(v, n=1, fname="?"):
    """``tofile``: an open file handle, else the Lua error."""
    if type(v) is not LuaFile:
        arg_error(n, fname, "FILE* expected, got %s" % typename_arg(v))
    if v.closed:
        rt_error("attempt to use a closed file")
    return v


# ---------------------------------------------------------------------------
# reading


def _peek(f):
    """The next byte without consuming it (C's getc + ungetc)."""
    try:
        return f.peek(1)[:1]
    except AttributeError:      # BytesIO and other seekable streams
        pos = f.tell()
        b = f.read(1)
        f.seek(pos)
        return b


def _read_number(f):
    """``read_number`` of liolib.c: reads the longest prefix that can be a
    numeral (at most 200 characters), then converts it; nil if it is not
    a valid number."""
    buf = bytearray()
    c = _peek(f)
    while c and c in _SPACES:
        f.read(1)
        c = _peek(f)
    ok = [True]

    def nextc():
        if len(buf) >= _L_MAXLENNUM:
            ok[0] = False
            return False
        buf.extend(f.read(1))
        return True

    def test2(chars):
        b = _peek(f)
        if b and b in chars:
            return nextc()
        return False

    def digits(hexa):
        count = 0
        allowed = _XDIGITS if hexa else _DIGITS
        while True:
            b = _peek(f)
            if not b or b not in allowed or not nextc():
                return count
            count += 1

    count = 0
    hexa = False
    test2(b"-+")
    if test2(b"0"):
        if test2(b"xX"):
            hexa = True
        else:
            count = 1
    count += digits(hexa)
    if test2(b"."):
        count += digits(hexa)
    if count > 0 and test2(b"pP" if hexa else b"eE"):
        test2(b"-+")
        digits(False)
    if not ok[0]:
        return None
    return str2number(buf.decode("latin-1"))


def _read_chars(f, n):
    """Up to n bytes; big counts are read in pieces, so asking for more
    than the file holds allocates no more than it holds."""
    if n <= 0x100000:
        data = f.read(n)
    else:
        parts = []
        while n > 0:
            piece = f.read(min(n, 0x100000))
            if not piece:
                break
            parts.append(piece)
            n -= len(piece)
        data = b"".join(parts)
    return data.decode("latin-1") if data else None


def _read_line(f, chop):
    line = f.readline()
    if not line:
        return None
    s = line.decode("latin-1")
    if chop and s[-1:] == "\n":
        return s[:-1]
    return s


def _g_read(file, fmts, first, fname):
    """``g_read``: the values read for the formats (stops at the first
    failure, which gives nil); ``first`` is the argument number of the first
    format, for error messages."""
    f = file.f if file.readable else _UNREADABLE
    try:
        if not fmts:
            return _read_line(f, True)
        out = []
        for i, fmt in enumerate(fmts):
            t = type(fmt)
            if t is int or t is float:
                n = check_int(fmt, first + i, fname)
                if n == 0:
                    v = "" if _peek(f) else None
                elif n < 0:
                    rt_error("not enough memory for buffer allocation")
                else:
                    v = _read_chars(f, n)
            else:
                p = check_str(fmt, first + i, fname)
                if p[:1] == "*":
                    p = p[1:]
                c = p[:1]
                if c == "l":
                    v = _read_line(f, True)
                elif c == "L":
                    v = _read_line(f, False)
                elif c == "n":
                    v = _read_number(f)
                elif c == "a":
                    v = f.read().decode("latin-1")
                else:
                    arg_error(first + i, fname, "invalid format")
            out.append(v)
            if v is None:
                break
    except OSError as e:
        return _fileresult(e)
    return out[0] if len(out) == 1 else tuple(out)


# ---------------------------------------------------------------------------
# writing


def _numstr(v):
    """A number as C's ``fprintf`` with LUA_INTEGER_FMT / "%.14g" writes it."""
    if type(v) is int:
        return str(v)
    if v != v:
        return "-nan" if math.copysign(1.0, v) < 0 else "nan"
    return "%.14g" % v


def _g_write(file, args, first, fname):
    if len(args) == 1 and type(args[0]) is str and file.writable and file.vbuf == "full":
        try:                    # the common case: one string
            file.f.write(args[0].encode("latin-1"))
        except OSError as e:
            return _fileresult(e)
        return file
    parts = []
    for i, a in enumerate(args):
        t = type(a)
        if t is str:
            parts.append(a)
        elif t is int or t is float:
            parts.append(_numstr(a))
        else:
            # C writes each argument in turn: those before the bad one are written
            if file.writable and parts:
                file.f.write("".join(parts).encode("latin-1"))
            arg_error(first + i, fname, "string expected, got %s" % typename_arg(a))
    if not file.writable:
        return _EBADF
    data = "".join(parts).encode("latin-1")
    f = file.f
    try:
        f.write(data)
        vb = file.vbuf
        if vb != "full" and (vb == "no" or b"\n" in data):
            f.flush()
    except OSError as e:
        return _fileresult(e)
    return file


# ---------------------------------------------------------------------------
# file methods (Lua calls them with the handle as argument 1)


def f_read(self=NONE, *fmts):
    if type(self) is LuaFile and not self.closed and self.readable and (
            not fmts or fmts == ("l",)):
        try:                    # the common case: one line
            return _read_line(self.f, True)
        except OSError as e:
            return _fileresult(e)
    return _g_read(_tofile(self), fmts, 2, "?")


def f_write(self=NONE, *args):
    return _g_write(_tofile(self), args, 2, "?")


def f_lines(self=NONE, *fmts):
    return _aux_lines(_tofile(self), fmts, False)


def _close(file):
    """``aux_close``: the standard files refuse; others are closed."""
    if file.std:
        return (None, "cannot close standard file")
    file.closed = True
    try:
        file.f.close()
    except OSError as e:
        return _fileresult(e)
    return TRUE


def f_close(self=NONE, *_):
    return _close(_tofile(self))


def f_flush(self=NONE, *_):
    file = _tofile(self)
    try:
        file.f.flush()
    except OSError as e:
        return _fileresult(e)
    return TRUE


_SEEK_MODES = {"set": 0, "cur": 1, "end": 2}


def _checkoption(v, n, fname, default, options):
    name = check_str(v, n, fname, default)
    if name not in options:
        arg_error(n, fname, "invalid option '%s'" % name)
    return name


def f_seek(self=NONE, whence=NONE, offset=NONE, *_):
    file = _tofile(self)
    mode = _SEEK_MODES[_checkoption(whence, 2, "?", "cur", _SEEK_MODES)]
    off = check_int(offset, 3, "?", 0)
    try:
        return file.f.seek(off, mode)
    except OSError as e:
        return _fileresult(e)
    except (ValueError, OverflowError):     # BytesIO refuses negative positions
        return (None, os.strerror(_errno.EINVAL), _errno.EINVAL)


def f_setvbuf(self=NONE, mode=NONE, size=NONE, *_):
    file = _tofile(self)
    file.vbuf = _checkoption(mode, 2, "?", NONE, ("no", "full", "line"))
    check_int(size, 3, "?", 0)
    if file.vbuf == "no":
        try:
            file.f.flush()
        except OSError as e:
            return _fileresult(e)
    return TRUE


def f_gc(self=NONE, *_):
    if type(self) is LuaFile and not self.closed and not self.std:
        _close(self)
    return ()


def f_tostring(self=NONE, *_):
    if type(self) is not LuaFile:
        arg_error(1, "?", "FILE* expected, got %s" % typename_arg(self))
    if self.closed:
        return "file (closed)"
    return "file (0x%08x)" % id(self)


def _aux_lines(file, fmts, toclose):
    if len(fmts) > _MAXARGLINE:
        arg_error(_MAXARGLINE + 2, "?", "too many arguments")
    fmts = tuple(fmts)

    def lines_iter(*_):
        if file.closed:
            rt_error("file is already closed")
        r = _g_read(file, fmts, 2, "for iterator")
        if type(r) is tuple:
            if r and r[0] is not None:
                return r
            if len(r) > 1:          # an error: its message
                rt_error(tostr(r[1]) or "?")
        elif r is not None:
            return r
        if toclose:
            _close(file)
        return ()
    BUILTIN_CODES.setdefault(lines_iter.__code__, "?")
    if not fmts or fmts in (("l",), ("*l",)):
        # a generic for steps a Python iterator directly (see ops.forin)
        lines_iter.lua_values = (_line_gen(file, toclose), 1, 1)
    return lines_iter


def _line_gen(file, toclose):
    f = file.f if file.readable else _UNREADABLE
    while True:
        if file.closed:
            rt_error("file is already closed")
        try:
            line = f.readline()
        except OSError as e:
            rt_error(e.strerror or str(e))
        if not line:
            if toclose and not file.closed:
                _close(file)
            return
        if line[-1:] == b"\n":
            line = line[:-1]
        yield line.decode("latin-1")


_META = LuaTable()
for _name, _fn in [("close", f_close), ("flush", f_flush), ("lines", f_lines),
                   ("read", f_read), ("seek", f_seek), ("setvbuf", f_setvbuf),
                   ("write", f_write), ("__gc", f_gc), ("__tostring", f_tostring)]:
    _META[_name] = _fn
    BUILTIN_CODES.setdefault(_fn.__code__, "?")
_META["__index"] = _META
_META["__name"] = "FILE*"
LuaFile.lua_meta = _META


# ---------------------------------------------------------------------------
# opening


def _checkmode(mode):
    """``l_checkmode`` of Lua 5.3: [rwa]%+?b*"""
    if not mode or mode[0] not in "rwa":
        return False
    rest = mode[1:]
    if rest[:1] == "+":
        rest = rest[1:]
    return rest.strip("b") == ""


def _fopen(name, mode):
    """Open like C's fopen: a LuaFile, or raises OSError."""
    path = name.split("\0", 1)[0].encode("latin-1")
    base = mode[0]
    plus = "+" in mode
    try:
        f = open(path, base + ("+" if plus else "") + "b")
    except IsADirectoryError:
        if base != "r" or plus:
            raise
        f = _Directory(path)
    if base == "a" and plus:
        f.seek(0)           # C reads an "a+" file from its start
    return LuaFile(f, base == "r" or plus, base != "r" or plus)


def _open_result(name, e):
    n = e.errno if e.errno is not None else _errno.EIO
    return (None, "%s: %s" % (name.split("\0", 1)[0], os.strerror(n)), n)


def _opencheckfile(name, mode):
    try:
        return _fopen(name, mode)
    except OSError as e:
        n = e.errno if e.errno is not None else _errno.EIO
        rt_error("cannot open file '%s' (%s)" % (name.split("\0", 1)[0], os.strerror(n)))


def close_all(state):
    """Close every file a state opened (Lua closes them when the state is
    closed, which the ``lua`` program does on exit)."""
    files = getattr(state, "io_files", None)
    if not files:
        return
    for file in list(files):
        if not file.closed and not file.std:
            try:
                _close(file)
            except Exception:       # pragma: no cover - closing at exit
                pass
    for file in (getattr(state, "io_stdout", None), getattr(state, "io_stderr", None)):
        if file is not None and not file.closed:
            try:
                file.f.flush()
            except Exception:       # pragma: no cover
                pass


def _not_available(what):
    def fn(*_):
        rt_error("'%s' is not available in wippy (wippy lua does not start programs)" % what)
    return fn


def make_io_lib(state):
    lib = LuaTable()
    files = weakref.WeakSet()
    state.io_files = files

    stdin_f = state.stdin
    stdin = LuaFile(stdin_f, True, False, std=True)
    stdout = LuaFile(state.stdout, False, True, std=True)
    stderr = LuaFile(state.stderr, False, True, std=True)
    stderr.vbuf = "no"                  # C's stderr is unbuffered
    state.io_stdout = stdout
    state.io_stderr = stderr
    dflt = [stdin, stdout]              # default input, default output

    def track(file):
        files.add(file)
        return file

    def io_open(name=NONE, mode=NONE, *_):
        name = check_str(name, 1, "open")
        mode = check_str(mode, 2, "open", "r")
        if not _checkmode(mode):
            arg_error(2, "open", "invalid mode")
        try:
            return track(_fopen(name, mode))
        except OSError as e:
            return _open_result(name, e)

    def getiofile(i):
        file = dflt[i]
        if file.closed:
            rt_error("standard %s file is closed" % ("input", "output")[i])
        return file

    def g_iofile(i, fname, mode, v):
        if v is not NONE and v is not None:
            name = tostr(v)
            if name is not None:
                dflt[i] = track(_opencheckfile(name, mode))
            else:
                dflt[i] = _tofile(v, 1, fname)
        return dflt[i]

    def io_input(v=NONE, *_):
        return g_iofile(0, "input", "r", v)

    def io_output(v=NONE, *_):
        return g_iofile(1, "output", "w", v)

    def io_read(*fmts):
        return _g_read(getiofile(0), fmts, 1, "read")

    def io_write(*args):
        return _g_write(getiofile(1), args, 1, "write")

    def io_lines(name=NONE, *fmts):
        if name is NONE or name is None:
            return _aux_lines(_tofile(dflt[0], 1, "lines"), fmts, False)
        name = check_str(name, 1, "lines")
        return _aux_lines(track(_opencheckfile(name, "r")), fmts, True)

    def io_close(file=NONE, *_):
        if file is NONE:
            file = dflt[1]
        return _close(_tofile(file, 1, "close"))

    def io_flush(*_):
        file = getiofile(1)
        try:
            file.f.flush()
        except OSError as e:
            return _fileresult(e)
        return TRUE

    def io_type(v=NONE, *_):
        check_any(v, 1, "type")
        if type(v) is not LuaFile:
            return None
        return "closed file" if v.closed else "file"

    def io_tmpfile(*_):
        import tempfile
        try:
            f = tempfile.TemporaryFile("w+b")
        except OSError as e:
            return _fileresult(e)
        return track(LuaFile(f, True, True))

    for name, fn in [("open", io_open), ("input", io_input), ("output", io_output),
                     ("read", io_read), ("write", io_write), ("lines", io_lines),
                     ("close", io_close), ("flush", io_flush), ("type", io_type),
                     ("tmpfile", io_tmpfile), ("popen", _not_available("io.popen"))]:
        lib[name] = fn
    lib["stdin"] = stdin
    lib["stdout"] = stdout
    lib["stderr"] = stderr
    return lib
