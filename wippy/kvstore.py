"""Key-value stores: the ``store.memory`` and ``store.sql`` entry kinds and
the Lua ``store`` module.

``store.memory`` keeps copies of Lua values in a dict: ``max_size`` entries
at most (default 10000, 0 means the default; writing a new key when full is
rejected with an UNAVAILABLE error naming the limit, after expired entries
have been swept), TTLs checked on every read and swept every ``cleanup_interval``
(default 5m, 0 disables the sweep) by a greenlet started on first use.
Every write gets a new version (an opaque string), so ``put`` supports
``only_if_absent`` and ``if_version``.

``store.sql`` keeps its entries in a table the user creates in a
``db.sql.*`` database (``table_name``, ``table`` accepted as an alias --
spec §11 #7 -- and the columns ``id_column_name`` = key,
``payload_column_name`` = value, ``expire_column_name`` = expires_at, all
validated as SQL identifiers).  Values are stored as UTF-8 JSON bytes (see
:func:`encode_value`: tables that are not plain arrays or string-keyed maps
keep their keys through a tagged form), ``expires_at`` is a Unix time in
seconds (NULL for no expiry).  It has no versions, so conditional ``put``
returns INVALID; ``entry`` reports a content hash as the version.

Values are copied in and out (``copy_value``): a table stored is never the
table read back.
"""

import hashlib
import json
import math
import re
import time

import gevent

from .registry import KindHandler, ChangeRejected
from .runtime.values import LuaTable, LuaError, Userdata, TRUE, FALSE, LuaBool, TABLE_TYPES
from .lerrors import new_error
from .convert import copy_value, text_to_lua, lua_to_text, is_array

__all__ = ["install", "StoreHandler", "MemoryStore", "SQLStore", "StoreError",
           "encode_value", "decode_value"]

STORE_KINDS = ("store.memory", "store.sql")
DEFAULT_MAX_SIZE = 10000
DEFAULT_LIST_LIMIT = 100

BACKEND = {"MEMORY": "memory", "SQL": "sql", "KV_RAFT": "kv.raft", "KV_CRDT": "kv.crdt",
           "UNKNOWN": "unknown"}
CONSISTENCY = {"LINEARIZABLE": "linearizable", "EVENTUAL": "eventual", "LOCAL": "local",
               "UNKNOWN": "unknown"}


class StoreError(Exception):
    def __init__(self, msg, kind="Invalid", retryable=False):
        Exception.__init__(self, msg)
        self.kind = kind
        self.retryable = retryable

    def value(self):
        return new_error(self.kind, str(self), self.retryable)


def _parse_seconds(v, default, what):
    from .services import parse_seconds
    try:
        return parse_seconds(v, default)
    except (ValueError, KeyError, TypeError):
        raise ValueError("invalid %s %r" % (what, v))


def _ttl_arg(ttl):
    """TTL seconds (number, or a duration string) -> seconds or None."""
    if ttl is None or ttl is FALSE:
        return None
    if type(ttl) in (int, float):
        if ttl != ttl or ttl < 0:
            raise StoreError("ttl must be a non-negative number of seconds")
        return float(ttl) if ttl > 0 else None
    if type(ttl) is str:
        try:
            s = _parse_seconds(ttl, 0.0, "ttl")
        except ValueError as e:
            raise StoreError(str(e))
        return s if s > 0 else None
    raise StoreError("ttl must be a number of seconds")


def _key_arg(k):
    if type(k) is str and k:
        return k
    if type(k) is int or type(k) is float:
        from .runtime.values import tostring
        return tostring(k)
    raise StoreError("key must be a non-empty string")


def _copy_in(v):
    if v is None:
        raise StoreError("value must not be nil")
    try:
        return copy_value(v)
    except LuaError as e:
        msg = e.value if type(e.value) is str else "value cannot be stored"
        raise StoreError("cannot store value: %s" % re.sub(r"^[^:]*:\d+: ", "", msg))


def _entry_table(key, value, version):
    t = LuaTable()
    t["key"] = key
    t["value"] = value
    t["version"] = version
    return t


# ---------------------------------------------------------------------------
# memory


class MemoryStore:
    backend = "memory"
    consistency = "local"
    durable = False
    versioned = True
    conditional = True

    def __init__(self, eid, data):
        self.id = eid
        self.items = {}             # key -> [value, expires_at|None, version]
        self.counter = 0
        self.closed = False
        self.sweeper = None
        self.configure(data)

    def configure(self, data):
        ms = data.get("max_size")
        if ms is None or ms == 0:
            ms = DEFAULT_MAX_SIZE
        if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
            raise ValueError("max_size must be a non-negative integer")
        self.max_size = ms
        self.interval = _parse_seconds(data.get("cleanup_interval"), 300.0,
                                       "cleanup_interval")
        self.restart_sweeper()

    # -- expiry ----------------------------------------------------------------
    def restart_sweeper(self):
        g = self.sweeper
        self.sweeper = None
        if g is not None:
            try:
                g.kill(block=False)
            except Exception:       # pragma: no cover
                pass

    def ensure_sweeper(self):
        if self.sweeper is None and self.interval > 0 and not self.closed:
            self.sweeper = gevent.spawn(self._sweep_loop, self.interval)

    def _sweep_loop(self, interval):
        while not self.closed:
            gevent.sleep(interval)
            self.sweep()

    def sweep(self):
        now = time.time()
        dead = [k for k, it in self.items.items() if it[1] is not None and it[1] <= now]
        for k in dead:
            del self.items[k]
        return len(dead)

    def close(self):
        self.closed = True
        self.restart_sweeper()
        self.items.clear()

    def _live(self, key):
        it = self.items.get(key)
        if it is None:
            return None
        if it[1] is not None and it[1] <= time.time():
            del self.items[key]
            return None
        return it

    def _next_version(self):
        self.counter += 1
        return "%d" % self.counter

    # -- operations (values already copied in) ---------------------------------
    def get(self, key):
        it = self._live(key)
        return None if it is None else (it[0], it[2])

    def write(self, key, value, ttl, only_if_absent=False, if_version=None):
        self.ensure_sweeper()
        it = self._live(key)
        if only_if_absent and it is not None:
            raise StoreError("key %s already exists" % key, "AlreadyExists")
        if if_version is not None and (it is None or it[2] != if_version):
            raise StoreError("version mismatch for key %s" % key, "Conflict", True)
        if it is None and len(self.items) >= self.max_size:
            self.sweep()
            if len(self.items) >= self.max_size:
                raise StoreError("store %s is full (max_size %d)" % (self.id, self.max_size),
                                 "Unavailable")
        exp = time.time() + ttl if ttl else None
        ver = self._next_version()
        self.items[key] = [value, exp, ver]
        return ver

    def delete(self, key):
        it = self._live(key)
        if it is None:
            return False
        del self.items[key]
        return True

    def has(self, key):
        return self._live(key) is not None

    def list(self, prefix, after, limit):
        now = time.time()
        keys = sorted(k for k, it in self.items.items()
                      if (it[1] is None or it[1] > now) and k.startswith(prefix)
                      and (after is None or k > after))
        page = keys[:limit]
        return [(k, self.items[k][0], self.items[k][2]) for k in page], len(keys) > limit


# ---------------------------------------------------------------------------
# SQL

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")

_MAP_TAG = "\u0000map"


def _enc(v, depth):
    t = type(v)
    if v is None or t is int:
        return v
    if t is float:
        if v != v or v in (math.inf, -math.inf):
            return {_MAP_TAG + "f": repr(v)}
        return v
    if t is str:
        return lua_to_text(v, "surrogateescape")
    if t is LuaBool:
        return v is TRUE
    if t in TABLE_TYPES:
        if depth > 200:
            raise StoreError("value is nested too deeply (or has a cycle)")
        if len(v) and is_array(v):
            return [_enc(v[i], depth + 1) for i in range(1, len(v) + 1)]
        if all(type(k) is str for k in v):
            return {lua_to_text(k, "surrogateescape"): _enc(x, depth + 1) for k, x in v.items()}
        return {_MAP_TAG: [[_enc(k, depth + 1), _enc(x, depth + 1)] for k, x in v.items()]}
    from .runtime.values import lua_type
    raise StoreError("cannot store a %s value" % lua_type(v))


def encode_value(v):
    """A Lua value -> the bytes stored in the payload column (UTF-8 JSON)."""
    return json.dumps(_enc(v, 0), separators=(",", ":")).encode("utf-8")


def _dec(x):
    t = type(x)
    if x is None or t is int or t is float:
        return x
    if t is bool:
        return TRUE if x else FALSE
    if t is str:
        return text_to_lua(x)
    if t is list:
        out = LuaTable()
        for i, y in enumerate(x, 1):
            v = _dec(y)
            if v is not None:
                out[i] = v
        out.border = len(x)
        return out
    if len(x) == 1 and _MAP_TAG in x:
        out = LuaTable()
        for k, y in x[_MAP_TAG]:
            out[_dec(k)] = _dec(y)
        return out
    if len(x) == 1 and _MAP_TAG + "f" in x:
        return float(x[_MAP_TAG + "f"])
    out = LuaTable()
    for k, y in x.items():
        out[text_to_lua(k)] = _dec(y)
    return out


def decode_value(b):
    if isinstance(b, str):
        b = b.encode("latin-1")
    return _dec(json.loads(b.decode("utf-8")))


class SQLStore:
    backend = "sql"
    consistency = "linearizable"
    durable = True
    versioned = False
    conditional = False

    def __init__(self, eid, data, app):
        self.id = eid
        self.app = app
        self.closed = False
        self.sweeper = None
        db = data.get("database")
        if not isinstance(db, str) or not db:
            raise ValueError("store.sql needs 'database' (a db.sql.* entry)")
        self.database = db
        table = data.get("table_name") or data.get("table")
        if not isinstance(table, str) or not table:
            raise ValueError("store.sql needs 'table_name'")
        cols = {"table_name": table,
                "id_column_name": data.get("id_column_name") or "key",
                "payload_column_name": data.get("payload_column_name") or "value",
                "expire_column_name": data.get("expire_column_name") or "expires_at"}
        for field, name in cols.items():
            if not isinstance(name, str) or not _IDENT.match(name):
                raise ValueError("invalid %s %r (letters, digits and _ only)" % (field, name))
        self.table = table
        self.kcol = cols["id_column_name"]
        self.vcol = cols["payload_column_name"]
        self.ecol = cols["expire_column_name"]
        self.interval = _parse_seconds(data.get("cleanup_interval"), 0.0, "cleanup_interval")

    def close(self):
        self.closed = True
        g = self.sweeper
        self.sweeper = None
        if g is not None:
            g.kill(block=False)

    def ensure_sweeper(self):
        if self.sweeper is None and self.interval > 0 and not self.closed:
            self.sweeper = gevent.spawn(self._sweep_loop, self.interval)

    def _sweep_loop(self, interval):
        while not self.closed:
            gevent.sleep(interval)
            try:
                self.sweep()
            except StoreError:
                pass

    def sweep(self):
        sql = "DELETE FROM %s WHERE %s IS NOT NULL AND %s <= ?" % (self.table, self.ecol,
                                                                   self.ecol)
        now = int(time.time())
        return self._run(lambda c: c.execute(sql, (now,)).rowcount)

    def _run(self, fn):
        from .sqldb import DBError
        handler = getattr(self.app, "sql_handler", None)
        db = handler.get(self.database) if handler is not None else None
        if db is None:
            raise StoreError("database %s of store %s is not available"
                             % (self.database, self.id), "Unavailable")
        self.ensure_sweeper()
        try:
            ok, v = db.run(fn)
        except DBError as e:
            raise StoreError(str(e), e.kind, e.retryable)
        if not ok:
            from .sqldb import _driver_error
            e = _driver_error(v)
            raise StoreError(str(e), e.kind, e.retryable)
        return v

    @staticmethod
    def _key(key):
        from .sqldb import bind_value
        return bind_value(key)

    def _alive(self):
        return "(%s IS NULL OR %s > ?)" % (self.ecol, self.ecol)

    def get(self, key):
        sql = "SELECT %s FROM %s WHERE %s = ? AND %s" % (self.vcol, self.table, self.kcol,
                                                         self._alive())
        k = self._key(key)
        now = int(time.time())
        row = self._run(lambda c: c.execute(sql, (k, now)).fetchone())
        if row is None:
            return None
        payload = row[0]
        try:
            return decode_value(payload), _digest(payload)
        except (ValueError, UnicodeDecodeError) as e:
            raise StoreError("stored value of %s cannot be decoded: %s" % (key, e), "Internal")

    def write(self, key, value, ttl, only_if_absent=False, if_version=None):
        if only_if_absent or if_version is not None:
            raise StoreError("store %s (sql) does not support conditional writes" % self.id)
        payload = encode_value(value)
        exp = int(math.ceil(time.time() + ttl)) if ttl else None
        sql = ("INSERT INTO %s (%s, %s, %s) VALUES (?, ?, ?) ON CONFLICT(%s) DO UPDATE SET "
               "%s = excluded.%s, %s = excluded.%s" % (self.table, self.kcol, self.vcol,
                                                      self.ecol, self.kcol, self.vcol,
                                                      self.vcol, self.ecol, self.ecol))
        k = self._key(key)
        self._run(lambda c: c.execute(sql, (k, payload, exp)))
        return _digest(payload)

    def delete(self, key):
        k = self._key(key)
        now = int(time.time())
        alive = "SELECT 1 FROM %s WHERE %s = ? AND %s" % (self.table, self.kcol, self._alive())
        dele = "DELETE FROM %s WHERE %s = ?" % (self.table, self.kcol)

        def fn(c):
            found = c.execute(alive, (k, now)).fetchone() is not None
            c.execute(dele, (k,))
            return found
        return self._run(fn)

    def has(self, key):
        sql = "SELECT 1 FROM %s WHERE %s = ? AND %s" % (self.table, self.kcol, self._alive())
        k = self._key(key)
        now = int(time.time())
        return self._run(lambda c: c.execute(sql, (k, now)).fetchone()) is not None

    def list(self, prefix, after, limit):
        cond = [self._alive()]
        args = [int(time.time())]
        if prefix:
            p = self._key(prefix)
            cond.append("substr(%s, 1, %d) = ?" % (self.kcol, len(p)))
            args.append(p)
        if after is not None:
            cond.append("%s > ?" % self.kcol)
            args.append(self._key(after))
        sql = "SELECT %s, %s FROM %s WHERE %s ORDER BY %s LIMIT %d" % (
            self.kcol, self.vcol, self.table, " AND ".join(cond), self.kcol, limit + 1)
        rows = self._run(lambda c: c.execute(sql, args).fetchall())
        out = []
        for k, payload in rows[:limit]:
            key = k.decode("latin-1") if isinstance(k, bytes) else k
            out.append((key, decode_value(payload), _digest(payload)))
        return out, len(rows) > limit


def _digest(payload):
    if isinstance(payload, str):
        payload = payload.encode("latin-1")
    return hashlib.sha1(payload).hexdigest()[:16]


# ---------------------------------------------------------------------------
# the kind handler


class StoreHandler(KindHandler):
    kinds = STORE_KINDS

    def __init__(self, app):
        self.app = app
        self.stores = {}
        self._retired = {}

    def _make(self, entry):
        try:
            if entry.kind == "store.memory":
                return MemoryStore(entry.id, entry.data or {})
            return SQLStore(entry.id, entry.data or {}, self.app)
        except ValueError as e:
            raise ChangeRejected("%s: %s" % (entry.id, e), entry.id) from None

    def apply(self, op, old, new):
        if op == "create":
            prev = self._retired.pop(new.id, None)
            if prev is not None and prev.kind_entry == (new.kind, new.data):
                self.stores[new.id] = prev
                return
            st = self._make(new)
            st.kind_entry = (new.kind, new.data)
            self.stores[new.id] = st
        elif op == "delete":
            st = self.stores.pop(old.id, None)
            if st is not None:
                self._retired[old.id] = st
        else:
            cur = self.stores.get(new.id)
            if isinstance(cur, MemoryStore) and new.kind == "store.memory":
                # keep the data; only the settings change
                probe = self._make(new)
                probe.close()
                cur.configure(new.data or {})
                cur.kind_entry = (new.kind, new.data)
                return
            st = self._make(new)
            st.kind_entry = (new.kind, new.data)
            if cur is not None:
                self._retired[new.id] = cur
            self.stores[new.id] = st

    def commit(self, version):
        retired = self._retired
        self._retired = {}
        for eid, st in retired.items():
            if self.stores.get(eid) is not st:
                st.close()

    def get(self, eid):
        return self.stores.get(eid)


# ---------------------------------------------------------------------------
# Lua


class StoreHandle(Userdata):
    __slots__ = ("handler", "id", "released")

    def __init__(self, handler, eid):
        self.handler = handler
        self.id = eid
        self.released = False

    def store(self):
        if self.released:
            raise StoreError("store %s was released" % self.id)
        st = self.handler.get(self.id)
        if st is None:
            raise StoreError("store %s is not available" % self.id, "NotFound")
        return st


def _method(fn):
    def wrapper(h=None, *args):
        try:
            if not isinstance(h, StoreHandle):
                raise StoreError("store method called without a store (use st:method())")
            return fn(h.store(), *args)
        except StoreError as e:
            return None, e.value()
    wrapper.__name__ = fn.__name__
    return wrapper


@_method
def _s_get(st, key=None, *_):
    key = _key_arg(key)
    r = st.get(key)
    if r is None:
        return None, new_error("NotFound", "key %s not found" % key, False)
    return copy_value(r[0]), None


@_method
def _s_entry(st, key=None, *_):
    key = _key_arg(key)
    r = st.get(key)
    if r is None:
        return None, new_error("NotFound", "key %s not found" % key, False)
    return _entry_table(key, copy_value(r[0]), r[1]), None


@_method
def _s_set(st, key=None, value=None, ttl=None, *_):
    key = _key_arg(key)
    v = _copy_in(value)
    st.write(key, v, _ttl_arg(ttl))
    return TRUE, None


@_method
def _s_put(st, key=None, value=None, opts=None, *_):
    key = _key_arg(key)
    v = _copy_in(value)
    ttl = None
    only = False
    ifv = None
    if opts is not None:
        if type(opts) not in TABLE_TYPES:
            raise StoreError("put options must be a table")
        ttl = _ttl_arg(opts.get("ttl"))
        o = opts.get("only_if_absent")
        only = o is not None and o is not FALSE
        ifv = opts.get("if_version")
        if ifv is not None:
            if type(ifv) in (int, float):
                from .runtime.values import tostring
                ifv = tostring(ifv)
            elif type(ifv) is not str:
                raise StoreError("if_version must be a string")
        if only and ifv is not None:
            raise StoreError("only_if_absent and if_version are mutually exclusive")
    ver = st.write(key, v, ttl, only, ifv)
    return _entry_table(key, copy_value(v), ver), None


@_method
def _s_delete(st, key=None, *_):
    return (TRUE if st.delete(_key_arg(key)) else FALSE), None


@_method
def _s_has(st, key=None, *_):
    return (TRUE if st.has(_key_arg(key)) else FALSE), None


@_method
def _s_list(st, opts=None, *_):
    prefix = ""
    after = None
    limit = DEFAULT_LIST_LIMIT
    if opts is not None:
        if type(opts) not in TABLE_TYPES:
            raise StoreError("list options must be a table")
        p = opts.get("prefix")
        if p is not None:
            if type(p) is not str:
                raise StoreError("prefix must be a string")
            prefix = p
        a = opts.get("after")
        if a is not None and a != "":
            if type(a) is not str:
                raise StoreError("after must be a cursor string")
            after = a
        lim = opts.get("limit")
        if lim is not None:
            if type(lim) is float and lim.is_integer():
                lim = int(lim)
            if type(lim) is not int or lim <= 0:
                raise StoreError("limit must be a positive integer")
            limit = lim
    items, more = st.list(prefix, after, limit)
    arr = LuaTable()
    for i, (k, v, ver) in enumerate(items, 1):
        arr[i] = _entry_table(k, copy_value(v), ver)
    arr.border = len(items)
    page = LuaTable()
    page["items"] = arr
    page["cursor"] = items[-1][0] if items else (after or "")
    page["has_more"] = TRUE if more else FALSE
    return page, None


@_method
def _s_info(st, *_):
    t = LuaTable()
    t["id"] = st.id
    t["backend"] = st.backend
    t["consistency"] = st.consistency
    t["durable"] = TRUE if st.durable else FALSE
    t["list"] = TRUE
    t["versioned"] = TRUE if st.versioned else FALSE
    t["conditional_put"] = TRUE if st.conditional else FALSE
    t["ttl"] = TRUE
    return t, None


def _s_release(h=None, *_):
    if isinstance(h, StoreHandle):
        h.released = True
    return TRUE


StoreHandle.lua_meta = LuaTable({
    "__index": LuaTable({"get": _s_get, "entry": _s_entry, "set": _s_set, "put": _s_put,
                         "delete": _s_delete, "has": _s_has, "list": _s_list,
                         "info": _s_info, "release": _s_release}),
    "__name": "store",
    "__tostring": lambda h, *_: "store(%s)" % h.id})


def make_store_module(app):
    handler = app.store_handler

    def get(eid=None, *_):
        if type(eid) is not str or not eid:
            return None, new_error("Invalid", "store ID must be a non-empty string", False)
        if handler.get(eid) is None:
            e = app.registry.get(eid)
            if e is None:
                return None, new_error("NotFound", "store %s not found" % eid, False)
            return None, new_error("Invalid", "%s is not a store (kind %s)" % (eid, e.kind),
                                   False)
        return StoreHandle(handler, eid), None

    m = LuaTable()
    m["get"] = get
    m["backend"] = LuaTable(BACKEND)
    m["consistency"] = LuaTable(CONSISTENCY)
    return m


def install(app):
    handler = StoreHandler(app)
    app.store_handler = handler
    app.registry.add_handler(handler)
    cache = {}

    def factory(app_, entry):
        t = cache.get("m")
        if t is None:
            t = cache["m"] = make_store_module(app_)
        return LuaTable(t)
    app.module_factories["store"] = factory
