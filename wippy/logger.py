"""Logging: the runtime's log output and the Lua ``logger`` module.

Everything goes through Python's :mod:`logging`.  The runtime logs under
``wippy.*`` loggers (``wippy.process``, ``wippy.http``...); Lua code logs
under ``wippy.lua`` (``logger:named("auth")`` gives records named
``wippy.lua.auth``).  One handler on the ``wippy`` logger writes the lines,
so runtime and Lua lines interleave in order, and any standard handler a
user attaches to ``wippy`` (or one of its children) sees the same records.

Records from Lua carry ``pid``, ``location`` (``entry:line``), ``entry``
and ``wippy_fields`` (a dict of JSON-safe values) as attributes.  Runtime
records may carry ``pid``, ``entry`` and ``location`` (``extra=``).

Encodings (``logger.encoding`` in .wippy.yaml):

* ``console``: ``HH:MM:SS.mmm LEVEL name  message  {fields}``, aligned,
  coloured with ``-c``;
* ``json``: one object per line, ``{"level", "ts", "logger", "msg", "pid",
  "location", ...fields}`` (zap's keys).

``configure`` sets the ``wippy`` logger up for the CLI; ``attach_gunicorn``
does it under gunicorn (the lines go to gunicorn's error log streams).

The below-level path of a Lua call is one attribute check: the effective
level of ``wippy.lua`` is cached in ``GATE.level`` and refreshed whenever
logging's own level caches are cleared (any ``setLevel``, ``disable``).
"""

import json
import logging
import math
import os
import sys
import time
import traceback

from .runtime.values import LuaTable, LuaBool, TRUE, TABLE_TYPES, Userdata, fmt_float, lua_type
from .runtime.errors import LUA_FILES

__all__ = ["configure", "attach_gunicorn", "make_logger_module", "log_print", "render",
           "ConsoleFormatter", "JSONFormatter", "GATE", "LUA_LOGGER"]

DEBUG, INFO, WARNING, ERROR, CRITICAL = (logging.DEBUG, logging.INFO, logging.WARNING,
                                         logging.ERROR, logging.CRITICAL)
OFF = CRITICAL + 10

LUA_LOGGER = "wippy.lua"
_lua_log = logging.getLogger(LUA_LOGGER)
_root = logging.getLogger("wippy")

MAX_STRING = 4096           # bytes of a field string kept
MAX_MESSAGE = 65536         # bytes of a message kept
MAX_ITEMS = 1000            # items of a table kept
MAX_DEPTH = 32


class _Gate:
    """The cached effective level of the Lua loggers."""
    __slots__ = ("level", "stacks")

    def __init__(self):
        self.level = WARNING
        self.stacks = False     # --very-verbose: Lua error lines carry a traceback


GATE = _Gate()


def _refresh():
    lg = _lua_log
    level = lg.getEffectiveLevel()
    dis = logging.root.manager.disable
    if dis >= level:
        level = dis + 1
    if lg.disabled:
        level = OFF
    GATE.level = level


def _hook_level_changes():
    mgr = logging.Logger.manager
    orig = getattr(mgr, "_clear_cache", None)
    if orig is None or getattr(orig, "_wippy", False):     # pragma: no cover
        return

    def _clear_cache():
        orig()
        _refresh()
    _clear_cache._wippy = True
    mgr._clear_cache = _clear_cache


_hook_level_changes()
_refresh()


# ---------------------------------------------------------------------------
# Lua values -> JSON-safe Python values

def _text(s, limit=MAX_STRING):
    """A Lua string (bytes held in a str) as text; cut when huge."""
    n = len(s)
    if n > limit:
        return "%s...(%d bytes)" % (s[:limit].encode("latin-1", "replace")
                                    .decode("utf-8", "ignore"), n)
    if s.isascii():
        return s
    return s.encode("latin-1", "replace").decode("utf-8", "replace")


def _float(f):
    if math.isfinite(f):
        return f
    return fmt_float(f)


def _key(k):
    t = type(k)
    if t is str:
        return _text(k, 256)
    if t is int:
        return str(k)
    if t is float:
        return fmt_float(k)
    if t is LuaBool:
        return "true" if k is TRUE else "false"
    return "%s: 0x%08x" % (lua_type(k), id(k))


def render(v, depth=0, path=None):
    """A Lua value as a JSON-safe Python value, never raising and never
    calling metamethods: tables become lists (keys exactly 1..n) or
    objects, errors ``{"message", "kind"}``, functions and userdata their
    type name; cycles are cut with ``"<cycle>"``, deep nesting with
    ``"<max depth>"``, long tables and huge strings are shortened."""
    t = type(v)
    if t is str:
        return _text(v)
    if t is int or v is None:
        return v
    if t is float:
        return _float(v)
    if t is LuaBool:
        return v is TRUE
    if t in TABLE_TYPES:
        if depth >= MAX_DEPTH:
            return "<max depth>"
        if path is None:
            path = set()
        i = id(v)
        if i in path:
            return "<cycle>"
        path.add(i)
        try:
            return _table(v, depth + 1, path)
        finally:
            path.discard(i)
    from .lerrors import WippyError
    if isinstance(v, WippyError):
        try:
            msg = v.full_message()
        except Exception:
            msg = v.message
        out = {"message": _text(msg) if type(msg) is str else str(msg)}
        if v.kind:
            out["kind"] = v.kind
        return out
    if isinstance(v, Userdata):
        meta = type(v).lua_meta
        name = meta.get("__name") if meta is not None else None
        return name if type(name) is str else "userdata"
    return lua_type(v)


def _table(tbl, depth, path):
    n = len(tbl)
    if n and 1 in tbl and n in tbl and all(type(k) is int for k in tbl):
        out = []
        for i in range(1, min(n, MAX_ITEMS) + 1):
            x = tbl[i]
            tx = type(x)
            out.append(x if tx is int or (tx is str and len(x) < 256 and x.isascii())
                       else render(x, depth, path))
        if n > MAX_ITEMS:
            out.append("...(%d more)" % (n - MAX_ITEMS))
        return out
    out = {}
    if n > MAX_ITEMS:
        items = list(tbl.items())[:MAX_ITEMS]
        out["..."] = "(%d more)" % (n - MAX_ITEMS)
    else:
        items = tbl.items()
    for k, x in items:
        tx = type(x)
        out[k if type(k) is str and len(k) < 256 and k.isascii() else _key(k)] = (
            x if tx is int or (tx is str and len(x) < 256 and x.isascii())
            else render(x, depth, path))
    return out


def _message(v):
    t = type(v)
    if t is str:
        return _text(v, MAX_MESSAGE)
    if v is None:
        return ""
    r = render(v)
    if type(r) is str:
        return r
    if isinstance(r, dict) and "message" in r and len(r) <= 2:    # an error
        return r["message"]
    return json.dumps(r, ensure_ascii=False, default=str)


# ---------------------------------------------------------------------------
# records

_LEVEL_NAMES = {DEBUG: "debug", INFO: "info", WARNING: "warn", ERROR: "error",
                CRITICAL: "fatal"}


def _level_name(no):
    name = _LEVEL_NAMES.get(no)
    if name is None:
        name = logging.getLevelName(no).lower()
    return name


_current_process = None


def _pid():
    global _current_process
    cp = _current_process
    if cp is None:
        from .process import current_process as cp
        _current_process = cp
    p = cp()
    if p is None:
        return None
    try:
        return p.pid
    except Exception:       # pragma: no cover - a half-made process
        return None


_FILES = {}
_threading = logging.threading
_getpid = os.getpid
_time_ns = time.time_ns
_new_record = object.__new__


def _record(name, level, pathname, lineno, msg):
    """A LogRecord like ``logging.LogRecord(...)`` makes, for less: the
    file-name parts are cached (or the user's record factory is used)."""
    factory = logging.getLogRecordFactory()
    if factory is not logging.LogRecord:
        return factory(name, level, pathname, lineno, msg, None, None)
    rec = _new_record(logging.LogRecord)
    ct = _time_ns()
    rec.name = name
    rec.msg = msg
    rec.args = None
    rec.levelname = logging.getLevelName(level)
    rec.levelno = level
    rec.pathname = pathname
    parts = _FILES.get(pathname)
    if parts is None:
        fn = os.path.basename(pathname)
        parts = _FILES[pathname] = (fn, os.path.splitext(fn)[0])
    rec.filename, rec.module = parts
    rec.exc_info = rec.exc_text = rec.stack_info = rec.funcName = None
    rec.lineno = lineno
    rec.created = created = ct / 1e9
    rec.msecs = (ct % 1000000000) // 1000000 + 0.0
    rec.relativeCreated = (created - logging._startTime) * 1000
    if logging.logThreads:
        rec.thread = _threading.get_ident()
        rec.threadName = _threading.current_thread().name
    else:       # pragma: no cover
        rec.thread = rec.threadName = None
    pname = None
    if logging.logMultiprocessing:
        pname = "MainProcess"
        mp = sys.modules.get("multiprocessing")
        if mp is not None:
            try:
                pname = mp.current_process().name
            except Exception:       # pragma: no cover
                pass
    rec.processName = pname
    rec.process = _getpid() if logging.logProcesses else None
    return rec


def _emit(level, name, msg, fields, extra, eid, frame):
    """Make and hand one record from Lua to the ``wippy.lua`` logger."""
    line = 0
    files = LUA_FILES
    while frame is not None:
        if frame.f_code.co_filename in files:
            line = frame.f_lineno
            break
        frame = frame.f_back
    rec = _record(name, level, frame.f_code.co_filename if frame is not None else "", line,
                  msg if type(msg) is str and len(msg) < 256 and msg.isascii()
                  else _message(msg))
    if extra is not None:
        if type(extra) in TABLE_TYPES:
            extra = _table(extra, 1, {id(extra)})
            if type(extra) is not dict:
                extra = {str(i): x for i, x in enumerate(extra, 1)}
        else:
            extra = {"fields": render(extra)}
        if fields:
            f = dict(fields)
            f.update(extra)
            fields = f
        else:
            fields = extra
    rec.wippy_fields = fields
    rec.pid = _pid()
    rec.entry = eid
    rec.location = "%s:%d" % (eid, line) if eid else None
    if GATE.stacks and level >= ERROR:
        from .lerrors import capture_stack
        rec.stack = "\n".join("%s:%d: in %s" % fr for fr in capture_stack(2))
    _lua_log.handle(rec)


def log_print(eid, msg, frame):
    """``print`` of a Lua entry: an info line of the Lua logger."""
    if GATE.level > INFO:
        return
    try:
        _emit(INFO, LUA_LOGGER, msg, None, None, eid, frame)
    except Exception:       # logging never raises into Lua
        pass


# ---------------------------------------------------------------------------
# the Lua module

def _is_logger(v):
    return type(v) in TABLE_TYPES and getattr(v.get("info"), "__code__", None) is _LEVEL_CODE


def _logger_table(eid, name, fields):
    """A logger table: level methods (``logger:info(...)`` and
    ``logger.info(...)`` both work), ``with`` and ``named``."""
    gate = GATE
    full = LUA_LOGGER + "." + name if name else LUA_LOGGER
    getframe = sys._getframe

    def level_fn(level):
        def log(*a):
            if gate.level > level:
                return ()
            if a and _is_logger(a[0]):
                a = a[1:]
            try:
                _emit(level, full, a[0] if a else None, fields, a[1] if len(a) > 1 else None,
                      eid, getframe(1))
            except Exception:       # logging never raises into Lua
                pass
            return ()
        return log

    def with_(*a):
        if a and _is_logger(a[0]):
            a = a[1:]
        extra = a[0] if a else None
        if extra is None:
            return _logger_table(eid, name, fields)
        if type(extra) not in TABLE_TYPES:
            from .lerrors import new_error, INVALID
            return None, new_error(INVALID, "fields must be a table, got %s" % lua_type(extra))
        add = render(extra)
        if not isinstance(add, dict):
            add = {str(i): x for i, x in enumerate(add, 1)}
        f = dict(fields) if fields else {}
        f.update(add)
        return _logger_table(eid, name, f)

    def named(*a):
        if a and _is_logger(a[0]):
            a = a[1:]
        n = a[0] if a else None
        if type(n) is not str or not n:
            from .lerrors import new_error, INVALID
            return None, new_error(INVALID, "logger name must be a non-empty string" if n is None
                                   or type(n) is str else
                                   "logger name must be a string, got %s" % lua_type(n))
        n = _text(n, 256)
        return _logger_table(eid, name + "." + n if name else n, fields)

    t = LuaTable()
    t["debug"] = level_fn(DEBUG)
    t["info"] = level_fn(INFO)
    t["warn"] = level_fn(WARNING)
    t["error"] = level_fn(ERROR)
    t["with"] = with_
    t["named"] = named
    return t


_LEVEL_CODE = _logger_table(None, "", None)["info"].__code__


def make_logger_module(app, entry):
    """``require("logger")`` for one entry instance."""
    return _logger_table(entry.id if entry is not None else None, "", None)


# ---------------------------------------------------------------------------
# formatting



def _plain_text(s):
    """A message made by the runtime: Lua strings in it are bytes held in a
    str, Python text is text."""
    if s.isascii():
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except UnicodeEncodeError:
        return s
    except UnicodeDecodeError:
        return s.encode("latin-1").decode("utf-8", "replace")


def _record_fields(rec, stacks):
    """(message, pid, location, fields dict) of any record."""
    d = rec.__dict__
    fields = d.get("wippy_fields")
    if "wippy_fields" in d:
        msg = rec.msg
        fields = dict(fields) if fields else {}
    else:
        try:
            msg = _plain_text(rec.getMessage())
        except Exception as e:      # bad %-args: say so, never raise
            msg = "%s (bad log arguments: %s)" % (rec.msg, e)
        fields = {}
        if d.get("entry"):
            fields["entry"] = d["entry"]
    if rec.exc_info and rec.exc_info[1] is not None:
        e = rec.exc_info[1]
        fields["error"] = ("%s: %s" % (type(e).__name__, e)) if str(e) else type(e).__name__
        if stacks:
            fields["stacktrace"] = "".join(traceback.format_exception(*rec.exc_info)).rstrip()
    stack = d.get("stack")
    if stack and stacks:
        fields["stacktrace"] = stack
    if rec.stack_info and stacks:
        fields["stacktrace"] = rec.stack_info
    return msg, d.get("pid"), d.get("location"), fields


_encode = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":")).encode
_encode_console = json.JSONEncoder(ensure_ascii=False, default=str).encode
_NAMES = {}


def _display_name(name):
    d = _NAMES.get(name)
    if d is None:
        d = name[6:] if name.startswith("wippy.") else name
        if len(_NAMES) < 10000:
            _NAMES[name] = d
    return d


class JSONFormatter(logging.Formatter):
    """One JSON object per line, zap's production keys first."""

    def __init__(self, stacks=False):
        logging.Formatter.__init__(self)
        self.stacks = stacks

    def format(self, rec):
        d = rec.__dict__
        if "wippy_fields" in d and not rec.exc_info and "stack" not in d:
            # a Lua record: nothing to add but its own fields
            fields = d["wippy_fields"]
            msg, pid, loc = rec.msg, d["pid"], d["location"]
        else:
            msg, pid, loc, fields = _record_fields(rec, self.stacks)
        lv = _LEVEL_NAMES.get(rec.levelno)
        out = {"level": lv if lv is not None else _level_name(rec.levelno), "ts": rec.created,
               "logger": _display_name(rec.name), "msg": msg}
        if pid is not None:
            out["pid"] = pid
        if loc is not None:
            out["location"] = loc
        if fields:
            for k, v in fields.items():
                if k in out:
                    if out[k] == v:
                        continue
                    k = "fields." + k
                out[k] = v
        return _encode(out)


_COLORS = {DEBUG: "\x1b[35m", INFO: "\x1b[34m", WARNING: "\x1b[33m", ERROR: "\x1b[31m",
           CRITICAL: "\x1b[31m"}
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


class ConsoleFormatter(logging.Formatter):
    """``HH:MM:SS.mmm LEVEL name  message  {pid, location, fields}``."""

    def __init__(self, color=False, stacks=False):
        logging.Formatter.__init__(self)
        self.color = color
        self.stacks = stacks
        self._sec = None
        self._clock = ""

    def format(self, rec):
        msg, pid, loc, fields = _record_fields(rec, self.stacks)
        sec = int(rec.created)
        if sec != self._sec:
            self._sec = sec
            self._clock = time.strftime("%H:%M:%S", time.localtime(sec))
        clock = "%s.%03d" % (self._clock, int(rec.msecs))
        level = _level_name(rec.levelno).upper()
        name = _display_name(rec.name)
        trace = fields.pop("stacktrace", None)
        info = {}
        if pid is not None:
            info["pid"] = pid
        if loc is not None:
            info["location"] = loc
            fields.pop("entry", None)
        for k, v in fields.items():
            info[k if k not in info or info[k] == v else "fields." + k] = v
        tail = _encode_console(info) if info else ""
        rest = ""
        if "\n" in msg:
            msg, rest = msg.split("\n", 1)
            rest = "\n" + rest
        if tail:
            msg = "%-28s  %s" % (msg, (_DIM + tail + _RESET) if self.color else tail)
        if self.color:
            line = "%s%s%s %s%-5s%s %-12s %s%s" % (_DIM, clock, _RESET,
                                                   _COLORS.get(rec.levelno, ""), level, _RESET,
                                                   name, msg, rest)
        else:
            line = "%s %-5s %-12s %s%s" % (clock, level, name, msg, rest)
        if trace:
            line += "\n" + trace
        return line


class _Stream(logging.StreamHandler):
    """A stream handler that cannot fail on text the stream's encoding lacks."""

    def emit(self, record):
        try:
            text = self.format(record) + "\n"
            stream = self.stream
            try:
                stream.write(text)
            except UnicodeEncodeError:
                stream.write(text.encode(getattr(stream, "encoding", None) or "ascii",
                                         "backslashreplace").decode("ascii", "replace"))
            self.flush()
        except RecursionError:      # pragma: no cover
            raise
        except Exception:
            self.handleError(record)


def min_level(config):
    """``logmanager.min_level`` (-1 debug, 0 info, 1 warn, 2 error...) as a
    logging level."""
    lm = (config or {}).get("logmanager") or {}
    try:
        v = int(lm.get("min_level", -1))
    except (TypeError, ValueError):
        v = -1
    return {-1: DEBUG, 0: INFO, 1: WARNING, 2: ERROR}.get(v, DEBUG if v < -1 else CRITICAL)


def _encoding(config):
    return str(((config or {}).get("logger") or {}).get("encoding") or "console").lower()


def make_formatter(config, color=False, stacks=False):
    if _encoding(config) == "json" and not color:
        return JSONFormatter(stacks)
    return ConsoleFormatter(color, stacks)


def _check_encoding(config):
    enc = _encoding(config)
    if enc not in ("console", "json"):
        _root.warning("logger.encoding %r is neither console nor json: using console", enc)


def _install(handler, level):
    """Make ``handler`` the one wippy handler (replacing an earlier one)."""
    for h in list(_root.handlers):
        if getattr(h, "_wippy", False):
            _root.removeHandler(h)
    if handler is not None:
        handler._wippy = True
        _root.addHandler(handler)
    _root.propagate = False
    _root.setLevel(level)      # refreshes GATE through the cache hook
    _refresh()


def configure(config=None, verbose=False, very_verbose=False, silent=False, color=False,
              exec_mode=False, stream=None):
    """Set up the ``wippy`` logger for the CLI: console lines on stderr
    (``info`` and up; ``debug`` with ``-v``), none with ``-s``, and none
    while ``-x`` runs a program unless ``-v`` or ``-c`` asks for them."""
    config = config or {}
    logging.raiseExceptions = False     # a broken stderr never prints a Python traceback
    floor = min_level(config)
    console = DEBUG if (verbose or very_verbose) else INFO
    lm = config.get("logmanager") or {}
    on = not silent and lm.get("propagate_downstream", True) is not False
    if exec_mode and not (verbose or very_verbose or color):
        on = False
    GATE.stacks = bool(very_verbose)
    if not on:
        others = [h for h in _root.handlers if not getattr(h, "_wippy", False)]
        _install(None, max(floor, console) if others else OFF)
        return None
    h = _Stream(stream if stream is not None else sys.stderr)
    h.setFormatter(make_formatter(config, color=color, stacks=very_verbose))
    _install(h, max(floor, console))
    _check_encoding(config)
    return h


class _GunicornHandler(logging.Handler):
    """Writes wippy's lines to the streams of gunicorn's error log."""

    def __init__(self, target):
        logging.Handler.__init__(self)
        self.target = target

    def emit(self, record):
        try:
            text = self.format(record)
            for h in self.target.handlers:
                stream = getattr(h, "stream", None)
                if stream is None:
                    r = logging.makeLogRecord(record.__dict__)
                    r.msg, r.args, r.exc_info = text, None, None
                    h.handle(r)
                    continue
                h.acquire()
                try:
                    stream.write(text + "\n")
                    stream.flush()
                finally:
                    h.release()
        except Exception:
            self.handleError(record)


def attach_gunicorn(config=None):
    """Under gunicorn: wippy's lines go to gunicorn's error log handlers,
    in wippy's encoding, at gunicorn's ``--log-level`` (floored by
    ``logmanager.min_level``).  Returns False when not under gunicorn."""
    if "gunicorn.error" not in logging.Logger.manager.loggerDict:
        return False
    target = logging.getLogger("gunicorn.error")
    if not target.handlers:
        return False
    h = _GunicornHandler(target)
    h.setFormatter(make_formatter(config, stacks=target.getEffectiveLevel() <= DEBUG))
    _install(h, max(min_level(config), target.getEffectiveLevel()))
    _check_encoding(config)
    return True
