-- intloop: integer arithmetic with %, // and comparisons
local t0 = os.clock()
local N, C = 6000000, 60000
if arg and arg[1] == "quick" then N, C = 100000, 1000 end

-- linear congruential generator, folded into a checksum
local x, sum = 12345, 0
for i = 1, N do
  x = (x * 1103515245 + 12345) % 2147483648
  sum = sum + x // 65536 % 1000 + i % 7 - i // 3 % 5
end
print("lcg " .. x .. " " .. sum)

-- Collatz step counts
local steps, longest, arg_longest = 0, 0, 0
for n = 1, C do
  local m, s = n, 0
  while m ~= 1 do
    if m % 2 == 0 then m = m // 2 else m = 3 * m + 1 end
    s = s + 1
  end
  steps = steps + s
  if s > longest then longest, arg_longest = s, n end
end
print("collatz " .. steps .. " " .. longest .. " " .. arg_longest)

-- gcd sum with negative operands (floor semantics of // and %)
local g = 0
for a = -150, 150 do
  for b = 1, 60 do
    local p, q = a, b
    while q ~= 0 do p, q = q, p % q end
    g = g + p + a // b + a % b
  end
end
print("gcd " .. g)
print(string.format("time: %.4f", os.clock() - t0))
