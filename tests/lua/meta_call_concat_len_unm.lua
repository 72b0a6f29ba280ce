-- __call, __concat, __len, __unm
local C = setmetatable({ name = "callable" }, { __call = function(self, a, b)
  return self.name, a, b
end })
print("call", C(1, 2))
print("call via pcall", pcall(C, "x"))
print("call in method position", select("#", C()))
local counter = setmetatable({ n = 0 }, { __call = function(self) self.n = self.n + 1; return self.n end })
counter(); counter()
print("call state", counter())
-- a __call that is itself a callable table is not followed
local inner = setmetatable({}, { __call = function(_, x) return "inner", x end })
-- 5.3: __call must be a function: calling fails (false); 5.4 follows the chain (true)
print("__call is a callable table", (pcall(function() return setmetatable({}, { __call = inner })(7) end)))
-- __concat with numbers and chains
local S = {}
S.__concat = function(a, b)
  local av = type(a) == "table" and "[" .. a.s .. "]" or tostring(a)
  local bv = type(b) == "table" and "[" .. b.s .. "]" or tostring(b)
  return av .. bv
end
local s = setmetatable({ s = "s" }, S)
print("concat", s .. "x", "x" .. s, s .. s, 1 .. s, s .. 2.5)
print("concat chain", "a" .. s .. "b" .. "c")
print("concat error", pcall(function() return "a" .. {} end))
print("concat bool", pcall(function() return "a" .. true end))
-- __len
local L = setmetatable({ 1, 2, 3 }, { __len = function() return 42 end })
print("len", #L, rawlen(L))
print("len string result", #setmetatable({}, { __len = function() return "long" end }))
print("len multiple results", #setmetatable({}, { __len = function() return 1, 2 end }))
print("len of string ignores meta", #"abc")
print("len error", pcall(function() return #5 end))
-- __len is used by ipairs? (no) and table functions honour it (5.3)
local proxy = setmetatable({}, { __len = function() return 3 end, __index = function(_, i) return i * 10 end })
print("table.unpack uses __len/__index", table.unpack(proxy))
print("table.concat uses __len/__index", table.concat(proxy, ","))
-- __unm
local U = setmetatable({ v = 3 }, { __unm = function(x) return -x.v * 2 end })
print("unm", -U, - -U == nil)
print("unm error", pcall(function() return -{} end))
-- 5.3: unary minus on a numeric string gives a float (-2.0); 5.4 gives -2
print("unm string", -"2", -"2.5")
