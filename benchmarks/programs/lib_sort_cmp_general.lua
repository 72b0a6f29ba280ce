-- lib_sort_cmp_general: table.sort with comparators that are not plain key
-- comparisons (computed keys, an upvalue), so every comparison calls Lua
local t0 = os.clock()
local N, R = 12000, 10
if arg and arg[1] == "quick" then N, R = 500, 1 end

local seed = 41
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end
local ints, recs = {}, {}
for i = 1, N do
  ints[i] = rand(1000000)
  recs[i] = { key = rand(100), id = i }
end

local M = 1000
local function bymod(x, y) return x % M < y % M or (x % M == y % M and x < y) end
local function weighted(x, y) return x.key * 3 + x.id < y.key * 3 + y.id end

local sort = table.sort
local h = 0
for r = 1, R do
  local a, b = {}, {}
  for i = 1, N do a[i] = ints[i]; b[i] = recs[i] end
  sort(a, bymod)
  sort(b, weighted)
  h = (h + a[1] + a[N] + b[1].id + b[N].id) % 1000000007
  ints[r] = ints[r] + 7
end
print("sort", h)
print(string.format("time: %.4f", os.clock() - t0))
