-- lib_find: string.find on a prepared subject: plain text, patterns,
-- captures, an init position and the plain flag
local t0 = os.clock()
local R = 7000
if arg and arg[1] == "quick" then R = 100 end

local words = { "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta" }
local buf, seed = {}, 11
for i = 1, 120 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  buf[i] = words[seed % 8 + 1] .. (seed % 1000)
end
buf[#buf + 1] = "omega42 key=value; end"
local text = table.concat(buf, " ")
local len = #text

local find = string.find
local h, hits = 0, 0
for r = 1, R do
  local init = r % (len // 2) + 1
  local a, b = find(text, "omega")                      -- literal, no init
  local c, d = find(text, "key=value", init, true)      -- plain with init
  local e, f, cap = find(text, "(%d+) key=")            -- capture, scans far
  local g = find(text, "%s[ae]%l+%d%d%d", init)         -- classes, init
  local i = find(text, "^alpha")                        -- anchored, fails
  local j = find(text, "theta", init)                   -- literal with init
  if r % 16 == 0 then       -- sampled, so the loop is mostly find calls
    h = (h + a + b + c + d + e + f + #cap + g + (j or 0)) % 1000000007
  end
  if i then hits = hits + 1 end
  local pos = init                                      -- a scanning loop:
  while true do                                         -- many short finds
    local s, e = find(text, "%d+", pos)
    if not s then break end
    hits = hits + 1
    pos = e + 1
  end
end
print("find", len, h, hits)
print("last", find(text, "(%a+)(%d+)", -30))
print(string.format("time: %.4f", os.clock() - t0))
