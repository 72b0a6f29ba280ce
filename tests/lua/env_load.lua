-- load and loadfile with an environment (Lua 5.3 6.1)
local G = _G
local e = {}
local f = load("v = 1; return _ENV", "=c", "t", e)
print(f() == e, e.v, G.v)
print(pcall(load("return x", "=c", "t", nil)))
print(pcall(load("return 1", "=c", "t", nil)))
print(pcall(load("x = 1", "=c", "t", false)))
print(load("return ...", "=c", "bt", e)(1, 2))
print(load("return 1", "c", "b"))
print(load("return 1", "c", 5))
print(pcall(load, "return 1", "c", {}))
print(load("\27Lua", "c", "t"))
local mt = setmetatable({}, {__index = G, __newindex = function(t, k, v) rawset(t, k, v * 2) end})
load("n = 21", "=c", "t", mt)()
print(mt.n, G.n)
local shared = {}
local p1 = load("function get() return tag end", "=p1", "t", setmetatable({tag = "one"}, {__index = shared}))
local p2 = load("return function() return tag end", "=p2", "t", {tag = "two"})
p1()
print(getmetatable(shared), rawget(shared, "get"), p2()())
-- a chunk loaded with an environment rebinds its own _ENV only
local g = load("_ENV = ...; y = 3", "=c", "t", {})
local target = {}
g(target)
print(target.y, G.y)
-- nested: a function with a local env calling load
local function sandbox(code)
  local _ENV = {print = print, load = load, tostring = tostring}
  local fn = load(code)       -- no env given: the global table
  return fn()
end
print(sandbox("return tostring(_G ~= nil)"))

-- loadfile: path, mode and env
local fe = {}
local lf = loadfile("env_data/counter.lua", "t", fe)
print(lf(), fe.count)
local c2, env2 = lf()
print(c2, env2 == fe)
print(pcall(loadfile("env_data/counter.lua", "bt", nil)))
local c3, env3 = loadfile("env_data/counter.lua")()
print(c3, env3 == G, count)
count = nil
print(loadfile("env_data/missing.lua"))
print(loadfile("env_data/counter.lua", "b"))
print(pcall(loadfile, "env_data/counter.lua", {}))
