"""The tutorial apps under examples/ (tutorial-*, shop), each run the way its
tutorial runs it: `wippy run -x ...` or `wippy run NAME` in a subprocess with
their exact output checked, or `wippy run` serving HTTP on a free port and
answering real requests."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([REPO] + [p for p in e.get("PYTHONPATH", "").split(
        os.pathsep) if p])
    return e


def wippy(example, *args, stdin="", timeout=60):
    """`wippy run -C examples/EXAMPLE ARGS...` to the end."""
    return subprocess.run([sys.executable, "-m", "wippy", "run", "-C",
                           os.path.join(EXAMPLES, example), *args],
                          input=stdin, capture_output=True, text=True, timeout=timeout,
                          env=env())


def ok(p, expected):
    assert "Traceback" not in p.stderr, p.stderr
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert p.stdout == expected, p.stdout
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """`wippy run` of an example in the background; its output is collected
    line by line so a test can wait for a line."""

    def __init__(self, example, *args):
        self.lines = []
        self.p = subprocess.Popen([sys.executable, "-m", "wippy", "run", "-C",
                                   os.path.join(EXAMPLES, example), *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, env=env())
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, needle, timeout=20):
        deadline = time.monotonic() + timeout
        while not any(needle in line for line in self.lines):
            if self.p.poll() is not None:
                self.reader.join(2)
            assert self.p.poll() is None, "exited early:\n" + "\n".join(self.lines)
            assert time.monotonic() < deadline, ("no %r in:\n" % needle) + "\n".join(self.lines)
            time.sleep(0.02)

    def stop(self, timeout=20):
        """SIGTERM: the exit status and the whole output."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError("did not stop on SIGTERM:\n" + "\n".join(self.lines))
        self.reader.join(5)
        return self.p.returncode, "\n".join(self.lines)


def request(port, method, path, body=None, timeout=10):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body,
                  headers={"Content-Type": "application/json"} if body else {})
        r = c.getresponse()
        data = r.read()
    finally:
        c.close()
    return r.status, r, data


def serve(example):
    """(server, port): the example's gateway moved to a free port, up."""
    port = free_port()
    srv = Server(example, "-o", "app:gateway:addr=127.0.0.1:%d" % port)
    srv.wait_for("listening on 127.0.0.1:%d" % port)
    return srv, port


def stopped_cleanly(srv):
    code, out = srv.stop()
    assert code == 0, out
    assert "Traceback" not in out and "ERROR" not in out, out
    assert "stopping" in out
    return out


# -- hello-world: wippy run + curl ---------------------------------------------

def test_hello_world():
    srv, port = serve("tutorial-hello-world")
    try:
        st, r, data = request(port, "GET", "/hello")
        assert (st, data) == (200, b'{"message":"hello world"}')
        assert r.getheader("Content-Type") == "application/json"
        assert request(port, "GET", "/hello?name=ada")[2] == b'{"message":"hello ada"}'
        assert request(port, "GET", "/nothing")[0] == 404
        assert request(port, "POST", "/hello")[0] == 405
    finally:
        stopped_cleanly(srv)


# -- cli: wippy run -x, named commands, stdin, exit codes ------------------------

def test_cli_hello():
    ok(wippy("tutorial-cli", "-x", "app:hello"), "Hello from the terminal!\n")


def test_cli_commands():
    p = wippy("tutorial-cli", "list")
    assert p.returncode == 0, p.stderr
    assert re.search(r"^greet\s+Ask for a name and greet it", p.stdout, re.M), p.stdout
    assert re.search(r"^square\s+Square a number \(argument or stdin\)", p.stdout, re.M)
    assert "hello" not in p.stdout                   # not a command: run with -x
    ok(wippy("tutorial-cli", "greet", stdin="Ada Lovelace\n"),
       "What is your name? Nice to meet you, Ada Lovelace.\n")
    ok(wippy("tutorial-cli", "greet"), "What is your name? Nice to meet you, whoever you are.\n")
    # -x takes the entry ID of a command too
    ok(wippy("tutorial-cli", "-x", "app:greet", stdin="bo\n"),
       "What is your name? Nice to meet you, bo.\n")


def test_cli_square_and_exit_status():
    ok(wippy("tutorial-cli", "square", "12"), "\x1b[1m12^2\x1b[0m = \x1b[32m144\x1b[0m\n")
    ok(wippy("tutorial-cli", "square", stdin="1.5\n"),
       "\x1b[33mNumber: \x1b[0m\x1b[1m1.5^2\x1b[0m = \x1b[32m2.25\x1b[0m\n")
    p = wippy("tutorial-cli", "square", "twelve")
    assert p.returncode == 1 and p.stdout == "", (p.stdout, p.stderr)
    assert p.stderr == '\x1b[31merror: \x1b[0m"twelve" is not a number\n', p.stderr


# -- channels -------------------------------------------------------------------

CHANNELS = """\
buffered: red green blue
unbuffered: after 20ms the sender was at "sending"; received "baton", then it sent
select: right won ("from the right", ok=true); empty -> default=true; case_send ok=true, \
then full -> default=true; slot holds "first"
timeout: time.after fired first
producer/consumer: 10 values, sum 55
ping-pong: 10 20 30 40 (player 2 done)
fan-out: 3 workers, 6 jobs, squares of 1..6 sum to 91
fan-in: #1:5 #2:5 #3:5 #4:5, each in order
close: "last words" true, then nil false; send after close fails: true
"""


def test_channels():
    ok(wippy("tutorial-channels", "-x", "app:patterns"), CHANNELS)
    ok(wippy("tutorial-channels", "patterns"), CHANNELS)


# -- processes ------------------------------------------------------------------

PROCESSES = """\
spawn: a string pid, not mine
send/listen: HELLO, PROCESSES
listen vs inbox: alarms fire,flood; inbox memo=lunch,note=42
spawn_monitored: EXIT from the tripler, value 42
monitor + cancel: EXIT, value "cancelled politely", error nil
unmonitor: no EXIT within 100ms
trap_links=true: LINK_DOWN from the crasher, still running
no trap_links: the bystander exited with an error
link/unlink: LINK_DOWN from b
registry: lookup is me, message "by name", unregistered true, then not found
pool: 5 jobs, 1 failed: 15 30 failed 60 75
"""


def test_processes():
    ok(wippy("tutorial-processes", "-x", "app:tour"), PROCESSES)


# -- supervision ------------------------------------------------------------------

def test_supervision_topologies():
    ok(wippy("tutorial-supervision", "-x", "app.demo:topologies"), """\
default trap_links: false
cancel: EXIT value "counted 3 tick(s) before cancel"
terminate: EXIT with an error
links: LINK_DOWN from terminated one
star: hub linked to 5 spokes, failed: true; 5 spokes saw LINK_DOWN
chain: nodes at depths 0,1,2,3,4; head terminated, 5 of 5 exited with errors
""")


def test_supervision_pool_restarts_a_killed_worker():
    srv = Server("tutorial-supervision")
    try:
        srv.wait_for("chaos: live workers")
    finally:
        code, out = srv.stop()
    assert code == 0, out
    assert "Traceback" not in out, out
    said = [re.search(r"INFO  lua +(.*?)  +\{", line).group(1) for line in out.splitlines()
            if "INFO  lua " in line]
    assert said == ["worker 1 started", "worker 2 started", "worker 3 started",
                    "pool up with 3 workers",
                    "chaos: worker 3 squared 12 = 144",
                    "chaos: terminating worker 2", "worker 2 died, restarting",
                    "worker 2 started",
                    "chaos: cancelling worker 3",
                    "worker 3 finished cleanly (worker 3 cancelled after 1 job(s)), "
                    "not restarted",
                    "chaos: live workers 1,2",
                    "pool stopping after 1 restart(s)"], out


# -- echo-service -------------------------------------------------------------------

def test_echo_service():
    p = wippy("tutorial-echo-service", "-x", "app:client",
              stdin="hello there\nwippy on python\n\nnot sent\n")
    assert p.returncode == 0 and p.stderr == "", (p.stdout, p.stderr)
    m = re.fullmatch(r"Echo client: type a line, an empty line quits\.\n"
                     r">   HELLO THERE   \(worker (\{app:processes\|0x[0-9a-f]+\}), message 1\)\n"
                     r">   WIPPY ON PYTHON   \(worker (\{app:processes\|0x[0-9a-f]+\}), "
                     r"message 2\)\n"
                     r"> bye\n", p.stdout)
    assert m, p.stdout
    assert m.group(1) != m.group(2)                  # one worker per message
    # end of input quits too; -v shows the relay's log
    p = wippy("tutorial-echo-service", "-x", "app:client", "-v", stdin="x")
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert re.search(r">   X   \(worker \{app:processes\|0x[0-9a-f]+\}, message 1\)\n",
                     p.stdout), p.stdout
    assert p.stdout.endswith("bye\n"), p.stdout
    assert "relay ready" in p.stderr and "relay stopping" in p.stderr, p.stderr


# -- shop: per-user cart processes behind HTTP handlers --------------------------------

@pytest.fixture(scope="module")
def shop():
    srv, port = serve("shop")
    yield srv, port
    out = stopped_cleanly(srv)
    assert "cart opened" in out


def call(port, method, path, body=None):
    st, r, data = request(port, method, path, body)
    assert r.getheader("Content-Type") == "application/json", (st, data)
    return st, json.loads(data)


def test_shop_cart(shop):
    _, port = shop
    st, d = call(port, "GET", "/api/products")
    assert st == 200 and [p["sku"] for p in d["products"]] == ["honey", "kettle", "mug", "tea"]
    assert call(port, "GET", "/api/carts/ada") == (200, {"user": "ada", "items": [],
                                                         "count": 0, "total": 0})
    st, d = call(port, "POST", "/api/carts/ada/items", {"sku": "tea", "qty": 2})
    assert st == 200 and d["total"] == 1300 and d["items"] == [
        {"sku": "tea", "name": "Green tea, 100 g", "price": 650, "qty": 2}]
    st, d = call(port, "POST", "/api/carts/ada/items", {"sku": "mug"})
    assert st == 200 and d["count"] == 2 and d["total"] == 2500
    st, d = call(port, "POST", "/api/carts/ada/items", {"sku": "tea", "qty": 1})
    assert [(i["sku"], i["qty"]) for i in d["items"]] == [("mug", 1), ("tea", 3)]
    st, d = call(port, "DELETE", "/api/carts/ada/items/mug")
    assert st == 200 and d["total"] == 1950 and d["count"] == 1
    # the state lives in ada's process, apart from everyone else's
    assert call(port, "GET", "/api/carts/ada")[1]["total"] == 1950
    assert call(port, "GET", "/api/carts/bo")[1]["total"] == 0


def test_shop_errors(shop):
    _, port = shop
    assert call(port, "POST", "/api/carts/cy/items", {"sku": "caviar"}) == (
        404, {"error": "unknown product caviar"})
    assert call(port, "DELETE", "/api/carts/cy/items/tea") == (
        404, {"error": "tea is not in the cart"})
    for body in ({"sku": "tea", "qty": 0}, {"sku": "tea", "qty": 1.5}, {"qty": 1}, [1]):
        st, d = call(port, "POST", "/api/carts/cy/items", body)
        assert st == 400 and d["error"], body
    assert call(port, "POST", "/api/carts/cy/items", {"sku": "tea", "qty": 99})[0] == 200
    assert call(port, "POST", "/api/carts/cy/items", {"sku": "tea", "qty": 1}) == (
        409, {"error": "at most 99 of one product"})
    assert call(port, "GET", "/api/carts/no%20spaces")[0] == 400
    assert call(port, "POST", "/api/carts/empty/checkout") == (409, {"error": "the cart is empty"})
    assert call(port, "GET", "/api/orders/nobody-1") == (404, {"error": "no order nobody-1"})


def test_shop_checkout_answers_at_once_and_finishes_later(shop):
    srv, port = shop
    call(port, "POST", "/api/carts/dee/items", {"sku": "kettle"})
    call(port, "POST", "/api/carts/dee/items", {"sku": "honey", "qty": 2})
    t0 = time.monotonic()
    st, r, data = request(port, "POST", "/api/carts/dee/checkout")
    took = time.monotonic() - t0
    assert st == 202 and json.loads(data) == {"order": "dee-1", "status": "processing",
                                              "total": 6280}
    assert r.getheader("Location") == "/api/orders/dee-1"
    assert took < 0.3, took                          # the payment takes 300ms after the 202
    st, order = call(port, "GET", "/api/orders/dee-1")
    assert st == 200 and order["status"] == "processing" and order["total"] == 6280
    assert [i["sku"] for i in order["items"]] == ["honey", "kettle"]
    assert call(port, "GET", "/api/carts/dee")[1]["count"] == 0    # a fresh cart
    srv.wait_for("order paid", timeout=5)
    st, order = call(port, "GET", "/api/orders/dee-1")
    assert order["status"] == "paid" and re.fullmatch(r"\d{4}-\d\d-\d\dT.*Z", order["paid_at"])
    line = next(x for x in srv.lines if "order paid" in x)
    assert '"order": "dee-1"' in line and '"total": 6280' in line
    # the next checkout of the same cart is another order
    call(port, "POST", "/api/carts/dee/items", {"sku": "mug"})
    assert call(port, "POST", "/api/carts/dee/checkout")[1]["order"] == "dee-2"


def test_shop_a_busy_cart_times_out_with_504(shop):
    _, port = shop
    call(port, "POST", "/api/carts/eve/items", {"sku": "tea"})
    assert call(port, "POST", "/api/carts/eve/pause", {"ms": 1600}) == (202, {"paused_ms": 1600})
    t0 = time.monotonic()
    st, d = call(port, "GET", "/api/carts/eve")
    assert (st, d) == (504, {"error": "the cart of eve did not answer within 1s"})
    assert 0.9 < time.monotonic() - t0 < 1.5
    assert call(port, "GET", "/api/carts/frank")[0] == 200           # other carts answer
    time.sleep(0.8)
    st, d = call(port, "GET", "/api/carts/eve")
    assert st == 200 and d["items"][0]["qty"] == 1                   # eve's cart is intact
    assert call(port, "POST", "/api/carts/eve/pause", {"ms": 0})[0] == 400


def test_shop_first_requests_race_for_one_cart(shop):
    _, port = shop
    results = []

    def add():
        results.append(call(port, "POST", "/api/carts/gil/items", {"sku": "honey"}))
    threads = [threading.Thread(target=add) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(st == 200 for st, _ in results), results
    assert sorted(d["items"][0]["qty"] for _, d in results) == list(range(1, 9))
    assert call(port, "GET", "/api/carts/gil")[1]["items"][0]["qty"] == 8
