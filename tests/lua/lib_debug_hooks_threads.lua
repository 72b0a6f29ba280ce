-- hooks belong to one thread (debug.sethook([thread,] ...)): a coroutine
-- neither inherits nor leaks its creator's hook; gethook([thread]); line
-- events at the 'end' of a function (its final return)
local function names(t) return table.concat(t, " ") end

local co1 = coroutine.create(function()
  local a = 1
  coroutine.yield()
  local b = 2
  local c = 3
end)
coroutine.resume(co1)
local lines = {}
debug.sethook(function(e, l) lines[#lines + 1] = l end, "l")
coroutine.resume(co1)
-- (a function written over several lines here would add Lua's line event
-- for the closure at its 'end')
local co2 = coroutine.wrap(function() local d = 4 local e = 5 end)
co2()
debug.sethook()
print("main only", names(lines))

-- a hook set inside a coroutine applies to it alone
lines = {}
local co3 = coroutine.wrap(function()
  debug.sethook(function(e, l) lines[#lines + 1] = l end, "l")
  local x = 1
  coroutine.yield()
  local y = 2
end)
co3()
local z = 1
-- 5.3: gethook with no hook returns nil, "" and 0 (5.4: only nil)
print("after first resume", names(lines), debug.gethook())
co3()
print("coroutine only", names(lines), debug.gethook())

-- a hook set from outside on a suspended coroutine, read back with gethook
lines = {}
local calls = 0
local co4 = coroutine.create(function()
  local p = 1
  coroutine.yield()
  local q = 2
  local function inner() return 1 end
  inner()
end)
coroutine.resume(co4)
local hook = function(e, l)
  if e == "line" then lines[#lines + 1] = l else calls = calls + 1 end
end
debug.sethook(co4, hook, "lc")
local f, m, c = debug.gethook(co4)
print("gethook co4", f == hook, m, c, debug.gethook())
local w = 1
coroutine.resume(co4)
print("co4 lines", names(lines), "calls", calls)
debug.sethook(co4)
print("cleared", debug.gethook(co4))

-- the final return of a function runs on the line of its 'end'
lines = {}
local function noret()
  local a = 1
end
local function cond(x)
  if x then
    return 1
  end
end
debug.sethook(function(e, l) lines[#lines + 1] = l end, "l")
noret()
cond(true)
cond(false)
for i = 1, 2 do
  local b = i
end
debug.sethook()
print("ends", names(lines))
local rets = {}
debug.sethook(function(e) rets[#rets + 1] = debug.getinfo(2, "l").currentline end, "r")
noret()
cond(false)
debug.sethook()
print("return hook lines", rets[1], rets[2])
