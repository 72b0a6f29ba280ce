-- lib_gsub_table: string.gsub with a table replacement on a prepared text
local t0 = os.clock()
local R = 1800
if arg and arg[1] == "quick" then R = 10 end

local vars = { user = "alice", host = "example.org", port = "8080",
               path = "/index.html", n = 42 }
local buf, seed = {}, 13
local names = { "user", "host", "port", "path", "n", "missing" }
for i = 1, 300 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  buf[i] = "$" .. names[seed % 6 + 1] .. " at " .. (seed % 100)
end
local text = table.concat(buf, ", ")

local gsub = string.gsub
local h, total = 0, 0
for r = 1, R do
  local s1, n1 = gsub(text, "%$(%w+)", vars)       -- capture as key
  local s2, n2 = gsub(text, "%a+", vars)           -- whole match as key
  total = total + n1 + n2
  h = (h + #s1 + #s2) % 1000000007
end
print("gsub", #text, total, h)
print((gsub(text:sub(1, 50), "%$(%w+)", vars)))
print(string.format("time: %.4f", os.clock() - t0))
