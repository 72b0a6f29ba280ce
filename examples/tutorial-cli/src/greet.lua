-- Prompts for a name (without a newline), reads one line, greets it.
local io = require("io")

local function main(): integer
  io.write("What is your name? ")
  io.flush()
  local name = io.readline()
  if name and #name > 0 then
    io.print("Nice to meet you, " .. name .. ".")
  else
    io.print("Nice to meet you, whoever you are.")
  end
  return 0
end

return {main = main}
