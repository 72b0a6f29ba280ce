-- Registers as "pong" and answers each ping to its sender until cancelled.
local function main(): integer
  process.registry.register("pong")
  local inbox, events = process.inbox(), process.events()
  while true do
    local r = channel.select({inbox:case_receive(), events:case_receive()})
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then return 0 end
    else
      local msg = r.value
      if msg:topic() == "ping" then
        process.send(msg:from(), "pong", msg:payload():data())
      end
    end
  end
end

return {main = main}
