-- bad-argument messages name the function as the calling code names it
local f = string.format
print(pcall(function() return f("%d", "x") end))
print(pcall(function() return string.rep() end))
print(pcall(function() return ("x"):rep() end))
print(pcall(function() return ("x"):rep({}) end))
print(pcall(function() return string.rep({}) end))
print(pcall(function() local s = {}; return string.upper(s) end))
print(pcall(function() return math.floor("a") end))
print(pcall(string.rep))
print(pcall(function() return tostring() end))
