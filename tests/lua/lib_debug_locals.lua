-- debug.getlocal/setlocal and the upvalue functions
local x = 5
local function f(a, b, ...)
  local c = a
  for i = 1, 10 do
    local name, value = debug.getlocal(1, i)
    if not name then break end
    if name ~= "i" and name ~= "(for index)" then print(i, name, value) end
  end
  print(debug.getlocal(1, -1))
  print(debug.getlocal(1, -2))
  print(debug.getlocal(1, -3))
  return x
end
f(1, 2, "v1", "v2")

local function blocks()
  do local inner = 1 end
  local after = 2
  for k = 1, 1 do
    local body = 3
    for i = 1, 12 do
      local name, v = debug.getlocal(1, i)
      if not name then break end
      if name ~= "i" and name ~= "(for index)" then print("block", i, name, v) end
    end
  end
  for k, v in pairs({a = 1}) do
    print(debug.getlocal(1, 2), debug.getlocal(1, 4))
    print(debug.getlocal(1, 5))
    print(debug.getlocal(1, 6))
  end
end
blocks()

-- setlocal, varargs
local function g(a, b)
  local y = 10
  print(debug.setlocal(1, 3, 99), debug.setlocal(1, 1, "A"), debug.setlocal(1, 9, 0))
  return a, b, y
end
print(g(1, 2))
local function va(...)
  print(debug.setlocal(1, -1, "changed"), debug.setlocal(1, -5, 1))
  print(...)
end
va("p", "q")

-- a function value gives its parameter names
print(debug.getlocal(f, 1), debug.getlocal(f, 2), debug.getlocal(f, 3), debug.getlocal(print, 1))

-- other levels and coroutines
-- (no tail calls here: Lua would drop the calling level)
local function callee() local n, v = debug.getlocal(2, 1) return n, v end
local function caller(p) local q = 2 local n, v = callee() return n, v end
print(caller("P"))
local co = coroutine.create(function(p, q)
  local z = p + q
  coroutine.yield(z)
  local w = 5
  coroutine.yield(w)
end)
coroutine.resume(co, 1, 2)
print(debug.getlocal(co, 1, 3))
print(debug.setlocal(co, 1, 3, 30))
print(debug.getlocal(co, 1, 3))
coroutine.resume(co)
print(debug.getlocal(co, 1, 4))

-- bad levels
print(pcall(debug.getlocal, 100, 1))
print(pcall(debug.setlocal, 100, 1, 1))
print(pcall(debug.getlocal, 1))
print(pcall(debug.getlocal, co, 50, 1))

-- upvalues: names in Lua's order, _ENV for globals
local up1, up2 = 1, 2
local function h() return up1 + up2 end
local function h2() print(up2) return up2 end
print((debug.getupvalue(f, 1)), debug.getupvalue(f, 2))
local n1, v1 = debug.getupvalue(h2, 1)
print(n1, v1 == _G)
print(debug.getupvalue(h2, 2))
print(debug.getupvalue(h, 3), debug.getupvalue(print, 1))
print(debug.setupvalue(h, 1, 40), h(), debug.setupvalue(h, 5, 1))
print(debug.upvalueid(h, 2) == debug.upvalueid(h2, 2), debug.upvalueid(h, 1) == debug.upvalueid(h2, 2))
debug.upvaluejoin(h, 1, h2, 2)
print(h())
print(pcall(debug.upvalueid, h, 3))
print(pcall(debug.getupvalue, 1, 1))
print(pcall(debug.upvaluejoin, h, 1, h2, 7))

-- loop locals captured per iteration
local fs = {}
for i = 1, 2 do fs[i] = function() return i end end
print(debug.getupvalue(fs[2], 1))
print(debug.upvalueid(fs[1], 1) == debug.upvalueid(fs[2], 1))
debug.upvaluejoin(fs[1], 1, fs[2], 1)
print(fs[1](), debug.setupvalue(fs[2], 1, 7), fs[1]())

-- the main chunk's _ENV
local env = {print = print}
local chunk = load("y = 1 return y")
print(select(2, debug.getupvalue(chunk, 1)) == _G)
print(debug.setupvalue(chunk, 1, env), chunk(), env.y, rawget(_G, "y"))
