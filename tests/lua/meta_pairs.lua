-- __pairs, and ipairs honouring __index
local backing = { a = 1, b = 2, c = 3 }
local proxy = setmetatable({}, { __pairs = function(t)
  return function(_, k)
    local nk, nv = next(backing, k)
    return nk, nv
  end, t, nil
end })
local sum, n = 0, 0
for k, v in pairs(proxy) do n = n + 1; sum = sum + v end
print("__pairs", n, sum)
-- __pairs may return a custom ordered iterator
local ordered = setmetatable({ z = 26, a = 1, m = 13 }, { __pairs = function(t)
  local keys = {}
  for k in next, t do keys[#keys + 1] = k end
  table.sort(keys)
  local i = 0
  return function()
    i = i + 1
    if keys[i] then return keys[i], t[keys[i]] end
  end
end })
local out = {}
for k, v in pairs(ordered) do out[#out + 1] = k .. "=" .. v end
print("ordered", table.concat(out, " "))
-- the values returned by __pairs are used as the iterator triple
local triple = setmetatable({}, { __pairs = function()
  return function(s, c) if c < s then return c + 1, c * 10 end end, 3, 0
end })
out = {}
for k, v in pairs(triple) do out[#out + 1] = k .. ":" .. v end
print("triple", table.concat(out, " "))
-- next ignores __pairs
print("next ignores", next(proxy))
-- ipairs respects __index (5.3)
local virtual = setmetatable({}, { __index = function(_, i) if i <= 4 then return i * i end end })
out = {}
for i, v in ipairs(virtual) do out[#out + 1] = i .. "=" .. v end
print("ipairs __index", table.concat(out, " "))
-- ipairs on a table with a partly real, partly inherited sequence
local base = { "x", "y", "z" }
local child = setmetatable({ "A" }, { __index = base })
out = {}
for _, v in ipairs(child) do out[#out + 1] = v end
print("ipairs inherited", table.concat(out, ","))
-- pairs without __pairs still works on a table with a metatable
local plain = setmetatable({ 1, 2, 3 }, { __index = function() return 0 end })
n = 0
for _ in pairs(plain) do n = n + 1 end
print("plain pairs", n)
-- pairs returns next, t, nil
local f, s, c = pairs({})
print("pairs triple", f == next, type(s), c)
local g, s2, c2 = ipairs({})
print("ipairs triple", type(g), type(s2), c2)
