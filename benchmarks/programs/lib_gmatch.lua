-- lib_gmatch: string.gmatch iterating over a prepared text
local t0 = os.clock()
local R = 120
if arg and arg[1] == "quick" then R = 2 end

local buf, seed = {}, 3
for i = 1, 2000 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  buf[i] = string.format("w%d=%d", seed % 97, seed % 10000)
end
local text = table.concat(buf, ", ")

local gmatch = string.gmatch
local words, pairs_, nums, lens = 0, 0, 0, 0
for r = 1, R do
  for w in gmatch(text, "%a%w*") do words = words + 1 end             -- no capture
  for k, v in gmatch(text, "(%w+)=(%d+)") do pairs_ = pairs_ + 1 end  -- 2 captures
  for d in gmatch(text, "%d+") do nums = nums + 1 end
  for p in gmatch(text, "()w5") do lens = lens + p end                -- position
end
local last
for k, v in gmatch(text, "(%w+)=(%d+)") do last = k .. ":" .. v end
print("gmatch", #text, words, pairs_, nums, lens % 1000000007, last)
print(string.format("time: %.4f", os.clock() - t0))
