"""Environment variables: the ``env.storage.*`` and ``env.variable`` entry
kinds, ``${env:NAME}`` lookups for entry data, and the Lua ``env`` module.

Storage keeps values, variables name them (docs: system/env.md):

* ``env.storage.memory`` -- a dict, lost at exit;
* ``env.storage.file`` -- a ``.env`` file (format below); ``file_path`` is
  relative to the project root (the folder of ``wippy.lock``);
  ``auto_create`` (false) lets the storage create the file and its folders,
  at start and on a write, with ``file_mode`` (0644) and ``dir_mode``
  (0755);
* ``env.storage.os`` -- the process environment, read-only;
* ``env.storage.static`` -- the ``values`` map of the entry, read-only;
* ``env.storage.router`` -- ``storages`` in order: a read takes the first
  storage holding the key, a write goes to the first storage (a read-only
  first storage makes the router read-only).

An ``env.variable`` reads the key ``variable`` (its public name; the entry
name for a private variable) from ``storage``; ``default`` is the value when
the storage has none; ``readonly`` (alias ``read_only``) refuses writes.
Variables are found by public name, then by entry ID.  References to
storages are checked when an entry is created (so a project boots its env
entries first: storages, then routers in dependency order, then variables,
then everything else -- see :func:`prepare_boot`) and resolved again on every
access, so a storage deleted later gives NOT_FOUND.

The ``.env`` format: one ``KEY=VALUE`` per line; blank lines and lines whose
first non-blank character is ``#`` are comments; ``export KEY=VALUE`` is
accepted.  An unquoted value is trimmed and ends at `` #`` (a comment);
``'single quotes'`` keep their text verbatim; ``"double quotes"`` understand
``\\n \\r \\t \\" \\\\`` and may span lines.  A malformed line is logged with
its file and line and skipped; the rest of the file loads.  Writes keep
every other line and comment, replace the key's line (or append one), and
go through a temporary file renamed over the old one, so a crash never
leaves a truncated file.

Decisions: ``file_mode``/``dir_mode`` integers are the mode itself (a YAML
1.1 loader already reads ``0600`` as 384), strings are octal (``"0600"``,
``"0o600"``); modes beyond ``0777`` are refused, which catches a decimal
``600``.  Values are text: a non-string ``env.set`` value is INVALID, YAML
numbers and booleans in ``default``/``values`` become their text.
"""

import logging
import os
import re
import tempfile

from .registry import KindHandler, ChangeRejected
from .runtime.values import LuaTable, TRUE
from .lerrors import new_error
from .convert import text_to_lua, lua_to_text

__all__ = ["install", "EnvHandler", "EnvError", "FileStorage", "MemoryStorage",
           "parse_env", "parse_mode", "prepare_boot", "make_env_module"]

log = logging.getLogger("wippy.env")

VARIABLE = "env.variable"
ROUTER = "env.storage.router"
STORAGE_PREFIX = "env.storage."

_NAME = re.compile(r"[A-Za-z0-9_]+\Z")          # public variable names
_KEY = re.compile(r"[A-Za-z0-9_.\-]+\Z")        # keys in a .env file


class EnvError(Exception):
    """An env operation that failed; ``kind`` is a Wippy error kind."""

    def __init__(self, kind, message):
        Exception.__init__(self, message)
        self.kind = kind

    def value(self):
        return new_error(self.kind, str(self), False)


class _Bad(ValueError):
    """A bad field of an env entry: ``path`` is the field."""

    def __init__(self, path, message):
        ValueError.__init__(self, message)
        self.path = path


# ---------------------------------------------------------------------------
# settings


def _text(v):
    """A YAML scalar as env text (None stays None)."""
    if v is None or isinstance(v, str):
        return v
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
    raise ValueError("must be a string")


def parse_mode(v, default, what="mode"):
    """A permission mode: an int as is, a string as octal digits."""
    if v is None:
        return default
    if isinstance(v, bool):
        m = -1
    elif isinstance(v, int):
        m = v
    elif isinstance(v, float) and v.is_integer():
        m = int(v)
    elif isinstance(v, str):
        s = v.strip().lower()
        s = s[2:] if s.startswith("0o") else s
        m = int(s, 8) if s and all(c in "01234567" for c in s) else -1
    else:
        m = -1
    if not 0 <= m <= 0o777:
        raise _Bad(what, "%s must be permission bits from 0 to 0777 (such as 0600 or \"0600\"),"
                         " not %r" % (what, v))
    return m


def _ref(ns, v):
    return v if ":" in v else "%s:%s" % (ns, v)


def _flag(data, path):
    v = data.get(path)
    if v is None or isinstance(v, bool):
        return bool(v)
    raise _Bad(path, "%s must be true or false" % path)


def _settings(kind, data, ns):
    """Check one env entry's own fields; its settings as a dict.  Raises
    _Bad for the first bad field."""
    if kind == VARIABLE:
        name = data.get("variable")
        if name is not None and (not isinstance(name, str) or not _NAME.match(name)):
            raise _Bad("variable", "variable name %r may only contain A-Z, a-z, 0-9 and _"
                                   % (name,))
        st = data.get("storage")
        if not isinstance(st, str) or not st:
            raise _Bad("storage", "env.variable needs 'storage' (an env storage ID)")
        ro = "read_only" if "read_only" in data and "readonly" not in data else "readonly"
        try:
            default = _text(data.get("default"))
        except ValueError:
            raise _Bad("default", "default must be a string") from None
        return {"name": name, "storage": _ref(ns, st), "default": default,
                "readonly": _flag(data, ro)}
    if kind == ROUTER:
        sts = data.get("storages")
        if not isinstance(sts, list) or not sts or not all(isinstance(s, str) and s for s in sts):
            raise _Bad("storages", "env.storage.router needs 'storages', a list of env "
                                   "storage IDs")
        return {"storages": [_ref(ns, s) for s in sts]}
    if kind == "env.storage.file":
        p = data.get("file_path")
        if not isinstance(p, str) or not p:
            raise _Bad("file_path", "env.storage.file needs 'file_path'")
        return {"file_path": p, "auto_create": _flag(data, "auto_create"),
                "file_mode": parse_mode(data.get("file_mode"), 0o644, "file_mode"),
                "dir_mode": parse_mode(data.get("dir_mode"), 0o755, "dir_mode")}
    if kind == "env.storage.static":
        vals = data.get("values")
        if vals is None:
            vals = {}
        if not isinstance(vals, dict):
            raise _Bad("values", "values must be a map of names to strings")
        out = {}
        for k, v in vals.items():
            try:
                out[str(k)] = _text(v)
            except ValueError:
                raise _Bad("values." + str(k), "values.%s must be a string" % k) from None
        return {"values": out}
    if kind in ("env.storage.memory", "env.storage.os"):
        return {}
    raise _Bad("kind", "unknown env kind %s" % kind)


# ---------------------------------------------------------------------------
# storages


class MemoryStorage:
    read_only = False

    def __init__(self):
        self.values = {}

    def get(self, key):
        return self.values.get(key)

    def set(self, key, value):
        self.values[key] = value


class OSStorage:
    read_only = True

    def get(self, key):
        return os.environ.get(key)


class StaticStorage:
    read_only = True

    def __init__(self, values):
        self.values = values

    def get(self, key):
        return self.values.get(key)


class RouterStorage:
    """Reads the first storage that has the key; writes the first storage."""

    def __init__(self, handler, eid, ids):
        self.handler = handler
        self.id = eid
        self.ids = ids

    @property
    def read_only(self):
        st = self.handler.storages.get(self.ids[0])
        return st is None or st.read_only

    def get(self, key):
        for sid in self.ids:
            v = self.handler.storage(sid).get(key)
            if v is not None:
                return v
        return None

    def set(self, key, value):
        self.handler.storage(self.ids[0]).set(key, value)


class FileStorage:
    """A ``.env`` file, re-read when it changes on disk."""
    read_only = False

    def __init__(self, eid, path, shown, auto_create=False, file_mode=0o644, dir_mode=0o755):
        self.id = eid
        self.path = path
        self.shown = shown               # the path as reported in messages
        self.auto_create = auto_create
        self.file_mode = file_mode
        self.dir_mode = dir_mode
        self._stamp = None
        self._values = {}
        if auto_create and not os.path.exists(path):
            try:
                self._make_dirs(os.path.dirname(path))
                self._write("")
            except OSError as e:
                log.warning("env storage %s: cannot create %s: %s", eid, shown,
                            e.strerror or e)

    def get(self, key):
        self._load()
        return self._values.get(key)

    def set(self, key, value):
        if not _KEY.match(key):
            raise EnvError("Invalid", "%r cannot be a key of a .env file" % key)
        try:
            text = self._read()
        except (FileNotFoundError, NotADirectoryError):
            if not self.auto_create:
                raise EnvError("NotFound", "env storage %s: %s does not exist (auto_create is "
                                           "off)" % (self.id, self.shown)) from None
            text = ""
        except OSError as e:
            raise self._io_error("read", e) from None
        lines = text.split("\n")
        values, spans, _ = parse_env(lines)
        line = format_line(key, value)
        if key in spans:
            a, b = spans[key]
            lines[a:b] = [line]
        else:
            if lines and lines[-1] == "":
                lines.pop()
            lines.append(line)
            lines.append("")
        try:
            if self.auto_create:
                self._make_dirs(os.path.dirname(self.path))
            self._write("\n".join(lines))
        except OSError as e:
            raise self._io_error("write", e) from None
        values[key] = value
        self._values = values
        self._stamp = self._stat()

    # -- files

    def _io_error(self, what, e):
        return EnvError("Internal", "env storage %s: cannot %s %s: %s"
                        % (self.id, what, self.shown, e.strerror or e))

    def _stat(self):
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def _read(self):
        with open(self.path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            return f.read()

    def _load(self):
        stamp = self._stat()
        if stamp == self._stamp:
            return
        if stamp is None:
            self._values = {}
            self._stamp = None
            return
        try:
            text = self._read()
        except OSError as e:
            raise self._io_error("read", e) from None
        values, _, problems = parse_env(text.split("\n"))
        for n, msg in problems:
            log.warning("%s:%d: %s (line ignored)", self.shown, n, msg)
        self._values = values
        self._stamp = stamp

    def _make_dirs(self, d):
        if not d or os.path.isdir(d):
            return
        self._make_dirs(os.path.dirname(d))
        try:
            os.mkdir(d, self.dir_mode)
        except FileExistsError:
            return
        os.chmod(d, self.dir_mode)

    def _write(self, text):
        """Write the whole file atomically: a temporary file beside it,
        synced, then renamed over it."""
        d = os.path.dirname(self.path) or "."
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(self.path) + ".", dir=d)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape",
                           newline="") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, self.file_mode)
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:
            dfd = os.open(d, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:         # pragma: no cover - some file systems cannot sync folders
            pass


# ---------------------------------------------------------------------------
# the .env format

_ESC = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _scan_quoted(s, q):
    """The text up to the closing quote ``q`` of ``s`` (after the opening
    one): (value, rest after the quote) or None when unterminated."""
    if q == "'":
        i = s.find("'")
        return None if i < 0 else (s[:i], s[i + 1:])
    out = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == '"':
            return "".join(out), s[i + 1:]
        if c == "\\" and i + 1 < n:
            nxt = s[i + 1]
            out.append(_ESC.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return None


def parse_env(lines):
    """Parse the lines of a ``.env`` file: ``(values, spans, problems)``
    where ``spans[key]`` is the (start, end) range of lines of the key's last
    definition and ``problems`` lists (line number, message)."""
    values, spans, problems = {}, {}, []
    i, n = 0, len(lines)
    while i < n:
        start = i
        s = lines[i].strip()
        i += 1
        if not s or s[0] == "#":
            continue
        if s.startswith("export ") or s.startswith("export\t"):
            s = s[7:].lstrip()
        key, eq, rest = s.partition("=")
        key = key.strip()
        if not eq:
            problems.append((start + 1, "expected KEY=VALUE"))
            continue
        if not _KEY.match(key):
            problems.append((start + 1, "invalid key %r" % key))
            continue
        rest = rest.lstrip()
        if rest[:1] in ("'", '"'):
            q = rest[0]
            body = rest[1:]
            got = _scan_quoted(body, q)
            j = i
            while got is None and q == '"' and j < n:
                body += "\n" + lines[j]
                j += 1
                got = _scan_quoted(body, q)
            if got is None:
                problems.append((start + 1, "unterminated %s quote" % q))
                continue
            i = j
            value, tail = got
            tail = tail.strip()
            if tail and tail[0] != "#":
                problems.append((start + 1, "unexpected text after the closing quote"))
                continue
        else:
            m = re.search(r"\s#", rest)
            value = (rest[:m.start()] if m else rest).strip()
        values[key] = value
        spans[key] = (start, i)
    return values, spans, problems


_BARE = re.compile(r"[A-Za-z0-9_./:@+,%=^~-]*\Z")


def format_line(key, value):
    """``KEY=VALUE`` as parse_env reads it back: bare when safe, else
    double-quoted with escapes."""
    if _BARE.match(value):
        return "%s=%s" % (key, value)
    esc = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
           .replace("\r", "\\r").replace("\t", "\\t"))
    return '%s="%s"' % (key, esc)


# ---------------------------------------------------------------------------
# variables and the kind handler


class Variable:
    __slots__ = ("id", "name", "storage", "key", "default", "readonly")

    def __init__(self, eid, s):
        self.id = eid
        self.name = s["name"]
        self.storage = s["storage"]
        self.key = s["name"] or eid.split(":", 1)[1]
        self.default = s["default"]
        self.readonly = s["readonly"]


class EnvHandler(KindHandler):
    kinds = ("env.storage.*", VARIABLE)

    def __init__(self, app):
        self.app = app
        self.storages = {}          # entry ID -> storage
        self.variables = {}         # entry ID -> Variable
        self.public = {}            # public name -> Variable
        self._retired = {}          # memory storages dropped in this changeset

    # -- registry

    def apply(self, op, old, new):
        if new is None:
            self._drop(old)
            return
        try:
            s = _settings(new.kind, new.data or {}, new.ns)
            obj = self._make(new, old, s)
        except (_Bad, ValueError) as e:
            raise ChangeRejected("%s: %s" % (new.id, e), new.id) from None
        if old is not None:
            self._drop(old)
        if new.kind == VARIABLE:
            self.variables[new.id] = obj
            if obj.name:
                self.public[obj.name] = obj
        else:
            self.storages[new.id] = obj

    def commit(self, version):
        self._retired.clear()

    def _drop(self, e):
        if e.kind == VARIABLE:
            v = self.variables.pop(e.id, None)
            if v is not None and v.name and self.public.get(v.name) is v:
                del self.public[v.name]
            return
        st = self.storages.pop(e.id, None)
        if isinstance(st, MemoryStorage):
            self._retired[e.id] = st

    def _make(self, e, old, s):
        kind = e.kind
        if kind == VARIABLE:
            other = self.public.get(s["name"]) if s["name"] else None
            if other is not None and other.id != e.id:
                raise ValueError("variable name %s is already used by %s" % (s["name"], other.id))
            self._check_storage(s["storage"], "storage")
            return Variable(e.id, s)
        if kind == "env.storage.memory":
            prev = self.storages.get(e.id) if old is not None else self._retired.get(e.id)
            return prev if isinstance(prev, MemoryStorage) else MemoryStorage()
        if kind == "env.storage.os":
            return OSStorage()
        if kind == "env.storage.static":
            return StaticStorage(s["values"])
        if kind == ROUTER:
            for sid in s["storages"]:
                self._check_storage(sid, "storages")
                if self._reaches(sid, e.id):
                    raise ValueError("storages: %s leads back to this router" % sid)
            return RouterStorage(self, e.id, s["storages"])
        path = os.path.join(self.app.root, os.path.expanduser(s["file_path"]))
        return FileStorage(e.id, os.path.normpath(path), s["file_path"], s["auto_create"],
                           s["file_mode"], s["dir_mode"])

    def _check_storage(self, sid, field):
        if sid in self.storages:
            return
        e = self.app.registry.get(sid)
        if e is not None and not e.kind.startswith(STORAGE_PREFIX):
            raise ValueError("%s: %s is a %s, not an env storage" % (field, sid, e.kind))
        raise ValueError("%s: env storage %s not found" % (field, sid))

    def _reaches(self, sid, target, depth=0):
        if sid == target:
            return True
        st = self.storages.get(sid)
        if isinstance(st, RouterStorage) and depth < 100:
            return any(self._reaches(s, target, depth + 1) for s in st.ids)
        return False

    # -- access

    def storage(self, sid):
        st = self.storages.get(sid)
        if st is None:
            raise EnvError("NotFound", "env storage %s not found" % sid)
        return st

    def variable(self, name):
        v = self.public.get(name)
        if v is None:
            v = self.variables.get(name)
            if v is None:
                raise EnvError("NotFound", "environment variable %s not found" % name)
        return v

    def value(self, v):
        """A variable's value: its storage's, else its default (or None)."""
        r = self.storage(v.storage).get(v.key)
        return v.default if r is None else r

    def get(self, name):
        r = self.value(self.variable(name))
        if r is None:
            raise EnvError("NotFound", "environment variable %s is not set" % name)
        return r

    def set(self, name, value):
        v = self.variable(name)
        if v.readonly:
            raise EnvError("PermissionDenied", "environment variable %s is read-only" % name)
        st = self.storage(v.storage)
        if st.read_only:
            raise EnvError("PermissionDenied", "env storage %s is read-only" % v.storage)
        st.set(v.key, value)

    def all(self):
        out = {}
        for name, v in self.public.items():
            try:
                r = self.value(v)
            except EnvError:
                continue
            if r is not None:
                out[name] = r
        return out

    def lookup(self, name):
        """For ``${env:NAME}``: (registered, value or None)."""
        v = self.public.get(name) or self.variables.get(name)
        if v is None:
            return False, None
        try:
            return True, self.value(v)
        except EnvError:
            return True, None


# ---------------------------------------------------------------------------
# boot order and load-time checks


def prepare_boot(defs, root, dropped=()):
    """Check the env entries of a project and order them for boot: plain
    storages, routers (each after the storages it names), variables, then the
    other entries in their order.  Raises ProjectError listing every problem
    (with file and line).  ``dropped`` are IDs of entries the loader already
    reported and left out: references to them are not reported again."""
    from .project import Problem, ProjectError
    by_id = {d.id: d for d in defs}
    problems = []

    def bad(d, path, msg):
        f = getattr(d, "file", None)
        line = d.line_of(path) if f and hasattr(d, "line_of") else getattr(d, "line", 0)
        if f:
            r = os.path.relpath(f, root)
            f = f if r.startswith("..") else r
        problems.append(Problem(f, line, "%s: %s" % (d.id, msg), d.id))

    plain, routers, variables, rest = [], {}, [], []
    names = {}
    for d in defs:
        if not d.kind.startswith("env."):
            rest.append(d)
            continue
        try:
            s = _settings(d.kind, d.data or {}, d.id.split(":", 1)[0])
        except _Bad as e:
            bad(d, e.path, str(e))
            continue
        if d.kind == VARIABLE:
            variables.append(d)
            name = s["name"]
            if name:
                if name in names:
                    first = names[name]
                    bad(d, "variable", "variable name %s is already used by %s (%s:%d)"
                        % (name, first.id, os.path.relpath(first.file, root)
                           if getattr(first, "file", None) else "?",
                           getattr(first, "line", 0)))
                else:
                    names[name] = d
            refs = [("storage", s["storage"])]
        elif d.kind == ROUTER:
            routers[d.id] = (d, s["storages"])
            refs = [("storages", sid) for sid in s["storages"]]
        else:
            plain.append(d)
            refs = []
        for path, sid in refs:
            t = by_id.get(sid)
            if "${" in sid or sid in dropped:
                continue
            if t is None:
                bad(d, path, "%s: env storage %s not found" % (path, sid))
            elif not t.kind.startswith(STORAGE_PREFIX):
                bad(d, path, "%s: %s is a %s, not an env storage" % (path, sid, t.kind))
    # routers after what they name; a cycle is a problem
    ordered, state = [], {}

    def visit(rid):
        if state.get(rid) == 1:
            return False
        if state.get(rid) == 2:
            return True
        state[rid] = 1
        ok = all(visit(s) for s in routers[rid][1] if s in routers)
        state[rid] = 2
        ordered.append(routers[rid][0])
        return ok

    for rid, (d, _) in routers.items():
        if rid not in state and not visit(rid):
            bad(d, "storages", "storages: routers name each other in a cycle")
    if problems:
        problems.sort(key=lambda p: (p.file or "", p.line))
        raise ProjectError(problems)
    return plain + ordered + variables + rest


# ---------------------------------------------------------------------------
# Lua


def make_env_module(handler):
    def _name(name):
        if type(name) is not str or not name:
            raise EnvError("Invalid", "variable name must be a non-empty string")
        return name

    def get(name=None, *_):
        try:
            return text_to_lua(handler.get(_name(name))), None
        except EnvError as e:
            return None, e.value()

    def set_(name=None, value=None, *_):
        try:
            name = _name(name)
            if type(value) is not str:
                raise EnvError("Invalid", "value of %s must be a string" % name)
            handler.set(name, lua_to_text(value, "surrogateescape"))
            return TRUE, None
        except EnvError as e:
            return None, e.value()

    def get_all(*_):
        t = LuaTable()
        for k, v in sorted(handler.all().items()):
            t[k] = text_to_lua(v)
        return t, None

    m = LuaTable()
    m["get"] = get
    m["set"] = set_
    m["get_all"] = get_all
    return m


def install(app):
    handler = app.env_handler = EnvHandler(app)
    app.registry.add_handler(handler)
    cache = []

    def factory(app_, entry):
        if not cache:
            cache.append(make_env_module(handler))
        return LuaTable(cache[0])
    app.module_factories["env"] = factory
