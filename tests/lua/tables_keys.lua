-- table keys: normalisation of floats, distinct types, nil and NaN keys
local t = {}
t[1] = "int one"
print("t[1.0]", t[1.0])
t[2.0] = "float two"
print("t[2]", t[2], math.type(next({[3.0] = true})))
t["1"] = "string one"
print("t['1'] vs t[1]", t["1"], t[1])
t[true] = "yes"; t[false] = "no"
print("booleans", t[true], t[false])
t[1.5] = "one and a half"
print("non-integral float", t[1.5], t[1])
t[2^53] = "big"
print("2^53 key", t[2^53], t[math.tointeger(2^53)])
t[-0.0] = "zero"
print("-0.0 key is 0", t[0], t[0.0])
local k1, k2 = {}, {}
t[k1] = "table one"; t[k2] = "table two"
print("table keys", t[k1], t[k2], t[{}])
local f = function() end
t[f] = "function"
print("function key", t[f])
print("nil index", t[nil])
print("set nil key", pcall(function() t[nil] = 1 end))
print("set nan key", pcall(function() t[0/0] = 1 end))
print("get nan key", t[0/0])
print("rawset nil key", pcall(rawset, t, nil, 1))
-- assigning nil removes the key
t.x = 1; t.x = nil
print("removed", t.x, rawget(t, "x"))
-- constructors
local c = { 10, 20, 30, [2] = "explicit", x = 1, ["y z"] = 2, [1 + 1 + 1] = "three?" }
print("constructor", c[1], c[2], c[3], c.x, c["y z"])
local d = { [1] = "a", "b" }
print("positional wins", d[1])
local e = { "a", "b", nil, "d" }
print("nil in constructor", e[1], e[3], e[4])
local function three() return 1, 2, 3 end
local g = { three(), three() }
print("multret in constructor", g[1], g[2], g[3], g[4], g[5])
local h = { three(), (three()) }
print("truncated", h[1], h[2], h[3])
local i = { three(), n = 1 }
print("multret not last", i[1], i[2], i.n)
-- string keys that look like numbers stay strings
local s = {}
s["10"] = "str"; s[10] = "int"
print("'10' vs 10", s["10"], s[10])
-- integer keys beyond the array part
local big = {}
big[math.maxinteger] = "max"; big[math.mininteger] = "min"
print("extreme keys", big[math.maxinteger], big[math.mininteger])
-- counting keys with next
local n = 0
for _ in pairs({ 1, 2, 3, a = 1, b = 2, [1.5] = 3 }) do n = n + 1 end
print("key count", n)
print("next on empty", next({}))
