-- __eq, __lt and __le
local log = {}
local E = { __eq = function(a, b) log[#log + 1] = "eq"; return a.v == b.v end }
local a = setmetatable({ v = 1 }, E)
local b = setmetatable({ v = 1 }, E)
local c = setmetatable({ v = 2 }, E)
print("eq", a == b, a == c, a ~= b, a ~= c)
print("same object skips __eq", #log, a == a, #log)
print("eq with non-table", a == 1, a == "x", a == nil)
print("rawequal", rawequal(a, b), rawequal(a, a))
-- __eq result is converted to a boolean
local T = { __eq = function() return "yes" end }
print("eq truthy", setmetatable({}, T) == setmetatable({}, T))
local F = { __eq = function() return nil end }
print("eq falsy", setmetatable({}, F) == setmetatable({}, F), setmetatable({}, F) ~= setmetatable({}, F))
-- only one operand needs __eq
print("one side", setmetatable({}, T) == {}, {} == setmetatable({}, T))
-- __lt / __le
local N = {}
N.__lt = function(x, y) return x.n < y.n end
N.__le = function(x, y) return x.n <= y.n end
local function n(v) return setmetatable({ n = v }, N) end
print("lt", n(1) < n(2), n(2) < n(1), n(1) > n(2), n(2) > n(1))
print("le", n(1) <= n(1), n(2) <= n(1), n(1) >= n(1), n(1) >= n(2))
print("lt result to bool", setmetatable({}, { __lt = function() return 1 end }) < {})
-- __le absent: 5.3 falls back to not (b < a) using __lt
local O = { __lt = function(x, y) return x.n < y.n end }
local p, q = setmetatable({ n = 1 }, O), setmetatable({ n = 2 }, O)
-- 5.3: __le is emulated with "not (q < p)" (true true false); a stock 5.4 (built without
-- LUA_COMPAT_LT_LE) raises "attempt to compare two table values" instead
print("le via lt", pcall(function() return p <= q, p <= p, q <= p end))
-- comparing mixed types through metamethods
local M = { __lt = function(x, y)
  local xv = type(x) == "table" and x.n or x
  local yv = type(y) == "table" and y.n or y
  return xv < yv
end }
local m = setmetatable({ n = 5 }, M)
print("mixed lt", m < 10, 3 < m, m > 7)
-- errors
print("tables", pcall(function() return {} < {} end))
print("table/number", pcall(function() return {} < 1 end))
print("number/string", pcall(function() return 1 < "2" end))
print("string/number le", pcall(function() return "1" <= 2 end))
print("nil/number", pcall(function() return nil > 1 end))
print("booleans", pcall(function() return true < false end))
-- strings compare bytewise, numbers numerically
print("strings", "a" < "b", "abc" < "abd", "Z" < "a", "" < "a", "10" < "9")
print("numbers", 1 < 1.5, -0.0 < 0.0, -0.0 == 0.0, 1 == 1.0, math.huge > math.maxinteger)
print("nan", 0/0 < 1, 0/0 > 1, 0/0 == 0/0, 0/0 ~= 0/0)
-- different __eq functions on the two sides: the first operand's is used
local E1 = { __eq = function() return true end }
local E2 = { __eq = function() return false end }
print("left __eq", setmetatable({}, E1) == setmetatable({}, E2), setmetatable({}, E2) == setmetatable({}, E1))
