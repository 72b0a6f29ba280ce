-- strbuild: string building with .., table.concat and string.format
local t0 = os.clock()
local N = 300000
if arg and arg[1] == "quick" then N = 5000 end

local function checksum(s)
  local h = #s
  for i = 1, #s, 97 do h = (h * 31 + s:byte(i)) % 1000000007 end
  return h
end

-- repeated .. on a short accumulator, flushed into a buffer
local parts, acc = {}, ""
for i = 1, N do
  acc = acc .. i .. ","
  if #acc > 60 then parts[#parts + 1] = acc; acc = "" end
end
parts[#parts + 1] = acc
local s1 = table.concat(parts)
print("concat", #parts, #s1, checksum(s1))

-- string.format with %d %s %5.2f
local lines = {}
for i = 1, N // 2 do
  lines[i] = string.format("%d:%s:%5.2f|", i, "item" .. (i % 13), (i % 1000) / 8)
end
local s2 = table.concat(lines, "\n")
print("format", #lines, #s2, checksum(s2))

-- table.concat with separators, string.rep, sub, upper
local words = {}
for i = 1, N // 10 do
  words[#words + 1] = ("w" .. i):rep(2, "-"):upper():sub(2, -2)
end
local s3 = table.concat(words, " ", 1, #words)
print("words", #words, #s3, checksum(s3))
print(string.format("time: %.4f", os.clock() - t0))
