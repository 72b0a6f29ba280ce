"""The db.sql.sqlite kind and the Lua ``sql`` module, driven from Lua entries."""

import os
import textwrap
import threading
import time

import gevent
import pytest

from wippy.app import App, CallError, run_in_hub
from wippy.runtime.values import LuaTable, TRUE, FALSE
from wippy.registry import Entry

from .projects import LOCK


def make_app(root, funcs, db_fields="file: data/app.db", extra=""):
    """A project with one sqlite database ``app:db`` and a function entry per
    item of ``funcs`` (name -> Lua source of a chunk returning the function)."""
    os.makedirs(os.path.join(str(root), "src", "app"), exist_ok=True)
    with open(os.path.join(str(root), "wippy.lock"), "w") as f:
        f.write(LOCK)
    lines = ["namespace: app", "entries:", "  - name: db", "    kind: db.sql.sqlite",
             "    " + db_fields]
    for name, src in funcs.items():
        lines += ["  - name: " + name, "    kind: function.lua", "    method: main",
                  "    modules: [sql, time]", "    source: |"]
        lines += ["      " + l for l in textwrap.dedent(src).strip("\n").splitlines()]
    with open(os.path.join(str(root), "src", "app", "_index.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n" + textwrap.dedent(extra))
    return App.open(str(root))


def U(s):
    return s.encode("utf-8").decode("latin-1")


SETUP = """
local function setup()
  local db = assert(sql.get("app:db"))
  local _, err = db:execute([[CREATE TABLE IF NOT EXISTS t (
    id INTEGER PRIMARY KEY, name TEXT, score REAL, n INTEGER, data BLOB)]])
  assert(not err, tostring(err))
  return db
end
"""


def fn(body):
    return SETUP + "return {main = function(...)\n" + textwrap.dedent(body) + "\nend}"


def test_round_trip_types(tmp_path):
    app = make_app(tmp_path, {"rt": fn("""
        local db = setup()
        local r, err = db:execute("INSERT INTO t (name, score, n, data) VALUES (?, ?, ?, ?)",
          {"héllo", 2.5, 42, sql.as.binary("\\255\\000\\1")})
        assert(not err, tostring(err))
        db:execute("INSERT INTO t (name, score, n, data) VALUES (?, ?, ?, ?)",
          {sql.NULL, sql.as.float(3), sql.as.int("7"), sql.as.null()})
        local rows = db:query("SELECT name, score, n, data, typeof(data) AS ty FROM t ORDER BY id")
        local a, b = rows[1], rows[2]
        return #rows, a.name, a.score, a.n, a.data, a.ty, b.name, b.score, b.n, b.data,
               math.type(a.n), math.type(b.score), r.last_insert_id, r.rows_affected
        """)})
    r = app.call("app:rt")
    assert r == (2, U("héllo"), 2.5, 42, "\xff\x00\x01", "blob", None, 3.0, 7, None,
                 "integer", "float", 1, 1)


def test_invalid_utf8_string_binds_as_blob_and_booleans_as_ints(tmp_path):
    app = make_app(tmp_path, {"f": fn("""
        local db = setup()
        db:execute("INSERT INTO t (name, n) VALUES (?, ?)", {"\\200bad", true})
        local rows = db:query("SELECT name, typeof(name) AS ty, n FROM t")
        return rows[1].name, rows[1].ty, rows[1].n
        """)})
    assert app.call("app:f") == ("\xc8bad", "blob", 1)


def test_parameters_are_bound_not_interpolated(tmp_path):
    app = make_app(tmp_path, {"inj": fn("""
        local db = setup()
        local evil = "x'); DROP TABLE t; --"
        local _, err = db:execute("INSERT INTO t (name) VALUES (?)", {evil})
        assert(not err, tostring(err))
        local rows = db:query("SELECT name FROM t WHERE name = ?", {evil})
        local none = db:query("SELECT name FROM t WHERE name = ?", {"x' OR '1'='1"})
        return #rows, rows[1].name, #none
        """)})
    assert app.call("app:inj") == (1, "x'); DROP TABLE t; --", 0)


def test_varargs_parameters_and_no_parameters(tmp_path):
    app = make_app(tmp_path, {"va": fn("""
        local db = setup()
        db:execute("INSERT INTO t (name, n) VALUES (?, ?)", "a", 1)
        db:execute("INSERT INTO t (name, n) VALUES ('b', 2)")
        local rows = db:query("SELECT name FROM t WHERE n >= ? AND n <= ? ORDER BY n", 1, 2)
        local empty = db:query("SELECT * FROM t WHERE n > 99")
        return #rows, rows[1].name, rows[2].name, #empty, type(empty)
        """)})
    assert app.call("app:va") == (2, "a", "b", 0, "table")


def test_execute_result_update_delete(tmp_path):
    app = make_app(tmp_path, {"ex": fn("""
        local db = setup()
        for i = 1, 3 do db:execute("INSERT INTO t (n) VALUES (?)", {i}) end
        local u = db:execute("UPDATE t SET name = ? WHERE n >= ?", {"big", 2})
        local d = db:execute("DELETE FROM t WHERE n = ?", {1})
        return u.rows_affected, d.rows_affected, u.last_insert_id
        """)})
    assert app.call("app:ex") == (2, 1, 3)


def test_errors_are_values(tmp_path):
    app = make_app(tmp_path, {"er": fn("""
        local db = setup()
        local rows, err = db:query("SELEC nonsense")
        local _, err2 = db:query("SELECT * FROM missing_table")
        local _, err3 = db:execute("INSERT INTO t (id) VALUES (?)", {1})
        local _, err4 = db:execute("INSERT INTO t (id) VALUES (?)", {1})
        local _, err5 = db:query("SELECT ?", {function() end})
        local _, err6 = db:query("SELECT ?, ?", {1})
        local d1, e1 = sql.get("app:nope")
        local d2, e2 = sql.get("")
        local d3, e3 = sql.get("app:er")
        return rows, err:kind(), err:message(), err2:message(), err3, err4:kind(),
               err4:message(), err5:kind(), err6:kind(), d1, e1:kind(), e2:kind(), e3:kind()
        """)})
    r = app.call("app:er")
    assert r[0] is None and r[1] == "Invalid" and "syntax error" in r[2]
    assert "no such table: missing_table" in r[3]
    assert r[4] is None
    assert r[5] == "AlreadyExists" and "UNIQUE constraint failed" in r[6]
    assert r[7:] == ("Invalid", "Invalid", None, "NotFound", "Invalid", "Invalid")


def test_type_stats_release(tmp_path):
    app = make_app(tmp_path, {"ts": fn("""
        local db = setup()
        local ty = db:type()
        local st = db:stats()
        local ok = db:release()
        local rows, err = db:query("SELECT 1 AS x")
        return ty, sql.type.SQLITE, st.max_open_connections, st.open_connections, ok,
               rows, err:kind(), sql.isolation.SERIALIZABLE
        """)})
    assert app.call("app:ts") == ("sqlite", "sqlite", 1, 1, TRUE, None, "Invalid",
                                  "serializable")


def test_prepared_statements(tmp_path):
    app = make_app(tmp_path, {"ps": fn("""
        local db = setup()
        local ins = assert(db:prepare("INSERT INTO t (name, n) VALUES (?, ?)"))
        for i = 1, 5 do
          local r, err = ins:execute({"row" .. i, i})
          assert(not err, tostring(err))
        end
        assert(ins:close())
        local _, cerr = ins:execute({"x", 9})
        local _, cerr2 = ins:close()
        local sel = db:prepare("SELECT name FROM t WHERE n > ? ORDER BY n")
        local rows = sel:query({3})
        local rows2 = sel:query(4)
        return #rows, rows[1].name, #rows2, cerr:kind(), cerr2:kind()
        """)})
    assert app.call("app:ps") == (2, "row4", 1, "Invalid", "Invalid")


def test_transactions_commit_rollback_savepoints(tmp_path):
    app = make_app(tmp_path, {"tx": fn("""
        local db = setup()
        local tx = assert(db:begin())
        tx:execute("INSERT INTO t (name) VALUES (?)", {"kept"})
        assert(tx:commit())
        local _, e1 = tx:query("SELECT 1")
        local _, e1b = tx:commit()

        local tx2 = assert(db:begin({isolation = sql.isolation.SERIALIZABLE}))
        tx2:execute("INSERT INTO t (name) VALUES (?)", {"dropped"})
        local inside = tx2:query("SELECT count(*) AS c FROM t")[1].c
        assert(tx2:rollback())

        local tx3 = db:begin()
        tx3:execute("INSERT INTO t (name) VALUES ('a')")
        assert(tx3:savepoint("sp1"))
        tx3:execute("INSERT INTO t (name) VALUES ('b')")
        assert(tx3:rollback_to("sp1"))
        assert(tx3:release("sp1"))
        local _, bad = tx3:savepoint("x; DROP TABLE t")
        local st = tx3:prepare("INSERT INTO t (name) VALUES (?)")
        st:execute({"c"})
        local ty = tx3:db_type()
        tx3:commit()

        local ro = db:begin({read_only = true})
        local _, roerr = ro:execute("INSERT INTO t (name) VALUES ('ro')")
        ro:rollback()
        local _, badiso = db:begin({isolation = "weird"})

        local names = {}
        for _, r in ipairs(db:query("SELECT name FROM t ORDER BY id")) do
          names[#names + 1] = r.name
        end
        return table.concat(names, ","), inside, e1:kind(), e1b:kind(), bad:kind(), ty,
               roerr ~= nil, badiso:kind()
        """)})
    assert app.call("app:tx") == ("kept,a,c", 2, "Invalid", "Invalid", "Invalid", "sqlite",
                                  TRUE, "Invalid")


def test_db_call_inside_own_transaction_is_an_error_not_a_deadlock(tmp_path):
    app = make_app(tmp_path, {"dl": fn("""
        local db = setup()
        local tx = db:begin()
        local _, err = db:query("SELECT 1")
        tx:rollback()
        local rows = db:query("SELECT 1 AS x")
        return err:kind(), rows[1].x
        """)})
    assert app.call("app:dl") == ("Invalid", 1)


def test_transaction_pins_the_connection(tmp_path):
    app = make_app(tmp_path, {
        "writer": fn("""
            local db = setup()
            local tx = db:begin()
            tx:execute("INSERT INTO t (name) VALUES ('w')")
            time.sleep("100ms")
            tx:commit()
            return true
            """),
        "reader": fn("""
            local db = setup()
            local rows = db:query("SELECT count(*) AS c FROM t")
            return rows[1].c
            """)})
    app.call("app:reader")

    def body():
        w = gevent.spawn(app.call, "app:writer")
        gevent.sleep(0.03)          # the writer holds its transaction now
        t0 = time.monotonic()
        r = app.call("app:reader")
        waited = time.monotonic() - t0
        w.get()
        return r, waited
    (count,), waited = run_in_hub(body)
    assert count == 1           # the reader waited for the commit
    assert waited > 0.03


def test_slow_query_does_not_block_other_greenlets(tmp_path):
    app = make_app(tmp_path, {"slow": fn("""
        local db = setup()
        local rows, err = db:query([[WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL
          SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) AS n FROM c]])
        assert(not err, tostring(err))
        return rows[1].n
        """)})
    app.call("app:slow")

    def body():
        ticks = []
        done = []

        def ticker():
            while not done:
                gevent.sleep(0.005)
                ticks.append(1)
        g = gevent.spawn(ticker)
        t0 = time.monotonic()
        r = app.call("app:slow")
        elapsed = time.monotonic() - t0
        done.append(1)
        g.join()
        return r, len(ticks), elapsed
    (n,), ticks, elapsed = run_in_hub(body)
    assert n == 3000000
    # the hub kept running while the query ran in the thread pool
    assert ticks >= max(3, int(elapsed / 0.005 * 0.3))


def test_queries_run_in_a_thread_pool(tmp_path, monkeypatch):
    import wippy.sqldb as sqldb
    seen = []
    orig = sqldb._in_thread

    def spy(fn, conn):
        seen.append(threading.current_thread().name)
        return orig(fn, conn)
    monkeypatch.setattr(sqldb, "_in_thread", spy)
    app = make_app(tmp_path, {"q": fn("return setup():query('SELECT 1 AS x')[1].x")})
    assert app.call("app:q") == (1,)
    assert seen and all(name != "wippy-main" for name in seen)


def test_builder(tmp_path):
    app = make_app(tmp_path, {"b": fn("""
        local db = setup()
        local b = sql.builder
        local ins = b.insert("t"):columns("name", "n", "score"):values("a", 1, 1.5)
          :values("b", 2, sql.NULL)
        local res, err = ins:run_with(db):exec()
        assert(not err, tostring(err))
        b.insert("t"):set_map({name = "c", n = 3}):run_with(db):exec()
        local q = b.select("name", "n"):from("t")
          :where(b.or_({b.eq({name = "a"}), b.gte({n = 3})}))
          :where("n < ?", 10)
          :order_by("n DESC"):limit(5):offset(0)
        local s, args = q:to_sql()
        local rows = q:run_with(db):query()
        local upd = b.update("t"):set("score", 9.5):set_map({name = "z"}):where({n = 2})
        local ur = upd:run_with(db):exec()
        local del = b.delete("t"):where(b.lt({n = 2}))
        local dr = del:run_with(db):exec()
        local ds, dargs = b.select("*"):from("t"):where({n = 1, name = "x"})
          :placeholder_format(b.dollar):to_sql()
        local is, iargs = b.select("id"):from("t"):where({n = {1, 2}}):where(b.eq({name = sql.NULL})):to_sql()
        local cnt = b.select("count(*) AS c"):from("t"):run_with(db):query()[1].c
        local z = db:query("SELECT name, score FROM t WHERE n = 2")[1]
        local tx = db:begin()
        b.insert("t"):columns("name"):values("in_tx"):run_with(tx):exec()
        local txrows = b.select("name"):from("t"):where({name = "in_tx"}):run_with(tx):query()
        tx:rollback()
        local ex = b.select("id"):from("t"):run_with(db)
        local es = ex:to_sql()
        local _, berr = b.select():from("t"):run_with(db):query()
        local expr = b.select("n"):from("t"):where(b.expr("n BETWEEN ? AND ?", 1, 5)):to_sql()
        local g = b.select("name", "count(*) AS c"):from("t"):group_by("name")
          :having(b.gt({["count(*)"] = 0})):distinct():to_sql()
        return res.rows_affected, s, #args, #rows, rows[1].name, rows[2].name, ur.rows_affected,
          dr.rows_affected, ds, #dargs, is, #iargs, cnt, z.name, z.score, #txrows, es,
          berr:kind(), expr, g
        """)})
    r = app.call("app:b")
    assert r[0] == 2
    assert r[1] == "SELECT name, n FROM t WHERE (name = ? OR n >= ?) AND n < ? ORDER BY n DESC LIMIT 5 OFFSET 0"
    assert r[2:7] == (3, 2, "c", "a", 1)
    assert r[7] == 1
    assert r[8] == "SELECT * FROM t WHERE n = $1 AND name = $2" and r[9] == 2
    assert r[10] == "SELECT id FROM t WHERE n IN (?,?) AND name IS NULL" and r[11] == 2
    assert r[12:16] == (2, "z", 9.5, 1)
    assert r[16] == "SELECT id FROM t"
    assert r[17] == "Invalid"
    assert r[18] == "SELECT n FROM t WHERE n BETWEEN ? AND ?"
    assert r[19] == ("SELECT DISTINCT name, count(*) AS c FROM t GROUP BY name "
                     "HAVING count(*) > ?")


def test_builder_insert_select_and_update_from(tmp_path):
    app = make_app(tmp_path, {"b2": fn("""
        local b = sql.builder
        local s1 = b.insert("t"):columns("name"):select(b.select("name"):from("u")
          :where({x = 1})):to_sql()
        local s2, a2 = b.update("t"):set("n", b.expr("n + ?", 1)):from_select(
          b.select("*"):from("u"), "s"):where("t.id = s.id"):placeholder_format(b.colon):to_sql()
        local s3 = b.insert():into("t"):options("OR", "REPLACE"):columns("a"):values(1)
          :suffix("RETURNING id"):to_sql()
        local s4 = b.delete():from("t"):where({a = 1}):order_by("a"):limit(3):to_sql()
        return s1, s2, #a2, s3, s4
        """)})
    assert app.call("app:b2") == (
        "INSERT INTO t (name) SELECT name FROM u WHERE x = ?",
        "UPDATE t SET n = n + :1 FROM (SELECT * FROM u) AS s WHERE t.id = s.id", 1,
        "INSERT OR REPLACE INTO t (a) VALUES (?) RETURNING id",
        "DELETE FROM t WHERE a = ? ORDER BY a LIMIT 3")


def test_multi_statement_execute_for_migrations(tmp_path):
    app = make_app(tmp_path, {"m": fn("""
        local db = assert(sql.get("app:db"))
        local _, err = db:execute([[
          CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);
          CREATE INDEX a_v ON a(v);
          INSERT INTO a (v) VALUES ('x; y');
        ]])
        assert(not err, tostring(err))
        return db:query("SELECT v FROM a")[1].v
        """)})
    assert app.call("app:m") == ("x; y",)


def test_file_path_alias_memory_and_lifecycle(tmp_path):
    app = make_app(tmp_path, {"q": fn("""
        local db = setup()
        db:execute("INSERT INTO t (name) VALUES ('p')")
        return db:query("SELECT count(*) AS c FROM t")[1].c
        """)}, db_fields="path: var/alias.db")
    assert app.call("app:q") == (1,)
    assert os.path.exists(os.path.join(str(tmp_path), "var", "alias.db"))
    assert app.call("app:q") == (2,)
    # an update to the same file keeps the connection; a changed file swaps it
    e = app.registry.get("app:db")
    app.registry.apply([("update", Entry(e.id, e.kind, {"comment": "x"}, e.data))])
    assert app.call("app:q") == (3,)
    app.registry.apply([("update", Entry(e.id, e.kind, {}, {"file": ":memory:"}))])
    assert app.call("app:q") == (1,)
    # delete closes it; sql.get then says not found
    app.registry.apply([("delete", "app:db")])
    with pytest.raises(CallError) as ei:
        app.call("app:q")
    assert "not found" in str(ei.value)


def test_bad_entry_rejected(tmp_path):
    app = make_app(tmp_path, {}, db_fields="file: ':memory:'")
    from wippy.registry import ChangeRejected
    with pytest.raises(ChangeRejected):
        app.registry.apply([("create", Entry("app:db2", "db.sql.sqlite", {}, {}))])
    assert app.registry.get("app:db2") is None
