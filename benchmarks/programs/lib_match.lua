-- lib_match: string.match with captures on prepared lines and a long text
local t0 = os.clock()
local R = 2500
if arg and arg[1] == "quick" then R = 25 end

local lines, seed = {}, 5
for i = 1, 40 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  lines[i] = string.format("  key%d = %d ; comment %x", i, seed % 100000, seed % 4096)
end
local text = table.concat(lines, "\n") .. "\nversion 5.3.6 released"

local match = string.match
local h, n = 0, 0
for r = 1, R do
  for i = 1, #lines do
    local line = lines[i]
    local k, v = match(line, "^%s*(%w+)%s*=%s*(%d+)")    -- anchored, 2 captures
    local c = match(line, "%x+$")                        -- no capture, end anchor
    local w = match(line, "comment")                     -- literal
    if i == r % 40 + 1 then h = (h + #k + #v + #c + #w) % 1000000007 end
  end
  local maj, min, rel = match(text, "version (%d+)%.(%d+)%.(%d+)")  -- scans far
  local p = match(text, "()released", r % 100 + 1)                   -- position, init
  h = (h + #maj + #min + #rel + p) % 1000000007
  if match(text, "^nothing") == nil then n = n + 1 end
end
print("match", h, n)
print(string.format("time: %.4f", os.clock() - t0))
