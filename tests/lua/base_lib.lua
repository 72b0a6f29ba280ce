-- basic library functions
-- 5.3: "Lua 5.3" (we report 5.3; lua5.4 prints "Lua 5.4")
print("_VERSION", _VERSION)
print("tonumber", tonumber("42"), tonumber("0x1F"), tonumber("  12  "), tonumber("1e3"), tonumber("5."), tonumber(".5"))
print("tonumber bad", tonumber(""), tonumber(" "), tonumber("1 2"), tonumber("12a"), tonumber("0x"), tonumber(nil))
print("tonumber bases", tonumber("ff", 16), tonumber("777", 8), tonumber("zz", 36), tonumber("101", 2), tonumber("Z", 36))
print("tonumber base edge", tonumber("8", 8), tonumber(" 11 ", 2), tonumber("-ff", 16), tonumber("1.5", 10))
print("tonumber number", tonumber(10), tonumber(1.5), tonumber("-0x10"), tonumber("1E2"), tonumber("-.5e1"))
print("tonumber inf/nan", tonumber("inf"), tonumber("nan"), tonumber("0x1p4"))
print("tonumber big", tonumber("9223372036854775807"), tonumber("-9223372036854775808"), tonumber("0xffffffffffffffff"))
print("tonumber non-string", tonumber({}), tonumber(true))
print("tostring", tostring(1), tostring(1.0), tostring(nil), tostring(false), tostring("x"))
print("type", type(1), type("s"), type(nil), type({}), type(print), type(true), type(coroutine.create(print)))
print("type no arg", pcall(type))
print("rawequal", rawequal(1, 1.0), rawequal("a", "a"), rawequal({}, {}), rawequal(0, -0))
local mt = { __index = function() return "meta" end, __newindex = function() error("blocked") end,
             __len = function() return 99 end, __eq = function() return true end }
local t = setmetatable({ present = 1 }, mt)
print("rawget", rawget(t, "present"), rawget(t, "absent"), t.absent)
rawset(t, "new", 2)
print("rawset", rawget(t, "new"))
print("rawlen", rawlen(t), #t, rawlen("abc"))
-- 5.3: the message is "(table or string expected)"; 5.4 adds ", got number"
print("rawlen bad", pcall(rawlen, 5))
print("rawequal meta", rawequal(t, setmetatable({}, mt)), t == setmetatable({}, mt))
print("select negative", select(-1, 1, 2, 3), select(-3, 1, 2, 3))
print("select #", select("#"), select("#", nil, nil))
print("select out of range", pcall(select, -4, 1, 2, 3))
print("select beyond", select(5, 1, 2))
-- next
local n = { 10 }
print("next", next(n), next(n, 1), next({}, nil))
print("next bad key", pcall(next, {}, "nope"))
-- ipairs stops at the first nil
local cnt = 0
for i, v in ipairs({ 1, 2, nil, 4 }) do cnt = i end
print("ipairs stops", cnt)
-- pairs visits everything exactly once (order independent)
local seen, total = {}, 0
local src = { 1, 2, 3, a = "x", b = "y", [2.5] = "z", [true] = "w" }
for k, v in pairs(src) do total = total + 1; seen[k] = v end
print("pairs count", total, seen.a, seen[2.5], seen[true], seen[3])
-- modifying existing fields during traversal is allowed
for k in pairs(src) do src[k] = nil end
print("cleared", next(src))
-- getmetatable / setmetatable with __metatable
local protected = setmetatable({}, { __metatable = "no access" })
print("__metatable", getmetatable(protected), pcall(setmetatable, protected, nil))
-- select('#') with many values
print("select big", select("#", table.unpack({}, 1, 250)))
-- assert, error, pcall return shapes
print("pcall shape", select("#", pcall(function() end)), select("#", pcall(error)))
-- tostring of integer-valued floats and ints
print("numbers", tostring(3) == "3", tostring(3.0) == "3.0", tostring(-0.0))
-- load and dofile-free chunk loading
print("load", load("return 1 + 1")())
print("load syntax error", (load("return +") == nil))
print("load with env", load("return x", "chunk", "t", { x = "from env" })())
print("load function", load(coroutine.wrap(function() coroutine.yield("return ") coroutine.yield("'pieces'") end))())
local f = load("local a, b = ... return b, a")
print("load varargs", f(1, 2))
print("_G", _G._G == _G, _G.print == print)
print("_ENV", _ENV == _G)
