-- nested: build and walk nested tables (binary-trees)
local t0 = os.clock()
local MAXD = 14
if arg and arg[1] == "quick" then MAXD = 8 end

local function bottom_up(depth)
  if depth == 0 then return {} end
  depth = depth - 1
  return { bottom_up(depth), bottom_up(depth) }
end

local function check(tree)
  if tree[1] then return 1 + check(tree[1]) + check(tree[2]) end
  return 1
end

local MIND = 4
local stretch = MAXD + 1
print("stretch tree of depth " .. stretch .. "\t check: " .. check(bottom_up(stretch)))

local long_lived = bottom_up(MAXD)
for depth = MIND, MAXD, 2 do
  local iters = 2 ^ (MAXD - depth + MIND) // 1   -- float exponent, floor
  iters = math.tointeger(iters)
  local c = 0
  for _ = 1, iters do c = c + check(bottom_up(depth)) end
  print(iters .. "\t trees of depth " .. depth .. "\t check: " .. c)
end
print("long lived tree of depth " .. MAXD .. "\t check: " .. check(long_lived))

-- records nested in records, walked by field names
local root = { name = "root", kids = {} }
for i = 1, 200 do
  local k = { name = "n" .. i, kids = {} }
  for j = 1, 50 do k.kids[j] = { name = "leaf", value = i * j } end
  root.kids[i] = k
end
local function walk(node)
  local s = node.value or 0
  for _, kid in ipairs(node.kids or {}) do s = s + walk(kid) end
  return s
end
print("walk", walk(root))
print(string.format("time: %.4f", os.clock() - t0))
