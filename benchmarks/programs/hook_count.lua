-- hook_count: a line hook that counts lines, over a loop of arithmetic and
-- calls (the cost of running a debug hook on every line)
local t0 = os.clock()
local N = 200000
if arg and arg[1] == "quick" then N = 2000 end

local lines = 0
local function hook(event, line)
  lines = lines + 1
end

local function step(x, i)
  local y = x + i % 7
  if y > 1000000 then
    y = y - 1000000
  end
  return y
end

debug.sethook(hook, "l")
local acc = 0
for i = 1, N do
  acc = step(acc, i)
end
debug.sethook()

print("result " .. acc)
-- the exact count depends on how each interpreter maps code to lines
print("hook ran on every iteration: " .. tostring(lines >= 4 * N))
print(string.format("time: %.4f", os.clock() - t0))
