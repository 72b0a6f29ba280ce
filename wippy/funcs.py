"""The ``funcs`` module (calling function entries), futures, the ``ctx``
module and the part of the ``process`` global that functions use.

A call copies its arguments and results (nothing is shared between the
caller and the callee), runs the callee in the caller's greenlet with the
caller's context values (plus ``with_context``), and gives the callee's
first result -- or ``nil, err`` when the callee raised or returned
``nil, err``.  ``funcs.async`` runs the call in a new greenlet and returns
a Future.
"""


import gevent

from .runtime.values import LuaTable, LuaError, Userdata, TRUE, FALSE
from .runtime.errors import rt_error
from .payload import Payload
from .luaentry import EntryError
from .registry import RegistryError

__all__ = ["make_funcs_module", "make_ctx_module", "make_process_global", "Future", "Executor"]


from .lerrors import new_error as _new_error, from_exception, returned_error
from .convert import copy_value

_VALID_IDS = set()


def _err(kind, msg):
    return _new_error(kind, msg)


def _check_target(target):
    if target in _VALID_IDS:
        return None
    if type(target) is not str or not target:
        return _err("Invalid", "function ID must be a non-empty string")
    if target.count(":") != 1 or target.startswith(":") or target.endswith(":"):
        return _err("Invalid", "invalid function ID '%s': expected 'namespace:name'" % target)
    if len(_VALID_IDS) < 100000:
        _VALID_IDS.add(target)
    return None


def _context_of(tbl):
    """A Lua context table -> dict of copied values."""
    from .convert import copy_value
    out = {}
    for k, v in tbl.items():
        if type(k) is not str:
            raise ValueError("context keys must be strings")
        out[k] = copy_value(v)
    return out


def invoke(app, target, args, context=None, timeout=None):
    """Run a function entry for Lua: ``(results_tuple, None)`` or
    ``(None, error_value)``."""
    bad = _check_target(target)
    if bad is not None:
        return None, bad
    try:
        args = tuple(map(copy_value, args))
    except LuaError as e:
        return None, from_exception(e)
    try:
        if timeout:
            with gevent.Timeout(timeout, _CallTimeout()):
                r = app.call_entry(target, args, context)
        else:
            r = app.call_entry(target, args, context)
    except _CallTimeout:
        return None, _err("Timeout", "call to %s timed out" % target)
    except (EntryError, RegistryError) as e:
        return None, _err(e.kind, str(e))
    except Exception as e:
        return None, from_exception(e)
    if len(r) >= 2 and r[0] is None:
        err = returned_error(r)
        if err is not None:
            return None, err
    try:
        return tuple(map(copy_value, r)), None
    except LuaError as e:
        return None, from_exception(e)


class _CallTimeout(BaseException):
    """Raised into a call that ran out of time; a BaseException so that
    neither Lua's pcall nor the error conversion of Lua frames stops it."""


def _do_call(app, context, timeout, target, args):
    r, err = invoke(app, target, args, context, timeout)
    if err is not None:
        return None, err
    return r[0] if r else None


def _do_async(app, context, timeout, target, args):
    bad = _check_target(target)
    if bad is not None:
        return None, bad
    from .app import current_frame, _set_frame
    parent = current_frame()
    fut = Future(target)

    def run():
        _set_frame(parent)
        fut.finish(*invoke(app, target, args, context, timeout))
    fut.glet = gevent.spawn(run)
    return fut


class Future(Userdata):
    """The pending result of ``funcs.async``."""
    __slots__ = ("target", "glet", "done", "canceled", "results", "error", "_chan")

    def __init__(self, target):
        self.target = target
        self.glet = None
        self.done = False
        self.canceled = False
        self.results = None
        self.error = None
        self._chan = None

    def finish(self, results, error):
        if self.done:
            return
        self.done = True
        self.results = results
        self.error = error
        if self._chan is not None:
            self._deliver()

    def _deliver(self):
        ch = self._chan
        if self.error is None and not self.canceled:
            v = self.results[0] if self.results else None
            ch.deliver_and_close(Payload(v, copy=False))
        else:
            ch.deliver_and_close(None)

    def channel(self):
        if self._chan is None:
            from .channel import Channel
            self._chan = Channel(1)
            if self.done:
                self._deliver()
        return self._chan


def _fut(f, name):
    if not isinstance(f, Future):
        rt_error("bad argument #1 to '%s' (future expected)" % name)
    return f


def _f_result(f=None, *_):
    _fut(f, "result")
    if not f.done:
        return None, None
    if f.canceled:
        return None, _err("Canceled", "call to %s was canceled" % f.target)
    if f.error is not None:
        return None, f.error
    r = f.results or ()
    if len(r) <= 1:
        return Payload(r[0] if r else None, copy=False), None
    return LuaTable({i: Payload(v, copy=False) for i, v in enumerate(r, 1)}), None


def _f_error(f=None, *_):
    _fut(f, "error")
    if f.canceled:
        return _err("Canceled", "call to %s was canceled" % f.target), TRUE
    if f.error is not None:
        return f.error, TRUE
    return None, FALSE


def _f_is_complete(f=None, *_):
    return TRUE if _fut(f, "is_complete").done else FALSE


def _f_is_canceled(f=None, *_):
    return TRUE if _fut(f, "is_canceled").canceled else FALSE


def _f_cancel(f=None, *_):
    _fut(f, "cancel")
    if f.done:
        return FALSE, _err("Invalid", "call already complete")
    f.canceled = True
    if f.glet is not None:
        f.glet.kill(block=False)
    f.finish(None, None)
    return TRUE, None


def _f_channel(f=None, *_):
    return _fut(f, "channel").channel()


Future.lua_meta = LuaTable({
    "__index": LuaTable({"result": _f_result, "error": _f_error, "is_complete": _f_is_complete,
                         "is_canceled": _f_is_canceled, "cancel": _f_cancel,
                         "channel": _f_channel, "response": _f_channel}),
    "__name": "future",
    "__tostring": lambda f, *_: "future(%s)" % f.target})


class Executor(Userdata):
    """``funcs.new()``: an immutable call configuration."""
    __slots__ = ("app", "context", "timeout")

    def __init__(self, app, context=None, timeout=None):
        self.app = app
        self.context = context or {}
        self.timeout = timeout


def _ex(e, name):
    if not isinstance(e, Executor):
        rt_error("bad argument #1 to '%s' (executor expected)" % name)
    return e


def _ex_with_context(e=None, tbl=None, *_):
    _ex(e, "with_context")
    if not isinstance(tbl, LuaTable):
        return None, _err("Invalid", "context must be a table")
    try:
        ctx = dict(e.context)
        ctx.update(_context_of(tbl))
    except (ValueError, LuaError) as exc:
        return None, _err("Invalid", str(exc))
    return Executor(e.app, ctx, e.timeout), None


def _ex_with_options(e=None, tbl=None, *_):
    _ex(e, "with_options")
    if not isinstance(tbl, LuaTable):
        return None, _err("Invalid", "options must be a table")
    timeout = e.timeout
    t = tbl.get("timeout")
    if t is not None:
        if type(t) not in (int, float) or t < 0:
            return None, _err("Invalid", "timeout must be a number of milliseconds")
        timeout = t / 1000.0 if t else None
    return Executor(e.app, e.context, timeout), None


def _ex_same(e=None, *_):
    return _ex(e, "with_actor"), None


def _ex_call(e=None, target=None, *args):
    _ex(e, "call")
    return _do_call(e.app, e.context, e.timeout, target, args)


def _ex_async(e=None, target=None, *args):
    _ex(e, "async")
    return _do_async(e.app, e.context, e.timeout, target, args)


Executor.lua_meta = LuaTable({
    "__index": LuaTable({"with_context": _ex_with_context, "with_options": _ex_with_options,
                         "with_actor": _ex_same, "with_scope": _ex_same,
                         "call": _ex_call, "async": _ex_async}),
    "__name": "executor"})


def make_funcs_module(app):
    def call(target=None, *args):
        return _do_call(app, None, None, target, args)

    def async_(target=None, *args):
        return _do_async(app, None, None, target, args)

    def new(*_):
        return Executor(app)
    return LuaTable({"call": call, "async": async_, "new": new})


def make_ctx_module():
    from .app import current_frame
    from .convert import copy_value

    def get(key=None, *_):
        if type(key) is not str or not key:
            return None, _err("Invalid", "context key must be a non-empty string")
        fr = current_frame()
        if fr is None:
            return None, _err("Internal", "no context")
        if key not in fr.context:
            return None, _err("NotFound", "context key '%s' not found" % key)
        return copy_value(fr.context[key])

    def all_(*_):
        fr = current_frame()
        if fr is None:
            return LuaTable()
        return LuaTable({k: copy_value(v) for k, v in fr.context.items()})
    return LuaTable({"get": get, "all": all_})


def make_process_global(app, entry):
    """What every entry sees of ``process`` besides the process runtime:
    its call ID and the event names (process.make_process_module adds
    ``pid``, spawning and messaging)."""
    from .app import current_frame

    def id_(*_):
        fr = current_frame()
        if fr is None:
            return None
        return "%s:%x" % (fr.entry_id, id(fr))

    event = LuaTable({"CANCEL": "pid.cancel", "EXIT": "pid.exit",
                      "LINK_DOWN": "pid.link.down", "OUTDATED": "pid.outdated"})
    return LuaTable({"id": id_, "event": event})
