-- closures capture a fresh local per loop iteration
local fs = {}
for i = 1, 3 do fs[#fs + 1] = function() return i end end
print("numeric for", fs[1](), fs[2](), fs[3]())
fs = {}
for _, v in ipairs({ "a", "b", "c" }) do fs[#fs + 1] = function() return v end end
print("generic for", fs[1](), fs[2](), fs[3]())
fs = {}
for k, v in pairs({ x = 1 }) do fs[1] = function() return k .. v end end
print("pairs vars", fs[1]())
fs = {}
local j = 0
while j < 3 do
  j = j + 1
  local captured = j
  fs[#fs + 1] = function() return captured end
end
print("while local", fs[1](), fs[2](), fs[3]())
fs = {}
local r = 0
repeat
  r = r + 1
  local x = r * 10
  fs[#fs + 1] = function() x = x + 1; return x end
until x >= 30          -- the until expression sees the body's locals
print("repeat local", fs[1](), fs[1](), fs[2](), fs[3]())
-- the loop variable is a copy: changing it does not affect the iteration
local seen = {}
for i = 1, 3 do
  local before = i
  i = i * 10
  seen[#seen + 1] = before .. ">" .. i
end
print("modify loop var", table.concat(seen, " "))
-- closures modifying a shared upvalue
local function make()
  local n = 0
  return function() n = n + 1; return n end, function() return n end
end
local inc, get = make()
inc(); inc()
print("shared upvalue", get())
local inc2, get2 = make()
inc2()
print("independent", get(), get2())
-- closures in nested loops capture both variables
fs = {}
for a = 1, 2 do
  for b = 1, 2 do fs[#fs + 1] = function() return a * 10 + b end end
end
print("nested", fs[1](), fs[2](), fs[3](), fs[4]())
-- a closure capturing a loop local that is later modified in the same iteration
fs = {}
for i = 1, 2 do
  local v = i
  fs[i] = function() return v end
  v = v + 100
end
print("modified after capture", fs[1](), fs[2]())
-- upvalue of an upvalue
local function outer()
  local x = 1
  return function()
    return function() x = x + 1; return x end
  end
end
local mid = outer()
local f1, f2 = mid(), mid()
print("deep upvalue", f1(), f2(), f1())
-- locals declared in a block after a closure was created are separate
local t = {}
do
  local y = "first"
  t[1] = function() return y end
  local y = "second"
  t[2] = function() return y end
end
print("shadowing", t[1](), t[2]())
