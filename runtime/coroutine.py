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


_getcurrent = greenlet.getcurrent


class _State:
    """``current``: the running Coroutine, or None in a main thread.  It is
    the coroutine whose greenlet is running (each coroutine's greenlet
    carries it as ``lua_co``), so processes interleaving on gevent each see
    their own; ``main`` stands for every main thread."""
    main = Coroutine(None)

    @property
    def current(self):
        return getattr(_getcurrent(), "lua_co", None)


_state = _State()
_state.main.status = "running"


def current():
    return getattr(_getcurrent(), "lua_co", None)


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
    me = _getcurrent()
    prev = getattr(me, "lua_co", None)
    if prev is not None:
        prev.status = "normal"
    co.status = "running"
    co.resumer = me
    try:
        if co.glet is None:
            g = co.glet = greenlet.greenlet(_body, parent=me)
            g.lua_co = co
            kind, vals = g.switch(co, args)
        else:
            co.glet.parent = me
            kind, vals = co.glet.switch(args)
    finally:
        if prev is not None:
            prev.status = "running"
    if kind == "yield":
        co.status = "suspended"
        return (TRUE,) + vals
    co.status = "dead"
    co.glet = None
    if kind == "return":
        return (TRUE,) + vals
    return (FALSE, vals)


def co_yield(*vals):
    co = getattr(_getcurrent(), "lua_co", None)
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
    if co is _state.main:
        # the main thread of whoever asks: running unless a coroutine is
        return "running" if current() is None else "normal"
    return co.status


def co_running(*_):
    co = current()
    if co is None:
        return (_state.main, TRUE)
    return (co, FALSE)


def co_isyieldable(*_):
    return TRUE if current() is not None else FALSE


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
