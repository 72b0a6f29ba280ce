"""``require`` and ``package`` for standalone scripts: the standard
libraries by name, then local ``.lua`` files along ``package.path``."""

import os

from .values import LuaTable, TRUE
from .baselib import check_str
from .errors import rt_error

__all__ = ["install"]

_STD = ("string", "table", "math", "coroutine", "os", "io", "debug", "utf8")


def install(G, state):
    package = LuaTable()
    loaded = LuaTable()
    package["loaded"] = loaded
    package["path"] = os.environ.get("LUA_PATH", "./?.lua;./?/init.lua")
    package["cpath"] = ""
    package["config"] = "/\n;\n?\n!\n-\n"
    preload = LuaTable()
    package["preload"] = preload
    for name in _STD:
        if G.get(name) is not None:
            loaded[name] = G[name]
    loaded["_G"] = G

    def searchpath(name, path, sep=".", rep="/", *_):
        fname = name.replace(sep, rep) if sep else name
        tried = []
        for template in path.split(";"):
            if not template:
                continue
            candidate = template.replace("?", fname)
            if os.path.isfile(candidate):
                return candidate
            tried.append("\n\tno file '%s'" % candidate)
        return (None, "".join(tried))

    def require(name=None, *_):
        name = check_str(name, 1, "require")
        v = loaded.get(name)
        if v is not None:
            return v
        loader = preload.get(name)
        extra = None
        if loader is None:
            path = package.get("path")
            found = searchpath(name, path if type(path) is str else "")
            if type(found) is tuple:
                rt_error("module '%s' not found:\n\tno field package.preload['%s']%s" % (
                    name, name, found[1]))
            with open(found, "rb") as f:
                src = f.read().decode("latin-1")
            loader = state.load(src, found)
            extra = found
        r = loader(name, extra) if extra is not None else loader(name)
        if type(r) is tuple:
            r = r[0] if r else None
        if r is not None:
            loaded[name] = r
        if loaded.get(name) is None:
            loaded[name] = TRUE
        return loaded[name]

    package["searchpath"] = searchpath
    G["package"] = package
    G["require"] = require
