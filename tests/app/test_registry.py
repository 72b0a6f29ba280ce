"""The registry: versions, changesets, handlers, history, rollback."""

import pytest

from wippy.registry import (Registry, Entry, KindHandler, ChangeRejected, RegistryError,
                            SQLiteHistory, MemoryHistory, squash, matches_filter, parse_id)


def E(eid, kind="registry.entry", meta=None, **data):
    return Entry(eid, kind, meta or {}, data)


class Recorder(KindHandler):
    kinds = ("svc.*",)

    def __init__(self, reject=None):
        self.running = {}
        self.reject = reject
        self.calls = []

    def apply(self, op, old, new):
        self.calls.append((op, (old or new).id))
        if self.reject and new is not None and new.id == self.reject:
            raise ChangeRejected("no %s" % new.id)
        if op == "delete":
            del self.running[old.id]
        else:
            self.running[new.id] = new.data.get("v")


def test_parse_id():
    assert parse_id("a.b:c") == ("a.b", "c")
    for bad in ("abc", "a:b:c", ":c", "a:", 3):
        with pytest.raises(RegistryError):
            parse_id(bad)


def test_versions_and_changes():
    r = Registry()
    assert r.version == 0
    v1 = r.apply([("create", E("app:a", v=1)), ("create", E("app:b", v=2))])
    assert v1.id == 1 and r.version == 1
    assert r.get("app:a").data == {"v": 1}
    v2 = r.apply([("update", E("app:a", v=10)), ("delete", "app:b")])
    assert v2.id == 2 and r.get("app:b") is None and r.get("app:a").data == {"v": 10}
    assert [e.id for e in r.snapshot_at(1).entries()] == ["app:a", "app:b"]
    assert r.snapshot_at(1).get("app:a").data == {"v": 1}
    with pytest.raises(RegistryError):
        r.apply([])
    with pytest.raises(RegistryError) as ei:
        r.apply([("create", E("app:a"))])
    assert ei.value.kind == "AlreadyExists"
    with pytest.raises(RegistryError) as ei:
        r.apply([("update", E("app:zzz"))])
    assert ei.value.kind == "NotFound"
    assert r.version == 2


def test_squash_rules():
    a1, a2 = E("n:a", v=1), E("n:a", v=2)
    assert squash([("create", a1), ("update", a2)]) == [("create", a2)]
    assert squash([("create", a1), ("delete", "n:a")]) == []
    assert squash([("update", a1), ("delete", "n:a")]) == [("delete", "n:a")]
    assert squash([("delete", "n:a"), ("create", a2)]) == [("update", a2)]


def test_handler_rejection_rolls_back_everything():
    r = Registry()
    h = Recorder(reject="svc:bad")
    r.add_handler(h)
    r.apply([("create", E("svc:one", "svc.thing", v=1))])
    assert h.running == {"svc:one": 1}
    with pytest.raises(ChangeRejected):
        r.apply([("update", E("svc:one", "svc.thing", v=2)),
                 ("create", E("svc:two", "svc.thing", v=3)),
                 ("create", E("svc:bad", "svc.thing", v=4))])
    # the handler undid what it did, the entries and the version are unchanged
    assert h.running == {"svc:one": 1}
    assert r.version == 1
    assert r.get("svc:one").data == {"v": 1} and r.get("svc:two") is None


def test_passive_kinds_skip_handlers():
    r = Registry()

    class All(KindHandler):
        kinds = ("*",)
        seen = []

        def apply(self, op, old, new):
            self.seen.append((new or old).kind)
    h = All()
    r.add_handler(h)
    r.apply([("create", E("a:x", "registry.entry")), ("create", E("a:y", "other.kind"))])
    assert h.seen == ["other.kind"]


def test_find_filters():
    r = Registry()
    r.apply([("create", E("app:t1", "function.lua", {"type": "test", "tags": ["x", "y"]})),
             ("create", E("app.api:t2", "function.lua", {"type": "tool"})),
             ("create", E("app:cfg", "registry.entry", {"type": "test"}))])
    ids = lambda f: sorted(e.id for e in r.find(f))
    assert ids({".kind": "function.lua"}) == ["app.api:t2", "app:t1"]
    assert ids({".kind": "function.lua", "meta.type": "test"}) == ["app:t1"]
    assert ids({"meta": {"type": "test"}}) == ["app:cfg", "app:t1"]
    assert ids({".ns": "app.*"}) == ["app.api:t2"]
    assert ids({"^.name": "t"}) == ["app.api:t2", "app:t1"]
    assert ids({"~meta.type": "^t[eo]"}) == ["app.api:t2", "app:cfg", "app:t1"]
    assert ids({"*meta.type": "oo"}) == ["app.api:t2"]
    assert ids({"$.name": "fg"}) == ["app:cfg"]
    assert ids({"meta.tags": "y"}) == ["app:t1"]
    assert ids({"meta.missing": "*"}) == []


def test_sqlite_history_persists_and_rolls_back(tmp_path):
    path = str(tmp_path / ".wippy" / "registry.db")
    r = Registry(SQLiteHistory(path))
    r.load([E("app:a", v=1), E("app:b", v=1)])
    r.apply([("update", E("app:a", v=2))])
    r.apply([("delete", "app:b")])
    assert r.version == 3
    r.close()
    r2 = Registry(SQLiteHistory(path))
    assert r2.version == 3
    assert r2.get("app:a").data == {"v": 2} and r2.get("app:b") is None
    v = r2.apply_version(1)
    assert v.id == 4
    assert r2.get("app:a").data == {"v": 1} and r2.get("app:b").data == {"v": 1}
    assert r2.apply_version(4) is None      # already there
    r2.close()


def test_boot_presents_every_entry_and_records_delta(tmp_path):
    path = str(tmp_path / "h.db")
    r = Registry(SQLiteHistory(path))
    h = Recorder()
    r.add_handler(h)
    assert r.load([E("svc:a", "svc.x", v=1)]).id == 1
    r.close()
    r = Registry(SQLiteHistory(path))
    h = Recorder()
    r.add_handler(h)
    assert r.load([E("svc:a", "svc.x", v=1)]) is None    # nothing changed: no version
    assert h.running == {"svc:a": 1}                       # but the handler saw it
    r.close()


def test_failed_boot_is_undone():
    r = Registry()
    h = Recorder(reject="svc:b")
    r.add_handler(h)
    with pytest.raises(ChangeRejected):
        r.load([E("svc:a", "svc.x", v=1), E("svc:b", "svc.x", v=2)])
    assert h.running == {} and r.version == 0 and r.entries() == []
