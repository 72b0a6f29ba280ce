local io = require("io")
local time = require("time")

-- Counts the service's runs and prints the pauses the supervisor made
-- between them (50ms, 100ms, 200ms with this project's restart policy).
local function main(): integer
  process.registry.register("observer")
  local inbox = process.inbox()
  local starts: {number} = {}
  while true do
    local msg = inbox:receive()
    if msg:topic() == "started" then
      table.insert(starts, time.now():unix_nano() / 1e6)
      process.send(msg:from(), "attempt", #starts)
    elseif msg:topic() == "succeeded" then
      break
    end
  end
  local gaps = {}
  for i = 2, #starts do
    table.insert(gaps, string.format("%.0fms", starts[i] - starts[i - 1]))
  end
  io.print(string.format("supervisor: %d runs, %d restarts, gaps %s",
    #starts, #starts - 1, table.concat(gaps, " ")))
  return 0
end

return {main = main}
