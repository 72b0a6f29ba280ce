-- patterns: string.find / match / gmatch / gsub on generated text
local t0 = os.clock()
local N, R = 4000, 27
if arg and arg[1] == "quick" then N, R = 400, 1 end

local names = { "alpha", "beta", "gamma", "delta", "epsilon" }
local buf = {}
for i = 1, N do
  buf[#buf + 1] = string.format("%s_%d = %d; # note %d\n", names[i % 5 + 1], i, i * 37 % 1000, i % 7)
end
local text = table.concat(buf)

local nkeys, vsum, notes, found, repl, words = 0, 0, 0, 0, 0, 0
for _ = 1, R do
  for key, val in text:gmatch("(%a+_%d+) = (%d+);") do
    nkeys = nkeys + 1
    vsum = vsum + tonumber(val) + #key
  end
  for d in text:gmatch("# note (%d)") do notes = notes + tonumber(d) end
  local pos = 1
  while true do
    local s, e = string.find(text, "gamma_%d*7 ", pos)
    if not s then break end
    found = found + 1
    pos = e + 1
  end
  local out, n = text:gsub("(%a+)_(%d+)", "%2-%1")
  repl = repl + n + #out
  local _, m = text:gsub("%f[%w]%w+", function(w) if #w > 4 then return w:upper() end end)
  words = words + m
end
local first = text:match("^(%a+)_(%d+)")
local a, b, c = string.match("  key = value  ", "^%s*(%w+)%s*=%s*(%w+)%s*()")
print("keys", nkeys, vsum, notes)
print("find", found, string.find(text, "delta_4", 1, true))
print("gsub", repl, words)
print("match", first, a, b, c)
print(string.format("time: %.4f", os.clock() - t0))
