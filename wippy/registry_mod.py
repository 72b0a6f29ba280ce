"""The Lua ``registry`` module: read entries, find them, snapshots,
versions and changesets.  Entries are Lua tables ``{id, kind, meta, data}``
copied out of the registry (changing one changes nothing until it goes
through a changeset)."""

from .registry import Entry, RegistryError, parse_id
from .runtime.values import LuaTable, Userdata
from .runtime.errors import rt_error

__all__ = ["make_registry_module"]


def _err(kind, msg):
    from .lerrors import new_error
    return new_error(kind, msg)


def _entry_to_lua(e):
    from .convert import to_lua
    return LuaTable({"id": e.id, "kind": e.kind, "meta": to_lua(e.meta),
                     "data": to_lua(e.data)})


def _entry_from_lua(t):
    """A Lua entry table -> Entry (raises RegistryError)."""
    from .convert import to_python
    if not isinstance(t, LuaTable):
        raise RegistryError("entry must be a table")
    eid = t.get("id")
    if eid is None and t.get("namespace") is not None:
        eid = "%s:%s" % (t.get("namespace"), t.get("name"))
    if type(eid) is not str:
        raise RegistryError("entry needs an 'id' ('namespace:name')")
    kind = t.get("kind")
    if type(kind) is not str or not kind:
        raise RegistryError("entry %s needs a 'kind'" % eid)
    meta = to_python(t.get("meta")) if t.get("meta") is not None else {}
    data = to_python(t.get("data")) if t.get("data") is not None else {}
    if meta == []:
        meta = {}
    if data == []:
        data = {}
    if not isinstance(meta, dict):
        raise RegistryError("entry %s: meta must be a table with string keys" % eid)
    return Entry(_text_id(eid), kind, _texts(meta), _texts(data))


def _text_id(s):
    return s


def _texts(v):
    # Lua strings are bytes; the registry keeps text
    if isinstance(v, str):
        try:
            return v.encode("latin-1").decode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError):
            return v
    if isinstance(v, dict):
        return {_texts(k): _texts(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_texts(x) for x in v]
    return v


def _filter_from_lua(f):
    from .convert import to_python
    if f is None:
        return {}
    if not isinstance(f, LuaTable):
        raise RegistryError("filter must be a table")
    p = to_python(f)
    if p == []:
        return {}
    if not isinstance(p, dict):
        raise RegistryError("filter keys must be strings")
    return _texts(p)


def _list(entries):
    entries = sorted(entries, key=lambda e: e.id)
    return LuaTable({i: _entry_to_lua(e) for i, e in enumerate(entries, 1)})


class VersionObj(Userdata):
    __slots__ = ("reg", "vid")

    def __init__(self, reg, vid):
        self.reg = reg
        self.vid = vid


def _v(v, name):
    if not isinstance(v, VersionObj):
        rt_error("bad argument #1 to '%s' (version expected)" % name)
    return v


def _v_prev(v=None, *_):
    _v(v, "previous")
    return VersionObj(v.reg, v.vid - 1) if v.vid > 0 else None


def _v_next(v=None, *_):
    _v(v, "next")
    return VersionObj(v.reg, v.vid + 1) if v.vid < v.reg.version else None


VersionObj.lua_meta = LuaTable({
    "__index": LuaTable({"id": lambda v=None, *_: _v(v, "id").vid,
                         "string": lambda v=None, *_: str(_v(v, "string").vid),
                         "previous": _v_prev, "next": _v_next}),
    "__tostring": lambda v, *_: str(v.vid),
    "__eq": lambda a, b: isinstance(a, VersionObj) and isinstance(b, VersionObj)
    and a.vid == b.vid,
    "__name": "version"})


class SnapshotObj(Userdata):
    __slots__ = ("snap",)

    def __init__(self, snap):
        self.snap = snap


def _s(s, name):
    if not isinstance(s, SnapshotObj):
        rt_error("bad argument #1 to '%s' (snapshot expected)" % name)
    return s.snap


def _s_get(s=None, eid=None, *_):
    snap = _s(s, "get")
    e = snap.get(eid) if type(eid) is str else None
    if e is None:
        return None, _err("NotFound", "entry %s not found" % (eid,))
    return _entry_to_lua(e)


def _s_find(s=None, f=None, *_):
    snap = _s(s, "find")
    try:
        return _list(snap.find(_filter_from_lua(f)))
    except RegistryError as e:
        return None, _err("Invalid", str(e))


def _s_namespace(s=None, ns=None, *_):
    return _list(_s(s, "namespace").namespace(ns))


SnapshotObj.lua_meta = LuaTable({
    "__index": LuaTable({"entries": lambda s=None, *_: _list(_s(s, "entries").entries()),
                         "get": _s_get, "find": _s_find, "namespace": _s_namespace,
                         "version": lambda s=None, *_: VersionObj(_s(s, "version").registry,
                                                                  _s(s, "version").version),
                         "changes": lambda s=None, *_: Changes(_s(s, "changes"))}),
    "__name": "snapshot"})


class Changes(Userdata):
    __slots__ = ("snap", "ops")

    def __init__(self, snap):
        self.snap = snap
        self.ops = []


def _c(c, name):
    if not isinstance(c, Changes):
        rt_error("bad argument #1 to '%s' (changes expected)" % name)
    return c


def _c_add(op):
    def add(c=None, e=None, *_):
        _c(c, op)
        try:
            if op == "delete":
                if isinstance(e, LuaTable) and e.get("id") is None:
                    e = "%s:%s" % (e.get("ns"), e.get("name"))
                elif isinstance(e, LuaTable):
                    e = e.get("id")
                if type(e) is not str:
                    raise RegistryError("delete needs an entry ID")
                parse_id(e)
                c.ops.append(("delete", e))
            else:
                c.ops.append((op, _entry_from_lua(e)))
        except RegistryError as exc:
            return None, _err("Invalid", str(exc))
        return c
    return add


def _c_ops(c=None, *_):
    _c(c, "ops")
    out = LuaTable()
    for i, (op, val) in enumerate(c.ops, 1):
        out[i] = LuaTable({"kind": "entry." + op,
                           "entry": LuaTable({"id": val}) if op == "delete"
                           else _entry_to_lua(val)})
    return out


def _c_apply(c=None, *_):
    _c(c, "apply")
    reg = c.snap.registry
    if reg.version != c.snap.version:
        # changes made against an older snapshot still apply to the newest
        pass
    try:
        v = reg.apply(list(c.ops), "lua changeset")
    except RegistryError as e:
        return None, _err(e.kind, str(e))
    c.ops = []
    return VersionObj(reg, v.id)


Changes.lua_meta = LuaTable({
    "__index": LuaTable({"create": _c_add("create"), "update": _c_add("update"),
                         "delete": _c_add("delete"), "ops": _c_ops, "apply": _c_apply}),
    "__name": "changes"})


def make_registry_module(app):
    reg = app.registry

    def get(eid=None, *_):
        if type(eid) is not str:
            return None, _err("Invalid", "entry ID must be a string")
        e = reg.get(eid)
        if e is None:
            return None, _err("NotFound", "entry %s not found" % eid)
        return _entry_to_lua(e)

    def find(f=None, *_):
        try:
            return _list(reg.find(_filter_from_lua(f)))
        except RegistryError as e:
            return None, _err("Invalid", str(e))

    def parse(eid=None, *_):
        try:
            ns, name = parse_id(eid)
        except RegistryError as e:
            return None, _err("Invalid", str(e))
        return LuaTable({"ns": ns, "name": name})

    def snapshot(*_):
        return SnapshotObj(reg.snapshot())

    def snapshot_at(v=None, *_):
        if isinstance(v, VersionObj):
            v = v.vid
        if type(v) is not int:
            return None, _err("Invalid", "version must be an integer or a version")
        try:
            return SnapshotObj(reg.snapshot_at(v))
        except RegistryError as e:
            return None, _err(e.kind, str(e))

    def current_version(*_):
        return VersionObj(reg, reg.version)

    def versions(*_):
        return LuaTable({i: VersionObj(reg, v.id) for i, v in enumerate(reg.versions(), 1)})

    def history(*_):
        out = LuaTable()
        for i, v in enumerate(reg.versions(), 1):
            out[i] = LuaTable({"id": v.id, "version": VersionObj(reg, v.id),
                               "time": int(v.time), "description": v.description,
                               "changes": len(v.ops)})
        return out

    def apply_version(v=None, *_):
        if isinstance(v, VersionObj):
            v = v.vid
        if type(v) is not int:
            return None, _err("Invalid", "version must be an integer or a version")
        try:
            nv = reg.apply_version(v)
        except RegistryError as e:
            return None, _err(e.kind, str(e))
        return VersionObj(reg, nv.id if nv is not None else reg.version)

    return LuaTable({"get": get, "find": find, "parse_id": parse, "snapshot": snapshot,
                     "snapshot_at": snapshot_at, "current_version": current_version,
                     "versions": versions, "history": history,
                     "apply_version": apply_version})
