-- bitwise operators on 64-bit integers
print("and/or/xor", 0xF0 & 0x3C, 0xF0 | 0x3C, 0xF0 ~ 0x3C)
print("not", ~0, ~1, ~-1, ~math.maxinteger)
print("shl", 1 << 0, 1 << 1, 1 << 62, 1 << 63, 1 << 64, 1 << 100)
print("shr", 256 >> 4, -1 >> 1, -1 >> 63, -1 >> 64, math.mininteger >> 63)
print("negative shift", 1 << -1, 256 >> -2, 2 >> -62, 1 << -64)
print("float operands", 3.0 & 1, 2.0 ^ 3 | 0, 1e3 >> 1)
print("math.type", math.type(3.0 & 1), math.type(1 << 2))
-- 5.3: strings convertible to numbers are accepted (14 2 8); 5.4 raises an error for them
print("strings", pcall(function() return "10" | "4", "0x3" & 2, "2.0" << 2 end))
print("precedence", 1 | 2 & 3, 1 << 2 + 1, 5 & 3 == 1, ~0 >> 60, 2 ~ 3 | 4)
print("masks", 0xFF00FF00 & 0x0FF00FF0, 0xdeadbeef ~ 0xffffffff)
print("big values", 0x7fffffffffffffff & -1, math.mininteger | 1, math.mininteger ~ math.maxinteger)
print("errors", pcall(function() return 1.5 & 1 end))
print("error nil", pcall(function() local n; return n | 1 end))
print("error table", pcall(function() return {} ~ 1 end))
print("error huge float", pcall(function() return 1e100 >> 1 end))
print("error nan", pcall(function() return (0/0) | 0 end))
-- 5.3: a string holding a non-integral number gives "number has no integer representation";
-- 5.4: "attempt to perform bitwise operation on a string value (constant '1.5')"
print("error bad string", pcall(function() return "1.5" | 0 end))
local function popcount(x)
  local c = 0
  while x ~= 0 do x = x & (x - 1); c = c + 1 end
  return c
end
print("popcount", popcount(0), popcount(255), popcount(-1), popcount(math.mininteger))
local function rotl(x, n) return (x << n) | (x >> (64 - n)) end
print("rotl", rotl(1, 1), rotl(math.mininteger, 1), rotl(0x0123456789abcdef, 8))
local h = 0
for i = 1, 1000 do h = ((h << 5) ~ (h >> 3) ~ i) & 0xffffffff end
print("hash", h)
print("hex output", string.format("%x %X", -1 & 0xffff, 0xabc << 4))
print("xor self", 12345 ~ 12345, ~(~42))
print("unary chain", ~~5, - ~5, ~-5)
