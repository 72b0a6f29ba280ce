"""Supervised services: ``process.service`` entries.

A service runs one process (``process:`` on ``host:``, spawned with the
``input`` arguments) and keeps it running under its lifecycle policy:

- ``auto_start`` (default false): started when the application starts;
- ``restart.initial_delay`` 1s, ``max_delay`` 90s, ``backoff_factor`` 2.0,
  ``jitter`` 0.1 (+-10 %), ``max_attempts`` 0 (unlimited);
- ``stable_threshold`` 5s: a run that lasted this long resets the attempt
  counter;
- a process that returns normally is done: it is not restarted; one that
  fails is restarted after the current delay, which grows by the factor up
  to the maximum, until ``max_attempts`` failures in a row.
"""

import logging
import random
import re
import time

import gevent
from gevent.event import Event

from .registry import KindHandler, ChangeRejected

__all__ = ["ServiceHandler", "Service", "parse_seconds", "Policy"]

log = logging.getLogger("wippy.service")

_DUR = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_seconds(v, default):
    """A lifecycle duration: Go syntax (``"1h30m"``, ``"250ms"``) or a bare
    number of seconds."""
    if v is None:
        return default
    if isinstance(v, bool):
        raise ValueError("invalid duration %r" % (v,))
    if isinstance(v, (int, float)):
        if v < 0:
            raise ValueError("negative duration %r" % (v,))
        return float(v)
    s = str(v).strip()
    if s in ("0", ""):
        return 0.0
    pos = 0
    total = 0.0
    for m in _DUR.finditer(s):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(s) or pos == 0:
        raise ValueError("invalid duration %r (use Go syntax such as '1s', '250ms', '1h30m')"
                         % (v,))
    return total


class Policy:
    __slots__ = ("auto_start", "initial_delay", "max_delay", "backoff_factor", "jitter",
                 "max_attempts", "stable_threshold", "stop_timeout")

    def __init__(self, lifecycle):
        lc = lifecycle or {}
        if not isinstance(lc, dict):
            raise ValueError("lifecycle must be a map")
        rs = lc.get("restart") or {}
        if not isinstance(rs, dict):
            raise ValueError("lifecycle.restart must be a map")
        self.auto_start = bool(lc.get("auto_start", False))
        self.initial_delay = parse_seconds(rs.get("initial_delay"), 1.0)
        self.max_delay = parse_seconds(rs.get("max_delay"), 90.0)
        self.backoff_factor = float(rs.get("backoff_factor", 2.0))
        self.jitter = float(rs.get("jitter", 0.1))
        self.max_attempts = int(rs.get("max_attempts", 0))
        self.stable_threshold = parse_seconds(lc.get("stable_threshold"), 5.0)
        self.stop_timeout = parse_seconds(lc.get("stop_timeout"), 10.0)
        if self.backoff_factor < 1.0:
            raise ValueError("restart.backoff_factor must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("restart.jitter must be between 0 and 1")
        if self.max_attempts < 0:
            raise ValueError("restart.max_attempts must not be negative")

    def delay(self, attempt):
        """The wait before restart number ``attempt`` (1-based)."""
        d = min(self.initial_delay * (self.backoff_factor ** (attempt - 1)), self.max_delay)
        if self.jitter:
            d *= 1.0 + random.uniform(-self.jitter, self.jitter)
        return max(d, 0.0)


class Service:
    """One supervised service (a greenlet running the restart loop)."""

    def __init__(self, node, entry):
        self.node = node
        self.id = entry.id
        data = entry.data
        self.process = data.get("process")
        self.host = data.get("host")
        inp = data.get("input") or []
        self.input = inp if isinstance(inp, list) else [inp]
        self.policy = Policy(data.get("lifecycle"))
        self.glet = None
        self.pid = None
        self.status = "stopped"
        self.attempts = 0           # failures in a row
        self.starts = 0
        self.history = []           # (start time, end time, error or None)
        self.stopping = False
        self.finished = Event()

    def start(self):
        if self.glet is not None and not self.glet.dead:
            return
        self.stopping = False
        self.finished.clear()
        self.glet = gevent.spawn(self._loop)

    def _loop(self):
        from .convert import to_lua
        args = [to_lua(v) for v in self.input]
        try:
            while not self.stopping:
                t0 = time.monotonic()
                self.starts += 1
                try:
                    self.pid = self.node.spawn(self.process, self.host, args)
                except Exception as e:
                    err = e
                    proc = None
                else:
                    self.status = "running"
                    log.info("service %s is running (%s)", self.id, self.pid)
                    proc = self.node.procs.get(self.pid)
                    if proc is not None:
                        proc.done.wait()
                    err = proc.error if proc is not None else None
                t1 = time.monotonic()
                self.history.append((t0, t1, err))
                if self.stopping:
                    break
                if err is None:
                    self.status = "completed"
                    log.info("service %s completed", self.id)
                    return
                if t1 - t0 >= self.policy.stable_threshold:
                    self.attempts = 0
                self.attempts += 1
                pa = self.policy.max_attempts
                if pa and self.attempts >= pa:
                    self.status = "failed"
                    log.error("service %s failed %d times, giving up: %s", self.id,
                              self.attempts, err)
                    return
                delay = self.policy.delay(self.attempts)
                self.status = "restarting"
                log.warning("service %s failed (%s); restart %d in %.2fs", self.id, err,
                            self.attempts, delay)
                gevent.sleep(delay)
        finally:
            if self.status in ("running", "restarting"):
                self.status = "stopped"
            self.finished.set()

    def stop(self, timeout=None):
        """CANCEL the process, wait up to the stop timeout, then terminate."""
        self.stopping = True
        timeout = self.policy.stop_timeout if timeout is None else timeout
        proc = self.node.procs.get(self.pid) if self.pid else None
        if proc is not None:
            try:
                self.node.cancel(self.pid, "service stopping")
            except Exception:
                pass
            if not proc.done.wait(timeout):
                self.node.kill(proc)
                proc.done.wait(1.0)
        if self.glet is not None:
            self.glet.kill(block=True, timeout=1.0)
        self.status = "stopped"


class ServiceHandler(KindHandler):
    kinds = ("process.service",)

    def __init__(self, app):
        self.app = app
        self.services = {}
        self.running = False        # the application started its services

    def apply(self, op, old, new):
        if op in ("create", "update"):
            try:
                Policy(new.data.get("lifecycle"))
            except (ValueError, TypeError) as e:
                raise ChangeRejected("service %s: %s" % (new.id, e), new.id)
            for f in ("process", "host"):
                if not isinstance(new.data.get(f), str):
                    raise ChangeRejected("service %s: '%s' is required" % (new.id, f), new.id)
        if op in ("update", "delete"):
            svc = self.services.pop(old.id, None)
            if svc is not None:
                svc.stop()
        if op in ("create", "update"):
            svc = Service(self.app.node, new)
            self.services[new.id] = svc
            if self.running and svc.policy.auto_start:
                gevent.spawn_later(0, svc.start)

    def start_all(self):
        self.running = True
        for svc in list(self.services.values()):
            if svc.policy.auto_start:
                svc.start()

    def stop_all(self, timeout=None):
        """Stop every service at once, each within its own stop timeout
        (capped by the runtime's shutdown ``timeout``)."""
        self.running = False
        svcs = list(self.services.values())
        for svc in svcs:
            svc.stopping = True
        gevent.joinall([gevent.spawn(svc.stop, svc.policy.stop_timeout if timeout is None
                                     else min(svc.policy.stop_timeout, timeout))
                        for svc in svcs])
