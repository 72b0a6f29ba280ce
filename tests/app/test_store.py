"""store.memory and store.sql entries and the Lua ``store`` module."""

import os
import textwrap
import time

from wippy.app import App, run_in_hub
from wippy.registry import Entry, ChangeRejected
from wippy.runtime.values import TRUE, FALSE
import pytest

from .projects import LOCK

STORES = """
  - name: mem
    kind: store.memory
    max_size: 3
    cleanup_interval: 50ms
  - name: big
    kind: store.memory
    max_size: 0
  - name: db
    kind: db.sql.sqlite
    file: data/kv.db
  - name: kv
    kind: store.sql
    database: db
    table: kv_store
    cleanup_interval: 0
"""


def make_app(root, funcs):
    os.makedirs(os.path.join(str(root), "src", "app"), exist_ok=True)
    with open(os.path.join(str(root), "wippy.lock"), "w") as f:
        f.write(LOCK)
    lines = ["namespace: app", "entries:"] + STORES.strip("\n").splitlines()
    for name, src in funcs.items():
        lines += ["  - name: " + name, "    kind: function.lua", "    method: main",
                  "    modules: [store, sql, time]", "    source: |"]
        body = ("return {main = function(...)\n" + textwrap.dedent(src).strip("\n") + "\nend}")
        lines += ["      " + l for l in body.splitlines()]
    with open(os.path.join(str(root), "src", "app", "_index.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    import sqlite3
    os.makedirs(os.path.join(str(root), "data"), exist_ok=True)
    c = sqlite3.connect(os.path.join(str(root), "data", "kv.db"))
    c.execute("CREATE TABLE IF NOT EXISTS kv_store (key VARCHAR(255) PRIMARY KEY, "
              "value BLOB NOT NULL, expires_at BIGINT)")
    c.commit()
    c.close()
    return App.open(str(root))


BASIC = """
local st = assert(store.get(ID))
assert(st:set("a", {x = 1, list = {1, 2, 3}, s = "h\\195\\169"}))
assert(st:set("n", 42))
local v = st:get("a")
v.x = 99                        -- a copy: the stored value is unchanged
local again = st:get("a")
local missing, merr = st:get("zzz")
local had = st:has("a")
local d1 = st:delete("a")
local d2 = st:delete("a")
local has2 = st:has("a")
st:set("f", 1.5)
st:set("b", true)
local _, nerr = st:set("x", nil)
local _, ferr = st:set("x", function() end)
local _, kerr = st:get("")
return again.x, again.list[3], again.s, st:get("n"), math.type(st:get("n")), missing,
  merr:kind(), had, d1, d2, has2, st:get("f"), st:get("b"), nerr:kind(), ferr:kind(),
  kerr:kind()
"""


@pytest.mark.parametrize("sid", ["app:big", "app:kv"])
def test_basic_operations(tmp_path, sid):
    app = make_app(tmp_path, {"f": BASIC.replace("ID", repr(sid))})
    assert app.call("app:f") == (1, 3, "h\xc3\xa9", 42, "integer", None, "NotFound", TRUE,
                                 TRUE, FALSE, FALSE, 1.5, TRUE, "Invalid", "Invalid", "Invalid")


@pytest.mark.parametrize("sid", ["app:big", "app:kv"])
def test_ttl_expiry(tmp_path, sid):
    app = make_app(tmp_path, {
        "set": """local st = store.get(%r)
                  st:set("t", "v", 1)
                  st:set("p", "keep", 0)
                  return st:get("t"), st:has("t")""" % sid,
        "get": """local st = store.get(%r)
                  local v, err = st:get("t")
                  return v, err and err:kind(), st:has("t"), st:get("p"), st:delete("t")""" % sid})
    assert app.call("app:set")[:2] == ("v", TRUE)
    time.sleep(1.1 if sid == "app:big" else 2.05)
    assert app.call("app:get") == (None, "NotFound", FALSE, "keep", FALSE, None)


def test_memory_max_size_and_cleanup(tmp_path):
    app = make_app(tmp_path, {
        "fill": """local st = store.get("app:mem")
                   assert(st:set("a", 1)); assert(st:set("b", 2)); assert(st:set("c", 3))
                   local ok, err = st:set("d", 4)
                   local upd = st:set("a", 10)       -- existing keys can still change
                   st:delete("b")
                   local ok2 = st:set("d", 4)
                   return ok, err:kind(), upd, ok2, st:get("a")""",
        "ttl": """local st = store.get("app:mem")
                  st:delete("a"); st:delete("c"); st:delete("d")
                  st:set("e1", 1, 0.05); st:set("e2", 2, 0.05); st:set("e3", 3, 0.05)
                  time.sleep("200ms")
                  return st:set("new", 1)"""})
    assert app.call("app:fill") == (None, "Unavailable", TRUE, TRUE, 10, None)
    assert app.call("app:ttl") == (TRUE, None)
    mem = app.store_handler.get("app:mem")
    assert set(mem.items) == {"new"}            # the sweeper removed the expired ones
    assert app.store_handler.get("app:big").max_size == 10000


def test_memory_conditional_put_entry_list_info(tmp_path):
    app = make_app(tmp_path, {"f": """
        local st = store.get("app:big")
        local e1 = assert(st:put("lock", "me", {only_if_absent = true}))
        local e2, err = st:put("lock", "you", {only_if_absent = true})
        local cur = st:entry("lock")
        local e3 = assert(st:put("lock", "me2", {if_version = cur.version}))
        local e4, cerr = st:put("lock", "late", {if_version = cur.version})
        local _, xerr = st:put("lock", "x", {only_if_absent = true, if_version = "1"})
        local e5 = st:put("tmp", 1, {ttl = 60})
        for i = 1, 5 do st:set("k:" .. i, i) end
        local p1 = st:list({prefix = "k:", limit = 2})
        local p2 = st:list({prefix = "k:", limit = 2, after = p1.cursor})
        local p3 = st:list({prefix = "k:", limit = 2, after = p2.cursor})
        local info = st:info()
        return e1.key, e1.value, e2, err:kind(), cur.value, e3.value, e3.version ~= cur.version,
          e4, cerr:kind(), cerr:retryable(), xerr:kind(), e5.value,
          p1.items[1].key, p1.items[2].value, p1.has_more, p2.items[1].key, p3.items[1].key,
          #p3.items, p3.has_more, info.backend, info.conditional_put, info.versioned,
          info.durable, info.id, store.backend.MEMORY, store.consistency.LINEARIZABLE
        """})
    assert app.call("app:f") == (
        "lock", "me", None, "AlreadyExists", "me", "me2", TRUE, None, "Conflict", TRUE,
        "Invalid", 1, "k:1", 2, TRUE, "k:3", "k:5", 1, FALSE, "memory", TRUE, TRUE, FALSE,
        "app:big", "memory", "linearizable")


def test_sql_store_no_conditional_put_list_and_encoding(tmp_path):
    app = make_app(tmp_path, {"f": """
        local st = store.get("app:kv")
        local _, err = st:put("a", 1, {only_if_absent = true})
        local e = assert(st:put("a", {[1] = "x", [5] = "y", name = "z", [true] = 1}))
        local v = st:get("a")
        local en = st:entry("a")
        st:set("b", {})
        st:set("c", "\\255\\000raw")
        local page = st:list({limit = 10})
        local info = st:info()
        return err:kind(), v[1], v[5], v.name, v[true], type(st:get("b")), st:get("c"),
          #page.items, page.items[3].key, page.has_more, info.backend, info.conditional_put,
          info.durable, en.version == e.version
        """})
    assert app.call("app:f") == ("Invalid", "x", "y", "z", 1, "table", "\xff\x00raw", 3, "c",
                                 FALSE, "sql", FALSE, TRUE, TRUE)
    # the rows are in the user's table, readable as JSON
    import sqlite3
    c = sqlite3.connect(os.path.join(str(tmp_path), "data", "kv.db"))
    rows = dict(c.execute("SELECT key, value FROM kv_store").fetchall())
    assert rows["b"] == b"{}"


def test_store_errors_and_release(tmp_path):
    app = make_app(tmp_path, {"f": """
        local s1, e1 = store.get("app:none")
        local s2, e2 = store.get("")
        local s3, e3 = store.get("app:db")
        local st = store.get("app:big")
        local r = st:release()
        local _, e4 = st:get("a")
        return e1:kind(), e2:kind(), e3:kind(), r, e4:kind()
        """})
    assert app.call("app:f") == ("NotFound", "Invalid", "Invalid", TRUE, "Invalid")


def test_sql_store_missing_database_and_bad_columns(tmp_path):
    app = make_app(tmp_path, {"f": """
        local st = store.get("app:kv")
        local _, err = st:set("a", 1)
        return err:kind()
        """})
    app.registry.apply([("delete", "app:db")])
    assert app.call("app:f") == ("Unavailable",)
    with pytest.raises(ChangeRejected):
        app.registry.apply([("create", Entry("app:kv2", "store.sql", {},
                                             {"database": "app:db", "table_name": "x; drop"}))])


def test_memory_store_update_keeps_data_delete_drops_it(tmp_path):
    app = make_app(tmp_path, {
        "set": 'return store.get("app:big"):set("k", "v")',
        "get": 'local v, err = store.get("app:big"); if err then return nil, err end\n'
               'return v:get("k")'})
    app.call("app:set")
    e = app.registry.get("app:big")
    app.registry.apply([("update", Entry(e.id, e.kind, {}, {"max_size": 5}))])
    assert app.call("app:get") == ("v", None)
    assert app.store_handler.get("app:big").max_size == 5
    app.registry.apply([("delete", "app:big")])
    r = app.call("app:get")
    assert r[0] is None and r[1].kind == "NotFound"
