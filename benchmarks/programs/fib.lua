-- fib: recursive function calls
local t0 = os.clock()
local N = 32
if arg and arg[1] == "quick" then N = 20 end

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local total = 0
for n = N - 2, N do
  local f = fib(n)
  print("fib(" .. n .. ") = " .. f)
  total = total + f
end
print("checksum " .. total)
print(string.format("time: %.4f", os.clock() - t0))
