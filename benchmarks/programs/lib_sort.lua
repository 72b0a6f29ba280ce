-- lib_sort: table.sort without a comparator (integers, floats, strings)
local t0 = os.clock()
local N, R = 20000, 6
if arg and arg[1] == "quick" then N, R = 500, 1 end

local seed = 21
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end
local ints, floats, strs = {}, {}, {}
for i = 1, N do
  ints[i] = rand(1000000) - 500000
  floats[i] = rand(100000) / 8
  strs[i] = "k" .. rand(1000000)
end

local sort = table.sort
local h = 0
for r = 1, R do
  local a, b, c = {}, {}, {}
  for i = 1, N do a[i] = ints[i]; b[i] = floats[i]; c[i] = strs[i] end
  sort(a)
  sort(b)
  sort(c)
  sort(a)                   -- already sorted
  h = (h + a[1] + a[N] + a[N // 2] + #c[1] + #c[N]) % 1000000007
  ints[r] = ints[r] + 1
end
print("sort", h, ints[1], strs[1])
print(string.format("time: %.4f", os.clock() - t0))
