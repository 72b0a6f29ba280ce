-- integer + - * chains wrap at 64 bits exactly as step-by-step wrapping would
local x = -5000000000
print(x * 4000000000 + 1, x * 4000000000 - 1, (x * x) * x + 7, math.maxinteger * 2 + 2, 3 - math.mininteger * 3)
local a, b = 4611686018427387904, 3
print(a * b + 1, a + a + a, (a * 4) // 3, a * 2 - 1)
