"""Weak tables (``__mode``): entries whose weak key or value is no longer
referenced from anywhere else are removed when the program calls
``collectgarbage()`` (or ``collectgarbage("collect")``).

Tables are ordinary dicts, so their entries are strong references for
Python.  At a collection we therefore look for the tables whose metatable
has a ``__mode`` field, count how many of an object's references come from
weak slots of such tables, and compare that with its reference count: an
object referenced only from weak slots is dead and its entries go.  This is
repeated until nothing changes, so an object kept alive only by a dead one
goes too.  Lua collects between steps on its own as well; here only an
explicit collection does (programs observe weak tables through
``collectgarbage`` in practice).  Ephemeron cycles (a value referring to its
own weak key) are not collected.
"""

import gc
import re
import sys
import types

from .values import LuaMetaTable, LuaFrozenTable, LuaTable, LuaClassTable, TABLE_TYPES

__all__ = ["sweep"]


def _collectable(v):
    t = type(v)
    return t in TABLE_TYPES or t is types.FunctionType or \
        (t.__name__ == "Coroutine")


def _weak_tables():
    found = []
    for o in gc.get_objects():
        t = type(o)
        if t is LuaMetaTable or t is LuaFrozenTable or t is LuaClassTable:
            mode = o.meta.get("__mode") if o.meta is not None else None
            if type(mode) is str and ("k" in mode or "v" in mode):
                found.append((o, "k" in mode, "v" in mode))
    return found


_TEMP = re.compile(r"_t\d+$")


def _frame_refs(start):
    """References held by the Lua frames on the current stack: reading
    ``f_locals`` adds one reference per local (the frame's locals dict); the
    code generator's temporaries (``_tN``) hold one more that Lua would not
    count (its registers are dead once the expression is done)."""
    from .errors import LUA_FILES
    dictrefs = {}
    temps = {}
    f = start
    while f is not None:
        if f.f_code.co_filename in LUA_FILES:
            for name, v in f.f_locals.items():
                if _collectable(v):
                    dictrefs[id(v)] = dictrefs.get(id(v), 0) + 1
                    if _TEMP.match(name):
                        temps[id(v)] = temps.get(id(v), 0) + 1
            v = None
        f = f.f_back
    return dictrefs, temps


def sweep():
    gc.collect()
    tables = _weak_tables()
    if not tables:
        return 0
    dictrefs, temps = _frame_refs(sys._getframe(1))
    removed = 0
    while True:
        objs = {}
        weakrefs = {}
        for t, wk, wv in tables:
            for k in list(t.keys()):
                v = t.get(k)
                if wk and _collectable(k):
                    objs[id(k)] = k
                    weakrefs[id(k)] = weakrefs.get(id(k), 0) + 1
                if wv and _collectable(v):
                    objs[id(v)] = v
                    weakrefs[id(v)] = weakrefs.get(id(v), 0) + 1
            k = v = None
        probe = LuaTable()
        objs[id(probe)] = probe
        weakrefs[id(probe)] = 0
        del probe
        dead = set()
        baseline = None
        for oid in list(objs):
            rc = sys.getrefcount(objs[oid])
            if oid not in weakrefs:
                continue
            if weakrefs[oid] == 0:       # the probe: references we hold ourselves
                baseline = rc
        for oid in list(objs):
            if not weakrefs[oid]:
                continue
            strong = (sys.getrefcount(objs[oid]) - baseline - dictrefs.get(oid, 0)
                      - temps.get(oid, 0))
            if strong <= weakrefs[oid]:
                dead.add(oid)
        if not dead:
            break
        for t, wk, wv in tables:
            for k in list(t.keys()):
                v = t.get(k)
                if (wk and id(k) in dead) or (wv and id(v) in dead):
                    del t[k]
                    removed += 1
            k = v = None
        objs.clear()
    return removed
