"""examples/tasks-api: the JSON API over SQLite, run as users run it -- `wippy run`
in a subprocess (and under gunicorn with two gevent workers) on a copy of the
example, exercised with real HTTP requests."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(REPO, "examples", "tasks-api")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([REPO] + [p for p in e.get("PYTHONPATH", "").split(
        os.pathsep) if p])
    return e


def copy_example(tmp_path):
    root = str(tmp_path / "tasks-api")
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("data", ".wippy"))
    return root


def request(port, method, path, body=None, headers=None, timeout=10):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        headers = dict(headers or {}, **{"Content-Type": "application/json"})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
    finally:
        c.close()
    return r.status, r, data


def wait_ready(p, port, timeout=30):
    """Until GET /api/tasks answers 200 (the listener is up and the migration ran)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            st, _, _ = request(port, "GET", "/api/tasks", timeout=2)
            if st == 200:
                return
        except OSError:
            pass
        if p.poll() is not None:
            raise AssertionError("server exited early:\n" + p.stdout.read().decode(
                errors="replace"))
        if time.monotonic() > deadline:
            raise AssertionError("server did not become ready")
        time.sleep(0.1)


def stop(p, timeout=20):
    """SIGTERM; (exit status, output). Kills it if it does not stop."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        raise AssertionError("server did not stop on SIGTERM:\n" + out.decode(errors="replace"))
    return p.returncode, out.decode(errors="replace")


@pytest.fixture(scope="module")
def wippy_server(tmp_path_factory):
    root = copy_example(tmp_path_factory.mktemp("tasks"))
    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "wippy", "run", "-C", root,
                          "-o", "app:gateway:addr=127.0.0.1:%d" % port],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env())
    try:
        wait_ready(p, port)
        yield root, port, p
    finally:
        code, out = stop(p)
    assert code == 0, out
    assert "Traceback" not in out, out
    assert "migrations: 1 found, 1 applied" in out, out
    assert "stopping" in out


def test_create_list_get(wippy_server):
    root, port, _ = wippy_server
    st, r, data = request(port, "POST", "/api/tasks", {"title": "write tests",
                                                        "description": "all routes"})
    assert st == 201 and r.getheader("Content-Type") == "application/json"
    t = json.loads(data)
    assert t["title"] == "write tests" and t["description"] == "all routes"
    assert t["done"] is False and isinstance(t["id"], int) and t["created_at"]
    assert r.getheader("Location") == "/api/tasks/%d" % t["id"]
    st, _, data = request(port, "POST", "/api/tasks", {"title": "ship", "done": True})
    t2 = json.loads(data)
    assert st == 201 and t2["done"] is True and t2["description"] == ""

    st, r, data = request(port, "GET", "/api/tasks")
    assert st == 200 and r.getheader("Content-Type") == "application/json"
    d = json.loads(data)
    ids = [x["id"] for x in d["tasks"]]
    assert t["id"] in ids and t2["id"] in ids and d["count"] == len(d["tasks"])
    st, _, data = request(port, "GET", "/api/tasks?done=true")
    assert [x["id"] for x in json.loads(data)["tasks"]] == [t2["id"]]

    st, r, data = request(port, "GET", "/api/tasks/%d" % t["id"])
    assert st == 200 and json.loads(data) == t and r.getheader("X-Cache") == "MISS"
    st, r, data = request(port, "GET", "/api/tasks/%d" % t["id"])
    assert st == 200 and json.loads(data) == t and r.getheader("X-Cache") == "HIT"
    # the database file is in the project copy
    assert os.path.isfile(os.path.join(root, "data", "tasks.db"))


def test_update_invalidates_the_cache(wippy_server):
    _, port, _ = wippy_server
    t = json.loads(request(port, "POST", "/api/tasks", {"title": "old"})[2])
    path = "/api/tasks/%d" % t["id"]
    request(port, "GET", path)
    assert request(port, "GET", path)[1].getheader("X-Cache") == "HIT"
    st, r, data = request(port, "PUT", path, {"title": "new", "done": True,
                                              "description": "changed"})
    u = json.loads(data)
    assert st == 200 and r.getheader("Content-Type") == "application/json"
    assert (u["id"], u["title"], u["done"], u["description"]) == (t["id"], "new", True,
                                                                  "changed")
    st, r, data = request(port, "GET", path)
    assert st == 200 and r.getheader("X-Cache") == "MISS"
    assert json.loads(data)["title"] == "new" and json.loads(data)["done"] is True
    assert request(port, "GET", path)[1].getheader("X-Cache") == "HIT"


def test_delete(wippy_server):
    _, port, _ = wippy_server
    t = json.loads(request(port, "POST", "/api/tasks", {"title": "doomed"})[2])
    path = "/api/tasks/%d" % t["id"]
    assert request(port, "GET", path)[0] == 200          # cached now
    st, r, data = request(port, "DELETE", path)
    assert st == 204 and data == b"" and r.getheader("Content-Length") in (None, "0")
    st, r, data = request(port, "GET", path)
    assert st == 404 and json.loads(data) == {"error": "task not found"}
    assert r.getheader("Content-Type") == "application/json"
    assert request(port, "DELETE", path)[0] == 404
    assert t["id"] not in [x["id"] for x in json.loads(request(port, "GET", "/api/tasks")[2])
                           ["tasks"]]


def test_missing_tasks_are_404(wippy_server):
    _, port, _ = wippy_server
    for method, body in (("GET", None), ("PUT", {"title": "x"}), ("DELETE", None)):
        for tid in ("999999", "0", "-1", "abc", "1.5"):
            st, r, data = request(port, method, "/api/tasks/" + tid, body)
            assert st == 404, (method, tid, data)
            assert json.loads(data) == {"error": "task not found"}


def test_bad_bodies_are_400(wippy_server):
    _, port, _ = wippy_server
    t = json.loads(request(port, "POST", "/api/tasks", {"title": "keep"})[2])
    jh = {"Content-Type": "application/json"}
    bad = [b"{not json", b"", b"[1, 2]", b'"title"', b"{}", b'{"title": ""}',
           b'{"title": "   "}', b'{"title": 5}', b'{"title": "x", "done": "yes"}',
           b'{"title": "x", "description": 1}', b'{"title": "\xff"}']
    for method, path in (("POST", "/api/tasks"), ("PUT", "/api/tasks/%d" % t["id"])):
        for body in bad:
            st, r, data = request(port, method, path, body, jh)
            assert st == 400, (method, body, data)
            assert r.getheader("Content-Type") == "application/json"
            assert json.loads(data)["error"]
    st, _, data = request(port, "POST", "/api/tasks", b"{oops", jh)
    assert json.loads(data)["error"].startswith("invalid JSON body")
    st, _, data = request(port, "POST", "/api/tasks", {"description": "no title"})
    assert json.loads(data)["error"].startswith("title is required")
    # nothing was changed by the rejected update
    assert json.loads(request(port, "GET", "/api/tasks/%d" % t["id"])[2])["title"] == "keep"
    # over max_body (64 KiB)
    st, _, _ = request(port, "POST", "/api/tasks", b'{"title": "' + b"x" * 70000 + b'"}', jh)
    assert st == 413


def test_text_is_stored_verbatim(wippy_server):
    _, port, _ = wippy_server
    title = "Robert'); DROP TABLE tasks; -- é ☃ \"q\" \\ %s ?"
    st, _, data = request(port, "POST", "/api/tasks", {"title": title})
    t = json.loads(data)
    assert st == 201 and t["title"] == title
    assert json.loads(request(port, "GET", "/api/tasks/%d" % t["id"])[2])["title"] == title
    assert request(port, "GET", "/api/tasks")[0] == 200       # the table is still there


def test_routes_and_methods(wippy_server):
    _, port, _ = wippy_server
    assert request(port, "GET", "/api/nothing")[0] == 404
    assert request(port, "GET", "/")[0] == 404
    st, r, _ = request(port, "PATCH", "/api/tasks")
    assert st == 405 and set(r.getheader("Allow").split(", ")) >= {"GET", "POST"}
    st, r, _ = request(port, "POST", "/api/tasks/1")
    assert st == 405 and set(r.getheader("Allow").split(", ")) >= {"GET", "PUT", "DELETE"}


def test_stats_count_requests(wippy_server):
    _, port, _ = wippy_server

    def stats():
        st, r, data = request(port, "GET", "/api/stats")
        assert st == 200 and r.getheader("Content-Type") == "application/json"
        return json.loads(data)
    before = stats()
    assert before["requests"] >= 1 and before["routes"]["stats"] >= 1
    t = json.loads(request(port, "POST", "/api/tasks", {"title": "counted"})[2])
    request(port, "GET", "/api/tasks/%d" % t["id"])
    request(port, "GET", "/api/tasks")
    request(port, "GET", "/api/tasks/999999")            # a 404 from a handler counts
    request(port, "PATCH", "/api/tasks")                 # the router's 405 does not
    after = stats()
    assert after["requests"] == before["requests"] + 5    # four + this stats request
    for route, n in (("create", 1), ("get", 2), ("list", 1), ("stats", 1)):
        assert after["routes"][route] == before["routes"].get(route, 0) + n, route


def test_gunicorn_two_workers(tmp_path):
    pytest.importorskip("gunicorn")
    root = copy_example(tmp_path)
    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "2",
                          "--graceful-timeout", "5", "--bind", "127.0.0.1:%d" % port,
                          "wippy.wsgi:application(root=%r, eager=True)" % root],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env())
    try:
        wait_ready(p, port)
        made = []
        for i in range(6):
            st, r, data = request(port, "POST", "/api/tasks", {"title": "g%d" % i})
            assert st == 201 and r.getheader("Content-Type") == "application/json", data
            made.append(json.loads(data)["id"])
        assert len(set(made)) == 6                       # one database file for both workers
        st, _, data = request(port, "GET", "/api/tasks")
        assert st == 200 and [t["id"] for t in json.loads(data)["tasks"]] == made
        st, _, data = request(port, "GET", "/api/tasks/%d" % made[0])
        assert st == 200 and json.loads(data)["title"] == "g0"
        assert request(port, "POST", "/api/tasks", b"{bad", {"Content-Type":
                                                              "application/json"})[0] == 400
        st, _, data = request(port, "GET", "/api/stats")
        assert st == 200 and json.loads(data)["requests"] >= 1    # per worker
        assert request(port, "GET", "/api/nope")[0] == 404
    finally:
        code, out = stop(p, timeout=30)
    assert code == 0, out
    assert "Traceback" not in out, out
