"""A Lua state: a globals table with the standard libraries, and the loader
that turns compiled chunks into callable Lua functions.

``LuaState(standalone=True)`` is what ``wippy lua`` runs scripts in: it adds
the facilities standalone Lua scripts use (``load``, ``dofile``, ``require``
of local files, ``io`` on the standard streams, ``os.exit``, ``os.getenv``,
``collectgarbage``, ``debug.traceback``).  Wippy entries get a narrower
state (built by the application layer).
"""

import os
import sys
import threading

from .values import LuaTable, TRUE, FALSE, LuaError, tostring, TABLE_TYPES
from .ops import helper_globals, tostring_meta
from .errors import (LUA_FILES, ERRINFO, convert, rt_error, arg_error,
                     register_builtins)
from . import baselib, lstring, ltable, lmath, coroutine, los, lutf8

__all__ = ["LuaState", "run_file", "LuaExit"]

_HELPERS = helper_globals()


class LuaExit(BaseException):
    """``os.exit``: unwinds everything (pcall does not catch it)."""

    def __init__(self, code):
        BaseException.__init__(self, code)
        self.code = code


def _register_codes(code, errinfo):
    ERRINFO[code.co_filename] = errinfo


class LuaState:
    def __init__(self, standalone=True, stdout=None, stderr=None, stdin=None, args=None,
                 use_cache=True):
        self.stdout = stdout if stdout is not None else sys.stdout.buffer
        self.stderr = stderr if stderr is not None else sys.stderr.buffer
        self.stdin = stdin if stdin is not None else sys.stdin.buffer
        self.use_cache = use_cache
        G = LuaTable()
        self.G = G
        out = self.stdout

        def write(s):
            out.write(s.encode("latin-1"))
        self.write = write
        baselib.install(G, write)
        G["string"] = lstring.make_string_lib()
        G["table"] = ltable.make_table_lib()
        G["math"] = lmath.make_math_lib()
        G["coroutine"] = coroutine.make_coroutine_lib()
        G["os"] = los.make_os_lib(standalone=standalone)
        G["utf8"] = lutf8.make_utf8_lib()
        if standalone:
            self._install_standalone(G, args)
        register_builtins(G)

    # -- loading ------------------------------------------------------------
    def compile(self, source, chunkname):
        from ..compiler.chunk import compile_chunk
        return compile_chunk(source, chunkname, use_cache=self.use_cache)

    def load(self, source, chunkname, env=baselib.NONE):
        """Compile and bind a chunk: returns the Lua function of the chunk,
        whose _ENV is ``env`` (any Lua value; not given: the globals)."""
        chunk = self.compile(source, chunkname)
        return self.bind(chunk, env)

    def bind(self, chunk, env=baselib.NONE):
        LUA_FILES.add(chunk.chunkname)
        ERRINFO[chunk.chunkname] = chunk.errinfo
        g = dict(_HELPERS)
        g["_ENV_"] = g["_G0_"] = self.G if env is baselib.NONE else env
        exec(chunk.code, g)
        return g["main_chunk"]

    def execute(self, source, chunkname="?", *args):
        """Run a chunk and return its results as a tuple (raises LuaError)."""
        fn = self.load(source, chunkname)
        try:
            r = fn(*args)
        except LuaError:
            raise
        except Exception as e:
            raise convert(e) from None
        return r if type(r) is tuple else (r,)

    # -- standalone facilities ---------------------------------------------
    def _install_standalone(self, G, args):
        state = self

        def lua_load(chunk=None, chunkname=None, mode=None, env=baselib.NONE, *_):
            mode = baselib.opt_string(mode, 3, "load", "bt")
            if type(chunk) is str:
                src = chunk
            elif callable(chunk):
                parts = []
                while True:
                    piece = chunk()
                    if type(piece) is tuple:
                        piece = piece[0] if piece else None
                    if piece is None or piece == "":
                        break
                    if type(piece) is not str:
                        return (None, "reader function must return a string")
                    parts.append(piece)
                src = "".join(parts)
            else:
                arg_error(1, "load", "string expected, got %s" % baselib.typename_arg(chunk))
            if chunkname is None:
                name = _string_chunkname(src)
            else:
                name = _display_chunkname(tostring(chunkname))
            debuglib.CHUNK_SOURCES[name] = src if chunkname is None else tostring(chunkname)
            return baselib.load_chunk(state, src, name, mode, env)

        def lua_dofile(path=None, *_):
            if path is None:
                src = self.stdin.read().decode("latin-1")
                name = "stdin"
                debuglib.CHUNK_SOURCES[name] = "=stdin"
            else:
                try:
                    with open(path, "rb") as f:
                        src = f.read().decode("latin-1")
                except OSError as e:
                    rt_error("cannot open %s" % path)
                name = path
            fn = state.load(src, name)
            return fn()

        G["load"] = lua_load
        G["loadstring"] = lua_load
        G["dofile"] = lua_dofile
        G["loadfile"] = baselib.make_loadfile(state)
        G["collectgarbage"] = baselib.lua_collectgarbage
        from . import lio, debuglib, package, bit32
        G["io"] = lio.make_io_lib(self)
        G["debug"] = debuglib.make_debug_lib(self)
        G["bit32"] = bit32.make_bit32_lib()
        package.install(G, self)
        argt = LuaTable()
        if args:
            for i, a in enumerate(args):
                argt[i] = a
        G["arg"] = argt


def _string_chunkname(src):
    first = src.split("\n", 1)[0]
    if len(first) > 40 or "\n" in src:
        first = first[:37] + "..."
    return '[string "%s"]' % first


def _display_chunkname(name):
    if name[:1] in "=@":
        return name[1:]
    return '[string "%s"]' % name


def run_file(path, args=(), stdout=None, stderr=None, stdin=None, use_cache=True):
    """Run a Lua script like the ``lua`` interpreter; returns the exit status."""
    out = stdout if stdout is not None else sys.stdout.buffer
    err = stderr if stderr is not None else sys.stderr.buffer
    st = LuaState(standalone=True, stdout=out, stderr=err, stdin=stdin,
                  args=[path] + list(args), use_cache=use_cache)
    st.G["arg"][-1] = "lua"
    try:
        with open(path, "rb") as f:
            src = f.read().decode("latin-1")
    except OSError as e:
        err.write(("lua: cannot open %s\n" % path).encode("latin-1", "replace"))
        return 1
    from ..compiler.errors import LuaSyntaxError, InternalCompilerError
    try:
        fn = st.load(src, path)
    except LuaSyntaxError as e:
        err.write(("lua: %s\n" % e).encode("latin-1", "replace"))
        return 1
    except InternalCompilerError as e:
        err.write(("lua: %s\n" % e).encode("latin-1", "replace"))
        return 1
    try:
        return run_protected(st, fn, list(args), out, err)
    finally:
        from .lio import close_all
        close_all(st)       # as lua_close does when the interpreter exits


def run_protected(st, fn, args, out, err):
    status = [0]

    def body():
        try:
            fn(*args)
        except LuaExit as e:
            status[0] = e.code
        except Exception as e:
            le = e if isinstance(e, LuaError) else convert(e)
            v = le.value
            traced = True
            if type(v) in (str, int, float):
                msg = tostring(v)
            else:
                from .ops import getmetatable
                mt = getmetatable(v)
                if mt is not None and mt.get("__tostring") is not None:
                    msg = tostring_meta(v)
                    traced = False      # lua.c prints such a message alone
                else:
                    msg = "(error object is a %s value)" % baselib.lua_type(v)
            if traced:
                from . import debuglib
                pkg = st.G.get("package")
                loaded = pkg.get("loaded") if type(pkg) in TABLE_TYPES else None
                msg += "\n" + debuglib.error_traceback(le.__traceback__ or e.__traceback__,
                                                       loaded)
            err.write(("lua: %s\n" % msg).encode("latin-1", "replace"))
            status[0] = 1
        finally:
            try:
                out.flush()
            except Exception:     # pragma: no cover
                pass
    run_deep(body)
    return status[0]


_STACK_SIZE = 512 * 1024 * 1024
RECURSION_LIMIT = 220000


def run_deep(fn):
    """Run fn in a thread with a large C stack and recursion limit, so Lua
    programs can recurse as deeply as real Lua allows."""
    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size()
    result = []

    def target():
        try:
            result.append(fn())
        except BaseException as e:    # pragma: no cover - re-raised below
            result.append(e)
            raise
    try:
        threading.stack_size(_STACK_SIZE)
        sys.setrecursionlimit(RECURSION_LIMIT)
        t = threading.Thread(target=target, name="lua-main")
        t.start()
    finally:
        threading.stack_size(old_size)
    t.join()
    sys.setrecursionlimit(old_limit)
    return result[0] if result else None
