-- table.sort with a comparator on long arrays (100+ elements, where Wippy
-- uses timsort): only outcomes Lua determines are printed
local seed = 7
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

-- records: a strict total order, the result is fixed
local recs = {}
for i = 1, 500 do recs[i] = { key = rand(20), id = i } end
table.sort(recs, function(a, b)
  if a.key ~= b.key then return a.key < b.key end
  return a.id > b.id
end)
local ids = {}
for i = 1, 12 do ids[i] = recs[i].id end
print("records", table.concat(ids, " "), recs[500].key, recs[500].id)

-- integers with duplicates, descending: equal elements are indistinguishable
local a = {}
for i = 1, 300 do a[i] = rand(50) end
table.sort(a, function(x, y) return x > y end)
local ok = true
for i = 2, #a do if a[i - 1] < a[i] then ok = false end end
print("desc", ok, a[1], a[150], a[300])

-- strings by length, then alphabetically
local words = {}
for i = 1, 200 do words[i] = string.rep(string.char(97 + rand(5)), 1 + rand(6)) .. i end
table.sort(words, function(x, y)
  if #x ~= #y then return #x < #y end
  return x < y
end)
print("words", words[1], words[2], words[100], words[200])

-- an error in the comparator propagates
print("error", pcall(table.sort, a, function(x, y)
  if x == 7 then error("seven", 0) end
  return x < y
end))

-- a non-strict comparator on shuffled data
local b = {}
for i = 1, 200 do b[i] = rand(1000) end
print("invalid", pcall(table.sort, b, function(x, y) return x <= y end))
