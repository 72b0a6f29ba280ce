local io = require("io")
local time = require("time")

-- the relay is a service started with the runtime: wait for its name
local function await(name: string, within: string): boolean
  local deadline = time.after(within)
  while not process.registry.lookup(name) do
    local r = channel.select({deadline:case_receive(), time.after("20ms"):case_receive()})
    if r.channel == deadline then return false end
  end
  return true
end

local function main(): integer
  if not await("relay", "5s") then
    io.eprint("the relay did not start")
    return 1
  end
  local inbox = process.inbox()
  io.print("Echo client: type a line, an empty line quits.")
  while true do
    io.write("> ")
    local line = io.readline()
    if not line or line == "" then break end
    local _, err = process.send("relay", "echo", {reply_to = process.pid(), text = line})
    if err then
      io.print("  relay unavailable: " .. tostring(err))
    else
      local r = channel.select({inbox:case_receive(), time.after("2s"):case_receive()})
      if r.channel ~= inbox then
        io.print("  (no answer within 2s)")
      else
        local answer = r.value:payload():data()
        io.print(string.format("  %s   (worker %s, message %d)", answer.text, answer.worker,
          answer.seq))
      end
    end
  end
  io.print("bye")
  return 0
end

return {main = main}
