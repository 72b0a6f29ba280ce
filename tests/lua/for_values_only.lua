-- for _, v in ...: loops that never read the first variable iterate over
-- the values alone; every iteration shape must still behave as Lua's

-- ipairs stops at the first nil and sees the table as the loop reaches it
local t = {10, 20, 30, nil, 50}
local s = 0
for _, v in ipairs(t) do s = s + v end
print("ipairs", s)
local grow = {1, 2, 3}
local seen = {}
for _, v in ipairs(grow) do
  seen[#seen + 1] = v
  if v < 6 then grow[#grow + 1] = v + 3 end
end
print("grows", table.concat(seen, ","))
local cut = {1, 2, 3, 4, 5}
local got = {}
for _, v in ipairs(cut) do
  got[#got + 1] = v
  cut[4] = nil
end
print("cut", table.concat(got, ","))

-- ipairs respects __index (5.3)
local proxy = setmetatable({}, {__index = function(_, i) if i <= 3 then return i * 100 end end})
local p = {}
for _, v in ipairs(proxy) do p[#p + 1] = v end
print("proxy", table.concat(p, ","))

-- pairs: values, a removal during the loop is skipped, __pairs is honoured
local h = {a = 1, b = 2, c = 3}
local total = 0
for _, v in pairs(h) do total = total + v end
print("pairs", total)
local keys = {}
for k in pairs(h) do keys[#keys + 1] = k end
table.sort(keys)
local visited = 0
local removed = false
for _, v in pairs(h) do
  visited = visited + 1
  if not removed then
    removed = true
    for _, k in ipairs(keys) do if h[k] ~= v then h[k] = nil; break end end
  end
end
print("removal", visited)
local custom = setmetatable({}, {__pairs = function(t)
  local i = 0
  return function() i = i + 1; if i <= 3 then return i, "x" .. i end end, t, nil
end})
local c = {}
for _, v in pairs(custom) do c[#c + 1] = v end
print("__pairs", table.concat(c, ","))

-- a plain iterator function, next directly, string.gmatch, a false value
local function range(n)
  return function(_, i) if i < n then return i + 1, (i + 1) * 2 end end, nil, 0
end
local r = {}
for _, v in range(4) do r[#r + 1] = v end
print("range", table.concat(r, ","))
local nx = 0
for _, v in next, {5, 6, 7} do nx = nx + v end
print("next", nx)
local bools = {}
for _, v in ipairs({true, false, true}) do bools[#bools + 1] = tostring(v) end
print("bools", table.concat(bools, ","))
local words = {}
for _, w in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do words[#words + 1] = w end
print("gmatch", table.concat(words, ","))

-- a closure capturing the loop value gets a fresh one per iteration
local fs = {}
for _, v in ipairs({"p", "q"}) do fs[#fs + 1] = function() return v end end
print("closures", fs[1](), fs[2]())

-- the first variable, when named otherwise or read, is still assigned
for i, v in ipairs({"z"}) do print("both", i, v) end
for _, v in ipairs({"y"}) do print("underscore read", _, v) end
