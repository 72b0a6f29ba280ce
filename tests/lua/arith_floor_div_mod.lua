-- floor division and modulo follow floor semantics for ints and floats
local pairs_ = { {7, 3}, {-7, 3}, {7, -3}, {-7, -3}, {0, 5}, {5, 1}, {-1, 2}, {6, -3} }
for _, p in ipairs(pairs_) do
  local a, b = p[1], p[2]
  print(a .. " // " .. b .. " = " .. a // b, a .. " % " .. b .. " = " .. a % b)
end
print("int types", math.type(7 // 2), math.type(7 % 2))
print("float //", 7.0 // 2, -7.0 // 2, 7 // 2.0, 7.5 // 2)
print("float %", 7.0 % 2, -7.0 % 2, 7 % -2.0, 5.5 % 2)
print("float types", math.type(7.0 // 2), math.type(7 % 2.0))
print("frac mod", 5.25 % 1, -5.25 % 1, 5.25 % -1)
print("x // 0.0", 1 // 0.0, -1 // 0.0)
print("0.0/0.0 ~= itself", (0 / 0) ~= (0 / 0))
print("x % 0.0 is nan", (1 % 0.0) ~= (1 % 0.0))
print("x % inf", 5 % math.huge, -5 % math.huge, 5 % -math.huge)
print("inf // 1", math.huge // 1, -math.huge // 1)
print("division", 7 / 2, 6 / 2, math.type(6 / 2), -7 / 2)
print("big //", math.maxinteger // 2, math.mininteger // 3)
print("big %", math.maxinteger % 10, math.mininteger % 10)
print("1e15 // 7", 1e15 // 7, 1e15 % 7)
print("3 % -inf", 3 % -math.huge, -3 % math.huge)
print("pow", 2 ^ 10, 2 ^ 0.5 == math.sqrt(2), math.type(2 ^ 2))
print("neg pow", (-2) ^ 2, -2 ^ 2, 2 ^ -1)
print("precedence", 2 + 3 * 4 ^ 2 / 8 // 1 % 5)
print("unary", - -3, -(-3.5), -0.0 == 0.0)
-- integer division by zero is an error; float division by zero is not
-- (Lua 5.3.6 says "attempt to divide by zero" for //, "attempt to perform 'n%%0'" for %)
local zero, fzero = 0, 0.0
print("1//0", pcall(function() return 1 // zero end))
print("1%0", pcall(function() return 1 % zero end))
print("1//0.0", pcall(function() return 1 // fzero end))
print("1%0.0 is nan", (function() local r = 1 % fzero; return r ~= r end)())
print("1.0//0", pcall(function() return 1.0 // zero end))
