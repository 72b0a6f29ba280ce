-- proper tail calls do not grow the stack
local function loop(n, acc)
  if n == 0 then return acc end
  return loop(n - 1, acc + 1)
end
print("tail 1000000", loop(1000000, 0))

local ping, pong
function ping(n) if n == 0 then return "ping done" end return pong(n - 1) end
function pong(n) if n == 0 then return "pong done" end return ping(n - 1) end
print("mutual tail", ping(300001))

local obj = { n = 0 }
function obj:count(k) if k == 0 then return self.n end self.n = self.n + 1 return self:count(k - 1) end
print("method tail", obj:count(200000))

-- a tail call through varargs
local function va(n, ...) if n == 0 then return select("#", ...) end return va(n - 1, ...) end
print("vararg tail", va(100000, 1, 2, 3))
