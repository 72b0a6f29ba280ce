-- 5.3: bit32 exists only in Lua 5.3 (5.4 has no bit32: the whole file differs)
-- bit32, Lua 5.3's compatibility library (lbitlib.c): unsigned 32-bit
-- results, integer arguments (integral floats and numeric strings accepted)

local function try(label, f, ...)
  print(label, pcall(f, ...))
end

local names = {}
for k in pairs(bit32) do names[#names + 1] = k end
table.sort(names)
print("functions", table.concat(names, " "))

print("band", bit32.band(), bit32.band(0xFF), bit32.band(0xF0F0, 0xFF00), bit32.band(-1, 0x12345678, 0xFFFF))
print("band wide", bit32.band(0x123456789), bit32.band(-1), bit32.band(2^32), bit32.band(2^32 + 5))
print("bor", bit32.bor(), bit32.bor(1, 2, 4, 8), bit32.bor(-1), bit32.bor(0x80000000, 1))
print("bxor", bit32.bxor(), bit32.bxor(0xFF, 0x0F), bit32.bxor(-1, 0), bit32.bxor(1, 1, 1))
print("btest", bit32.btest(), bit32.btest(1, 2), bit32.btest(3, 2), bit32.btest(0x100000000, 0x100000000))
print("bnot", bit32.bnot(0), bit32.bnot(-1), bit32.bnot(0x0F0F0F0F), bit32.bnot(2^32))
print("lshift", bit32.lshift(1, 0), bit32.lshift(1, 31), bit32.lshift(1, 32), bit32.lshift(0xFFFFFFFF, 4),
      bit32.lshift(0x80, -4), bit32.lshift(1, 100), bit32.lshift(1, -100))
print("rshift", bit32.rshift(0x80000000, 31), bit32.rshift(-1, 28), bit32.rshift(1, 32), bit32.rshift(1, -4),
      bit32.rshift(0x123456789, 4), bit32.rshift(5, math.mininteger + 1))
print("arshift", bit32.arshift(0x80000000, 4), bit32.arshift(0x7FFFFFFF, 4), bit32.arshift(-1, 40),
      bit32.arshift(0x80000000, -1), bit32.arshift(-16, 2), bit32.arshift(0x80000000, 31), bit32.arshift(0x80000000, 32))
print("lrotate", bit32.lrotate(0x80000001, 1), bit32.lrotate(1, 33), bit32.lrotate(1, -1), bit32.lrotate(0x12345678, 0),
      bit32.lrotate(0x12345678, 16), bit32.lrotate(-1, 7))
print("rrotate", bit32.rrotate(1, 1), bit32.rrotate(0x80000001, 1), bit32.rrotate(0x12345678, 8), bit32.rrotate(1, -33))
print("extract", bit32.extract(0xF0, 4, 4), bit32.extract(0xFFFFFFFF, 31), bit32.extract(0x12345678, 0, 32),
      bit32.extract(-1, 0, 32), bit32.extract(0x12345678, 8, 8), bit32.extract(5, 0))
print("replace", bit32.replace(0, 0xF, 4, 4), bit32.replace(0xFFFFFFFF, 0, 0, 8), bit32.replace(0, 1, 31),
      bit32.replace(0x12345678, 0xABCD, 16, 16), bit32.replace(0, -1, 0, 32), bit32.replace(7, 0, 1))
print("coercion", bit32.band("0xFF", "15"), bit32.bor(1.0, 2.0), bit32.lshift("1", "4"), bit32.extract("255", "4", "4"))
print("types", math.type(bit32.band(1)), math.type(bit32.bnot(0)), type(bit32.btest(1)))

try("band string", bit32.band, 1, "x")
try("band float", bit32.band, 1.5)
try("band nil", bit32.band, 1, nil)
try("bnot none", bit32.bnot)
try("bnot table", bit32.bnot, {})
try("lshift no disp", bit32.lshift, 1)
try("rshift float disp", bit32.rshift, 1, 0.5)
try("arshift bool", bit32.arshift, true, 1)
try("lrotate none", bit32.lrotate)
try("lshift none", bit32.lshift)
try("rshift strings", bit32.rshift, "x", "y")
try("arshift none", bit32.arshift)
try("rrotate str", bit32.rrotate, 1, "a")
try("btest table", bit32.btest, {}, 1)
try("bxor 3rd", bit32.bxor, 1, 2, "z")
try("extract negative field", bit32.extract, 1, -1)
try("extract zero width", bit32.extract, 1, 0, 0)
try("extract too wide", bit32.extract, 1, 0, 33)
try("extract past end", bit32.extract, 1, 31, 2)
try("extract no field", bit32.extract, 1)
try("replace negative field", bit32.replace, 1, 1, -1)
try("replace zero width", bit32.replace, 1, 1, 0, -2)
try("replace past end", bit32.replace, 1, 1, 30, 3)
try("replace no v", bit32.replace, 1)
print(pcall(function() return bit32.extract(1, 40) end))
print(pcall(function() return bit32.band(1, {}) end))
