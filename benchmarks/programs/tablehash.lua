-- tablehash: string keys, pairs, counting words
local t0 = os.clock()
local N = 1500000
if arg and arg[1] == "quick" then N = 20000 end

local syll = { "ka", "lo", "mi", "ne", "ru", "so", "ti", "va", "ze", "pu" }
local seed = 42
local function rand(n)
  seed = (seed * 214013 + 2531011) % 4294967296
  return seed // 65536 % n + 1
end

local counts, order = {}, {}
for _ = 1, N do
  local w = syll[rand(10)] .. syll[rand(10)]
  if rand(4) == 1 then w = w .. syll[rand(10)] end
  local c = counts[w]
  if c == nil then order[#order + 1] = w; counts[w] = 1 else counts[w] = c + 1 end
end

-- order-independent summaries via pairs
local distinct, total, maxc, weighted = 0, 0, 0, 0
for w, c in pairs(counts) do
  distinct = distinct + 1
  total = total + c
  if c > maxc then maxc = c end
  weighted = weighted + c * #w
end
print("words", distinct, total, maxc, weighted)

-- record-like tables with string fields
local recs = {}
for i = 1, N // 10 do
  recs[i] = { name = order[i % #order + 1], size = i % 100, flag = i % 3 == 0 }
end
local s = 0
for _, r in ipairs(recs) do
  if r.flag then s = s + r.size else s = s + counts[r.name] % 10 end
end
print("records", s)

-- delete half of the keys and count the rest
for i = 1, #order, 2 do counts[order[i]] = nil end
local left = 0
for _ in pairs(counts) do left = left + 1 end
print("left", left)
print(string.format("time: %.4f", os.clock() - t0))
