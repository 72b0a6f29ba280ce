-- sort: table.sort with and without a comparator
local t0 = os.clock()
local N = 120000
if arg and arg[1] == "quick" then N = 3000 end

local seed = 7
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

local function digest(t, f)
  local h = 0
  for i = 1, #t, 7 do h = (h * 31 + f(t[i])) % 1000000007 end
  return h
end

local ints = {}
for i = 1, N do ints[i] = rand(1000000) - 500000 end
table.sort(ints)
local ok = true
for i = 2, N do if ints[i - 1] > ints[i] then ok = false end end
print("ints asc", ok, ints[1], ints[N], digest(ints, function(v) return v % 1000 end))

table.sort(ints, function(a, b) return a > b end)
print("ints desc", ints[1], ints[N])

local strs = {}
for i = 1, N // 2 do strs[i] = tostring(rand(100000)) .. "k" end
table.sort(strs)
print("strings", strs[1], strs[#strs], digest(strs, function(s) return #s end))

local recs = {}
for i = 1, N // 2 do recs[i] = { key = rand(100), id = i } end
table.sort(recs, function(a, b)
  if a.key ~= b.key then return a.key < b.key end
  return a.id < b.id
end)
print("records", recs[1].key, recs[1].id, recs[#recs].key, recs[#recs].id,
      digest(recs, function(r) return r.id end))

local floats = {}
for i = 1, N // 2 do floats[i] = rand(10000) / 7 end
table.sort(floats)
print("floats", string.format("%.6f %.6f", floats[1], floats[#floats]))
print(string.format("time: %.4f", os.clock() - t0))
