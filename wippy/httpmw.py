"""HTTP middleware, registered by name.

A middleware is a factory ``factory(opts) -> wrap`` where ``opts`` is an
:class:`Options` view of the router's (or static handler's) options for that
middleware, and ``wrap(next_handler) -> handler``; a handler takes the
request context (``wippy.http.HttpContext``) and returns nothing.  A
middleware may answer by itself (set ``ctx.status``, write to ``ctx``) and not
call ``next_handler``; it may also change the request's view
(``ctx.remote_addr``), add response headers (``ctx.headers``) or register a
filter of the final body (``ctx.body_filters``).

Add one with ``@register("name")``; bad options raise ValueError (the
router entry is then rejected).  Option keys are ``name.dotted.key``; the
legacy ``name_dotted_key`` spelling is accepted too.
"""

import gzip
import ipaddress
import logging
import threading
import time

__all__ = ["MIDDLEWARE", "register", "Options", "build_chain", "parse_duration"]

MIDDLEWARE = {}

access_log = logging.getLogger("wippy.http.access")


def register(name):
    def deco(factory):
        MIDDLEWARE[name] = factory
        return factory
    return deco


def parse_duration(v, default):
    from .services import parse_seconds
    return parse_seconds(v, default)


class Options:
    """The options of one middleware: ``get("allow.origins", default)``."""

    def __init__(self, name, options):
        self.name = name
        self.options = options or {}

    def get(self, key, default=None):
        o = self.options
        k = self.name + "." + key
        if k in o:
            return o[k]
        k = self.name + "_" + key.replace(".", "_")
        if k in o:
            return o[k]
        return default

    def str(self, key, default=""):
        v = self.get(key)
        return default if v is None else str(v)

    def bool(self, key, default=False):
        v = self.get(key)
        if v is None:
            return default
        if isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in ("true", "1", "yes", "on"):
            return True
        if s in ("false", "0", "no", "off", ""):
            return False
        raise ValueError("%s.%s: expected a boolean, got %r" % (self.name, key, v))

    def int(self, key, default):
        v = self.get(key)
        if v is None or v == "":
            return default
        try:
            return int(str(v).strip())
        except ValueError:
            raise ValueError("%s.%s: expected an integer, got %r" % (self.name, key, v)) from None

    def duration(self, key, default):
        v = self.get(key)
        try:
            return parse_duration(v, default)
        except ValueError as e:
            raise ValueError("%s.%s: %s" % (self.name, key, e)) from None

    def list(self, key, default=""):
        return [x.strip() for x in self.str(key, default).split(",") if x.strip()]


def build_chain(names, options, final):
    """Wrap ``final`` in the named middleware, the first name outermost.
    Raises ValueError for an unknown name or bad options."""
    if names is None:
        names = []
    if not isinstance(names, list):
        raise ValueError("middleware must be a list of names")
    if options is not None and not isinstance(options, dict):
        raise ValueError("options must be a map")
    wraps = []
    for n in names:
        factory = MIDDLEWARE.get(n)
        if factory is None:
            raise ValueError("unknown middleware %r (available: %s)"
                             % (n, ", ".join(sorted(MIDDLEWARE))))
        wraps.append(factory(Options(n, options)))
    h = final
    for w in reversed(wraps):
        h = w(h)
    return h


# ---------------------------------------------------------------------------
# cors

def _origin_matcher(patterns):
    exact = set()
    wild = []
    any_ = False
    for p in patterns:
        if p == "*":
            any_ = True
        elif "*" in p:
            head, _, tail = p.partition("*")
            wild.append((head.lower(), tail.lower()))
        else:
            exact.add(p.lower())

    def match(origin):
        if any_:
            return True
        o = origin.lower()
        if o in exact:
            return True
        for head, tail in wild:
            if o.startswith(head) and o.endswith(tail) and len(o) > len(head) + len(tail):
                return True
        return False
    return match, any_


@register("cors")
def cors(opts):
    allowed, any_origin = _origin_matcher(opts.list("allow.origins", "*"))
    methods = ", ".join(opts.list("allow.methods", "GET,POST,PUT,DELETE,OPTIONS,PATCH"))
    headers = ", ".join(opts.list("allow.headers",
                                  "Origin,Content-Type,Accept,Authorization,X-Requested-With"))
    expose = ", ".join(opts.list("expose.headers", ""))
    creds = opts.bool("allow.credentials", False)
    max_age = opts.int("max.age", 86400)
    private_net = opts.bool("allow.private.network", False)

    def wrap(nxt):
        def handler(ctx):
            origin = ctx.request.headers.get("Origin")
            if not origin:
                return nxt(ctx)
            ok = allowed(origin)
            preflight = (ctx.request.method == "OPTIONS"
                         and ctx.request.headers.get("Access-Control-Request-Method"))
            h = ctx.headers
            if ok:
                h["Access-Control-Allow-Origin"] = ("*" if any_origin and not creds else origin)
                h.add("Vary", "Origin")
                if creds:
                    h["Access-Control-Allow-Credentials"] = "true"
            if preflight:
                if not ok:
                    ctx.status = 403
                    return
                h["Access-Control-Allow-Methods"] = methods
                h["Access-Control-Allow-Headers"] = headers
                if max_age > 0:
                    h["Access-Control-Max-Age"] = str(max_age)
                if private_net and ctx.request.headers.get(
                        "Access-Control-Request-Private-Network") == "true":
                    h["Access-Control-Allow-Private-Network"] = "true"
                ctx.status = 204
                return
            if ok and expose:
                h["Access-Control-Expose-Headers"] = expose
            return nxt(ctx)
        return handler
    return wrap


# ---------------------------------------------------------------------------
# real_ip

_PRIVATE = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,169.254.0.0/16,::1/128,fc00::/7"


def _nets(cidrs):
    out = []
    for c in cidrs:
        try:
            out.append(ipaddress.ip_network(c, strict=False))
        except ValueError:
            raise ValueError("real_ip.trusted.subnets: bad CIDR %r" % c) from None
    return out


def _ip_of(addr):
    try:
        return ipaddress.ip_address(addr.strip().strip("[]"))
    except ValueError:
        return None


@register("real_ip")
def real_ip(opts):
    nets = _nets(opts.list("trusted.subnets", _PRIVATE))
    trust_all = opts.bool("trust_all", False)

    def trusted(ip):
        return ip is not None and (trust_all or any(ip in n for n in nets))

    def wrap(nxt):
        def handler(ctx):
            peer = _ip_of(ctx.remote_ip)
            if trusted(peer):
                hs = ctx.request.headers
                found = None
                for name in ("True-Client-IP", "X-Real-IP"):
                    v = hs.get(name)
                    if v and _ip_of(v) is not None:
                        found = v.strip()
                        break
                if found is None:
                    xff = hs.get("X-Forwarded-For")
                    if xff:
                        hops = [x.strip() for x in xff.split(",") if _ip_of(x) is not None]
                        # the nearest hop that is not one of our proxies
                        for x in reversed(hops):
                            found = x
                            if not trusted(_ip_of(x)):
                                break
                if found is not None:
                    ctx.remote_ip = found
                    ctx.remote_addr = found
            return nxt(ctx)
        return handler
    return wrap


# ---------------------------------------------------------------------------
# compress

_LEVELS = {"fastest": 1, "default": 6, "best": 9}


@register("compress")
def compress(opts):
    lv = opts.str("level", "default").strip().lower()
    if lv not in _LEVELS:
        try:
            level = int(lv)
        except ValueError:
            raise ValueError("compress.level: expected fastest, default or best") from None
    else:
        level = _LEVELS[lv]
    min_len = opts.int("min.length", 1024)

    def body_filter(ctx, body):
        h = ctx.headers
        if (len(body) < min_len or "Content-Encoding" in h or ctx.status < 200
                or ctx.status in (204, 304)):
            return body
        if "gzip" not in (ctx.request.headers.get("Accept-Encoding") or "").lower():
            return body
        h["Content-Encoding"] = "gzip"
        h.add("Vary", "Accept-Encoding")
        return gzip.compress(body, compresslevel=level, mtime=0)

    def wrap(nxt):
        def handler(ctx):
            ctx.body_filters.append(body_filter)
            return nxt(ctx)
        return handler
    return wrap


# ---------------------------------------------------------------------------
# ratelimit (token bucket per key)

class _Buckets:
    def __init__(self, rate, burst, ttl, max_entries, cleanup):
        self.rate = rate          # tokens per second
        self.burst = burst
        self.ttl = ttl
        self.max_entries = max_entries
        self.cleanup = cleanup
        self.items = {}           # key -> [tokens, last]
        self.lock = threading.Lock()
        self.last_cleanup = time.monotonic()

    def take(self, key):
        now = time.monotonic()
        with self.lock:
            if now - self.last_cleanup >= self.cleanup or len(self.items) >= self.max_entries:
                self.last_cleanup = now
                for k in [k for k, b in self.items.items() if now - b[1] >= self.ttl]:
                    del self.items[k]
                if len(self.items) >= self.max_entries:
                    self.items.clear()
            b = self.items.get(key)
            if b is None:
                b = self.items[key] = [float(self.burst), now]
            else:
                b[0] = min(float(self.burst), b[0] + (now - b[1]) * self.rate)
                b[1] = now
            if b[0] >= 1.0:
                b[0] -= 1.0
                return True
            return False


@register("ratelimit")
def ratelimit(opts):
    requests = opts.int("requests", 100)
    window_s = opts.str("window", "1m")
    window = opts.duration("window", 60.0)
    burst = opts.int("burst", 20)
    key = opts.str("key", "ip")
    if requests <= 0 or window <= 0 or burst <= 0:
        raise ValueError("ratelimit: requests, window and burst must be positive")
    if not (key == "ip" or key.startswith("header:") or key.startswith("query:")):
        raise ValueError("ratelimit.key: expected ip, header:NAME or query:NAME")
    buckets = _Buckets(requests / window, burst, opts.duration("entry_ttl", 600.0),
                       opts.int("max_entries", 100000), opts.duration("cleanup_interval", 300.0))

    def key_of(ctx):
        if key.startswith("header:"):
            return ctx.request.headers.get(key[7:]) or ctx.remote_ip
        if key.startswith("query:"):
            return ctx.request.args.get(key[6:]) or ctx.remote_ip
        return ctx.remote_ip

    def wrap(nxt):
        def handler(ctx):
            if not buckets.take(key_of(ctx)):
                ctx.status = 429
                ctx.headers["X-RateLimit-Limit"] = str(requests)
                ctx.headers["X-RateLimit-Window"] = window_s
                ctx.headers["Content-Type"] = "text/plain; charset=utf-8"
                ctx.write(b"Too Many Requests\n")
                return
            return nxt(ctx)
        return handler
    return wrap


# ---------------------------------------------------------------------------
# request logging

@register("logging")
def request_logging(opts):
    level = logging.getLevelName(opts.str("level", "info").upper())
    if not isinstance(level, int):
        raise ValueError("logging.level: unknown level")

    def wrap(nxt):
        def handler(ctx):
            t0 = time.monotonic()
            try:
                return nxt(ctx)
            finally:
                access_log.log(level, "%s %s %d %.1fms from %s", ctx.request.method,
                               ctx.request.full_path.rstrip("?"), ctx.status,
                               (time.monotonic() - t0) * 1000.0, ctx.remote_ip,
                               extra={"http_method": ctx.request.method,
                                      "http_path": ctx.request.path,
                                      "http_status": ctx.status})
        return handler
    return wrap


@register("otel")
def otel(opts):
    """OpenTelemetry is not available: a no-op, as documented when it is off."""
    return lambda nxt: nxt
