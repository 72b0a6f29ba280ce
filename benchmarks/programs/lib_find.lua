-- lib_find: string.find on a prepared long subject: literal and plain
-- searches, an anchored miss, patterns with classes and captures, and a
-- loop finding every (sparse) occurrence of a pattern
local t0 = os.clock()
local R = 800
if arg and arg[1] == "quick" then R = 10 end

local words = { "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta" }
local buf, seed = {}, 11
for i = 1, 1000 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  buf[i] = words[seed % 8 + 1] .. (seed % 1000)
end
buf[#buf + 1] = "omega42 key=value; end"
local text = table.concat(buf, " ")
local len = #text

local find = string.find
local h, hits = 0, 0
for r = 1, R do
  for j = 1, 40 do                                      -- quick calls
    local a, b = find(text, "omega")                    -- literal, near the end
    local c, d = find(text, "key=value", j, true)       -- plain with init
    local i = find(text, "^alpha")                      -- anchored, fails
    h = h + a + b + c + d
    if i then hits = hits + 1 end
  end
  local e, f, k, v = find(text, "(key)=(%a+)", r % 64 + 1)  -- captures
  local g = find(text, "%u%l+%d")                       -- classes, no match
  h = (h + e + f + #k + #v + (g or 0)) % 1000000007
  local pos = r % 64 + 1                                -- every occurrence
  while true do
    local s, e, num = find(text, "theta(%d+)", pos)
    if not s then break end
    hits = hits + #num
    pos = e + 1
  end
end
print("find", len, h, hits)
print("last", find(text, "(%a+)(%d+)", -30))
print(string.format("time: %.4f", os.clock() - t0))
