-- The smallest terminal program: one line out, exit status 0.
local io = require("io")

local function main(): integer
  io.print("Hello from the terminal!")
  return 0
end

return {main = main}
