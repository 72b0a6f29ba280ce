-- Tail calls: wippy does not implement proper tail calls (the issue allows
-- that when they would cost ordinary calls), so long tail-call chains work
-- up to the recursion limit and end in a clean "stack overflow" error.
local function loop(n, acc)
  if n == 0 then return acc end
  return loop(n - 1, acc + 1)
end
print("tail 100000", loop(100000, 0))
-- wippy: 10,000,000 tail calls overflow (real Lua 5.3 prints "true false" here)
local ok, err = pcall(loop, 10000000, 0)
print("tail 10000000", ok, (string.find(tostring(err), "stack overflow", 1, true)) ~= nil)

local ping, pong
function ping(n) if n == 0 then return "ping done" end return pong(n - 1) end
function pong(n) if n == 0 then return "pong done" end return ping(n - 1) end
print("mutual tail", ping(100001))

local obj = { n = 0 }
function obj:count(k) if k == 0 then return self.n end self.n = self.n + 1 return self:count(k - 1) end
print("method tail", obj:count(100000))

-- a tail call through varargs
local function va(n, ...) if n == 0 then return select("#", ...) end return va(n - 1, ...) end
print("vararg tail", va(100000, 1, 2, 3))
