-- Squares a number given as the first argument, or read from stdin when
-- there is none.  Output is coloured with ANSI escapes; a bad number is an
-- error message on stderr and exit status 1.
local io = require("io")

local ESC = "\027["
local function paint(code: string, s: string): string
  return ESC .. code .. "m" .. s .. ESC .. "0m"
end

local function main(): integer
  local words = io.args()
  local text = words[1]
  if text == nil then
    io.write(paint("33", "Number: "))
    text = io.readline() or ""
  end
  local n = tonumber(text)
  if n == nil then
    io.eprint(paint("31", "error: ") .. string.format("%q is not a number", text))
    return 1
  end
  io.print(paint("1", text .. "^2") .. " = " .. paint("32", tostring(n * n)))
  return 0
end

return {main = main}
