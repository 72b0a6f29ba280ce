-- the length operator on sequences (tables without holes) and strings
local t = {}
print("empty", #t)
for i = 1, 10 do t[i] = i end
print("filled", #t)
t[#t + 1] = 11
print("appended", #t)
t[#t] = nil
print("popped", #t)
table.insert(t, 99)
print("insert", #t, t[#t])
table.insert(t, 1, 0)
print("insert front", #t, t[1], t[2])
print("remove", table.remove(t), #t)
print("remove front", table.remove(t, 1), #t, t[1])
print("constructor", #{ 1, 2, 3 }, #{ n = 1 }, #{ 1, 2, 3, nil }, #{ nil })
local function f() return 1, 2, 3 end
print("multret", #{ f() }, #{ f(), f() })
print("pack", table.pack(1, nil, 3).n, #table.pack())
local s = {}
for i = 1, 100 do s[i] = i end
for i = 100, 51, -1 do s[i] = nil end
print("shrunk", #s)
for i = 1, 50 do s[i] = nil end
print("emptied", #s)
local u = { "a", "b", "c" }
u[4] = "d"; u[5] = "e"
print("grow", #u)
print("strings", #"", #"abc", #"\0\0", #("x"):rep(1000))
print("rawlen", rawlen({ 1, 2 }), rawlen("abcd"))
print("len of keys", #{ a = 1, b = 2 })
local w = setmetatable({}, { __index = function(_, k) return k end })
print("__index does not affect #", #w)
-- table.remove edge cases
local e = {}
print("remove empty", table.remove(e), #e)
local one = { "x" }
print("remove only", table.remove(one), #one)
print("remove #t+1", table.remove({ 1, 2 }, 3))
-- table.insert at the end position
local v = { 1, 2 }
table.insert(v, 3, "end")
print("insert at #t+1", #v, v[3])
print("insert out of range", pcall(table.insert, { 1 }, 5, "x"))
print("unpack", table.unpack({ 1, 2, 3 }))
print("unpack range", table.unpack({ 1, 2, 3 }, 2), table.unpack({ 1, 2, 3 }, 2, 5))
print("concat", table.concat({ 1, 2, 3 }, "-"), table.concat({}, "x"), table.concat({ "a" }, ",", 1, 1))
print("concat bad", pcall(table.concat, { 1, {}, 3 }))
print("move", table.concat(table.move({ 1, 2, 3 }, 1, 3, 2), ","))
print("move to other", table.concat(table.move({ 1, 2, 3 }, 2, 3, 1, { 9, 9, 9 }), ","))
