-- closures: closure creation and calls, upvalue counters
local t0 = os.clock()
local N = 600000
if arg and arg[1] == "quick" then N = 10000 end

local function counter()
  local n = 0
  return function(k) n = n + (k or 1); return n end
end

local function adder(x) return function(y) return x + y end end

local function compose(f, g) return function(v) return f(g(v)) end end

local total = 0
for i = 1, N do
  local c = counter()                 -- a fresh closure with its own upvalue
  c(); c(i % 5)
  local f = compose(adder(i), adder(-1))
  total = total + c() + f(i % 10)
end
print("created", total)

-- shared upvalues between two closures
local function pair()
  local v = 0
  return function() v = v + 1 end, function() return v end
end
local inc, get = pair()
for _ = 1, N * 3 do inc() end
print("shared", get())

-- closures captured in a loop (fresh local per iteration)
local fs = {}
for i = 1, 100 do fs[i] = function() return i * i end end
local s = 0
for _ = 1, N // 100 do
  for j = 1, #fs do s = s + fs[j]() end
end
print("loop", s)
print(string.format("time: %.4f", os.clock() - t0))
