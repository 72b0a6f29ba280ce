-- lib_sort_cmp_lua: table.sort with comparators that are genuinely Lua code
-- (a side effect counting the calls; locals and a branch returning a
-- boolean field), so no key can stand in for them: every comparison calls
-- the comparator
local t0 = os.clock()
local N, R = 12000, 10
if arg and arg[1] == "quick" then N, R = 500, 1 end

local seed = 77
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end
local ints, recs = {}, {}
for i = 1, N do
  ints[i] = rand(1000000)
  recs[i] = { prio = rand(50), urgent = rand(10) == 0, id = i }
end

local calls = 0
local function counted(x, y)
  calls = calls + 1
  return x < y
end
local function byprio(a, b)
  if a.urgent ~= b.urgent then return a.urgent end   -- urgent ones first
  local pa, pb = a.prio, b.prio
  if pa ~= pb then return pa > pb end
  return a.id < b.id
end

local sort = table.sort
local h = 0
for r = 1, R do
  local a, b = {}, {}
  for i = 1, N do a[i] = ints[i]; b[i] = recs[i] end
  sort(a, counted)
  sort(b, byprio)
  h = (h + a[1] + a[N] + a[N // 2] + b[1].id + b[N].id + b[N // 3].prio) % 1000000007
  ints[r] = ints[r] + 7
end
-- the number of calls depends on the algorithm: only that there were some
print("sort", h, calls >= N)
print(string.format("time: %.4f", os.clock() - t0))
