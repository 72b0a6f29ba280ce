"""Wippy's ``channel`` module: Go-style channels between greenlets.

A ``Channel`` has a capacity (0 = unbuffered: a send waits for a receiver
and hands the value over directly), a FIFO buffer, and two FIFO queues of
blocked operations: ``recvq`` (receivers waiting for a value) and ``sendq``
(senders waiting with their value).  Everything runs in one thread under
gevent, so there are no locks: between two greenlet switches nothing else
touches a channel, and the non-blocking paths never switch.

A blocked operation is a ``_Sudog`` (Go's name) queued on a channel.  Its
``sel`` (a ``_Sel``) is shared by all the sudogs of one ``channel.select``
and records which one fired; a plain send/receive has a ``_Sel`` of its own.
Firing a sudog marks its ``_Sel`` done, stores the outcome and schedules a
switch to the blocked greenlet from a hub callback (``_wake``), so the
firing greenlet keeps running.  The blocked greenlet switches straight to
the hub (no gevent ``Waiter``: one C frame less on the stack a blocked
process keeps), with ``glet`` set only while it is switched out, so a wake
that comes late (it was woken some other way) finds no greenlet and does
nothing, as a ``Waiter`` would.  Sudogs of a done select
still sitting in other channels' queues are skipped by whoever meets them
and removed by the select itself when it resumes.

When every greenlet is blocked, gevent raises ``LoopExit`` into the greenlet
that waits on the hub (normally the main one); it is not caught here.

Lua API (see docs lua/core/channel.md): ``channel.new(size)``,
``ch:send(v)``, ``ch:receive()``, ``ch:close()``, ``ch:case_send(v)``,
``ch:case_receive()``, ``channel.select{cases..., default=true}``.
"""

import random
from collections import deque

from gevent.hub import get_hub
from greenlet import getcurrent

from .runtime.values import LuaTable, LuaClassTable, Userdata, TRUE, FALSE, TABLE_TYPES, lua_type
from .runtime.errors import rt_error, arg_error

__all__ = ["Channel", "Case", "make_channel_module", "select_py"]

_CLOSED_MSG = "send on closed channel"


class _Sel:
    """The waiting side of one blocked send, receive or select."""
    __slots__ = ("glet", "done", "fired", "value", "ok")

    def __init__(self):
        self.glet = None       # the blocked greenlet, while it is switched out
        self.done = False
        self.fired = None      # the sudog that completed
        self.value = None      # received value
        self.ok = TRUE         # FALSE: receive on closed; None: send on closed


class _Sudog:
    """One blocked operation queued on one channel."""
    __slots__ = ("sel", "chan", "value", "idx", "send")

    def __init__(self, sel, chan, value, idx, send):
        self.sel = sel
        self.chan = chan
        self.value = value
        self.idx = idx
        self.send = send


class _Wait1:
    """A blocked send or receive on one channel: its own select and sudog
    at once (``sel`` is itself), one object instead of two."""
    __slots__ = ("sel", "chan", "value", "idx", "send", "glet", "done", "fired", "ok")

    def __init__(self, chan, value, send):
        self.sel = self
        self.chan = chan
        self.value = value      # the value sent; for a receive, the value received
        self.idx = 0
        self.send = send
        self.glet = None
        self.done = False
        self.fired = None
        self.ok = TRUE


def _fire(sd, value, ok):
    sel = sd.sel
    sel.done = True
    sel.fired = sd
    sel.value = value
    sel.ok = ok
    get_hub().loop.run_callback(_wake, sel)


def _wake(sel):
    g = sel.glet
    if g is not None:
        g.switch()


# The queues of blocked operations (``recvq``, ``sendq``) are lists while
# short -- an idle process's inbox holds one waiting receiver, and an empty
# deque alone costs 600 bytes -- and become deques when they grow long (a
# list's pop(0) moves every other entry).
_LONGQ = 32


def _popleft(q):
    return q.pop(0) if type(q) is list else q.popleft()


def _enqueue(ch, sd, send):
    if send:
        q = ch.sendq
        if q is _NOQ:
            ch.sendq = [sd]
            return
    else:
        q = ch.recvq
        if q is _NOQ:
            ch.recvq = [sd]
            return
    if type(q) is list and len(q) >= _LONGQ:
        q = deque(q)
        if send:
            ch.sendq = q
        else:
            ch.recvq = q
    q.append(sd)


def _pop_live(q):
    """The first sudog of ``q`` whose select is still waiting (dead ones dropped)."""
    while q:
        sd = q.pop(0) if type(q) is list else q.popleft()
        if not sd.sel.done:
            return sd
    return None


def _has_live(q):
    while q:
        if not q[0].sel.done:
            return True
        _popleft(q)
    return False


def _wait(sel, sds):
    """Block the current greenlet until one of ``sds`` (queued) fires."""
    hub = get_hub()
    g = getcurrent()
    try:
        while True:
            sel.glet = g
            try:
                hub.switch()
            finally:
                sel.glet = None
            if sel.done:
                break
            # woken by something else: wait again
    except BaseException:
        # killed, timed out or LoopExit while waiting
        # (a value already handed to a receiver that is then killed is lost)
        if not sel.done:
            sel.done = True
            _unqueue(sds, None)
        elif len(sds) > 1:
            _unqueue(sds, sel.fired)
        raise
    if len(sds) > 1:
        _unqueue(sds, sel.fired)


def _wait1(sel):
    """``_wait`` for a blocked send or receive on one channel (a ``_Wait1``)."""
    hub = get_hub()
    g = getcurrent()
    try:
        while True:
            sel.glet = g
            try:
                hub.switch()
            finally:
                sel.glet = None
            if sel.done:
                return
    except BaseException:
        if not sel.done:
            sel.done = True
            _unqueue((sel,), None)
        raise


def _recv_wait(ch):
    """Block until a value or the close of ``ch`` comes: ``(value, ok)``.
    The waiting object of a receive that ended normally is kept on the
    channel for its next blocking receive (making one costs more than the
    rest of a receive); a wake of it that comes late finds its ``glet``
    unset, or its ``done`` unset (``_wait1`` then waits on)."""
    sel = ch.spare
    if sel is None:
        sel = _Wait1(ch, None, False)
    else:
        ch.spare = None
        sel.done = False
        sel.chan = ch
    if ch.recvq is _NOQ:
        ch.recvq = [sel]
    else:
        _enqueue(ch, sel, False)
    # _wait1, inline
    hub = get_hub()
    g = getcurrent()
    try:
        while True:
            sel.glet = g
            try:
                hub.switch()
            finally:
                sel.glet = None
            if sel.done:
                break
    except BaseException:
        if not sel.done:
            sel.done = True
            _unqueue((sel,), None)
        raise
    v = sel.value
    ok = sel.ok
    sel.value = sel.fired = sel.chan = None     # no cycle through the channel
    ch.spare = sel
    return v, ok


def _unqueue(sds, keep):
    for sd in sds:
        if sd is keep:
            continue
        q = sd.chan.sendq if sd.send else sd.chan.recvq
        try:
            q.remove(sd)
        except ValueError:
            pass


_NOQ = ()      # an empty queue not made yet (reads only: it is never appended to)


class Channel(Userdata):
    """A Go-style channel (``channel.new(size)``)."""
    __slots__ = ("cap", "buf", "closed", "recvq", "sendq", "spare", "__weakref__")

    def __init__(self, size=0):
        self.cap = size
        self.closed = False
        self.spare = None       # a finished receive's _Wait1, for the next one
        # the queues are made when first needed (an idle inbox holds none)
        self.buf = self.recvq = self.sendq = _NOQ

    def __repr__(self):
        return "channel: 0x%08x" % id(self)

    # -- Python API ---------------------------------------------------------
    def send_py(self, value):
        """Send, blocking the current greenlet while needed.  Raises a
        LuaError ("send on closed channel") if the channel is or gets closed."""
        if self.closed:
            rt_error(_CLOSED_MSG)
        rq = self.recvq
        if rq:
            sd = _pop_live(rq)
            if sd is not None:
                _fire(sd, value, TRUE)
                return
        buf = self.buf
        if len(buf) < self.cap:
            if buf is _NOQ:
                buf = self.buf = deque()
            buf.append(value)
            return
        sel = _Wait1(self, value, True)
        _enqueue(self, sel, True)
        _wait1(sel)
        if sel.ok is None:
            rt_error(_CLOSED_MSG)

    def receive_py(self):
        """Receive, blocking the current greenlet while needed: ``(value,
        TRUE)``, or ``(None, FALSE)`` once the channel is closed and drained."""
        buf = self.buf
        if buf:
            v = buf.popleft()
            if self.sendq:
                self._refill()
            return v, TRUE
        sq = self.sendq
        if sq:
            sd = _pop_live(sq)
            if sd is not None:
                v = sd.value
                _fire(sd, None, TRUE)
                return v, TRUE
        if self.closed:
            return None, FALSE
        return _recv_wait(self)

    def try_send(self, value):
        """Send without blocking: True if done, False if it would block.
        Raises like ``send_py`` on a closed channel."""
        if self.closed:
            rt_error(_CLOSED_MSG)
        rq = self.recvq
        if rq:
            sd = _pop_live(rq)
            if sd is not None:
                _fire(sd, value, TRUE)
                return True
        buf = self.buf
        if len(buf) < self.cap:
            if buf is _NOQ:
                buf = self.buf = deque()
            buf.append(value)
            return True
        return False

    def deliver(self, value):
        """Non-blocking delivery for Python producers (callable from any
        greenlet or a hub callback): hands the value to a waiting receiver,
        else appends it to the buffer even beyond the capacity.  Returns
        False (dropping the value) if the channel is closed."""
        if self.closed:
            return False
        rq = self.recvq
        while rq:
            # _pop_live and _fire, inline (every message to a waiting inbox)
            sd = rq.pop(0) if type(rq) is list else rq.popleft()
            sel = sd.sel
            if not sel.done:
                sel.done = True
                sel.fired = sd
                sel.value = value
                sel.ok = TRUE
                get_hub().loop.run_callback(_wake, sel)
                return True
        buf = self.buf
        if buf is _NOQ:
            buf = self.buf = deque()
        buf.append(value)
        return True

    def deliver_and_close(self, value):
        """Deliver one value (as ``deliver``) and close: a receiver gets the
        value, then ``nil, false``.  Returns False if already closed."""
        ok = self.deliver(value)
        self.close()
        return ok

    def close(self):
        """Close (idempotent): blocked receivers get ``nil, false``, blocked
        senders raise; buffered values stay readable."""
        if self.closed:
            return
        self.closed = True
        rq = self.recvq
        while rq:
            sd = _popleft(rq)
            if not sd.sel.done:
                _fire(sd, None, FALSE)
        sq = self.sendq
        while sq:
            sd = _popleft(sq)
            if not sd.sel.done:
                _fire(sd, None, None)

    def __len__(self):
        return len(self.buf)

    # -- internals ----------------------------------------------------------
    def _refill(self):
        # a slot was freed in a full buffer: move a waiting sender's value in
        sd = _pop_live(self.sendq)
        if sd is not None:
            if self.buf is _NOQ:
                self.buf = deque()
            self.buf.append(sd.value)
            _fire(sd, None, TRUE)


class Case(Userdata):
    """A select case (``ch:case_send(v)`` / ``ch:case_receive()``)."""
    __slots__ = ("chan", "send", "value")

    def __init__(self, chan, send, value=None):
        self.chan = chan
        self.send = send
        self.value = value

    def __repr__(self):
        return "channel case: 0x%08x" % id(self)


def select_py(cases, default=False):
    """Select among ``cases`` (a sequence of Case).  Returns ``(index,
    value, ok)`` with index 0-based into ``cases``, or ``(-1, None, TRUE)``
    for the default branch.  For a send case value is the value sent.
    Raises ("send on closed channel") when a send case on a closed channel
    is chosen, as Go panics."""
    n = len(cases)
    # pass 1: the ready cases; pick one at random (fairness, as Go)
    ready = None
    for i in range(n):
        c = cases[i]
        ch = c.chan
        if c.send:
            r = ch.closed or len(ch.buf) < ch.cap or (ch.recvq and _has_live(ch.recvq))
        else:
            r = ch.buf or ch.closed or (ch.sendq and _has_live(ch.sendq))
        if r:
            if ready is None:
                ready = [i]
            else:
                ready.append(i)
    if ready is not None:
        i = ready[0] if len(ready) == 1 else ready[int(random.random() * len(ready))]
        c = cases[i]
        ch = c.chan
        if c.send:
            ch.try_send(c.value)      # ready, so it does not block (raises if closed)
            return i, c.value, TRUE
        v, ok = ch.receive_py()       # ready, so it does not block
        return i, v, ok
    if default:
        return -1, None, TRUE
    # pass 2: queue on every channel and wait
    sel = _Sel()
    sds = []
    for i in range(n):
        c = cases[i]
        ch = c.chan
        if c.send:
            sd = _Sudog(sel, ch, c.value, i, True)
        else:
            sd = _Sudog(sel, ch, None, i, False)
        _enqueue(ch, sd, c.send)
        sds.append(sd)
    _wait(sel, sds)
    sd = sel.fired
    if sd.send:
        if sel.ok is None:
            rt_error(_CLOSED_MSG)
        return sd.idx, sd.value, TRUE
    return sd.idx, sel.value, sel.ok


# -- Lua API ------------------------------------------------------------------

def _bad_self(ch, name):
    arg_error(1, name, "channel expected, got %s" % lua_type(ch))


def _lua_send(ch=None, v=None, *_):
    if type(ch) is not Channel and not isinstance(ch, Channel):
        _bad_self(ch, "send")
    if ch.closed:
        rt_error(_CLOSED_MSG)
    if not ch.recvq:
        buf = ch.buf
        if len(buf) < ch.cap:
            if buf is _NOQ:
                buf = ch.buf = deque()
            buf.append(v)
            return TRUE
    ch.send_py(v)
    return TRUE


def _lua_receive(ch=None, *_):
    if type(ch) is not Channel and not isinstance(ch, Channel):
        _bad_self(ch, "receive")
    buf = ch.buf
    if buf:
        v = buf.popleft()
        if ch.sendq:
            ch._refill()
        return v, TRUE
    if ch.sendq or ch.closed:
        return ch.receive_py()
    return _recv_wait(ch)


def _lua_close(ch=None, *_):
    if not isinstance(ch, Channel):
        _bad_self(ch, "close")
    ch.close()
    return ()


def _lua_case_send(ch=None, v=None, *_):
    if not isinstance(ch, Channel):
        _bad_self(ch, "case_send")
    return Case(ch, True, v)


def _lua_case_receive(ch=None, *_):
    if not isinstance(ch, Channel):
        _bad_self(ch, "case_receive")
    return Case(ch, False)


def _lua_tostring(ch=None, *_):
    return "channel: 0x%08x" % id(ch)


def _make_meta(name, methods):
    index = LuaClassTable()
    for k, f in methods.items():
        dict.__setitem__(index, k, f)
    mt = LuaClassTable()
    dict.__setitem__(mt, "__index", index)
    dict.__setitem__(mt, "__name", name)
    return mt


Channel.lua_meta = _make_meta("channel", {
    "send": _lua_send,
    "receive": _lua_receive,
    "close": _lua_close,
    "case_send": _lua_case_send,
    "case_receive": _lua_case_receive,
})
dict.__setitem__(Channel.lua_meta, "__tostring", _lua_tostring)

Case.lua_meta = _make_meta("channel.case", {})
dict.__setitem__(Case.lua_meta, "__tostring",
                 lambda c=None, *_: "channel case: 0x%08x" % id(c))


def _lua_new(size=None, *_):
    if size is None:
        return Channel(0)
    t = type(size)
    if t is float:
        if not size.is_integer():
            arg_error(1, "new", "number has no integer representation")
        size = int(size)
    elif t is not int:
        arg_error(1, "new", "number expected, got %s" % lua_type(size))
    if size < 0:
        arg_error(1, "new", "buffer size must not be negative")
    return Channel(size)


def _lua_select(cases=None, *_):
    if type(cases) not in TABLE_TYPES:
        arg_error(1, "select", "table expected, got %s" % lua_type(cases))
    lst = []
    i = 1
    get = cases.get
    while True:
        c = get(i)
        if c is None:
            break
        if type(c) is not Case:
            rt_error("invalid case in select: case #%d is a %s, not a channel case"
                     % (i, lua_type(c)))
        lst.append(c)
        i += 1
    d = get("default")
    default = d is not None and d is not FALSE
    if not lst and not default:
        rt_error("select with no cases and no default")
    idx, v, ok = select_py(lst, default)
    r = LuaTable()
    if idx < 0:
        r["default"] = TRUE
        r["ok"] = TRUE
        return r
    r["channel"] = lst[idx].chan
    if v is not None:
        r["value"] = v
    r["ok"] = ok
    return r


def make_channel_module():
    """The ``channel`` global: ``channel.new``, ``channel.select``."""
    m = LuaTable()
    m["new"] = _lua_new
    m["select"] = _lua_select
    return m
