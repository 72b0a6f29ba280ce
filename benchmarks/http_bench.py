"""HTTP figures (issue 6): a Lua endpoint served by gunicorn next to Flask
doing the same work, in the same run on the same machine.

A small project is generated in a temp dir: an ``http.service``, a router
at ``/api`` and two GET endpoints --

- ``/api/hello``: ``res:write_json{...}`` of a small object;
- ``/api/item/{id}``: one SQLite read (``db:query("SELECT ... WHERE id = ?",
  {id})`` on a ``db.sql.sqlite`` file database of a few rows) returned as
  JSON;

and a Flask module with the same two handlers (``sqlite3`` on the same file,
one connection per worker).  Each runs under ``gunicorn -k gevent -w 1``
and is measured with ``wrk -t1 -c50 -d10s --latency`` (5 s with
``--quick``) after a warm-up: requests/s, p50 and p99.  The Lua JSON
endpoint is also measured under ``wippy run -C DIR`` (the dev server,
gevent's WSGIServer).

Usage::

    python -m benchmarks.http_bench            # 10 s per wrk run
    python -m benchmarks.http_bench --quick    # 5 s per wrk run

Targets are reported (met / MISSED), never asserted: exit status 0 unless a
server failed to start or wrk failed.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ROWS = [(1, "ada", 36.5, 3), (2, "grace", 85.0, 7), (3, "linus", 54.25, 1),
        (4, "barbara", 72.0, 4), (5, "ken", 80.5, 9)]

PROJECT = """\
namespace: app
entries:
  - name: db
    kind: db.sql.sqlite
    file: data/bench.db

  - name: gateway
    kind: http.service
    addr: "127.0.0.1:{port}"
    lifecycle: {{auto_start: true}}

  - name: api
    kind: http.router
    meta: {{server: gateway}}
    prefix: /api

  - name: hello
    kind: function.lua
    method: main
    modules: [http]
    source: |
      return {{main = function()
        local res = http.response()
        res:write_json({{message = "hello, world", n = 42, ok = true}})
      end}}

  - name: item
    kind: function.lua
    method: main
    modules: [http, sql]
    source: |
      return {{main = function()
        local req = http.request()
        local res = http.response()
        local id = tonumber(req:param("id"))
        local db, err = sql.get("app:db")
        if err then
          res:set_status(500)
          return res:write_json({{error = tostring(err)}})
        end
        local rows, qerr = db:query("SELECT id, name, score, n FROM items WHERE id = ?", {{id}})
        if qerr then
          res:set_status(500)
          return res:write_json({{error = tostring(qerr)}})
        end
        local row = rows[1]
        if not row then
          res:set_status(404)
          return res:write_json({{error = "not found"}})
        end
        res:write_json(row)
      end}}

  - {{name: get_hello, kind: http.endpoint, meta: {{router: api}}, method: GET,
     path: /hello, func: hello}}
  - {{name: get_item, kind: http.endpoint, meta: {{router: api}}, method: GET,
     path: "/item/{{id}}", func: item}}
"""

FLASK_APP = """\
import os
import sqlite3
from flask import Flask, jsonify

app = Flask(__name__)
DB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "bench.db")
_conn = None


def conn():
    global _conn
    if _conn is None:           # one connection per worker, opened after the fork
        _conn = sqlite3.connect(DB, check_same_thread=False)
    return _conn


@app.get("/api/hello")
def hello():
    return jsonify(message="hello, world", n=42, ok=True)


@app.get("/api/item/<int:id>")
def item(id):
    cur = conn().execute("SELECT id, name, score, n FROM items WHERE id = ?", (id,))
    row = cur.fetchone()
    if row is None:
        return jsonify(error="not found"), 404
    return jsonify(dict(zip(("id", "name", "score", "n"), row)))
"""


# ---------------------------------------------------------------------------
# setup


def free_port():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def make_project(root, dev_port):
    os.makedirs(os.path.join(root, "src", "app"), exist_ok=True)
    os.makedirs(os.path.join(root, "data"), exist_ok=True)
    with open(os.path.join(root, "wippy.lock"), "w") as f:
        f.write("directories:\n  modules: .wippy\n  src: ./src\n")
    with open(os.path.join(root, "src", "app", "_index.yaml"), "w") as f:
        f.write(PROJECT.format(port=dev_port))
    with open(os.path.join(root, "flaskapp.py"), "w") as f:
        f.write(FLASK_APP)
    db = sqlite3.connect(os.path.join(root, "data", "bench.db"))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, score REAL, n INTEGER)")
    db.executemany("INSERT INTO items VALUES (?, ?, ?, ?)", ROWS)
    db.commit()
    db.close()


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


class Server:
    """A server subprocess in its own process group, always killed."""

    def __init__(self, name, argv, port, cwd, logdir):
        self.name = name
        self.argv = argv
        self.port = port
        self.cwd = cwd
        self.logpath = os.path.join(logdir, "%s.log" % name.replace(" ", "_"))
        self.proc = None

    def __enter__(self):
        self.log = open(self.logpath, "wb")
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=_env(), stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self):
        p = self.proc
        if p is None:
            return
        self.proc = None
        try:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    p.wait(timeout=10)
        finally:
            self.log.close()

    def tail(self, n=30):
        try:
            with open(self.logpath, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_ready(self, path, timeout=60.0):
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s:\n%s" % (self.name, self.proc.returncode,
                                                              self.tail()))
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    body = r.read()
                    if r.status == 200:
                        return body
                    last = "status %d" % r.status
            except Exception as e:      # not listening yet
                last = e
            time.sleep(0.1)
        raise RuntimeError("%s did not answer %s within %.0f s (%s):\n%s"
                           % (self.name, url, timeout, last, self.tail()))


# ---------------------------------------------------------------------------
# wrk


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m|h)$", text)
    if not m:
        raise ValueError("bad wrk latency %r" % text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out):
    """wrk --latency output -> dict(rps, p50, p99 (ms), requests, non2xx,
    socket errors)."""
    r = {"non2xx": 0, "errors": {}}
    m = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if not m:
        raise ValueError("no Requests/sec in wrk output:\n" + out)
    r["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    r["requests"] = int(m.group(1)) if m else 0
    for pct in ("50", "99"):
        m = re.search(r"^\s*%s(?:\.0+)?%%\s+([\d.]+\w+)" % pct, out, re.M)
        if not m:
            raise ValueError("no %s%% latency in wrk output:\n%s" % (pct, out))
        r["p" + pct] = _ms(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["errors"] = {k: int(v) for k, v in zip(("connect", "read", "write", "timeout"),
                                                   m.groups()) if int(v)}
    return r


def wrk(url, seconds, conns=50):
    p = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds, "--latency", url],
                       capture_output=True, text=True, timeout=seconds + 60)
    if p.returncode != 0:
        raise RuntimeError("wrk failed (%d): %s%s" % (p.returncode, p.stdout, p.stderr))
    return parse_wrk(p.stdout)


def measure(server, path, seconds, warmup):
    server.wait_ready(path)
    url = "http://127.0.0.1:%d%s" % (server.port, path)
    wrk(url, warmup)
    return wrk(url, seconds)


# ``wippy run`` with SIGPIPE left ignored (Python's default): the CLI's
# main() restores SIG_DFL for `| head`, which also applies to the server's
# sockets, so a client closing a keep-alive connection kills the process.
_DEV_NO_SIGPIPE = ("import sys; from wippy import cli; cli._default_sigpipe = lambda: None; "
                   "sys.exit(cli.main(sys.argv[1:]))")


def measure_dev(root, port, seconds, warmup, notes):
    """The dev server (``wippy run -C DIR``): both endpoints.  If the plain
    command dies of SIGPIPE under wrk, say so and measure the same server
    with SIGPIPE ignored."""
    out = {}
    plain = [sys.executable, "-m", "wippy", "run", "-C", root]
    patched = [sys.executable, "-c", _DEV_NO_SIGPIPE, "run", "-C", root]
    for argv in (plain, patched):
        died = None
        try:
            with Server("wippy run", argv, port, REPO, root) as srv:
                try:
                    out["dev", "json"] = measure(srv, "/api/hello", seconds, warmup)
                    out["dev", "sql"] = measure(srv, "/api/item/3", seconds, warmup)
                finally:
                    died = srv.proc.poll()
                if died is not None:
                    raise RuntimeError("the server exited (status %s) during the run" % died)
            return out
        except RuntimeError as e:
            if argv is patched or died != -signal.SIGPIPE:
                raise
            notes.append("`wippy run -C DIR` died of SIGPIPE under wrk (%s); the dev-server "
                         "figures are `wippy run` with SIGPIPE ignored (wippy/cli.py sets "
                         "SIG_DFL for the whole process)" % str(e).splitlines()[0])
            out = {}
    return out


# ---------------------------------------------------------------------------
# profile: the WSGI callable in-process, as gunicorn's gevent worker runs it


def fake_environ(path, port=8000):
    import io
    return {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path,
            "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "50000",
            "HTTP_HOST": "127.0.0.1:%d" % port, "HTTP_USER_AGENT": "bench",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
            "wsgi.run_once": False}


def profile_wsgi(root, path, n, limit=25):
    """Run ``wippy.wsgi:application(root)`` on a fake GET ``n`` times under
    cProfile, monkey-patched like gunicorn's gevent worker (call this in a
    fresh process)."""
    from gevent import monkey
    monkey.patch_all()
    import cProfile
    import io
    import pstats
    from wippy.wsgi import application
    wsgi = application(root=root, eager=True)
    status = []

    def start_response(st, headers, exc_info=None):
        status.append(st)
        return lambda data: None

    def run(k):
        for _ in range(k):
            b"".join(wsgi(fake_environ(path), start_response))
    run(200)
    if not status or not status[-1].startswith("200"):
        raise RuntimeError("%s answered %s" % (path, status[-1:]))
    t0 = time.perf_counter()
    run(n)
    plain = (time.perf_counter() - t0) / n
    pr = cProfile.Profile()
    pr.enable()
    run(n)
    pr.disable()
    out = io.StringIO()
    st = pstats.Stats(pr, stream=out)
    st.sort_stats("tottime").print_stats(limit)
    st.sort_stats("cumulative").print_stats(limit)
    print("%s: %.1f us per request in-process without the profiler (%d requests)"
          % (path, plain * 1e6, n))
    print(out.getvalue())
    wsgi.stop()


# ---------------------------------------------------------------------------
# report


def verdict(ok):
    return "met" if ok else "MISSED"


def _bad(r):
    parts = []
    if r["non2xx"]:
        parts.append("%d non-2xx" % r["non2xx"])
    for k, v in r["errors"].items():
        parts.append("%d socket %s errors" % (v, k))
    return ("   [" + ", ".join(parts) + "]") if parts else "   (all 2xx)"


def line(label, r):
    return "%-46s %8.0f req/s   p50 %7.2f ms   p99 %7.2f ms%s" % (
        label, r["rps"], r["p50"], r["p99"], _bad(r))


def run_figures(root, dev_port, seconds, warmup, results, notes):
    gunicorn = [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1",
                "--log-level", "warning"]
    runs = [
        ("lua", gunicorn + ["--bind", None,
                            'wippy.wsgi:application(root=%r)' % root], REPO),
        ("flask", gunicorn + ["--bind", None, "--chdir", root, "flaskapp:app"], root),
    ]
    for name, argv, cwd in runs:
        port = free_port()
        argv = [("127.0.0.1:%d" % port) if a is None else a for a in argv]
        with Server("gunicorn " + name, argv, port, cwd, root) as srv:
            results[name, "json"] = measure(srv, "/api/hello", seconds, warmup)
            results[name, "sql"] = measure(srv, "/api/item/3", seconds, warmup)
    results.update(measure_dev(root, dev_port, seconds, warmup, notes))


def report(results, notes, seconds, warmup):
    print("HTTP figures (wrk -t1 -c50 -d%ds --latency, after a %d s warm-up; one gunicorn "
          "gevent worker)" % (seconds, warmup))
    print()
    lj, fj = results["lua", "json"], results["flask", "json"]
    ls, fs = results["lua", "sql"], results["flask", "sql"]
    ratio = lj["rps"] / fj["rps"] if fj["rps"] else 0.0
    print("%-46s %.2fx  (%.0f vs %.0f req/s)   target >= 1.00x  %s"
          % ("Lua JSON endpoint / Flask (gunicorn)", ratio, lj["rps"], fj["rps"],
             verdict(ratio >= 1.0 and not lj["non2xx"])))
    print(line("  Lua JSON endpoint, gunicorn", lj))
    print(line("  Flask JSON endpoint, gunicorn", fj))
    sratio = ls["rps"] / fs["rps"] if fs["rps"] else 0.0
    print("%-46s %.2fx  (%.0f vs %.0f req/s)   target >= 1.00x  %s"
          % ("Lua SQLite-read endpoint / Flask (gunicorn)", sratio, ls["rps"], fs["rps"],
             verdict(sratio >= 1.0 and not ls["non2xx"])))
    print(line("  Lua SQLite-read endpoint, gunicorn", ls))
    print(line("  Flask SQLite-read endpoint, gunicorn", fs))
    dj, ds = results["dev", "json"], results["dev", "sql"]
    print(line("Lua JSON endpoint, wippy run (dev server)", dj))
    print(line("Lua SQLite-read endpoint, wippy run", ds))
    for n in notes:
        print("note: " + n)
    bad = [k for k, r in results.items() if r["non2xx"] or r["errors"]]
    if bad:
        print("note: non-2xx responses or socket errors in: %s"
              % ", ".join("%s/%s" % k for k in bad))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.http_bench")
    ap.add_argument("--quick", action="store_true", help="5 s wrk runs instead of 10 s")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (and its logs)")
    ap.add_argument("--profile", type=int, nargs="?", const=20000, metavar="N",
                    help="also run the WSGI callable in-process N times (default 20000) "
                         "per Lua endpoint under cProfile and print the top functions")
    ap.add_argument("--profile-only", action="store_true", help="skip the wrk figures")
    ap.add_argument("--profile-child", nargs=3, metavar=("ROOT", "PATH", "N"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.profile_child:
        r, path, n = args.profile_child
        profile_wsgi(r, path, int(n))
        return 0
    if args.profile_only and not args.profile:
        args.profile = 20000
    seconds = 5 if args.quick else 10
    warmup = 1 if args.quick else 2
    if shutil.which("wrk") is None:
        print("wrk is not installed", file=sys.stderr)
        return 1

    root = tempfile.mkdtemp(prefix="wippy-httpbench-")
    results = {}
    notes = []
    try:
        dev_port = free_port()
        make_project(root, dev_port)
        # compile the project's Lua once, so no server pays for it
        subprocess.run([sys.executable, "-c", "import sys; from wippy.cli import wippyc_main; "
                        "sys.exit(wippyc_main())", "build", "-q", root],
                       env=_env(), check=True, capture_output=True)
        if not args.profile_only:
            run_figures(root, dev_port, seconds, warmup, results, notes)
            report(results, notes, seconds, warmup)
            sys.stdout.flush()
        if args.profile:
            for path in ("/api/hello", "/api/item/3"):
                subprocess.run([sys.executable, "-m", "benchmarks.http_bench",
                                "--profile-child", root, path, str(args.profile)],
                               cwd=REPO, env=_env(), check=True)
    except Exception as e:
        print("http_bench failed: %s" % e, file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print("(kept %s)" % root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
