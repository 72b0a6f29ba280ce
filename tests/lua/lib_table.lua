-- table.concat/insert/move/pack/remove/sort/unpack and their errors

local function list(t, n)
  local parts = {}
  for i = 1, n or #t do parts[i] = tostring(t[i]) end
  return "{" .. table.concat(parts, ",") .. "}"
end
local function err(label, f, ...)
  local ok, msg = pcall(f, ...)
  print(label, ok, msg)
end

print("concat", table.concat({1, 2, 3}), table.concat({1, 2, 3}, ", "))
print("concat range", table.concat({"a", "b", "c", "d"}, "-", 2, 3), table.concat({"a"}, "-", 2, 1))
print("concat numbers", table.concat({1, 2.5, -0.0, 10 // 1}, " "))
print("concat empty", "[" .. table.concat({}) .. "]", "[" .. table.concat({}, "x", 1, 0) .. "]")
print("concat sep number", table.concat({1, 2}, 0))
err("concat nil hole", table.concat, {1, nil, 3}, ",", 1, 3)
err("concat bad value", table.concat, {1, {}, 3})
err("concat bad value 2", table.concat, {"a", true})
err("concat bad sep", table.concat, {1}, {})
err("concat not table", table.concat, "abc")

local t = {}
table.insert(t, "a"); table.insert(t, "c"); table.insert(t, 2, "b"); table.insert(t, 1, "z")
print("insert", list(t), #t)
table.insert(t, #t + 1, "end")
print("insert at n+1", list(t))
err("insert pos 0", table.insert, {1, 2}, 0, "x")
err("insert pos big", table.insert, {1, 2}, 4, "x")
err("insert args", table.insert, {1, 2}, 1, 2, 3)
err("insert no value", table.insert, {1, 2})
err("insert pos type", table.insert, {1, 2}, "x", 1)
err("insert not table", table.insert, nil, 1)

local r = {"a", "b", "c", "d"}
print("remove last", table.remove(r), list(r))
print("remove first", table.remove(r, 1), list(r))
print("remove n+1", table.remove(r, #r + 1), list(r))
print("remove empty", table.remove({}), table.remove({}, 0), select("#", table.remove({})))
print("remove empty #0", table.remove({[0] = "zero"}, 0))
err("remove out", table.remove, {1, 2, 3}, 7)
err("remove neg", table.remove, {1, 2, 3}, -1)
err("remove pos type", table.remove, {1}, {})

local p = table.pack(1, nil, 3, nil)
print("pack", p.n, p[1], p[2], p[3], p[4])
print("pack empty", table.pack().n, next(table.pack(), "n"))
print("unpack", table.unpack({1, 2, 3}))
print("unpack range", table.unpack({1, 2, 3, 4}, 2, 3), select("#", table.unpack({}, 1, 3)))
print("unpack empty", select("#", table.unpack({})), select("#", table.unpack({1}, 3, 2)))
print("unpack neg", table.unpack({[-1] = "m", [0] = "z", "a"}, -1, 1))
err("unpack too many", table.unpack, {}, 1, 1e7)
err("unpack huge", table.unpack, {}, math.mininteger, math.maxinteger)
err("unpack bad", table.unpack, {}, "x")

local m = {1, 2, 3, 4, 5}
print("move overlap right", list(table.move(m, 1, 3, 3)))
m = {1, 2, 3, 4, 5}
print("move overlap left", list(table.move(m, 3, 5, 1)))
print("move other", list(table.move({1, 2, 3}, 1, 3, 2, {"x"})))
print("move empty range", list(table.move({1, 2}, 2, 1, 5)))
print("move returns dest", select("#", table.move({}, 1, 0, 1)))
err("move too many", table.move, {}, -1, math.maxinteger, 1)
err("move dest wrap", table.move, {}, 1, 2, math.maxinteger)
err("move bad dest", table.move, {}, 1, 2, 1, "x")

local s = {5, 2, 8, 1, 9, 3}
table.sort(s); print("sort", list(s))
table.sort(s, function(a, b) return a > b end); print("sort desc", list(s))
local words = {"banana", "Apple", "cherry", "apple"}
table.sort(words); print("sort strings", list(words))
table.sort(words, function(a, b) return a:lower() < b:lower() or (a:lower() == b:lower() and a < b) end)
print("sort ci", list(words))
local mixed = {3, 1.5, 2, -0.5, 10}
table.sort(mixed); print("sort mixed", list(mixed))
local recs = {{n = "b", v = 2}, {n = "a", v = 2}, {n = "c", v = 1}}
table.sort(recs, function(x, y) if x.v ~= y.v then return x.v < y.v end return x.n < y.n end)
print("sort records", recs[1].n, recs[2].n, recs[3].n)
local one = {42}; table.sort(one); print("sort one", list(one))
err("sort mixed types", table.sort, {1, "x", 2})
err("sort tables", table.sort, {{}, {}})
err("sort bad comp", table.sort, {1, 2}, 42)
local big = {}
for i = 1, 200 do big[i] = (i * 7919) % 201 end
table.sort(big)
local ok = true
for i = 2, #big do if big[i - 1] > big[i] then ok = false end end
print("sort big", ok, big[1], big[200])
print("err in lua", pcall(function() return table.concat({{}}) end))
