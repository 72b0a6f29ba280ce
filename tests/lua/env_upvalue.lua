-- _ENV as a local, a parameter, an upvalue, rebound, and load with an env
local function f() local _ENV = {x = 1}; return x end
print(f())
local print = print
do local _ENV = setmetatable({}, {__index = _G}); y = 5; print(y, _G.y) end
local function g(_ENV) return a + b end
print(g({a = 2, b = 3}))
local function h() return _ENV end
print(h() == _G)
local G = _G
_ENV = setmetatable({}, {__index = G})
z = 3
print(z, G.z, h() == G)
local fn = G.load("q = 7; return q", "c", "t", {})
print(fn(), G.q)
