-- weak keys and values disappear at collectgarbage() once nothing else refers to them
local wk = setmetatable({}, {__mode = "k"})
local wv = setmetatable({}, {__mode = "v"})
local keep = {}
wk[keep] = 1
wk[{}] = 2
wv[1] = {}
wv[2] = keep
wv.s = "str"
local f = function() end
wk[f] = 3
local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end
print(count(wk), count(wv))
collectgarbage()
print(count(wk), count(wv), wk[keep], wv[2] == keep, wv.s)
keep = nil
collectgarbage()
print(count(wk), count(wv))
