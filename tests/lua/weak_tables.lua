-- weak tables: only behaviour that does not depend on when the collector runs
local wk = setmetatable({}, { __mode = "k" })
local wv = setmetatable({}, { __mode = "v" })
local wkv = setmetatable({}, { __mode = "kv" })
print("modes", getmetatable(wk).__mode, getmetatable(wv).__mode, getmetatable(wkv).__mode)
-- strongly referenced keys and values survive a full collection
local key1, key2, val1 = {}, {}, {}
wk[key1] = "one"; wk[key2] = "two"
wv.a = val1; wv.b = "string values are never removed"; wv.c = 42; wv.d = true
wkv[key1] = val1
collectgarbage("collect")
collectgarbage("collect")
print("weak keys", wk[key1], wk[key2])
print("weak values", wv.a == val1, wv.b, wv.c, wv.d)
print("weak both", wkv[key1] == val1)
-- weak tables behave as ordinary tables otherwise
local n = 0
for k, v in pairs(wk) do if k == key1 or k == key2 then n = n + 1 end end
print("pairs on live keys", n)
wv[1] = "x"; wv[2] = "y"
print("sequence in weak-value table", #wv, wv[1], wv[2])
wk[key1] = nil
print("explicit removal", wk[key1], wk[key2])
-- number and string keys in a weak-key table are not objects: they stay
local wk2 = setmetatable({}, { __mode = "k" })
wk2[1] = "int"; wk2.s = "str"; wk2[2.5] = "float"
collectgarbage()
print("non-object keys", wk2[1], wk2.s, wk2[2.5])
-- setting __mode after creation is allowed
local late = {}
setmetatable(late, { __mode = "v" })
late.x = key2
collectgarbage()
print("late mode", late.x == key2)
-- collectgarbage basics
print("count is a number", type(collectgarbage("count")) == "number")
print("collect returns 0", collectgarbage("collect"))
print("isrunning", collectgarbage("isrunning"))
-- a cache keyed by objects
local cache = setmetatable({}, { __mode = "k" })
local function memo(obj)
  local v = cache[obj]
  if v == nil then v = #obj * 2; cache[obj] = v end
  return v
end
local o = { 1, 2, 3 }
print("memo", memo(o), memo(o))
