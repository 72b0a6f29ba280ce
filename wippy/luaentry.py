"""Lua entries: ``function.lua``, ``library.lua`` (and the code of
``process.lua`` / ``workflow.lua``, which later layers run).

The kind handler compiles an entry's source when the entry is created or
updated -- a compile error rejects the changeset -- and keeps the compiled
code.  Running an entry needs an *instance*: a globals table built for that
entry (the standard libraries, Wippy's globals, and exactly the modules and
imports the entry lists), the chunk run once in it, and the exported method.
Instances are reused between calls (one call at a time per instance, as a
Wippy function pool does); an update or delete of the entry, or of a
library it imports, retires them.

The allowlist is the import table: it is part of the compiled code's cache
key, and it is all ``require`` can reach.  ``load``, ``dofile``, ``io``,
``debug``, ``package``, ``collectgarbage`` and ``os.execute``/``exit`` do not
exist for entries.
"""

import logging
import os
import re
import threading

from .registry import KindHandler, ChangeRejected
from .runtime.values import LuaTable
from .runtime.errors import rt_error, LUA_FILES, ERRINFO, register_builtins
from .runtime.ops import helper_globals, getmetatable, setmetatable, freeze
from .runtime import baselib, lstring, ltable, lmath, coroutine, los, lutf8
from .compiler.errors import LuaSyntaxError, InternalCompilerError

__all__ = ["LuaEntries", "CompiledEntry", "EntryError", "LUA_KINDS"]

LUA_KINDS = ("function.lua", "library.lua", "process.lua", "workflow.lua")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HELPERS = helper_globals()
log = logging.getLogger("wippy.lua")


class EntryError(Exception):
    """Running an entry failed before any Lua ran (not found, wrong kind,
    missing method, unknown import).  ``kind`` is a Wippy error kind."""

    def __init__(self, message, kind="Invalid"):
        Exception.__init__(self, message)
        self.kind = kind


def _modules_list(data):
    mods = data.get("modules") or []
    if isinstance(mods, str):
        mods = [mods]
    if not isinstance(mods, list) or not all(isinstance(m, str) for m in mods):
        raise ChangeRejected("'modules' must be a list of module names")
    return list(mods)


def _imports_map(data):
    imps = data.get("imports") or {}
    if not isinstance(imps, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                            for k, v in imps.items()):
        raise ChangeRejected("'imports' must map aliases to entry IDs")
    return dict(imps)


def import_table(modules, imports):
    """The canonical import table: alias -> target (``:json`` for a
    built-in module, ``ns:name`` for a library)."""
    table = {m: ":" + m for m in modules}
    table.update(imports)
    return table


def compile_args(app, entry):
    """(source, chunkname, import key) of a Lua entry: what its compiled
    code is cached under (``wippyc build`` and booting agree on it)."""
    data = entry.data
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ChangeRejected("entry %s: 'source' is required" % entry.id, entry.id)
    method = data.get("method") or ""
    if not isinstance(method, str):
        raise ChangeRejected("entry %s: 'method' must be a string" % entry.id, entry.id)
    imports = import_table(_modules_list(data), _imports_map(data))
    key = ",".join("%s=%s" % kv for kv in sorted(imports.items()))
    return source, app.chunkname(entry), key


class CompiledEntry:
    __slots__ = ("entry", "chunk", "chunkname", "method", "imports", "pool", "generation",
                 "key", "registered", "gtmpl", "gplan", "mdict")

    def __init__(self, entry, chunk, chunkname, method, imports):
        self.entry = entry
        self.chunk = chunk
        self.chunkname = chunkname
        self.method = method
        self.imports = imports
        self.pool = []              # idle instances
        self.generation = 0
        self.registered = False
        self.gtmpl = None           # the globals every instance starts from
        self.gplan = None           # how an instance's globals are made from it
        self.mdict = None           # (chunk, the helpers its code names)
        self.key = ""


class Instance:
    """One initialised copy of an entry: its globals and its callable."""
    __slots__ = ("compiled", "G", "fn", "generation", "value")

    def __init__(self, compiled, G, fn, generation, value=None):
        self.compiled = compiled
        self.G = G
        self.fn = fn
        self.generation = generation
        self.value = value


def chunkname_for(entry, sources=None, root=None):
    """``@path/file.lua`` when the source came from a file, else the ID."""
    path = (sources or {}).get("source")
    if path:
        if root:
            try:
                rel = os.path.relpath(path, root)
                if not rel.startswith(".."):
                    path = rel
            except ValueError:      # pragma: no cover - other drive
                pass
        return path
    return "[%s]" % entry.id       # inline source: named like Lua's string chunks


class LuaEntries(KindHandler):
    """The handler of the Lua entry kinds, and the way to run them."""
    kinds = LUA_KINDS

    def __init__(self, app):
        self.app = app
        self.compiled = {}
        self._lock = threading.RLock()
        self._base = None

    # -- kind handler ------------------------------------------------------
    def apply(self, op, old, new):
        if op == "delete":
            with self._lock:
                self.compiled.pop(old.id, None)
                self._retire_dependents(old.id)
            return
        ce = self.compile_entry(new)
        with self._lock:
            prev = self.compiled.get(new.id)
            self.compiled[new.id] = ce
            if prev is not None:
                ce.generation = prev.generation + 1
            self._retire_dependents(new.id)

    def _retire_dependents(self, eid):
        # libraries are baked into their importers' instances
        if self.app.booting:
            return      # nothing has run yet
        for ce in self.compiled.values():
            if eid in ce.imports.values():
                ce.pool = []
                ce.generation += 1

    def compile_entry(self, entry):
        source, name, key = compile_args(self.app, entry)
        imports = import_table(_modules_list(entry.data), _imports_map(entry.data))
        if self.app.is_cached(source, name, key):
            chunk = None        # compiled before: loaded on first use
        else:
            try:
                chunk = self.app.compile(source, name, key)
            except (LuaSyntaxError, InternalCompilerError) as e:
                raise ChangeRejected(str(e), entry.id) from None
        ce = CompiledEntry(entry, chunk, name, entry.data.get("method") or "", imports)
        ce.key = key
        return ce

    def chunk_of(self, ce):
        if ce.chunk is None:
            ce.chunk = self.app.compile(ce.entry.data["source"], ce.chunkname, ce.key)
        return ce.chunk

    # -- instances ---------------------------------------------------------
    def acquire(self, eid, kinds=("function.lua",)):
        ce = self.compiled.get(eid)
        if ce is None:
            e = self.app.registry.get(eid)
            if e is None:
                raise EntryError("entry %s not found" % eid, "NotFound")
            raise EntryError("entry %s is a %s, not a %s" % (eid, e.kind, " or ".join(kinds)))
        if ce.entry.kind not in kinds:
            raise EntryError("entry %s is a %s, not a %s" % (eid, ce.entry.kind,
                                                           " or ".join(kinds)))
        pool = ce.pool
        while pool:
            inst = pool.pop()
            if inst.generation == ce.generation:
                return inst
        return self.new_instance(ce)

    def new_instance_for(self, eid, kinds):
        """A fresh instance (own globals) of an entry: what a process runs."""
        ce = self.compiled.get(eid)
        if ce is None or ce.entry.kind not in kinds:
            raise EntryError("entry %s not found" % eid, "NotFound")
        return self.new_instance(ce)

    def release(self, inst):
        ce = inst.compiled
        if self.compiled.get(ce.entry.id) is ce and inst.generation == ce.generation \
                and len(ce.pool) < 64:
            ce.pool.append(inst)

    def new_instance(self, ce, loading=()):
        G = self.new_globals(ce, loading)
        fn = self.bind(ce, G)
        entry = ce.entry
        if entry.kind == "library.lua":
            value = _first(self.app.run_lua(fn, ()))
            return Instance(ce, G, None, ce.generation, value)
        if not ce.method:
            # no method: every call runs the whole chunk with the arguments
            return Instance(ce, G, fn, ce.generation)
        r = _first(self.app.run_lua(fn, ()))
        if type(r) in (LuaTable,) or isinstance(r, LuaTable):
            m = r.get(ce.method)
            if m is None:
                raise EntryError("method '%s' not found in %s" % (ce.method, entry.id),
                                 "NotFound")
        elif callable(r):
            m = r
        else:
            raise EntryError("entry %s: chunk must return a table with method '%s' or a "
                             "function (got %s)" % (entry.id, ce.method, _lua_typename(r)))
        return Instance(ce, G, m, ce.generation)

    def bind(self, ce, G):
        md = ce.mdict
        if md is None or md[0] is not ce.chunk:
            chunk = self.chunk_of(ce)
            LUA_FILES.add(chunk.chunkname)
            ERRINFO[chunk.chunkname] = chunk.errinfo
            md = ce.mdict = (chunk, _helpers_for(chunk.code))
        # the module globals of this instance: only the helpers its code
        # names (a copy of every helper would cost each process ~1.5 KB)
        g = md[1].copy()
        g["_ENV_"] = G
        if "_G0_" in g:             # a method call's string lookup (ops.mindex)
            g["_G0_"] = G
        exec(md[0].code, g)
        return g["main_chunk"]

    # -- globals -----------------------------------------------------------
    def base_libs(self):
        if self._base is None:
            strings = lstring.make_string_lib()
            # the string metatable is one for the whole runtime (strings are
            # shared values): frozen, with its __index table, so that no
            # instance can change what another one's strings do; an
            # instance's own additions to its ``string`` copy still work as
            # methods (see ops.mindex)
            smeta = getmetatable("")
            freeze(strings)
            freeze(smeta)
            freeze(strings.meta)               # string(x)'s __call, shared too
            self._base = {
                "string": strings,
                "table": ltable.make_table_lib(),
                "math": lmath.make_math_lib(),
                "coroutine": coroutine.make_coroutine_lib(),
                "os": los.make_os_lib(standalone=False),
                "utf8": lutf8.make_utf8_lib(),
            }
        return self._base

    def new_globals(self, ce, loading=()):
        """A fresh globals table for one instance of the entry: built from
        the entry's template with a copy of every library table it can
        reach (so one instance's changes to ``string`` or ``process`` stay
        its own), and instances of the libraries it imports.

        Only the globals the entry's code can reach are put in it (see
        ``_globals_plan``): a process that never names ``string`` costs no
        copy of it, and nothing it can do can tell the difference."""
        plan = ce.gplan
        if plan is None:
            plan = ce.gplan = self._globals_plan(ce)
        base, libs, with_g, with_require = plan
        G = LuaTable(base)
        if with_g:
            G["_G"] = G
        for k, lib, nested, meta in libs:
            t = G[k] = LuaTable(lib)
            if meta is not None:            # string(x): the library's __call
                setmetatable(t, meta)
            for n in nested:
                t[n] = LuaTable(lib[n])
        if ce.imports:
            entry = ce.entry
            imports = LuaTable()
            for alias, target in ce.imports.items():
                # every import is resolved (a library's chunk runs, a missing
                # one is an error) even when the code cannot name it
                value = self.resolve_import(entry, alias, target, loading)
                imports[alias] = value
                G[alias] = value
            if with_require:
                def require(name=None, *_):
                    if type(name) is not str:
                        rt_error("bad argument #1 to 'require' (string expected, got %s)"
                                 % _lua_typename(name))
                    v = imports.get(name)
                    if v is None:
                        rt_error("module '%s' not found" % name)
                    return v
                G["require"] = require
        return G

    def _globals_plan(self, ce):
        """What ``new_globals`` builds for an entry: (the shared values,
        the library tables to copy as (name, table, names of its nested
        plain tables, copied too), whether ``_G`` is set, whether
        ``require`` is made).

        Entries cannot ``load`` code and have no ``debug`` library, so their
        code reaches a global only by writing its name, or through the
        globals table itself, which it can only get by naming ``_G`` or
        ``_ENV``.  When the source (comments and strings included: a
        superset) names neither, a global whose name it never writes is
        unreachable and left out: it could not be read, written, listed or
        compared.  Otherwise every global is there, as in Lua."""
        tmpl = ce.gtmpl
        if tmpl is None:
            tmpl = ce.gtmpl = self._globals_template(ce)
        names = set(_NAME_RE.findall(ce.entry.data.get("source") or ""))
        everything = "_G" in names or "_ENV" in names
        base = {}
        libs = []
        for k, v in tmpl.items():
            if not everything and k not in names:
                continue
            if type(v) is LuaTable:
                base_lib = self.base_libs().get(k)
                libs.append((k, v, tuple(n for n, x in v.items() if type(x) is LuaTable),
                             base_lib.meta if base_lib is not None else None))
            else:
                base[k] = v
        if ce.imports:
            base.pop("require", None)
        return (base, tuple(libs), everything, everything or "require" in names)

    def _globals_template(self, ce):
        G = LuaTable()
        baselib.install(G)
        for k in ("collectgarbage", "load", "loadstring", "loadfile", "dofile"):
            G.pop(k, None)
        for name, lib in self.base_libs().items():
            G[name] = LuaTable(lib)
        os_ = G["os"]
        for k in ("execute", "exit", "remove", "rename", "tmpname", "getenv"):
            os_.pop(k, None)
        entry = ce.entry
        self.app.install_globals(G, entry)
        G["print"] = self.app.make_print(entry, ce.chunkname)
        G["require"] = _no_require
        del G["_G"]
        if not ce.registered:
            # the builtins' code objects are shared by every instance of the
            # entry: recording them once is enough
            register_builtins(G)
            ce.registered = True
        return G

    def resolve_import(self, entry, alias, target, loading):
        if target.startswith(":"):
            v = self.app.builtin_module(target[1:], entry)
            if v is None:
                raise EntryError("entry %s: unknown module '%s'" % (entry.id, target[1:]),
                                 "NotFound")
            return v
        if target in loading:
            raise EntryError("entry %s: circular import of %s" % (entry.id, target))
        ce = self.compiled.get(target)
        if ce is None or ce.entry.kind != "library.lua":
            raise EntryError("entry %s: import '%s' needs library %s, which does not exist"
                             % (entry.id, alias, target), "NotFound")
        inst = self.new_instance(ce, tuple(loading) + (entry.id,))
        return inst.value


def _code_names(code, out):
    out.update(code.co_names)
    for c in code.co_consts:
        if type(c) is type(code):
            _code_names(c, out)
    return out


def _helpers_for(code):
    """The runtime helpers a compiled chunk's code (nested functions
    included) can name as globals: its module dict needs no others."""
    names = _code_names(code, set())
    g = {k: v for k, v in _HELPERS.items() if k in names}
    g["__builtins__"] = _HELPERS["__builtins__"]
    return g


def _no_require(name=None, *_):
    if type(name) is not str:
        rt_error("bad argument #1 to 'require' (string expected, got %s)" % _lua_typename(name))
    rt_error("module '%s' not found" % name)


def _first(r):
    if type(r) is tuple:
        return r[0] if r else None
    return r


def _lua_typename(v):
    from .runtime.values import lua_type
    return lua_type(v)
