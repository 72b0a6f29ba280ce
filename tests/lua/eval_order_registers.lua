-- a local captured by a closure is read when the operation runs (arithmetic, comparison) or copied first (concatenation), as Lua 5.3 does
local n = 5
local function setn() n = 1.5; return 0 end
print(n + setn(), n < setn(), n .. setn())
n = 7
local function inner() return n + setn() end
print(inner(), n)
