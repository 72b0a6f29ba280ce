"""The examples not covered elsewhere, run with the logging of ``wippy run``:
hello-project through ``-x`` (silent, then with ``-v``), http-api served with
its access log under both encodings."""

import json
import re

from .test_tutorials import Server, free_port, ok, request, stopped_cleanly, wippy


def test_hello_project():
    ok(wippy("hello-project", "-x", "app:hello", "ada"),
       '{"length":3,"message":"hello, Ada"}\n')
    p = ok(wippy("hello-project", "-x", "hello", "ada", "-v"),
           '{"length":3,"message":"hello, Ada"}\n')
    assert "Traceback" not in p.stderr


def _serve_http_api(*flags):
    port = free_port()
    srv = Server("http-api", "-o", "app:gateway:addr=127.0.0.1:%d" % port, *flags)
    srv.wait_for("listening on 127.0.0.1:%d" % port)
    try:
        st, _, data = request(port, "GET", "/api/hello/ada")
        assert st == 200 and json.loads(data)["message"] == "hello, ada"
        st, _, data = request(port, "POST", "/api/echo", {"a": [1, 2]})
        assert st == 200 and json.loads(data) == {"received": {"a": [1, 2]}}
        srv.wait_for("/api/echo")
    finally:
        out = stopped_cleanly(srv)
    return out


def test_http_api_console_log():
    out = _serve_http_api()
    assert re.search(r"^\d\d:\d\d:\d\d\.\d{3} INFO  http\.access +GET /api/hello/ada 200 ",
                     out, re.M), out
    assert re.search(r" INFO  http\.access +POST /api/echo 200 ", out), out


def test_http_api_json_log():
    out = _serve_http_api("--set", "logger.encoding=json")
    recs = [json.loads(line) for line in out.splitlines()]
    assert all({"level", "ts", "logger", "msg"} <= set(r) for r in recs), recs
    access = [r["msg"] for r in recs if r["logger"] == "http.access"]
    assert [m.split(" 200 ")[0] for m in access] == ["GET /api/hello/ada", "POST /api/echo"]
    assert any(r["msg"] == "stopping" for r in recs)
