"""Throughput of the compiler front end (lexer + dialect pass + parser).

Run: ``python tests/compiler/bench_frontend.py`` (from the repository root).
Builds a synthetic file of typical Wippy-style Lua (about 2,000 lines: locals,
functions, tables, method calls, string building, loops, comments and a few
type annotations) and prints lines/s for each stage and for the whole
(best CPU time of several runs).
"""

import os
import sys
import time

try:
    from wippy.compiler.dialect import strip
    from wippy.compiler.lexer import tokenize
    from wippy.compiler.parser import parse, parse_tokens
except ImportError:                     # not installed: run from the checkout
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
    from wippy.compiler.dialect import strip
    from wippy.compiler.lexer import tokenize
    from wippy.compiler.parser import parse, parse_tokens

UNIT = '''\
-- Handler number {n}: validates input and stores a record.
local M{n} = {{}}

type Rec{n} = {{ id: integer, name: string, tags: {{string}}?, meta: {{[string]: any}} }}

local function validate_{n}(input: table, opts: {{strict: boolean?}}?): (boolean, string?)
  if type(input) ~= "table" then
    return false, "input must be a table"
  end
  local count = 0
  for key, value in pairs(input) do
    if value == nil or value == "" then
      return false, "missing value for " .. tostring(key)
    elseif type(value) == "number" and value < 0 then
      return false, string.format("negative %s: %d", key, value)
    end
    count = count + 1
  end
  return count > 0, nil
end

function M{n}.store(self, record, options)
  local ok, err = validate_{n}(record, {{ strict = true }})
  if not ok then
    return nil, errors.new({{ kind = "INVALID", message = err, retryable = false }})
  end
  local rows = {{}}
  for i = 1, #record.items do
    local item = record.items[i]
    rows[#rows + 1] = {{ id = item.id * 2 + 1, label = item.name:upper(), weight = (item.w or 0) / 3 }}
  end
  local db = sql.get("app:db") :: any
  local res, qerr = db:execute("INSERT INTO t (id, name) VALUES (?, ?)", record.id, record.name)
  if qerr then
    log:warn("insert failed", {{ id = record.id, error = tostring(qerr) }})
    return nil, qerr
  end
  --[[ bookkeeping
       of counters ]]
  self.total = (self.total or 0) + #rows
  return res.last_insert_id, nil
end

'''


def make_source(lines=2000):
    parts = []
    n = 0
    total = 0
    while total < lines:
        text = UNIT.format(n=n)
        parts.append(text)
        total += text.count("\n")
        n += 1
    parts.append("return M0\n")
    return "".join(parts)


def best_of(fn, repeat=11):
    """Best CPU time of ``repeat`` runs (CPU time: robust on a shared machine)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main():
    src = make_source()
    nlines = src.count("\n")
    toks = tokenize(src, "bench.lua")
    plain = strip(toks, "bench.lua", src)
    t_lex = best_of(lambda: tokenize(src, "bench.lua"))
    t_strip = best_of(lambda: strip(toks, "bench.lua", src))
    t_parse = best_of(lambda: parse_tokens(plain, "bench.lua", src))
    t_all = best_of(lambda: parse(src, "bench.lua"))
    print(f"{nlines} lines, {len(toks)} tokens")
    for name, t in (("lexer", t_lex), ("dialect", t_strip), ("parser", t_parse),
                    ("total", t_all)):
        print(f"{name:8s} {t * 1000:7.1f} ms  {nlines / t:10,.0f} lines/s")


if __name__ == "__main__":
    main()
