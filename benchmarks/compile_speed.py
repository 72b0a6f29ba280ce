"""Compile throughput and cached load time (issue targets: at least 3,000
lines/s cold; a cached 1,000-line file loads in under 20 ms).

The source is every benchmark program plus a synthetic typed-Lua module,
repeated to about 3,000 lines; "cold" compiles with the cache disabled
(lexer, dialect pass, parser, code generation, Python ``compile``), "cached"
loads a 1,000-line file from the on-disk cache into a fresh Lua state and
binds it (unmarshal + exec of the module body)."""

import glob
import os
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

_TYPED_UNIT = '''\
type Rec{n} = {{id: integer, name: string?, tags: {{string}}}}
local function make{n}(id: integer, name: string?): Rec{n}
  local tags: {{string}} = {{}}
  for i = 1, id % 5 do tags[#tags + 1] = "t" .. i end
  return {{id = id, name = name or ("r" .. id), tags = tags}}
end
local function sum{n}(recs: {{Rec{n}}}): (integer, string?)
  local s = 0
  for _, r in ipairs(recs) do
    if r.name ~= nil and #r.tags > 1 then s = s + r.id * 2 else s = s - 1 end
  end
  return s, nil
end
'''


def _sources():
    parts = []
    for path in sorted(glob.glob(os.path.join(HERE, "programs", "*.lua"))):
        with open(path, encoding="latin-1") as f:
            parts.append("do\n%s\nend" % f.read())
    n = 0
    while sum(p.count("\n") for p in parts) < 3000:
        parts.append("do\n%s\nend" % _TYPED_UNIT.format(n=n))
        n += 1
    return "\n".join(parts)


def _thousand_lines():
    units = []
    n = 0
    while sum(u.count("\n") for u in units) < 1000:
        units.append("do\n%s\nend" % _TYPED_UNIT.format(n=n))
        n += 1
    return "\n".join(units)


def measure(repeat=3):
    """Returns a dict: lines, cold_s, lines_per_s, cached_lines, cached_ms."""
    from wippy.compiler.chunk import compile_chunk
    from wippy.runtime.interp import LuaState
    src = _sources()
    lines = src.count("\n") + 1
    best = None
    for i in range(repeat):
        t0 = time.perf_counter()
        compile_chunk(src, "compile_bench_%d.lua" % i, use_cache=False)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    thousand = _thousand_lines()
    with tempfile.TemporaryDirectory() as d:
        old = os.environ.get("WIPPY_CACHE_DIR")
        os.environ["WIPPY_CACHE_DIR"] = d
        try:
            compile_chunk(thousand, "cached_bench.lua")
            st = LuaState()
            cached = None
            for _ in range(max(repeat, 5)):
                t0 = time.perf_counter()
                st.bind(compile_chunk(thousand, "cached_bench.lua"))
                dt = time.perf_counter() - t0
                cached = dt if cached is None else min(cached, dt)
        finally:
            if old is None:
                os.environ.pop("WIPPY_CACHE_DIR", None)
            else:
                os.environ["WIPPY_CACHE_DIR"] = old
    return {"lines": lines, "cold_s": best, "lines_per_s": lines / best,
            "cached_lines": thousand.count("\n") + 1, "cached_ms": cached * 1000.0}


def summary_lines(m):
    return [
        "compile, cold: %d lines in %.3f s = %.0f lines/s (target >= 3,000: %s)" % (
            m["lines"], m["cold_s"], m["lines_per_s"],
            "met" if m["lines_per_s"] >= 3000 else "MISSED"),
        "cached load of a %d-line file: %.1f ms (target < 20 ms: %s)" % (
            m["cached_lines"], m["cached_ms"], "met" if m["cached_ms"] < 20 else "MISSED"),
    ]


if __name__ == "__main__":
    for line in summary_lines(measure()):
        print(line)
