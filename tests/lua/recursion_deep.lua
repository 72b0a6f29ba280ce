-- deep non-tail recursion works; unbounded recursion is a catchable error
local function depth(n)
  if n == 0 then return 0 end
  return 1 + depth(n - 1)
end
print("10000 levels", depth(10000))
print("20000 levels", depth(20000))

local function sum(t, i)
  if i > #t then return 0 end
  return t[i] + sum(t, i + 1)
end
local big = {}
for i = 1, 10000 do big[i] = i end
print("sum recursion", sum(big, 1))

local ok, err = pcall(depth, 1000000)
print("1000000 levels ok?", ok)
print("stack overflow message", type(err) == "string" and err:find("stack overflow", 1, true) ~= nil)

-- infinite recursion is caught the same way
local function forever(n) return 1 + forever(n + 1) end
ok, err = pcall(forever, 1)
print("infinite", ok, type(err) == "string" and err:find("stack overflow", 1, true) ~= nil)

-- the interpreter still works after a stack overflow
print("after overflow", depth(5000))

-- mutual recursion
local is_even, is_odd
function is_even(n) if n == 0 then return true end return is_odd(n - 1) end
function is_odd(n) if n == 0 then return false end return is_even(n - 1) end
print("mutual", is_even(10000), is_odd(7777))

-- recursion through metamethods
local mt = {}
mt.__index = function(t, k) if k <= 0 then return 0 end return t[k - 1] + 1 end
print("via __index", setmetatable({}, mt)[150])

-- recursion through pcall layers
local function nested(n)
  if n == 0 then return "bottom" end
  local ok2, v = pcall(nested, n - 1)
  return v
end
print("nested pcall", nested(150))
