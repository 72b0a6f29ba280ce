"""SQL databases: the ``db.sql.sqlite`` entry kind and the Lua ``sql`` module.

A ``db.sql.sqlite`` entry opens one SQLite connection (``file``: a path
relative to the project root, or ``:memory:``; ``path`` is accepted as an
alias, spec §11 #8) in WAL journal mode.  The handler opens it on create,
closes it on delete and swaps it on update (an update that keeps the same
file keeps the connection, so a ``:memory:`` database survives unrelated
changes).  Closing waits for the changeset to commit, so a rejected
changeset gets its databases back untouched.

Every statement runs in the hub's thread pool (``threadpool.apply``), so a
slow query blocks only the greenlet that issued it, and statements on one
database are serialised (one connection) by a gevent semaphore.  A
transaction holds that semaphore from ``begin`` until ``commit`` /
``rollback``: statements of other greenlets wait; a statement issued on the
database handle by the greenlet that holds the transaction fails with an
error instead of deadlocking.  A transaction dropped without commit is
rolled back.

Lua values bind as: nil / ``sql.NULL`` -> NULL, booleans -> 1/0, integers,
floats, strings -> TEXT when they are valid UTF-8 and BLOB otherwise;
``sql.as.int/float/text/binary/null(v)`` force a type.  Results come back as
integers, floats, strings (TEXT and BLOB alike, as their bytes) and nil.
Parameters are always bound, never interpolated.

Query parameters are a Lua array table (``db:query(sql, {a, b})``); varargs
(``db:query(sql, a, b)``) are accepted too (spec §11 #3).
"""

import os
import re
import sqlite3

import gevent
from greenlet import getcurrent

from .registry import KindHandler, ChangeRejected
from .runtime.values import LuaTable, Userdata, TRUE, FALSE, LuaBool, TABLE_TYPES
from .lerrors import new_error
from .convert import text_to_lua

__all__ = ["install", "SQLiteHandler", "Database", "DBError", "lua_rows", "bind_value"]

DB_KINDS = ("db.sql.sqlite",)


def _err(kind, msg, retryable=False):
    return new_error(kind, msg, retryable)


def _fail(kind, msg, retryable=False):
    return None, new_error(kind, msg, retryable)


class DBError(Exception):
    """A database failure with a Wippy error kind."""

    def __init__(self, msg, kind="Internal", retryable=False):
        Exception.__init__(self, msg)
        self.kind = kind
        self.retryable = retryable

    def value(self):
        return new_error(self.kind, str(self), self.retryable)


def _driver_error(exc):
    msg = str(exc)
    low = msg.lower()
    if isinstance(exc, sqlite3.IntegrityError):
        return DBError(msg, "AlreadyExists" if "unique" in low else "Invalid")
    if isinstance(exc, (sqlite3.ProgrammingError, sqlite3.InterfaceError)):
        return DBError(msg, "Invalid")
    if isinstance(exc, sqlite3.OperationalError):
        if "locked" in low or "busy" in low:
            return DBError(msg, "Unavailable", True)
        if "syntax" in low or "no such" in low or "incomplete input" in low or \
                "has no column" in low or "already exists" in low:
            return DBError(msg, "Invalid")
        return DBError(msg, "Internal")
    if isinstance(exc, sqlite3.Error):
        return DBError(msg, "Internal")
    if isinstance(exc, DBError):
        return exc
    return DBError("%s: %s" % (type(exc).__name__, msg), "Internal")


# ---------------------------------------------------------------------------
# values


class SqlValue(Userdata):
    """A typed bind value: ``sql.as.*`` and ``sql.NULL``."""
    __slots__ = ("type", "value")

    def __init__(self, type_, value=None):
        self.type = type_
        self.value = value


SqlValue.lua_meta = LuaTable({"__name": "sql.value",
                              "__tostring": lambda v, *_: "sql.%s" % v.type})

NULL = SqlValue("null")


def _lua_str_to_bytes(s):
    return s.encode("latin-1")


def bind_value(v):
    """A Lua value -> the Python value sqlite3 binds (raises DBError)."""
    t = type(v)
    if t is int or t is float or v is None:
        return v
    if t is str:
        if v.isascii():
            return v
        b = v.encode("latin-1")
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            return b
    if t is LuaBool:
        return 1 if v is TRUE else 0
    if t is SqlValue:
        x = v.value
        if v.type == "null":
            return None
        if x is None:
            return None
        if v.type == "int":
            if type(x) is str:
                try:
                    return int(x.strip())
                except ValueError:
                    raise DBError("cannot convert %r to an integer" % x, "Invalid")
            if type(x) is LuaBool:
                return 1 if x is TRUE else 0
            if type(x) is float:
                return int(x)
            return x
        if v.type == "float":
            if type(x) is str:
                try:
                    return float(x.strip())
                except ValueError:
                    raise DBError("cannot convert %r to a float" % x, "Invalid")
            if type(x) is LuaBool:
                return 1.0 if x is TRUE else 0.0
            return float(x)
        if v.type == "text":
            if type(x) is str:
                return x.encode("latin-1").decode("utf-8", "replace")
            if type(x) is LuaBool:
                return "true" if x is TRUE else "false"
            from .runtime.values import tostring
            return tostring(x)
        if v.type == "binary":
            if type(x) is str:
                return x.encode("latin-1")
            from .runtime.values import tostring
            return tostring(x).encode("latin-1")
    from .runtime.values import lua_type
    raise DBError("unsupported parameter type: %s" % lua_type(v), "Invalid")


def _bind_all(params):
    return [bind_value(p) for p in params]


def _text_factory(b):
    return b.decode("latin-1")


def _convert_cell(x):
    t = type(x)
    if t is bytes:
        return x.decode("latin-1")
    if t is str:        # only column names reach here (text_factory handles TEXT)
        return x
    return x


def lua_rows(names, rows):
    """Rows from the driver -> a Lua array of tables keyed by column name."""
    out = LuaTable()
    keys = [text_to_lua(n) for n in names]
    i = 0
    for r in rows:
        i += 1
        row = LuaTable()
        for k, x in zip(keys, r):
            if x is not None:
                row[k] = x.decode("latin-1") if type(x) is bytes else x
        out[i] = row
    out.border = i
    return out


def _result_table(affected, last_id):
    t = LuaTable()
    t["rows_affected"] = affected
    t["last_insert_id"] = last_id
    return t


# ---------------------------------------------------------------------------
# statements split on ';' (for scripts such as migrations without parameters)


def split_statements(sql):
    """Split ``sql`` into complete statements (sqlite3.complete_statement)."""
    out = []
    buf = ""
    start = 0
    for i, c in enumerate(sql):
        if c == ";":
            buf = sql[start:i + 1]
            if sqlite3.complete_statement(buf):
                if buf.strip(" \t\r\n;"):
                    out.append(buf)
                start = i + 1
    rest = sql[start:]
    if rest.strip():
        out.append(rest)
    return out


# ---------------------------------------------------------------------------
# one database


class Database:
    """One SQLite connection, used by one greenlet at a time."""

    kind = "sqlite"

    def __init__(self, entry_id, path, display):
        self.id = entry_id
        self.path = path
        self.display = display
        self.closed = False
        self.busy = False
        self._lock = None
        self.tx = None                  # the open Tx (holds the lock)
        self.tx_owner = None            # the greenlet that began it
        self.stats_wait = 0
        if path != ":memory:":
            d = os.path.dirname(path)
            if d:
                os.makedirs(d, exist_ok=True)
            uri = "file:%s?mode=rwc" % path.replace("?", "%3f").replace("#", "%23")
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False,
                                        isolation_level=None)
        else:
            self.conn = sqlite3.connect(":memory:", check_same_thread=False,
                                        isolation_level=None)
        self.conn.text_factory = _text_factory
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA busy_timeout=5000")
        except sqlite3.Error:       # pragma: no cover
            pass

    @property
    def lock(self):
        if self._lock is None:
            from gevent.lock import Semaphore
            self._lock = Semaphore()
        return self._lock

    # -- running -------------------------------------------------------------
    def _check(self):
        if self.closed:
            raise DBError("database %s is closed" % self.id, "Unavailable")

    def acquire(self):
        """Take the connection (waits while another greenlet uses it)."""
        self._check()
        if self.tx is not None and self.tx_owner is getcurrent():
            raise DBError("database %s has an open transaction in this execution; "
                          "use the transaction" % self.id, "Invalid")
        lock = self.lock
        if not lock.acquire(blocking=False):
            self.stats_wait += 1
            while not lock.acquire(timeout=0.25):
                tx = self.tx
                owner = self.tx_owner
                if tx is not None and owner is not None and owner.dead:
                    # the execution that began it is gone: roll it back
                    self.tx = self.tx_owner = None
                    try:
                        self._raw(lambda c: c.execute("ROLLBACK"))
                    except Exception:
                        pass
                    tx.active = False
                    self.release()
        self._check_after_acquire()
        self.busy = True

    def _check_after_acquire(self):
        if self.closed:
            self.lock.release()
            raise DBError("database %s is closed" % self.id, "Unavailable")

    def release(self):
        self.busy = False
        if self.closed and self.conn is not None:
            self._close_now()
        self.lock.release()

    def _raw(self, fn):
        """Run fn(conn) in the thread pool (the caller holds the lock)."""
        conn = self.conn
        try:
            return gevent.get_hub().threadpool.apply(_in_thread, (fn, conn))
        except DBError:
            raise
        except Exception as e:
            raise _driver_error(e) from None

    def run(self, fn):
        """Take the connection, run fn(conn) in the thread pool, give it back."""
        self.acquire()
        try:
            return self._raw(fn)
        finally:
            self.release()

    def in_transaction_after(self):
        conn = self.conn
        return conn is not None and conn.in_transaction

    # -- closing -------------------------------------------------------------
    def close(self):
        self.closed = True
        if not self.busy and (self._lock is None or not self._lock.locked()):
            self._close_now()

    def _close_now(self):
        conn = self.conn
        self.conn = None
        if conn is not None:
            try:
                conn.close()
            except Exception:       # pragma: no cover
                pass


def _in_thread(fn, conn):
    try:
        return True, fn(conn)
    except BaseException as e:
        return False, e


def _unwrap(r):
    ok, v = r
    if ok:
        return v
    raise _driver_error(v)


def _query_fn(sql, params):
    def fn(conn):
        cur = conn.execute(sql, params)
        try:
            names = [d[0] for d in cur.description] if cur.description else []
            return names, cur.fetchall()
        finally:
            cur.close()
    return fn


def _exec_fn(sql, params):
    def fn(conn):
        if not params:
            stmts = split_statements(sql)
            if len(stmts) > 1:
                affected = 0
                for s in stmts:
                    cur = conn.execute(s)
                    affected += max(cur.rowcount, 0)
                    cur.close()
                last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
                return affected, last
        cur = conn.execute(sql, params)
        try:
            cur.fetchall()
            affected = max(cur.rowcount, 0)
        finally:
            cur.close()
        last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        return affected, last
    return fn


def db_query(db, sql, params, locked=False):
    fn = _query_fn(sql, params)
    r = _unwrap(db._raw(fn) if locked else db.run(fn))
    return lua_rows(*r)


def db_exec(db, sql, params, locked=False):
    fn = _exec_fn(sql, params)
    affected, last = _unwrap(db._raw(fn) if locked else db.run(fn))
    return _result_table(affected, last)


# ---------------------------------------------------------------------------
# the kind handler


class SQLiteHandler(KindHandler):
    kinds = DB_KINDS

    def __init__(self, app):
        self.app = app
        self.dbs = {}           # id -> Database
        self._retired = {}      # id -> Database closed at commit

    def _path(self, entry):
        d = entry.data or {}
        f = d.get("file")
        if f is None:
            f = d.get("path")
        if f is None or f == "":
            raise ChangeRejected("%s: db.sql.sqlite needs 'file' (a path or ':memory:')"
                                 % entry.id, entry.id)
        if not isinstance(f, str):
            raise ChangeRejected("%s: 'file' must be a string" % entry.id, entry.id)
        if f == ":memory:" or f.startswith("file::memory:"):
            return ":memory:", f
        if f.startswith("file:"):
            f = f[5:].split("?", 1)[0]
        if not os.path.isabs(f):
            f = os.path.join(self.app.root, f)
        return os.path.normpath(f), f

    def _open(self, entry):
        path, display = self._path(entry)
        old = self._retired.get(entry.id)
        if old is not None and old.path == path and not old.closed:
            del self._retired[entry.id]
            return old
        try:
            return Database(entry.id, path, display)
        except sqlite3.Error as e:
            raise ChangeRejected("%s: cannot open SQLite database %s: %s"
                                 % (entry.id, display, e), entry.id) from None

    def apply(self, op, old, new):
        if op == "create":
            self.dbs[new.id] = self._open(new)
        elif op == "delete":
            db = self.dbs.pop(old.id, None)
            if db is not None:
                self._retired[old.id] = db
        else:
            cur = self.dbs.get(new.id)
            path, _ = self._path(new)
            if cur is not None and cur.path == path:
                return
            db = self._open(new)
            if cur is not None:
                self._retired[new.id] = cur
            self.dbs[new.id] = db

    def commit(self, version):
        retired = self._retired
        self._retired = {}
        for eid, db in retired.items():
            if self.dbs.get(eid) is not db:
                db.close()

    def get(self, eid):
        return self.dbs.get(eid)

    def close_all(self):
        for db in list(self.dbs.values()):
            db.close()


# ---------------------------------------------------------------------------
# Lua: parameters


def _params(args, name="query"):
    """The bind values of a call: one array table, or varargs."""
    if not args:
        return []
    first = args[0]
    if len(args) == 1 and type(first) in TABLE_TYPES:
        n = 0
        for k in first:
            if type(k) is not int or k < 1:
                raise DBError("parameters must be an array table", "Invalid")
            if k > n:
                n = k
        return _bind_all([first.get(i) for i in range(1, n + 1)])
    if len(args) == 1 and first is None:
        return []
    return _bind_all(args)


def _sql_arg(sql):
    if type(sql) is not str:
        raise DBError("SQL query must be a string", "Invalid")
    if not sql.strip():
        raise DBError("SQL query is empty", "Invalid")
    if sql.isascii():
        return sql
    return sql.encode("latin-1").decode("utf-8", "replace")


def _guard(fn):
    """Turn DBError into ``nil, err``."""
    def wrapper(*args):
        try:
            return fn(*args)
        except DBError as e:
            return None, e.value()
    wrapper.__name__ = fn.__name__
    return wrapper


_SAVEPOINT = re.compile(r"^[A-Za-z0-9_]+$")

ISOLATION = {"default": None, "read_uncommitted": None, "read_committed": None,
             "write_committed": None, "repeatable_read": None, "serializable": None}


# ---------------------------------------------------------------------------
# Lua: DB handle


class DBHandle(Userdata):
    __slots__ = ("handler", "id", "released", "__weakref__")

    def __init__(self, handler, eid):
        self.handler = handler
        self.id = eid
        self.released = False

    def db(self):
        if self.released:
            raise DBError("database handle %s was released" % self.id, "Invalid")
        db = self.handler.get(self.id)
        if db is None:
            raise DBError("database %s is not available" % self.id, "NotFound")
        return db


def _h(h, name):
    if not isinstance(h, DBHandle):
        raise DBError("bad self for db:%s (database expected)" % name, "Invalid")
    return h


@_guard
def _db_type(h=None, *_):
    _h(h, "type").db()
    return "sqlite", None


@_guard
def _db_query(h=None, sql=None, *args):
    db = _h(h, "query").db()
    return db_query(db, _sql_arg(sql), _params(args)), None


@_guard
def _db_execute(h=None, sql=None, *args):
    db = _h(h, "execute").db()
    return db_exec(db, _sql_arg(sql), _params(args)), None


@_guard
def _db_prepare(h=None, sql=None, *_):
    _h(h, "prepare").db()
    return Stmt(h, None, _sql_arg(sql)), None


@_guard
def _db_begin(h=None, opts=None, *_):
    db = _h(h, "begin").db()
    read_only = False
    if opts is not None:
        if type(opts) not in TABLE_TYPES:
            raise DBError("transaction options must be a table", "Invalid")
        iso = opts.get("isolation")
        if iso is not None and iso not in ISOLATION:
            raise DBError("unknown isolation level %r" % (iso,), "Invalid")
        ro = opts.get("read_only")
        read_only = ro is not None and ro is not FALSE
    db.acquire()
    try:
        def begin(conn):
            if read_only:
                conn.execute("PRAGMA query_only=ON")
            conn.execute("BEGIN")
        _unwrap(db._raw(begin))
    except BaseException:
        db.release()
        raise
    tx = Tx(h, db, read_only)
    db.tx = tx
    db.tx_owner = getcurrent()
    return tx, None


def _db_release(h=None, *_):
    if isinstance(h, DBHandle):
        h.released = True
    return TRUE, None


@_guard
def _db_stats(h=None, *_):
    db = _h(h, "stats").db()
    t = LuaTable()
    in_use = 1 if db.busy or (db._lock is not None and db._lock.locked()) else 0
    for k, v in (("max_open_connections", 1), ("open_connections", 1), ("in_use", in_use),
                 ("idle", 1 - in_use), ("wait_count", db.stats_wait), ("wait_duration", 0),
                 ("max_idle_closed", 0), ("max_idle_time_closed", 0),
                 ("max_lifetime_closed", 0)):
        t[k] = v
    return t, None


DBHandle.lua_meta = LuaTable({
    "__index": LuaTable({"type": _db_type, "query": _db_query, "execute": _db_execute,
                         "prepare": _db_prepare, "begin": _db_begin, "release": _db_release,
                         "stats": _db_stats}),
    "__name": "sql.db",
    "__tostring": lambda h, *_: "sql.db(%s)" % h.id})


# ---------------------------------------------------------------------------
# Lua: transactions


class Tx(Userdata):
    __slots__ = ("handle", "db", "active", "read_only", "__weakref__")

    def __init__(self, handle, db, read_only):
        self.handle = handle
        self.db = db
        self.active = True
        self.read_only = read_only

    def check(self):
        if not self.active:
            raise DBError("transaction is not active", "Invalid")
        if self.db.closed:
            raise DBError("database %s is closed" % self.db.id, "Unavailable")
        return self.db

    def finish(self, stmt):
        db = self.check()
        ro = self.read_only

        def fn(conn):
            try:
                conn.execute(stmt)
            finally:
                if ro:
                    conn.execute("PRAGMA query_only=OFF")
        try:
            _unwrap(db._raw(fn))
        finally:
            if not db.in_transaction_after():
                self.active = False
                db.tx = db.tx_owner = None
                db.release()

    def __del__(self):
        if self.active:
            db = self.db
            self.active = False

            def rollback():
                try:
                    db._raw(lambda c: c.execute("ROLLBACK"))
                except Exception:
                    pass
                if db.tx is not None:
                    db.tx = db.tx_owner = None
                db.release()
            try:
                gevent.get_hub().loop.run_callback(lambda: gevent.spawn(rollback))
            except Exception:       # pragma: no cover
                pass


def _t(t, name):
    if not isinstance(t, Tx):
        raise DBError("bad self for tx:%s (transaction expected)" % name, "Invalid")
    return t


@_guard
def _tx_db_type(t=None, *_):
    _t(t, "db_type").check()
    return "sqlite", None


@_guard
def _tx_query(t=None, sql=None, *args):
    db = _t(t, "query").check()
    return db_query(db, _sql_arg(sql), _params(args), locked=True), None


@_guard
def _tx_execute(t=None, sql=None, *args):
    db = _t(t, "execute").check()
    return db_exec(db, _sql_arg(sql), _params(args), locked=True), None


@_guard
def _tx_prepare(t=None, sql=None, *_):
    _t(t, "prepare").check()
    return Stmt(t.handle, t, _sql_arg(sql)), None


@_guard
def _tx_commit(t=None, *_):
    _t(t, "commit").finish("COMMIT")
    return TRUE, None


@_guard
def _tx_rollback(t=None, *_):
    _t(t, "rollback").finish("ROLLBACK")
    return TRUE, None


def _savepoint_op(template, name_):
    @_guard
    def fn(t=None, name=None, *_):
        db = _t(t, name_).check()
        if type(name) is not str or not _SAVEPOINT.match(name):
            raise DBError("invalid savepoint name %r (letters, digits and _ only)" % (name,),
                          "Invalid")
        _unwrap(db._raw(lambda c: c.execute(template % name)))
        return TRUE, None
    return fn


Tx.lua_meta = LuaTable({
    "__index": LuaTable({"db_type": _tx_db_type, "query": _tx_query, "execute": _tx_execute,
                         "prepare": _tx_prepare, "commit": _tx_commit,
                         "rollback": _tx_rollback,
                         "savepoint": _savepoint_op("SAVEPOINT %s", "savepoint"),
                         "rollback_to": _savepoint_op("ROLLBACK TO SAVEPOINT %s",
                                                      "rollback_to"),
                         "release": _savepoint_op("RELEASE SAVEPOINT %s", "release")}),
    "__name": "sql.tx"})


# ---------------------------------------------------------------------------
# Lua: prepared statements


class Stmt(Userdata):
    """A prepared statement: its SQL (the driver caches the compiled form)
    and where it runs (the database, or a transaction)."""
    __slots__ = ("handle", "tx", "sql", "closed")

    def __init__(self, handle, tx, sql):
        self.handle = handle
        self.tx = tx
        self.sql = sql
        self.closed = False

    def target(self):
        if self.closed:
            raise DBError("statement is closed", "Invalid")
        if self.tx is not None:
            return self.tx.check(), True
        return self.handle.db(), False


def _s(s, name):
    if not isinstance(s, Stmt):
        raise DBError("bad self for stmt:%s (statement expected)" % name, "Invalid")
    return s


@_guard
def _stmt_query(s=None, *args):
    db, locked = _s(s, "query").target()
    return db_query(db, s.sql, _params(args), locked), None


@_guard
def _stmt_execute(s=None, *args):
    db, locked = _s(s, "execute").target()
    return db_exec(db, s.sql, _params(args), locked), None


@_guard
def _stmt_close(s=None, *_):
    if _s(s, "close").closed:
        raise DBError("statement is closed", "Invalid")
    s.closed = True
    return TRUE, None


Stmt.lua_meta = LuaTable({
    "__index": LuaTable({"query": _stmt_query, "execute": _stmt_execute, "close": _stmt_close}),
    "__name": "sql.stmt"})


# ---------------------------------------------------------------------------
# Lua: the query builder (squirrel-like; every method returns a new builder)


class Sqlizer(Userdata):
    """A condition or raw expression: ``build()`` -> (sql, [args])."""
    __slots__ = ("build",)

    def __init__(self, build):
        self.build = build


Sqlizer.lua_meta = LuaTable({"__index": LuaTable({
    "to_sql": lambda s=None, *_: _to_sql_pair(s.build) if isinstance(s, Sqlizer)
    else _fail("Invalid", "sqlizer expected")}),
    "__name": "sql.sqlizer"})


class PlaceholderFormat(Userdata):
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


PlaceholderFormat.lua_meta = LuaTable({"__name": "sql.placeholder_format",
                                       "__tostring": lambda p, *_: "placeholder(%s)" % p.name})

_FORMATS = {n: PlaceholderFormat(n) for n in ("question", "dollar", "at", "colon")}


def _replace_placeholders(sql, fmt):
    """``?`` -> the format's numbered placeholder; ``??`` is a literal ``?``."""
    if fmt == "question":
        return sql.replace("??", "?") if "??" in sql else sql
    prefix = {"dollar": "$", "at": "@p", "colon": ":"}[fmt]
    out = []
    n = 0
    i = 0
    L = len(sql)
    while i < L:
        c = sql[i]
        if c == "?":
            if i + 1 < L and sql[i + 1] == "?":
                out.append("?")
                i += 2
                continue
            n += 1
            out.append("%s%d" % (prefix, n))
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _arg_list(args):
    return [NULL if a is None else a for a in args]


def _lua_args(args):
    t = LuaTable()
    for i, a in enumerate(args, 1):
        t[i] = NULL if a is None else a
    t.border = len(args)
    return t


def _to_sql_pair(build, fmt="question"):
    try:
        sql, args = build()
    except DBError as e:
        return None, e.value()
    return _replace_placeholders(sql, fmt), _lua_args(args)


def _expr(sql, args):
    if type(sql) is not str:
        raise DBError("expression must be a string", "Invalid")
    args = list(args)
    return Sqlizer(lambda: (sql, list(args)))


def _value_sql(v):
    """A value in VALUES / SET / a condition: a Sqlizer inlines its SQL."""
    if isinstance(v, Sqlizer):
        return v.build()
    if isinstance(v, Builder):
        sql, args = v.build()
        return "(" + sql + ")", args
    return "?", [v]


def _sorted_keys(m):
    return sorted(m.keys(), key=lambda k: (type(k) is not str, str(k)))


_CMP = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def _cond_map(op, m):
    if type(m) not in TABLE_TYPES:
        raise DBError("condition must be a table of column = value", "Invalid")
    keys = _sorted_keys(m)

    def build():
        parts = []
        args = []
        for k in keys:
            if type(k) is not str:
                raise DBError("condition keys must be column names", "Invalid")
            v = m[k]
            if op in ("eq", "not_eq"):
                neg = op == "not_eq"
                if v is None or v is NULL:
                    parts.append("%s IS %sNULL" % (k, "NOT " if neg else ""))
                elif type(v) in TABLE_TYPES:
                    n = len(v)
                    if n == 0:
                        parts.append("(1=1)" if neg else "(1=0)")
                    else:
                        parts.append("%s %sIN (%s)" % (k, "NOT " if neg else "",
                                                      ",".join("?" * n)))
                        args.extend(v.get(i) for i in range(1, n + 1))
                else:
                    s, a = _value_sql(v)
                    parts.append("%s %s %s" % (k, "<>" if neg else "=", s))
                    args.extend(a)
            elif op in _CMP:
                if v is None:
                    raise DBError("cannot compare %s with nil" % k, "Invalid")
                s, a = _value_sql(v)
                parts.append("%s %s %s" % (k, _CMP[op], s))
                args.extend(a)
            else:
                parts.append("%s %s ?" % (k, "LIKE" if op == "like" else "NOT LIKE"))
                args.append(v)
        return " AND ".join(parts), args
    return Sqlizer(build)


def _as_sqlizer(c, args=()):
    if c is None:
        return None
    if isinstance(c, Sqlizer):
        return c
    if type(c) is str:
        if not c.strip():
            return None
        return _expr(c, args)
    if type(c) in TABLE_TYPES:
        return _cond_map("eq", c)
    raise DBError("condition must be a string, a table or a sqlizer", "Invalid")


def _conj(word, items):
    if type(items) not in TABLE_TYPES:
        raise DBError("%s_ needs an array of conditions" % word.lower(), "Invalid")
    conds = [_as_sqlizer(items.get(i)) for i in range(1, len(items) + 1)]
    conds = [c for c in conds if c is not None]

    def build():
        if not conds:
            return ("(1=1)" if word == "AND" else "(1=0)"), []
        parts = []
        args = []
        for c in conds:
            s, a = c.build()
            parts.append(s)
            args.extend(a)
        return "(" + (" %s " % word).join(parts) + ")", args
    return Sqlizer(build)


def _join_conds(conds):
    parts = []
    args = []
    for c in conds:
        s, a = c.build()
        if s:
            parts.append(s)
            args.extend(a)
    return " AND ".join(parts), args


class Builder(Userdata):
    """A query under construction (immutable: methods return copies)."""
    __slots__ = ("p",)
    what = "query"

    def __init__(self, parts):
        self.p = parts

    def with_(self, key, value):
        p = dict(self.p)
        p[key] = value
        return type(self)(p)

    def add(self, key, *items):
        p = dict(self.p)
        p[key] = list(p.get(key, ())) + list(items)
        return type(self)(p)

    def fmt(self):
        return self.p.get("fmt", "question")

    def clauses(self, out, args):
        p = self.p
        if p.get("where"):
            s, a = _join_conds(p["where"])
            if s:
                out.append("WHERE " + s)
                args.extend(a)

    def tail(self, out, args, group=False):
        p = self.p
        if group:
            if p.get("group_by"):
                out.append("GROUP BY " + ", ".join(p["group_by"]))
            if p.get("having"):
                s, a = _join_conds(p["having"])
                if s:
                    out.append("HAVING " + s)
                    args.extend(a)
        if p.get("order_by"):
            out.append("ORDER BY " + ", ".join(p["order_by"]))
        if p.get("limit") is not None:
            out.append("LIMIT %d" % p["limit"])
        if p.get("offset") is not None:
            out.append("OFFSET %d" % p["offset"])
        for s, a in p.get("suffix", ()):
            out.append(s)
            args.extend(a)


class SelectBuilder(Builder):
    what = "select"

    def build(self):
        p = self.p
        out = []
        args = []
        for s, a in p.get("prefix", ()):
            out.append(s)
            args.extend(a)
        cols = p.get("columns") or []
        if not cols:
            raise DBError("select statements must have at least one result column", "Invalid")
        out.append("SELECT" + (" DISTINCT" if p.get("distinct") else ""))
        out.append(", ".join(cols))
        if p.get("from"):
            out.append("FROM " + p["from"])
        for kind, s, a in p.get("joins", ()):
            out.append("%s %s" % (kind, s))
            args.extend(a)
        self.clauses(out, args)
        self.tail(out, args, group=True)
        return " ".join(out), args


class InsertBuilder(Builder):
    what = "insert"

    def build(self):
        p = self.p
        if not p.get("table"):
            raise DBError("insert statements must specify a table", "Invalid")
        if not p.get("values") and p.get("select") is None:
            raise DBError("insert statements must have at least one set of values or "
                          "select clause", "Invalid")
        out = []
        args = []
        for s, a in p.get("prefix", ()):
            out.append(s)
            args.extend(a)
        out.append("INSERT")
        if p.get("options"):
            out.append(" ".join(p["options"]))
        out.append("INTO " + p["table"])
        if p.get("columns"):
            out.append("(" + ", ".join(p["columns"]) + ")")
        if p.get("select") is not None:
            s, a = p["select"].build()
            out.append(s)
            args.extend(a)
        else:
            rows = []
            for row in p["values"]:
                cells = []
                for v in row:
                    s, a = _value_sql(v)
                    cells.append(s)
                    args.extend(a)
                rows.append("(" + ",".join(cells) + ")")
            out.append("VALUES " + ",".join(rows))
        for s, a in p.get("suffix", ()):
            out.append(s)
            args.extend(a)
        return " ".join(out), args


class UpdateBuilder(Builder):
    what = "update"

    def build(self):
        p = self.p
        if not p.get("table"):
            raise DBError("update statements must specify a table", "Invalid")
        if not p.get("sets"):
            raise DBError("update statements must have at least one Set clause", "Invalid")
        out = []
        args = []
        for s, a in p.get("prefix", ()):
            out.append(s)
            args.extend(a)
        out.append("UPDATE " + p["table"])
        sets = []
        for col, v in p["sets"]:
            s, a = _value_sql(v)
            sets.append("%s = %s" % (col, s))
            args.extend(a)
        out.append("SET " + ", ".join(sets))
        if p.get("from_select") is not None:
            q, alias = p["from_select"]
            s, a = q.build()
            out.append("FROM (%s) AS %s" % (s, alias))
            args.extend(a)
        elif p.get("from"):
            out.append("FROM " + p["from"])
        self.clauses(out, args)
        self.tail(out, args)
        return " ".join(out), args


class DeleteBuilder(Builder):
    what = "delete"

    def build(self):
        p = self.p
        if not p.get("table"):
            raise DBError("delete statements must specify a table", "Invalid")
        out = []
        args = []
        for s, a in p.get("prefix", ()):
            out.append(s)
            args.extend(a)
        out.append("DELETE FROM " + p["table"])
        self.clauses(out, args)
        self.tail(out, args)
        return " ".join(out), args


def _str_list(vals, what):
    out = []
    for v in vals:
        if type(v) is not str:
            raise DBError("%s must be strings" % what, "Invalid")
        out.append(v)
    return out


def _bm(cls, fn):
    """A builder method: checks self, raises Lua errors for bad use."""
    def method(b=None, *args):
        if not isinstance(b, cls):
            from .runtime.errors import rt_error
            rt_error("bad self for %s builder method (%s builder expected)"
                     % (cls.what, cls.what))
        try:
            return fn(b, *args)
        except DBError as e:
            from .runtime.errors import rt_error
            rt_error(str(e))
    return method


def _int_arg(n, what):
    if type(n) is float and n.is_integer():
        n = int(n)
    if type(n) is not int or n < 0:
        raise DBError("%s must be a non-negative integer" % what, "Invalid")
    return n


def _common_methods(cls):
    def where(b, c=None, *args):
        s = _as_sqlizer(c, args)
        return b if s is None else b.add("where", s)

    def order_by(b, *cols):
        return b.add("order_by", *_str_list(cols, "order_by columns"))

    def limit(b, n=None, *_):
        return b.with_("limit", _int_arg(n, "limit"))

    def offset(b, n=None, *_):
        return b.with_("offset", _int_arg(n, "offset"))

    def suffix(b, s=None, *args):
        if type(s) is not str:
            raise DBError("suffix must be a string", "Invalid")
        return b.add("suffix", (s, list(args)))

    def prefix(b, s=None, *args):
        if type(s) is not str:
            raise DBError("prefix must be a string", "Invalid")
        return b.add("prefix", (s, list(args)))

    def placeholder_format(b, f=None, *_):
        if isinstance(f, PlaceholderFormat):
            return b.with_("fmt", f.name)
        if type(f) is str and f in _FORMATS:
            return b.with_("fmt", f)
        raise DBError("unknown placeholder format", "Invalid")

    def to_sql(b, *_):
        return _to_sql_pair(b.build, b.fmt())

    def run_with(b, target=None, *_):
        if not isinstance(target, (DBHandle, Tx)):
            raise DBError("run_with needs a database or a transaction", "Invalid")
        return QueryExecutor(b, target)

    return {"where": where, "order_by": order_by, "limit": limit, "offset": offset,
            "suffix": suffix, "prefix": prefix, "placeholder_format": placeholder_format,
            "to_sql": to_sql, "run_with": run_with}


def _table_arg(t, what="table"):
    if type(t) is not str or not t:
        raise DBError("%s name must be a non-empty string" % what, "Invalid")
    return t


def _select_methods():
    m = _common_methods(SelectBuilder)

    def from_(b, t=None, *_):
        return b.with_("from", _table_arg(t))

    def join_of(kind):
        def j(b, s=None, *args):
            if type(s) is not str:
                raise DBError("join must be a string", "Invalid")
            return b.add("joins", (kind, s, list(args)))
        return j

    def group_by(b, *cols):
        return b.add("group_by", *_str_list(cols, "group_by columns"))

    def having(b, c=None, *args):
        s = _as_sqlizer(c, args)
        return b if s is None else b.add("having", s)

    def columns(b, *cols):
        return b.add("columns", *_str_list(cols, "columns"))

    def distinct(b, *_):
        return b.with_("distinct", True)

    m.update({"from": from_, "join": join_of("JOIN"), "left_join": join_of("LEFT JOIN"),
              "right_join": join_of("RIGHT JOIN"), "inner_join": join_of("INNER JOIN"),
              "cross_join": join_of("CROSS JOIN"),
              "group_by": group_by, "having": having, "columns": columns,
              "distinct": distinct})
    return m


def _insert_methods():
    m = _common_methods(InsertBuilder)
    for k in ("where", "order_by", "limit", "offset"):
        del m[k]

    def into(b, t=None, *_):
        return b.with_("table", _table_arg(t))

    def columns(b, *cols):
        return b.add("columns", *_str_list(cols, "columns"))

    def values(b, *vals):
        return b.add("values", list(vals))

    def set_map(b, mp=None, *_):
        if type(mp) not in TABLE_TYPES:
            raise DBError("set_map needs a table", "Invalid")
        keys = _sorted_keys(mp)
        p = dict(b.p)
        p["columns"] = _str_list(keys, "columns")
        p["values"] = [[mp[k] for k in keys]]
        return InsertBuilder(p)

    def select(b, q=None, *_):
        if not isinstance(q, SelectBuilder):
            raise DBError("insert:select needs a select builder", "Invalid")
        return b.with_("select", q)

    def options(b, *opts):
        return b.add("options", *_str_list(opts, "options"))

    m.update({"into": into, "columns": columns, "values": values, "set_map": set_map,
              "select": select, "options": options})
    return m


def _update_methods():
    m = _common_methods(UpdateBuilder)

    def table(b, t=None, *_):
        return b.with_("table", _table_arg(t))

    def set_(b, col=None, v=None, *_):
        if type(col) is not str:
            raise DBError("set needs a column name", "Invalid")
        return b.add("sets", (col, v))

    def set_map(b, mp=None, *_):
        if type(mp) not in TABLE_TYPES:
            raise DBError("set_map needs a table", "Invalid")
        keys = _str_list(_sorted_keys(mp), "columns")
        return b.add("sets", *[(k, mp[k]) for k in keys])

    def from_(b, t=None, *_):
        return b.with_("from", _table_arg(t))

    def from_select(b, q=None, alias=None, *_):
        if not isinstance(q, SelectBuilder):
            raise DBError("from_select needs a select builder", "Invalid")
        return b.with_("from_select", (q, _table_arg(alias, "alias")))

    m.update({"table": table, "set": set_, "set_map": set_map, "from": from_,
              "from_select": from_select})
    return m


def _delete_methods():
    m = _common_methods(DeleteBuilder)

    def from_(b, t=None, *_):
        return b.with_("table", _table_arg(t))

    m.update({"from": from_})
    return m


for _cls, _mk in ((SelectBuilder, _select_methods), (InsertBuilder, _insert_methods),
                  (UpdateBuilder, _update_methods), (DeleteBuilder, _delete_methods)):
    _cls.lua_meta = LuaTable({
        "__index": LuaTable({k: _bm(_cls, f) for k, f in _mk().items()}),
        "__name": "sql.%s_builder" % _cls.what})


class QueryExecutor(Userdata):
    __slots__ = ("builder", "target")

    def __init__(self, builder, target):
        self.builder = builder
        self.target = target

    def resolve(self):
        t = self.target
        if isinstance(t, Tx):
            return t.check(), True
        return t.db(), False

    def statement(self):
        sql, args = self.builder.build()
        return _replace_placeholders(sql, self.builder.fmt()), _bind_all(_arg_list(args))


@_guard
def _ex_query(e=None, *_):
    if not isinstance(e, QueryExecutor):
        raise DBError("executor expected", "Invalid")
    sql, params = e.statement()
    db, locked = e.resolve()
    return db_query(db, sql, params, locked), None


@_guard
def _ex_exec(e=None, *_):
    if not isinstance(e, QueryExecutor):
        raise DBError("executor expected", "Invalid")
    sql, params = e.statement()
    db, locked = e.resolve()
    return db_exec(db, sql, params, locked), None


def _ex_to_sql(e=None, *_):
    if not isinstance(e, QueryExecutor):
        return _fail("Invalid", "executor expected")
    return _to_sql_pair(e.builder.build, e.builder.fmt())


QueryExecutor.lua_meta = LuaTable({
    "__index": LuaTable({"query": _ex_query, "exec": _ex_exec, "to_sql": _ex_to_sql}),
    "__name": "sql.executor"})


def _lua_guard(fn):
    def wrapper(*args):
        try:
            return fn(*args)
        except DBError as e:
            from .runtime.errors import rt_error
            rt_error(str(e))
    return wrapper


def make_builder():
    def select(*cols):
        return SelectBuilder({"columns": _str_list(cols, "columns")})

    def table_builder(cls):
        def make(t=None, *_):
            return cls({} if t is None else {"table": _table_arg(t)})
        return make

    def cond(op):
        return lambda m=None, *_: _cond_map(op, m)

    b = LuaTable()
    b["select"] = _lua_guard(select)
    b["insert"] = _lua_guard(table_builder(InsertBuilder))
    b["update"] = _lua_guard(table_builder(UpdateBuilder))
    b["delete"] = _lua_guard(table_builder(DeleteBuilder))
    b["expr"] = _lua_guard(lambda s=None, *args: _expr(s, args))
    for op in ("eq", "not_eq", "lt", "lte", "gt", "gte", "like", "not_like"):
        b[op] = _lua_guard(cond(op))
    b["and_"] = _lua_guard(lambda items=None, *_: _conj("AND", items))
    b["or_"] = _lua_guard(lambda items=None, *_: _conj("OR", items))
    for name, f in _FORMATS.items():
        b[name] = f
    b["default_placeholder"] = _FORMATS["question"]
    return b


# ---------------------------------------------------------------------------
# the module


def _as(type_):
    def fn(v=None, *_):
        return SqlValue(type_, v)
    return fn


def make_sql_module(app):
    handler = app.sql_handler

    def get(eid=None, *_):
        if type(eid) is not str or not eid:
            return _fail("Invalid", "database ID must be a non-empty string")
        if handler.get(eid) is None:
            e = app.registry.get(eid)
            if e is None:
                return _fail("NotFound", "database %s not found" % eid)
            return _fail("Invalid", "%s is not a database (kind %s)" % (eid, e.kind))
        return DBHandle(handler, eid), None

    m = LuaTable()
    m["get"] = get
    m["type"] = LuaTable({"POSTGRES": "postgres", "MYSQL": "mysql", "SQLITE": "sqlite",
                          "UNKNOWN": "unknown"})
    m["isolation"] = LuaTable({k.upper(): k for k in ISOLATION})
    m["NULL"] = NULL
    m["as"] = LuaTable({"int": _as("int"), "float": _as("float"), "text": _as("text"),
                        "binary": _as("binary"), "null": lambda *_: NULL})
    m["builder"] = make_builder()
    return m


def install(app):
    handler = SQLiteHandler(app)
    app.sql_handler = handler
    app.registry.add_handler(handler)
    cache = {}

    def factory(app_, entry):
        t = cache.get("m")
        if t is None:
            t = cache["m"] = make_sql_module(app_)
        return LuaTable(t)
    app.module_factories["sql"] = factory
