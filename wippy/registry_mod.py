"""The Lua ``registry`` module: read entries, find them, snapshots,
versions and changesets.  Entries are Lua tables ``{id, kind, meta, data}``
copied out of the registry (changing one changes nothing until it goes
through a changeset)."""

from .registry import Entry, RegistryError, parse_id
from .project import qualify_refs
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
    entry = Entry(eid, kind, _texts(meta), _texts(data))
    if isinstance(entry.data, dict):
        qualify_refs(entry.ns, kind, entry.meta, entry.data)
    return entry


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
    ver = v.reg.get_version(v.vid)
    prev = ver.prev if ver is not None else v.vid - 1
    return VersionObj(v.reg, prev) if prev >= 1 and v.reg.get_version(prev) else None


def _v_next(v=None, *_):
    _v(v, "next")
    for ver in v.reg.versions():
        if ver.id > v.vid:
            return VersionObj(v.reg, ver.id)
    return None


def _v_string(v=None, *_):
    _v(v, "string")
    ver = v.reg.get_version(v.vid)
    if ver is None:
        return "v%d" % v.vid
    return "v%d (%s)" % (v.vid, ver.description) if ver.description else "v%d" % v.vid


VersionObj.lua_meta = LuaTable({
    "__index": LuaTable({"id": lambda v=None, *_: _v(v, "id").vid, "string": _v_string,
                         "previous": _v_prev, "next": _v_next}),
    "__tostring": lambda v, *_: _v_string(v),
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
    # a changeset built from an older snapshot applies to the current version
    # operation by operation; it fails only if an operation is invalid now
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


class HistoryObj(Userdata):
    """``registry.history()``: the versions kept."""
    __slots__ = ("reg",)

    def __init__(self, reg):
        self.reg = reg


def _h(h, name):
    if not isinstance(h, HistoryObj):
        rt_error("bad argument #1 to '%s' (history expected)" % name)
    return h.reg


def _version_list(reg):
    return LuaTable({i: VersionObj(reg, v.id) for i, v in enumerate(reg.versions(), 1)})


def _h_get_version(h=None, vid=None, *_):
    reg = _h(h, "get_version")
    if type(vid) is not int:
        return None, _err("Invalid", "version ID must be an integer")
    if vid < 0:
        return None, _err("Invalid", "version ID must be >= 0")
    if vid != 0 and reg.get_version(vid) is None:
        return None, _err("NotFound", "version %d not found" % vid)
    return VersionObj(reg, vid)


def _h_snapshot_at(h=None, v=None, *_):
    reg = _h(h, "snapshot_at")
    if not isinstance(v, VersionObj):
        return None, _err("Invalid", "snapshot_at expects a version")
    try:
        return SnapshotObj(reg.snapshot_at(v.vid))
    except RegistryError as e:
        return None, _err(e.kind, str(e))


HistoryObj.lua_meta = LuaTable({
    "__index": LuaTable({"versions": lambda h=None, *_: _version_list(_h(h, "versions")),
                         "get_version": _h_get_version, "snapshot_at": _h_snapshot_at}),
    "__len": lambda h, *_: len(h.reg.versions()),
    "__name": "history"})


def _entries_from_lua(t, what):
    if not isinstance(t, LuaTable):
        raise RegistryError("%s must be a table of entries" % what)
    out = {}
    i = 1
    while t.get(i) is not None:
        e = _entry_from_lua(t.get(i))
        out[e.id] = e
        i += 1
    return out


def _delta(frm, to):
    """Operations turning the entries ``frm`` into ``to`` (dicts by ID)."""
    ops = []
    for eid, e in to.items():
        old = frm.get(eid)
        if old is None:
            ops.append(("create", e))
        elif old != e:
            ops.append(("update", e))
    for eid, e in frm.items():
        if eid not in to:
            ops.append(("delete", e))
    return ops


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
        if type(eid) is not str:
            return None, _err("Invalid", "entry ID must be a string")
        ns, sep, name = eid.partition(":")
        if not sep:
            ns, name = "", eid
        return LuaTable({"ns": ns, "name": name})

    def snapshot(*_):
        return SnapshotObj(reg.snapshot())

    def snapshot_at(v=None, *_):
        if isinstance(v, VersionObj):
            v = v.vid
        if type(v) is not int:
            return None, _err("Invalid", "version must be an integer or a version")
        if v <= 0:
            return None, _err("Invalid", "version ID must be > 0")
        try:
            return SnapshotObj(reg.snapshot_at(v))
        except RegistryError as e:
            return None, _err(e.kind, str(e))

    def current_version(*_):
        return VersionObj(reg, reg.version)

    def versions(*_):
        return _version_list(reg)

    def history(*_):
        return HistoryObj(reg)

    def apply_version(v=None, *_):
        if isinstance(v, VersionObj):
            v = v.vid
        if type(v) is not int:
            return False, _err("Invalid", "version must be a version or an integer")
        try:
            reg.apply_version(v)
        except RegistryError as e:
            return False, _err(e.kind, str(e))
        return True

    def build_delta(frm=None, to=None, *_):
        try:
            ops = _delta(_entries_from_lua(frm, "from_entries"), _entries_from_lua(to, "to_entries"))
        except RegistryError as e:
            return None, _err("Invalid", str(e))
        return LuaTable({i: LuaTable({"kind": "entry." + op, "entry": _entry_to_lua(e)})
                         for i, (op, e) in enumerate(ops, 1)})

    return LuaTable({"get": get, "find": find, "parse_id": parse, "snapshot": snapshot,
                     "snapshot_at": snapshot_at, "current_version": current_version,
                     "versions": versions, "history": history,
                     "apply_version": apply_version, "build_delta": build_delta})
