-- __index and __newindex: tables, functions, chains, rawget/rawset
local base = { greet = "hello", n = 1 }
local mid = setmetatable({ mid = true }, { __index = base })
local obj = setmetatable({}, { __index = mid })
print("chain", obj.greet, obj.mid, obj.missing)
print("rawget", rawget(obj, "greet"), rawget(mid, "mid"))
local calls = 0
local lazy = setmetatable({}, { __index = function(t, k)
  calls = calls + 1
  local v = k .. "!"
  rawset(t, k, v)
  return v
end })
print("function __index", lazy.a, lazy.a, lazy.b, calls)
print("integer keys", setmetatable({}, { __index = function(_, k) return k * 2 end })[21])
-- __index only applies to absent keys
local present = setmetatable({ x = false }, { __index = function() return "meta" end })
print("false is present", present.x, present.y)
-- __newindex with a function
local log = {}
local guarded = setmetatable({}, { __newindex = function(t, k, v)
  log[#log + 1] = tostring(k) .. "=" .. tostring(v)
  rawset(t, k, v * 10)
end })
guarded.a = 1
guarded.a = 2            -- key exists now: no metamethod
guarded.b = 3
print("newindex fn", guarded.a, guarded.b, table.concat(log, " "))
-- __newindex with a table redirects the assignment
local store = {}
local proxy = setmetatable({}, { __newindex = store, __index = store })
proxy.k = "v"
print("newindex table", rawget(proxy, "k"), store.k, proxy.k)
-- chained __newindex tables
local inner = {}
local outer = setmetatable({}, { __newindex = setmetatable({}, { __newindex = inner }) })
outer.z = 26
print("chained newindex", inner.z)
-- read-only table
local ro = setmetatable({}, { __index = { a = 1 }, __newindex = function(_, k)
  error("attempt to update a read-only table (key " .. k .. ")", 2)
end })
print("read-only", ro.a, pcall(function() ro.a = 2 end))
-- __index on strings goes to the string table
print("string methods", ("abc"):upper(), #getmetatable("").__index.rep("x", 3))
-- __index loop that is too deep
local loop = setmetatable({}, {})
getmetatable(loop).__index = loop
print("index loop", pcall(function() return loop.x end))
-- rawset bypasses __newindex
local r = setmetatable({}, { __newindex = function() error("no") end })
rawset(r, "q", 1)
print("rawset", r.q, rawequal(rawset(r, "w", 2), r))
-- __index function receives the original table
local seen
local probe = setmetatable({}, { __index = function(t) seen = t; return 0 end })
local _ = probe.anything
print("self passed", seen == probe)
