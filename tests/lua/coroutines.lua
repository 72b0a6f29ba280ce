-- coroutines: create/resume/yield/status/wrap/isyieldable/running
local co = coroutine.create(function(a, b)
  print("started with", a, b)
  local c = coroutine.yield(a + b)
  print("resumed with", c)
  local d, e = coroutine.yield(c * 2)
  print("resumed again with", d, e)
  return "done", 99
end)
print("type", type(co), coroutine.status(co))
print("resume 1", coroutine.resume(co, 1, 2))
print("status", coroutine.status(co))
print("resume 2", coroutine.resume(co, 10))
print("resume 3", coroutine.resume(co, "x", "y"))
print("status", coroutine.status(co))
print("resume dead", coroutine.resume(co))
-- wrap
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end return "end" end)
print("wrap", gen(), gen(), gen(), gen())
print("wrap dead", pcall(gen))
-- errors inside coroutines
local bad = coroutine.create(function() error("inside") end)
print("error", coroutine.resume(bad))
print("status after error", coroutine.status(bad))
local bad2 = coroutine.create(function() error({ code = 7 }) end)
local ok, e = coroutine.resume(bad2)
print("error table", ok, e.code)
local w = coroutine.wrap(function() error("wrapped failure") end)
print("wrap error propagates", pcall(w))
print("wrap runtime error", pcall(coroutine.wrap(function() local x = nil; return x.f end)))
-- running / isyieldable
local main, ismain = coroutine.running()
print("running in main", type(main), ismain)
print("isyieldable in main", coroutine.isyieldable())
local inner = coroutine.create(function()
  local c, m = coroutine.running()
  print("running inside", type(c), m, coroutine.status(c))
  print("isyieldable inside", coroutine.isyieldable())
  print("status of main from inside", coroutine.status(main))
end)
coroutine.resume(inner)
-- yield across pcall
local across = coroutine.create(function()
  local ok2, v = pcall(function()
    local got = coroutine.yield("from inside pcall")
    error("after yield: " .. got, 0)
  end)
  coroutine.yield(ok2, v)
  return "finished"
end)
print("across 1", coroutine.resume(across))
print("across 2", coroutine.resume(across, "resumed"))
print("across 3", coroutine.resume(across))
-- yield from nested function calls
local function deep(n) if n == 0 then return coroutine.yield("bottom") end return deep(n - 1) end
local nested = coroutine.wrap(function() return "returned " .. deep(50) end)
print("nested yield", nested(), nested("value"))
-- resume a running coroutine / yield outside a coroutine
local self_co
self_co = coroutine.create(function() return coroutine.resume(self_co) end)
print("resume running", coroutine.resume(self_co))
print("yield in main", pcall(coroutine.yield, 1))
-- 5.3: the message is "(thread expected)"; 5.4 adds ", got number"
print("resume non-coroutine", pcall(coroutine.resume, 42))
-- a normal (resuming) coroutine
local outer
outer = coroutine.create(function()
  local sub = coroutine.create(function() return coroutine.status(outer) end)
  return coroutine.resume(sub)
end)
print("normal status", coroutine.resume(outer))
-- many values through yield and resume
local passer = coroutine.create(function(...)
  local n = select("#", ...)
  local r = table.pack(coroutine.yield(n, ...))
  return r.n, table.unpack(r, 1, r.n)
end)
print("pass 1", coroutine.resume(passer, 1, nil, 3))
print("pass 2", coroutine.resume(passer, nil, nil))
