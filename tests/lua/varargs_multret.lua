-- varargs, multiple results and their adjustment
local function count(...) return select("#", ...) end
print("select #", count(), count(nil), count(nil, nil), count(1, nil, 3, nil))
print("select n", select(2, "a", "b", "c"))
print("select -1", select(-1, "a", "b", "c"))
print("select -2", select(-2, "a", "b", "c"))
print("select errors", pcall(select, 0, 1), pcall(select, -5, 1))
local function three() return 1, 2, 3 end
local function none() end
print("last arg expands", three())
print("middle arg truncates", three(), "x")
print("parentheses truncate", (three()))
print("none in middle", none(), "after")
print("none at end", "before", none())
print("count of none", count(none()), count((none())))
local t = { three(), three() }
print("constructor", #t)
local packed = table.pack(three())
print("pack", packed.n, packed[1], packed[3])
local p2 = table.pack(nil, nil)
print("pack nils", p2.n, p2[1])
print("unpack", table.unpack({ 1, 2, 3 }))
print("unpack with nils", table.unpack({ 1, nil, 3 }, 1, 3))
print("unpack empty range", count(table.unpack({}, 1, 0)))
-- varargs in the middle of an expression list are truncated
local function va(...)
  local a, b = ...
  local all = { ... }
  return a, b, #all, ...
end
print("va", va(10, 20, 30))
-- ... in a table field call and as the last field
local function wrap(...) return { n = select("#", ...), ... } end
local w = wrap("p", "q")
print("wrap", w.n, w[1], w[2])
-- multiple assignment adjusts the right side
local a, b, c = three()
print("assign 3", a, b, c)
local d, e = 1
print("assign fewer", d, e)
local f, g = 1, 2, 3
print("assign more", f, g)
local h, i, j = (three())
print("assign truncated", h, i, j)
local k, l, m = three(), 10
print("assign middle call", k, l, m)
-- swap and evaluation of all expressions before assignment
local x, y = 1, 2
x, y = y, x
print("swap", x, y)
local arr = { 1, 2, 3 }
local idx = 1
idx, arr[idx] = idx + 1, "set"
print("index evaluated before assignment", idx, arr[1], arr[2])
-- return of a call is a tail of results
local function passthrough(...) return ... end
print("passthrough", passthrough(1, nil, 3))
print("count passthrough", count(passthrough(nil, nil, nil)))
-- string.format / math.max with a multret last argument
print("format multret", string.format("%d-%d-%d", three()))
print("max multret", math.max(three()))
-- varargs in the main chunk
print("main chunk varargs", select("#", ...))
-- a vararg function storing its arguments
local function store(...)
  local s = table.pack(...)
  return function() return table.unpack(s, 1, s.n) end
end
print("stored", count(store(1, nil, nil)()))
