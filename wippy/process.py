"""Processes: isolated Lua actors on greenlets.

A process runs a ``process.lua`` entry's main function in a greenlet of its
own, with its own globals (a fresh instance of the entry).  It talks to
others only by messages: ``send`` copies the payload into the receiver's
inbox (or into the channel of a topic it ``listen``\\ s to).  Lifecycle
events (EXIT for monitors, LINK_DOWN for links, CANCEL) arrive on its
events channel.  A PID is a string ``{host|0x0000n}``.

The ``Node`` owns the process table, the name registry and the hosts
(``process.host`` and ``terminal.host`` entries, through their kind
handler).  ``Node.tick`` is the loop-budget hook: a greenlet that has run
for more than a time slice yields, so a spinning process cannot starve the
others and can be terminated.
"""

import itertools
import logging
import sys
import time
from collections import deque

import gevent
from gevent import Greenlet, GreenletExit
from gevent.event import Event
from greenlet import getcurrent, greenlet

from .app import Frame, current_frame
from .channel import Channel
from .convert import copy_value
from .lerrors import new_error, from_exception, returned_error
from .payload import Payload
from .registry import KindHandler
from .runtime.values import LuaTable, LuaError, Userdata, TRUE, FALSE
from .runtime.errors import rt_error

__all__ = ["Node", "Process", "FuncProcess", "Message", "current_process", "HostHandler"]

log = logging.getLogger("wippy.process")

EV_CANCEL = "pid.cancel"
EV_EXIT = "pid.exit"
EV_LINK_DOWN = "pid.link.down"
EV_OUTDATED = "pid.outdated"

SLICE = 0.005           # seconds a greenlet may run before a loop yields


def current_process():
    g = getcurrent()
    p = getattr(g, "wippy_proc", None)
    while p is None:
        # a Lua coroutine's greenlet: the process of whoever resumed it
        g = g.parent
        if g is None:
            return None
        p = getattr(g, "wippy_proc", None)
    return p


class Message(Userdata):
    """A message in an inbox: topic, sender, payload."""
    __slots__ = ("topic", "sender", "payload")

    def __init__(self, topic, sender, payload):
        self.topic = topic
        self.sender = sender
        self.payload = payload


def _m(m, name):
    if not isinstance(m, Message):
        rt_error("bad argument #1 to '%s' (message expected)" % name)
    return m


def _m_topic(m=None, *_):
    return m.topic if type(m) is Message else _m(m, "topic").topic


def _m_from(m=None, *_):
    return m.sender if type(m) is Message else _m(m, "from").sender


def _m_payload(m=None, *_):
    return m.payload if type(m) is Message else _m(m, "payload").payload


Message.lua_meta = LuaTable({
    "__index": LuaTable({"topic": _m_topic, "from": _m_from, "payload": _m_payload}),
    "__name": "message",
    "__tostring": lambda m, *_: "message(%s)" % m.topic})


_NOSET = frozenset()     # no monitors / watched / links yet (never added to)


def _add_monitors(p, pid):
    if p.monitors:
        p.monitors.add(pid)
    else:
        p.monitors = {pid}


def _add_watching(p, pid):
    if p.watching:
        p.watching.add(pid)
    else:
        p.watching = {pid}


def _add_links(p, pid):
    if p.links:
        p.links.add(pid)
    else:
        p.links = {pid}


class Process:
    __slots__ = ("node", "pid", "eid", "host", "glet", "_inbox", "_events", "listeners",
                 "monitors", "watching", "links", "trap_links", "upgradable", "names",
                 "context", "_done", "value", "error", "tasks", "exited", "started",
                 "__weakref__")

    def __init__(self, node, pid, eid, host, context):
        self.node = node
        self.pid = pid
        self.eid = eid
        self.host = host
        self.glet = None
        self._inbox = None          # channels are made when first needed
        self._events = None
        self.listeners = None       # topic -> (channel, as_message)
        # pids that get my EXIT, pids I monitor, linked pids: the shared
        # empty _NOSET until the first one (see _add_monitors and co.)
        self.monitors = self.watching = self.links = _NOSET
        self.trap_links = False
        self.upgradable = False
        self.names = None
        self.context = context
        self._done = None
        self.value = None
        self.error = None
        self.tasks = None           # coroutine.spawn greenlets
        self.exited = False
        self.started = False

    @property
    def done(self):
        """An Event set when the process has exited (made on demand)."""
        ev = self._done
        if ev is None:
            ev = self._done = Event()
            if self.exited:
                ev.set()
        return ev

    @property
    def inbox(self):
        ch = self._inbox
        if ch is None:
            ch = self._inbox = Channel(0)
        return ch

    @property
    def events(self):
        ch = self._events
        if ch is None:
            ch = self._events = Channel(0)
        return ch

    def deliver(self, topic, sender, payload):
        lst = self.listeners
        if lst is not None:
            got = lst.get(topic)
            if got is not None:
                ch, as_msg = got
                ch.deliver(Message(topic, sender, payload) if as_msg else payload.data())
                return
        ch = self._inbox
        if ch is None:
            ch = self.inbox
        ch.deliver(Message(topic, sender, payload))

    def deliver_msg(self, m):
        """``deliver`` of a made message."""
        lst = self.listeners
        if lst is not None:
            got = lst.get(m.topic)
            if got is not None:
                ch, as_msg = got
                ch.deliver(m if as_msg else m.payload.data())
                return
        ch = self._inbox
        if ch is None:
            ch = self.inbox
        ch.deliver(m)

    def event(self, tbl):
        self.events.deliver(tbl)


class FuncProcess(Process):
    """The process of one function call (``function.lua`` entries, HTTP
    handlers included).  Its PID is made and registered when first asked
    for, so a call that never uses it pays nothing for it; it lives until
    the call has returned and every ``coroutine.spawn`` task it started has
    ended."""
    __slots__ = ("_pid", "running")

    def __init__(self, node, eid, host, context, glet):
        self.node = node
        self._pid = None
        self.eid = eid
        self.host = host
        self.glet = glet
        self._inbox = self._events = self.listeners = self.names = None
        self._done = self.value = self.error = self.tasks = None
        self.monitors = self.watching = self.links = _NOSET
        self.trap_links = self.upgradable = self.exited = False
        self.started = True
        self.context = context
        self.running = True

    @property
    def pid(self):
        pid = self._pid
        if pid is None:
            node = self.node
            h = self.host
            pid = self._pid = "{%s|0x%05x}" % (h.id if h is not None else node.app.node_name(),
                                                 next(node._seq))
            node.procs[pid] = self
        return pid

    def returned(self, r):
        """The call has returned (or raised)."""
        self.running = False
        self.glet = None
        if not self.tasks:
            self.finish(r)

    def finish(self, r=None):
        if self._pid is None:
            # nobody could know it (monitors, links and names need the PID)
            self.exited = True
            if self._done is not None:
                self._done.set()
            return
        if type(r) is tuple:
            r = r[0] if r else None
        self.node._exit(self, r, None)


class Host:
    """A ``process.host`` or ``terminal.host``: where processes run.
    (Greenlets need no worker pool; the host names the place and, for a
    terminal, carries the standard streams and arguments.)"""
    __slots__ = ("id", "kind", "terminal", "stdin", "stdout", "stderr", "args", "busy")

    def __init__(self, hid, kind, stdin=None, stdout=None, stderr=None, args=()):
        self.id = hid
        self.kind = kind
        self.terminal = kind == "terminal.host"
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.args = list(args)
        self.busy = False


class HostHandler(KindHandler):
    kinds = ("process.host", "terminal.host")

    def __init__(self, node):
        self.node = node

    def apply(self, op, old, new):
        if op == "delete":
            self.node.hosts.pop(old.id, None)
            return
        h = self.node.hosts.get(new.id)
        if h is None or h.kind != new.kind:
            self.node.hosts[new.id] = Host(new.id, new.kind, *self.node.term_streams())


class Node:
    def __init__(self, app):
        self.app = app
        self.procs = {}
        self.names = {}
        self.hosts = {}
        self._seq = itertools.count(1)
        self._idle = []             # process runners waiting for work
        self._pending = deque()     # (process, args) spawned, not started yet
        self._hubref = None
        self._last = [time.perf_counter()]
        self.streams = (sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None,
                        sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None,
                        sys.stderr.buffer if hasattr(sys.stderr, "buffer") else None)
        self.args = []

    def term_streams(self):
        return self.streams + (self.args,)

    # -- the loop budget -----------------------------------------------------
    def tick(self):
        now = time.perf_counter()
        if now - self._last[0] > SLICE:
            gevent.sleep(0)
            self._last[0] = time.perf_counter()

    # -- lookups -------------------------------------------------------------
    def resolve(self, dest):
        """A PID or a registered name -> pid string, or None."""
        if type(dest) is not str:
            return None
        if dest[:1] == "{":
            return dest
        return self.names.get(dest)

    # -- spawning ------------------------------------------------------------
    def spawn(self, eid, host_id, args, parent=None, monitor=False, link=False,
              context=None, name=None, messages=()):
        """Start a process: its pid, or raise _ProcError."""
        if type(eid) is not str or not eid:
            raise _ProcError("Invalid", "process ID must be a non-empty string")
        e = self.app.registry.get(eid)
        if e is None:
            raise _ProcError("NotFound", "process %s not found" % eid)
        if e.kind != "process.lua":
            raise _ProcError("Invalid", "entry %s is a %s, not a process.lua" % (eid, e.kind))
        host = self.hosts.get(host_id) if type(host_id) is str else None
        if host is None:
            raise _ProcError("NotFound", "host %s not found" % (host_id,))
        args = tuple(map(copy_value, args))
        if name is not None and self.names.get(name) is not None:
            raise _ProcError("AlreadyExists", "name '%s' is already registered" % name)
        pid = "{%s|0x%05x}" % (host.id, next(self._seq))
        proc = Process(self, pid, eid, host, context if context is not None else
                       (parent.context if parent is not None else {}))
        self.procs[pid] = proc
        if parent is not None:
            if monitor:
                proc.monitors = {parent.pid}
                _add_watching(parent, pid)
            if link:
                proc.links = {parent.pid}
                _add_links(parent, pid)
        if name is not None:
            self.register(name, proc)
        sender = parent.pid if parent is not None else None
        for topic, payloads in messages:
            for p in payloads or (None,):
                proc.deliver(topic, sender, Payload(p, copy=False))
        # queued to start: one hub callback per process hands the next
        # queued one to a runner (see _start and _runner)
        self._pending.append((proc, args))
        h = self._hubref
        if h is None or h.dead:
            h = self._hub()
        h.loop.run_callback(self._start)
        return pid

    def _start(self):
        """Hub callback: give the next queued process a runner (unless a
        runner that finished its process has taken it already)."""
        if self._pending:
            idle = self._idle
            g = idle.pop() if idle else _Runner(self, self._hub())
            g.wjob = True
            g.switch()

    def _hub(self):
        h = self._hubref
        if h is None or h.dead:
            h = self._hubref = gevent.get_hub()
        return h

    def _run(self, proc, args, g):
        if proc.exited:         # killed before it could start
            return
        proc.glet = g
        proc.started = True
        g.wippy_proc = proc
        g.wippy_frame = Frame(self.app, proc.eid, proc.context)
        value = error = None
        try:
            fn = self.app.lua.new_instance_for(proc.eid, ("process.lua",)).fn
            # a plain call, not fn(*args): CPython runs it in the same C
            # frame, so a process blocked in it saves a shorter stack
            n = len(args)
            r = fn() if n == 0 else fn(args[0]) if n == 1 else fn(args[0], args[1]) \
                if n == 2 else fn(*args)
            if type(r) is tuple:
                error = returned_error(r)
                if error is not None:
                    # `return nil, err`: an abnormal exit, as a raised error
                    log.error("process %s (%s) returned an error: %s", proc.pid, proc.eid,
                              error, extra={"pid": proc.pid, "entry": proc.eid})
                r = r[0] if r else None
            value = r
        except GreenletExit:
            error = new_error("Canceled", "process terminated")
        except LuaError as e:
            error = from_exception(e)
            self._log_crash(proc, error, e)
        except Exception as e:
            error = from_exception(e)
            self._log_crash(proc, error, e)
        finally:
            g.wippy_proc = g.wippy_frame = None
            self._exit(proc, value, error)

    def _log_crash(self, proc, error, exc):
        from .runtime.errors import lua_traceback
        tb = getattr(exc, "lua_traceback", None) or lua_traceback(exc.__traceback__)
        log.error("process %s (%s) failed: %s%s", proc.pid, proc.eid, error,
                  ("\n" + tb) if tb else "", extra={"pid": proc.pid, "entry": proc.eid})

    def _exit(self, proc, value, error):
        if proc.exited:
            return
        proc.exited = True
        proc.value = value
        proc.error = error
        self.procs.pop(proc.pid, None)
        if proc.names:
            for n in proc.names:
                if self.names.get(n) == proc.pid:
                    del self.names[n]
        if proc.tasks:
            for t in list(proc.tasks):
                if t is not getcurrent():
                    t.kill(block=False)
        if proc.monitors:
            for mp in proc.monitors:
                w = self.procs.get(mp)
                if w is not None:
                    if w.watching:
                        w.watching.discard(proc.pid)
                    w.event(_event(EV_EXIT, proc.pid, value, error))
        if proc.links:
            for lp in proc.links:
                other = self.procs.get(lp)
                if other is None:
                    continue
                if other.links:
                    other.links.discard(proc.pid)
                if error is None:
                    continue
                if other.trap_links:
                    other.event(_event(EV_LINK_DOWN, proc.pid, value, error))
                else:
                    self.kill(other)
        for wp in proc.watching:
            w = self.procs.get(wp)
            if w is not None and w.monitors:
                w.monitors.discard(proc.pid)
        if proc._done is not None:
            proc._done.set()

    # -- control -------------------------------------------------------------
    def kill(self, proc):
        if proc.exited:
            return
        if type(proc) is Process and not proc.started:
            # killed before it ever ran: its runner will skip it
            self._exit(proc, None, new_error("Canceled", "process terminated"))
            return
        g = proc.glet
        if g is None:
            # a function process whose call has returned: its tasks remain
            for t in list(proc.tasks or ()):
                if t is getcurrent():
                    raise GreenletExit()
                t.kill(block=False)
            return
        if g is getcurrent():
            raise GreenletExit()
        if type(proc) is FuncProcess and isinstance(g, Greenlet):
            g.kill(block=False)
            return
        # a process runner: the GreenletExit must reach it while it still
        # runs this process (it may have moved on when the callback runs)
        self._hub().loop.run_callback(_kill_runner, proc, g)

    def terminate(self, dest):
        pid = self.resolve(dest)
        proc = self.procs.get(pid) if pid else None
        if proc is None:
            raise _ProcError("NotFound", "process %s not found" % (dest,))
        self.kill(proc)

    def cancel(self, dest, reason, sender=None):
        pid = self.resolve(dest)
        proc = self.procs.get(pid) if pid else None
        if proc is None:
            raise _ProcError("NotFound", "process %s not found" % (dest,))
        ev = LuaTable({"kind": EV_CANCEL})
        if sender is not None:
            ev["from"] = sender
        if reason is not None:
            ev["reason"] = reason
        proc.event(ev)

    def send(self, sender, dest, topic, values):
        if type(topic) is not str or not topic or topic[0] == "@":
            raise _ProcError("Invalid", "invalid topic %r: must be a non-empty string not "
                             "starting with '@'" % (topic,))
        proc = self.procs.get(dest)
        if proc is not None:
            if len(values) == 1:
                proc.deliver(topic, sender, Payload(values[0]))
                return
        elif type(dest) is not str:
            raise _ProcError("Invalid", "destination must be a PID or a name")
        elif dest[:1] == "{":
            raise _ProcError("NotFound", "process %s is not running" % dest)
        if proc is None:
            pid = self.names.get(dest)
            if pid is None:
                raise _ProcError("NotFound", "could not resolve '%s'" % dest)
            proc = self.procs.get(pid)
            if proc is None:
                raise _ProcError("NotFound", "process %s is not running" % pid)
        if not values:
            proc.deliver(topic, sender, Payload(None, copy=False))
        else:
            for v in values:
                proc.deliver(topic, sender, Payload(v))

    def monitor(self, me, dest, on=True):
        pid = self.resolve(dest)
        proc = self.procs.get(pid) if pid else None
        if proc is None:
            if on and pid is not None and pid[:1] == "{":
                # already gone: the monitor fires at once, as Erlang's does
                me.event(_event(EV_EXIT, pid, None, new_error("NotFound", "no process")))
                return
            raise _ProcError("NotFound", "process %s not found" % (dest,))
        if on:
            _add_monitors(proc, me.pid)
            _add_watching(me, proc.pid)
        else:
            if proc.monitors:
                proc.monitors.discard(me.pid)
            if me.watching:
                me.watching.discard(proc.pid)

    def link(self, me, dest, on=True):
        pid = self.resolve(dest)
        proc = self.procs.get(pid) if pid else None
        if proc is None:
            raise _ProcError("NotFound", "process %s not found" % (dest,))
        if proc is me:
            raise _ProcError("Invalid", "cannot link a process to itself")
        if on:
            _add_links(proc, me.pid)
            _add_links(me, proc.pid)
        else:
            if proc.links:
                proc.links.discard(me.pid)
            if me.links:
                me.links.discard(proc.pid)

    # -- names ---------------------------------------------------------------
    def register(self, name, proc):
        if type(name) is not str or not name:
            raise _ProcError("Invalid", "name must be a non-empty string")
        cur = self.names.get(name)
        if cur is not None and cur != proc.pid:
            raise _ProcError("AlreadyExists", "name '%s' is already registered" % name)
        self.names[name] = proc.pid
        if proc.names is None:
            proc.names = set()
        proc.names.add(name)

    def unregister(self, name, proc):
        cur = self.names.get(name)
        if cur is None or proc is None or cur != proc.pid:
            return False
        del self.names[name]
        proc.names.discard(name)
        return True

    # -- waiting -------------------------------------------------------------
    def wait(self, pid, timeout=None):
        proc = self.procs.get(pid)
        if proc is None:
            return None
        proc.done.wait(timeout)
        return proc

    def stop_all(self, timeout=10.0, reason="shutdown"):
        """Send CANCEL to every process, wait for them within ``timeout``,
        then terminate what is left."""
        procs = list(self.procs.values())
        for p in procs:
            p.event(LuaTable({"kind": EV_CANCEL, "reason": reason}))
        deadline = time.monotonic() + timeout
        for p in procs:
            left = deadline - time.monotonic()
            if left <= 0 or not p.done.wait(left):
                break
        for p in list(self.procs.values()):
            self.kill(p)
        for p in procs:
            p.done.wait(1.0)


_MAX_IDLE = 256          # process runners kept for reuse


class _Runner(greenlet):
    """A pooled greenlet running processes one after another (a fresh
    greenlet costs far more than a switch).  Slots, not a ``__dict__``: a
    blocked process keeps its runner."""
    __slots__ = ("node", "wjob", "wippy_proc", "wippy_frame")

    def __init__(self, node, parent):
        greenlet.__init__(self, None, parent)
        self.node = node
        self.wjob = self.wippy_proc = self.wippy_frame = None

    def run(self):
        _runner(self)


def _runner(g):
    """The body of a process runner: it runs queued processes, one after
    another while they end without blocking and its time slice lasts (a
    burst of short processes needs no runner each, nor a hub round trip
    each), then waits in the idle list until ``Node._start`` wakes it
    (``wjob`` set: any other switch into an idle runner is ignored).  Every
    queued process has a ``_start`` callback of its own, so none waits for
    a runner that has gone idle."""
    node = g.node
    hub = node._hub()
    idle = node._idle
    pending = node._pending
    clock = time.perf_counter
    try:
        while True:
            t0 = clock()
            while pending:
                proc, args = pending.popleft()
                node._run(proc, args, g)
                if clock() - t0 > SLICE:
                    break
            if len(idle) >= _MAX_IDLE:
                return
            g.wjob = None
            idle.append(g)
            while g.wjob is None:
                hub.switch()
    except BaseException as e:      # a late kill: this runner ends, nothing else
        if not isinstance(e, GreenletExit):
            log.error("process runner stopped by %s", type(e).__name__, exc_info=True)
        if g in idle:
            idle.remove(g)


def _kill_runner(proc, g):
    if proc.exited or proc.glet is not g or g.dead:
        return
    if type(proc) is Process and getattr(g, "wippy_proc", None) is not proc:
        return
    g.throw(GreenletExit)


class _ProcError(Exception):
    def __init__(self, kind, msg):
        Exception.__init__(self, msg)
        self.kind = kind


def _event(kind, frm, value, error):
    res = LuaTable()
    if value is not None:
        res["value"] = value
    if error is not None:
        res["error"] = error
    return LuaTable({"kind": kind, "from": frm, "result": res})


# ---------------------------------------------------------------------------
# the Lua ``process`` global


def _err(kind, msg):
    return new_error(kind, msg)


def _me(name):
    p = current_process()
    if p is None:
        raise _ProcError("Invalid", "%s needs a running process" % name)
    return p


def _guard(fn):
    """Lua-facing calls: errors as ``nil, err`` values."""
    def wrapped(*args):
        try:
            return fn(*args)
        except _ProcError as e:
            return None, _err(e.kind, str(e))
    wrapped.__name__ = fn.__name__
    return wrapped


class Spawner(Userdata):
    __slots__ = ("node", "context", "options", "name", "messages")

    def __init__(self, node, context=None, options=None, name=None, messages=()):
        self.node = node
        self.context = context
        self.options = options or {}
        self.name = name
        self.messages = tuple(messages)

    def copy(self, **kw):
        s = Spawner(self.node, self.context, self.options, self.name, self.messages)
        for k, v in kw.items():
            setattr(s, k, v)
        return s


def _ctx_of(tbl, base):
    out = dict(base or {})
    for k, v in tbl.items():
        if type(k) is not str:
            raise _ProcError("Invalid", "context keys must be strings")
        out[k] = copy_value(v)
    return out


def make_process_module(node, app, entry, base):
    """The ``process`` global of one entry instance (``base`` holds id
    and the event names from funcs.make_process_global)."""

    def pid(*_):
        p = current_process()
        return p.pid if p is not None else None

    procs = node.procs

    def send(dest=None, topic=None, *values):
        p = getattr(getcurrent(), "wippy_proc", None)
        if p is None:
            p = current_process()       # in a Lua coroutine
        if len(values) == 1 and type(topic) is str and topic and topic[0] != "@":
            # the usual case (node.send's first path, inline): one value to
            # a running process's PID
            proc = procs.get(dest)
            if proc is not None:
                msg = Message(topic, p.pid if p is not None else None, Payload(values[0]))
                ch = proc._inbox
                if ch is not None and proc.listeners is None:
                    ch.deliver(msg)         # Process.deliver's usual path, inline
                else:
                    proc.deliver_msg(msg)
                return TRUE
        try:
            node.send(p.pid if p is not None else None, dest, topic, values)
        except _ProcError as e:
            return None, _err(e.kind, str(e))
        return TRUE

    def mk_spawn(monitor, link):
        @_guard
        def spawn(eid=None, host=None, *args):
            return _do_spawn(node, None, monitor, link, eid, host, args)
        return spawn

    @_guard
    def exec_(eid=None, host=None, *args):
        return _exec(node, None, eid, host, args)

    @_guard
    def terminate(dest=None, *_):
        node.terminate(dest)
        return TRUE

    @_guard
    def cancel(dest=None, reason=None, *_):
        p = current_process()
        node.cancel(dest, reason, p.pid if p is not None else None)
        return TRUE

    def mk_mon(fn, on, name):
        @_guard
        def f(dest=None, *_):
            fn(_me(name), dest, on)
            return TRUE
        return f

    def get_options(*_):
        p = current_process()
        if p is None:
            return LuaTable()
        return LuaTable({"trap_links": TRUE if p.trap_links else FALSE,
                         "upgradable": TRUE if p.upgradable else FALSE})

    @_guard
    def set_options(opts=None, *_):
        p = _me("set_options")
        if not isinstance(opts, LuaTable):
            raise _ProcError("Invalid", "options must be a table")
        for k, v in opts.items():
            if k == "trap_links":
                p.trap_links = v is not None and v is not FALSE
            elif k == "upgradable":
                p.upgradable = v is not None and v is not FALSE
            else:
                return FALSE, _err("Invalid", "unknown process option '%s'" % (k,))
        return TRUE

    def inbox(*_):
        p = current_process()
        if p is None:
            rt_error("process.inbox needs a running process")
        return p.inbox

    def events(*_):
        p = current_process()
        if p is None:
            rt_error("process.events needs a running process")
        return p.events

    def listen(topic=None, opts=None, *_):
        p = current_process()
        if p is None:
            rt_error("process.listen needs a running process")
        if type(topic) is not str or not topic or topic[0] == "@":
            rt_error("invalid topic for process.listen: must be a non-empty string not "
                     "starting with '@'")
        as_msg = isinstance(opts, LuaTable) and opts.get("message") not in (None, FALSE)
        ch = Channel(0)
        if p.listeners is None:
            p.listeners = {}
        p.listeners[topic] = (ch, as_msg)
        ib = p._inbox
        if ib is not None and ib.buf:
            # messages of this topic that came before the subscription (e.g.
            # sent right after the spawn, before the process ran) and are
            # still unread go to the listener, as they would in Wippy, where
            # a process routes its messages when it runs
            buf = ib.buf
            keep = deque()
            for m in buf:
                if m.topic == topic:
                    ch.deliver(m if as_msg else m.payload.data())
                else:
                    keep.append(m)
            buf.clear()
            buf.extend(keep)
        return ch

    def unlisten(ch=None, *_):
        p = current_process()
        if p is None or not p.listeners:
            return FALSE
        for t, (c, _m2) in list(p.listeners.items()):
            if c is ch:
                del p.listeners[t]
                c.close()
                return TRUE
        return FALSE

    @_guard
    def reg_register(name=None, target=None, scope=None, *_):
        if target is not None:
            proc = node.procs.get(node.resolve(target) or "")
            if proc is None:
                raise _ProcError("NotFound", "process %s not found" % (target,))
        else:
            proc = _me("registry.register")
        node.register(name, proc)
        return TRUE

    @_guard
    def reg_lookup(name=None, *_):
        pid_ = node.names.get(name) if type(name) is str else None
        if pid_ is None:
            raise _ProcError("NotFound", "name '%s' is not registered" % (name,))
        return pid_

    def reg_unregister(name=None, scope=None, *_):
        return TRUE if node.unregister(name, current_process()) else FALSE

    registry = LuaTable({"register": reg_register, "lookup": reg_lookup,
                         "unregister": reg_unregister, "LOCAL": 0, "CONSISTENT": 1,
                         "EVENTUAL": 2, "STRONG": 3})

    @_guard
    def with_context(tbl=None, *_):
        if not isinstance(tbl, LuaTable):
            raise _ProcError("Invalid", "context must be a table")
        return Spawner(node, _ctx_of(tbl, None))

    @_guard
    def with_options(tbl=None, *_):
        if not isinstance(tbl, LuaTable):
            raise _ProcError("Invalid", "options must be a table")
        return Spawner(node, None, {k: copy_value(v) for k, v in tbl.items()})

    t = LuaTable(base)
    t.update({
        "pid": pid, "send": send, "spawn": mk_spawn(False, False),
        "spawn_monitored": mk_spawn(True, False), "spawn_linked": mk_spawn(False, True),
        "spawn_linked_monitored": mk_spawn(True, True), "exec": exec_,
        "terminate": terminate, "cancel": cancel,
        "monitor": mk_mon(node.monitor, True, "monitor"),
        "unmonitor": mk_mon(node.monitor, False, "unmonitor"),
        "link": mk_mon(node.link, True, "link"), "unlink": mk_mon(node.link, False, "unlink"),
        "get_options": get_options, "set_options": set_options, "inbox": inbox,
        "events": events, "listen": listen, "unlisten": unlisten, "registry": registry,
        "with_context": with_context, "with_options": with_options,
    })
    return t


def _do_spawn(node, sp, monitor, link, eid, host, args):
    parent = current_process()
    if (monitor or link) and parent is None:
        raise _ProcError("Invalid", "spawn_%s needs a running process"
                         % ("monitored" if monitor else "linked"))
    fr = current_frame()
    ctx = fr.context if fr is not None else {}
    if sp is not None and sp.context is not None:
        ctx = dict(ctx)
        ctx.update(sp.context)
    return node.spawn(eid, host, args, parent, monitor, link, ctx,
                      sp.name if sp is not None else None,
                      sp.messages if sp is not None else ())


def _exec(node, sp, eid, host, args):
    pid = _do_spawn(node, sp, False, False, eid, host, args)
    proc = node.procs.get(pid)
    if proc is None:
        return None
    proc.done.wait()
    if proc.error is not None:
        return None, proc.error
    return proc.value


def _sp_of(s, name):
    if not isinstance(s, Spawner):
        rt_error("bad argument #1 to '%s' (spawner expected)" % name)
    return s


@_guard
def _s_with_context(s=None, tbl=None, *_):
    s = _sp_of(s, "with_context")
    if not isinstance(tbl, LuaTable):
        raise _ProcError("Invalid", "context must be a table")
    return s.copy(context=_ctx_of(tbl, s.context))


@_guard
def _s_with_options(s=None, tbl=None, *_):
    s = _sp_of(s, "with_options")
    if not isinstance(tbl, LuaTable):
        raise _ProcError("Invalid", "options must be a table")
    opts = dict(s.options)
    opts.update({k: copy_value(v) for k, v in tbl.items()})
    return s.copy(options=opts)


def _s_same(s=None, *_):
    return _sp_of(s, "with_actor")


@_guard
def _s_with_name(s=None, name=None, *_):
    s = _sp_of(s, "with_name")
    if type(name) is not str or not name:
        raise _ProcError("Invalid", "name must be a non-empty string")
    return s.copy(name=name)


@_guard
def _s_with_message(s=None, topic=None, *values):
    s = _sp_of(s, "with_message")
    if type(topic) is not str or not topic or topic[0] == "@":
        raise _ProcError("Invalid", "invalid topic %r" % (topic,))
    return s.copy(messages=s.messages + ((topic, tuple(map(copy_value, values))),))


def _s_mk(monitor, link):
    @_guard
    def f(s=None, eid=None, host=None, *args):
        s = _sp_of(s, "spawn")
        return _do_spawn(s.node, s, monitor, link, eid, host, args)
    return f


@_guard
def _s_exec(s=None, eid=None, host=None, *args):
    s = _sp_of(s, "exec")
    return _exec(s.node, s, eid, host, args)


Spawner.lua_meta = LuaTable({"__index": LuaTable({
    "with_context": _s_with_context, "with_options": _s_with_options,
    "with_actor": _s_same, "with_scope": _s_same, "with_name": _s_with_name,
    "with_message": _s_with_message, "spawn": _s_mk(False, False),
    "spawn_monitored": _s_mk(True, False), "spawn_linked": _s_mk(False, True),
    "spawn_linked_monitored": _s_mk(True, True), "exec": _s_exec}), "__name": "spawner"})


# ---------------------------------------------------------------------------
# coroutine.spawn: concurrent work inside one process


class SpawnedThread:
    """What ``coroutine.spawn`` returns (a Lua "thread")."""
    __slots__ = ("glet", "__weakref__")

    def __init__(self, glet):
        self.glet = glet


from .runtime.values import register_type_name as _rtn  # noqa: E402
_rtn(SpawnedThread, "thread")


def make_coroutine_spawn():
    """``coroutine.spawn(fn, ...)``: run fn concurrently in the current
    process (same globals); it yields on channels, messages, timers and
    I/O, and ends when the process's main function returns."""
    def spawn(fn=None, *args):
        if not callable(fn):
            rt_error("bad argument #1 to 'spawn' (function expected)")
        proc = current_process()
        frame = current_frame()

        def body():
            g = getcurrent()
            g.wippy_proc = proc
            g.wippy_frame = frame
            try:
                fn(*args)
            except GreenletExit:
                pass
            except Exception as e:
                from .runtime.errors import lua_traceback
                err = from_exception(e)
                tb = getattr(e, "lua_traceback", None) or lua_traceback(e.__traceback__)
                ent = frame.entry_id if frame is not None else None
                log.error("coroutine in %s (%s) failed: %s%s", proc.pid if proc else "?", ent,
                          err, ("\n" + tb) if tb else "",
                          extra={"pid": proc.pid if proc else None, "entry": ent})
            finally:
                if proc is not None and proc.tasks is not None:
                    proc.tasks.discard(g)
                    if not proc.tasks and type(proc) is FuncProcess and not proc.running:
                        proc.finish()
        g = Greenlet(body)
        if proc is not None:
            if proc.tasks is None:
                proc.tasks = set()
            proc.tasks.add(g)
        g.start()
        return SpawnedThread(g)
    return spawn
