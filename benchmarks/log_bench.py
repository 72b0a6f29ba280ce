"""Logging figures (issue 8):

* a ``logger:debug`` call below the minimum level, next to an empty Lua
  function called the same way (target: at most 2x);
* JSON log lines written to a file per second by ``logger:info`` from Lua,
  next to Python's ``logging`` with a JSON formatter writing the same records
  through a ``FileHandler`` (target: at least 0.8x).

Both run in one process on a small generated project.

Run alone: ``python -m benchmarks.log_bench``."""

import json
import logging
import os
import shutil
import tempfile
import time

_INDEX = """\
version: "1.0"
namespace: bench
entries:
  - name: loop
    kind: function.lua
    method: main
    modules: [logger]
    source: |
      local logger = require("logger")
      local function noop(msg) end
      local obj = {}
      function obj:noop(msg) end
      local function main(n, how)
        local t0 = os.clock()
        if how == "empty" then
          for i = 1, n do end
        elseif how == "noop" then
          for i = 1, n do noop("below the level") end
        elseif how == "method" then
          for i = 1, n do obj:noop("below the level") end
        elseif how == "debug" then
          for i = 1, n do logger:debug("below the level") end
        elseif how == "debug_fields" then
          for i = 1, n do logger:debug("below the level", {i = i}) end
        elseif how == "method_fields" then
          for i = 1, n do obj:noop("below the level", {i = i}) end
        elseif how == "info" then
          for i = 1, n do
            logger:info("request done", {user = "bob", status = 200, ms = 1.5})
          end
        end
        return os.clock() - t0
      end
      return {main = main}
"""


class _PyJSON(logging.Formatter):
    """A typical JSON formatter: the record's core keys and its extras."""
    FIELDS = ("user", "status", "ms", "pid", "location")

    def format(self, rec):
        out = {"level": rec.levelname.lower(), "ts": rec.created, "logger": rec.name,
               "msg": rec.getMessage()}
        for k in self.FIELDS:
            v = getattr(rec, k, None)
            if v is not None:
                out[k] = v
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def _best(fn, repeat):
    return min(fn() for _ in range(repeat))


def measure(repeat=5, n_calls=200000, n_lines=50000):
    from wippy.app import App
    from wippy import logger as wlog
    root = tempfile.mkdtemp(prefix="wippy-logbench-")
    wippy_log = logging.getLogger("wippy")
    saved = (list(wippy_log.handlers), wippy_log.level, wippy_log.propagate)
    try:
        os.makedirs(os.path.join(root, "src", "bench"))
        with open(os.path.join(root, "wippy.lock"), "w") as f:
            f.write("directories:\n  modules: .wippy\n  src: ./src\n")
        with open(os.path.join(root, "src", "bench", "_index.yaml"), "w") as f:
            f.write(_INDEX)
        app = App.open(root, history=None)
        path = os.path.join(root, "lua.log")
        # console at info, as `wippy run` sets it: debug is below the level
        handler = logging.FileHandler(path)
        handler.setFormatter(wlog.JSONFormatter())
        wlog._install(handler, logging.INFO)

        def lua(how, n):
            return lambda: app.call("bench:loop", n, how)[0]
        app.call("bench:loop", 1000, "debug")
        empty = _best(lua("empty", n_calls), repeat)
        noop = _best(lua("noop", n_calls), repeat) - empty
        method = _best(lua("method", n_calls), repeat) - empty
        debug = _best(lua("debug", n_calls), repeat) - empty
        method_f = _best(lua("method_fields", n_calls), repeat) - empty
        debug_f = _best(lua("debug_fields", n_calls), repeat) - empty

        lua_lines = _best(lua("info", n_lines), repeat)
        handler.close()
        with open(path) as f:
            written = sum(1 for _ in f)
        with open(path) as f:
            sample = json.loads(f.readline())
        app.close()

        # the same records through Python's logging
        py_path = os.path.join(root, "py.log")
        plog = logging.getLogger("bench.py")
        plog.propagate = False
        plog.setLevel(logging.INFO)
        ph = logging.FileHandler(py_path)
        ph.setFormatter(_PyJSON())
        plog.addHandler(ph)
        extra = {"user": "bob", "status": 200, "ms": 1.5, "pid": sample.get("pid"),
                 "location": sample.get("location")}

        def py():
            t0 = time.process_time()
            for _ in range(n_lines):
                plog.info("request done", extra=extra)
            return time.process_time() - t0
        py_lines = _best(py, repeat)
        ph.close()
        plog.removeHandler(ph)
        with open(py_path) as f:
            py_written = sum(1 for _ in f)
        return {
            "n_calls": n_calls, "noop_ns": noop / n_calls * 1e9,
            "method_ns": method / n_calls * 1e9, "debug_ns": debug / n_calls * 1e9,
            "method_fields_ns": method_f / n_calls * 1e9, "debug_fields_ns": debug_f / n_calls * 1e9,
            "n_lines": n_lines, "lua_lps": n_lines / lua_lines, "py_lps": n_lines / py_lines,
            "lua_written": written, "py_written": py_written, "sample": sample,
        }
    finally:
        for h in list(wippy_log.handlers):
            if h not in saved[0]:
                wippy_log.removeHandler(h)
                h.close()
        wippy_log.setLevel(saved[1])
        wippy_log.propagate = saved[2]
        shutil.rmtree(root, ignore_errors=True)


def summary_lines(m):
    r_call = m["debug_ns"] / m["method_ns"]
    ratio = m["lua_lps"] / m["py_lps"]
    return [
        "logger:debug below the level: %.0f ns a call; an empty Lua method called the same "
        "way (obj:noop(msg)): %.0f ns; a plain empty Lua call noop(msg): %.0f ns "
        "(debug = %.2fx the method call, %.2fx the plain call; target <= 2x: %s)" % (
            m["debug_ns"], m["method_ns"], m["noop_ns"], r_call, m["debug_ns"] / m["noop_ns"],
            "met" if r_call <= 2 else "MISSED"),
        "  with a fields table built by Lua ({i = i}): logger:debug %.0f ns, obj:noop %.0f ns "
        "(%.2fx)" % (m["debug_fields_ns"], m["method_fields_ns"],
                     m["debug_fields_ns"] / m["method_fields_ns"]),
        "JSON lines to a file: logger:info from Lua %.0f lines/s, Python logging with a JSON "
        "formatter %.0f lines/s (%.2fx; target >= 0.8x: %s; %d and %d lines written)" % (
            m["lua_lps"], m["py_lps"], ratio, "met" if ratio >= 0.8 else "MISSED",
            m["lua_written"], m["py_written"]),
    ]


if __name__ == "__main__":
    for line in summary_lines(measure()):
        print(line)
