"""Lua coroutines on greenlets.

A ``Coroutine`` owns one greenlet running the Lua function.  ``resume``
switches into it with the arguments; ``yield`` switches back to the greenlet
that resumed it.  The messages exchanged are tuples ``(kind, values)`` with
kind 'yield', 'return' or 'error'.  Yielding works across ``pcall`` and any
Python frames in between because greenlets switch whole C stacks.
"""

import greenlet

from .values import LuaTable, TRUE, FALSE, LuaError, register_type_name
from .errors import rt_error, arg_error, convert

__all__ = ["Coroutine", "make_coroutine_lib", "current"]


class Coroutine:
    """A Lua thread (``type(co) == "thread"``)."""
    __slots__ = ("fn", "glet", "status", "resumer", "__weakref__")

    def __init__(self, fn):
        self.fn = fn
        self.glet = None
        self.status = "suspended"
        self.resumer = None

    def __repr__(self):
        return "thread: 0x%08x" % id(self)


register_type_name(Coroutine, "thread")


class _State:
    current = None       # the running Coroutine, or None in the main thread
    main = Coroutine(None)


_state = _State()
_state.main.status = "running"


def current():
    return _state.current


def _body(co, args):
    try:
        r = co.fn(*args)
    except greenlet.GreenletExit:
        raise
    except Exception as e:
        err = e if isinstance(e, LuaError) else convert(e)
        return ("error", err.value)
    return ("return", r if type(r) is tuple else (r,))


def resume(co, *args):
    if co.status == "dead":
        return (FALSE, "cannot resume dead coroutine")
    if co.status != "suspended":
        return (FALSE, "cannot resume non-suspended coroutine")
    prev = _state.current
    (prev if prev is not None else _state.main).status = "normal"
    co.status = "running"
    _state.current = co
    me = greenlet.getcurrent()
    co.resumer = me
    try:
        if co.glet is None:
            co.glet = greenlet.greenlet(_body, parent=me)
            kind, vals = co.glet.switch(co, args)
        else:
            co.glet.parent = me
            kind, vals = co.glet.switch(args)
    finally:
        _state.current = prev
        (prev if prev is not None else _state.main).status = "running"
    if kind == "yield":
        co.status = "suspended"
        return (TRUE,) + vals
    co.status = "dead"
    co.glet = None
    if kind == "return":
        return (TRUE,) + vals
    return (FALSE, vals)


def co_yield(*vals):
    co = _state.current
    if co is None:
        rt_error("attempt to yield from outside a coroutine")
    args = co.resumer.switch(("yield", vals))
    return args


def co_create(f=None, *_):
    if not callable(f):
        arg_error(1, "create", "function expected")
    return Coroutine(f)


def co_resume(co=None, *args):
    if type(co) is not Coroutine:
        arg_error(1, "resume", "thread expected")
    return resume(co, *args)


def co_status(co=None, *_):
    if type(co) is not Coroutine:
        arg_error(1, "status", "thread expected")
    return co.status


def co_running(*_):
    co = _state.current
    if co is None:
        return (_state.main, TRUE)
    return (co, FALSE)


def co_isyieldable(*_):
    return TRUE if _state.current is not None else FALSE


def co_wrap(f=None, *_):
    if not callable(f):
        arg_error(1, "wrap", "function expected")
    co = Coroutine(f)

    def wrapped(*args):
        r = resume(co, *args)
        if r[0] is TRUE:
            return r[1:]
        err = r[1]
        if type(err) is str:
            raise LuaError(err)
        raise LuaError(err)
    return wrapped


def co_close(co=None, *_):
    if type(co) is not Coroutine:
        arg_error(1, "close", "thread expected")
    if co.status in ("suspended", "dead"):
        if co.glet is not None:
            g = co.glet
            co.glet = None
            g.parent = greenlet.getcurrent()
            try:
                g.throw(greenlet.GreenletExit)
            except greenlet.GreenletExit:
                pass
        co.status = "dead"
        return TRUE
    rt_error("cannot close a %s coroutine" % co.status)


def make_coroutine_lib():
    lib = LuaTable()
    for name, fn in [("create", co_create), ("resume", co_resume), ("yield", co_yield),
                     ("status", co_status), ("running", co_running),
                     ("isyieldable", co_isyieldable), ("wrap", co_wrap), ("close", co_close)]:
        lib[name] = fn
    return lib
