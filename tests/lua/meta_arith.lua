-- arithmetic and bitwise metamethods
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({ x = x, y = y }, V) end
V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
V.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
V.__mul = function(a, b)
  if type(a) == "number" then return vec(a * b.x, a * b.y) end
  if type(b) == "number" then return vec(a.x * b, a.y * b) end
  return a.x * b.x + a.y * b.y
end
V.__div = function(a, b) return vec(a.x / b, a.y / b) end
V.__mod = function(a, b) return vec(a.x % b, a.y % b) end
V.__pow = function(a, b) return vec(a.x ^ b, a.y ^ b) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__idiv = function(a, b) return vec(a.x // b, a.y // b) end
V.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
local a, b = vec(1, 2), vec(3, 4)
print("add", tostring(a + b))
print("sub", tostring(a - b))
print("dot", a * b)
print("scale", tostring(a * 3), tostring(2 * b))
print("div", tostring(b / 2))
print("mod", tostring(b % 3))
print("pow", tostring(a ^ 2))
print("unm", tostring(-a))
print("idiv", tostring(b // 2))
-- bitwise metamethods
local B = {}
local function bits(v) return setmetatable({ v = v }, B) end
B.__band = function(p, q) return "band" end
B.__bor = function(p, q) return "bor" end
B.__bxor = function(p, q) return "bxor" end
B.__shl = function(p, q) return "shl" end
B.__shr = function(p, q) return "shr" end
B.__bnot = function(p) return "bnot" end
local m = bits(1)
print("bitwise", m & 1, 1 | m, m ~ m, m << 1, 1 >> m, ~m)
-- which operand's metamethod is used
local L = setmetatable({}, { __add = function() return "left" end })
local R = setmetatable({}, { __add = function() return "right" end })
print("left first", L + R, R + L, 1 + R, L + 1)
-- the metamethod receives operands in the original order
local order = setmetatable({}, { __sub = function(x, y)
  return (type(x) == "table" and "T" or tostring(x)) .. "-" .. (type(y) == "table" and "T" or tostring(y))
end })
print("order", order - 5, 5 - order)
-- __concat
local C = setmetatable({}, { __concat = function(x, y)
  return (type(x) == "table" and "C" or x) .. (type(y) == "table" and "C" or y)
end })
print("concat", C .. "x", "x" .. C, 1 .. C, "a" .. "b" .. C)
-- __unm gets the operand twice (5.3 passes it as both arguments)
local U = setmetatable({}, { __unm = function(x, y) return rawequal(x, y) end })
print("unm args", -U)
-- no metamethod: error
print("no __add", pcall(function() return {} + 1 end))
-- 5.3: string operands of arithmetic give floats (11.0 12.0 7.5 16.0); 5.4 prints 11 12 7.5 16
print("string arith", "10" + 1, "3" * "4", 10 - "2.5", "0x10" + 0)
-- 5.3: strings convertible to integers are accepted by bitwise operators (true 3); 5.4 raises an error
print("bitwise on strings", pcall(function() return "3" | 0 end))
print("mixed", 2 ^ 2, 7 // 2.0, 3 % math.huge)
