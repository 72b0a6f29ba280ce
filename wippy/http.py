"""HTTP: the ``http.*`` entry kinds, the ``http`` Lua module and serving.

- ``http.service`` (``addr``, ``timeouts``, ``lifecycle``, and ``max_body``,
  a request-body limit in bytes answered with 413, default 120 MB) is a
  listener: with ``lifecycle.auto_start`` it is served by gevent's WSGIServer
  when the application starts (``wippy run``), in the application hub;
- ``http.router`` (``meta.server``, ``prefix``, ``middleware``/``options``,
  ``post_middleware``/``post_options``) groups endpoints;
- ``http.endpoint`` (``meta.router``, ``method``, ``path`` with ``{name}``
  segments and a tail ``{name...}``, ``func``) runs a function entry per
  request;
- ``http.static`` (``meta.server``, ``path``, ``fs``: an ``fs.directory``
  entry or a folder relative to the project root, ``static_options.spa``,
  ``index``, ``cache``, ``middleware``/``options``) serves files.

The routing table of every service is rebuilt when a changeset touching
``http.*`` entries is committed, so endpoints appear and disappear without a
restart.  Each request runs in its own greenlet (the server's); the handler
finds the request through ``http.request()`` / ``http.response()``, which
look at the greenlet running the call.

Dispatch: the routers whose prefix covers the path are tried, longest prefix
first; the first with a rule for the path owns the request (its pre-match
middleware run, then the method is checked: 405 with ``Allow``; then its
post-match middleware and the endpoint).  A path no router has a rule for
gets a 404 from the router with the longest covering prefix (through its
pre-match middleware) unless a static handler has a longer or equal
covering prefix: then that static handler serves it (a static handler at
``/`` takes everything no router prefix claims).
A trailing slash is not significant (``/users/`` is ``/users``).
"""

import io
import logging
import os
import re
import socket
import mimetypes
import threading
from urllib.parse import parse_qsl

import gevent
from gevent.pywsgi import WSGIServer, WSGIHandler
from greenlet import getcurrent
from werkzeug.datastructures import Headers
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.security import safe_join
from werkzeug.wrappers import Request

from .registry import KindHandler, ChangeRejected
from .runtime.values import LuaTable, Userdata, TRUE, FALSE
from .lerrors import new_error, WippyError, INTERNAL, INVALID
from .convert import text_to_lua
from .modules.json import encode as _json_encode, EncodeError as _JsonEncodeError
from . import httpmw

__all__ = ["install", "HttpHandler", "HttpContext", "make_http_module", "make_wsgi_app",
           "parse_addr", "DEFAULT_MAX_BODY"]

log = logging.getLogger("wippy.http")

DEFAULT_MAX_BODY = 120 * 1024 * 1024
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE")
KINDS = ("http.service", "http.router", "http.endpoint", "http.static")

_REASONS = {}


def _reason(code):
    r = _REASONS.get(code)
    if r is None:
        from http import HTTPStatus
        try:
            r = HTTPStatus(code).phrase
        except ValueError:
            r = "Status"
        _REASONS[code] = r
    return r


def parse_addr(addr):
    """``":8080"`` / ``"127.0.0.1:8080"`` / ``"[::1]:80"`` -> (host, port)."""
    if not isinstance(addr, str) or ":" not in addr:
        raise ValueError("addr must look like ':8080' or 'host:port', got %r" % (addr,))
    host, _, port = addr.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    try:
        port = int(port)
    except ValueError:
        raise ValueError("addr %r: bad port" % addr) from None
    if not 0 <= port <= 65535:
        raise ValueError("addr %r: bad port" % addr)
    return host, port


def _norm_prefix(p):
    p = (p or "").strip()
    if p and not p.startswith("/"):
        p = "/" + p
    return p.rstrip("/")


def _norm_path(p):
    if len(p) > 1:
        p = p.rstrip("/") or "/"
    return p


def _covers(prefix, path):
    return not prefix or path == prefix or path.startswith(prefix + "/")


_PARAM = re.compile(r"\{([^{}]*)\}")


def _rule_path(path):
    """Wippy's ``/users/{id}/{rest...}`` -> (werkzeug rule, {rule arg: name})."""
    names = {}
    out = []
    pos = 0
    matches = list(_PARAM.finditer(path))
    for i, m in enumerate(matches):
        lit = path[pos:m.start()]
        if "<" in lit or ">" in lit:
            raise ValueError("path %r: '<' and '>' are not allowed" % path)
        out.append(lit)
        name = m.group(1)
        arg = "p%d" % i
        if name.endswith("..."):
            if i != len(matches) - 1 or m.end() != len(path):
                raise ValueError("path %r: a {name...} wildcard must be the last segment" % path)
            out.append("<path:%s>" % arg)
            names[arg] = None           # the tail is not exposed
        else:
            if not name:
                raise ValueError("path %r: empty parameter name" % path)
            out.append("<%s>" % arg)
            names[arg] = name
        pos = m.end()
    rest = path[pos:]
    if "<" in rest or ">" in rest or "{" in rest or "}" in rest:
        raise ValueError("path %r: malformed parameter" % path)
    out.append(rest)
    return "".join(out), names


# ---------------------------------------------------------------------------
# the request context


class _ClientGone(Exception):
    pass


class HttpContext:
    """One request and its response under construction."""

    def __init__(self, app, service, environ, start_response):
        self.app = app
        self.service = service
        self.environ = environ
        self.request = Request(environ)
        self.start_response = start_response
        self.status = 200
        self.headers = Headers()
        self.buf = []
        self.committed = False
        self.streaming = False
        self.sse = False
        self.finished = False
        self.broken = False
        self.body_filters = []
        self.params = {}
        self.endpoint = None
        self._write = None
        self._body = None
        self.body_consumed = False
        ip = environ.get("REMOTE_ADDR") or ""
        port = environ.get("REMOTE_PORT")
        self.remote_ip = ip
        self.remote_addr = ("[%s]:%s" % (ip, port) if ":" in ip else "%s:%s" % (ip, port)) \
            if port else ip
        self.max_body = service.max_body if service is not None else DEFAULT_MAX_BODY

    # -- body --------------------------------------------------------------
    def read_body(self):
        """The whole request body (bytes); raises ValueError when it is
        larger than the service limit."""
        if self._body is None:
            if self.body_consumed:
                raise ValueError("request body already consumed by a stream")
            stream = self.request.stream
            chunks = []
            n = 0
            while True:
                c = stream.read(65536)
                if not c:
                    break
                n += len(c)
                if n > self.max_body:
                    raise ValueError("request body too large")
                chunks.append(c)
            self._body = b"".join(chunks)
        return self._body

    # -- response ----------------------------------------------------------
    def write(self, data):
        self.buf.append(data)

    def _commit(self):
        self.committed = True
        self.headers.pop("Content-Length", None)
        if "Content-Type" not in self.headers:
            self.headers["Content-Type"] = "text/plain; charset=utf-8"
        self._write = self.start_response("%d %s" % (self.status, _reason(self.status)),
                                          self.headers.to_wsgi_list())

    def flush(self):
        """Send the headers (once) and the buffered body now."""
        if self.broken:
            raise _ClientGone("client connection closed")
        first = not self.committed
        if first:
            self.streaming = True
            self._commit()
        data = b"".join(self.buf)
        self.buf = []
        try:
            if data or first:
                self._write(data)
        except (OSError, socket.error) as e:
            self.broken = True
            raise _ClientGone(str(e)) from None

    def finish(self):
        """The WSGI iterable that ends the response."""
        self.finished = True
        if self.committed:
            data = b"".join(self.buf)
            self.buf = []
            return [data] if data and not self.broken else []
        body = b"".join(self.buf)
        self.buf = []
        for f in self.body_filters:
            body = f(self, body)
        if "Content-Type" not in self.headers and (body or self.status >= 400):
            self.headers["Content-Type"] = "text/plain; charset=utf-8"
        if self.status in (204, 304) or self.status < 200:
            body = b""
        else:
            self.headers["Content-Length"] = str(len(body))
        self.committed = True
        self.start_response("%d %s" % (self.status, _reason(self.status)),
                            self.headers.to_wsgi_list())
        if self.request.method == "HEAD":
            return []
        return [body]

    def error_page(self, status, text=None, headers=None):
        self.status = status
        self.buf = [(text if text is not None else _reason(status) + "\n").encode("latin-1")]
        self.headers["Content-Type"] = "text/plain; charset=utf-8"
        for k, v in (headers or {}).items():
            self.headers[k] = v


# ---------------------------------------------------------------------------
# routing tables


_MATCH_CACHE = 2048


class _RouterSite:
    def __init__(self, handler, router, endpoints):
        self.id = router.id
        d = router.data
        self.prefix = _norm_prefix(d.get("prefix"))
        rules = []
        self.funcs = {}
        for ep in endpoints:
            full = _norm_path(self.prefix + ep.data["path"])
            rp, names = _rule_path(full)
            method = ep.data["method"].upper()
            rules.append(Rule(rp, endpoint=ep.id, methods=[method]))
            self.funcs[ep.id] = (ep.data["func"], names)
        self.adapter = Map(rules, strict_slashes=False, merge_slashes=False,
                           redirect_defaults=False).bind("localhost")
        self._matches = {}              # (path, method) -> match(), for this table
        post = httpmw.build_chain(d.get("post_middleware"), d.get("post_options"),
                                  handler.run_endpoint)
        self.chain = httpmw.build_chain(d.get("middleware"), d.get("options"),
                                        self._make_inner(post))

    def _make_inner(self, post):
        def inner(ctx):
            m = ctx.match
            if isinstance(m, MethodNotAllowed):
                allow = ", ".join(m.valid_methods or ())
                return ctx.error_page(405, headers={"Allow": allow})
            if m is None:
                return ctx.error_page(404)
            eid, args = m
            func, names = self.funcs[eid]
            ctx.endpoint = eid
            ctx.func = func
            ctx.params = {names[k]: v for k, v in args.items() if names.get(k)}
            return post(ctx)
        return inner

    def match(self, path, method):
        key = (path, method)
        try:
            return self._matches[key]
        except KeyError:
            pass
        try:
            m = self.adapter.match(path, method)
        except MethodNotAllowed as e:
            m = e
        except NotFound:
            m = None
        # the table is rebuilt (a new _RouterSite) on every routing change, so
        # a result never goes stale; the cache is bounded against many paths
        if len(self._matches) >= _MATCH_CACHE:
            self._matches.clear()
        self._matches[key] = m
        return m


class _StaticSite:
    def __init__(self, handler, entry):
        d = entry.data
        self.id = entry.id
        self.prefix = _norm_prefix(d.get("path"))
        self.root = handler.static_root(entry)
        so = d.get("static_options") or {}
        if not isinstance(so, dict):
            raise ValueError("static_options must be a map")
        self.spa = bool(so.get("spa", False))
        self.index = so.get("index") or ("index.html" if not self.spa else None)
        if self.spa and not so.get("index"):
            raise ValueError("static_options.index is required when spa is true")
        self.cache = so.get("cache")
        self.chain = httpmw.build_chain(d.get("middleware"), d.get("options"), self.serve)

    def _file(self, rel):
        p = safe_join(self.root, rel) if rel else self.root
        if p is None:
            return None
        if os.path.isdir(p):
            if not self.index:
                return None
            p = os.path.join(p, self.index)
        return p if os.path.isfile(p) else None

    def serve(self, ctx):
        if ctx.request.method not in ("GET", "HEAD"):
            return ctx.error_page(405, headers={"Allow": "GET, HEAD"})
        path = ctx.request.path
        rel = path[len(self.prefix):].lstrip("/")
        f = self._file(rel)
        if f is None and self.spa:
            f = self._file(self.index)
        if f is None:
            return ctx.error_page(404)
        ctype = mimetypes.guess_type(f)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        ctx.headers["Content-Type"] = ctype
        if self.cache:
            ctx.headers["Cache-Control"] = str(self.cache)
        with open(f, "rb") as fh:
            ctx.write(fh.read())


class _Site:
    """Everything one service routes, built from the registry state."""

    def __init__(self, handler, sid):
        self.routers = []
        self.statics = []
        self.problems = []
        by_router = {}
        for ep in sorted(handler.endpoints.values(), key=lambda e: e.id):
            by_router.setdefault(ep.meta.get("router"), []).append(ep)
        for r in sorted(handler.routers.values(), key=lambda e: e.id):
            if r.meta.get("server") != sid:
                continue
            try:
                self.routers.append(_RouterSite(handler, r, by_router.get(r.id, ())))
            except Exception as e:      # validated at apply: should not happen
                log.error("http router %s: %s", r.id, e)
        for s in sorted(handler.statics.values(), key=lambda e: e.id):
            if s.meta.get("server") != sid:
                continue
            try:
                self.statics.append(_StaticSite(handler, s))
            except Exception as e:
                log.error("http static %s: %s", s.id, e)
        self.routers.sort(key=lambda r: -len(r.prefix))
        self.statics.sort(key=lambda s: -len(s.prefix))

    def dispatch(self, ctx):
        path = _norm_path(ctx.request.path)
        method = ctx.request.method
        not_allowed = None
        for r in self.routers:
            if not _covers(r.prefix, path):
                continue
            m = r.match(path, method)
            if m is None:
                continue
            if isinstance(m, MethodNotAllowed):
                if not_allowed is None:
                    not_allowed = (r, m)
                continue
            ctx.match = m
            return r.chain(ctx)
        if not_allowed is not None:
            ctx.match = not_allowed[1]
            return not_allowed[0].chain(ctx)
        st = next((s for s in self.statics if _covers(s.prefix, path)), None)
        rt = next((r for r in self.routers if _covers(r.prefix, path)), None)
        if rt is not None and (st is None or len(rt.prefix) > len(st.prefix)):
            ctx.match = None            # the router owns its prefix: its 404
            return rt.chain(ctx)
        if st is not None:
            return st.chain(ctx)
        ctx.error_page(404)


# ---------------------------------------------------------------------------
# services


class _NoDelayHandler(WSGIHandler):
    """pywsgi handler with TCP_NODELAY (no Nagle stalls) and the service's
    socket timeout; yields once per request for fairness."""

    def handle(self):
        try:
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass
        t = getattr(self.server, "wippy_timeout", None)
        if t:
            self.socket.settimeout(t)
        return WSGIHandler.handle(self)

    def _handle_client_error(self, ex):
        # a client that stalls while sending its headers hits the read
        # timeout: one log line and a 408 (pywsgi would print a traceback
        # to stderr and answer 400)
        if isinstance(ex, socket.timeout):
            log.info("http: closing a stalled connection from %s: %s",
                     self.client_address, ex or "timed out")
            return ("408", _TIMEOUT_RESPONSE)
        return WSGIHandler._handle_client_error(self, ex)


_TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                     b"Content-Length: 0\r\n\r\n")


class Service:
    def __init__(self, entry):
        from .services import parse_seconds
        d = entry.data
        self.id = entry.id
        self.addr = d.get("addr")
        self.host, self.port = parse_addr(self.addr)
        lc = d.get("lifecycle") or {}
        if not isinstance(lc, dict):
            raise ValueError("lifecycle must be a map")
        self.auto_start = bool(lc.get("auto_start", False))
        self.stop_timeout = parse_seconds(lc.get("stop_timeout"), 5.0)
        t = d.get("timeouts") or {}
        if not isinstance(t, dict):
            raise ValueError("timeouts must be a map")
        self.read_timeout = parse_seconds(t.get("read"), 0.0)
        self.write_timeout = parse_seconds(t.get("write"), 0.0)
        self.idle_timeout = parse_seconds(t.get("idle"), 0.0)
        mb = d.get("max_body", DEFAULT_MAX_BODY)
        if isinstance(mb, bool) or not isinstance(mb, int) or mb <= 0:
            raise ValueError("max_body must be a positive integer (bytes)")
        self.max_body = mb
        self.server = None

    @property
    def socket_timeout(self):
        ts = [t for t in (self.read_timeout, self.idle_timeout) if t > 0]
        return max(ts) if ts else None

    def same_listener(self, other):
        return self.host == other.host and self.port == other.port


class HttpHandler(KindHandler):
    kinds = KINDS

    def __init__(self, app):
        self.app = app
        self.services = {}
        self.routers = {}
        self.endpoints = {}
        self.statics = {}
        self.sites = {}
        self.dirty = True
        self.serving = False
        self.external = False       # served by another server (wippy.wsgi under gunicorn)
        self._servers = {}
        self._lock = threading.RLock()

    # -- registry ----------------------------------------------------------
    def apply(self, op, old, new):
        e = new if new is not None else old
        table = {"http.service": self.services, "http.router": self.routers,
                 "http.endpoint": self.endpoints, "http.static": self.statics}[e.kind]
        if op == "delete":
            table.pop(old.id, None)
        else:
            try:
                val = self._check(new)
            except ValueError as ex:
                raise ChangeRejected("%s: %s" % (new.id, ex), new.id) from None
            table[new.id] = val
        self.dirty = True

    def _check(self, e):
        d = e.data
        if e.kind == "http.service":
            s = Service(e)
            old = self.services.get(e.id)
            if old is not None and old.server is not None and old.same_listener(s):
                s.server = old.server           # an update keeps the listener
            return s
        if e.kind == "http.router":
            if not e.meta.get("server"):
                raise ValueError("meta.server is required")
            for k in ("middleware", "post_middleware"):
                httpmw.build_chain(d.get(k), d.get(k.replace("middleware", "options")),
                                   lambda ctx: None)
            return e
        if e.kind == "http.endpoint":
            if not e.meta.get("router"):
                raise ValueError("meta.router is required")
            m = d.get("method")
            if not isinstance(m, str) or m.upper() not in METHODS:
                raise ValueError("method must be one of %s" % ", ".join(METHODS))
            p = d.get("path")
            if not isinstance(p, str) or not p.startswith("/"):
                raise ValueError("path must start with '/'")
            _rule_path(p)
            if not isinstance(d.get("func"), str) or not d.get("func"):
                raise ValueError("func is required")
            for other in self.endpoints.values():
                if (other.id != e.id and other.meta.get("router") == e.meta.get("router")
                        and other.data.get("method", "").upper() == m.upper()
                        and _norm_path(other.data.get("path")) == _norm_path(p)):
                    raise ValueError("%s %s is already routed by %s" % (m.upper(), p, other.id))
            return e
        # http.static
        if not e.meta.get("server"):
            raise ValueError("meta.server is required")
        p = d.get("path")
        if not isinstance(p, str) or not p.startswith("/"):
            raise ValueError("path must start with '/'")
        if not isinstance(d.get("fs"), str) or not d.get("fs"):
            raise ValueError("fs is required")
        _StaticSite(self, e)
        return e

    def commit(self, version):
        if not self.dirty:
            return
        self.rebuild()
        if self.serving:
            self._run_in_hub(self.sync_servers)

    def rebuild(self):
        with self._lock:
            self.dirty = False
            self.sites = {sid: _Site(self, sid) for sid in self.services}

    def site(self, sid):
        if self.dirty:
            self.rebuild()
        s = self.sites.get(sid)
        if s is None:
            s = self.sites[sid] = _Site(self, sid)
        return s

    def static_root(self, entry):
        fs = entry.data.get("fs")
        target = self.app.registry.get(fs) if ":" in fs else None
        if target is not None and target.kind == "fs.directory":
            d = target.data.get("directory") or "."
        else:
            d = fs.split(":", 1)[1] if ":" in fs and not os.path.exists(fs) else fs
        return os.path.abspath(os.path.join(self.app.root, d))

    # -- serving -----------------------------------------------------------
    def _run_in_hub(self, fn):
        from .app import run_in_hub
        if threading.current_thread().name == "wippy-main" or not _has_hub_thread():
            return fn()
        return run_in_hub(fn)

    def start_servers(self):
        """Start a WSGIServer for every auto_start http.service (in the
        current hub)."""
        if self.external:
            return
        self.serving = True
        self.sync_servers()

    def sync_servers(self):
        want = {sid: s for sid, s in self.services.items() if s.auto_start}
        for sid, srv in list(self._servers.items()):
            s = want.get(sid)
            if s is None or s.server is not srv:
                self._stop_server(sid, srv, 1.0)
        for sid, s in want.items():
            if s.server is None:
                self._start_server(s)

    def _start_server(self, s):
        server = WSGIServer((s.host, s.port), make_wsgi_app(self, s.id),
                            handler_class=_NoDelayHandler, log=None,
                            error_log=logging.getLogger("wippy.http.server"))
        server.wippy_timeout = s.socket_timeout
        server.start()
        s.server = server
        self._servers[s.id] = server
        log.info("http service %s listening on %s:%d", s.id, *server.address[:2])

    def _stop_server(self, sid, server, timeout):
        if self._servers.get(sid) is server:
            del self._servers[sid]
        for s in self.services.values():
            if s.server is server:
                s.server = None
        try:
            server.stop(timeout=timeout)
        except Exception:               # pragma: no cover
            log.exception("stopping http server")

    def stop_servers(self):
        self.serving = False
        gl = []
        for sid, srv in list(self._servers.items()):
            s = self.services.get(sid)
            t = s.stop_timeout if s is not None else 5.0
            gl.append(gevent.spawn(self._stop_server, sid, srv, t))
        gevent.joinall(gl)

    def address(self, sid):
        """(host, port) a running service listens on (tests use port 0)."""
        s = self.services.get(sid)
        if s is None or s.server is None:
            return None
        return s.server.address[:2]

    # -- running endpoints -------------------------------------------------
    def run_endpoint(self, ctx):
        g = getcurrent()
        prev = getattr(g, "wippy_http", None)
        g.wippy_http = ctx
        saved = (ctx.status, ctx.headers.to_wsgi_list())    # a copy, restored on error
        try:
            r = self.app.call_entry(ctx.func, (), None)
            if (len(r) >= 2 and r[0] is None and isinstance(r[1], WippyError)
                    and not ctx.committed and not ctx.buf):
                log.error("http %s %s: handler %s returned an error: %s", ctx.request.method,
                          ctx.request.path, ctx.func, r[1])
                ctx.status, ctx.headers = saved[0], Headers(saved[1])
                ctx.error_page(500)
        except _ClientGone:
            ctx.broken = True
        except gevent.GreenletExit:
            raise
        except Exception as e:
            from .lerrors import from_exception
            err = e
            try:
                err = from_exception(e)
            except Exception:           # pragma: no cover
                pass
            log.error("http %s %s: handler %s failed: %s", ctx.request.method, ctx.request.path,
                      ctx.func, err)
            if not ctx.committed:
                ctx.status, ctx.headers = saved[0], Headers(saved[1])
                ctx.error_page(500)
            else:
                ctx.broken = True
        finally:
            g.wippy_http = prev


def _has_hub_thread():
    from . import app as appmod
    return bool(appmod._HUB)


def make_wsgi_app(handler, sid):
    """The WSGI callable of one http.service (``sid`` None: route by the
    request's port, or to the only service)."""

    def wsgi_app(environ, start_response):
        s = sid
        if s is None:
            s = _pick_service(handler, environ)
        service = handler.services.get(s) if s is not None else None
        ctx = HttpContext(handler.app, service, environ, start_response)
        if service is None:
            ctx.error_page(404)
            return ctx.finish()
        try:
            # werkzeug parses Content-Length only when there is one
            cl = ctx.request.content_length if environ.get("CONTENT_LENGTH") else None
            if cl is not None and cl > service.max_body:
                ctx.error_page(413)
                ctx.headers["Connection"] = "close"
                return ctx.finish()
            handler.site(s).dispatch(ctx)
        except _ClientGone:
            ctx.broken = True
        except Exception:
            log.exception("http: request failed")
            if not ctx.committed:
                ctx.status = 500
                ctx.headers = Headers()
                ctx.body_filters = []
                ctx.error_page(500)
            else:
                ctx.broken = True
        gevent.sleep(0)         # one yield per request keeps keep-alive clients fair
        return ctx.finish()
    return wsgi_app


def _pick_service(handler, environ):
    svcs = handler.services
    if len(svcs) == 1:
        return next(iter(svcs))
    try:
        port = int(environ.get("SERVER_PORT") or 0)
    except ValueError:
        port = 0
    host = (environ.get("HTTP_HOST") or "").rpartition(":")
    hport = int(host[2]) if host[2].isdigit() else None
    for p in (hport, port):
        if p is None:
            continue
        for sid in sorted(svcs):
            if svcs[sid].port == p:
                return sid
    return sorted(svcs)[0] if svcs else None


# ---------------------------------------------------------------------------
# the Lua module

def _err(kind, msg):
    return new_error(kind, msg, False)


def _ctx_now():
    return getattr(getcurrent(), "wippy_http", None)


def _lstr(b):
    return b.decode("latin-1")


class LuaRequest(Userdata):
    __slots__ = ("ctx", "max_body")

    def __init__(self, ctx, max_body):
        self.ctx = ctx
        self.max_body = max_body


class LuaResponse(Userdata):
    __slots__ = ("ctx",)

    def __init__(self, ctx):
        self.ctx = ctx


class LuaStream(Userdata):
    __slots__ = ("read_fn", "closed")

    def __init__(self, read_fn):
        self.read_fn = read_fn
        self.closed = False


class LuaFile(Userdata):
    __slots__ = ("fs",)

    def __init__(self, fs):
        self.fs = fs


def _bad_self(name, what):
    from .runtime.errors import rt_error
    rt_error("bad argument #1 to '%s' (%s expected)" % (name, what))


def _rq(name):
    def deco(fn):
        def m(self=None, *args):
            if not isinstance(self, LuaRequest):
                _bad_self(name, "request")
            return fn(self, *args)
        m.__name__ = name
        return m
    return deco


def _body(self):
    """(bytes, None) or (None, err)."""
    try:
        b = self.ctx.read_body()
    except ValueError as e:
        return None, _err(INVALID, str(e))
    except (OSError, socket.error) as e:
        return None, _err(INTERNAL, "reading request body: %s" % e)
    if self.max_body is not None and len(b) > self.max_body:
        return None, _err(INVALID, "request body too large (limit %d bytes)" % self.max_body)
    return b, None


def _joined(pairs):
    out = LuaTable()
    for k, v in pairs:
        if k in out:
            out[k] = out[k] + "," + v
        else:
            out[k] = v
    return out


def _qs_pairs(qs):
    return parse_qsl(qs, keep_blank_values=True, encoding="latin-1", errors="replace")


@_rq("method")
def _r_method(self, *_):
    return self.ctx.request.method


@_rq("path")
def _r_path(self, *_):
    e = self.ctx.environ
    return (e.get("SCRIPT_NAME") or "") + (e.get("PATH_INFO") or "") or "/"


@_rq("host")
def _r_host(self, *_):
    e = self.ctx.environ
    return e.get("HTTP_HOST") or e.get("SERVER_NAME") or ""


@_rq("remote_addr")
def _r_remote_addr(self, *_):
    return self.ctx.remote_addr


@_rq("content_type")
def _r_content_type(self, *_):
    return self.ctx.environ.get("CONTENT_TYPE") or None


@_rq("content_length")
def _r_content_length(self, *_):
    return self.ctx.request.content_length or 0


@_rq("query")
def _r_query(self, name=None, *_):
    if type(name) is not str:
        return None, _err(INVALID, "query: name must be a string")
    for k, v in _qs_pairs(self.ctx.environ.get("QUERY_STRING") or ""):
        if k == name:
            return v
    return None


@_rq("query_params")
def _r_query_params(self, *_):
    return _joined(_qs_pairs(self.ctx.environ.get("QUERY_STRING") or ""))


@_rq("header")
def _r_header(self, name=None, *_):
    if type(name) is not str:
        return None, _err(INVALID, "header: name must be a string")
    vals = self.ctx.request.headers.getlist(name)
    return ", ".join(vals) if vals else None


@_rq("headers")
def _r_headers(self, *_):
    out = LuaTable()
    for k, v in self.ctx.request.headers.items():
        out[k] = out[k] + ", " + v if k in out else v
    return out


@_rq("param")
def _r_param(self, name=None, *_):
    v = self.ctx.params.get(name)
    return text_to_lua(v) if v is not None else None


@_rq("params")
def _r_params(self, *_):
    return LuaTable({text_to_lua(k): text_to_lua(v) for k, v in self.ctx.params.items()})


@_rq("body")
def _r_body(self, *_):
    b, err = _body(self)
    if err is not None:
        return None, err
    return _lstr(b)


@_rq("body_json")
def _r_body_json(self, *_):
    from .modules.json import decode
    b, err = _body(self)
    if err is not None:
        return None, err
    if not b.strip():
        return None, _err(INVALID, "invalid JSON body: empty body")
    if not b.isascii():
        # JSON exchanged between systems must be UTF-8 (RFC 8259 §8.1)
        try:
            b.decode("utf-8")
        except UnicodeDecodeError as e:
            return None, _err(INVALID, "invalid JSON body: not valid UTF-8 (byte %d)" % e.start)
    try:
        return decode(_lstr(b))
    except (ValueError, RecursionError) as e:
        return None, _err(INVALID, "invalid JSON body: %s" % e)


@_rq("has_body")
def _r_has_body(self, *_):
    c = self.ctx
    if c._body is not None:
        return TRUE if c._body else FALSE
    if (c.request.content_length or 0) > 0:
        return TRUE
    te = (c.environ.get("HTTP_TRANSFER_ENCODING") or "").lower()
    return TRUE if "chunked" in te else FALSE


@_rq("is_content_type")
def _r_is_content_type(self, t=None, *_):
    if type(t) is not str:
        return FALSE
    mt = (self.ctx.request.mimetype or "").lower()
    return TRUE if mt == t.split(";")[0].strip().lower() else FALSE


@_rq("accepts")
def _r_accepts(self, t=None, *_):
    if type(t) is not str:
        return FALSE
    if not self.ctx.request.headers.get("Accept"):
        return TRUE
    return TRUE if self.ctx.request.accept_mimetypes[t] > 0 else FALSE


@_rq("form")
def _r_form(self, *_):
    b, err = _body(self)
    if err is not None:
        return None, err
    return _joined(_qs_pairs(_lstr(b)))


@_rq("stream")
def _r_stream(self, *_):
    c = self.ctx
    if c._body is not None:
        bio = io.BytesIO(c._body)
        read = bio.read
    else:
        c.body_consumed = True
        s = c.request.stream
        total = [0]

        def read(n):
            d = s.read(n)
            total[0] += len(d)
            if total[0] > c.max_body:
                raise ValueError("request body too large")
            return d
    return LuaStream(read)


@_rq("parse_multipart")
def _r_parse_multipart(self, max_mem=None, *_):
    from werkzeug.formparser import parse_form_data
    c = self.ctx
    if c.request.mimetype != "multipart/form-data":
        return None, _err(INVALID, "request is not multipart/form-data")
    b, err = _body(self)
    if err is not None:
        return None, err
    env = dict(c.environ)
    env["wsgi.input"] = io.BytesIO(b)
    env["CONTENT_LENGTH"] = str(len(b))
    try:
        _, form, files = parse_form_data(env, silent=False)
    except Exception as e:
        return None, _err(INVALID, "parse multipart: %s" % e)
    values = LuaTable()
    for k in form.keys():
        values[text_to_lua(k)] = text_to_lua(",".join(form.getlist(k)))
    ft = LuaTable()
    for k in files.keys():
        arr = LuaTable()
        for i, fs in enumerate(files.getlist(k), 1):
            arr[i] = LuaFile(fs)
        ft[text_to_lua(k)] = arr
    return LuaTable({"values": values, "files": ft})


LuaRequest.lua_meta = LuaTable({"__index": LuaTable({
    "method": _r_method, "path": _r_path, "host": _r_host, "remote_addr": _r_remote_addr,
    "content_type": _r_content_type, "content_length": _r_content_length,
    "query": _r_query, "query_params": _r_query_params, "header": _r_header,
    "headers": _r_headers, "param": _r_param, "params": _r_params, "body": _r_body,
    "body_json": _r_body_json, "has_body": _r_has_body, "is_content_type": _r_is_content_type,
    "accepts": _r_accepts, "form": _r_form, "stream": _r_stream,
    "parse_multipart": _r_parse_multipart}), "__name": "http.request"})


def _s_read(self=None, n=None, *_):
    if not isinstance(self, LuaStream):
        _bad_self("read", "stream")
    if self.closed:
        return None, _err(INVALID, "stream is closed")
    try:
        d = self.read_fn(n if type(n) is int and n > 0 else -1)
    except ValueError as e:
        return None, _err(INVALID, str(e))
    except OSError as e:
        return None, _err(INTERNAL, "stream read: %s" % e)
    return _lstr(d) if d else None


def _s_close(self=None, *_):
    if isinstance(self, LuaStream):
        self.closed = True
    return None


LuaStream.lua_meta = LuaTable({"__index": LuaTable({"read": _s_read, "close": _s_close}),
                               "__name": "http.stream"})


def _f_name(self=None, *_):
    return text_to_lua(self.fs.filename or "")


def _f_size(self=None, *_):
    st = self.fs.stream
    pos = st.tell()
    st.seek(0, 2)
    n = st.tell()
    st.seek(pos)
    return n


def _f_header(self=None, k=None, *_):
    return self.fs.headers.get(k) if type(k) is str else None


def _f_stream(self=None, *_):
    self.fs.stream.seek(0)
    return LuaStream(self.fs.stream.read)


LuaFile.lua_meta = LuaTable({"__index": LuaTable({"name": _f_name, "size": _f_size,
                                                  "header": _f_header, "stream": _f_stream}),
                             "__name": "http.file"})


def _res(name):
    def deco(fn):
        def m(self=None, *args):
            if not isinstance(self, LuaResponse):
                _bad_self(name, "response")
            c = self.ctx
            if c.finished:
                return _err(INVALID, "%s: the response is finished" % name)
            try:
                return fn(c, *args)
            except _ClientGone as e:
                return _err(INTERNAL, "write failed: %s" % e)
        m.__name__ = name
        return m
    return deco


def _sent(name):
    return _err(INVALID, "%s: headers already sent" % name)


def _tobytes(v):
    t = type(v)
    if t is str:
        return v.encode("latin-1")
    if t is int:
        return str(v).encode()
    if t is float:
        from .runtime.values import fmt_float
        return fmt_float(v).encode()
    return None


@_res("set_status")
def _w_set_status(c, code=None, *_):
    if type(code) is float and code.is_integer():
        code = int(code)
    if type(code) is not int or not 100 <= code <= 999:
        return _err(INVALID, "set_status: invalid status code")
    if c.committed:
        return _sent("set_status")
    c.status = code
    return None


def _hval(v):
    if type(v) in (int, float):
        v = _tobytes(v).decode()
    if type(v) is not str or "\r" in v or "\n" in v:
        return None
    return v


@_res("set_header")
def _w_set_header(c, name=None, value=None, *_):
    v = _hval(value)
    if type(name) is not str or not name or v is None or any(ch in name for ch in ":\r\n "):
        return _err(INVALID, "set_header: invalid header name or value")
    if c.committed:
        return _sent("set_header")
    c.headers[name] = v
    return None


@_res("set_content_type")
def _w_set_content_type(c, t=None, *_):
    v = _hval(t)
    if v is None or not v:
        return _err(INVALID, "set_content_type: invalid content type")
    if c.committed:
        return _sent("set_content_type")
    c.headers["Content-Type"] = v
    return None


@_res("write")
def _w_write(c, data=None, *_):
    b = _tobytes(data)
    if b is None:
        return _err(INVALID, "write: string expected")
    c.write(b)
    return None


@_res("write_json")
def _w_write_json(c, v=None, *_):
    try:
        s = _json_encode(v)
    except (_JsonEncodeError, RecursionError) as e:
        return _err(INTERNAL, "write_json: %s" % e)
    if not c.committed and "Content-Type" not in c.headers:
        c.headers["Content-Type"] = "application/json"
    c.write(s.encode("latin-1"))
    return None


@_res("flush")
def _w_flush(c, *_):
    c.flush()
    return None


def _start_sse(c):
    c.sse = True
    c.headers["Content-Type"] = "text/event-stream"
    c.headers["Cache-Control"] = "no-cache"
    c.headers["X-Accel-Buffering"] = "no"


@_res("set_transfer")
def _w_set_transfer(c, mode=None, *_):
    if mode not in ("chunked", "sse"):
        return _err(INVALID, "set_transfer: expected http.TRANSFER.CHUNKED or SSE")
    if c.committed:
        return _sent("set_transfer")
    c.streaming = True
    if mode == "sse":
        _start_sse(c)
    return None


@_res("write_event")
def _w_write_event(c, ev=None, *_):
    from .modules.json import encode, EncodeError
    from .runtime.values import TABLE_TYPES
    if type(ev) not in TABLE_TYPES:
        return _err(INVALID, "write_event: table {name=, data=} expected")
    name = ev.get("name")
    if not c.sse:
        if c.committed:
            return _sent("write_event")
        _start_sse(c)
    try:
        data = encode(ev.get("data"))
    except (EncodeError, RecursionError) as e:
        return _err(INTERNAL, "write_event: %s" % e)
    out = []
    if ev.get("id") is not None:
        out.append("id: %s\n" % (_tobytes(ev.get("id")) or b"").decode("latin-1"))
    if type(name) is str and name:
        out.append("event: %s\n" % name.replace("\n", " "))
    for line in data.split("\n"):
        out.append("data: %s\n" % line)
    out.append("\n")
    c.write("".join(out).encode("latin-1"))
    c.flush()
    return None


LuaResponse.lua_meta = LuaTable({"__index": LuaTable({
    "set_status": _w_set_status, "set_header": _w_set_header,
    "set_content_type": _w_set_content_type, "write": _w_write, "write_json": _w_write_json,
    "flush": _w_flush, "set_transfer": _w_set_transfer, "write_event": _w_write_event}),
    "__name": "http.response"})


def _m_request(opts=None, *_):
    c = _ctx_now()
    if c is None:
        return None, _err(INTERNAL, "no HTTP request context")
    max_body = None
    if opts is not None:
        from .runtime.values import TABLE_TYPES
        if type(opts) not in TABLE_TYPES:
            return None, _err(INVALID, "request: options must be a table")
        mb = opts.get("max_body")
        if mb is not None:
            if type(mb) is not int or mb < 0:
                return None, _err(INVALID, "request: max_body must be a non-negative integer")
            max_body = mb
    return LuaRequest(c, max_body)


def _m_response(*_):
    c = _ctx_now()
    if c is None:
        return None, _err(INTERNAL, "no HTTP response context")
    return LuaResponse(c)


_STATUS = {
    "CONTINUE": 100, "SWITCHING_PROTOCOLS": 101,
    "OK": 200, "CREATED": 201, "ACCEPTED": 202, "NO_CONTENT": 204, "PARTIAL_CONTENT": 206,
    "MOVED_PERMANENTLY": 301, "FOUND": 302, "SEE_OTHER": 303, "NOT_MODIFIED": 304,
    "TEMPORARY_REDIRECT": 307, "PERMANENT_REDIRECT": 308,
    "BAD_REQUEST": 400, "UNAUTHORIZED": 401, "PAYMENT_REQUIRED": 402, "FORBIDDEN": 403,
    "NOT_FOUND": 404, "METHOD_NOT_ALLOWED": 405, "NOT_ACCEPTABLE": 406, "CONFLICT": 409,
    "GONE": 410, "PAYLOAD_TOO_LARGE": 413, "UNSUPPORTED_MEDIA_TYPE": 415,
    "UNPROCESSABLE": 422, "TOO_MANY_REQUESTS": 429,
    "INTERNAL_ERROR": 500, "INTERNAL_SERVER_ERROR": 500, "NOT_IMPLEMENTED": 501,
    "BAD_GATEWAY": 502, "SERVICE_UNAVAILABLE": 503, "GATEWAY_TIMEOUT": 504,
    "VERSION_NOT_SUPPORTED": 505,
}

_MODULE = None


def make_http_module():
    global _MODULE
    if _MODULE is None:
        _MODULE = LuaTable({
            "request": _m_request, "response": _m_response,
            "METHOD": LuaTable({m: m for m in METHODS}),
            "STATUS": LuaTable(_STATUS),
            "CONTENT": LuaTable({"JSON": "application/json",
                                 "FORM": "application/x-www-form-urlencoded",
                                 "MULTIPART": "multipart/form-data", "TEXT": "text/plain",
                                 "STREAM": "application/octet-stream", "HTML": "text/html"}),
            "TRANSFER": LuaTable({"CHUNKED": "chunked", "SSE": "sse"}),
            "ERROR": LuaTable({"PARSE_FAILED": "PARSE_FAILED", "INVALID_STATE": "INVALID_STATE",
                               "WRITE_FAILED": "WRITE_FAILED", "STREAM_ERROR": "STREAM_ERROR"}),
        })
    return LuaTable(_MODULE)


def install(app):
    h = HttpHandler(app)
    app.http = h
    app.registry.add_handler(h)
    app.module_factories["http"] = lambda app_, entry: make_http_module()
    app.start_hooks.append(h.start_servers)
    app.stop_hooks.append(h.stop_servers)
