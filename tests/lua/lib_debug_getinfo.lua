-- debug.getinfo: levels, every field, names, sources, bad arguments
local function show(t)
  if t == nil then print("nil") return end
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    local v = t[k]
    if type(v) == "table" then
      local ls = {}
      for l in pairs(v) do ls[#ls + 1] = l end
      table.sort(ls)
      v = "{" .. table.concat(ls, ",") .. "}"
    elseif type(v) == "function" then
      v = "fn"
    end
    out[#out + 1] = k .. "=" .. tostring(v)
  end
  print(table.concat(out, " "))
end

local x = 5
function gfun(a, b, ...)
  local c = a
  show(debug.getinfo(1))
  show(debug.getinfo(2, "Slnutf"))
  show(debug.getinfo(3, "S"))
  print(debug.getinfo(4))
  print(debug.getinfo(1, "f").func == gfun, debug.getinfo(0, "n").name)
  return x
end
gfun(1, 2, "v1", "v2")

local function f(a)
  local b = a * 2
  return b
end
show(debug.getinfo(f))
show(debug.getinfo(print))
show(debug.getinfo(f, "L"))
show(debug.getinfo(1, "L"))

-- names as the calling code gives them
local t = {}
function t.m() return debug.getinfo(1, "n") end
function t:n() return debug.getinfo(1, "n") end
local function lf() return debug.getinfo(1, "n") end
local function up() local r = lf() return r end
show(t.m()); show(t:n()); show(lf()); show(up())
show(select(2, pcall(lf)))
local mt = {__index = function(_, k) return debug.getinfo(1, "n") end,
            __add = function() return debug.getinfo(1, "n") end}
local obj = setmetatable({}, mt)
show(obj.field); show(obj + 1)
for info in function(_, c) if c then return nil end return debug.getinfo(1, "n") end do show(info) end

-- sources of loaded chunks
show(load("local x = 1\nreturn debug.getinfo(1, 'S')")())
show(load("return debug.getinfo(1, 'S')", "=mychunk")())
show(load("return debug.getinfo(1, 'S')", "@other.lua")())
show(load("return debug.getinfo(1, 'S')", "named")())

-- coroutines
local co = coroutine.create(function(p)
  local z = p
  coroutine.yield()
end)
coroutine.resume(co, 7)
show(debug.getinfo(co, 0))
show(debug.getinfo(co, 1, "Sl"))
print(debug.getinfo(co, 2))
coroutine.wrap(function() show(debug.getinfo(1, "S")) print(debug.getinfo(2)) end)()

-- bad arguments
print(debug.getinfo(100))
print(pcall(debug.getinfo, {}))
print(pcall(debug.getinfo, 1, "q"))
print(pcall(debug.getinfo, 1, {}))
print(pcall(debug.getinfo))
