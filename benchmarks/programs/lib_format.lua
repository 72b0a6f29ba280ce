-- lib_format: string.format with the common conversions
local t0 = os.clock()
local N = 60000
if arg and arg[1] == "quick" then N = 600 end

local format = string.format
local names = { "alpha", "beta", "gamma", "delta" }
local h = 0
for i = 1, N do
  local x = i / 7
  local s1 = format("%d", i)
  local s2 = format("%5.2f", x)
  local s3 = format("%s=%d", names[i % 4 + 1], i)
  local s4 = format("[%-8s|%8s]", names[i % 4 + 1], "v")
  local s5 = format("%x %X %o", i, i * 3, i)
  local s6 = format("%.3e %g", x, x)
  local s7 = format("%05d:%+d %s", i % 1000, i - 30000, "end")
  local s8 = format("%q", names[i % 4 + 1])
  if i % 16 == 0 then       -- sampled, so the loop is mostly format calls
    h = (h + #s1 + #s2 + #s3 + #s4 + #s5 + #s6 + #s7 + #s8) % 1000000007
  end
end
print("format", h)
print(format("%d %5.2f %s %x %.3e %g %05d %+d %q %c%%", 42, 3.14159, "str", 255, 1234.5,
             0.1, 7, 3, "a\nb", 65))
print(string.format("time: %.4f", os.clock() - t0))
