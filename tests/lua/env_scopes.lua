-- _ENV as a local, parameter, loop variable and upvalue (Lua 5.3 manual 2.2)
local G = _G
local print, setmetatable, load, pairs, tostring = print, setmetatable, load, pairs, tostring

-- a local _ENV ends with its block
local e1, e2 = {}, {}
do
  local _ENV = e1
  a = 1
end
print(e1.a, a)

-- multiple assignment: globals assigned with _ENV go to its old value
do
  local _ENV = e1
  x, _ENV = 1, e2
  y = 2
end
print(e1.x, e2.x, e1.y, e2.y)
do
  local _ENV = e1
  _ENV, z = e2, 3
  w = 4
end
print(e1.z, e2.z, e1.w, e2.w)

-- loop variables named _ENV
local envs = {{v = "a"}, {v = "b"}}
for _, _ENV in G.ipairs(envs) do print(v) end
for i, _ENV in G.ipairs(envs) do vv = i end
print(envs[1].vv, envs[2].vv)
print(G.pcall(function() for _ENV = 1, 2 do return x end end))

-- closures capture a fresh _ENV per iteration
local fs = {}
for i = 1, 3 do
  local _ENV = {n = i}
  fs[i] = function() n = n * 10; return n end
end
print(fs[1](), fs[2](), fs[3](), fs[1]())
local k = 0
local gs = {}
::again::
do
  local _ENV = {kk = k}
  gs[#gs + 1] = function() return kk end
end
k = k + 1
if k < 3 then goto again end
print(gs[1](), gs[2](), gs[3]())

-- a captured local _ENV assigned in a closure
local function mk()
  local _ENV = {a = 1}
  local function get() return a end
  local function set(t) _ENV = t end
  return get, set
end
local get, set = mk()
print(get()); set({a = 2}); print(get())

-- metatables on the environment
do
  local log = {}
  local _ENV = setmetatable({}, {
    __index = function(t, k) return "idx:" .. k end,
    __newindex = function(t, k, v) log[#log + 1] = k .. "=" .. tostring(v) end})
  q = 5
  print(q, log[1], G.rawget(_ENV, "q"))
end
do
  local base = {shared = "base"}
  local _ENV = setmetatable({}, {__index = base, __newindex = base})
  own = 1
  print(shared, own, base.own, G.rawget(_ENV, "own"))
end

-- function statements store into the local environment
do
  local _ENV = {}
  function f1() return 1 end
  local t = {}
  function t.m() return 2 end
  G.print(f1(), _ENV.f1 ~= nil, G.f1, t.m())
end

-- _ENV read, passed, returned, compared
local function ret(_ENV) return _ENV end
print(ret(e1) == e1, ret() == nil)
print(G == _ENV, _ENV._G == G, _ENV["print"] == print)
local function va(_ENV, ...) return x, ... end
print(va({x = "X"}, 1, 2))
local obj = setmetatable({}, {__index = {greet = function() return "hi" end}})
local function m(_ENV) return greet() end
print(m(obj))
local function nested(_ENV)
  return function() return v1, function() return v2 end end
end
local r1, r2 = nested({v1 = 1, v2 = 2})()
print(r1, r2())
local function shadow()
  local _ENV = {v = "outer"}
  local function inner()
    local _ENV = {v = "inner"}
    return v
  end
  return v, inner(), v
end
print(shadow())
local function arith(_ENV) return n + 1, n * 2.5, s .. "!" end
print(arith({n = 4, s = "s"}))
print(G.select("#", ret()))

-- a string as environment: its metatable's __index is the string library
print(load("return upper('abc'), byte == ('').byte", "=s", "t", "xyz")())
