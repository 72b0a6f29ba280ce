local io = require("io")
local time = require("time")

-- services start concurrently: wait until a name is registered
local function await_name(name: string): string?
  for _ = 1, 200 do
    local pid = process.registry.lookup(name)
    if pid then return pid end
    time.sleep("10ms")
  end
  return nil
end

local function main(rounds: string?): integer
  local n = math.tointeger(tonumber(rounds or "5")) or 5
  if not (await_name("ping") and await_name("pong")) then
    io.eprint("services did not start")
    return 1
  end
  process.send("ping", "start", {rounds = n, reply_to = process.pid()})
  local msg = process.inbox():receive()
  local res = msg:payload():data()
  io.print(string.format("ping-pong: %d rounds, last reply %d", res.rounds, res.last))
  return 0
end

return {main = main}
