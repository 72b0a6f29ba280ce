-- lib_sort_cmp: table.sort with a comparator function
local t0 = os.clock()
local N, R = 12000, 14
if arg and arg[1] == "quick" then N, R = 500, 1 end

local seed = 23
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end
local ints, recs = {}, {}
for i = 1, N do
  ints[i] = rand(1000000)
  recs[i] = { key = rand(100), id = i }
end

local function desc(x, y) return x > y end
local function bykey(x, y)
  if x.key ~= y.key then return x.key < y.key end
  return x.id < y.id
end

local sort = table.sort
local h = 0
for r = 1, R do
  local a, b = {}, {}
  for i = 1, N do a[i] = ints[i]; b[i] = recs[i] end
  sort(a, desc)
  sort(b, bykey)
  h = (h + a[1] + a[N] + b[1].id + b[N].id + b[N // 2].key) % 1000000007
  ints[r] = ints[r] + 7
end
print("sort", h)
print(string.format("time: %.4f", os.clock() - t0))
