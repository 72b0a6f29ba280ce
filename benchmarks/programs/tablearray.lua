-- tablearray: array fill, read, #t, table.insert, ipairs
local t0 = os.clock()
local N, R = 200000, 15
if arg and arg[1] == "quick" then N, R = 10000, 2 end

local total = 0
for r = 1, R do
  local t = {}
  for i = 1, N do t[i] = i * r % 1009 end        -- fill by index
  for i = 1, N // 2 do t[#t + 1] = i end          -- append with #t
  for i = 1, N // 4 do table.insert(t, i % 17) end -- append with table.insert
  local s = 0
  for i = 1, #t do s = s + t[i] end               -- numeric read
  for _, v in ipairs(t) do s = s - v // 2 end     -- ipairs
  total = total + s + #t
end
-- insertion at the front / removal on a small array
local q = {}
for i = 1, 2000 do table.insert(q, 1, i) end
local removed = 0
while #q > 1000 do removed = removed + table.remove(q) end
for i = 1, 500 do removed = removed + table.remove(q, 1) end
print("arrays", total)
print("queue", #q, removed, q[1], q[#q])
print(string.format("time: %.4f", os.clock() - t0))
