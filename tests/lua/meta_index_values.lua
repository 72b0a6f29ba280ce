-- __index values that are neither tables nor functions are indexed in turn;
-- debug.setupvalue on a chunk's _ENV redirects its global reads
local t = setmetatable({}, {__index = "abc"})
print(t.len == string.len, t.upper == string.upper, t.nothing)
local u = setmetatable({}, {__index = 5})
print(pcall(function() return u.x end))
local Class = setmetatable({}, {__index = "xyz"})
Class.__index = Class
local obj = setmetatable({}, Class)
print(obj.rep == string.rep, obj.missing)

local f = load("return marker")
marker = "old"
print(f())
print(debug.setupvalue(f, 1, {marker = "new"}))
print(f())
