-- lib_concat: table.concat of many small strings (with and without a
-- separator, and a sub-range)
local t0 = os.clock()
local N, R = 20000, 120
if arg and arg[1] == "quick" then N, R = 500, 2 end

local parts = {}
for i = 1, N do parts[i] = "p" .. (i % 100) end
local nums = {}
for i = 1, N // 4 do nums[i] = i end          -- numbers are converted

local concat = table.concat
local h = 0
for r = 1, R do
  local s1 = concat(parts)
  local s2 = concat(parts, ", ")
  local s3 = concat(parts, "", r, N // 2)
  local s4 = concat(nums, " ")
  h = (h + #s1 + #s2 + #s3 + #s4) % 1000000007
end
print("concat", h, concat(parts, "-", 1, 5))
print(string.format("time: %.4f", os.clock() - t0))
