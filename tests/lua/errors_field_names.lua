-- variable names in messages: computed keys, parentheses, constants; NaN signs through %
local t, k = {}, 1
print(pcall(function() return t[1] + 1 end))
print(pcall(function() return t[k] .. "x" end))
print(pcall(function() return (t.x) + 1 end))
print(pcall(function() return ("x")() end))
print(pcall(function() return -t[k] end))
local n = -(0/0)
print(1 % n, n % 1, -1 % n)
