"""Actor-runtime figures (issue 5), each next to raw gevent doing the same
work in the same run (same hub thread, same machine state):

- one-way messages per second from one Lua process to another
  (target >= 300,000/s), against a gevent ``Queue`` between two greenlets;
- request-reply round trips per second between two Lua processes, against
  a gevent ``Queue`` ping-pong (target >= 60 % of it);
- spawn-to-exit of monitored processes per second: spawn N trivial
  children, wait for their N EXIT events (target >= 50,000/s), against
  ``gevent.spawn`` + ``rawlink``;
- memory per idle process blocked on its inbox, over N processes, by
  tracemalloc (Python allocations, greenlet stacks included) and by RSS
  delta (target <= 6 KB), against greenlets blocked on ``Queue.get``.

Usage::

    python -m benchmarks.actors               # every figure
    python -m benchmarks.actors --quick       # small sizes (smoke test)
    python -m benchmarks.actors --profile     # also cProfile each Lua workload

Targets are reported (met / MISSED), never asserted: exit status 0 unless a
workload failed.
"""

import argparse
import cProfile
import gc
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
import tracemalloc

import gevent
from gevent.queue import Queue

PROJECT = """\
namespace: bench
entries:
  - {name: procs, kind: process.host}

  - name: sink                # counts n messages, then tells `parent`
    kind: process.lua
    method: main
    source: |
      return {main = function(parent: string, n: integer)
        local inbox = process.inbox()
        local sum = 0
        for _ = 1, n do sum = sum + inbox:receive():payload():data() end
        process.send(parent, "done", sum)
      end}

  - name: oneway              # sends n integers to a sink, waits for its count
    kind: process.lua
    method: main
    modules: [time]
    source: |
      return {main = function(n: integer)
        local sink = process.spawn("bench:sink", "bench:procs", process.pid(), n)
        local inbox = process.inbox()
        local t0 = time.now()
        for i = 1, n do process.send(sink, "m", i) end
        local sum = inbox:receive():payload():data()
        local ns = time.now():sub(t0):nanoseconds()
        assert(sum == n * (n + 1) // 2, "lost messages")
        return ns
      end}

  - name: echo                # replies to every message until "stop"
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local inbox = process.inbox()
        while true do
          local m = inbox:receive()
          if m:topic() == "stop" then return end
          process.send(m:from(), "r", m:payload():data())
        end
      end}

  - name: rpc                 # n request-reply round trips with an echo process
    kind: process.lua
    method: main
    modules: [time]
    source: |
      return {main = function(n: integer)
        local echo = process.spawn("bench:echo", "bench:procs")
        local inbox = process.inbox()
        local t0 = time.now()
        for i = 1, n do
          process.send(echo, "q", i)
          local v = inbox:receive():payload():data()
          assert(v == i)
        end
        local ns = time.now():sub(t0):nanoseconds()
        process.send(echo, "stop")
        return ns
      end}

  - name: noop
    kind: process.lua
    method: main
    source: |
      return {main = function(i) return i end}

  - name: spawner             # n monitored children, waits for every EXIT
    kind: process.lua
    method: main
    modules: [time]
    source: |
      return {main = function(n: integer)
        local ev = process.events()
        local t0 = time.now()
        for i = 1, n do process.spawn_monitored("bench:noop", "bench:procs", i) end
        local sum = 0
        for _ = 1, n do sum = sum + ev:receive().result.value end
        local ns = time.now():sub(t0):nanoseconds()
        assert(sum == n * (n + 1) // 2, "lost EXIT events")
        return ns
      end}

  - name: idle                # blocks on its inbox
    kind: process.lua
    method: main
    source: |
      return {main = function() return process.inbox():receive():topic() end}
"""

TARGET_ONEWAY = 300_000
TARGET_RPC_RATIO = 0.60
TARGET_SPAWN = 50_000
TARGET_MEM = 6 * 1024


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------
# raw gevent baselines (run in the application hub, like the processes)

def raw_oneway(n):
    q = Queue()
    done = Queue()

    def recv():
        s = 0
        get = q.get
        for _ in range(n):
            s += get()
        done.put(s)
    gevent.spawn(recv)
    t0 = time.perf_counter()
    put = q.put
    for i in range(1, n + 1):
        put(i)
    s = done.get()
    dt = time.perf_counter() - t0
    assert s == n * (n + 1) // 2
    return n / dt


def raw_rpc(n):
    req, rep = Queue(), Queue()

    def server():
        while True:
            v = req.get()
            if v is None:
                return
            rep.put(v)
    gevent.spawn(server)
    t0 = time.perf_counter()
    for i in range(n):
        req.put(i)
        assert rep.get() == i
    dt = time.perf_counter() - t0
    req.put(None)
    return n / dt


def raw_spawn(n):
    q = Queue()

    def child(i):
        return i

    def on_exit(g):
        q.put(g.value)
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        gevent.spawn(child, i).rawlink(on_exit)
    s = 0
    for _ in range(n):
        s += q.get()
    dt = time.perf_counter() - t0
    assert s == n * (n + 1) // 2
    return n / dt


def raw_memory(n):
    q = Queue()
    gc.collect()
    tracemalloc.start()
    m0, r0 = tracemalloc.get_traced_memory()[0], _rss()
    gs = [gevent.spawn(q.get) for _ in range(n)]
    gevent.sleep(0.05)
    gc.collect()
    m1, r1 = tracemalloc.get_traced_memory()[0], _rss()
    tracemalloc.stop()
    for _ in gs:
        q.put(None)
    gevent.joinall(gs)
    return (m1 - m0) / n, (r1 - r0) / n


# --------------------------------------------------------------------------
# the Lua workloads

def lua_rate(app, eid, n, profile=None):
    from wippy.app import run_in_hub
    if profile is None:
        (ns,) = app.run_process_main(eid, [n])
        return n / (ns / 1e9)

    def body():
        profile.enable()
        try:
            return app.run_process_main(eid, [n])
        finally:
            profile.disable()
    (ns,) = run_in_hub(body)
    return n / (ns / 1e9)


def lua_memory(app, n):
    node = app.node

    def body():
        gc.collect()
        tracemalloc.start()
        m0, r0 = tracemalloc.get_traced_memory()[0], _rss()
        pids = [node.spawn("bench:idle", "bench:procs", ()) for _ in range(n)]
        # let every process run up to its blocking receive
        def starting():
            for p in pids:
                pr = node.procs.get(p)
                if pr is not None and not pr.started:   # its runner has not picked it up
                    return True
            return False
        while starting():
            gevent.sleep(0.01)
        gevent.sleep(0.05)
        gc.collect()
        m1, r1 = tracemalloc.get_traced_memory()[0], _rss()
        tracemalloc.stop()
        blocked = sum(1 for p in pids if p in node.procs)
        for p in pids:
            node.send(None, p, "stop", ())
        for p in pids:
            pr = node.procs.get(p)
            if pr is not None:
                pr.done.wait(10)
        return (m1 - m0) / n, (r1 - r0) / n, blocked
    from wippy.app import run_in_hub
    return run_in_hub(body)


def in_hub(fn, *args):
    from wippy.app import run_in_hub
    return run_in_hub(lambda: fn(*args))


# --------------------------------------------------------------------------

def verdict(ok):
    return "met" if ok else "MISSED"


def top(profile, limit=14):
    s = io.StringIO()
    st = pstats.Stats(profile, stream=s)
    st.sort_stats("tottime").print_stats(limit)
    lines = [ln for ln in s.getvalue().splitlines() if ln.strip()]
    # keep the table (header onwards)
    for i, ln in enumerate(lines):
        if ln.lstrip().startswith("ncalls"):
            return "\n".join(lines[i:])
    return s.getvalue()


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.actors")
    ap.add_argument("--quick", action="store_true", help="small sizes")
    ap.add_argument("--profile", action="store_true", help="cProfile each Lua workload")
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--round-trips", type=int, default=50_000)
    ap.add_argument("--spawns", type=int, default=10_000)
    ap.add_argument("--idle", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3, help="best of N for the rates")
    args = ap.parse_args(argv)
    if args.quick:
        args.messages, args.round_trips, args.spawns, args.idle = 5000, 2000, 500, 500
        args.repeat = 1

    from wippy.app import App
    tmp = tempfile.mkdtemp(prefix="wippy-actors-")
    try:
        os.makedirs(os.path.join(tmp, "src"))
        with open(os.path.join(tmp, "wippy.lock"), "w") as f:
            f.write("directories:\n  modules: .wippy\n  src: ./src\n")
        with open(os.path.join(tmp, "src", "_index.yaml"), "w") as f:
            f.write(PROJECT)
        app = App.open(tmp)
        # warm up: compile and load everything once
        app.run_process_main("bench:oneway", [100])
        app.run_process_main("bench:rpc", [100])
        app.run_process_main("bench:spawner", [100])

        def best_pair(lua_fn, raw_fn):
            # the two take turns, so that a slow phase of the machine falls
            # on both; the best rate of each is kept
            lua = raw = 0.0
            for _ in range(args.repeat):
                lua = max(lua, lua_fn())
                raw = max(raw, raw_fn())
            return lua, raw

        print("actor runtime figures (best of %d; raw gevent measured in the same run)"
              % args.repeat)
        print()
        rows = []

        n = args.messages
        lua, raw = best_pair(lambda: lua_rate(app, "bench:oneway", n),
                             lambda: in_hub(raw_oneway, n))
        rows.append(("one-way messages/s (%d)" % n, lua, raw, "%.0f/s" % TARGET_ONEWAY,
                     lua >= TARGET_ONEWAY))

        n = args.round_trips
        lua, raw = best_pair(lambda: lua_rate(app, "bench:rpc", n),
                             lambda: in_hub(raw_rpc, n))
        rows.append(("request-reply round trips/s (%d)" % n, lua, raw,
                     ">= %d%% of raw" % (TARGET_RPC_RATIO * 100),
                     lua >= TARGET_RPC_RATIO * raw))

        n = args.spawns
        lua, raw = best_pair(lambda: lua_rate(app, "bench:spawner", n),
                             lambda: in_hub(raw_spawn, n))
        rows.append(("spawn-to-exit, monitored, per s (%d)" % n, lua, raw,
                     "%.0f/s" % TARGET_SPAWN, lua >= TARGET_SPAWN))

        for name, lua, raw, target, ok in rows:
            print("%-40s lua %11.0f   raw gevent %11.0f   (%4.0f%% of raw)   target %-14s %s"
                  % (name, lua, raw, 100.0 * lua / raw, target, verdict(ok)))

        n = args.idle
        lua_tm, lua_rss, blocked = lua_memory(app, n)
        raw_tm, raw_rss = in_hub(raw_memory, n)
        print("%-40s lua %8.0f B   raw gevent %8.0f B   (tracemalloc)   target <= %d B  %s"
              % ("memory per idle process (%d)" % n, lua_tm, raw_tm, TARGET_MEM,
                 verdict(lua_tm <= TARGET_MEM)))
        print("%-40s lua %8.0f B   raw gevent %8.0f B   (RSS delta)     target <= %d B  %s"
              % ("", lua_rss, raw_rss, TARGET_MEM, verdict(lua_rss <= TARGET_MEM)))
        if blocked != n:
            print("  (only %d of %d idle processes were still blocked)" % (blocked, n))

        if args.profile:
            for eid, n in (("bench:oneway", min(args.messages, 50_000)),
                           ("bench:rpc", min(args.round_trips, 20_000)),
                           ("bench:spawner", min(args.spawns, 2000))):
                pr = cProfile.Profile()
                lua_rate(app, eid, n, pr)
                print()
                print("profile of %s (%d), by own time:" % (eid, n))
                print(top(pr))
        app.stop(5)
        app.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
