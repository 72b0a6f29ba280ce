-- __tostring, __name, __metatable and getmetatable/setmetatable
local P = {}
P.__tostring = function(p) return "Point(" .. p.x .. ", " .. p.y .. ")" end
local pt = setmetatable({ x = 1, y = 2 }, P)
print(pt)
print("tostring", tostring(pt))
print("string.format %s", string.format("%s", pt))
print("in concat needs __concat", pcall(function() return "p=" .. pt end) == false)
print("__tostring non-string", pcall(tostring, setmetatable({}, { __tostring = function() return 1 end })))
print("__tostring error", pcall(tostring, setmetatable({}, { __tostring = function() error("boom", 0) end })))
-- __name is used by tostring when there is no __tostring
local named = setmetatable({}, { __name = "MyType" })
print("__name", (tostring(named):gsub("0x%x+", "ADDR"):gsub(": [%x]+$", ": ADDR")))
-- __metatable protects the metatable
local guarded = setmetatable({}, { __metatable = "locked" })
print("getmetatable", getmetatable(guarded))
print("setmetatable", pcall(setmetatable, guarded, {}))
local g2 = setmetatable({}, { __metatable = false })
print("false __metatable", getmetatable(g2), pcall(setmetatable, g2, nil))
-- getmetatable of strings and other values
print("string metatable", getmetatable("").__index == string, getmetatable("abc") == getmetatable(""))
print("no metatable", getmetatable({}), getmetatable(1), getmetatable(nil), getmetatable(print))
-- setmetatable returns its first argument and accepts nil
local t = {}
print("returns t", setmetatable(t, {}) == t)
print("remove", getmetatable(setmetatable(t, nil)))
-- 5.3: the message has no ", got number" suffix (5.4 adds it)
print("bad args", pcall(setmetatable, t, 1))
print("bad first", pcall(setmetatable, 1, {}))
-- print calls __tostring as well
print("print", pt, 1, "two")
-- tostring of basic values
print("basics", tostring(nil), tostring(true), tostring(false), tostring(12), tostring(1.25), tostring("s"))
print("prefixes", tostring({}):match("^table: ") ~= nil, tostring(print):match("^function: ") ~= nil)
print("function prefix", tostring(function() end):match("^function: ") ~= nil)
print("coroutine prefix", tostring(coroutine.create(print)):match("^thread: ") ~= nil)
