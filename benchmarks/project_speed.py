"""Project figures (issue 4): cold ``wippyc build`` throughput on a
generated project of 200 entries and 20,000 Lua lines (target at least
5,000 lines/s using both cores), warm start of that project to its first
function call (target under 0.5 s), and a ``funcs.call`` round trip between
two Lua functions next to a plain Python call doing the same work.

Run alone: ``python -m benchmarks.project_speed``."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

ENTRIES = 200
LINES_PER_ENTRY = 100

_UNIT = '''\
type Item{n} = {{id: integer, name: string, score: number?, tags: {{string}}}}
local function build{n}(count: integer): {{Item{n}}}
  local out: {{Item{n}}} = {{}}
  for i = 1, count do
    local tags: {{string}} = {{}}
    for j = 1, i % 4 do tags[#tags + 1] = "tag" .. j end
    out[#out + 1] = {{id = i, name = "item" .. i, score = i * 1.5, tags = tags}}
  end
  return out
end
local function total{n}(items: {{Item{n}}}): (number, integer)
  local s, n = 0.0, 0
  for _, it in ipairs(items) do
    if it.score and #it.tags > 0 then
      s = s + it.score
      n = n + 1
    elseif it.name:sub(1, 4) == "item" then
      s = s - 1
    end
  end
  return s, n
end
'''


def _entry_source(k):
    parts = ["-- generated entry %d" % k]
    n = 0
    while sum(p.count("\n") + 1 for p in parts) + 22 < LINES_PER_ENTRY:
        parts.append(_UNIT.format(n=n))
        n += 1
    parts.append("local function main(x: integer?): integer\n"
                 "  local s, c = total0(build0((x or 3) + %d))\n"
                 "  return c\nend\nreturn {main = main}\n" % (k % 7))
    return "\n".join(parts)


def make_project(root):
    os.makedirs(os.path.join(root, "src", "bench"), exist_ok=True)
    with open(os.path.join(root, "wippy.lock"), "w") as f:
        f.write("directories:\n  modules: .wippy\n  src: ./src\n")
    idx = ["namespace: bench", "entries:"]
    lines = 0
    for k in range(ENTRIES):
        src = _entry_source(k)
        lines += src.count("\n") + 1
        with open(os.path.join(root, "src", "bench", "e%d.lua" % k), "w") as f:
            f.write(src)
        idx += ["  - name: e%d" % k, "    kind: function.lua", "    method: main",
                "    source: file://e%d.lua" % k, "    modules: [json]"]
    idx += ["  - name: add", "    kind: function.lua", "    method: main",
            "    source: |", "      return {main = function(a, b) return a + b end}",
            "  - name: loop", "    kind: function.lua", "    method: main",
            "    modules: [funcs]", "    source: |",
            "      local funcs = require('funcs')",
            "      local function direct(a, b) return a + b end",
            "      return {main = function(n, how)",
            "        local s = 0",
            "        if how == 'funcs' then",
            "          for i = 1, n do s = s + funcs.call('bench:add', i, 1) end",
            "        else",
            "          for i = 1, n do s = s + direct(i, 1) end",
            "        end",
            "        return s",
            "      end}"]
    with open(os.path.join(root, "src", "bench", "_index.yaml"), "w") as f:
        f.write("\n".join(idx) + "\n")
    return lines


def _env():
    env = dict(os.environ)
    env.pop("WIPPY_CACHE_DIR", None)
    # commands run as installed Python normally runs: with .pyc files for
    # the project's own modules (some shells set PYTHONDONTWRITEBYTECODE,
    # which makes every start compile wippy from source)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(repeat=3):
    from wippy.app import App
    root = tempfile.mkdtemp(prefix="wippy-projbench-")
    try:
        lines = make_project(root)
        build = None
        for _ in range(repeat):
            shutil.rmtree(os.path.join(root, ".wippy"), ignore_errors=True)
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, "-c", "import sys; from wippy.cli import wippyc_main; "
                                "sys.exit(wippyc_main())", "build", "-q", root],
                               env=_env(), capture_output=True, text=True)
            dt = time.perf_counter() - t0
            if p.returncode != 0:
                raise RuntimeError("wippyc build failed: %s" % p.stderr[:2000])
            build = dt if build is None else min(build, dt)
        warm = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, "-m", "wippy", "run", "-C", root, "-x",
                                "bench:e0", "2"], env=_env(), capture_output=True, text=True)
            dt = time.perf_counter() - t0
            if p.returncode != 0:
                raise RuntimeError("warm start failed: %s" % p.stderr)
            warm = dt if warm is None else min(warm, dt)
        saved = os.environ.pop("WIPPY_CACHE_DIR", None)
        try:
            t0 = time.perf_counter()
            app = App.open(root)
            app.call("bench:e0", 2)
            inproc = time.perf_counter() - t0
            n = 20000
            app.call("bench:loop", 10, "funcs")
            best_f = best_d = None
            for _ in range(repeat):
                t0 = time.perf_counter()
                app.call("bench:loop", n, "funcs")
                f = (time.perf_counter() - t0) / n
                t0 = time.perf_counter()
                app.call("bench:loop", n, "direct")
                d = (time.perf_counter() - t0) / n
                best_f = f if best_f is None else min(best_f, f)
                best_d = d if best_d is None else min(best_d, d)
            app.close()
        finally:
            if saved is not None:
                os.environ["WIPPY_CACHE_DIR"] = saved

        def add(a, b):
            return a + b
        py = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            s = 0
            for i in range(1, n + 1):
                s = s + add(i, 1)
            d = (time.perf_counter() - t0) / n
            py = d if py is None else min(py, d)
        return {"lines": lines, "build_s": build, "build_lps": lines / build, "warm_s": warm,
                "inproc_s": inproc, "funcs_us": best_f * 1e6, "lua_us": best_d * 1e6,
                "py_us": py * 1e6}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def summary_lines(m):
    return [
        "wippyc build, cold: %d entries, %d lines in %.2f s = %.0f lines/s "
        "(target >= 5,000: %s)" % (ENTRIES + 2, m["lines"], m["build_s"], m["build_lps"],
                                   "met" if m["build_lps"] >= 5000 else "MISSED"),
        "warm start to the first call: %.3f s as a command, %.3f s in-process "
        "(target < 0.5 s: %s)" % (m["warm_s"], m["inproc_s"],
                                   "met" if m["warm_s"] < 0.5 else "MISSED"),
        "funcs.call round trip: %.1f us; a direct Lua call: %.2f us; a plain Python call: "
        "%.2f us (funcs.call = %.0fx the Python call)" % (
            m["funcs_us"], m["lua_us"], m["py_us"], m["funcs_us"] / m["py_us"]),
    ]


if __name__ == "__main__":
    for line in summary_lines(measure()):
        print(line)
