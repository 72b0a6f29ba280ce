-- lib_gsub_string: string.gsub with string replacements (constant, with
-- captures, with %0 and %%) on a prepared text
local t0 = os.clock()
local R = 700
if arg and arg[1] == "quick" then R = 3 end

local buf, seed = {}, 9
for i = 1, 400 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  buf[i] = string.format("name%d = %d;", seed % 500, seed % 100000)
end
local text = table.concat(buf, " ")

local gsub = string.gsub
local h, total = 0, 0
for r = 1, R do
  local s1, n1 = gsub(text, "name", "id")                  -- literal pattern
  local s2, n2 = gsub(text, "%s+", " ")                   -- class, constant
  local s3, n3 = gsub(text, "(%a+)(%d+)", "%2_%1")          -- captures
  local s4, n4 = gsub(text, "%d+", "<%0>")                 -- whole match
  local s5, n5 = gsub(text, ";", "%%", 100)                -- escaped %, limit
  local s6, n6 = gsub(text, "^name", "N")                  -- anchored
  total = total + n1 + n2 + n3 + n4 + n5 + n6
  h = (h + #s1 + #s2 + #s3 + #s4 + #s5 + #s6) % 1000000007
end
local s = gsub(text:sub(1, 60), "(%a+)(%d+)", "%2_%1")
print("gsub", #text, total, h)
print(s)
print(string.format("time: %.4f", os.clock() - t0))
