"""HTTP: http.* kinds, the http module, middleware, static files, runtime
routing changes and gunicorn -- all with real requests on 127.0.0.1."""

import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from wippy.app import App
from wippy.registry import Entry

from .projects import LOCK, write  # noqa: F401



INDEX = """
namespace: app
entries:
  - name: gw
    kind: http.service
    addr: "127.0.0.1:0"
    max_body: 4096
    lifecycle: {auto_start: true}
  - name: api
    kind: http.router
    meta: {server: gw}
    prefix: /api
  - name: mw
    kind: http.router
    meta: {server: gw}
    prefix: /mw
    middleware: [real_ip, cors, compress, ratelimit, logging]
    options:
      cors.allow.origins: "https://app.example.com,*.good.org"
      cors.allow.credentials: "true"
      cors.expose.headers: "X-Total"
      compress.min.length: "100"
      ratelimit.requests: "3"
      ratelimit.window: "1m"
      ratelimit.burst: "3"
      ratelimit.key: "header:X-Key"
      real_ip.trusted.subnets: "127.0.0.0/8"
  - name: files
    kind: fs.directory
    directory: ./public
  - name: spa
    kind: http.static
    meta: {server: gw}
    path: /
    fs: files
    static_options: {spa: true, index: index.html, cache: "public, max-age=60"}
  - name: assets
    kind: http.static
    meta: {server: gw}
    path: /assets
    fs: files
  - name: h
    kind: function.lua
    source: file://h.lua
    method: echo
    modules: [http, json, time, funcs]
  - name: slow
    kind: function.lua
    source: file://h.lua
    method: slow
    modules: [http, json, time, funcs]
  - name: twice
    kind: function.lua
    method: main
    source: |
      return {main = function(n) return n * 2 end}
  - name: boom
    kind: function.lua
    source: file://h.lua
    method: boom
    modules: [http]
  - name: badjson
    kind: function.lua
    source: file://h.lua
    method: badjson
    modules: [http]
  - name: stream
    kind: function.lua
    source: file://h.lua
    method: stream
    modules: [http, time]
  - name: sse
    kind: function.lua
    source: file://h.lua
    method: sse
    modules: [http, time]
  - name: resp
    kind: function.lua
    source: file://h.lua
    method: resp
    modules: [http]
  - name: big
    kind: function.lua
    source: file://h.lua
    method: big
    modules: [http]
  - name: limited
    kind: function.lua
    source: file://h.lua
    method: limited
    modules: [http]
  - {name: e_echo, kind: http.endpoint, meta: {router: api}, method: POST,
     path: "/items/{kind}/{id}", func: h}
  - {name: e_echo_get, kind: http.endpoint, meta: {router: api}, method: GET,
     path: "/items/{kind}/{id}", func: h}
  - {name: e_tail, kind: http.endpoint, meta: {router: api}, method: GET,
     path: "/files/{rest...}", func: h}
  - {name: e_slow, kind: http.endpoint, meta: {router: api}, method: GET, path: /slow, func: slow}
  - {name: e_boom, kind: http.endpoint, meta: {router: api}, method: GET, path: /boom, func: boom}
  - {name: e_badjson, kind: http.endpoint, meta: {router: api}, method: POST, path: /json,
     func: badjson}
  - {name: e_stream, kind: http.endpoint, meta: {router: api}, method: GET, path: /stream,
     func: stream}
  - {name: e_sse, kind: http.endpoint, meta: {router: api}, method: GET, path: /sse, func: sse}
  - {name: e_resp, kind: http.endpoint, meta: {router: api}, method: GET, path: /resp,
     func: resp}
  - {name: e_limited, kind: http.endpoint, meta: {router: api}, method: POST, path: /limited,
     func: limited}
  - {name: m_big, kind: http.endpoint, meta: {router: mw}, method: GET, path: /big, func: big}
  - {name: m_echo, kind: http.endpoint, meta: {router: mw}, method: GET, path: /echo, func: h}
"""

H_LUA = r"""
local function echo()
  local req, err = http.request()
  local res = http.response()
  local out = {
    method = req:method(), path = req:path(), kind = req:param("kind"), id = req:param("id"),
    rest = req:param("rest"), params = req:params(), q = req:query("q"), missing = req:query("zz"),
    qp = req:query_params(), ua = req:header("x-test"), ct = req:content_type(),
    cl = req:content_length(), host = req:host(), remote = req:remote_addr(),
    has_body = req:has_body(), is_json = req:is_content_type("application/json"),
    accepts_json = req:accepts("application/json"),
  }
  if req:has_body() then
    out.body = req:body()
    if req:is_content_type("application/json") then
      out.json = req:body_json()
    elseif req:is_content_type("application/x-www-form-urlencoded") then
      out.form = req:form()
    end
  end
  out.doubled = funcs.call("app:twice", 21)
  res:set_header("X-Handler", "echo")
  res:set_status(http.STATUS.CREATED)
  res:write_json(out)
end

local function slow()
  local res = http.response()
  time.sleep("300ms")
  res:write("slept")
end

local function boom()
  local res = http.response()
  res:write("partial")
  error("kaboom")
end

local function badjson()
  local req = http.request()
  local res = http.response()
  local data, err = req:body_json()
  if err then
    res:set_status(http.STATUS.BAD_REQUEST)
    return res:write_json({error = err:message(), kind = err:kind()})
  end
  res:write_json(data)
end

local function stream()
  local res = http.response()
  res:set_content_type("text/plain")
  res:set_transfer(http.TRANSFER.CHUNKED)
  for i = 1, 3 do
    res:write("chunk" .. i .. "\n")
    assert(res:flush() == nil)
    time.sleep("200ms")
  end
  -- headers are gone now
  local e = res:set_status(500)
  res:write("late:" .. tostring(e ~= nil) .. "\n")
end

local function sse()
  local res = http.response()
  res:write_event({name = "status", data = {state = "started"}})
  time.sleep("200ms")
  res:write_event({name = "progress", data = {percent = 50}})
  res:write_event({name = "done", data = "bye"})
end

local function resp()
  local res = http.response()
  local results = {}
  results[#results + 1] = tostring(res:set_status(999999))
  results[#results + 1] = tostring(res:set_header("X-A", "1") == nil)
  results[#results + 1] = tostring(res:set_content_type("text/csv") == nil)
  results[#results + 1] = tostring(res:write({}) ~= nil)
  results[#results + 1] = tostring(res:write_json({a = function() end}) ~= nil)
  results[#results + 1] = tostring(res:set_transfer("nope") ~= nil)
  results[#results + 1] = tostring(res:set_status(202) == nil)
  res:write(table.concat(results, ","))
end

local function big()
  local res = http.response()
  res:set_header("X-Total", "7")
  res:write(string.rep("abcdefghij", 100))
end

local function limited()
  local req = http.request({max_body = 10})
  local res = http.response()
  local b, err = req:body()
  if err then
    res:set_status(400)
    return res:write(err:kind() .. ":" .. err:message())
  end
  res:write(b)
end

return {echo = echo, slow = slow, boom = boom, badjson = badjson, stream = stream, sse = sse,
        resp = resp, big = big, limited = limited}
"""


def make_project(root):
    write(root, "wippy.lock", LOCK)
    write(root, "src/app/_index.yaml", INDEX)
    write(root, "src/app/h.lua", H_LUA)
    write(root, "public/index.html", "<html>spa</html>")
    write(root, "public/app.js", "console.log(1)")
    write(root, "public/css/site.css", "body{}")
    return str(root)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("httpproj"))
    app = App.open(root)
    app.start()
    host, port = app.http.address("app:gw")
    yield app, port
    app.stop(timeout=5)
    app.close()


def request(port, method, path, body=None, headers=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r, data


def test_route_params_and_request_methods(server):
    app, port = server
    st, r, data = request(port, "POST", "/api/items/book/42?q=hi&t=a&t=b",
                          body=json.dumps({"x": [1, 2], "s": "é"}),
                          headers={"Content-Type": "application/json", "X-Test": "yes",
                                   "Accept": "application/json"})
    assert st == 201, data
    assert r.getheader("X-Handler") == "echo"
    assert r.getheader("Content-Type") == "application/json"
    d = json.loads(data)
    assert d["method"] == "POST" and d["path"] == "/api/items/book/42"
    assert d["kind"] == "book" and d["id"] == "42"
    assert d["params"] == {"kind": "book", "id": "42"}
    assert d["q"] == "hi" and "missing" not in d
    assert d["qp"] == {"q": "hi", "t": "a,b"}
    assert d["ua"] == "yes" and d["ct"] == "application/json"
    assert d["cl"] == len(json.dumps({"x": [1, 2], "s": "é"}).encode())
    assert d["host"] == "127.0.0.1:%d" % port
    assert d["remote"].startswith("127.0.0.1:")
    assert d["has_body"] is True and d["is_json"] is True and d["accepts_json"] is True
    assert d["json"] == {"x": [1, 2], "s": "é"}
    assert d["doubled"] == 42


def test_form_get_tail_and_trailing_slash(server):
    app, port = server
    st, r, data = request(port, "POST", "/api/items/a/b", body="x=1&y=%C3%A9&x=2",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    d = json.loads(data)
    assert d["form"] == {"x": "1,2", "y": "é"}
    st, r, data = request(port, "GET", "/api/items/a/b/")
    assert st == 201 and json.loads(data)["has_body"] is False
    st, r, data = request(port, "GET", "/api/files/docs/guide/readme.md")
    d = json.loads(data)
    assert st == 201 and d["path"] == "/api/files/docs/guide/readme.md"
    assert "rest" not in d and d["params"] == []


def test_errors_404_405_413_400_500(server):
    app, port = server
    assert request(port, "GET", "/api/nothing")[0] == 404
    st, r, _ = request(port, "DELETE", "/api/items/a/b")
    assert st == 405 and set(r.getheader("Allow").split(", ")) >= {"GET", "POST"}
    st, r, _ = request(port, "POST", "/api/items/a/b", body=b"x" * 5000)
    assert st == 413
    st, r, data = request(port, "POST", "/api/json", body=b"{bad json",
                          headers={"Content-Type": "application/json"})
    assert st == 400 and json.loads(data)["kind"] == "Invalid"
    st, r, data = request(port, "POST", "/api/json", body=b'{"a": 1}')
    assert st == 200 and json.loads(data) == {"a": 1}
    st, r, data = request(port, "GET", "/api/boom")
    assert st == 500 and b"partial" not in data
    # the server is still fine
    assert request(port, "GET", "/api/items/a/b")[0] == 201
    st, r, data = request(port, "POST", "/api/limited", body=b"0123456789abc")
    assert st == 400 and data.startswith(b"Invalid:")
    st, r, data = request(port, "POST", "/api/limited", body=b"short")
    assert st == 200 and data == b"short"


def test_response_method_errors(server):
    app, port = server
    st, r, data = request(port, "GET", "/api/resp")
    assert st == 202
    assert r.getheader("Content-Type") == "text/csv" and r.getheader("X-A") == "1"
    parts = data.decode().split(",")
    assert parts[0].startswith("set_status") or "invalid" in parts[0]
    assert parts[1:] == ["true"] * 6


def test_concurrent_requests_do_not_block(server):
    app, port = server
    out = {}

    def slow():
        t = time.monotonic()
        out["slow"] = request(port, "GET", "/api/slow")[2]
        out["slow_t"] = time.monotonic() - t
    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.05)
    t = time.monotonic()
    st, _, _ = request(port, "GET", "/api/items/a/b")
    fast = time.monotonic() - t
    th.join()
    assert st == 201 and fast < 0.25
    assert out["slow"] == b"slept" and out["slow_t"] >= 0.3


def test_streaming_is_incremental(server):
    app, port = server
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/api/stream")
    r = c.getresponse()
    assert r.status == 200 and r.getheader("Transfer-Encoding") == "chunked"
    t0 = time.monotonic()
    first = r.readline()
    t_first = time.monotonic() - t0
    rest = r.read()
    total = time.monotonic() - t0
    assert first == b"chunk1\n" and t_first < 0.15 and total >= 0.35
    assert rest == b"chunk2\nchunk3\nlate:true\n"


def test_sse(server):
    app, port = server
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/api/sse")
    r = c.getresponse()
    assert r.getheader("Content-Type") == "text/event-stream"
    assert r.getheader("Cache-Control") == "no-cache"
    lines = [r.readline(), r.readline(), r.readline()]
    assert lines == [b"event: status\n", b'data: {"state":"started"}\n', b"\n"]
    rest = r.read().decode()
    assert rest == ('event: progress\ndata: {"percent":50}\n\n'
                    'event: done\ndata: "bye"\n\n')


def test_static_and_spa(server):
    app, port = server
    st, r, data = request(port, "GET", "/app.js")
    assert st == 200 and data == b"console.log(1)"
    assert r.getheader("Cache-Control") == "public, max-age=60"
    assert "javascript" in r.getheader("Content-Type")
    st, r, data = request(port, "GET", "/users/123")
    assert st == 200 and data == b"<html>spa</html>"
    st, r, data = request(port, "GET", "/")
    assert st == 200 and data == b"<html>spa</html>"
    st, r, data = request(port, "GET", "/assets/css/site.css")
    assert st == 200 and data == b"body{}" and r.getheader("Content-Type").startswith("text/css")
    assert request(port, "GET", "/assets/nope.css")[0] == 404
    assert request(port, "GET", "/assets/../../wippy.lock")[0] == 404
    assert request(port, "POST", "/app.js")[0] == 405


def test_cors(server):
    app, port = server
    st, r, _ = request(port, "OPTIONS", "/mw/echo", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
        "X-Key": "cors1"})
    assert st == 204
    assert r.getheader("Access-Control-Allow-Origin") == "https://app.example.com"
    assert "POST" in r.getheader("Access-Control-Allow-Methods")
    assert r.getheader("Access-Control-Max-Age") == "86400"
    assert r.getheader("Access-Control-Allow-Credentials") == "true"
    st, r, _ = request(port, "GET", "/mw/echo", headers={"Origin": "https://x.good.org",
                                                         "X-Key": "cors2"})
    assert st == 201 and r.getheader("Access-Control-Allow-Origin") == "https://x.good.org"
    assert r.getheader("Access-Control-Expose-Headers") == "X-Total"
    st, r, _ = request(port, "GET", "/mw/echo", headers={"Origin": "https://evil.com",
                                                         "X-Key": "cors3"})
    assert st == 201 and r.getheader("Access-Control-Allow-Origin") is None
    st, r, _ = request(port, "OPTIONS", "/mw/echo", headers={
        "Origin": "https://evil.com", "Access-Control-Request-Method": "GET", "X-Key": "cors4"})
    assert st == 403


def test_compress(server):
    app, port = server
    st, r, data = request(port, "GET", "/mw/big", headers={"Accept-Encoding": "gzip",
                                                            "X-Key": "gz1"})
    assert st == 200 and r.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(data) == b"abcdefghij" * 100
    st, r, data = request(port, "GET", "/mw/big", headers={"X-Key": "gz2"})
    assert r.getheader("Content-Encoding") is None and len(data) == 1000
    st, r, data = request(port, "GET", "/mw/nope", headers={"Accept-Encoding": "gzip",
                                                             "X-Key": "gz3"})
    assert st == 404 and r.getheader("Content-Encoding") is None   # shorter than min.length


def test_ratelimit(server):
    app, port = server
    codes = [request(port, "GET", "/mw/echo", headers={"X-Key": "rl"})[0] for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    st, r, _ = request(port, "GET", "/mw/echo", headers={"X-Key": "rl"})
    assert st == 429 and r.getheader("X-RateLimit-Limit") == "3"
    assert r.getheader("X-RateLimit-Window") == "1m"
    assert request(port, "GET", "/mw/echo", headers={"X-Key": "other"})[0] == 201


def test_real_ip_and_logging(server, caplog):
    app, port = server
    import logging
    caplog.set_level(logging.INFO, logger="wippy.http.access")
    st, r, data = request(port, "GET", "/mw/echo?z=1", headers={
        "X-Forwarded-For": "203.0.113.7, 127.0.0.1", "X-Key": "rip"})
    assert json.loads(data)["remote"] == "203.0.113.7"
    st, r, data = request(port, "GET", "/mw/echo", headers={"X-Real-IP": "198.51.100.2",
                                                             "X-Key": "rip2"})
    assert json.loads(data)["remote"] == "198.51.100.2"
    msgs = [rec.getMessage() for rec in caplog.records if rec.name == "wippy.http.access"]
    assert any("GET /mw/echo?z=1 201" in m and "203.0.113.7" in m for m in msgs), msgs


def test_registry_changes_at_runtime(server):
    app, port = server
    assert request(port, "GET", "/api/new")[0] == 404
    app.registry.apply([("create", Entry("app:e_new", "http.endpoint", {"router": "app:api"},
                                         {"method": "GET", "path": "/new",
                                          "func": "app:big"}))])
    st, r, data = request(port, "GET", "/api/new")
    assert st == 200 and data == b"abcdefghij" * 100
    app.registry.apply([("delete", "app:e_new")])
    assert request(port, "GET", "/api/new")[0] == 404
    # a bad endpoint is rejected
    from wippy.registry import ChangeRejected
    with pytest.raises(ChangeRejected):
        app.registry.apply([("create", Entry("app:e_bad", "http.endpoint", {"router": "app:api"},
                                             {"method": "FETCH", "path": "/x",
                                              "func": "app:big"}))])
    with pytest.raises(ChangeRejected):
        app.registry.apply([("create", Entry("app:r_bad", "http.router", {"server": "app:gw"},
                                             {"middleware": ["nonexistent"]}))])


def test_http_outside_request(tmp_path):
    write(tmp_path, "wippy.lock", LOCK)
    write(tmp_path, "src/app/_index.yaml", """
        namespace: app
        entries:
          - name: f
            kind: function.lua
            modules: [http]
            method: main
            source: |
              return {main = function()
                local r, err = http.request()
                return tostring(r) .. ":" .. err:kind() .. ":" .. http.STATUS.NOT_FOUND
              end}
        """)
    app = App.open(str(tmp_path))
    try:
        assert app.call("app:f") == ("nil:Internal:404",)
    finally:
        app.close()


# every constant wippy-docs lua/http/http.md lists, with its value
DOC_CONSTANTS = {
    "METHOD": {m: m for m in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")},
    "STATUS": {
        "OK": 200, "CREATED": 201, "ACCEPTED": 202, "NO_CONTENT": 204, "PARTIAL_CONTENT": 206,
        "MOVED_PERMANENTLY": 301, "FOUND": 302, "SEE_OTHER": 303, "NOT_MODIFIED": 304,
        "TEMPORARY_REDIRECT": 307, "PERMANENT_REDIRECT": 308,
        "BAD_REQUEST": 400, "UNAUTHORIZED": 401, "PAYMENT_REQUIRED": 402, "FORBIDDEN": 403,
        "NOT_FOUND": 404, "METHOD_NOT_ALLOWED": 405, "NOT_ACCEPTABLE": 406, "CONFLICT": 409,
        "GONE": 410, "UNPROCESSABLE": 422, "TOO_MANY_REQUESTS": 429,
        "INTERNAL_ERROR": 500, "INTERNAL_SERVER_ERROR": 500, "NOT_IMPLEMENTED": 501,
        "BAD_GATEWAY": 502, "SERVICE_UNAVAILABLE": 503, "GATEWAY_TIMEOUT": 504,
        "VERSION_NOT_SUPPORTED": 505},
    "CONTENT": {"JSON": "application/json", "FORM": "application/x-www-form-urlencoded",
                "MULTIPART": "multipart/form-data", "TEXT": "text/plain",
                "STREAM": "application/octet-stream"},
    "TRANSFER": {"CHUNKED": "chunked", "SSE": "sse"},
    "ERROR": {k: k for k in ("PARSE_FAILED", "INVALID_STATE", "WRITE_FAILED", "STREAM_ERROR")},
}


def test_http_constants_as_documented(tmp_path):
    write(tmp_path, "wippy.lock", LOCK)
    write(tmp_path, "src/app/_index.yaml", """
        namespace: app
        entries:
          - name: f
            kind: function.lua
            modules: [http, json]
            method: main
            source: |
              local http = require("http")
              return {main = function()
                local out = {}
                for _, group in ipairs({"METHOD", "STATUS", "CONTENT", "TRANSFER", "ERROR"}) do
                  out[group] = {}
                  for k, v in pairs(http[group]) do out[group][k] = v end
                end
                -- the constants are usable where the API takes them
                assert(http.STATUS.INTERNAL_ERROR == http.STATUS.INTERNAL_SERVER_ERROR)
                return json.encode(out)
              end}
        """)
    app = App.open(str(tmp_path))
    try:
        got = json.loads(app.call("app:f")[0])
    finally:
        app.close()
    for group, consts in DOC_CONSTANTS.items():
        for name, value in consts.items():
            assert got[group].get(name) == value, (group, name)


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def test_gunicorn(tmp_path):
    pytest.importorskip("gunicorn")
    root = make_project(tmp_path)
    port = _free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))] + env.get("PYTHONPATH", "").split(os.pathsep))
    p = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "2",
                          "--graceful-timeout", "5", "--bind", "127.0.0.1:%d" % port,
                          "wippy.wsgi:application(root=%r)" % root],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                st, r, data = request(port, "GET", "/api/items/x/7?q=g")
                break
            except OSError:
                if time.monotonic() > deadline or p.poll() is not None:
                    raise
                time.sleep(0.2)
        assert st == 201 and json.loads(data)["id"] == "7"
        assert json.loads(data)["doubled"] == 42
        st, r, data = request(port, "GET", "/users/1")
        assert st == 200 and data == b"<html>spa</html>"
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/api/sse")
        r = c.getresponse()
        assert r.readline() == b"event: status\n"
        c.close()
        assert request(port, "GET", "/api/boom")[0] == 500
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            out, _ = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            raise AssertionError("gunicorn did not stop:\n" + out.decode(errors="replace"))
    text = out.decode(errors="replace")
    assert p.returncode == 0, text
    assert "Traceback" not in text, text
