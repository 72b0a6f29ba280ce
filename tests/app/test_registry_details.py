"""Registry details: plain-data kinds, relative references in meta, versions
and history objects, find keys, changesets from older snapshots, and where
the history lives (memory by default, SQLite or PostgreSQL when configured)."""

import os
import uuid

import pytest

from wippy.app import App
from wippy.project import load_config, load_project
from wippy.registry import (Entry, KindHandler, Registry, RegistryError, MemoryHistory,
                            SQLiteHistory, PostgresHistory, open_history)

from wippy.runtime.values import TRUE, FALSE

from .projects import project, write

PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"


def require_postgres():
    """A PostgreSQL DSN, or a skip when the server is not reachable; with
    WIPPY_REQUIRE_SERVICES set (as .ci/run does) its absence fails the test."""
    try:
        import psycopg2
        psycopg2.connect(PG_DSN, connect_timeout=3).close()
    except Exception as e:      # any connection failure
        msg = "PostgreSQL not reachable at %s: %s" % (PG_DSN, str(e).strip().splitlines()[0])
        if os.environ.get("WIPPY_REQUIRE_SERVICES"):
            pytest.fail(msg + " (WIPPY_REQUIRE_SERVICES is set)")
        pytest.skip(msg)
    return PG_DSN


INDEX = """
namespace: app
entries:
  - name: settings
    kind: registry.entry
    meta: {type: config, title: Settings}
    environment: production
    features: {dark_mode: true}
  - name: dep.test
    kind: ns.dependency
    component: wippy/test
    version: "*"
  - name: def
    kind: ns.definition
  - name: req
    kind: ns.requirement
    targets: [{entry: settings, path: .environment}]
  - name: gateway
    kind: http.service
    addr: "127.0.0.1:0"
  - name: api
    kind: http.router
    meta: {server: gateway}
    prefix: /api
  - name: hello.ep
    kind: http.endpoint
    meta: {router: api}
    method: GET
    path: /hello
    func: hello
  - name: hello
    kind: function.lua
    method: main
    source: "return {main = function() return 'hi' end}"
  - name: t1
    kind: function.lua
    meta: {type: test, name: first}
    method: main
    source: "return {main = function() return 1 end}"
  - name: run
    kind: function.lua
    method: main
    modules: [registry]
    source: file://run.lua
"""

# ``run(step, ...)`` performs one scripted registry action from Lua
RUN = """
local registry = require("registry")

local function ids(list)
  local out = {}
  for i, e in ipairs(list) do out[i] = e.id end
  return table.concat(out, ",")
end

local steps = {}

function steps.entry()
  local e = registry.get("app:settings")
  return e.kind, e.data.environment, e.data.features.dark_mode, e.meta.title,
         ids(registry.find({[".kind"] = "ns.*"}))
end

function steps.find()
  return ids(registry.find({kind = "function.lua"})),
         ids(registry.find({type = "test"})),
         ids(registry.find({name = "settings"})),
         ids(registry.find({namespace = "app", name = "t*"})),
         ids(registry.find({id = "app:hello"})),
         ids(registry.find({[".name"] = "hello", kind = "function.lua"})),
         ids(registry.find({title = "Settings"})),
         ids(registry.find({["meta.name"] = "first"})),
         ids(registry.find({["data.method"] = "main", type = "test"}))
end

function steps.versions()
  local snap = registry.snapshot()
  local v = snap:version()
  local cur = registry.current_version()
  local ch = snap:changes()
  ch:create({id = "app:extra", kind = "registry.entry", data = {n = 1}})
  local v2 = ch:apply()
  local prev, nxt = v2:previous(), v:next()
  return v:id() == cur:id(), type(v:string()), v2:id() - v:id(), prev:id() == v:id(),
         nxt:id() == v2:id(), v2:next() == nil, tostring(v2) == v2:string()
end

function steps.first_previous()
  local vs = registry.versions()
  return #vs, vs[1]:id(), vs[1]:previous() == nil
end

function steps.history()
  local hist = registry.history()
  local vs = hist:versions()
  local last = vs[#vs]
  local got, err = hist:get_version(last:id())
  local _, e2 = hist:get_version(last:id() + 100)
  local _, e3 = hist:get_version(-1)
  local snap = hist:snapshot_at(vs[1])
  return #vs, #hist, got:id() == last:id(), e2:kind(), e3:kind(),
         snap:get("app:settings").data.environment
end

function steps.stale()
  -- two changesets built from the same snapshot: both apply to the newest version
  local snap = registry.snapshot()
  local a = snap:changes()
  local b = snap:changes()
  a:create({id = "app:a1", kind = "registry.entry", data = {v = 1}})
  b:create({id = "app:b1", kind = "registry.entry", data = {v = 2}})
  b:update({id = "app:settings", kind = "registry.entry", data = {environment = "staging"}})
  local va = a:apply()
  local vb, errb = b:apply()
  -- a third from the old snapshot: creating an ID that exists now fails as a whole
  local c = snap:changes()
  c:create({id = "app:c1", kind = "registry.entry"})
  c:create({id = "app:a1", kind = "registry.entry"})
  local vc, errc = c:apply()
  -- updating / deleting what no longer exists fails too
  local d = snap:changes()
  d:delete("app:a1")
  assert(d:apply())
  local e = snap:changes()
  e:update({id = "app:a1", kind = "registry.entry"})
  local _, erre = e:apply()
  local f = snap:changes()
  f:delete({ns = "app", name = "a1"})
  local _, errf = f:apply()
  return vb:id() - va:id(), errb, vc, errc:kind(), registry.get("app:c1") == nil,
         registry.get("app:b1").data.v, registry.get("app:settings").data.environment,
         erre:kind(), errf:kind()
end

function steps.refs()
  local ch = registry.snapshot():changes()
  ch:create({id = "app:api2", kind = "http.router", meta = {server = "gateway"},
             data = {prefix = "/v2"}})
  ch:create({id = "app:ep2", kind = "http.endpoint", meta = {router = "api2"},
             data = {method = "GET", path = "/x", func = "hello"}})
  ch:create({id = "app:cfg2", kind = "registry.entry", meta = {server = "gateway"}})
  local ops = ch:ops()
  local _, err = ch:apply()
  assert(not err, tostring(err))
  return ops[1].entry.meta.server, registry.get("app:ep2").meta.router,
         registry.get("app:ep2").data.func, registry.get("app:cfg2").meta.server
end

function steps.delta()
  local from = {{id = "test:a", kind = "test", meta = {}, data = {}},
                {id = "test:c", kind = "test", meta = {}, data = {x = 1}}}
  local to = {{id = "test:b", kind = "test", meta = {}, data = {}},
              {id = "test:c", kind = "test", meta = {}, data = {x = 2}}}
  local ops = registry.build_delta(from, to)
  local out = {}
  for i, op in ipairs(ops) do out[i] = op.kind .. " " .. op.entry.id end
  table.sort(out)
  local _, err = registry.build_delta("x", to)
  return table.concat(out, ","), err:kind()
end

function steps.parse()
  local a = registry.parse_id("app.lib:assert")
  local b = registry.parse_id("plain")
  return a.ns, a.name, b.ns, b.name
end

function steps.change(id, v)
  local ch = registry.snapshot():changes()
  if registry.get(id) then
    ch:update({id = id, kind = "registry.entry", data = {v = v}})
  else
    ch:create({id = id, kind = "registry.entry", data = {v = v}})
  end
  local ver, err = ch:apply()
  if err then return nil, err end
  return ver:id()
end

function steps.rollback(n)
  local ok, err = registry.apply_version(n)
  local bad, err2 = registry.apply_version(10000)
  return ok, err, bad, err2:kind()
end

function steps.snapshot_at_bad()
  local _, e1 = registry.snapshot_at(0)
  local _, e2 = registry.snapshot_at(10000)
  return e1:kind(), e2:kind()
end

return {main = function(step, ...) return steps[step](...) end}
"""


def run(app, *args):
    """Call app:run; Lua booleans as Python's."""
    return tuple(True if v is TRUE else False if v is FALSE else v
                 for v in app.call("app:run", *args))


@pytest.fixture
def app(tmp_path):
    a = App.open(project(tmp_path, INDEX, {"run.lua": RUN}))
    yield a
    a.close()


def test_registry_entry_fields_are_its_data(app):
    e = app.registry.get("app:settings")
    assert e.data == {"environment": "production", "features": {"dark_mode": True}}
    assert e.meta == {"type": "config", "title": "Settings"}
    assert run(app, "entry") == (
        "registry.entry", "production", True, "Settings", "app:def,app:dep.test,app:req")
    dep = app.registry.get("app:dep.test")
    assert dep.kind == "ns.dependency" and dep.data["component"] == "wippy/test"


def test_plain_data_kinds_are_never_handled(tmp_path):
    root = project(tmp_path, INDEX, {"run.lua": RUN})
    config = load_config(root)
    defs = load_project(root, config=config).check().entries

    class All(KindHandler):
        kinds = ("*",)
        seen = set()

        def apply(self, op, old, new):
            self.seen.add((new or old).kind)

    app = App(root, config)
    h = All()
    app.registry.add_handler(h)
    app.boot_defs(defs)
    plain = {"registry.entry", "ns.dependency", "ns.definition", "ns.requirement"}
    assert plain.isdisjoint(h.seen)
    assert {"function.lua", "http.router", "http.service"} <= h.seen
    for k in plain:
        assert app.registry.handlers_for(k) == []
    # listed all the same, and changes to them apply without any handler
    assert {e.kind for e in app.registry.entries()} >= plain
    app.registry.apply([("update", Entry("app:dep.test", "ns.dependency", {},
                                         {"component": "wippy/test", "version": "1.0"}))])
    assert not plain & h.seen
    app.close()


def test_unknown_kind_is_rejected_at_load_but_not_in_changesets(tmp_path):
    root = project(tmp_path, INDEX + """
  - name: odd
    kind: no.such.kind
""", {"run.lua": RUN})
    p = load_project(root)
    assert [str(x) for x in p.problems] == [
        "src/app/_index.yaml:47: app:odd: unknown kind 'no.such.kind'"]
    r = Registry()
    r.apply([("create", Entry("x:y", "test.kind", {"type": "test"}, {"config": "value"}))])
    assert r.get("x:y").data == {"config": "value"}


def test_relative_references_in_meta(app):
    assert app.registry.get("app:api").meta["server"] == "app:gateway"
    assert app.registry.get("app:hello.ep").meta["router"] == "app:api"
    assert app.registry.get("app:hello.ep").data["func"] == "app:hello"
    # entries made at runtime resolve the same way (plain data is left alone)
    assert run(app, "refs") == ("app:gateway", "app:api2", "app:hello", "gateway")


def test_find_bare_keys(app):
    assert run(app, "find") == (
        "app:hello,app:run,app:t1",     # kind: the entry's kind
        "app:t1",                       # type: meta.type
        "app:settings",                 # name: the entry's name, not meta.name
        "app:t1",                       # namespace + name glob
        "app:hello",                    # id
        "app:hello",
        "app:settings",                 # any other bare key: a meta field
        "app:t1",                       # meta.name explicitly
        "app:t1")


def test_versions_and_history_objects(app):
    assert run(app, "versions") == (True, "string", 1, True, True, True, True)
    n = len(app.registry.versions())
    assert run(app, "first_previous") == (n, 1, True)
    assert run(app, "history") == (n, n, True, "NotFound", "Invalid", "production")
    assert run(app, "snapshot_at_bad") == ("Invalid", "NotFound")


def test_changeset_from_older_snapshot(app):
    r = run(app, "stale")
    assert r == (1, None, None, "AlreadyExists", True, 2, "staging", "NotFound", "NotFound")


def test_build_delta_parse_id_apply_version(app):
    assert run(app, "delta") == (
        "entry.create test:b,entry.delete test:a,entry.update test:c", "Invalid")
    assert run(app, "parse") == ("app.lib", "assert", "", "plain")
    v1 = run(app, "change", "app:k", 1)[0]
    run(app, "change", "app:k", 2)
    assert app.registry.get("app:k").data == {"v": 2}
    assert run(app, "rollback", v1) == (True, None, False, "NotFound")
    assert app.registry.get("app:k").data == {"v": 1}


# -- where the history lives ------------------------------------------------

PERSIST = """
namespace: app
entries:
  - name: keep
    kind: registry.entry
    v: 1
  - name: edit
    kind: registry.entry
    v: 1
  - name: gone
    kind: registry.entry
    v: 1
  - name: run
    kind: function.lua
    method: main
    modules: [registry]
    source: file://run.lua
"""


def _restart_scenario(root, config_files=()):
    """Runtime changes, a restart with edited sources; returns what the
    second start holds."""
    a = App.open(root, config_files)
    run(a, "change", "app:keep", 10)       # runtime edit, sources unchanged
    run(a, "change", "app:edit", 10)       # runtime edit, then edited in sources
    run(a, "change", "app:made", 10)       # runtime creation
    v = a.registry.version
    a.close()
    write(root, "src/app/_index.yaml", PERSIST.replace("  - name: edit\n    kind: registry.entry\n"
                                                       "    v: 1",
                                                       "  - name: edit\n    kind: registry.entry\n"
                                                       "    v: 2")
          .replace("  - name: gone\n    kind: registry.entry\n    v: 1\n", "")
          + "  - name: added\n    kind: registry.entry\n    v: 1\n")
    b = App.open(root, config_files)
    got = {e.id: e.data.get("v") for e in b.registry.entries() if e.kind == "registry.entry"}
    return b, v, got


def test_memory_history_is_the_default(tmp_path):
    root = project(tmp_path, PERSIST, {"run.lua": RUN})
    b, v, got = _restart_scenario(root)
    try:
        # every start begins from the sources
        assert got == {"app:keep": 1, "app:edit": 2, "app:added": 1}
        assert b.registry.version == 1
        assert isinstance(b.registry.history, MemoryHistory)
        assert not os.path.exists(os.path.join(root, ".wippy", "registry.db"))
    finally:
        b.close()


def _check_restored(b, v, got):
    # the last version is restored; what changed in the sources wins
    assert got == {"app:keep": 10, "app:edit": 2, "app:made": 10, "app:added": 1}
    assert b.registry.version == v + 1
    assert b.registry.versions()[-1].description == "boot"
    # the history was kept: the runtime version is still reachable
    assert b.registry.snapshot_at(v).get("app:gone").data == {"v": 1}


def test_sqlite_history_restores_last_version(tmp_path):
    root = project(tmp_path, PERSIST, {"run.lua": RUN})
    write(root, ".wippy.yaml", "registry:\n  history_type: sqlite\n  history_path: data/reg.db\n")
    b, v, got = _restart_scenario(root)
    try:
        assert isinstance(b.registry.history, SQLiteHistory)
        assert os.path.exists(os.path.join(root, "data", "reg.db"))
        _check_restored(b, v, got)
    finally:
        b.close()
    # a start with nothing changed adds no version and keeps the state
    c = App.open(root)
    try:
        assert c.registry.version == v + 1
        assert c.registry.get("app:made").data == {"v": 10}
    finally:
        c.close()


def test_postgres_history_restores_last_version(tmp_path):
    dsn = require_postgres()
    schema = "wippy_t_" + uuid.uuid4().hex[:10]
    root = project(tmp_path, PERSIST, {"run.lua": RUN})
    write(root, ".wippy.yaml", "registry:\n  history_type: postgres\n"
                               "  history_dsn: ${env:WIPPY_T_PG_DSN}\n"
                               "  history_schema: %s\n" % schema)
    os.environ["WIPPY_T_PG_DSN"] = dsn
    import psycopg2
    try:
        b, v, got = _restart_scenario(root)
        try:
            assert isinstance(b.registry.history, PostgresHistory)
            _check_restored(b, v, got)
        finally:
            b.close()
        # the rows are really in PostgreSQL, in the schema asked for
        with psycopg2.connect(dsn) as conn, conn.cursor() as c:
            c.execute('SELECT count(*) FROM "%s".registry_versions' % schema)
            assert c.fetchone()[0] == v + 1
    finally:
        del os.environ["WIPPY_T_PG_DSN"]
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        with conn.cursor() as c:
            c.execute('DROP SCHEMA IF EXISTS "%s" CASCADE' % schema)
        conn.close()


def test_history_settings(tmp_path):
    root = str(tmp_path)
    assert isinstance(open_history({}, root), MemoryHistory)
    assert isinstance(open_history({"history_type": "sqlite", "enable_history": False}, root),
                      MemoryHistory)
    h = open_history({"history_type": "sqlite"}, root)
    assert isinstance(h, SQLiteHistory)
    assert h.path == os.path.join(root, ".wippy/registry.db")
    h.close()
    with pytest.raises(RegistryError) as ei:
        open_history({"history_type": "etcd"}, root)
    assert "unknown 'etcd'" in str(ei.value)
    with pytest.raises(RegistryError) as ei:
        open_history({"history_type": "postgres"}, root)
    assert "history_dsn" in str(ei.value)
    with pytest.raises(RegistryError) as ei:
        open_history({"history_type": "postgres",
                      "history_dsn": "postgresql://nobody@127.0.0.1:1/none"}, root)
    assert "postgres" in str(ei.value) and "Traceback" not in str(ei.value)
