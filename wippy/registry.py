"""The registry: every entry of an application, versioned.

An entry is ``{id, kind, meta, data}`` with an ID ``namespace:name``.  The
registry changes only through changesets (create / update / delete
operations) applied atomically: the kind handlers registered for the
entries' kinds see each operation and may reject it, and a rejection rolls
the whole changeset back -- the entries and everything the handlers did.
Every applied changeset is a new version; versions are kept in a history
(memory by default; SQLite or PostgreSQL keep it across restarts, see
:func:`open_history` and :meth:`Registry.load`) so the registry
can go back to an earlier version (``apply_version``), which is itself a new
version computed as the delta between the two states.

Entry values (meta and data) are plain Python data (dicts, lists, str,
int, float, bool, None), as loaded from YAML; the Lua ``registry`` module
converts them at its boundary.
"""

import fnmatch
import json
import os
import re
import sqlite3
import threading
import time

__all__ = ["Entry", "Version", "Registry", "RegistryError", "ChangeRejected", "KindHandler",
           "MemoryHistory", "SQLiteHistory", "PostgresHistory", "open_history", "parse_id", "squash", "matches_filter", "select"]

# kinds that are plain data: never seen by kind handlers
PASSIVE_KINDS = frozenset(("registry.entry", "ns.requirement", "ns.dependency", "ns.definition"))


class RegistryError(Exception):
    """A registry operation that cannot be done (kind: an error kind)."""

    def __init__(self, message, kind="Invalid"):
        Exception.__init__(self, message)
        self.kind = kind


class ChangeRejected(RegistryError):
    """A kind handler refused an operation; the changeset was rolled back."""

    def __init__(self, message, entry_id=None):
        RegistryError.__init__(self, message, "Invalid")
        self.entry_id = entry_id


def parse_id(eid):
    """``"ns:name"`` -> ``(ns, name)``; raises RegistryError when malformed."""
    if not isinstance(eid, str) or eid.count(":") != 1:
        raise RegistryError("invalid entry ID %r: expected 'namespace:name'" % (eid,))
    ns, name = eid.split(":")
    if not ns or not name:
        raise RegistryError("invalid entry ID %r: expected 'namespace:name'" % (eid,))
    return ns, name


class Entry:
    """One registry entry.  Treat as immutable: updates replace entries."""
    __slots__ = ("id", "kind", "meta", "data")

    def __init__(self, id, kind, meta=None, data=None):
        parse_id(id)
        if not isinstance(kind, str) or not kind:
            raise RegistryError("entry %s: kind must be a non-empty string" % id)
        self.id = id
        self.kind = kind
        self.meta = meta if meta is not None else {}
        self.data = data if data is not None else {}
        if not isinstance(self.meta, dict):
            raise RegistryError("entry %s: meta must be a map" % id)

    @property
    def ns(self):
        return self.id.split(":", 1)[0]

    @property
    def name(self):
        return self.id.split(":", 1)[1]

    def to_dict(self):
        return {"id": self.id, "kind": self.kind, "meta": self.meta, "data": self.data}

    @classmethod
    def from_dict(cls, d):
        return cls(d["id"], d["kind"], d.get("meta"), d.get("data"))

    def __eq__(self, other):
        return (isinstance(other, Entry) and self.id == other.id and self.kind == other.kind
                and self.meta == other.meta and self.data == other.data)

    __hash__ = None

    def __repr__(self):
        return "Entry(%r, %r)" % (self.id, self.kind)


class Version:
    """One applied changeset: ``ops`` is a list of ``(op, entry_or_id)``."""
    __slots__ = ("id", "prev", "time", "description", "ops")

    def __init__(self, id, prev, time_, description, ops):
        self.id = id
        self.prev = prev
        self.time = time_
        self.description = description
        self.ops = ops

    def __repr__(self):
        return "Version(%d, %d ops)" % (self.id, len(self.ops))


# ---------------------------------------------------------------------------
# changesets


def squash(ops):
    """Merge operations on the same entry (C+U=C, C+D=nothing, U+D=D,
    D+C=U, U+U=U) keeping the order of first appearance."""
    order = []
    state = {}
    for op, val in ops:
        eid = val if op == "delete" else val.id
        prev = state.get(eid)
        if prev is None:
            order.append(eid)
            state[eid] = (op, val)
            continue
        pop = prev[0]
        if op == "delete":
            state[eid] = None if pop == "create" else ("delete", eid)
        elif op == "create":
            state[eid] = ("update", val) if pop == "delete" else (pop if pop == "create" else op, val)
        else:   # update
            state[eid] = ("create" if pop == "create" else "update", val)
    return [state[e] for e in order if state.get(e) is not None]


class KindHandler:
    """Base of the handlers that give entry kinds a meaning.

    ``kinds`` lists the kinds handled (exact names or globs such as
    ``"db.sql.*"``).  For every operation of a changeset the registry calls
    ``apply(op, old, new)`` with ``op`` one of ``"create"``, ``"update"``,
    ``"delete"`` and ``old``/``new`` the entries before and after (None where
    there is none).  Raising ChangeRejected (or any exception) rejects the
    changeset: the registry then calls ``apply`` again with the inverse
    operations of those already applied, in reverse order, so handlers undo
    what they did.  ``commit(version)`` is called once the changeset holds."""
    kinds = ()

    def apply(self, op, old, new):
        pass

    def commit(self, version):
        pass


def _same(e):
    return e


def _undo(done, exc):
    """Roll back what handlers did (``done``: (handler, op, old, new) in the
    order applied) and re-raise ``exc`` -- a handler's plain exception as
    ChangeRejected."""
    for h, op, old, new in reversed(done):
        try:
            h.apply(*_inverse(op, old, new))
        except Exception:       # pragma: no cover - best effort
            pass
    if isinstance(exc, RegistryError):
        raise exc
    if isinstance(exc, Exception):
        raise ChangeRejected(str(exc)) from exc
    raise exc


def _inverse(op, old, new):
    if op == "create":
        return "delete", new, None
    if op == "delete":
        return "create", None, old
    return "update", new, old


# ---------------------------------------------------------------------------
# history backends


class MemoryHistory:
    """Versions kept in memory: runtime changes last until the process
    stops, and every start begins from the sources."""
    persistent = False

    def __init__(self):
        self._versions = []

    def load(self):
        return list(self._versions)

    def append(self, version):
        self._versions.append(version)

    def close(self):
        pass


def _ops_to_json(ops):
    return json.dumps([[op, val if op == "delete" else val.to_dict()] for op, val in ops],
                      default=str, separators=(",", ":"))


def _ops_from_json(s):
    return [(op, val if op == "delete" else Entry.from_dict(val)) for op, val in json.loads(s)]


def _entries_to_json(entries):
    return json.dumps([e.to_dict() for e in entries], default=str, separators=(",", ":"))


def _entry_key(e):
    """An entry as stored text: compares a source entry with a stored one."""
    return json.dumps(e.to_dict(), default=str, sort_keys=True, separators=(",", ":"))


class SQLiteHistory:
    """Versions in a SQLite file (one row per version, its operations as
    JSON), and the source entries of the last boot.  Writes happen before a
    changeset becomes visible."""
    persistent = True

    def __init__(self, path):
        d = os.path.dirname(os.path.abspath(path))
        os.makedirs(d, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS versions (id INTEGER PRIMARY KEY, "
                             "prev INTEGER, time REAL, description TEXT, ops TEXT)")
            self._db.execute("CREATE TABLE IF NOT EXISTS boot (id INTEGER PRIMARY KEY, "
                             "entries TEXT)")
        except sqlite3.Error as e:
            raise RegistryError("registry history %s: %s" % (path, e), "Internal") from None

    def load(self):
        with self._lock:
            rows = self._db.execute("SELECT id, prev, time, description, ops FROM versions "
                                    "ORDER BY id").fetchall()
        return [Version(r[0], r[1], r[2], r[3] or "", _ops_from_json(r[4])) for r in rows]

    def append(self, version):
        with self._lock:
            self._db.execute("INSERT INTO versions VALUES (?, ?, ?, ?, ?)",
                             (version.id, version.prev, version.time, version.description,
                              _ops_to_json(version.ops)))

    def boot_sources(self):
        """The source entries of the last boot (a list), or None."""
        with self._lock:
            row = self._db.execute("SELECT entries FROM boot WHERE id = 1").fetchone()
        return None if row is None else [Entry.from_dict(d) for d in json.loads(row[0])]

    def save_boot_sources(self, entries):
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO boot VALUES (1, ?)",
                             (_entries_to_json(entries),))

    def close(self):
        with self._lock:
            self._db.close()


class PostgresHistory:
    """Versions in PostgreSQL (``dsn`` as libpq takes it: a URL such as
    ``postgres://user@host:5432/db`` or ``host=... dbname=...``), in the
    tables ``registry_versions`` and ``registry_boot`` of ``schema`` (created
    when missing; the connection's default schema when None)."""
    persistent = True

    def __init__(self, dsn, schema=None):
        try:
            import psycopg2
        except ImportError:     # pragma: no cover - a declared dependency
            raise RegistryError("registry history: postgres needs psycopg2", "Internal")
        self._pg = psycopg2
        self._lock = threading.Lock()
        if schema is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", schema):
            raise RegistryError("registry history: invalid schema name %r" % (schema,))
        q = '"%s".' % schema if schema else ""
        self._versions = q + "registry_versions"
        self._boot = q + "registry_boot"
        try:
            self._db = psycopg2.connect(dsn)
            self._db.autocommit = True
            with self._db.cursor() as c:
                if schema:
                    c.execute('CREATE SCHEMA IF NOT EXISTS "%s"' % schema)
                c.execute("CREATE TABLE IF NOT EXISTS %s (id BIGINT PRIMARY KEY, prev BIGINT, "
                          "time DOUBLE PRECISION, description TEXT, ops TEXT)" % self._versions)
                c.execute("CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, entries TEXT)"
                          % self._boot)
        except psycopg2.Error as e:
            raise RegistryError("registry history (postgres): %s"
                                % str(e).strip().splitlines()[0], "Internal") from None

    def _run(self, sql, args=(), fetch=False):
        with self._lock:
            try:
                with self._db.cursor() as c:
                    c.execute(sql, args)
                    return c.fetchall() if fetch else None
            except self._pg.Error as e:
                raise RegistryError("registry history (postgres): %s"
                                    % str(e).strip().splitlines()[0], "Internal") from None

    def load(self):
        rows = self._run("SELECT id, prev, time, description, ops FROM %s ORDER BY id"
                         % self._versions, fetch=True)
        return [Version(r[0], r[1], r[2], r[3] or "", _ops_from_json(r[4])) for r in rows]

    def append(self, version):
        self._run("INSERT INTO %s VALUES (%%s, %%s, %%s, %%s, %%s)" % self._versions,
                  (version.id, version.prev, version.time, version.description,
                   _ops_to_json(version.ops)))

    def boot_sources(self):
        rows = self._run("SELECT entries FROM %s WHERE id = 1" % self._boot, fetch=True)
        return [Entry.from_dict(d) for d in json.loads(rows[0][0])] if rows else None

    def save_boot_sources(self, entries):
        self._run("INSERT INTO %s VALUES (1, %%s) ON CONFLICT (id) DO UPDATE "
                  "SET entries = EXCLUDED.entries" % self._boot, (_entries_to_json(entries),))

    def close(self):
        with self._lock:
            self._db.close()


def open_history(config, root):
    """The history backend the ``registry`` config section asks for:
    ``history_type`` memory (the default), sqlite (``history_path``, relative
    to ``root``) or postgres (``history_dsn``, ``history_schema``);
    ``enable_history: false`` (or ``history_type: nil``) keeps nothing
    beyond memory.  Raises RegistryError for a bad setting or an
    unreachable store."""
    cfg = config or {}
    kind = cfg.get("history_type") or "memory"
    if not cfg.get("enable_history", True) or kind in ("memory", "nil", "none"):
        return MemoryHistory()
    if kind == "sqlite":
        path = cfg.get("history_path") or ".wippy/registry.db"
        return SQLiteHistory(os.path.join(root, str(path)))
    if kind == "postgres":
        dsn = cfg.get("history_dsn")
        if not dsn or not isinstance(dsn, str):
            raise RegistryError("registry.history_type postgres needs registry.history_dsn")
        return PostgresHistory(dsn, cfg.get("history_schema") or None)
    raise RegistryError("registry.history_type: unknown %r (expected memory, sqlite or "
                        "postgres)" % (kind,))


# ---------------------------------------------------------------------------
# finding entries

_OPS = {"~": "regex", "*": "contains", "^": "prefix", "$": "suffix"}


_OWN_GETTERS = {"kind": lambda e: e.kind, "id": lambda e: e.id,
                "ns": lambda e: e.ns, "name": lambda e: e.name}
_OWN_FIELDS = {".kind": "kind", "kind": "kind", ".ns": "ns", ".namespace": "ns",
               "namespace": "ns", ".name": "name", "name": "name", ".id": "id", "id": "id"}


def _getter(path):
    """A function reading the value a filter key names: the entry's own
    fields (``.kind``, ``.name``, ``.ns``/``.namespace``, ``.id``, also
    written bare: ``kind``, ``name``, ``namespace``, ``id``), ``data.x.y``
    into the data, ``meta.x.y`` into the meta; any other key is a meta field
    (``type`` is ``meta.type``)."""
    own = _OWN_FIELDS.get(path)
    if own is not None:
        return _OWN_GETTERS[own]
    parts = path.lstrip(".").split(".")
    in_data = parts[0] == "data"
    if in_data or parts[0] == "meta":
        parts = parts[1:]

    def get(entry):
        cur = entry.data if in_data else entry.meta
        for p in parts:
            if isinstance(cur, dict) and p in cur:
                cur = cur[p]
            else:
                return None
        return cur
    return get


def _scalar_str(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


_glob_cache = {}


def _match_value(op, actual, want):
    if actual is None:
        return False
    if isinstance(actual, list):
        return any(_match_value(op, a, want) for a in actual)
    a = _scalar_str(actual)
    w = _scalar_str(want)
    if op == "regex":
        return re.search(w, a) is not None
    if op == "contains":
        return w in a
    if op == "prefix":
        return a.startswith(w)
    if op == "suffix":
        return a.endswith(w)
    if not any(c in w for c in "*?["):
        return a == w
    rx = _glob_cache.get(w)
    if rx is None:
        rx = _glob_cache[w] = re.compile(fnmatch.translate(w))
    return rx.match(a) is not None


def _flatten(filt, prefix=""):
    out = []
    for k, v in filt.items():
        if isinstance(v, dict):
            out.extend(_flatten(v, prefix + k + "."))
        else:
            out.append((prefix + k, v))
    return out


def _compile_filter(filt):
    """A find filter as (operator, value getter, wanted value) triples."""
    out = []
    for key, want in _flatten(filt):
        op = "glob"
        if key[:1] in _OPS:
            op = _OPS[key[0]]
            key = key[1:]
        out.append((op, _getter(key), want))
    return out


def matches_filter(entry, filt):
    """Whether an entry passes a find filter: flat dotted keys (``.kind``,
    ``meta.type``, bare ``kind``/``name``/``namespace``/``id`` for the
    entry's own fields, other bare keys for meta fields) or the nested form
    ``{meta={type=...}}``; a key may start
    with an operator (``~`` regex, ``*`` contains, ``^`` prefix, ``$``
    suffix); values are globs otherwise."""
    return _passes(entry, _compile_filter(filt))


def _passes(entry, tests):
    for op, get, want in tests:
        if not _match_value(op, get(entry), want):
            return False
    return True


def select(entries, filt):
    """The entries that pass a find filter (all of them for an empty one)."""
    if not filt:
        return list(entries)
    tests = _compile_filter(filt)
    return [e for e in entries if _passes(e, tests)]


# ---------------------------------------------------------------------------
# the registry


class Registry:
    def __init__(self, history=None):
        self._entries = {}
        self._handlers = []
        self._by_kind = {}
        self._lock = threading.RLock()
        self.history = history if history is not None else MemoryHistory()
        self._versions = self.history.load()
        for v in self._versions:
            self._replay(self._entries, v.ops)
        self.listeners = []          # called with (version) after each change
        # what handlers see of an entry: the stored entry keeps its raw
        # values (${env:...} placeholders), handlers get them resolved
        self.decode = _same
        self.kind_hook = None        # called with a kind before its handlers are first looked up

    # -- reading ------------------------------------------------------------
    @property
    def version(self):
        return self._versions[-1].id if self._versions else 0

    def get(self, eid):
        return self._entries.get(eid)

    def entries(self):
        return list(self._entries.values())

    def find(self, filt):
        return select(self._entries.values(), filt)

    def versions(self):
        return list(self._versions)

    def get_version(self, vid):
        for v in self._versions:
            if v.id == vid:
                return v
        return None

    def snapshot(self):
        with self._lock:
            return Snapshot(self, dict(self._entries), self.version)

    def snapshot_at(self, vid):
        with self._lock:
            if vid < 0 or vid > self.version or (vid and self.get_version(vid) is None):
                raise RegistryError("version %s not found" % vid, "NotFound")
            state = {}
            for v in self._versions:
                if v.id > vid:
                    break
                self._replay(state, v.ops)
            return Snapshot(self, state, vid)

    @staticmethod
    def _replay(state, ops):
        for op, val in ops:
            if op == "delete":
                state.pop(val, None)
            else:
                state[val.id] = val

    # -- handlers -----------------------------------------------------------
    def add_handler(self, handler):
        self._handlers.append(handler)
        self._by_kind.clear()

    def handlers_for(self, kind):
        hs = self._by_kind.get(kind)
        if hs is None:
            if self.kind_hook is not None:
                self.kind_hook(kind)     # may add handlers (plugins load on demand)
            hs = []
            if kind not in PASSIVE_KINDS:
                for h in self._handlers:
                    for pat in h.kinds:
                        if pat == kind or fnmatch.fnmatchcase(kind, pat):
                            hs.append(h)
                            break
            self._by_kind[kind] = hs
        return hs

    # -- changing -----------------------------------------------------------
    def apply(self, ops, description=""):
        """Apply a changeset atomically; returns the new Version.  Raises
        RegistryError for an invalid operation and ChangeRejected when a
        handler refuses one; in both cases nothing has changed."""
        with self._lock:
            ops = squash(self._check_ops(ops))
            if not ops:
                raise RegistryError("changeset has no changes to apply")
            done = []       # (handler, op, old, new)
            staged = dict(self._entries)
            try:
                for op, val in ops:
                    eid = val if op == "delete" else val.id
                    old = staged.get(eid)
                    if op == "create" and old is not None:
                        raise RegistryError("entry %s already exists" % eid, "AlreadyExists")
                    if op in ("update", "delete") and old is None:
                        raise RegistryError("entry %s not found" % eid, "NotFound")
                    new = None if op == "delete" else val
                    # a kind change is a delete for the old kind's handlers
                    # and a create for the new one's
                    if op == "update" and old.kind != new.kind:
                        steps = [("delete", old, None), ("create", None, new)]
                    else:
                        steps = [(op, old, new)]
                    dec = self.decode
                    for sop, sold, snew in steps:
                        hs = self.handlers_for((snew or sold).kind)
                        if hs:
                            dold = dec(sold) if sold is not None else None
                            dnew = dec(snew) if snew is not None else None
                        for h in hs:
                            h.apply(sop, dold, dnew)
                            done.append((h, sop, dold, dnew))
                    if new is None:
                        del staged[eid]
                    else:
                        staged[eid] = new
                version = Version(self.version + 1, self.version, time.time(), description,
                                  ops)
                self.history.append(version)
            except BaseException as exc:
                _undo(done, exc)
            self._entries = staged
            self._versions.append(version)
            for h in self._handlers:
                h.commit(version)
        for fn in list(self.listeners):
            fn(version)
        return version

    def _check_ops(self, ops):
        out = []
        for op in ops:
            kind, val = op
            if kind not in ("create", "update", "delete"):
                raise RegistryError("unknown changeset operation %r" % (kind,))
            if kind == "delete":
                if isinstance(val, Entry):
                    val = val.id
                parse_id(val)
            elif not isinstance(val, Entry):
                raise RegistryError("changeset %s needs an entry" % kind)
            out.append((kind, val))
        return out

    def delta(self, target):
        """The operations that turn the current entries into ``target`` (a
        dict of id -> Entry)."""
        ops = []
        cur = self._entries
        for eid, e in target.items():
            old = cur.get(eid)
            if old is None:
                ops.append(("create", e))
            elif old != e and _entry_key(old) != _entry_key(e):
                ops.append(("update", e))
        for eid in cur:
            if eid not in target:
                ops.append(("delete", eid))
        return ops

    def apply_version(self, vid):
        """Go back (or forward) to the state of version ``vid``, as a new
        version.  Returns it, or None when the state is already that."""
        target = self.snapshot_at(vid).entries_dict()
        ops = self.delta(target)
        if not ops:
            return None
        return self.apply(ops, "apply version %d" % vid)

    def load(self, entries, description="load"):
        """Boot from the source ``entries``.  Every entry the registry then
        holds is presented to its handlers as a creation (a run starts with
        nothing running); the history gets one version with the delta from
        the state it held (none when nothing changed).  Returns that version
        or None.  A handler's rejection undoes the whole boot.

        With a memory history the registry holds exactly ``entries``.  A
        persistent history (SQLite, PostgreSQL) restores its last version
        instead, runtime changes included, and applies on top of it only what
        changed in the sources since the last boot: an entry created, edited
        or removed in the sources takes the sources' form; every other entry
        keeps the form the last version gave it."""
        with self._lock:
            sources = {}
            for e in entries:
                if e.id in sources:
                    raise RegistryError("duplicate entry %s" % e.id, "AlreadyExists")
                sources[e.id] = e
            persistent = getattr(self.history, "persistent", False)
            base = self.history.boot_sources() if persistent and self._versions else None
            if base is None:
                target = sources
            else:
                base = {e.id: _entry_key(e) for e in base}
                target = dict(self._entries)
                for eid, e in sources.items():
                    if base.get(eid) != _entry_key(e):
                        target[eid] = e
                for eid in base:
                    if eid not in sources:
                        target.pop(eid, None)
            ops = self.delta(target)
            done = []
            try:
                dec = self.decode
                for e in target.values():
                    hs = self.handlers_for(e.kind)
                    if hs:
                        de = dec(e)
                        for h in hs:
                            h.apply("create", None, de)
                            done.append((h, de))
                version = None
                if ops:
                    version = Version(self.version + 1, self.version, time.time(), description,
                                      ops)
                    self.history.append(version)
                if persistent and (base is None or base != {
                        eid: _entry_key(e) for eid, e in sources.items()}):
                    self.history.save_boot_sources(list(sources.values()))
            except BaseException as exc:
                _undo([(h, "create", None, e) for h, e in done], exc)
            self._entries = target
            if version is not None:
                self._versions.append(version)
            for h in self._handlers:
                h.commit(version)
        if version is not None:
            for fn in list(self.listeners):
                fn(version)
        return version

    def close(self):
        self.history.close()


class Snapshot:
    """The entries of one version (read-only)."""

    def __init__(self, registry, entries, version):
        self.registry = registry
        self._entries = entries
        self.version = version

    def entries(self):
        return list(self._entries.values())

    def entries_dict(self):
        return dict(self._entries)

    def get(self, eid):
        return self._entries.get(eid)

    def find(self, filt):
        return select(self._entries.values(), filt)

    def namespace(self, ns):
        return [e for e in self._entries.values() if e.ns == ns]

