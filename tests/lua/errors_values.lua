-- error values, levels, pcall/xpcall, assert
print("string error", pcall(error, "plain"))
print("level 0", pcall(function() error("no position", 0) end))
print("level 1", pcall(function() error("here") end))
local function callee() error("blame caller", 2) end
local function caller()
  callee()                                        -- line 7
end
print("level 2", pcall(caller))
print("table error", select("#", pcall(error, { code = 42 })), (select(2, pcall(error, { code = 42 }))).code)
local errobj = setmetatable({}, { __tostring = function() return "custom error" end })
local ok, e = pcall(error, errobj)
print("error object identity", ok, e == errobj, tostring(e))
print("number error", pcall(error, 42))
print("number error with level", pcall(function() error(42, 1) end))
print("nil error", pcall(error))
print("nil error explicit", pcall(error, nil))
print("boolean error", pcall(error, false))
-- runtime errors carry a position
print("runtime", pcall(function() local x = nil; return x.y end))
-- xpcall with a message handler
print("xpcall", xpcall(function() error("oops") end, function(m) return "handled: " .. m end))
print("xpcall ok", xpcall(function(a, b) return a + b end, print, 3, 4))
print("xpcall handler gets object", xpcall(function() error({ 1, 2, 3 }) end, function(m) return #m end))
print("xpcall handler for runtime error", xpcall(function() return 1 + nil end, function(m) return (m:gsub("^.-:%d+: ", "")) end))
-- assert
print("assert ok", assert(1, "unused"), select("#", assert(1, 2, 3)))
print("assert default", pcall(assert, false))
print("assert nil", pcall(assert, nil))
print("assert message", pcall(assert, false, "custom message"))
print("assert non-string", select(2, pcall(assert, false, { tag = "t" })).tag)
print("assert number message", pcall(assert, nil, 404))
print("assert no args", pcall(assert))
-- nested pcall
print("nested", pcall(function()
  local ok1, e1 = pcall(error, "inner", 0)
  error("outer after " .. e1, 0)
end))
print("pcall returns all results", pcall(function() return 1, nil, 3 end))
print("pcall non-function", pcall(42))
print("pcall nil", pcall(nil))
-- error in error handler
print("error in handler", xpcall(function() error("first") end, function() error("second") end))
-- error rethrown keeps the value
ok, e = pcall(function()
  local ok2, e2 = pcall(error, { level = "inner" })
  error(e2)
end)
print("rethrow table", ok, e.level)
-- string errors with level 1 inside nested function calls
local function lvl1() error("deep") end
local function mid() lvl1() end
print("position is the error call", pcall(mid))
-- error with a message that is a number string keeps the position prefix
print("numeric string", pcall(error, "123"))
print("tostring of error", pcall(function() error(setmetatable({}, { __tostring = function() return "E!" end })) end) == false)
