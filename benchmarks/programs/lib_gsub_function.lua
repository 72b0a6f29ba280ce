-- lib_gsub_function: string.gsub with a function replacement
local t0 = os.clock()
local R = 600
if arg and arg[1] == "quick" then R = 3 end

local buf, seed = {}, 17
for i = 1, 300 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  buf[i] = string.format("item%d:%d", seed % 300, seed % 1000)
end
local text = table.concat(buf, " ")

local upper = string.upper
local function up(w) return upper(w) end
local function keep(w) return nil end
local function swap(a, b) return b end

local gsub = string.gsub
local h, total = 0, 0
for r = 1, R do
  local s1, n1 = gsub(text, "%a+", up)               -- whole match
  local s2, n2 = gsub(text, "%d+", keep)             -- nil keeps the match
  local s3, n3 = gsub(text, "(%a+)(%d+)", swap)      -- two captures
  total = total + n1 + n2 + n3
  h = (h + #s1 + #s2 + #s3) % 1000000007
end
print("gsub", #text, total, h)
print((gsub(text:sub(1, 40), "(%a+)(%d+)", swap)))
print(string.format("time: %.4f", os.clock() - t0))
