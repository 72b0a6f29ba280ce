-- generic for with custom iterators
local function range(n)
  local i = 0
  return function() i = i + 1; if i <= n then return i end end
end
local out = {}
for v in range(4) do out[#out + 1] = v end
print("closure iterator", table.concat(out, ","))
-- a stateless iterator: f(state, control)
local function iter(limit, c) if c < limit then return c + 1, (c + 1) ^ 2 end end
out = {}
for i, sq in iter, 4, 0 do out[#out + 1] = i .. ":" .. sq end
print("stateless", table.concat(out, " "))
-- ipairs-like stateless iterator over a string
local function chars(s, i)
  i = i + 1
  if i <= #s then return i, s:sub(i, i) end
end
out = {}
for i, c in chars, "abc", 0 do out[#out + 1] = c .. i end
print("chars", table.concat(out))
-- pairs on a table with __pairs
local hidden = { x = 1, y = 2 }
local view = setmetatable({}, { __pairs = function() return next, hidden, nil end })
local keys = {}
for k in pairs(view) do keys[#keys + 1] = k end
table.sort(keys)
print("__pairs", table.concat(keys, ","))
-- the iterator gets exactly the state and control values
local log = {}
local function spy(s, c)
  log[#log + 1] = tostring(s) .. "/" .. tostring(c)
  if c < 2 then return c + 1 end
end
for _ in spy, "S", 0 do end
print("spy", table.concat(log, " "))
-- more than two loop variables; extra are nil
for a, b, c, d in function(_, k) if not k then return 1, 2, 3 end end do
  print("extra vars", a, b, c, d)
end
-- iterating with next directly
local cnt = 0
for _ in next, { 1, 2, 3 } do cnt = cnt + 1 end
print("next direct", cnt)
-- ipairs over a sequence and string.gmatch as iterators
out = {}
for i, v in ipairs({ "p", "q", "r" }) do out[i] = v:upper() end
print("ipairs", table.concat(out))
out = {}
for word, num in ("a1 b2 c3"):gmatch("(%a)(%d)") do out[#out + 1] = num .. word end
print("gmatch", table.concat(out, " "))
-- break and return from inside a generic for
local function find(t, x) for i, v in ipairs(t) do if v == x then return i end end return nil end
print("return inside", find({ 5, 6, 7 }, 6), find({}, 1))
-- calling a non-function iterator is an error
-- 5.3: no variable info; 5.4 appends " (for iterator 'for iterator')" to both messages
print("bad iterator", pcall(function() for _ in 42 do end end))
print("bad iterator nil", pcall(function() local t = {}; for _ in t.none do end end))
-- iterator returning nil first stops immediately
local ran = false
for _ in function() return nil end do ran = true end
print("immediate stop", ran)
-- a table with __call used as an iterator
local callable = setmetatable({ n = 0 }, { __call = function(self)
  self.n = self.n + 1
  if self.n <= 3 then return self.n end
end })
out = {}
for v in callable do out[#out + 1] = v end
print("callable iterator", table.concat(out, ","))
-- nested generic loops
out = {}
for _, row in ipairs({ { 1, 2 }, { 3 } }) do
  for _, v in ipairs(row) do out[#out + 1] = v end
end
print("nested", table.concat(out, ","))
