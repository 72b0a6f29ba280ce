"""The ``io`` module of terminal processes: standard streams and the
command-line arguments of a process running on a ``terminal.host``.
Anywhere else its functions return an UNAVAILABLE error."""

from .lerrors import new_error
from .process import current_process
from .runtime.values import LuaTable, TRUE
from .runtime.ops import tostring_meta

__all__ = ["make_io_module"]


def _host():
    p = current_process()
    h = p.host if p is not None else None
    if h is None or not h.terminal:
        return None
    return h


def _unavailable():
    return None, new_error("Unavailable", "no terminal: io needs a process on a terminal.host")


def _out(stream, text, flush=False):
    try:
        stream.write(text.encode("latin-1"))
        if flush:
            stream.flush()
        return TRUE
    except (OSError, ValueError) as e:
        return None, new_error("Internal", "write failed: %s" % e)


def make_io_module(node):
    def write(*args):
        h = _host()
        if h is None:
            return _unavailable()
        return _out(h.stdout, "".join(tostring_meta(a) for a in args))

    def println(stream_name):
        def lua_println(*args):
            h = _host()
            if h is None:
                return _unavailable()
            return _out(getattr(h, stream_name),
                        "\t".join(tostring_meta(a) for a in args) + "\n", flush=True)
        return lua_println
    print_ = println("stdout")
    eprint = println("stderr")

    def flush(*_):
        h = _host()
        if h is None:
            return _unavailable()
        try:
            h.stdout.flush()
        except (OSError, ValueError) as e:
            return None, new_error("Internal", "flush failed: %s" % e)
        return TRUE

    def _read(fn):
        try:
            return _pool().apply(fn)
        except (OSError, ValueError) as e:
            return None, new_error("Internal", "read failed: %s" % e)

    def readline(*_):
        h = _host()
        if h is None:
            return _unavailable()
        h.stdout.flush()
        line = _read(h.stdin.readline)
        if isinstance(line, tuple):
            return line
        if not line:
            return None
        return line.rstrip(b"\n").rstrip(b"\r").decode("latin-1")

    def read(n=None, *_):
        h = _host()
        if h is None:
            return _unavailable()
        if type(n) is not int or n <= 0:
            n = 1024
        data = _read(lambda: h.stdin.read1(n) if hasattr(h.stdin, "read1") else h.stdin.read(n))
        if isinstance(data, tuple):
            return data
        if not data:
            return None
        return data.decode("latin-1")

    def args(*_):
        h = _host()
        if h is None:
            return _unavailable()
        return LuaTable({i: a for i, a in enumerate(h.args, 1)})

    def raw(*_):
        h = _host()
        if h is None:
            return _unavailable()
        return TRUE

    return LuaTable({"write": write, "print": print_, "eprint": eprint, "flush": flush,
                     "readline": readline, "read": read, "args": args, "raw": raw})


_POOL = []


def _pool():
    # blocking reads run in gevent's thread pool so other greenlets go on
    if not _POOL:
        from gevent.threadpool import ThreadPool
        _POOL.append(ThreadPool(1))
    return _POOL[0]
