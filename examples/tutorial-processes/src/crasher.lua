local time = require("time")

local function main()
  time.sleep("20ms")
  error("crasher gave up")
end

return {main = main}
