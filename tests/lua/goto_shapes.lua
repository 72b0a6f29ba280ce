-- goto: continue, breaking out of nested loops, backward loops
local out = {}
for i = 1, 10 do
  if i % 3 == 0 then goto continue end
  out[#out + 1] = i
  ::continue::
end
print("continue in for", table.concat(out, ","))
out = {}
local i = 0
while i < 10 do
  i = i + 1
  if i % 2 == 0 then goto continue end
  out[#out + 1] = i
  ::continue::
end
print("continue in while", table.concat(out, ","))
out = {}
i = 0
repeat
  i = i + 1
  if i == 2 then goto continue end
  out[#out + 1] = i
  ::continue::
until i >= 5
print("continue in repeat", table.concat(out, ","))
-- break out of two nested loops
local found
for a = 1, 10 do
  for b = 1, 10 do
    if a * b == 42 then found = a .. "*" .. b; goto done end
  end
end
::done::
print("nested break", found)
-- a backward goto forming a loop
local n, acc = 0, {}
::top::
n = n + 1
acc[#acc + 1] = n
if n < 5 then goto top end
print("backward loop", table.concat(acc, " "))
-- goto and closures: each pass through the label creates a fresh local
local fs = {}
do
  local k = 1
  ::again::
  local captured = k
  fs[#fs + 1] = function() return captured end
  k = k + 1
  if k <= 3 then goto again end
end
print("fresh locals", fs[1](), fs[2](), fs[3]())
-- goto skipping to the end of a block
do
  goto skip
  print("never printed")
  ::skip::
end
print("skip", "ok")
-- labels in nested functions are independent
local function f()
  for x = 1, 3 do
    if x == 2 then goto next end
    do
      local y = x
      if y == 3 then return "returned at " .. y end
    end
    ::next::
  end
end
print("in function", f())
-- state machine
local state, trace = "a", {}
::sm::
trace[#trace + 1] = state
if state == "a" then state = "b"; goto sm
elseif state == "b" then state = "c"; goto sm
end
print("state machine", table.concat(trace, "->"))
