"""Wippy's structured error values and the global ``errors`` module.

A ``WippyError`` is userdata with the methods ``kind``, ``message``,
``retryable``, ``details`` and ``stack``; ``tostring(err)`` gives the message
(``"ctx: inner message"`` for a wrapped error) and ``..`` concatenates errors
with strings and with each other.

Decisions on contradictions in the documentation:

* Kinds are the CamelCase strings of the runtime (``errors.NOT_FOUND ==
  "NotFound"``, spec §11 #1).  The constant *names* (``"NOT_FOUND"``,
  ``"INVALID"``...) are accepted wherever a kind is given (``errors.new``,
  ``errors.is``) and normalised to those values, because many documentation
  examples write ``errors.new("INVALID", "...")``.
* ``errors.new(kind, message)`` with two strings is accepted (spec §11 #2,
  the lenient choice): the first is the kind, the second the message.  Any
  other string (``"UNAUTHORIZED"``) is kept as the kind verbatim.
* ``errors.wrap(err, ctx)`` keeps the kind, retryable flag and details;
  ``err:message()`` of the wrapper is still the inner message (as the
  runtime's own tests assert) while ``tostring`` gives ``"ctx: inner"``.
  Wrapping a plain string makes a new UNKNOWN error with that message;
  wrapping nil gives nil.
* Errors made by the runtime for module failures have ``retryable`` false
  (not nil), as the runtime's tests assert; ``errors.new`` defaults to nil.
"""

import sys

from wippy.runtime.values import (Userdata, LuaTable, LuaError, TRUE, FALSE, TABLE_TYPES,
                                  tostring as _raw_tostring)
from wippy.runtime.errors import LUA_FILES, short_src, arg_error, function_label

__all__ = ["WippyError", "make_errors_module", "new_error", "from_exception", "error_value",
           "is_error", "KINDS", "UNKNOWN", "INVALID", "NOT_FOUND", "ALREADY_EXISTS",
           "PERMISSION_DENIED", "UNAVAILABLE", "INTERNAL", "CANCELED", "CONFLICT", "TIMEOUT",
           "RATE_LIMITED", "capture_stack", "thread_name"]

UNKNOWN = ""
INVALID = "Invalid"
NOT_FOUND = "NotFound"
ALREADY_EXISTS = "AlreadyExists"
PERMISSION_DENIED = "PermissionDenied"
UNAVAILABLE = "Unavailable"
INTERNAL = "Internal"
CANCELED = "Canceled"
CONFLICT = "Conflict"
TIMEOUT = "Timeout"
RATE_LIMITED = "RateLimited"

# constant name -> kind string
KINDS = {
    "UNKNOWN": UNKNOWN, "INVALID": INVALID, "NOT_FOUND": NOT_FOUND,
    "ALREADY_EXISTS": ALREADY_EXISTS, "PERMISSION_DENIED": PERMISSION_DENIED,
    "UNAVAILABLE": UNAVAILABLE, "INTERNAL": INTERNAL, "CANCELED": CANCELED,
    "CONFLICT": CONFLICT, "TIMEOUT": TIMEOUT, "RATE_LIMITED": RATE_LIMITED,
}

MAX_FRAMES = 64


def normalize_kind(kind):
    """A kind string as stored: constant names map to their values."""
    return KINDS.get(kind, kind)


def _default_thread_name():
    try:
        import greenlet
        g = greenlet.getcurrent()
        if g.parent is None:
            return "main"
        return "thread: 0x%08x" % id(g)
    except Exception:       # pragma: no cover
        return "main"


# Other parts of the runtime (processes) may replace this to name the thread.
thread_name = _default_thread_name


def capture_stack(skip=0):
    """The Lua frames on the Python stack, innermost first, as a list of
    (source, line, function name) tuples (at most MAX_FRAMES)."""
    frames = []
    f = sys._getframe(1 + skip)
    files = LUA_FILES
    while f is not None and len(frames) < MAX_FRAMES:
        code = f.f_code
        if code.co_filename in files:
            src = short_src(code.co_filename)
            frames.append((src, f.f_lineno, _frame_name(code.co_name, src, code.co_firstlineno)))
        f = f.f_back
    return frames


def _frame_name(pyname, src, first):
    label = function_label(pyname, src, first)
    if label.startswith("function '") and label.endswith("'"):
        return label[10:-1]
    return label


class WippyError(Userdata):
    """A structured Wippy error (see the module docstring)."""
    __slots__ = ("message", "kind", "retryable", "details", "stack", "cause", "thread",
                 "__weakref__")

    def __init__(self, message="", kind=UNKNOWN, retryable=None, details=None, stack=None,
                 cause=None, thread=None):
        self.message = message
        self.kind = kind
        self.retryable = retryable      # None / True / False
        self.details = details          # LuaTable or None
        self.stack = stack              # list of (source, line, name) or a string, or None
        self.cause = cause              # the wrapped WippyError, or None
        self.thread = thread

    # -- Python side -------------------------------------------------------
    def full_message(self):
        """What tostring(err) gives: the wrap contexts, then the message."""
        return self.message

    def __str__(self):
        return self.full_message()

    def __repr__(self):
        return "WippyError(%r, kind=%r)" % (self.full_message(), self.kind)

    def has_kind(self, kind):
        e = self
        while e is not None:
            if e.kind == kind:
                return True
            e = e.cause
        return False

    def stack_text(self):
        st = self.stack
        if isinstance(st, str):
            return st
        lines = ["stack traceback:"]
        for src, line, name in st or ():
            lines.append("\t%s:%d: in %s" % (src, line, _label(name)))
        return "\n".join(lines)

    def call_stack(self):
        frames = LuaTable()
        st = self.stack
        if isinstance(st, (list, tuple)):
            for i, (src, line, name) in enumerate(st, 1):
                fr = LuaTable()
                fr["source"] = src
                fr["line"] = line
                fr["name"] = name
                frames[i] = fr
        t = LuaTable()
        t["thread"] = self.thread if self.thread is not None else "main"
        t["frames"] = frames
        return t

    def lua_copy(self, copy):
        """Deep copy for sending to another execution (see convert.copy_value)."""
        det = copy(self.details) if self.details is not None else None
        cause = self.cause.lua_copy(copy) if self.cause is not None else None
        st = self.stack
        if isinstance(st, list):
            st = list(st)
        e = type(self)(self.message, self.kind, self.retryable, det, st, cause, self.thread)
        if type(self) is _Wrapped:
            e.context = self.context
        return e


class _Wrapped(WippyError):
    """An error made by errors.wrap: tostring shows the context."""
    __slots__ = ("context",)

    def full_message(self):
        inner = self.cause.full_message() if self.cause is not None else self.message
        return "%s: %s" % (self.context, inner) if self.context != "" else inner


def _label(name):
    if name == "main chunk" or name.startswith("function <"):
        return name
    return "function '%s'" % name


def is_error(v):
    return isinstance(v, WippyError)


def _tostr_any(v):
    from wippy.runtime.ops import tostring_meta
    return tostring_meta(v)


# -- Lua methods -------------------------------------------------------------

def _self(e, name):
    if not isinstance(e, WippyError):
        arg_error(1, name, "error expected, got %s" % _typename(e))
    return e


def _typename(v):
    from wippy.runtime.values import lua_type
    return lua_type(v)


def _m_kind(e=None, *_):
    return _self(e, "kind").kind


def _m_message(e=None, *_):
    return _self(e, "message").message


def _m_retryable(e=None, *_):
    r = _self(e, "retryable").retryable
    if r is None:
        return None
    return TRUE if r else FALSE


def _m_details(e=None, *_):
    return _self(e, "details").details


def _m_stack(e=None, *_):
    return _self(e, "stack").stack_text()


def _m_tostring(e, *_):
    return e.full_message()


def _concat_part(v):
    if isinstance(v, WippyError):
        return v.full_message()
    t = type(v)
    if t is str:
        return v
    if t is int or t is float:
        return _raw_tostring(v)
    from wippy.runtime.ops import OpError
    from wippy.runtime.values import lua_type
    raise OpError("concat", 0, lua_type(v))


def _m_concat(a, b, *_):
    return _concat_part(a) + _concat_part(b)


def _make_meta():
    idx = LuaTable()
    idx["kind"] = _m_kind
    idx["message"] = _m_message
    idx["retryable"] = _m_retryable
    idx["details"] = _m_details
    idx["stack"] = _m_stack
    mt = LuaTable()
    mt["__index"] = idx
    mt["__tostring"] = _m_tostring
    mt["__concat"] = _m_concat
    mt["__name"] = "error"
    return mt


WippyError.lua_meta = _make_meta()


# -- Python helpers ----------------------------------------------------------

def new_error(kind, message, retryable=None, details=None, stack=True):
    """A WippyError made by the runtime (stack = the current Lua frames unless
    ``stack`` is given as a list/string, or False for none)."""
    if stack is True:
        stack = capture_stack(1)
    elif stack is False:
        stack = None
    return WippyError(message, normalize_kind(kind), retryable, details, stack,
                      thread=thread_name())


def returned_error(r):
    """The error an entry's results tuple reports -- ``return nil, err``
    with an error value or a message string -- or None."""
    if len(r) >= 2 and r[0] is None:
        e = r[1]
        if isinstance(e, WippyError):
            return e
        if type(e) is str:
            return new_error("", e)
    return None


def _short_exc(exc):
    name = type(exc).__name__
    text = str(exc)
    if len(text) > 500:
        text = text[:500] + "..."
    return "%s: %s" % (name, text) if text else name


def error_value(exc):
    """The WippyError raised by Lua ``error(err_object)`` (None when the
    raised value is not a WippyError)."""
    if isinstance(exc, LuaError) and isinstance(exc.value, WippyError):
        return exc.value
    if isinstance(exc, WippyError):
        return exc
    return None


def from_exception(exc, lua_kind=UNKNOWN):
    """Turn any exception raised while running Lua into a WippyError.

    * ``error(err_object)`` gives that error object back;
    * a string error (``"file.lua:3: boom"``) becomes an error of kind
      ``lua_kind`` (UNKNOWN by default) with the string as message;
    * another raised Lua value becomes an error whose message is its
      ``tostring`` (a table's string ``message`` field when it has one), a
      plain table value is kept as ``details``;
    * a Python exception raised by compiled Lua code (attempt to index nil...)
      is converted to its Lua message first, kind ``lua_kind``; any other
      Python exception becomes kind INTERNAL with a one-line message (never
      a Python traceback)."""
    if isinstance(exc, WippyError):
        return exc
    if not isinstance(exc, LuaError):
        from wippy.runtime.errors import convert
        try:
            le = convert(exc)
        except Exception:       # pragma: no cover
            le = None
        if le is None or type(le.value) is not str or "internal error: " in le.value:
            return WippyError(_short_exc(exc), INTERNAL, False, None,
                              _tb_frames(exc.__traceback__), thread=thread_name())
        exc = le
    v = exc.value
    frames = _tb_frames(exc.__traceback__)
    if isinstance(v, WippyError):
        return v
    if type(v) is str:
        return WippyError(v, lua_kind, None, None, frames, thread=thread_name())
    if v is None:
        return WippyError("nil", lua_kind, None, None, frames, thread=thread_name())
    details = None
    msg = None
    if type(v) in TABLE_TYPES:
        m = v.get("message")
        if type(m) is str:
            msg = m
        if type(v) is LuaTable:
            details = v
    if msg is None:
        try:
            msg = _tostr_any(v)
        except Exception:
            msg = _raw_tostring(v)
    return WippyError(msg, lua_kind, None, details, frames, thread=thread_name())


def _tb_frames(tb):
    frames = []
    files = LUA_FILES
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in files:
            src = short_src(code.co_filename)
            frames.append((src, tb.tb_lineno, _frame_name(code.co_name, src, code.co_firstlineno)))
        tb = tb.tb_next
    frames.reverse()
    return frames[:MAX_FRAMES]


# -- the errors module -------------------------------------------------------

def _kind_arg(k):
    if type(k) is str:
        return normalize_kind(k)
    return k


def _lua_new(a=None, b=None, *_):
    ta = type(a)
    if ta is str and type(b) is str:
        # lenient errors.new(kind, message) (spec §11 #2)
        return WippyError(b, normalize_kind(a), None, None, capture_stack(1),
                          thread=thread_name())
    if ta is str or ta is int or ta is float:
        return WippyError(_raw_tostring(a), UNKNOWN, None, None, capture_stack(1),
                          thread=thread_name())
    if isinstance(a, WippyError):
        return a
    if ta in TABLE_TYPES:
        msg = a.get("message")
        if msg is None:
            msg = ""
        elif type(msg) in (int, float):
            msg = _raw_tostring(msg)
        elif type(msg) is not str:
            arg_error(1, "new", "message must be a string")
        kind = a.get("kind")
        if kind is None:
            kind = UNKNOWN
        elif type(kind) is not str:
            arg_error(1, "new", "kind must be a string")
        r = a.get("retryable")
        retry = None if r is None else r is not FALSE
        det = a.get("details")
        if det is not None and type(det) not in TABLE_TYPES:
            arg_error(1, "new", "details must be a table")
        return WippyError(msg, normalize_kind(kind), retry, det, capture_stack(1),
                          thread=thread_name())
    arg_error(1, "new", "string or table expected, got %s" % _typename(a))


def wrap(err, context):
    """errors.wrap as a Python helper (err: WippyError or str)."""
    if err is None:
        return None
    if not isinstance(err, WippyError):
        msg = err if type(err) is str else _tostr_any(err)
        inner = WippyError(msg, UNKNOWN, None, None, capture_stack(1), thread=thread_name())
    else:
        inner = err
    w = _Wrapped(inner.message, inner.kind, inner.retryable, inner.details,
                 capture_stack(1), inner, thread_name())
    w.context = context
    return w


def _lua_wrap(err=None, context=None, *_):
    if err is None:
        return None
    if context is None:
        ctx = ""
    elif type(context) in (str, int, float):
        ctx = _raw_tostring(context)
    else:
        arg_error(2, "wrap", "string expected, got %s" % _typename(context))
    return wrap(err, ctx)


def _lua_is(err=None, kind=None, *_):
    if not isinstance(err, WippyError):
        return FALSE
    if isinstance(kind, WippyError):
        e = err
        while e is not None:
            if e is kind:
                return TRUE
            e = e.cause
        return FALSE
    if type(kind) is not str:
        return FALSE
    return TRUE if err.has_kind(normalize_kind(kind)) else FALSE


def _lua_kind(err=None, *_):
    if isinstance(err, WippyError):
        return err.kind
    if err is None:
        return None
    return UNKNOWN


def _lua_retryable(err=None, *_):
    if isinstance(err, WippyError):
        return _m_retryable(err)
    return None


def _lua_details(err=None, *_):
    if isinstance(err, WippyError):
        return err.details
    return None


def _lua_message(err=None, *_):
    if isinstance(err, WippyError):
        return err.message
    if err is None:
        return None
    return _tostr_any(err)


def _lua_call_stack(err=None, *_):
    if isinstance(err, WippyError):
        return err.call_stack()
    return None


def make_errors_module():
    """The global ``errors`` table."""
    m = LuaTable()
    m["new"] = _lua_new
    m["wrap"] = _lua_wrap
    m["is"] = _lua_is
    m["kind"] = _lua_kind
    m["retryable"] = _lua_retryable
    m["details"] = _lua_details
    m["message"] = _lua_message
    m["call_stack"] = _lua_call_stack
    for name, value in KINDS.items():
        m[name] = value
    return m
