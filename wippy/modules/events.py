"""The ``events`` module: the process-wide event bus.

An event is ``(system, kind, path, data)``.  ``EventBus.publish`` hands every
matching subscription its own table ``{system=, kind=, path=, data=}`` (the
data deep-copied with ``copy_value``, so subscribers never share tables) with
``Channel.deliver``: publishing never blocks and may run in any greenlet or a
hub callback; each subscriber sees the events in publish order.  The bus is
best effort, as documented: a subscription holding ``MAX_PENDING`` unread
events drops further ones (counted in ``Subscription.dropped``).

Patterns (system, and kind) are split on ``.``: a segment ``*`` matches any
one segment, ``**`` zero or more segments, ``(a|b)`` alternatives within a
segment, and ``*`` inside a segment (``user*``) any run of characters
without a dot; anything else matches literally.  So ``registry.*`` matches
``registry.create`` but neither ``registry`` nor ``registry.entry.create``,
and ``registry.**`` matches all three.  A kind pattern that is nil, ``""``
or ``"*"`` matches every kind (as Wippy's Lua bridge does).

A subscription is removed by ``close()``, by ``EventBus.close()``, or once
its channel can no longer be reached (the bus holds the channel weakly; the
Subscription handle holds it strongly), so a forgotten subscription does not
collect events forever.

Lua API (docs lua/core/events.md)::

    events.send(system, kind, path, data?)  -> true | nil, err (INVALID)
    events.subscribe(system, kind?)         -> Subscription | nil, err (INVALID)
    sub:channel()                           -> channel of event tables
    sub:close()                             -> true (idempotent; buffered
                                               events stay readable, then
                                               the channel reports closed)

Python API: ``EventBus`` (``publish``, ``subscribe``, ``close``,
``subscriptions``), ``default_bus()`` and ``reset_default_bus()``.
Permissions (``events.send`` / ``events.subscribe``) are not checked here.
"""

import re
import weakref

from wippy.runtime.values import LuaTable, Userdata, LuaError, TRUE, TABLE_TYPES, lua_type
from wippy.runtime.errors import arg_error
from wippy.channel import Channel
from wippy.convert import copy_value, to_lua
from wippy.lerrors import new_error, INVALID

__all__ = ["EventBus", "Subscription", "compile_pattern", "default_bus", "reset_default_bus",
           "make_module", "MAX_PENDING"]

MAX_PENDING = 10000

_SPECIAL = re.compile(r"[*()|]")
_SEG_PART = re.compile(r"\(([^()]*)\)|\*|[^*()]+")


def _segment_regex(seg):
    if seg == "*":
        return r"[^.]*"
    out = []
    pos = 0
    while pos < len(seg):
        m = _SEG_PART.match(seg, pos)
        if m is None:
            raise ValueError("bad pattern segment %r" % seg)
        tok = m.group(0)
        if m.group(1) is not None:
            out.append("(?:%s)" % "|".join(re.escape(a) for a in m.group(1).split("|")))
        elif tok == "*":
            out.append(r"[^.]*")
        else:
            out.append(re.escape(tok))
        pos = m.end()
    return "".join(out)


def _split(pattern):
    # split on dots outside parentheses
    segs, depth, cur = [], 0, []
    for c in pattern:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "." and depth <= 0:
            segs.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    segs.append("".join(cur))
    return segs


def compile_pattern(pattern, any_star=False):
    """A predicate ``f(name) -> bool`` for a pattern, or None when it
    matches everything (``None``/``""``, ``**``, and ``*`` if ``any_star``).
    ValueError for a malformed pattern (unbalanced parentheses)."""
    if pattern is None or pattern == "" or pattern == "**" or (any_star and pattern == "*"):
        return None
    if not _SPECIAL.search(pattern):
        return pattern.__eq__
    if pattern.count("(") != pattern.count(")"):
        raise ValueError("unbalanced parentheses in pattern %r" % pattern)
    # every segment is matched with its leading dot, against "." + name
    parts = []
    for seg in _split(pattern):
        if seg == "**":
            parts.append(r"(?:\.[^.]*)*")
        else:
            parts.append(r"\." + _segment_regex(seg))
    rx = re.compile("".join(parts), re.S)
    fm = rx.fullmatch

    def match(name):
        return fm("." + name) is not None
    return match


class _Sub:
    """The bus's record of one subscription (holds the channel weakly)."""
    __slots__ = ("system", "kind", "ref", "dropped", "bus", "__weakref__")

    def __init__(self, bus, system, kind, ch):
        self.bus = bus
        self.system = system
        self.kind = kind
        self.dropped = 0
        self.ref = weakref.ref(ch, self._gone)

    def _gone(self, _ref):
        bus = self.bus
        if bus is not None:
            bus._remove(self)


class Subscription(Userdata):
    """A subscription handle: ``channel`` (a Channel of event tables),
    ``close()``, ``closed``, ``dropped``."""
    __slots__ = ("channel", "rec", "system_pattern", "kind_pattern")

    def __init__(self, rec, ch, system_pattern, kind_pattern):
        self.rec = rec
        self.channel = ch
        self.system_pattern = system_pattern
        self.kind_pattern = kind_pattern

    def __repr__(self):
        return "Subscription(%r, %r)" % (self.system_pattern, self.kind_pattern)

    @property
    def closed(self):
        return self.rec.bus is None

    @property
    def dropped(self):
        return self.rec.dropped

    def close(self):
        """Unsubscribe and close the channel (idempotent)."""
        bus = self.rec.bus
        if bus is not None:
            bus._remove(self.rec)
        self.channel.close()


class EventBus:
    """A publish/subscribe bus delivering event tables into channels."""

    def __init__(self, max_pending=MAX_PENDING):
        self._subs = {}          # id(_Sub) -> _Sub, in subscription order
        self.max_pending = max_pending
        self.closed = False

    def subscribe(self, system_pattern, kind_pattern=None):
        """A Subscription to the events whose system matches
        ``system_pattern`` and kind matches ``kind_pattern`` (None, ``""``
        or ``"*"``: any kind).  ValueError for a malformed pattern or a
        closed bus."""
        if self.closed:
            raise ValueError("event bus is closed")
        sysm = compile_pattern(system_pattern)
        kindm = compile_pattern(kind_pattern, any_star=True)
        ch = Channel(0)
        rec = _Sub(self, sysm, kindm, ch)
        self._subs[id(rec)] = rec
        return Subscription(rec, ch, system_pattern, kind_pattern)

    def publish(self, system, kind, path, data=None):
        """Deliver an event to every matching subscription without blocking;
        returns how many got it.  ``data`` is a Lua value (Python dicts and
        lists are converted with ``to_lua``); a value that cannot be copied
        (a function, a coroutine...) raises a LuaError, whether or not anyone
        is subscribed."""
        if data is not None and type(data) not in TABLE_TYPES and isinstance(
                data, (dict, list, tuple)):
            data = to_lua(data)
        first = copy_value(data)
        n = 0
        for rec in list(self._subs.values()):
            if rec.bus is None:
                continue
            m = rec.system
            if m is not None and not m(system):
                continue
            m = rec.kind
            if m is not None and not m(kind):
                continue
            ch = rec.ref()
            if ch is None:
                self._remove(rec)
                continue
            if ch.closed:
                self._remove(rec)
                continue
            if len(ch.buf) >= self.max_pending:
                rec.dropped += 1
                continue
            evt = LuaTable()
            evt["system"] = system
            evt["kind"] = kind
            evt["path"] = path
            if data is not None:
                if first is not None:
                    evt["data"] = first
                    first = None
                else:
                    evt["data"] = copy_value(data)
            if ch.deliver(evt):
                n += 1
        return n

    def subscriptions(self):
        """How many subscriptions are live."""
        return len(self._subs)

    def close(self):
        """Close every subscription (their channels close) and refuse new ones."""
        self.closed = True
        for rec in list(self._subs.values()):
            ch = rec.ref()
            self._remove(rec)
            if ch is not None:
                ch.close()

    def _remove(self, rec):
        rec.bus = None
        self._subs.pop(id(rec), None)


_DEFAULT = [None]


def default_bus():
    """The process-wide bus (created on first use)."""
    bus = _DEFAULT[0]
    if bus is None:
        bus = _DEFAULT[0] = EventBus()
    return bus


def reset_default_bus():
    """Close the process-wide bus and start a fresh one (for tests)."""
    old = _DEFAULT[0]
    _DEFAULT[0] = None
    if old is not None:
        old.close()
    return default_bus()


# -- Lua API ------------------------------------------------------------------

def _fail(msg):
    return None, new_error(INVALID, msg, False)


def _check_name(v, what, fn):
    if type(v) is not str:
        return "events.%s: %s must be a string, got %s" % (fn, what, lua_type(v))
    if v == "":
        return "events.%s: %s must not be empty" % (fn, what)
    return None


def _lua_send(system=None, kind=None, path=None, data=None, *_):
    for v, what in ((system, "system"), (kind, "kind"), (path, "path")):
        msg = _check_name(v, what, "send")
        if msg is not None:
            return _fail(msg)
    try:
        default_bus().publish(system, kind, path, data)
    except LuaError as e:
        return _fail("events.send: invalid data: %s" % e)
    return TRUE


def _lua_subscribe(system=None, kind=None, *_):
    msg = _check_name(system, "system", "subscribe")
    if msg is not None:
        return _fail(msg)
    if kind is not None and type(kind) is not str:
        return _fail("events.subscribe: kind must be a string, got %s" % lua_type(kind))
    try:
        return default_bus().subscribe(system, kind)
    except ValueError as e:
        return _fail("events.subscribe: %s" % e)


def _sub_self(s, name):
    if type(s) is not Subscription:
        arg_error(1, name, "Subscription expected, got %s" % lua_type(s))
    return s


def _m_channel(s=None, *_):
    return _sub_self(s, "channel").channel


def _m_close(s=None, *_):
    _sub_self(s, "close").close()
    return TRUE


def _make_meta():
    idx = LuaTable()
    idx["channel"] = _m_channel
    idx["close"] = _m_close
    mt = LuaTable()
    mt["__index"] = idx
    mt["__name"] = "events.Subscription"
    mt["__tostring"] = lambda s, *_: "events.Subscription: 0x%08x" % id(s)
    return mt


Subscription.lua_meta = _make_meta()


def make_module():
    m = LuaTable()
    m["send"] = _lua_send
    m["subscribe"] = _lua_subscribe
    return m
