-- numeric for loops
local function collect(a, b, c)
  local t = {}
  if c then
    for i = a, b, c do t[#t + 1] = tostring(i) end
  else
    for i = a, b do t[#t + 1] = tostring(i) end
  end
  return table.concat(t, " ")
end
print("basic", collect(1, 5))
print("step 2", collect(1, 10, 2))
print("negative step", collect(5, 1, -1))
print("negative step 3", collect(10, 1, -3))
print("empty", "[" .. collect(5, 1) .. "]", "[" .. collect(1, 5, -1) .. "]")
print("single", collect(3, 3))
print("float loop", collect(0, 1, 0.25))
print("float start", collect(1.0, 3))
print("float limit", collect(1, 2.5))
print("float negative", collect(1, 0, -0.5))
print("float accumulates", collect(0.1, 0.5, 0.1))
print("float step types", (function() for i = 1, 2, 1.0 do return math.type(i) end end)())
print("int types", (function() for i = 1, 2 do return math.type(i) end end)())
-- loops near the integer limits terminate without overflow
-- 5.3: the reference 5.3.6 interpreter wraps the control variable around here and loops
-- forever (or, for the overshoot case, yields 1 -9223372036854775808 -1); we expect the
-- overflow-safe results of 5.4, as for every loop in this block
print("near maxinteger", collect(math.maxinteger - 2, math.maxinteger))
print("near mininteger", collect(math.mininteger + 2, math.mininteger, -1))
print("max step", collect(0, math.maxinteger, math.maxinteger))
print("min step", collect(0, math.mininteger, math.mininteger))
print("big step overshoot", collect(1, 10, math.maxinteger))
print("integer loop with float limit", collect(math.maxinteger - 1, 2^63))
-- the limit is evaluated once
local calls = 0
local function limit() calls = calls + 1; return 3 end
for _ = 1, limit() do end
print("limit evaluated once", calls)
-- the loop variable is local to the loop
local i = "outer"
for i = 1, 2 do end
print("loop var scope", i)
-- modifying the limit variable inside does not change the loop
local n = 3
local iters = 0
for _ = 1, n do n = n + 1; iters = iters + 1 end
print("limit fixed", iters)
-- large counts
local sum = 0
for k = 1, 100000 do sum = sum + k end
print("sum", sum)
-- error cases
-- 5.3: "'for' initial value must be a number"; 5.4: "bad 'for' initial value (number expected, got string)"
print("bad start", pcall(function() for _ = "x", 1 do end end))
-- a numeric string is accepted as a 'for' value
print("string limit", pcall(function() for _ = 1, "2" do end end))
-- 5.3: a zero step is not an error: the loop runs while limit <= i, so with start < limit
-- it runs zero times (true 0 / true 0); 5.4 raises "'for' step is zero" for both
print("zero step", pcall(function() local c = 0; for _ = 1, 10, 0 do c = c + 1 end; return c end))
print("float zero step", pcall(function() local c = 0; for _ = 1, 10, 0.0 do c = c + 1 end; return c end))
-- float loop limits beyond integer range
print("float limit huge", (function() local c = 0; for _ = 1, math.huge do c = c + 1; if c == 5 then break end end; return c end)())
print("negative float limit", collect(-3, -1.5))
