"""``require`` and ``package`` for standalone scripts (Lua 5.3 §6.3): the
standard libraries by name through ``package.loaded``, loaders from
``package.preload``, Lua files along ``package.path``.  C modules cannot be
loaded: the C searchers look along ``package.cpath`` like Lua's and report
that dynamic libraries are not available."""

import os

from .values import LuaTable, TRUE, FALSE, tostr, lua_type
from .baselib import check_str, NONE
from .errors import rt_error, BUILTIN_CODES
from .ops import index, setindex

__all__ = ["install"]

_STD = ("_G", "string", "table", "math", "coroutine", "os", "io", "debug", "utf8", "bit32")

# luaconf.h's defaults for Lua 5.3 on POSIX systems
LUA_PATH_DEFAULT = ("/usr/local/share/lua/5.3/?.lua;/usr/local/share/lua/5.3/?/init.lua;"
                    "/usr/local/lib/lua/5.3/?.lua;/usr/local/lib/lua/5.3/?/init.lua;"
                    "./?.lua;./?/init.lua")
LUA_CPATH_DEFAULT = "/usr/local/lib/lua/5.3/?.so;/usr/local/lib/lua/5.3/loadall.so;./?.so"

_DLMSG = "dynamic libraries are not available in wippy"


def _envpath(names, default):
    """``setpath``: the first environment variable set, with ';;' standing
    for the default path; the default when none is set."""
    for name in names:
        v = os.environb.get(name.encode()) if os.supports_bytes_environ else None
        if v is not None:
            path = v.decode("latin-1")
            return path.replace(";;", ";\1;").replace("\1", default)
    return default


def _readable(path):
    """C's ``fopen(name, "r")`` succeeding (directories open too)."""
    try:
        with open(path.split("\0", 1)[0].encode("latin-1"), "rb"):
            return True
    except IsADirectoryError:
        return True
    except (OSError, ValueError):
        return False


def searchpath(name=NONE, path=NONE, sep=NONE, rep=NONE, *_):
    """``package.searchpath``: the first readable file, else nil and the
    list of the files tried."""
    # lua5.3 (gcc) evaluates the C call's arguments last to first
    rep = check_str(rep, 4, "searchpath", "/")
    sep = check_str(sep, 3, "searchpath", ".")
    path = check_str(path, 2, "searchpath")
    name = check_str(name, 1, "searchpath")
    found, tried = _search(name, path, sep, rep)
    return found if found is not None else (None, tried)


def _search(name, path, sep, rep):
    if sep:
        name = name.replace(sep, rep)
    tried = []
    for template in path.split(";"):
        if not template:
            continue
        candidate = template.replace("?", name)
        if _readable(candidate):
            return candidate, None
        tried.append("\n\tno file '%s'" % candidate)
    return None, "".join(tried)


def _first2(r):
    if type(r) is tuple:
        return (r + (None, None))[:2]
    return r, None


def install(G, state):
    package = LuaTable()
    loaded = LuaTable()
    preload = LuaTable()
    package["loaded"] = loaded
    package["preload"] = preload
    package["path"] = _envpath(("LUA_PATH_5_3", "LUA_PATH"), LUA_PATH_DEFAULT)
    package["cpath"] = _envpath(("LUA_CPATH_5_3", "LUA_CPATH"), LUA_CPATH_DEFAULT)
    package["config"] = "/\n;\n?\n!\n-\n"
    loaded["_G"] = G
    for name in _STD[1:]:
        if G.get(name) is not None:
            loaded[name] = G[name]
    loaded["package"] = package

    def findfile(name, pname):
        path = tostr(index(package, pname))
        if path is None:
            rt_error("'package.%s' must be a string" % pname)
        return _search(name, path, ".", "/")

    def searcher_preload(name=NONE, *_):
        name = check_str(name, 1, "?")
        v = index(preload, name)
        if v is None:
            return "\n\tno field package.preload['%s']" % name
        return v

    def searcher_lua(name=NONE, *_):
        name = check_str(name, 1, "?")
        filename, tried = findfile(name, "path")
        if filename is None:
            return tried
        from ..compiler.errors import LuaSyntaxError
        try:
            with open(filename.split("\0", 1)[0].encode("latin-1"), "rb") as f:
                src = f.read().decode("latin-1")
        except OSError as e:
            msg = "cannot read %s: %s" % (filename, e.strerror)
        else:
            try:
                return (state.load(src, filename), filename)
            except LuaSyntaxError as e:
                msg = str(e)
        rt_error("error loading module '%s' from file '%s':\n\t%s" % (name, filename, msg))

    def searcher_c(name=NONE, *_):
        name = check_str(name, 1, "?")
        filename, tried = findfile(name, "cpath")
        if filename is None:
            return tried
        rt_error("error loading module '%s' from file '%s':\n\t%s" % (name, filename, _DLMSG))

    def searcher_croot(name=NONE, *_):
        name = check_str(name, 1, "?")
        if "." not in name:
            return ()
        filename, tried = findfile(name.split(".", 1)[0], "cpath")
        if filename is None:
            return tried
        rt_error("error loading module '%s' from file '%s':\n\t%s" % (name, filename, _DLMSG))

    def loadlib(path=NONE, init=NONE, *_):
        check_str(path, 1, "loadlib")
        check_str(init, 2, "loadlib")
        return (None, _DLMSG, "absent")

    searchers = LuaTable()
    for i, fn in enumerate((searcher_preload, searcher_lua, searcher_c, searcher_croot), 1):
        searchers[i] = fn
        BUILTIN_CODES.setdefault(fn.__code__, "?")
    package["searchers"] = searchers
    package["searchpath"] = searchpath
    package["loadlib"] = loadlib

    def findloader(name):
        searchers = index(package, "searchers")
        if lua_type(searchers) != "table":
            rt_error("'package.searchers' must be a table")
        msg = []
        i = 1
        while True:
            searcher = searchers.get(i)
            if searcher is None:
                rt_error("module '%s' not found:%s" % (name, "".join(msg)))
            loader, extra = _first2(searcher(name))
            if lua_type(loader) == "function":
                return loader, extra
            s = tostr(loader)
            if s is not None:
                msg.append(s)
            i += 1

    def require(name=NONE, *_):
        name = check_str(name, 1, "require")
        v = index(loaded, name)
        if v is not None and v is not FALSE:
            return v
        loader, extra = findloader(name)
        r = loader(name, extra)
        if type(r) is tuple:
            r = r[0] if r else None
        if r is not None:
            setindex(loaded, name, r)
        v = index(loaded, name)
        if v is None:
            setindex(loaded, name, TRUE)
            v = TRUE
        return v

    G["package"] = package
    G["require"] = require

