-- debug.sethook/gethook, metatables of every type, traceback, registry,
-- uservalues
local function work(n)
  local s = 0
  for i = 1, n do
    s = s + i
  end
  return s
end

local lines = {}
debug.sethook(function(ev, line) lines[#lines + 1] = ev .. line end, "l")
local r = work(3)
debug.sethook()
print(r, table.concat(lines, ","))
print(debug.gethook())

local evs = {}
debug.sethook(function(ev)
  local i = debug.getinfo(2, "nS")
  evs[#evs + 1] = ev .. ":" .. tostring(i.name) .. ":" .. i.what
end, "cr")
work(1)
debug.sethook()
print(table.concat(evs, " "))

local h = function() end
debug.sethook(h, "crl", 5)
local hf, hm, hc = debug.gethook()
debug.sethook()
print(hf == h, hm, hc)
local c = 0
debug.sethook(function(ev) c = c + 1 end, "", 100)
work(1000)
debug.sethook()
print(c > 10, debug.gethook())
local inhook
debug.sethook(function(ev, line)
  if not inhook then inhook = debug.getinfo(1, "n").namewhat .. " " .. debug.getinfo(2, "l").currentline end
end, "l")
local _ = 1
debug.sethook()
print(inhook)
print(pcall(debug.sethook, print))
print(pcall(debug.sethook, 1, "l"))

-- one metatable per type
debug.setmetatable(0, {__index = function(n, k) return k .. n end})
print((5).x, (2.5).y, getmetatable(1) == debug.getmetatable(2.5))
debug.setmetatable(true, {__concat = function(a, b) return "B" end, __len = function() return 7 end})
print(true .. "x", 1 .. false, #true)
debug.setmetatable(nil, {__index = function() return "nilidx" end})
local z = nil
print(z.foo)
debug.setmetatable(nil, nil)
debug.setmetatable(0, nil)
debug.setmetatable(false, nil)
print(getmetatable(1), getmetatable(true), pcall(function() return (1).x end))
debug.setmetatable(print, {__index = {name = "fn"}})
print(print.name, (function() end).name)
debug.setmetatable(print, nil)
print(debug.getmetatable("").__index == string)
local t = setmetatable({}, {__metatable = "locked"})
print(getmetatable(t), type(debug.getmetatable(t)))
print(debug.setmetatable(t, nil) == t, getmetatable(t))
print(pcall(debug.setmetatable, 1, 2))
print(pcall(debug.getmetatable))

-- traceback
function lvl2() return debug.traceback("msg", 1) .. "" end
print(lvl2())
print(debug.traceback("m", 0))
print(debug.traceback(nil))
print(debug.traceback(12))
print(type(debug.traceback({})))
local co = coroutine.create(function() coroutine.yield() end)
coroutine.resume(co)
print(debug.traceback(co))
print(debug.traceback(co, "x", 1))
local function bad() error("boom") end
print(xpcall(bad, function(m) local i = debug.getinfo(3, "Sl") return m .. " at " .. i.currentline end))

-- registry and uservalues
print(type(debug.getregistry()), debug.getregistry() == debug.getregistry())
print(debug.getregistry()._LOADED == package.loaded, debug.getregistry()[2] == _G)
print(debug.getuservalue(1), debug.getuservalue({}))
print(pcall(debug.setuservalue, 1, {}))
print(debug.getuservalue(io.stdout), debug.setuservalue(io.stdout, 5) == io.stdout, debug.getuservalue(io.stdout))
